// The one way the app talks to the API: POST application/json with the CSRF-safe header,
// multipart for uploads (same header), graphql-transport-ws for subscriptions. A curator
// token, once given, rides along as `Authorization: Bearer`.
import type { DocumentTypeDecoration } from "@graphql-typed-document-node/core";
import type { Client } from "graphql-ws";

export const REQUESTED_WITH = "contagions-explorer";
const TOKEN_KEY = "contagions.curatorToken";
const ENDPOINT = "/graphql";

export class ApiError extends Error {}
export class AuthRequired extends ApiError {}

type TokenAsker = (reason: string) => Promise<string | null>;
let askToken: TokenAsker = async () => null;

export function onTokenNeeded(asker: TokenAsker): void {
  askToken = asker;
}

export function curatorToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setCuratorToken(token: string | null): void {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

function headers(extra: Record<string, string> = {}): Record<string, string> {
  const token = curatorToken();
  return {
    "X-Requested-With": REQUESTED_WITH,
    ...(token ? { Authorization: `Bearer ${token}` } : {}),
    ...extra,
  };
}

/** True for the API's ways of saying "a curator token is needed". */
export function isAuthFailure(status: number, body: unknown): boolean {
  if (status === 401 || status === 403) return true;
  const data = (body as { data?: Record<string, unknown> } | null)?.data;
  const errors = (body as { errors?: { message?: string }[] } | null)?.errors ?? [];
  if (errors.some((e) => /token is required|curator role|forbidden|unauthori[sz]ed/i.test(e.message ?? ""))) {
    return true;
  }
  return Object.values(data ?? {}).some(
    (v) => (v as { __typename?: string } | null)?.__typename === "Forbidden",
  );
}

function uploadBody(query: string, variables: Record<string, unknown>): FormData {
  const files: [string, File][] = [];
  const vars: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(variables)) {
    if (value instanceof File) {
      files.push([`variables.${key}`, value]);
      vars[key] = null;
    } else vars[key] = value;
  }
  const form = new FormData();
  form.append("operations", JSON.stringify({ query, variables: vars }));
  form.append("map", JSON.stringify(Object.fromEntries(files.map(([path], i) => [String(i), [path]]))));
  files.forEach(([, file], i) => form.append(String(i), file, file.name));
  return form;
}

async function send(query: string, variables: Record<string, unknown>): Promise<[number, unknown]> {
  const hasFile = Object.values(variables).some((v) => v instanceof File);
  const response = await fetch(ENDPOINT, {
    method: "POST",
    credentials: "same-origin",
    headers: hasFile ? headers() : headers({ "Content-Type": "application/json" }),
    body: hasFile ? uploadBody(query, variables) : JSON.stringify({ query, variables }),
  });
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  return [response.status, body];
}

export async function request<R, V extends Record<string, unknown>>(
  document: DocumentTypeDecoration<R, V>,
  ...[variables]: V extends Record<string, never> ? [] : [V]
): Promise<R> {
  const query = document.toString();
  const vars = (variables ?? {}) as Record<string, unknown>;
  let [status, body] = await send(query, vars);
  if (isAuthFailure(status, body)) {
    const token = await askToken(curatorToken() ? "The token was refused." : "This needs a curator token.");
    if (!token) throw new AuthRequired("a curator token is required");
    setCuratorToken(token);
    [status, body] = await send(query, vars);
    if (isAuthFailure(status, body)) {
      setCuratorToken(null);
      throw new AuthRequired("the curator token was refused");
    }
  }
  const result = body as { data?: R; errors?: { message: string }[] } | null;
  if (!result || status >= 400 && !result.data) throw new ApiError(`API answered ${status}`);
  if (result.errors?.length) throw new ApiError(result.errors.map((e) => e.message).join("; "));
  return result.data as R;
}

let wsClient: Promise<Client> | null = null;

// graphql-ws loads with the first subscription (the jobs screen), off the other screens' path.
function socket(): Promise<Client> {
  wsClient ??= import("graphql-ws").then(({ createClient }) =>
    createClient({
      url: `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${ENDPOINT}`,
      connectionParams: () => {
        const token = curatorToken();
        return token ? { Authorization: `Bearer ${token}` } : {};
      },
    }),
  );
  return wsClient;
}

export function subscribe<R, V extends Record<string, unknown>>(
  document: DocumentTypeDecoration<R, V>,
  variables: V,
  onData: (data: R) => void,
  onError: (message: string) => void,
): () => void {
  let stop: (() => void) | null = null;
  let stopped = false;
  socket()
    .then((client) => {
      if (!stopped) stop = subscribeWith(client, document.toString(), variables, onData, onError);
    })
    .catch((e) => onError(e instanceof Error ? e.message : "could not open the subscription"));
  return () => {
    stopped = true;
    stop?.();
  };
}

function subscribeWith<R>(
  client: Client,
  query: string,
  variables: Record<string, unknown>,
  onData: (data: R) => void,
  onError: (message: string) => void,
): () => void {
  return client.subscribe<R>(
    { query, variables },
    {
      next: (value) => {
        if (value.errors?.length) onError(value.errors.map((e) => e.message).join("; "));
        else if (value.data) onData(value.data);
      },
      error: (err) => onError(err instanceof Error ? err.message : "subscription closed"),
      complete: () => {},
    },
  );
}
