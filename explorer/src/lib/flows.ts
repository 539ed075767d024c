// Flows grouped by place or by country, and the origin–destination matrix they make.
export interface FlowPlace {
  id: string;
  name?: string | null;
  latitude?: number | null;
  longitude?: number | null;
  countryCode?: string | null;
}
export interface FlowRow {
  origin: FlowPlace;
  destination: FlowPlace;
  count: number;
  clusters: number;
  meanLagDays: number;
}

export interface AnchorPlace {
  latitude?: number | null;
  longitude?: number | null;
  countryCode?: string | null;
}

/** Where a country sits on the map: its place with the most issues among those given, the
 * busiest first (as `places` lists them); a country has no coordinates of its own. */
export function countryAnchors(places: readonly AnchorPlace[]): Map<string, { latitude: number; longitude: number }> {
  const anchors = new Map<string, { latitude: number; longitude: number }>();
  for (const p of places) {
    if (!p.countryCode || p.latitude == null || p.longitude == null || anchors.has(p.countryCode)) continue;
    anchors.set(p.countryCode, { latitude: p.latitude, longitude: p.longitude });
  }
  return anchors;
}

interface Country {
  code: string;
  name?: string | null;
}
/** One origin → destination row as the API gives it, by place or by country. */
export interface ApiFlow {
  origin?: FlowPlace | null;
  destination?: FlowPlace | null;
  originCountry?: Country | null;
  destinationCountry?: Country | null;
  count: number;
  clusters: number;
  meanLagDays: number;
  period?: number | null;
}

/** Rows for the map and the matrix: places as given, countries placed at their anchor. */
export function flowRows(flows: readonly ApiFlow[], anchors: Map<string, { latitude: number; longitude: number }>): FlowRow[] {
  const country = (c: Country): FlowPlace => ({ id: c.code, name: c.name ?? c.code, countryCode: c.code, ...anchors.get(c.code) });
  return flows.flatMap((f) => {
    const origin = f.origin ?? (f.originCountry ? country(f.originCountry) : null);
    const destination = f.destination ?? (f.destinationCountry ? country(f.destinationCountry) : null);
    return origin && destination ? [{ origin, destination, count: f.count, clusters: f.clusters, meanLagDays: f.meanLagDays }] : [];
  });
}

/** The dates of a period (a decade or a year), inside the window [from, to] when given. */
export function periodWindow(period: number, step: "DECADE" | "YEAR", from: string | null, to: string | null): { dateFrom: string; dateTo: string } {
  const start = `${String(period).padStart(4, "0")}-01-01`;
  const end = `${String(period + (step === "DECADE" ? 9 : 0)).padStart(4, "0")}-12-31`;
  return { dateFrom: from && from > start ? from : start, dateTo: to && to < end ? to : end };
}

/** Hops per period, every period listed (empty ones as 0). */
export function periodTotals(periods: readonly number[], cells: readonly { period?: number | null; count: number }[]): { period: number; count: number }[] {
  const sums = new Map(periods.map((p) => [p, 0]));
  for (const c of cells) if (c.period != null) sums.set(c.period, (sums.get(c.period) ?? 0) + c.count);
  return [...sums.entries()].sort((a, b) => a[0] - b[0]).map(([period, count]) => ({ period, count }));
}

export function periodLabel(period: number, step: "DECADE" | "YEAR"): string {
  return step === "DECADE" ? `${period}s` : String(period);
}

export interface Matrix {
  origins: FlowPlace[];
  destinations: FlowPlace[];
  cell: (origin: string, destination: string) => FlowRow | undefined;
}

export function matrix(flows: readonly FlowRow[]): Matrix {
  const totals = (pick: (f: FlowRow) => FlowPlace) => {
    const sum = new Map<string, { place: FlowPlace; n: number }>();
    for (const f of flows) {
      const p = pick(f);
      const s = sum.get(p.id) ?? { place: p, n: 0 };
      s.n += f.count;
      sum.set(p.id, s);
    }
    return [...sum.values()].sort((a, b) => b.n - a.n).map((s) => s.place);
  };
  const cells = new Map(flows.map((f) => [`${f.origin.id}>${f.destination.id}`, f]));
  return { origins: totals((f) => f.origin), destinations: totals((f) => f.destination), cell: (o, d) => cells.get(`${o}>${d}`) };
}
