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

describe("a map fitted to its places", () => {
  const europe = [
    { id: "paris", latitude: 48.85, longitude: 2.35 },
    { id: "berlin", latitude: 52.52, longitude: 13.41 },
    { id: "london", latitude: 51.5, longitude: -0.13 },
  ];
  it("zooms in on the region the places span, inside the frame", () => {
    const world = makeProjection(720, 380);
    const fitted = makeProjection(720, 380, europe);
    expect(fitted.scale()).toBeGreaterThan(world.scale());
    expect(fitted.scale()).toBeLessThanOrEqual(world.scale() * 6 + 1e-6);
    for (const p of projectPlaces(europe, fitted)) {
      expect(p.x).toBeGreaterThanOrEqual(0);
      expect(p.x).toBeLessThanOrEqual(720);
      expect(p.y).toBeGreaterThanOrEqual(0);
      expect(p.y).toBeLessThanOrEqual(380);
    }
  });
  it("keeps places all over the world in the frame, and a single place in the world view", () => {
    const spread = [
      ...europe,
      { id: "sf", latitude: 37.77, longitude: -122.42 },
      { id: "sydney", latitude: -33.87, longitude: 151.21 },
      { id: "reykjavik", latitude: 64.15, longitude: -21.94 },
    ];
    const fitted = makeProjection(720, 380, spread);
    expect(fitted.scale()).toBeLessThan(makeProjection(720, 380, europe).scale());
    for (const p of projectPlaces(spread, fitted)) {
      expect(p.x).toBeGreaterThanOrEqual(0);
      expect(p.x).toBeLessThanOrEqual(720);
      expect(p.y).toBeGreaterThanOrEqual(0);
      expect(p.y).toBeLessThanOrEqual(380);
    }
    expect(makeProjection(720, 380, europe.slice(0, 1)).scale()).toBe(makeProjection(720, 380).scale());
  });
  it("centres very close places at the zoom limit", () => {
    const close = [{ id: "a", latitude: 48.85, longitude: 2.35 }, { id: "b", latitude: 48.86, longitude: 2.36 }];
    const p = makeProjection(720, 380, close);
    expect(p.scale()).toBeCloseTo(makeProjection(720, 380).scale() * 6);
    const [x, y] = p([2.355, 48.855])!;
    expect(x).toBeCloseTo(360, 0);
    expect(y).toBeCloseTo(190, 0);
  });
});
