// The sign-in audit page asks the console for exactly the filters and the page in its URL,
// says where the page is among all that matched, and shows a refusal with its code.

import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { json, mockFetch, renderApp } from "../test/render";
import { SESSION } from "../test/session";

const ADMIN = { ...SESSION, operator: { ...SESSION.operator, role: "admin" as const, display_name: "Ada Admin" } };
const OPERATOR = {
  id: "00000000-0000-4000-8000-000000000002",
  email: "vic@example.com",
  display_name: "Vic Viewer",
  role: "viewer",
  disabled: false,
  created_at: "2026-01-01T00:00:00Z",
  last_sign_in_at: null,
};

function entries(from: number, count: number) {
  return Array.from({ length: count }, (_, i) => ({
    id: `0190a000-0000-7000-8000-${String(from + i).padStart(12, "0")}`,
    occurred_at: "2026-12-07T10:00:00Z",
    event: "sign_in_failed",
    operator_id: OPERATOR.id,
    email: OPERATOR.email,
    client_address: "10.0.0.7",
    detail: "wrong password",
  }));
}

afterEach(() => vi.unstubAllGlobals());

describe("the sign-in audit page", () => {
  it("asks for the URL's outcome, days and page, and pages through all that matched", async () => {
    const { requests } = mockFetch((r) => {
      const url = new URL(r.url);
      if (url.pathname === "/console/api/v1/session") return json(200, { success: true, data: ADMIN });
      if (url.pathname === "/console/api/v1/operators") return json(200, { success: true, data: [OPERATOR] });
      if (url.pathname === "/console/api/v1/audit") {
        const offset = Number(url.searchParams.get("offset"));
        return json(200, { success: true, data: entries(offset, offset >= 50 ? 10 : 25), meta: { offset, limit: 25, total: 60 } });
      }
      return undefined;
    });
    renderApp("/operators/audit?outcome=refusals&from=2026-12-01&to=2026-12-07&page=2");
    expect(await screen.findByText("26–50 of 60 entries (refused, throttled or locked sign-ins), newest first")).toBeTruthy();
    const asked = new URL(requests.filter((r) => new URL(r.url).pathname === "/console/api/v1/audit").at(-1)!.url).searchParams;
    expect(asked.get("event")).toBe("sign_in_failed,sign_in_throttled,account_locked");
    expect(asked.get("from")).toBe(new Date(2026, 11, 1).toISOString());
    expect(asked.get("to")).toBe(new Date(2026, 11, 8).toISOString());
    expect(asked.get("offset")).toBe("25");
    expect(asked.get("limit")).toBe("25");
    expect(screen.getAllByRole("link", { name: "Vic Viewer" })).toHaveLength(25);

    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: /^Next/ }));
    expect(await screen.findByText("51–60 of 60 entries (refused, throttled or locked sign-ins), newest first")).toBeTruthy();
    expect(window.location.search).toContain("page=3");

    // A new filter starts again from the first page.
    await user.selectOptions(screen.getByLabelText("Outcome"), "sign_ins");
    await user.click(screen.getByRole("button", { name: "Apply filters" }));
    await waitFor(() => expect(window.location.search).toBe("?outcome=sign_ins&from=2026-12-01&to=2026-12-07"));
    const last = new URL(requests.filter((r) => new URL(r.url).pathname === "/console/api/v1/audit").at(-1)!.url).searchParams;
    expect(last.get("event")).toBe("sign_in");
    expect(last.get("offset")).toBe("0");
  });

  it("shows the console's refusal with its code", async () => {
    mockFetch((r) => {
      const path = new URL(r.url).pathname;
      if (path === "/console/api/v1/session") return json(200, { success: true, data: ADMIN });
      if (path === "/console/api/v1/operators") return json(200, { success: true, data: [] });
      if (path === "/console/api/v1/audit")
        return json(400, {
          success: false,
          error: {
            code: "invalid_parameters",
            message: "the query parameters are invalid",
            details: [{ field: "from", code: "invalid_range", message: "must be before `to`" }],
          },
        });
      return undefined;
    });
    renderApp("/operators/audit?from=2026-12-09&to=2026-12-01");
    expect(await screen.findByText(/The audit could not be loaded: .*\(invalid_parameters\)/)).toBeTruthy();
  });
});
