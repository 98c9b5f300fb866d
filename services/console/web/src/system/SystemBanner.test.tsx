// The app shell's not-ready banner: on every signed-in page while the console says something
// is not ready, for every operator, with a link to the System page for admins only.

import { screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { json, mockFetch, renderApp } from "../test/render";
import { SESSION, VIEWER } from "../test/session";

const ADMIN = {
  ...SESSION,
  operator: { ...SESSION.operator, role: "admin" as const, display_name: "Ada Admin" },
};

function status(ready: boolean) {
  return json(200, {
    success: true,
    data: {
      checked_at: "2026-12-07T10:00:00Z",
      ready,
      not_ready: ready ? [] : [{ name: "attendance-worker", reason: "unreachable: cannot connect (Connection refused)" }],
    },
  });
}

function serve(session: typeof SESSION | typeof VIEWER | typeof ADMIN, ready: boolean) {
  return mockFetch((r) => {
    const path = new URL(r.url).pathname;
    if (path === "/console/api/v1/session") return json(200, { success: true, data: session });
    if (path === "/console/api/v1/system/status") return status(ready);
    if (path === "/api/v1/persons") return json(200, { success: true, data: [], meta: { page: 1, pageSize: 20, total: 0, totalPages: 0 } });
    if (path.startsWith("/api/v1/")) return json(200, { success: true, data: [] });
    return undefined;
  });
}

afterEach(() => vi.unstubAllGlobals());

describe("the not-ready banner", () => {
  it("tells a viewer on any page what is not ready, without a link they could not follow", async () => {
    serve(VIEWER, false);
    renderApp("/people");
    const banner = await screen.findByText(/Not everything is ready/);
    const box = banner.closest(".system-banner");
    expect(box?.textContent).toContain("attendance-worker is not ready (unreachable: cannot connect (Connection refused)).");
    expect(box?.querySelector("a")).toBeNull();
    expect(screen.queryByRole("link", { name: "System" })).toBeNull();
  });

  it("links an admin to the System page, which is in their navigation", async () => {
    serve(ADMIN, false);
    renderApp("/people");
    const link = await screen.findByRole("link", { name: "See the system page" });
    expect(link.getAttribute("href")).toBe("/system");
    expect(screen.getByRole("navigation", { name: "Main" }).textContent).toContain("System");
  });

  it("is not there while everything is ready", async () => {
    const { requests } = serve(ADMIN, true);
    renderApp("/people");
    await waitFor(() => expect(requests.some((r) => new URL(r.url).pathname === "/console/api/v1/system/status")).toBe(true));
    await screen.findByRole("heading", { level: 1 });
    expect(screen.queryByText(/Not everything is ready/)).toBeNull();
  });
});
