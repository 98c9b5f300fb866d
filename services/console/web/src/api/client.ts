// The HTTP clients of the app: one per OpenAPI document, all on the console's origin with its
// session cookie. Every request carries the console's CSRF header; a 401 from anything but a
// sign-in attempt means the session has ended, and the listeners are told (the app then shows
// the sign-in page and comes back afterwards).

import createClient, { type ClientOptions, type Middleware } from "openapi-fetch";
import { ApiError, toApiError } from "../lib/errors";
import type { paths as AttendancePaths } from "./attendance-api";
import type { paths as ConsolePaths } from "./console";
import type { paths as PersonPaths } from "./person-api";

/** A header only script of the console's own origin can set; the console refuses writes without it. */
export const CSRF_HEADER = "X-Faceattend-Csrf";
export const SESSION_PATH = "/console/api/v1/session";

type SessionEndedListener = (code: string | undefined) => void;
const listeners = new Set<SessionEndedListener>();

/** Calls `listener` whenever a response says the session has ended; returns the unsubscribe. */
export function onSessionEnded(listener: SessionEndedListener): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

/**
 * Whether a 401 to this request is an answer rather than a lost session: a sign-in attempt
 * (`invalid_credentials`) or the look-up of the session itself (`not_signed_in`), which the
 * session query reads on its own.
 */
export function isSessionProbe(request: Request): boolean {
  const path = new URL(request.url, "http://console.invalid").pathname;
  return path === SESSION_PATH && (request.method === "POST" || request.method === "GET");
}

async function errorCode(response: Response): Promise<string | undefined> {
  try {
    const body: unknown = await response.clone().json();
    const code = (body as { error?: { code?: unknown } } | null)?.error?.code;
    return typeof code === "string" ? code : undefined;
  } catch {
    return undefined;
  }
}

export const sessionMiddleware: Middleware = {
  onRequest({ request }) {
    request.headers.set(CSRF_HEADER, "1");
    return request;
  },
  async onResponse({ request, response }) {
    if (response.status === 401 && !isSessionProbe(request)) {
      const code = await errorCode(response);
      for (const listener of [...listeners]) listener(code);
    }
    return undefined;
  },
};

/** A client for one OpenAPI document's paths, on the console's origin, with the middleware. */
export function makeClient<Paths extends {}>(options: ClientOptions = {}) {
  const client = createClient<Paths>({
    // The console's own origin (a relative URL is not a valid Request URL outside a browser).
    baseUrl: typeof window === "undefined" ? "" : window.location.origin,
    credentials: "same-origin",
    // Looked up at each call, not kept from the start: tests (and polyfills) may replace it.
    fetch: (request) => globalThis.fetch(request),
    ...options,
  });
  client.use(sessionMiddleware);
  return client;
}

export const consoleApi = makeClient<ConsolePaths>();
export const personApi = makeClient<PersonPaths>();
export const attendanceApi = makeClient<AttendancePaths>();

interface FetchResult<D> {
  data?: D;
  error?: unknown;
  response: Response;
}

/**
 * The data of a successful call, or an ApiError with what the service said. A network
 * failure becomes an ApiError of status 0.
 */
export async function call<D>(pending: Promise<FetchResult<D>>): Promise<D> {
  let result: FetchResult<D>;
  try {
    result = await pending;
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw toApiError(0, undefined);
  }
  if (!result.response.ok) {
    throw toApiError(result.response.status, result.error, result.response.headers);
  }
  return result.data as D;
}

export { ApiError };
