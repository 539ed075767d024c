import { describe, expect, it } from "vitest";
import { countryAnchors, flowRows, matrix, periodLabel, periodTotals, periodWindow } from "../src/lib/flows";
import { imageService, parseXywh, subRegion } from "../src/lib/iiif";

const p = (id: string, countryCode: string) => ({ id, name: id, countryCode, latitude: 1, longitude: 1 });
const flows = [
  { origin: p("paris", "FR"), destination: p("berlin", "DE"), count: 3, clusters: 2, meanLagDays: 100 },
  { origin: p("lyon", "FR"), destination: p("berlin", "DE"), count: 1, clusters: 1, meanLagDays: 20 },
  { origin: p("berlin", "DE"), destination: p("paris", "FR"), count: 2, clusters: 2, meanLagDays: 10 },
];

describe("flows", () => {
  it("places country flows at the country's busiest place", () => {
    const anchors = countryAnchors([
      { countryCode: "FR", latitude: 48.85, longitude: 2.35 },
      { countryCode: "FR", latitude: 45.75, longitude: 4.85 },
      { countryCode: "DE", latitude: null, longitude: null },
      { countryCode: "DE", latitude: 52.52, longitude: 13.41 },
    ]);
    expect(anchors.get("FR")).toEqual({ latitude: 48.85, longitude: 2.35 });
    expect(anchors.get("DE")).toEqual({ latitude: 52.52, longitude: 13.41 });
    const rows = flowRows(
      [
        { originCountry: { code: "FR", name: "France" }, destinationCountry: { code: "DE", name: null }, count: 4, clusters: 3, meanLagDays: 80 },
        { originCountry: { code: "AR", name: "Argentina" }, destinationCountry: null, count: 1, clusters: 1, meanLagDays: 1 },
      ],
      anchors,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].origin).toEqual({ id: "FR", name: "France", countryCode: "FR", latitude: 48.85, longitude: 2.35 });
    expect(rows[0].destination.name).toBe("DE");
    expect(flowRows(flows, anchors)).toEqual(flows);
  });
  it("totals hops per period, empty periods included", () => {
    const cells = [
      { period: 1900, count: 2, clusters: 1, meanLagDays: 1 },
      { period: 1920, count: 1, clusters: 1, meanLagDays: 1 },
      { period: 1900, count: 3, clusters: 1, meanLagDays: 1 },
    ];
    expect(periodTotals([1900, 1910, 1920], cells)).toEqual([
      { period: 1900, count: 5 },
      { period: 1910, count: 0 },
      { period: 1920, count: 1 },
    ]);
    expect(periodWindow(1900, "DECADE", null, null)).toEqual({ dateFrom: "1900-01-01", dateTo: "1909-12-31" });
    expect(periodWindow(1900, "DECADE", "1903-05-01", "1950-12-31")).toEqual({ dateFrom: "1903-05-01", dateTo: "1909-12-31" });
    expect(periodWindow(1905, "YEAR", "1890-01-01", "1905-06-30")).toEqual({ dateFrom: "1905-01-01", dateTo: "1905-06-30" });
    expect(periodLabel(1930, "DECADE")).toBe("1930s");
    expect(periodLabel(1931, "YEAR")).toBe("1931");
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
