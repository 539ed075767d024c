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

// rightsstatements.org codes a researcher reads more easily than the URI.
const RIGHTS_STATEMENTS: Record<string, string> = {
  "InC": "In Copyright",
  "InC-OW-EU": "In Copyright – EU Orphan Work",
  "InC-EDU": "In Copyright – Educational Use Permitted",
  "InC-NC": "In Copyright – Non-Commercial Use Permitted",
  "InC-RUU": "In Copyright – Rights-holder(s) Unlocatable or Unidentifiable",
  "NoC-CR": "No Copyright – Contractual Restrictions",
  "NoC-NC": "No Copyright – Non-Commercial Use Only",
  "NoC-OKLR": "No Copyright – Other Known Legal Restrictions",
  "NoC-US": "No Copyright – United States",
  "CNE": "Copyright Not Evaluated",
  "UND": "Copyright Undetermined",
  "NKC": "No Known Copyright",
};

/** A IIIF `rights` URI as a reader names it: "CC BY-SA 4.0", "Public Domain Mark 1.0",
 * "No Copyright – United States"; any other value is shown as given. */
export function rightsLabel(rights: string): string {
  const cc = /creativecommons\.org\/(licenses|publicdomain)\/([a-z-]+)\/(\d\.\d)/i.exec(rights);
  if (cc) {
    const [, kind, code, version] = cc;
    if (kind.toLowerCase() === "publicdomain") {
      return code.toLowerCase() === "zero" ? `CC0 ${version}` : `Public Domain Mark ${version}`;
    }
    return `CC ${code.toUpperCase()} ${version}`;
  }
  const rs = /rightsstatements\.org\/(?:vocab|page)\/([A-Za-z-]+)\//.exec(rights);
  if (rs && RIGHTS_STATEMENTS[rs[1]]) return RIGHTS_STATEMENTS[rs[1]];
  return rights;
}
