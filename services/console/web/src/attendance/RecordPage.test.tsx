// A record's page in the app, with fetch faked: the check-in's evidence (frame and face, camera,
// confidence, model), the history in words with each operator's name, a correction that ends
// up in the history; a viewer without the correction form; a record that is gone.

import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { json, mockFetch, renderApp } from "../test/render";
import { SESSION, VIEWER } from "../test/session";

const HR = { ...SESSION, permissions: ["persons:read", "persons:write", "attendance:read", "attendance:write"] };
const PERSON_ID = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
const RECORD_ID = "0190a1b2-0000-7000-8000-000000000001";
const SEEN_IN = "0190a1b2-0000-7000-8000-0000000000d1";
const SEEN_OUT = "0190a1b2-0000-7000-8000-0000000000d2";
const OTHER_OPERATOR = "0190a1b2-0000-7000-8000-0000000000aa";

const sighting = (id: string, at: string, camera: string, role: string, verdict: string | null = null) => ({
  detection_id: id,
  camera_id: camera,
  camera_role: role,
  captured_at: at,
  person_id: PERSON_ID,
  person_name: "Ada Lovelace",
  decision: "match",
  confidence: 0.91,
  distance: 0.42,
  model: "mobilefacenet-v1",
  quality: 0.8,
  track_id: null,
  face_box: { x_min: 10, y_min: 10, x_max: 60, y_max: 70 },
  runner_up: null,
  has_snapshot: true,
  verdict,
  verdict_by: verdict === null ? null : OTHER_OPERATOR,
  verdict_at: verdict === null ? null : "2026-12-07T12:00:00Z",
});

function detail(corrected: boolean) {
  return {
    record: {
      id: RECORD_ID,
      person_id: PERSON_ID,
      attendance_date: "2026-12-03",
      check_in_time: "2026-12-03T09:12:00Z",
      check_in_confidence: 0.91,
      check_in_source: "auto",
      check_in_detection_id: SEEN_IN,
      check_in_camera_id: "entrance",
      check_out_time: corrected ? null : "2026-12-03T17:30:00Z",
      check_out_confidence: corrected ? null : 0.91,
      check_out_source: corrected ? null : "auto",
      check_out_detection_id: corrected ? null : SEEN_OUT,
      check_out_camera_id: corrected ? null : "lobby",
      duration_minutes: corrected ? null : 498,
      status: "late",
      is_manual: false,
      createdAt: "2026-12-03T09:12:01Z",
      late_minutes: 12,
      early_leave_minutes: 0,
      approved_by: null,
      approval_timestamp: null,
      remarks: null,
      updated_at: "2026-12-03T17:30:01Z",
    },
    person: { person_id: PERSON_ID, name: "Ada Lovelace", department: "Engineering", organization: null },
    sightings: [sighting(SEEN_IN, "2026-12-03T09:12:00Z", "entrance", "entry"), sighting(SEEN_OUT, "2026-12-03T17:30:00Z", "lobby", "exit", corrected ? "rejected" : null)],
    review_items: [],
    history: corrected
      ? [
          {
            at: "2026-12-07T12:00:00Z",
            actor: SESSION.operator.id,
            action: "detection_corrected",
            entity: "detection",
            entity_id: SEEN_OUT,
            before: {},
            after: { detection: { verdict: "rejected" }, reason: "That was her sister" },
          },
        ]
      : [
          {
            at: "2026-12-05T08:00:00Z",
            actor: OTHER_OPERATOR,
            action: "review_approved",
            entity: "review_item",
            entity_id: "x",
            before: {},
            after: { verdict: "confirmed", reason: null },
          },
        ],
  };
}

function routes(session: unknown) {
  let corrected = false;
  const bodies: unknown[] = [];
  const mock = mockFetch(async (r) => {
    const url = new URL(r.url);
    if (url.pathname === "/console/api/v1/session") return json(200, { success: true, data: session });
    if (url.pathname === "/console/api/v1/operator-names")
      return json(200, {
        success: true,
        data: [
          { id: OTHER_OPERATOR, display_name: "Olga Operator" },
          { id: SESSION.operator.id, display_name: SESSION.operator.display_name },
        ],
      });
    if (url.pathname === `/api/v1/attendance/records/${RECORD_ID}`) return json(200, { success: true, data: detail(corrected) });
    if (url.pathname === "/api/v1/attendance/corrections" && r.method === "POST") {
      bodies.push(await r.clone().json());
      corrected = true;
      return json(200, {
        success: true,
        data: { detection_id: SEEN_OUT, person_id: PERSON_ID, verdict: "rejected", verdict_by: SESSION.operator.id, verdict_at: "2026-12-07T12:00:00Z", attendance: detail(true).record },
      });
    }
    return undefined;
  });
  return { ...mock, bodies };
}

beforeAll(async () => {
  await import("../pages/AttendanceRecordPage");
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("a record's page", () => {
  it("shows the check-in's evidence and the history by name, and a correction joins the history", async () => {
    const { bodies } = routes(HR);
    renderApp(`/attendance/records/${RECORD_ID}`);
    expect(await screen.findByRole("heading", { level: 1, name: /^Ada Lovelace, / })).toBeTruthy();
    const summary = screen.getByTestId("record-summary");
    expect(summary.textContent).toContain("Late by12 min");
    expect(summary.textContent).toContain("Worked8 h 18 min");

    const checkIn = screen.getByTestId("evidence-check-in");
    const images = within(checkIn).getAllByRole("img");
    expect(images.map((i) => i.getAttribute("src"))).toEqual([
      `/api/v1/attendance/detections/${SEEN_IN}/crop`,
      `/api/v1/attendance/detections/${SEEN_IN}/snapshot`,
    ]);
    expect(checkIn.textContent).toContain("entrance (entry camera)");
    expect(checkIn.textContent).toContain("91 %");
    expect(checkIn.textContent).toContain("mobilefacenet-v1");

    const history = screen.getByTestId("record-history");
    await waitFor(() => expect(history.textContent).toContain("Approved a sighting in review: confirmed by Olga Operator"));

    // Correct the check-out's sighting from its row: the form opens on it.
    const user = userEvent.setup();
    const rows = screen.getAllByTestId("sighting-row");
    await user.click(within(rows[1]!).getByRole("button", { name: /^Correct/ }));
    const form = screen.getByTestId("correction-form");
    await waitFor(() => expect((within(form).getByLabelText(/lobby/) as HTMLInputElement).checked).toBe(true));
    await user.click(within(form).getByLabelText("This sighting was not them"));
    await user.type(within(form).getByLabelText(/^Reason/), "That was her sister");
    await user.click(within(form).getByRole("button", { name: "Save the correction" }));
    expect(await within(form).findByText("The correction is saved: the day is now Late.")).toBeTruthy();
    expect(bodies).toEqual([{ detection_id: SEEN_OUT, verdict: "rejected", reason: "That was her sister" }]);
    await waitFor(() => expect(screen.getByTestId("record-history").textContent).toContain("Corrected a sighting: not them by Hana Reyes (you)"));
    expect(screen.getByTestId("record-history").textContent).toContain("“That was her sister”");
    expect(screen.getByTestId("evidence-check-out").textContent).toContain("None recorded.");
  });

  it("shows a viewer everything but the correction and manual entry forms", async () => {
    routes(VIEWER);
    renderApp(`/attendance/records/${RECORD_ID}`);
    expect(await screen.findByRole("heading", { level: 1, name: /^Ada Lovelace, / })).toBeTruthy();
    expect(screen.getAllByTestId("sighting-row")).toHaveLength(2);
    expect(screen.queryByTestId("correction-form")).toBeNull();
    expect(screen.queryByRole("button", { name: /^Correct/ })).toBeNull();
    expect(screen.queryByRole("button", { name: "Check in" })).toBeNull();
  });

  it("says when the record is not there, with the API's code", async () => {
    mockFetch((r) => {
      const url = new URL(r.url);
      if (url.pathname === "/console/api/v1/session") return json(200, { success: true, data: HR });
      if (url.pathname === "/console/api/v1/operator-names") return json(200, { success: true, data: [] });
      if (url.pathname.startsWith("/api/v1/attendance/records/"))
        return json(404, { success: false, error: { code: "attendance_not_found", message: "no such attendance record" } });
      return undefined;
    });
    renderApp(`/attendance/records/${RECORD_ID}`);
    expect(await screen.findByRole("heading", { level: 1, name: "Record not found" })).toBeTruthy();
    expect(screen.getByRole("alert").textContent).toContain("No such attendance record. (attendance_not_found)");
  });
});
