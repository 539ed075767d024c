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

/** Country flows: hops summed, lags weighted by count, placed at the busiest place's position. */
export function byCountry(flows: readonly FlowRow[], countryName: (code: string) => string): FlowRow[] {
  const anchor = new Map<string, FlowPlace>();
  const weight = new Map<string, number>();
  for (const f of flows) {
    for (const p of [f.origin, f.destination]) {
      const code = p.countryCode ?? "?";
      const w = (weight.get(p.id) ?? 0) + f.count;
      weight.set(p.id, w);
      const current = anchor.get(code);
      if (!current || (weight.get(current.id) ?? 0) < w) anchor.set(code, p);
    }
  }
  const groups = new Map<string, FlowRow>();
  for (const f of flows) {
    const o = f.origin.countryCode ?? "?";
    const d = f.destination.countryCode ?? "?";
    const key = `${o}>${d}`;
    const g = groups.get(key);
    const place = (code: string): FlowPlace => ({ ...anchor.get(code)!, id: code, name: countryName(code) });
    if (!g) groups.set(key, { origin: place(o), destination: place(d), count: f.count, clusters: f.clusters, meanLagDays: f.meanLagDays });
    else {
      g.meanLagDays = (g.meanLagDays * g.count + f.meanLagDays * f.count) / (g.count + f.count);
      g.count += f.count;
      g.clusters += f.clusters;
    }
  }
  return [...groups.values()].sort((a, b) => b.count - a.count);
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
