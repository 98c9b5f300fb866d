import { describe, expect, it } from "vitest";
import type { JobRun, ServiceHealth } from "./api";
import { bannerSentence, isUnfinished, lagClass, runSummary, serviceProblems } from "./view";

function service(state: ServiceHealth["state"], checks: ServiceHealth["checks"], error: string | null = null): ServiceHealth {
  return { name: "attendance-worker", url: "http://127.0.0.1:8083", state, version: "0.1.0", checks, error, latency_ms: 3 };
}

function run(patch: Partial<JobRun>): JobRun {
  return {
    id: "0190a000-0000-7000-8000-000000000001",
    job: "reconcile",
    parameters: {},
    trigger: "api",
    requested_by: "operator",
    state: "succeeded",
    created_at: "2026-12-07T10:00:00Z",
    attempts: 1,
    ...patch,
  };
}

describe("the system page's words", () => {
  it("names a service's failing checks with their reasons, or why it could not be asked", () => {
    expect(serviceProblems(service("ready", [{ name: "database", ok: true, error: null }]))).toEqual([]);
    expect(
      serviceProblems(
        service("not_ready", [
          { name: "database", ok: true, error: null },
          { name: "nats", ok: false, error: "not connected to NATS" },
        ]),
      ),
    ).toEqual(["nats: not connected to NATS"]);
    expect(serviceProblems(service("unreachable", [], "cannot connect (Connection refused)"))).toEqual([
      "cannot connect (Connection refused)",
    ]);
  });

  it("says in one sentence what is not ready", () => {
    expect(bannerSentence([])).toBe("Everything is ready.");
    expect(bannerSentence([{ name: "attendance-worker", reason: "unreachable: no answer in time" }])).toBe(
      "attendance-worker is not ready (unreachable: no answer in time).",
    );
    expect(
      bannerSentence([
        { name: "face-embedder", reason: "x" },
        { name: "nats", reason: "y" },
      ]),
    ).toBe("face-embedder and nats are not ready.");
    expect(
      bannerSentence([
        { name: "a", reason: "x" },
        { name: "b", reason: "y" },
        { name: "c", reason: "z" },
      ]),
    ).toBe("a, b and c are not ready.");
  });

  it("sums a run up in a line", () => {
    expect(runSummary(run({ result: { days_recomputed: 3, detections: 12 } as unknown as JobRun["result"] }))).toBe(
      "days recomputed: 3, detections: 12",
    );
    expect(runSummary(run({ state: "failed", error: "database unavailable" }))).toBe("database unavailable");
    expect(runSummary(run({ state: "pending" }))).toBe("—");
    expect(isUnfinished(run({ state: "running" }))).toBe(true);
    expect(isUnfinished(run({ state: "failed" }))).toBe(false);
  });

  it("marks a consumer's lag", () => {
    expect(lagClass(0)).toBe("lag");
    expect(lagClass(5)).toBe("lag lag--some");
    expect(lagClass(5000)).toBe("lag lag--high");
  });
});
