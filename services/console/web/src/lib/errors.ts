// The error envelope every faceattend API answers with, and how the app reads it.

/** One invalid field of a 400/422, as the services list them in `error.details`. */
export interface FieldIssue {
  field: string;
  code: string;
  message: string;
}

/** `{"success": false, "error": {...}}` */
export interface ErrorEnvelope {
  success: false;
  error: { code: string; message: string; details?: FieldIssue[] };
}

/** A failed call: the HTTP status and what the service said (or what went wrong on the way). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: FieldIssue[];
  /** Seconds to wait, from `Retry-After` (429, 503). */
  readonly retryAfter: number | undefined;

  constructor(init: {
    status: number;
    code: string;
    message: string;
    details?: FieldIssue[];
    retryAfter?: number | undefined;
  }) {
    super(init.message);
    this.name = "ApiError";
    this.status = init.status;
    this.code = init.code;
    this.details = init.details ?? [];
    this.retryAfter = init.retryAfter;
  }
}

function isFieldIssue(value: unknown): value is FieldIssue {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.field === "string" && typeof v.code === "string" && typeof v.message === "string";
}

/** Reads `Retry-After` as seconds (a number of seconds or an HTTP date). */
export function parseRetryAfter(header: string | null, now: number = Date.now()): number | undefined {
  if (header === null || header.trim() === "") return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now) / 1000));
}

/**
 * Turns what a failed response carried into an ApiError. `body` is the parsed JSON body (or
 * undefined when there was none or it was not JSON): anything that is not the envelope gets
 * a generic message, so a proxy's HTML error page never reaches the screen.
 */
export function toApiError(status: number, body: unknown, headers?: Headers): ApiError {
  const retryAfter = parseRetryAfter(headers?.get("Retry-After") ?? null);
  if (typeof body === "object" && body !== null && "error" in body) {
    const error = (body as { error: unknown }).error;
    if (typeof error === "object" && error !== null) {
      const e = error as Record<string, unknown>;
      if (typeof e.code === "string" && typeof e.message === "string") {
        const details = Array.isArray(e.details) ? e.details.filter(isFieldIssue) : [];
        return new ApiError({ status, code: e.code, message: e.message, details, retryAfter });
      }
    }
  }
  return new ApiError({
    status,
    code: status === 0 ? "network_error" : `http_${status}`,
    message: genericMessage(status),
    retryAfter,
  });
}

function genericMessage(status: number): string {
  if (status === 0) return "The console could not be reached. Check your connection and try again.";
  if (status === 502 || status === 503 || status === 504)
    return "A service is unavailable right now. Try again in a moment.";
  if (status >= 500) return "Something went wrong on the server. Try again in a moment.";
  return `The request failed (HTTP ${status}).`;
}

/** A sentence for people: the API's message with a capital letter and a full stop. */
export function sentence(message: string): string {
  const text = message.trim();
  if (text === "") return text;
  const first = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(first) ? first : `${first}.`;
}

/** What a message about an error shows a person. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) return sentence(error.message);
  if (error instanceof Error) return sentence(error.message);
  return "Something went wrong.";
}
