// The system page's words: a service's state, a run's result in a line, the banner's sentence.

import type { JobRun, NotReady, ServiceHealth } from "./api";

export const STATE_LABELS: Record<ServiceHealth["state"], string> = {
  ready: "Ready",
  not_ready: "Not ready",
  unreachable: "Unreachable",
};

/** The failing checks of a service, each with its reason; or why it could not be asked. */
export function serviceProblems(service: ServiceHealth): string[] {
  if (service.state === "ready") return [];
  const failing = service.checks.filter((c) => !c.ok).map((c) => (c.error ? `${c.name}: ${c.error}` : c.name));
  if (failing.length > 0) return failing;
  return [service.error ?? "no reason given"];
}

/** "attendance-worker is unreachable" / "face-embedder and nats are not ready" / three or more. */
export function bannerSentence(notReady: readonly NotReady[]): string {
  const names = notReady.map((n) => n.name);
  if (names.length === 0) return "Everything is ready.";
  if (names.length === 1) {
    const [only] = notReady;
    return `${only!.name} is not ready (${only!.reason}).`;
  }
  const list = names.length === 2 ? `${names[0]} and ${names[1]}` : `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
  return `${list} are not ready.`;
}

/** A run's result in one line: `key: value` pairs of its summary, or its error. */
export function runSummary(run: JobRun): string {
  if (run.error) return run.error;
  const result = run.result as Record<string, unknown> | null | undefined;
  if (result === null || result === undefined) return run.state === "succeeded" ? "Done." : "—";
  const parts = Object.entries(result)
    .filter(([, value]) => value === null || ["string", "number", "boolean"].includes(typeof value))
    .map(([key, value]) => `${key.replace(/_/g, " ")}: ${String(value)}`);
  return parts.length > 0 ? parts.join(", ") : JSON.stringify(result);
}

/** Whether a run has yet to finish (the page then asks again every few seconds). */
export function isUnfinished(run: JobRun): boolean {
  return run.state === "pending" || run.state === "running";
}

/** A count with its thousands separated; a lag worth a look is marked. */
export function lagClass(pending: number): string {
  return pending >= 1000 ? "lag lag--high" : pending > 0 ? "lag lag--some" : "lag";
}
