// Inlined into index.html at build time (vite.config.ts): on the wall, the first page of cards
// is asked for while the app's script is still on its way. The wall takes the answer when its
// variables match (src/routes/Clusters.svelte); anything else it asks for itself.
import { wallVariables, wallView } from "./lib/wall";

// The Clusters query's text, put here by the build (vite.config.ts) so that the other
// operations stay out of the page.
declare const __WALL_QUERY__: string;

declare global {
  interface Window {
    __wallPage?: { variables: string; response: Promise<Response> };
  }
}

if (location.pathname === "/") {
  const variables = wallVariables(wallView(new URLSearchParams(location.search)), null);
  const token = sessionStorage.getItem("contagions.curatorToken");
  window.__wallPage = {
    variables: JSON.stringify(variables),
    response: fetch("/graphql", {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "X-Requested-With": "contagions-explorer",
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({ query: __WALL_QUERY__, variables }),
    }),
  };
}
