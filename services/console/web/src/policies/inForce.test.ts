import { describe, expect, it } from "vitest";
import type { Shift } from "./api";
import { standings } from "./inForce";

let n = 0;
function shift(name: string, organization: string | null, created: string, isActive = true): Shift {
  n += 1;
  return {
    id: `0190a000-0000-7000-8000-${String(n).padStart(12, "0")}`,
    name,
    start_time: "09:00:00",
    end_time: "17:00:00",
    expected_duration_minutes: 480,
    grace_period_minutes: 0,
    early_leave_grace_minutes: 0,
    is_active: isActive,
    organization,
    created_at: created,
    updated_at: created,
  };
}

describe("which shift is in force (attendance's PolicyBook)", () => {
  const day = shift("Day", null, "2026-01-01T00:00:00Z");
  const late = shift("Late", null, "2026-02-01T00:00:00Z");
  const warehouse = shift("Warehouse", "Warehouse", "2026-03-01T00:00:00Z");
  const old = shift("Old", "Warehouse", "2025-01-01T00:00:00Z", false);
  const all = [day, late, warehouse, old];
  const active = all.filter((s) => s.is_active);

  it("uses the oldest active shift of each organisation, and of those without one", () => {
    const result = standings(all, active, true);
    expect(result.get(day.id)).toEqual({ kind: "in_force", organization: undefined });
    expect(result.get(late.id)).toEqual({ kind: "shadowed", by: day });
    expect(result.get(warehouse.id)).toEqual({ kind: "in_force", organization: "Warehouse" });
    // Older, but inactive: not a candidate.
    expect(result.get(old.id)).toEqual({ kind: "inactive" });
  });

  it("does not claim a shift is in force when not every active shift could be read", () => {
    const result = standings([day, late], [day, late], false);
    expect(result.get(day.id)).toEqual({ kind: "unknown" });
    // An older active shift was read: this one is certainly not used.
    expect(result.get(late.id)).toEqual({ kind: "shadowed", by: day });
  });
});
