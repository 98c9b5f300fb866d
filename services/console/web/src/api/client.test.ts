import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError, CSRF_HEADER, call, makeClient, onSessionEnded } from "./client";
import type { paths as ConsolePaths } from "./console";
import type { paths as PersonPaths } from "./person-api";

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json", ...headers },
  });
}

function recorder(respond: (request: Request) => Response) {
  const requests: Request[] = [];
  const fetch = vi.fn(async (request: Request) => {
    requests.push(request);
    return respond(request);
  });
  return { requests, fetch };
}

const unsubscribes: (() => void)[] = [];
afterEach(() => {
  unsubscribes.splice(0).forEach((u) => u());
});

const BASE = "http://console.test";

describe("the CSRF header", () => {
  it("is on every request, reads and writes alike", async () => {
    const { requests, fetch } = recorder(() => new Response(null, { status: 204 }));
    const persons = makeClient<PersonPaths>({ baseUrl: BASE, fetch });
    const consoleApi = makeClient<ConsolePaths>({ baseUrl: BASE, fetch });
    await persons.GET("/api/v1/persons", { params: { query: { page: 1 } } });
    await persons.DELETE("/api/v1/persons/{person_id}", { params: { path: { person_id: "p1" } } });
    await consoleApi.PUT("/console/api/v1/session/password", {
      body: { current_password: "a", new_password: "b" },
    });
    await consoleApi.DELETE("/console/api/v1/session");
    expect(requests.map((r) => [r.method, r.headers.get(CSRF_HEADER)])).toEqual([
      ["GET", "1"],
      ["DELETE", "1"],
      ["PUT", "1"],
      ["DELETE", "1"],
    ]);
  });

  it("keeps the cookie on the same origin only", async () => {
    const { requests, fetch } = recorder(() => new Response(null, { status: 204 }));
    await makeClient<ConsolePaths>({ baseUrl: BASE, fetch }).DELETE("/console/api/v1/session");
    expect(requests[0]?.credentials).toBe("same-origin");
  });
});

describe("a 401", () => {
  const expired = () => json(401, { success: false, error: { code: "session_expired", message: "session expired" } });

  it("from an API ends the session: the listeners hear it, with the code", async () => {
    const ended = vi.fn();
    unsubscribes.push(onSessionEnded(ended));
    const { fetch } = recorder(expired);
    const persons = makeClient<PersonPaths>({ baseUrl: BASE, fetch });
    await expect(call(persons.GET("/api/v1/persons", {}))).rejects.toMatchObject({
      status: 401,
      code: "session_expired",
    });
    expect(ended).toHaveBeenCalledWith("session_expired");
  });

  it("from a password change ends the session too", async () => {
    const ended = vi.fn();
    unsubscribes.push(onSessionEnded(ended));
    const { fetch } = recorder(expired);
    const api = makeClient<ConsolePaths>({ baseUrl: BASE, fetch });
    await expect(
      call(api.PUT("/console/api/v1/session/password", { body: { current_password: "x", new_password: "y" } })),
    ).rejects.toBeInstanceOf(ApiError);
    expect(ended).toHaveBeenCalledTimes(1);
  });

  it("to a sign-in attempt is only an answer (wrong password), not a lost session", async () => {
    const ended = vi.fn();
    unsubscribes.push(onSessionEnded(ended));
    const { fetch } = recorder(() =>
      json(401, { success: false, error: { code: "invalid_credentials", message: "invalid email or password" } }),
    );
    const api = makeClient<ConsolePaths>({ baseUrl: BASE, fetch });
    const error = await call(
      api.POST("/console/api/v1/session", { body: { email: "a@b.c", password: "nope" } }),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 401, code: "invalid_credentials" });
    expect(ended).not.toHaveBeenCalled();
  });

  it("to the session look-up is read by the session query, not broadcast", async () => {
    const ended = vi.fn();
    unsubscribes.push(onSessionEnded(ended));
    const { fetch } = recorder(() =>
      json(401, { success: false, error: { code: "not_signed_in", message: "not signed in" } }),
    );
    const api = makeClient<ConsolePaths>({ baseUrl: BASE, fetch });
    await expect(call(api.GET("/console/api/v1/session"))).rejects.toMatchObject({ status: 401 });
    expect(ended).not.toHaveBeenCalled();
  });

  it("is not confused with other statuses", async () => {
    const ended = vi.fn();
    unsubscribes.push(onSessionEnded(ended));
    const { fetch } = recorder(() => json(403, { success: false, error: { code: "forbidden", message: "no" } }));
    const persons = makeClient<PersonPaths>({ baseUrl: BASE, fetch });
    await expect(call(persons.DELETE("/api/v1/persons/{person_id}", { params: { path: { person_id: "x" } } }))).rejects.toMatchObject({
      status: 403,
    });
    expect(ended).not.toHaveBeenCalled();
  });
});

describe("call", () => {
  it("gives the data of a success", async () => {
    const { fetch } = recorder(() =>
      json(200, { success: true, data: [], meta: { page: 1, pageSize: 20, total: 0, totalPages: 0 } }),
    );
    const persons = makeClient<PersonPaths>({ baseUrl: BASE, fetch });
    const envelope = await call(persons.GET("/api/v1/persons", {}));
    expect(envelope.meta.total).toBe(0);
  });

  it("reads a 429's Retry-After and a 422's details", async () => {
    const { fetch } = recorder((request) =>
      request.method === "POST"
        ? json(429, { success: false, error: { code: "too_many_attempts", message: "wait" } }, { "Retry-After": "42" })
        : json(422, {
            success: false,
            error: {
              code: "validation_failed",
              message: "invalid",
              details: [{ field: "email", code: "invalid_email", message: "is not an email address" }],
            },
          }),
    );
    const api = makeClient<ConsolePaths>({ baseUrl: BASE, fetch });
    await expect(call(api.POST("/console/api/v1/session", { body: { email: "a", password: "b" } }))).rejects.toMatchObject({
      status: 429,
      retryAfter: 42,
    });
    await expect(
      call(api.PUT("/console/api/v1/session/password", { body: { current_password: "a", new_password: "b" } })),
    ).rejects.toMatchObject({ status: 422, details: [{ field: "email", code: "invalid_email" }] });
  });

  it("turns a body that is not the envelope into a plain message", async () => {
    const { fetch } = recorder(() => new Response("<html>Bad gateway</html>", { status: 502 }));
    const persons = makeClient<PersonPaths>({ baseUrl: BASE, fetch });
    const error = await call(persons.GET("/api/v1/persons", {})).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe("http_502");
    expect((error as ApiError).message).not.toContain("<html>");
  });

  it("turns a network failure into status 0", async () => {
    const fetch = vi.fn(async () => {
      throw new TypeError("Failed to fetch");
    });
    const persons = makeClient<PersonPaths>({ baseUrl: BASE, fetch });
    await expect(call(persons.GET("/api/v1/persons", {}))).rejects.toMatchObject({ status: 0, code: "network_error" });
  });
});
