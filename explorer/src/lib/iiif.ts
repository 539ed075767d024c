// IIIF Image API URLs: a region URL is {service}/{region}/{size}/{rotation}/{quality}.{format}.

/** The image service of a region URL (its last four path segments removed). */
export function imageService(regionUrl: string): string {
  const parts = regionUrl.split("/");
  return parts.slice(0, -4).join("/");
}

export function parseXywh(xywh: string | null | undefined): [number, number, number, number] | null {
  const values = (xywh ?? "").replace(/^xywh=/, "").split(",").map(Number);
  return values.length === 4 && values.every(Number.isFinite) ? (values as [number, number, number, number]) : null;
}

export function regionUrl(service: string, region: [number, number, number, number], size = "max"): string {
  return `${service}/${region.map(Math.round).join(",")}/${size}/0/default.jpg`;
}

/** A sub-region given in fractions of a crop, in the page's pixel coordinates. */
export function subRegion(
  crop: [number, number, number, number],
  fraction: { x: number; y: number; w: number; h: number },
): [number, number, number, number] {
  const [x, y, w, h] = crop;
  return [x + fraction.x * w, y + fraction.y * h, Math.max(1, fraction.w * w), Math.max(1, fraction.h * h)];
}
