// The wall's state as the URL gives it, and the variables of its first page: shared by the
// screen and by the inline script in index.html that asks for that page before the app loads.
import type { ClusterSortField, ClusterWhere, SortDirection } from "../gql/graphql";

/** How many hops a card shows the path from (the cluster page has them all). */
export const PATH_HOPS = 5;

export interface WallView {
  sort: ClusterSortField;
  dir: SortDirection;
  from: string;
  to: string;
  country: string;
  place: string;
  periodical: string;
  corpus: string;
  status: string;
  per: number;
}

export function wallView(query: URLSearchParams): WallView {
  return {
    sort: (query.get("sort") ?? "SIZE") as ClusterSortField,
    dir: (query.get("dir") ?? (query.get("sort") === "FIRST_DATE" ? "ASC" : "DESC")) as SortDirection,
    from: query.get("from") ?? "",
    to: query.get("to") ?? "",
    country: query.get("country") ?? "",
    place: query.get("place") ?? "",
    periodical: query.get("periodical") ?? "",
    corpus: query.get("corpus") ?? "",
    status: query.get("status") ?? "",
    per: Math.min(100, Math.max(1, Number(query.get("per")) || 24)),
  };
}

export function wallWhere(view: WallView): ClusterWhere {
  const year = (v: string, end: boolean) => (/^\d{4}$/.test(v) ? `${v}-${end ? "12-31" : "01-01"}` : v || null);
  return {
    dateFrom: year(view.from, false),
    dateTo: year(view.to, true),
    country: view.country || null,
    place: view.place || null,
    periodical: view.periodical || null,
    corpus: view.corpus || null,
    curated: view.status === "curated" ? true : view.status === "uncurated" ? false : null,
    flagged: view.status === "flagged" ? true : view.status === "unflagged" ? false : null,
  };
}

/** The variables of a page of the wall (the first one when `after` is null). */
export function wallVariables(view: WallView, after: string | null) {
  return {
    where: wallWhere(view),
    sort: { by: view.sort, direction: view.dir },
    first: view.per,
    after,
    pathHops: PATH_HOPS,
  };
}
