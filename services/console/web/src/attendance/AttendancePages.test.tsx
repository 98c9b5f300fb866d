// The Attendance pages in the app, with fetch faked by route: the records page asks the API
// for what its URL says and offers the CSV of the same filters; the API's reasons against a
// filter are shown beside it; HR approves a manual entry from the queue with one click, a
// viewer sees the queue without buttons; a person's month shows each day's status letter, and
// how late a late day was; a record's page shows its evidence and its history by name.

import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { json, mockFetch, renderApp } from "../test/render";
import { SESSION, VIEWER } from "../test/session";
import { localDateTimeValue } from "./forms";

const HR = { ...SESSION, permissions: ["persons:read", "persons:write", "attendance:read", "attendance:write"] };
const RECEPTION = {
  ...SESSION,
  operator: { ...SESSION.operator, role: "reception" as const, display_name: "Rita Reception" },
  permissions: ["persons:read", "attendance:read"],
};
const PERSON_ID = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
const PERSON = {
  id: PERSON_ID,
  first_name: "Ada",
  last_name: "Lovelace",
  email: "ada@example.com",
  phone: null,
  person_type: "employee",
  id_number: null,
  id_type: null,
  department: "Engineering",
  organization: null,
  status: "active",
  face_encoding_count: 0,
  enrolled_at: null,
  last_face_enrolled: null,
  createdAt: "2026-01-02T10:00:00Z",
  updatedAt: "2026-01-02T10:00:00Z",
};

function record(overrides: Record<string, unknown> = {}) {
  return {
    id: "0190a1b2-0000-7000-8000-000000000001",
    person_id: PERSON_ID,
    attendance_date: "2026-11-03",
    check_in_time: "2026-11-03T08:55:00Z",
    check_in_confidence: null,
    check_in_source: "manual",
    check_out_time: null,
    check_out_confidence: null,
    check_out_source: null,
    duration_minutes: null,
    status: "pending",
    is_manual: true,
    createdAt: "2026-11-03T08:55:00Z",
    late_minutes: 0,
    early_leave_minutes: 0,
    ...overrides,
  };
}

const listOf = (records: unknown[]) =>
  json(200, { success: true, data: records, meta: { page: 1, pageSize: 20, total: records.length, totalPages: 1 } });

beforeAll(async () => {
  await Promise.all([import("../pages/AttendancePage"), import("../pages/AttendanceManualPage"), import("../pages/PersonPage")]);
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("the records page", () => {
  it("asks for what its URL says, links the CSV of the same filters, and applies new filters to the URL", async () => {
    const { requests } = mockFetch((r) => {
      const url = new URL(r.url);
      if (url.pathname === "/console/api/v1/session") return json(200, { success: true, data: HR });
      if (url.pathname === "/api/v1/attendance") return listOf([record({ status: "late", is_manual: false, check_in_source: "auto", late_minutes: 85 })]);
      if (url.pathname === `/api/v1/persons/${PERSON_ID}`) return json(200, { success: true, data: PERSON });
      return undefined;
    });
    renderApp(`/attendance?person_id=${PERSON_ID}&from_date=2026-11-01&to_date=2026-11-30&page=2`);
    const table = await screen.findByRole("table");
    expect(within(table).getByRole("link", { name: "Ada Lovelace" })).toBeTruthy();
    expect(within(table).getByText("Late")).toBeTruthy();
    // How late, in the list itself.
    const row = within(table).getByTestId("record-row");
    expect(row.querySelector('[data-label="Late by"]')?.textContent).toBe("1 h 25 min");
    const asked = requests.filter((r) => new URL(r.url).pathname === "/api/v1/attendance").map((r) => Object.fromEntries(new URL(r.url).searchParams));
    expect(asked[0]).toEqual({
      page: "2",
      page_size: "20",
      person_id: PERSON_ID,
      from_date: "2026-11-01",
      to_date: "2026-11-30",
      format: "json",
    });
    const csv = screen.getByTestId("records-csv");
    expect(csv.getAttribute("href")).toBe(`/api/v1/attendance?person_id=${PERSON_ID}&from_date=2026-11-01&to_date=2026-11-30&format=csv`);
    // The chosen person is shown by name in the filter.
    expect(await screen.findByTestId("filter-person-chosen")).toHaveProperty("textContent", "Ada Lovelace");

    const user = userEvent.setup();
    await user.selectOptions(screen.getByLabelText("Status"), "late");
    await user.type(screen.getByLabelText("Department"), "Engineering");
    await user.click(screen.getByRole("button", { name: "Apply filters" }));
    await waitFor(() =>
      expect(Object.fromEntries(new URLSearchParams(window.location.search))).toEqual({
        person_id: PERSON_ID,
        from_date: "2026-11-01",
        to_date: "2026-11-30",
        status: "late",
        department: "Engineering",
      }),
    );
    expect(screen.getByTestId("records-csv").getAttribute("href")).toContain("status=late&department=Engineering&format=csv");
  });

  it("refuses a reversed range beside its field before asking, and shows the API's own reasons beside the filters", async () => {
    mockFetch((r) => {
      const url = new URL(r.url);
      if (url.pathname === "/console/api/v1/session") return json(200, { success: true, data: HR });
      if (url.pathname === "/api/v1/attendance" && url.searchParams.get("department") === "x") {
        return json(400, {
          success: false,
          error: {
            code: "invalid_parameters",
            message: "invalid query parameters",
            details: [{ field: "department", code: "too_long", message: "must be at most 100 characters" }],
          },
        });
      }
      if (url.pathname === "/api/v1/attendance") return listOf([]);
      return undefined;
    });
    renderApp("/attendance");
    expect((await screen.findByRole("table")).querySelector("caption")?.textContent).toBe("There are no records yet.");
    const user = userEvent.setup();
    await user.type(screen.getByLabelText("From"), "2026-12-02");
    await user.type(screen.getByLabelText("To"), "2026-12-01");
    await user.click(screen.getByRole("button", { name: "Apply filters" }));
    expect(await screen.findByText("The first day must not be after the last day.")).toBeTruthy();
    expect(screen.getByLabelText("From").getAttribute("aria-invalid")).toBe("true");
    expect(window.location.search).toBe("");

    window.history.pushState(null, "", "/attendance?department=x");
    window.dispatchEvent(new PopStateEvent("popstate"));
    expect(await screen.findByText("must be at most 100 characters (too_long)")).toBeTruthy();
    expect(screen.getByRole("alert").textContent).toContain("(invalid_parameters)");
  });
});

describe("manual entries", () => {
  it("lets HR approve a manual entry with one click, and says what it became", async () => {
    let decided = false;
    const { requests } = mockFetch(async (r) => {
      const url = new URL(r.url);
      if (url.pathname === "/console/api/v1/session") return json(200, { success: true, data: HR });
      if (url.pathname === "/api/v1/attendance") return listOf(decided ? [] : [record(), record({ id: "0190a1b2-0000-7000-8000-000000000002", attendance_date: "2026-11-02" })]);
      if (url.pathname === `/api/v1/persons/${PERSON_ID}`) return json(200, { success: true, data: PERSON });
      if (url.pathname === "/api/v1/attendance/manual/0190a1b2-0000-7000-8000-000000000001/approve" && r.method === "POST") {
        decided = true;
        return json(200, { success: true, data: record({ status: "present" }) });
      }
      return undefined;
    });
    renderApp("/attendance/manual");
    const queue = await screen.findByTestId("approval-queue");
    expect(await within(queue).findByText("2 records are waiting for a decision")).toBeTruthy();
    // The manual entry form is there for HR.
    expect(screen.getByRole("button", { name: "Check in" })).toBeTruthy();
    // The queue is the pending manual entries.
    const asked = new URL(requests.find((r) => new URL(r.url).pathname === "/api/v1/attendance")!.url).searchParams;
    expect([asked.get("status"), asked.get("source")]).toEqual(["pending", "manual"]);

    const user = userEvent.setup();
    const first = queue.querySelector<HTMLElement>('[data-record-id="0190a1b2-0000-7000-8000-000000000001"]')!;
    await user.click(await within(first).findByRole("button", { name: /^Approve Ada Lovelace's entry/ }));
    expect(await screen.findByText(/Approved: Ada Lovelace's record of .* is now Present\./)).toBeTruthy();
    const post = requests.find((r) => r.method === "POST");
    expect(await post?.clone().json()).toEqual({});
    expect(post?.headers.get("X-Faceattend-Csrf")).toBe("1");
    expect(await within(queue).findByText("Nothing is waiting for approval.")).toBeTruthy();
  });

  it("shows the API's refusal of a decision with its code", async () => {
    mockFetch((r) => {
      const url = new URL(r.url);
      if (url.pathname === "/console/api/v1/session") return json(200, { success: true, data: HR });
      if (url.pathname === "/api/v1/attendance") return listOf([record()]);
      if (url.pathname === `/api/v1/persons/${PERSON_ID}`) return json(200, { success: true, data: PERSON });
      if (url.pathname.endsWith("/reject")) return json(409, { success: false, error: { code: "already_approved", message: "the entry was approved already" } });
      return undefined;
    });
    renderApp("/attendance/manual");
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: /^Reject Ada Lovelace.s entry/ }));
    expect((await screen.findByRole("alert")).textContent).toBe("Not decided: The entry was approved already. (already_approved)");
  });

  it("lets reception make entries but not decide them, and a viewer only read the queue", async () => {
    let session: unknown = RECEPTION;
    mockFetch((r) => {
      const url = new URL(r.url);
      if (url.pathname === "/console/api/v1/session") return json(200, { success: true, data: session });
      if (url.pathname === "/api/v1/attendance") return listOf([record()]);
      if (url.pathname === `/api/v1/persons/${PERSON_ID}`) return json(200, { success: true, data: PERSON });
      return undefined;
    });
    const first = renderApp("/attendance/manual");
    expect(await screen.findByRole("button", { name: "Check in" })).toBeTruthy();
    expect(await screen.findByText("Waiting for HR")).toBeTruthy();
    expect(screen.queryByRole("button", { name: /^Approve/ })).toBeNull();
    first.unmount();

    session = VIEWER;
    renderApp("/attendance/manual");
    expect(await screen.findByText("Waiting for HR")).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Check in" })).toBeNull();
    expect(screen.queryByRole("button", { name: /^(Approve|Reject)/ })).toBeNull();
  });

  it("says why a check-in was refused, with the API's code, and sends only the person", async () => {
    const bodies: unknown[] = [];
    mockFetch(async (r) => {
      const url = new URL(r.url);
      if (url.pathname === "/console/api/v1/session") return json(200, { success: true, data: HR });
      if (url.pathname === "/api/v1/attendance") return listOf([]);
      if (url.pathname === "/api/v1/persons/search") return listOf([PERSON]);
      if (url.pathname === `/api/v1/persons/${PERSON_ID}`) return json(200, { success: true, data: PERSON });
      if (url.pathname === "/api/v1/attendance/check-in") {
        bodies.push(await r.clone().json());
        return json(409, { success: false, error: { code: "already_checked_in", message: "already checked in on 2026-11-03" } });
      }
      return undefined;
    });
    renderApp("/attendance/manual");
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Check in" }));
    expect(await screen.findByText("Choose the person first.")).toBeTruthy();
    expect(bodies).toEqual([]);

    await user.type(screen.getByLabelText("Find by name, email or id number"), "Lovelace{Enter}");
    await user.click(await screen.findByRole("button", { name: /Choose Ada Lovelace/ }));
    await user.click(screen.getByRole("button", { name: "Check in" }));
    const summary = await screen.findByRole("alert");
    await waitFor(() => expect(summary.textContent).toContain("Already checked in on 2026-11-03. (already_checked_in)"));
    expect(bodies).toEqual([{ person_id: PERSON_ID }]);
  });

  it("sends the time the person really arrived and the reason, and refuses a time in the future first", async () => {
    const bodies: unknown[] = [];
    mockFetch(async (r) => {
      const url = new URL(r.url);
      if (url.pathname === "/console/api/v1/session") return json(200, { success: true, data: HR });
      if (url.pathname === "/api/v1/attendance") return listOf([]);
      if (url.pathname === "/api/v1/persons/search") return listOf([PERSON]);
      if (url.pathname === `/api/v1/persons/${PERSON_ID}`) return json(200, { success: true, data: PERSON });
      if (url.pathname === "/api/v1/attendance/check-in") {
        const body = (await r.clone().json()) as { time: string };
        bodies.push(body);
        return json(200, {
          success: true,
          data: { success: true, person_id: PERSON_ID, person_name: "Ada Lovelace", check_in_time: body.time, confidence: null, message: "ok" },
        });
      }
      return undefined;
    });
    renderApp("/attendance/manual");
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText("Find by name, email or id number"), "Lovelace{Enter}");
    await user.click(await screen.findByRole("button", { name: /Choose Ada Lovelace/ }));
    const when = screen.getByLabelText("When");
    // Tomorrow: refused in the browser, beside the field.
    const tomorrow = new Date(Date.now() + 86_400_000);
    fireEvent.change(when, { target: { value: localDateTimeValue(tomorrow) } });
    await user.click(screen.getByRole("button", { name: "Check in" }));
    expect(await screen.findByText("The time cannot be later than now.")).toBeTruthy();
    expect(bodies).toEqual([]);

    // This morning at 08:55 (or yesterday's, before 08:55), with the reason.
    const arrived = new Date();
    if (arrived.getHours() < 9) arrived.setDate(arrived.getDate() - 1);
    arrived.setHours(8, 55, 0, 0);
    fireEvent.change(when, { target: { value: localDateTimeValue(arrived) } });
    await user.type(screen.getByLabelText(/^Reason/), "Forgot to look at the camera");
    await user.click(screen.getByRole("button", { name: "Check in" }));
    expect(await screen.findByText(/Ada Lovelace checked in at/)).toBeTruthy();
    expect(bodies).toEqual([{ person_id: PERSON_ID, time: arrived.toISOString(), reason: "Forgot to look at the camera" }]);
  });
});

describe("a person's month", () => {
  it("shows each day's status letter and minutes worked, and the month's statistics", async () => {
    const { requests } = mockFetch((r) => {
      const url = new URL(r.url);
      if (url.pathname === "/console/api/v1/session") return json(200, { success: true, data: VIEWER });
      if (url.pathname === `/api/v1/persons/${PERSON_ID}`) return json(200, { success: true, data: PERSON });
      if (url.pathname === `/api/v1/persons/${PERSON_ID}/faces`) return json(200, { success: true, data: [] });
      if (url.pathname === `/api/v1/persons/${PERSON_ID}/metadata`)
        return json(404, { success: false, error: { code: "metadata_not_found", message: "no metadata" } });
      if (url.pathname === `/api/v1/attendance/${PERSON_ID}/statistics`)
        return json(200, {
          success: true,
          data: { total_working_days: 21, days_present: 19, days_absent: 2, days_late: 3, days_early_leave: 1, presence_percentage: 90.5 },
        });
      if (url.pathname === "/api/v1/attendance/records/r2")
        return json(200, {
          success: true,
          data: {
            record: { ...record({ id: "r2", attendance_date: "2025-03-04", status: "late", duration_minutes: 452 }), late_minutes: 17, early_leave_minutes: 0, updated_at: "2025-03-04T17:00:00Z" },
            person: null,
            sightings: [],
            review_items: [],
            history: [],
          },
        });
      if (url.pathname === `/api/v1/attendance/${PERSON_ID}`)
        return listOf([
          record({ id: "r1", attendance_date: "2025-03-03", status: "present", duration_minutes: 480 }),
          record({ id: "r2", attendance_date: "2025-03-04", status: "late", duration_minutes: 452 }),
          record({ id: "r3", attendance_date: "2025-03-05", status: "absent" }),
        ]);
      return undefined;
    });
    renderApp(`/people/${PERSON_ID}?month=2025-03`);
    const calendar = await screen.findByTestId("month-calendar");
    expect(within(calendar).getByText("Ada Lovelace's attendance in March 2025")).toBeTruthy();
    const days = within(calendar).getAllByTestId("calendar-day");
    // How late, from the late day's own record.
    await waitFor(() => expect(days[1]?.textContent).toContain("+17′, late by 17 min"));
    expect(days.map((d) => [d.dataset.date, d.dataset.status, d.textContent])).toEqual([
      ["2025-03-03", "present", "3P: Present8:00, worked 8 h"],
      ["2025-03-04", "late", "4L: Late7:32, worked 7 h 32 min+17′, late by 17 min"],
      ["2025-03-05", "absent", "5A: Absent"],
    ]);
    expect(days[1]?.getAttribute("href")).toBe("/attendance/records/r2");
    const stats = await screen.findByTestId("month-statistics");
    expect(stats.textContent).toContain("Presence90.5 %");
    const asked = requests.filter((r) => new URL(r.url).pathname.startsWith("/api/v1/attendance/")).map((r) => new URL(r.url));
    expect(asked.map((u) => [u.pathname, u.searchParams.get("from_date"), u.searchParams.get("to_date")])).toEqual(
      expect.arrayContaining([
        [`/api/v1/attendance/${PERSON_ID}`, "2025-03-01", "2025-03-31"],
        [`/api/v1/attendance/${PERSON_ID}/statistics`, "2025-03-01", "2025-03-31"],
      ]),
    );

    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: /Previous month: February 2025/ }));
    await waitFor(() => expect(new URLSearchParams(window.location.search).get("month")).toBe("2025-02"));
    expect(await screen.findByText("Ada Lovelace's attendance in February 2025")).toBeTruthy();
  });
});
