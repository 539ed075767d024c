// Offline map maths: countries from world-atlas, places and arcs through one projection.
import { geoNaturalEarth1, geoPath, type GeoProjection } from "d3-geo";
import { feature } from "topojson-client";
import type { FeatureCollection, Geometry } from "geojson";
import type { Topology } from "topojson-specification";

export interface GeoPlace {
  id: string;
  name?: string | null;
  latitude?: number | null;
  longitude?: number | null;
}

export interface ProjectedPlace {
  id: string;
  name: string;
  x: number;
  y: number;
}

/**
 * The whole world, or (given places) the region they span with a margin, never zoomed in past
 * `maxZoom` times the world view. Natural Earth keeps the press's Europe-to-Americas span
 * readable at small sizes.
 */
export function makeProjection(width: number, height: number, places: readonly GeoPlace[] = [], maxZoom = 6): GeoProjection {
  const world = geoNaturalEarth1().fitExtent([[4, 4], [width - 4, height - 4]], { type: "Sphere" });
  const coordinates = places
    .filter((p) => p.latitude != null && p.longitude != null)
    .map((p) => [p.longitude!, p.latitude!]);
  if (coordinates.length < 2) return world;
  const margin = Math.min(width, height) * 0.12;
  const region = geoNaturalEarth1().fitExtent(
    [[margin, margin], [width - margin, height - margin]],
    { type: "MultiPoint", coordinates },
  );
  if (region.scale() <= world.scale()) return world;
  if (region.scale() > world.scale() * maxZoom) {
    const centre = region.invert!([width / 2, height / 2])!;
    return geoNaturalEarth1().scale(world.scale() * maxZoom).center(centre).translate([width / 2, height / 2]);
  }
  return region;
}

/** Places with coordinates, projected; places without coordinates are left out. */
export function projectPlaces(places: readonly GeoPlace[], projection: GeoProjection): ProjectedPlace[] {
  const out: ProjectedPlace[] = [];
  for (const p of places) {
    if (p.latitude == null || p.longitude == null) continue;
    const xy = projection([p.longitude, p.latitude]);
    if (!xy) continue;
    out.push({ id: p.id, name: p.name ?? p.id, x: xy[0], y: xy[1] });
  }
  return out;
}

/** A curved SVG path from a to b, bowed to the left of travel so opposite flows do not overlap. */
export function arcPath(a: { x: number; y: number }, b: { x: number; y: number }): string {
  const mx = (a.x + b.x) / 2;
  const my = (a.y + b.y) / 2;
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const bow = 0.25;
  return `M${a.x.toFixed(1)},${a.y.toFixed(1)} Q${(mx - dy * bow).toFixed(1)},${(my + dx * bow).toFixed(1)} ${b.x.toFixed(1)},${b.y.toFixed(1)}`;
}

/** Circle radius for a count: area proportional to the count. */
export function radiusFor(count: number, max: number, maxRadius = 12): number {
  if (max <= 0) return 3;
  return Math.max(3, maxRadius * Math.sqrt(count / max));
}

let countries: FeatureCollection<Geometry> | null = null;

export async function loadCountries(): Promise<FeatureCollection<Geometry>> {
  if (countries) return countries;
  const topology = (await import("world-atlas/countries-110m.json")).default as unknown as Topology;
  countries = feature(topology, topology.objects.countries) as FeatureCollection<Geometry>;
  return countries;
}

export function countryPaths(collection: FeatureCollection<Geometry>, projection: GeoProjection): string[] {
  const path = geoPath(projection);
  return collection.features.map((f) => path(f) ?? "").filter(Boolean);
}
