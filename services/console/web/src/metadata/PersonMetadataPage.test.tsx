// The metadata page in the app, with fetch faked: rows added and removed, the browser's own
// reasons before sending, the API's 422 reasons beside their fields with nothing typed lost,
// and the saved details shown on the person's page.

import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { json, mockFetch, renderApp } from "../test/render";
import { SESSION, VIEWER } from "../test/session";

const PERSON_ID = "22222222-2222-4222-8222-222222222222";
const PERSON = {
  id: PERSON_ID,
  first_name: "Grace",
  last_name: "Hopper",
  email: "grace@example.com",
  phone: null,
  person_type: "employee",
  id_number: null,
  id_type: null,
  department: null,
  organization: null,
  status: "active",
  face_encoding_count: 0,
  enrolled_at: null,
  last_face_enrolled: null,
  createdAt: "2026-01-02T10:00:00Z",
  updatedAt: "2026-01-02T10:00:00Z",
};
const METADATA = {
  person_id: PERSON_ID,
  address: "1 Navy Yard",
  emergency_contact: null,
  emergency_phone: null,
  preferences: { language: "en" },
  custom_fields: { badge: "B-1", floor: 3 },
  createdAt: "2026-01-02T10:00:00Z",
  updatedAt: "2026-01-02T10:00:00Z",
};

function routes(put: (body: Record<string, unknown>) => Response, session: unknown = SESSION) {
  let saved: Record<string, unknown> = METADATA;
  const bodies: Record<string, unknown>[] = [];
  const mock = mockFetch(async (r) => {
    const path = new URL(r.url).pathname;
    if (path === "/console/api/v1/session") return json(200, { success: true, data: session });
    if (path === `/api/v1/persons/${PERSON_ID}`) return json(200, { success: true, data: PERSON });
    if (path === `/api/v1/persons/${PERSON_ID}/faces`) return json(200, { success: true, data: [] });
    if (path === `/api/v1/persons/${PERSON_ID}/metadata` && r.method === "GET") return json(200, { success: true, data: saved });
    if (path === `/api/v1/persons/${PERSON_ID}/metadata` && r.method === "PUT") {
      const body = (await r.clone().json()) as Record<string, unknown>;
      bodies.push(body);
      const response = put(body);
      if (response.ok) saved = { ...saved, ...body, updatedAt: "2026-01-03T10:00:00Z" };
      return response;
    }
    return undefined;
  });
  return { ...mock, bodies };
}

beforeAll(async () => {
  await Promise.all([import("../pages/PersonMetadataPage"), import("../pages/PersonPage")]);
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("editing a person's metadata", () => {
  it("refuses rows it can judge, shows the API's reasons beside the fields, loses nothing, then saves", async () => {
    let attempt = 0;
    const { bodies } = routes((body) => {
      attempt += 1;
      if (attempt === 1)
        return json(422, {
          success: false,
          error: {
            code: "validation_failed",
            message: "invalid fields",
            details: [
              { field: "emergency_phone", code: "invalid_phone", message: "must be an E.164 phone number" },
              { field: "custom_fields", code: "too_large", message: "must serialise to at most 32768 bytes" },
            ],
          },
        });
      return json(200, { success: true, data: { ...METADATA, ...body, updatedAt: "2026-01-03T10:00:00Z" } });
    });
    renderApp(`/people/${PERSON_ID}/metadata`);
    await screen.findByRole("heading", { name: "More details of Grace Hopper" });
    const user = userEvent.setup();
    expect((screen.getByLabelText("Address") as HTMLTextAreaElement).value).toBe("1 Navy Yard");
    expect((screen.getByLabelText("Value of custom field 2") as HTMLInputElement).value).toBe("3");
    expect((screen.getByLabelText("Kind of custom field 2") as HTMLSelectElement).value).toBe("json");

    await user.type(screen.getByLabelText("Emergency contact"), "Vincent Hopper");
    await user.type(screen.getByLabelText("Emergency phone"), "12");
    // A new row takes the focus; a nameless value and broken JSON are refused before sending.
    await user.click(screen.getByRole("button", { name: "Add a custom field" }));
    expect(document.activeElement).toBe(screen.getByLabelText("Name of custom field 3"));
    await user.type(screen.getByLabelText("Value of custom field 3"), "orphan");
    await user.clear(screen.getByLabelText("Value of custom field 2"));
    await user.type(screen.getByLabelText("Value of custom field 2"), "{{oops");
    await user.click(screen.getByRole("button", { name: "Save details" }));
    const summary = await screen.findByRole("alert");
    expect(within(summary).getByRole("link", { name: /Name of custom field 3/ })).toBeTruthy();
    expect(within(summary).getByRole("link", { name: /Value of custom field 2/ })).toBeTruthy();
    expect(screen.getByLabelText("Name of custom field 3").getAttribute("aria-invalid")).toBe("true");
    expect(screen.getByText("Give this value a name.")).toBeTruthy();
    expect(screen.getByText(/This is not valid JSON/)).toBeTruthy();
    expect(bodies).toHaveLength(0);

    await user.type(screen.getByLabelText("Name of custom field 3"), "desk");
    await user.clear(screen.getByLabelText("Value of custom field 2"));
    await user.type(screen.getByLabelText("Value of custom field 2"), "4");
    // Removing a row gives the focus to the Add button.
    await user.click(screen.getByRole("button", { name: /^Remove\s*preference 1$/ }));
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Add a preference" }));
    await user.click(screen.getByRole("button", { name: "Save details" }));

    await screen.findByText("Must be an E.164 phone number.");
    expect(bodies[0]).toEqual({
      emergency_contact: "Vincent Hopper",
      emergency_phone: "12",
      preferences: {},
      custom_fields: { badge: "B-1", floor: 4, desk: "orphan" },
    });
    expect(screen.getByLabelText("Emergency phone").getAttribute("aria-invalid")).toBe("true");
    expect(screen.getByLabelText("Emergency phone").getAttribute("aria-describedby")).toContain("metadata-emergency_phone-error");
    const custom = screen.getByRole("group", { name: "Custom fields" });
    expect(within(custom).getByText("Must serialise to at most 32768 bytes.")).toBeTruthy();
    expect(custom.getAttribute("aria-describedby")).toContain("metadata-custom_fields-error");
    expect(within(screen.getByRole("alert")).getByRole("link", { name: /Emergency phone/ })).toBeTruthy();
    // Nothing typed was lost.
    expect((screen.getByLabelText("Emergency contact") as HTMLInputElement).value).toBe("Vincent Hopper");
    expect((screen.getByLabelText("Name of custom field 3") as HTMLInputElement).value).toBe("desk");
    expect(screen.queryByLabelText("Name of preference 1")).toBeNull();

    await user.clear(screen.getByLabelText("Emergency phone"));
    await user.type(screen.getByLabelText("Emergency phone"), "+44 20 7946 0958");
    await user.click(screen.getByRole("button", { name: "Save details" }));
    await screen.findByText("The details have been saved.");
    expect(window.location.pathname).toBe(`/people/${PERSON_ID}`);
    expect(bodies[1]).toMatchObject({ emergency_phone: "+44 20 7946 0958" });
    const details = await screen.findByTestId("metadata-section");
    await waitFor(() => expect(within(details).getByText("Vincent Hopper")).toBeTruthy());
  }, 20_000);

  it("sends nothing when nothing changed", async () => {
    const put = vi.fn(() => json(200, { success: true, data: METADATA }));
    routes(put);
    renderApp(`/people/${PERSON_ID}/metadata`);
    await screen.findByRole("heading", { name: "More details of Grace Hopper" });
    await userEvent.setup().click(screen.getByRole("button", { name: "Save details" }));
    await screen.findByText("Nothing was changed.");
    expect(put).not.toHaveBeenCalled();
  });

  it("is shown on the person's page, strings as they are and other values as JSON; a viewer cannot edit it", async () => {
    routes(() => json(500, {}), VIEWER);
    renderApp(`/people/${PERSON_ID}`);
    const details = await screen.findByTestId("metadata-section");
    await within(details).findByText("1 Navy Yard");
    expect(within(details).getAllByRole("listitem").map((li) => li.textContent)).toEqual(["language: en", "badge: B-1", "floor: 3"]);
    expect(within(details).getByText("3").tagName).toBe("CODE");
    expect(within(details).queryByRole("link", { name: /edit/i })).toBeNull();
  });

  it("sends a viewer who opens the page back to the person", async () => {
    routes(() => json(500, {}), VIEWER);
    renderApp(`/people/${PERSON_ID}/metadata`);
    await screen.findByRole("heading", { name: "Grace Hopper" });
    expect(window.location.pathname).toBe(`/people/${PERSON_ID}`);
  });
});
