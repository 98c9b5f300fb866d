// A record's history as people read it: each audited change of the record, its sightings and
// their review items (attendance-api's audit log) as a sentence, with the reason given, and
// the operator who made it by name. The services record an operator by the id the console put
// in their token; the console's names list turns it back into a name.

import { VERDICT_DONE } from "./forms";
import { statusLabel } from "./recordsQuery";
import { shortId } from "./format";

/** What this needs of an audit entry (attendance-api's `HistoryEntry`). */
export interface HistoryLike {
  at: string;
  actor: string;
  action: string;
  entity: string;
  before?: unknown;
  after?: unknown;
}

export interface HistoryLine {
  what: string;
  reason: string | undefined;
}

function object(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value : undefined;
}

/** The verdict an entry gave a sighting: `after.detection.verdict`, or `after.verdict`. */
function verdictOf(after: Record<string, unknown> | undefined): string | undefined {
  return text(object(after?.detection)?.verdict) ?? text(after?.verdict);
}

function verdictWords(verdict: string | undefined): string {
  return verdict === undefined ? "" : `: ${VERDICT_DONE[verdict] ?? verdict.replaceAll("_", " ")}`;
}

export function describeHistory(entry: HistoryLike): HistoryLine {
  const after = object(entry.after);
  const reason = text(after?.reason) ?? text(after?.remarks);
  const status = text(after?.status);
  switch (entry.action) {
    case "manual_check_in":
      return { what: "Checked in by hand (waiting for approval)", reason };
    case "manual_check_out":
      return { what: "Checked out by hand (waiting for approval)", reason };
    case "manual_approved":
      return { what: `Approved the manual entry${status !== undefined ? `: the day is ${statusLabel(status)}` : ""}`, reason };
    case "manual_rejected":
      return { what: "Rejected the manual entry", reason };
    case "detection_corrected":
      return { what: `Corrected a sighting${verdictWords(verdictOf(after))}`, reason };
    case "review_approved":
      return { what: `Approved a sighting in review${verdictWords(verdictOf(after))}`, reason };
    case "review_rejected":
      return { what: "Rejected a sighting in review: not them", reason };
    case "review_not_a_face":
      return { what: "Rejected a sighting in review: not a person, or a bad capture", reason };
    case "review_assigned":
    case "detection_assigned":
      return { what: "Assigned a sighting to another person", reason };
    default:
      return { what: entry.action.replaceAll("_", " "), reason };
  }
}

/**
 * Who made a change: the operator's name when the console knows the id, "you" for the one
 * reading, otherwise the subject as recorded (a service's or a CLI token's).
 */
export function actorName(actor: string, names: ReadonlyMap<string, string>, self: { id: string; name: string } | undefined): string {
  const name = names.get(actor);
  if (self !== undefined && actor === self.id) return `${self.name} (you)`;
  if (name !== undefined) return name;
  return /^[0-9a-f]{8}-[0-9a-f]{4}-/i.test(actor) ? `operator ${shortId(actor)}` : actor;
}
