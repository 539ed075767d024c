import { describe, expect, it } from "vitest";
import { arcPath, makeProjection, projectPlaces, radiusFor } from "../src/lib/geo";

describe("map projection of places", () => {
  const projection = makeProjection(720, 380);
  const places = [
    { id: "paris", name: "Paris", latitude: 48.85, longitude: 2.35 },
    { id: "ba", name: "Buenos Aires", latitude: -34.61, longitude: -58.38 },
    { id: "berlin", name: "Berlin", latitude: 52.52, longitude: 13.41 },
    { id: "nowhere", name: "Nowhere", latitude: null, longitude: null },
  ];
  const [paris, ba, berlin] = projectPlaces(places, projection);

  it("keeps places inside the frame and leaves out places without coordinates", () => {
    expect(projectPlaces(places, projection)).toHaveLength(3);
    for (const p of [paris, ba, berlin]) {
      expect(p.x).toBeGreaterThan(0);
      expect(p.x).toBeLessThan(720);
      expect(p.y).toBeGreaterThan(0);
      expect(p.y).toBeLessThan(380);
    }
  });
  it("puts north up and east right", () => {
    expect(ba.y).toBeGreaterThan(paris.y); // south is down
    expect(ba.x).toBeLessThan(paris.x); // west is left
    expect(berlin.x).toBeGreaterThan(paris.x);
    expect(berlin.y).toBeLessThan(paris.y);
  });
  it("puts the equator and the prime meridian at the centre", () => {
    const [x, y] = projection([0, 0])!;
    expect(x).toBeCloseTo(360, 0);
    expect(y).toBeCloseTo(190, 0);
  });
  it("sizes by area and draws arcs end to end", () => {
    expect(radiusFor(4, 16, 20)).toBeCloseTo(10);
    expect(radiusFor(0, 16)).toBe(3);
    expect(arcPath({ x: 0, y: 0 }, { x: 10, y: 0 })).toBe("M0.0,0.0 Q5.0,2.5 10.0,0.0");
  });
});
