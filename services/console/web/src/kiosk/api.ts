// The kiosks' two APIs. The admins' (`/console/api/v1/kiosks*`, an operator's session): the
// list, create, pair, revoke and delete of the Kiosks page. The device's (`/kiosk/api/v1/*`,
// the kiosk's own cookie, no operator): pairing with a code, what the device is, and its frames.
// The device's calls go through a client of their own, without the operator session's
// middleware: a 401 there says the kiosk is not (or no longer) paired, not that an operator's
// session ended, and the kiosk page answers it itself.

import { queryOptions } from "@tanstack/react-query";
import createClient from "openapi-fetch";
import { CSRF_HEADER, call, consoleApi } from "../api/client";
import type { components, paths } from "../api/console";
import { ApiError, toApiError } from "../lib/errors";

export type Kiosk = components["schemas"]["KioskResponse"];
export type KioskMode = components["schemas"]["KioskMode"];
export type KioskState = components["schemas"]["KioskState"];
export type CreateKioskBody = components["schemas"]["CreateKioskRequest"];
export type Pairing = components["schemas"]["PairingResponse"];
/** What a paired device knows of itself. */
export type KioskDevice = components["schemas"]["DeviceKiosk"];

export type FrameOutcome = components["schemas"]["KioskOutcome"];
/** The console's answer to one frame: what the CCTV path decided about its largest face. */
export type FrameResult = components["schemas"]["KioskResult"];

export const MODES: readonly KioskMode[] = ["entry", "exit", "both", "ask"];

export const MODE_LABELS: Record<KioskMode, string> = {
  entry: "Entry (checks in)",
  exit: "Exit (checks out)",
  both: "Both (in or out, as the attendance rules decide)",
  ask: "Ask (the person presses In or Out)",
};

export const kioskKeys = {
  all: ["kiosks"] as const,
  list: () => [...kioskKeys.all, "list"] as const,
};

export function kiosksQuery() {
  return queryOptions({
    queryKey: kioskKeys.list(),
    queryFn: async ({ signal }) => (await call(consoleApi.GET("/console/api/v1/kiosks", { signal }))).data.items,
  });
}

export async function createKiosk(body: CreateKioskBody): Promise<Kiosk> {
  return (await call(consoleApi.POST("/console/api/v1/kiosks", { body }))).data;
}

export async function deleteKiosk(id: string): Promise<void> {
  await call(consoleApi.DELETE("/console/api/v1/kiosks/{kiosk_id}", { params: { path: { kiosk_id: id } } }));
}

export async function revokeKiosk(id: string): Promise<Kiosk> {
  return (await call(consoleApi.POST("/console/api/v1/kiosks/{kiosk_id}/revoke", { params: { path: { kiosk_id: id } } }))).data;
}

/** A new one-time code (and its link) for pairing a device; earlier unused codes stop working. */
export async function createPairing(id: string): Promise<Pairing> {
  return (await call(consoleApi.POST("/console/api/v1/kiosks/{kiosk_id}/pairing", { params: { path: { kiosk_id: id } } }))).data;
}

// --- the device ------------------------------------------------------------------------------

export const KIOSK_API = "/kiosk/api/v1";

/** The codes' alphabet: no 0/O or 1/I, which people misread. */
const CODE_ALPHABET = /^[A-HJ-NP-Z2-9]{8}$/;

/** A typed or linked code as the console expects it: capitals, without spaces or dashes. */
export function normaliseCode(typed: string): string {
  return typed.replace(/[\s-]/g, "").toUpperCase();
}

/** Whether a (normalised) code can be one the console gave: 8 characters of its alphabet. */
export function isPlausibleCode(code: string): boolean {
  return CODE_ALPHABET.test(code);
}

/**
 * The device's client: the console's origin, the kiosk's cookie, the CSRF header, and no
 * operator-session middleware (a 401 here is the kiosk's, answered by the kiosk page).
 */
const deviceApi = createClient<paths>({
  baseUrl: typeof window === "undefined" ? "" : window.location.origin,
  credentials: "same-origin",
  headers: { [CSRF_HEADER]: "1" },
  fetch: (request) => globalThis.fetch(request),
});

async function deviceCall<T>(path: string, init: RequestInit & { signal?: AbortSignal | undefined }): Promise<T> {
  const headers = new Headers(init.headers);
  headers.set(CSRF_HEADER, "1");
  let response: Response;
  try {
    response = await globalThis.fetch(new Request(new URL(`${KIOSK_API}${path}`, window.location.origin), { ...init, headers, credentials: "same-origin" }));
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw toApiError(0, undefined);
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  if (!response.ok) throw toApiError(response.status, body, response.headers);
  return (body as { data: T }).data;
}

/** Pairs this browser with the kiosk the code was made for: the console sets the kiosk's cookie. */
export async function pairDevice(code: string): Promise<KioskDevice> {
  return (await call(deviceApi.POST("/kiosk/api/v1/pairing", { body: { code } }))).data.kiosk;
}

/** What this device is paired as; 401 `kiosk_not_paired` or `kiosk_revoked` otherwise. */
export async function fetchDevice(signal?: AbortSignal): Promise<KioskDevice> {
  return (await call(deviceApi.GET("/kiosk/api/v1/device", { signal }))).data;
}

/** One camera frame (a JPEG) for the console to decide on; `action` in `ask` mode. */
export async function sendFrame(jpeg: Blob, action: "in" | "out" | undefined, signal?: AbortSignal): Promise<FrameResult> {
  const query = action === undefined ? "" : `?action=${action}`;
  return deviceCall<FrameResult>(`/frames${query}`, {
    method: "POST",
    headers: { "Content-Type": "image/jpeg" },
    body: jpeg,
    signal,
  });
}

/** Whether a refusal means the device is no longer paired (revoked or deleted by an admin). */
export function isRevoked(error: unknown): boolean {
  return error instanceof ApiError && error.status === 401 && error.code === "kiosk_revoked";
}

/** Whether a refusal means the device was never paired (or its cookie is gone). */
export function isUnpaired(error: unknown): boolean {
  return error instanceof ApiError && error.status === 401 && error.code !== "kiosk_revoked";
}
