import { describe, expect, it } from "vitest";
import { byCountry, matrix } from "../src/lib/flows";
import { imageService, parseXywh, subRegion } from "../src/lib/iiif";

const p = (id: string, countryCode: string) => ({ id, name: id, countryCode, latitude: 1, longitude: 1 });
const flows = [
  { origin: p("paris", "FR"), destination: p("berlin", "DE"), count: 3, clusters: 2, meanLagDays: 100 },
  { origin: p("lyon", "FR"), destination: p("berlin", "DE"), count: 1, clusters: 1, meanLagDays: 20 },
  { origin: p("berlin", "DE"), destination: p("paris", "FR"), count: 2, clusters: 2, meanLagDays: 10 },
];

describe("flows", () => {
  it("groups by country with count-weighted lags", () => {
    const grouped = byCountry(flows, (c) => ({ FR: "France", DE: "Germany" })[c] ?? c);
    expect(grouped.map((f) => [f.origin.id, f.destination.id, f.count])).toEqual([["FR", "DE", 4], ["DE", "FR", 2]]);
    expect(grouped[0].meanLagDays).toBe(80);
    expect(grouped[0].origin.name).toBe("France");
  });
  it("makes an origin-destination matrix, busiest first", () => {
    const m = matrix(flows);
    expect(m.origins.map((o) => o.id)).toEqual(["paris", "berlin", "lyon"]);
    expect(m.destinations.map((d) => d.id)).toEqual(["berlin", "paris"]);
    expect(m.cell("lyon", "berlin")?.count).toBe(1);
    expect(m.cell("lyon", "paris")).toBeUndefined();
  });
});

describe("IIIF regions", () => {
  it("finds the image service and maps a sub-region into page pixels", () => {
    expect(imageService("http://h/iiif/page-1/10,20,300,400/max/0/default.jpg")).toBe("http://h/iiif/page-1");
    expect(parseXywh("10,20,300,400")).toEqual([10, 20, 300, 400]);
    expect(parseXywh("nope")).toBeNull();
    expect(subRegion([100, 200, 300, 400], { x: 0.5, y: 0.25, w: 0.5, h: 0.5 })).toEqual([250, 300, 150, 200]);
  });
});
