// Dates as the press gives them: a day, a month, a year or a decade, never more precise.
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

export function formatDate(date: string | null | undefined, precision?: string | null): string {
  if (!date) return "undated";
  const [y, m, d] = date.split("-");
  const month = MONTHS[Number(m) - 1];
  switch (precision) {
    case "decade":
      return `${y.slice(0, 3)}0s`;
    case "year":
      return y;
    case "month":
      return month ? `${month} ${y}` : y;
    default:
      return month && d ? `${Number(d)} ${month} ${y}` : y;
  }
}

export function formatLag(days: number): string {
  if (days < 1) return "same day";
  if (days < 60) return `${days} d`;
  if (days < 730) return `${Math.round(days / 30.44)} mo`;
  return `${(days / 365.25).toFixed(1)} y`;
}

export function formatScore(score: number): string {
  return `${Math.round(score * 100)}%`;
}

/** "Paris, France" from whatever parts are known. */
export function formatPlace(place?: string | null, country?: string | null): string {
  return [place, country].filter(Boolean).join(", ") || "unknown place";
}
