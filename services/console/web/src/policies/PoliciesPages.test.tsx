// The Policies and Operators pages in the app, against a fetch that answers as the services
// do: what each role sees, and a form's refusals (the browser's, then the API's) beside the
// fields they are about.

import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { json, mockFetch, renderApp } from "../test/render";
import { SESSION, VIEWER } from "../test/session";

const HR = { ...SESSION, permissions: ["persons:read", "persons:write", "attendance:read", "attendance:write"] };
const ADMIN = { ...HR, operator: { ...HR.operator, role: "admin" as const, display_name: "Ada Admin" } };

const DAY = {
  id: "0190a000-0000-7000-8000-000000000001",
  name: "Day",
  start_time: "09:00:00",
  end_time: "17:00:00",
  expected_duration_minutes: 480,
  grace_period_minutes: 10,
  early_leave_grace_minutes: 0,
  is_active: true,
  organization: null,
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
};

const list = (data: unknown[]) =>
  json(200, { success: true, data, meta: { page: 1, pageSize: 20, total: data.length, totalPages: Math.max(1, data.length) } });

function policyApi(session: unknown, extra: (r: Request, path: string) => Response | undefined = () => undefined) {
  return mockFetch((r) => {
    const path = new URL(r.url).pathname;
    if (path === "/console/api/v1/session") return json(200, { success: true, data: session });
    const answer = extra(r, path);
    if (answer !== undefined) return answer;
    if (path === "/api/v1/attendance/sessions" && r.method === "GET") return list([DAY]);
    if (path === "/api/v1/attendance/exceptions" && r.method === "GET") return list([]);
    return undefined;
  });
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("the Policies pages", () => {
  it("show a viewer the shifts without a button the API would refuse", async () => {
    const { requests } = policyApi(VIEWER);
    renderApp("/policies/shifts");
    const table = await screen.findByRole("table");
    const row = within(table).getByRole("row", { name: /Day/ });
    expect(row.textContent).toContain("09:00–17:00");
    expect(row.textContent).toContain("In force");
    expect(screen.getByText("Your role can read the policies but not change them.")).toBeTruthy();
    expect(screen.queryByRole("link", { name: "Add a shift" })).toBeNull();
    expect(screen.queryByRole("link", { name: /Edit/ })).toBeNull();
    expect(screen.queryByRole("button", { name: /Delete/ })).toBeNull();
    // A viewer has Policies in the navigation but not Operators.
    const nav = screen.getByRole("navigation", { name: "Main" });
    expect(within(nav).getByRole("link", { name: "Policies" })).toBeTruthy();
    expect(within(nav).queryByRole("link", { name: "Operators" })).toBeNull();
    expect(requests.every((r) => r.method === "GET")).toBe(true);
  });

  it("check a shift in the browser first, then show the API's refusal beside its field", async () => {
    const { requests } = policyApi(HR, (r, path) =>
      path === "/api/v1/attendance/sessions" && r.method === "POST"
        ? json(409, { success: false, error: { code: "session_name_taken", message: 'a shift named "Day" exists' } })
        : undefined,
    );
    renderApp("/policies/shifts/new");
    const user = userEvent.setup();
    const name = await screen.findByLabelText(/^Name/);
    await user.type(name, "Day");
    const grace = screen.getByLabelText(/^Lateness forgiven/);
    await user.clear(grace);
    await user.type(grace, "900");
    await user.click(screen.getByRole("button", { name: "Add the shift" }));
    // Refused in the browser: nothing was sent.
    expect(await screen.findByText("Must be between 0 and 720.")).toBeTruthy();
    expect(requests.filter((r) => r.method === "POST")).toHaveLength(0);

    await user.clear(grace);
    await user.type(grace, "15");
    await user.click(screen.getByRole("button", { name: "Add the shift" }));
    const summary = await screen.findByRole("alert");
    expect(summary.textContent).toContain('A shift named "Day" exists. (session_name_taken)');
    expect(within(summary).getByRole("link", { name: "Name: see the reason beside the field" })).toBeTruthy();
    await waitFor(() => expect(name.getAttribute("aria-invalid")).toBe("true"));
    const posted = requests.find((r) => r.method === "POST");
    expect(await posted?.clone().json()).toEqual({
      name: "Day",
      start_time: "09:00",
      end_time: "17:00",
      grace_period_minutes: 15,
      early_leave_grace_minutes: 0,
      is_active: true,
    });
  });
});

describe("the Operators pages", () => {
  it("tell a non-admin they are not allowed, without asking the API", async () => {
    const { requests } = policyApi(HR);
    renderApp("/operators");
    expect(await screen.findByRole("heading", { level: 1, name: "Not allowed" })).toBeTruthy();
    expect(screen.getByText(/Only an administrator can manage operators/)).toBeTruthy();
    expect(requests.some((r) => new URL(r.url).pathname.startsWith("/console/api/v1/operators"))).toBe(false);
    expect(within(screen.getByRole("navigation", { name: "Main" })).queryByRole("link", { name: "Operators" })).toBeNull();
  });

  it("list the operators for an admin", async () => {
    policyApi(ADMIN, (_request, path) =>
      path === "/console/api/v1/operators"
        ? json(200, {
            success: true,
            data: [
              { ...ADMIN.operator, last_sign_in_at: "2026-12-07T08:00:00Z" },
              { id: "0190a000-0000-7000-8000-0000000000b0", email: "vic@example.com", display_name: "Vic Viewer", role: "viewer", disabled: true, created_at: "2026-02-01T00:00:00Z", last_sign_in_at: null },
            ],
          })
        : undefined,
    );
    renderApp("/operators");
    const table = await screen.findByRole("table");
    expect(within(table).getByRole("row", { name: /Vic Viewer/ }).textContent).toContain("Disabled");
    expect(within(table).getByRole("row", { name: /Vic Viewer/ }).textContent).toContain("Never");
    expect(within(screen.getByRole("navigation", { name: "Main" })).getByRole("link", { name: "Operators" })).toBeTruthy();
  });
});
