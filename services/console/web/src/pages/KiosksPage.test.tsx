// The Kiosks page: each kiosk with its state; an admin adds one (a camera id taken shown
// beside the field), pairs a device (the code in large type and its link, with its expiry),
// revokes and deletes after a question; HR reads only; a viewer has neither page nor entry.

import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { json, mockFetch, renderApp } from "../test/render";
import { SESSION, VIEWER } from "../test/session";

const ADMIN = { ...SESSION, operator: { ...SESSION.operator, role: "admin" as const, display_name: "Ada Admin" } };
const HR = { ...SESSION, operator: { ...SESSION.operator, role: "hr" as const, display_name: "Harriet HR" } };

const RECEPTION = {
  id: "0190a000-0000-7000-8000-0000000000a1",
  name: "Reception",
  camera_id: "kiosk-reception",
  mode: "entry",
  created_at: "2026-12-07T08:00:00Z",
  paired_at: "2026-12-07T08:05:00Z",
  last_seen_at: "2026-12-07T09:59:00Z",
  revoked_at: null,
  state: "paired",
};
const SIDE = { ...RECEPTION, id: "0190a000-0000-7000-8000-0000000000a2", name: "Side door", camera_id: "kiosk-side", mode: "ask", paired_at: null, last_seen_at: null, state: "unpaired" };
const ok = (data: unknown, status = 200) => json(status, { success: true, data });

afterEach(() => vi.unstubAllGlobals());

describe("the Kiosks page", () => {
  it("lists the kiosks with their states, and adds one, the camera id's conflict beside it", async () => {
    const bodies: unknown[] = [];
    let items = [RECEPTION, SIDE];
    mockFetch(async (r) => {
      const path = new URL(r.url).pathname;
      if (path === "/console/api/v1/session") return ok(ADMIN);
      if (path === "/console/api/v1/kiosks" && r.method === "GET") return ok({ items });
      if (path === "/console/api/v1/kiosks" && r.method === "POST") {
        const body = (await r.json()) as { camera_id: string; name: string };
        bodies.push(body);
        if (body.camera_id === "entrance")
          return json(409, { success: false, error: { code: "camera_exists", message: "a camera of this id is registered" } });
        const created = { ...SIDE, id: "0190a000-0000-7000-8000-0000000000a3", name: body.name, camera_id: body.camera_id, mode: "both" };
        items = [...items, created];
        return ok(created, 201);
      }
      return undefined;
    });
    renderApp("/kiosks");
    const reception = await screen.findByRole("listitem", { name: "Reception" });
    expect(within(reception).getByText("Paired")).toBeTruthy();
    expect(within(reception).getByText("kiosk-reception")).toBeTruthy();
    const side = screen.getByRole("listitem", { name: "Side door" });
    expect(within(side).getByText("Not paired")).toBeTruthy();
    expect(within(side).getByText("Ask (the person presses In or Out)")).toBeTruthy();
    expect(within(side).queryByRole("button", { name: "Revoke Side door" })).toBeNull();
    expect(screen.getByRole("navigation", { name: "Main" }).textContent).toContain("Kiosks");

    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: "Add kiosk" }));
    expect(await screen.findByText("Enter a name.")).toBeTruthy();
    expect(bodies).toEqual([]);

    await user.type(screen.getByLabelText(/^Name/), "Lobby");
    await user.type(screen.getByLabelText(/^Camera id/), "entrance");
    await user.selectOptions(screen.getByLabelText(/^Mode/), "both");
    await user.click(screen.getByRole("button", { name: "Add kiosk" }));
    expect(await screen.findByText("A camera of this id is registered.")).toBeTruthy();
    expect(screen.getByRole("alert").textContent).toContain("(camera_exists)");

    await user.clear(screen.getByLabelText(/^Camera id/));
    await user.type(screen.getByLabelText(/^Camera id/), "kiosk-lobby");
    await user.click(screen.getByRole("button", { name: "Add kiosk" }));
    expect(await screen.findByText("Lobby has been added. Pair a device to start it.")).toBeTruthy();
    expect(await screen.findByRole("listitem", { name: "Lobby" })).toBeTruthy();
    expect(bodies[1]).toEqual({ name: "Lobby", camera_id: "kiosk-lobby", mode: "both" });
  });

  it("pairs a device: the code in large type, its link and expiry", async () => {
    const { requests } = mockFetch((r) => {
      const path = new URL(r.url).pathname;
      if (path === "/console/api/v1/session") return ok(ADMIN);
      if (path === "/console/api/v1/kiosks") return ok({ items: [SIDE] });
      if (path === `/console/api/v1/kiosks/${SIDE.id}/pairing` && r.method === "POST")
        return ok({ code: "K7QM4XRT", link: "https://console.example/kiosk/pair#K7QM4XRT", expires_at: "2026-12-07T10:10:00Z" }, 201);
      return undefined;
    });
    renderApp("/kiosks");
    const side = await screen.findByRole("listitem", { name: "Side door" });
    const user = userEvent.setup();
    await user.click(within(side).getByRole("button", { name: "Pair a device with Side door" }));
    const dialog = await screen.findByRole("dialog", { hidden: true });
    expect(within(dialog).getByTestId("pairing-code").textContent).toBe("K7QM4XRT");
    expect(within(dialog).getByTestId("pairing-link").textContent).toBe("https://console.example/kiosk/pair#K7QM4XRT");
    expect(dialog.textContent).toContain("Valid once, until");
    expect(requests.some((r) => r.method === "POST" && r.headers.get("X-Faceattend-Csrf") === "1")).toBe(true);
  });

  it("revokes a paired device and deletes a kiosk, each after a question", async () => {
    const calls: string[] = [];
    mockFetch((r) => {
      const path = new URL(r.url).pathname;
      if (path === "/console/api/v1/session") return ok(ADMIN);
      if (path === "/console/api/v1/kiosks") return ok({ items: [RECEPTION] });
      if (path === `/console/api/v1/kiosks/${RECEPTION.id}/revoke` && r.method === "POST") {
        calls.push("revoke");
        return ok({ ...RECEPTION, state: "revoked", revoked_at: "2026-12-07T10:00:00Z" });
      }
      if (path === `/console/api/v1/kiosks/${RECEPTION.id}` && r.method === "DELETE") {
        calls.push("delete");
        return new Response(null, { status: 204 });
      }
      return undefined;
    });
    renderApp("/kiosks");
    const reception = await screen.findByRole("listitem", { name: "Reception" });
    const user = userEvent.setup();
    await user.click(within(reception).getByRole("button", { name: "Revoke Reception" }));
    expect(calls).toEqual([]);
    await user.click(await screen.findByRole("button", { name: "Revoke the device", hidden: true }));
    expect(await screen.findByText("Reception has been revoked: its device stopped.")).toBeTruthy();
    await user.click(within(screen.getByRole("listitem", { name: "Reception" })).getByRole("button", { name: "Delete Reception" }));
    await user.click(await screen.findByRole("button", { name: "Delete the kiosk", hidden: true }));
    expect(await screen.findByText("Reception has been deleted.")).toBeTruthy();
    expect(calls).toEqual(["revoke", "delete"]);
  });

  it("is read-only for HR", async () => {
    mockFetch((r) => {
      const path = new URL(r.url).pathname;
      if (path === "/console/api/v1/session") return ok(HR);
      if (path === "/console/api/v1/kiosks") return ok({ items: [RECEPTION] });
      return undefined;
    });
    renderApp("/kiosks");
    expect(await screen.findByRole("listitem", { name: "Reception" })).toBeTruthy();
    expect(screen.queryByRole("button", { name: /^Pair a device/ })).toBeNull();
    expect(screen.queryByRole("heading", { name: "Add a kiosk" })).toBeNull();
    expect(screen.getByRole("navigation", { name: "Main" }).textContent).toContain("Kiosks");
  });

  it("is not a viewer's: no navigation item, and nothing asked of the API", async () => {
    const { requests } = mockFetch((r) => {
      const path = new URL(r.url).pathname;
      if (path === "/console/api/v1/session") return ok(VIEWER);
      return undefined;
    });
    renderApp("/kiosks");
    expect(await screen.findByRole("heading", { level: 1, name: "Not allowed" })).toBeTruthy();
    expect(screen.getByRole("navigation", { name: "Main" }).textContent).not.toContain("Kiosks");
    expect(requests.some((r) => new URL(r.url).pathname === "/console/api/v1/kiosks")).toBe(false);
  });
});
