// The circulation path: where a picture was first printed, then each new place in order.
export interface PathHop {
  origin: { id: string; name?: string | null };
  destination: { id: string; name?: string | null };
  fromDate: string;
  toDate: string;
  lagDays: number;
}

export interface PathStop {
  placeId: string;
  name: string;
  date: string;
  lagDays: number;
}

/** Stops in arrival order (ties by name); the first stop is the origin, with lag 0. */
export function circulationPath(hops: readonly PathHop[]): PathStop[] {
  if (hops.length === 0) return [];
  const sorted = [...hops].sort(
    (a, b) => a.toDate.localeCompare(b.toDate) || (a.destination.name ?? "").localeCompare(b.destination.name ?? ""),
  );
  const arrived = new Set(sorted.map((h) => h.destination.id));
  const first =
    [...sorted].sort((a, b) => a.fromDate.localeCompare(b.fromDate)).find((h) => !arrived.has(h.origin.id)) ??
    sorted[0];
  const stops: PathStop[] = [
    { placeId: first.origin.id, name: first.origin.name ?? first.origin.id, date: first.fromDate, lagDays: 0 },
  ];
  const seen = new Set([first.origin.id]);
  for (const hop of sorted) {
    if (seen.has(hop.destination.id)) continue;
    seen.add(hop.destination.id);
    const name = hop.destination.name ?? hop.destination.id;
    const lagDays = Math.round((Date.parse(hop.toDate) - Date.parse(stops[0].date)) / 86_400_000);
    stops.push({ placeId: hop.destination.id, name, date: hop.toDate, lagDays });
  }
  return stops;
}

/** Counts per year, every year of the span present (zeros included) for an honest axis. */
export function yearSeries(counts: readonly { year: number; count: number }[][]): {
  years: number[];
  values: number[][];
} {
  const all = counts.flat().map((c) => c.year);
  if (all.length === 0) return { years: [], values: counts.map(() => []) };
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  const years = Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
  const values = counts.map((series) => {
    const byYear = new Map(series.map((c) => [c.year, c.count]));
    return years.map((y) => byYear.get(y) ?? 0);
  });
  return { years, values };
}
