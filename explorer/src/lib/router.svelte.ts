// History-API routing: the URL (path + query) is the whole screen state, so links are shareable.
export const route = $state({ path: location.pathname, query: new URLSearchParams(location.search) });

function sync(): void {
  route.path = location.pathname;
  route.query = new URLSearchParams(location.search);
}

addEventListener("popstate", sync);

export function navigate(href: string, { replace = false } = {}): void {
  if (replace) history.replaceState(null, "", href);
  else history.pushState(null, "", href);
  sync();
  if (!replace) scrollTo(0, 0);
}

/** Replace some query parameters (empty values are dropped) without a new history entry. */
export function setQuery(changes: Record<string, string | null | undefined>): void {
  const params = new URLSearchParams(location.search);
  for (const [key, value] of Object.entries(changes)) {
    if (value == null || value === "") params.delete(key);
    else params.set(key, value);
  }
  const search = params.toString();
  navigate(`${location.pathname}${search ? `?${search}` : ""}`, { replace: true });
}

/** Internal links go through the router; modified clicks and downloads keep the browser's way. */
export function interceptLinks(event: MouseEvent): void {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
    return;
  }
  const anchor = (event.target as Element | null)?.closest("a");
  if (!anchor || anchor.target || anchor.hasAttribute("download") || anchor.origin !== location.origin) return;
  if (/^\/(graphql|export|healthz|vendor|mirador\.html)/.test(anchor.pathname)) return;
  event.preventDefault();
  navigate(anchor.pathname + anchor.search);
}
