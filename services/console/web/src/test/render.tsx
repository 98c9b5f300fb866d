// Renders the app (or part of it) at a URL, with a fresh query cache and fetch mocked by route.
import { QueryClientProvider } from "@tanstack/react-query";
import { render } from "@testing-library/react";
import { vi } from "vitest";
import { App } from "../App";

export type Route = (request: Request) => Response | undefined | Promise<Response | undefined>;

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", ...headers } });
}

/** What the shell polls on every page (its not-ready banner), unless a test's route answers it. */
function everythingReady(request: Request): Response | undefined {
  if (new URL(request.url).pathname !== "/console/api/v1/system/status") return undefined;
  return json(200, { success: true, data: { checked_at: "2026-01-01T00:00:00Z", ready: true, not_ready: [] } });
}

export function mockFetch(route: Route) {
  const requests: Request[] = [];
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(input, init);
    requests.push(request);
    const response = (await route(request)) ?? everythingReady(request);
    if (response === undefined) throw new Error(`unexpected ${request.method} ${request.url}`);
    return response;
  });
  vi.stubGlobal("fetch", fetch);
  return { fetch, requests };
}

export function renderApp(path: string) {
  window.history.replaceState(null, "", path);
  return render(<App />);
}

export { QueryClientProvider };
