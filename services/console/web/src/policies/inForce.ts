// Which active shift applies to whom, as attendance's PolicyBook chooses
// (crates/attendance-store/src/policy.rs): a person works the active shift of their
// organisation, else the active shift without an organisation, else the active rule's hours;
// of several active shifts for the same organisation (or for none), the one created first.

import type { Shift } from "./api";

export type ShiftStanding =
  | { kind: "inactive" }
  /** The shift of `organization` (undefined: of everyone whose organisation has none). */
  | { kind: "in_force"; organization: string | undefined }
  /** Active, but an older active shift for the same people wins. */
  | { kind: "shadowed"; by: Shift }
  /** Active, but not every active shift could be read to tell. */
  | { kind: "unknown" };

function older(a: Shift, b: Shift): boolean {
  return a.created_at < b.created_at || (a.created_at === b.created_at && a.id < b.id);
}

/**
 * The standing of each shift of `shown`, from every active shift (`active`, complete when
 * `complete`): in force, or shadowed by which older shift.
 */
export function standings(shown: readonly Shift[], active: readonly Shift[], complete: boolean): Map<string, ShiftStanding> {
  const winners = new Map<string, Shift>();
  for (const shift of active) {
    const key = shift.organization ?? "";
    const current = winners.get(key);
    if (current === undefined || older(shift, current)) winners.set(key, shift);
  }
  const result = new Map<string, ShiftStanding>();
  for (const shift of shown) {
    if (!shift.is_active) {
      result.set(shift.id, { kind: "inactive" });
      continue;
    }
    const winner = winners.get(shift.organization ?? "");
    if (winner === undefined || (!complete && winner.id !== shift.id && !older(winner, shift))) {
      result.set(shift.id, { kind: "unknown" });
    } else if (winner.id === shift.id) {
      result.set(shift.id, complete ? { kind: "in_force", organization: shift.organization ?? undefined } : { kind: "unknown" });
    } else {
      result.set(shift.id, { kind: "shadowed", by: winner });
    }
  }
  return result;
}
