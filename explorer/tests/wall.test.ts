import { describe, expect, it } from "vitest";
import { PATH_HOPS, wallVariables, wallView } from "../src/lib/wall";

describe("the wall's state from its URL", () => {
  it("defaults to the biggest clusters, 24 a page", () => {
    expect(wallVariables(wallView(new URLSearchParams("")), null)).toEqual({
      where: { dateFrom: null, dateTo: null, country: null, place: null, periodical: null, corpus: null, curated: null, flagged: null },
      sort: { by: "SIZE", direction: "DESC" },
      first: 24,
      after: null,
      pathHops: PATH_HOPS,
    });
  });
  it("reads years, filters, the sort and the page size", () => {
    const view = wallView(new URLSearchParams("sort=FIRST_DATE&from=1900&to=1910-06-30&corpus=presse&status=flagged&per=500"));
    const v = wallVariables(view, "abc");
    expect(v.sort).toEqual({ by: "FIRST_DATE", direction: "ASC" });
    expect(v.where).toMatchObject({ dateFrom: "1900-01-01", dateTo: "1910-06-30", corpus: "presse", flagged: true, curated: null });
    expect(v.first).toBe(100);
    expect(v.after).toBe("abc");
  });
});
