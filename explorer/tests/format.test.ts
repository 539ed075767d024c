import { describe, expect, it } from "vitest";
import { formatDate, formatLag, formatPlace, formatScore, rightsLabel } from "../src/lib/format";

describe("formatDate", () => {
  it("never claims more precision than the source gives", () => {
    expect(formatDate("1901-03-15", "day")).toBe("15 Mar 1901");
    expect(formatDate("1901-03-01", "month")).toBe("Mar 1901");
    expect(formatDate("1901-01-01", "year")).toBe("1901");
    expect(formatDate("1907-01-01", "decade")).toBe("1900s");
  });
  it("treats an unknown precision as a day and a missing date as undated", () => {
    expect(formatDate("1899-12-31", null)).toBe("31 Dec 1899");
    expect(formatDate(null, "day")).toBe("undated");
    expect(formatDate("1899", "day")).toBe("1899");
  });
});

describe("formatLag and the rest", () => {
  it("uses the unit a reader expects", () => {
    expect(formatLag(0)).toBe("same day");
    expect(formatLag(12)).toBe("12 d");
    expect(formatLag(91)).toBe("3 mo");
    expect(formatLag(1096)).toBe("3.0 y");
  });
  it("formats scores and places", () => {
    expect(formatScore(0.876)).toBe("88%");
    expect(formatPlace("Paris", "France")).toBe("Paris, France");
    expect(formatPlace(null, undefined)).toBe("unknown place");
  });
});

describe("rightsLabel", () => {
  it("names Creative Commons licences and marks", () => {
    expect(rightsLabel("http://creativecommons.org/licenses/by-sa/4.0/")).toBe("CC BY-SA 4.0");
    expect(rightsLabel("https://creativecommons.org/publicdomain/mark/1.0/")).toBe("Public Domain Mark 1.0");
    expect(rightsLabel("http://creativecommons.org/publicdomain/zero/1.0/")).toBe("CC0 1.0");
  });
  it("names rights statements and leaves anything else as given", () => {
    expect(rightsLabel("http://rightsstatements.org/vocab/NoC-US/1.0/")).toBe("No Copyright – United States");
    expect(rightsLabel("http://rightsstatements.org/vocab/XYZ/1.0/")).toBe("http://rightsstatements.org/vocab/XYZ/1.0/");
    expect(rightsLabel("https://example.org/terms")).toBe("https://example.org/terms");
  });
});
