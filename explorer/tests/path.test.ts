import { describe, expect, it } from "vitest";
import { circulationPath, yearSeries, type PathHop } from "../src/lib/path";

const place = (id: string) => ({ id, name: id.toUpperCase() });
const hop = (from: string, to: string, fromDate: string, toDate: string): PathHop => ({
  origin: place(from), destination: place(to), fromDate, toDate, lagDays: 0,
});

describe("circulationPath", () => {
  it("starts where the picture was first printed and follows arrival order", () => {
    const hops = [
      hop("paris", "ba", "1900-01-01", "1902-01-01"),
      hop("paris", "berlin", "1900-01-01", "1900-06-01"),
      hop("berlin", "lyon", "1900-06-01", "1900-06-01"),
    ];
    const path = circulationPath(hops);
    expect(path.map((s) => s.placeId)).toEqual(["paris", "berlin", "lyon", "ba"]);
    expect(path[0]).toMatchObject({ date: "1900-01-01", lagDays: 0 });
    expect(path[3].lagDays).toBe(730);
  });
  it("lists a place once, at its first arrival, and is empty without hops", () => {
    const path = circulationPath([
      hop("a", "b", "1900-01-01", "1901-01-01"),
      hop("c", "b", "1900-01-01", "1905-01-01"),
      hop("a", "c", "1900-01-01", "1900-02-01"),
    ]);
    expect(path.map((s) => s.placeId)).toEqual(["a", "c", "b"]);
    expect(circulationPath([])).toEqual([]);
  });
});

describe("yearSeries", () => {
  it("aligns series on every year of the span, zeros included", () => {
    const { years, values } = yearSeries([
      [{ year: 1900, count: 2 }, { year: 1903, count: 1 }],
      [{ year: 1901, count: 4 }],
    ]);
    expect(years).toEqual([1900, 1901, 1902, 1903]);
    expect(values).toEqual([[2, 0, 0, 1], [0, 4, 0, 0]]);
  });
});
