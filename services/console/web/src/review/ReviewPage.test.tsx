// The Review page in the app, with fetch answered by route as attendance-api and person-api
// would: the item's evidence and what its confidence means, deciding by key with the next item
// shown before the API answers, keys left alone while typing, the direction asked for an
// ambiguous_time item, assigning by search and Enter, another operator's decision and a
// refusal, a viewer without decisions, and the unknown faces with their enrolment.

import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { json, mockFetch, renderApp } from "../test/render";
import { SESSION, VIEWER } from "../test/session";

const HR = { ...SESSION, permissions: ["persons:read", "persons:write", "attendance:read", "attendance:write"] };
const ADA = "11111111-1111-4111-8111-111111111111";
const BEA = "22222222-2222-4222-8222-222222222222";
const CAL = "33333333-3333-4333-8333-333333333333";

function detection(n: number, extra: Record<string, unknown> = {}) {
  return {
    detection_id: `d0000000-0000-4000-8000-00000000000${n}`,
    camera_id: "gate",
    camera_role: "entry",
    captured_at: `2026-03-10T08:5${n}:00Z`,
    person_id: ADA,
    person_name: "Ada Lovelace",
    decision: "match",
    confidence: 0.65,
    distance: 1.02,
    model: "mobilefacenet",
    quality: 0.8,
    track_id: String(n),
    face_box: { x_min: 200, y_min: 150, x_max: 300, y_max: 250 },
    runner_up: { person_id: BEA, name: "Bea Smith", distance: 1.1, margin: 0.08 },
    has_snapshot: true,
    verdict: null,
    verdict_by: null,
    verdict_at: null,
    ...extra,
  };
}

function reviewItem(n: number, extra: Record<string, unknown> = {}, evidence: Record<string, unknown> = {}) {
  return {
    id: `10000000-0000-4000-8000-00000000000${n}`,
    detection_id: detection(n).detection_id,
    person_id: ADA,
    attendance_date: "2026-03-10",
    reason: "low_confidence",
    confidence: 0.65,
    camera_id: "gate",
    at: `2026-03-10T08:5${n}:00Z`,
    state: "pending",
    decided_by: null,
    decided_at: null,
    person_name: "Ada Lovelace",
    detection: detection(n, evidence),
    ...extra,
  };
}

function person(id: string, first: string, last: string) {
  return {
    id,
    first_name: first,
    last_name: last,
    email: `${first.toLowerCase()}@example.com`,
    person_type: "employee",
    department: "R&D",
    status: "active",
    face_encoding_count: 1,
    createdAt: "2026-01-02T10:00:00Z",
    updatedAt: "2026-01-02T10:00:00Z",
  };
}

const refused = (status: number, code: string, message: string) => json(status, { success: false, error: { code, message } });
/**
 * A JPEG answer. Its blob() is made in the page's realm (jsdom's Blob, not Node's), as a
 * browser's is: jsdom's FileReader, which enrolment reads the crop with, takes no other.
 */
function jpeg(): Response {
  const bytes = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);
  const response = new Response(bytes, { status: 200, headers: { "Content-Type": "image/jpeg" } });
  response.blob = async () => new Blob([bytes], { type: "image/jpeg" });
  return response;
}

interface Decided {
  item: string;
  action: string;
  body: Record<string, unknown>;
}

/**
 * attendance-api and person-api as far as the page talks to them: the pending items in
 * `state.pending` (a decision removes its item), each decision recorded in `state.decided` and
 * answered by `answer` when it gives a refusal (it may also hold the answer back, or give
 * undefined for the usual success).
 */
function routes(options: { session?: unknown; answer?: (decided: Decided) => Response | undefined | Promise<Response | undefined> } = {}) {
  const state = {
    pending: [reviewItem(1), reviewItem(2)] as ReturnType<typeof reviewItem>[],
    decided: [] as Decided[],
    unknown: [] as unknown[],
    enrolled: [] as Record<string, unknown>[],
  };
  const mock = mockFetch(async (r) => {
    const url = new URL(r.url);
    const path = url.pathname;
    if (path === "/console/api/v1/session") return json(200, { success: true, data: options.session ?? HR });
    if (path === "/api/v1/attendance/review" && r.method === "GET") {
      const size = Number(url.searchParams.get("page_size") ?? "20");
      const meta = { page: 1, pageSize: size, total: state.pending.length, totalPages: 1 };
      return json(200, { success: true, data: state.pending.slice(0, size), meta });
    }
    const decision = /^\/api\/v1\/attendance\/review\/([^/]+)\/(approve|reject|assign)$/.exec(path);
    if (decision !== null && r.method === "POST") {
      const decided = { item: decision[1]!, action: decision[2]!, body: (await r.clone().json()) as Record<string, unknown> };
      state.decided.push(decided);
      const response = options.answer !== undefined ? await options.answer(decided) : undefined;
      if (response !== undefined && !response.ok) return response;
      state.pending = state.pending.filter((i) => i.id !== decided.item);
      if (response !== undefined) return response;
      const day = { id: "a1", person_id: ADA, attendance_date: "2026-03-10", status: "present", is_manual: false };
      const item = { ...reviewItem(1), id: decided.item, state: decided.action === "approve" ? "approved" : "rejected" };
      return json(200, {
        success: true,
        data: decided.action === "assign" ? { review_item: item, assigned_attendance: { ...day, person_id: BEA } } : { review_item: item, attendance: day },
      });
    }
    const evidence = /^\/api\/v1\/attendance\/detections\/([^/]+)\/(snapshot|crop)$/.exec(path);
    if (evidence !== null) {
      if (evidence[1] === detection(3).detection_id) return refused(404, "evidence_not_found", "no snapshot is kept of this detection");
      return jpeg();
    }
    if (path === "/api/v1/attendance/unknown-faces") {
      return json(200, { success: true, data: state.unknown, meta: { page: 1, pageSize: 24, total: state.unknown.length, totalPages: 1 } });
    }
    const faces = /^\/api\/v1\/persons\/([^/]+)\/faces$/.exec(path);
    if (faces !== null && r.method === "GET") {
      return json(200, {
        success: true,
        data: [
          {
            encoding_id: "e0000000-0000-4000-8000-000000000001",
            person_id: faces[1],
            image_id: "f0000000-0000-4000-8000-000000000001",
            model: "mobilefacenet",
            dimension: 192,
            confidence: 0.99,
            quality_score: 0.9,
            is_primary: true,
            source: "enrollment",
            createdAt: "2026-01-02T10:00:00Z",
          },
        ],
      });
    }
    if (path === "/api/v1/persons/search") {
      const q = (url.searchParams.get("q") ?? "").toLowerCase();
      const all = [person(ADA, "Ada", "Lovelace"), person(BEA, "Bea", "Smith"), person(CAL, "Cal", "Bean")];
      const found = all.filter((p) => `${p.first_name} ${p.last_name}`.toLowerCase().includes(q));
      return json(200, { success: true, data: found, meta: { page: 1, pageSize: 10, total: found.length, totalPages: 1 } });
    }
    const enrol = /^\/api\/v1\/persons\/([^/]+)\/enroll$/.exec(path);
    if (enrol !== null && r.method === "POST") {
      state.enrolled.push((await r.clone().json()) as Record<string, unknown>);
      return refused(422, "face_too_small", "the face is 40 px wide; at least 80 are needed");
    }
    return undefined;
  });
  return { ...mock, state };
}

function deferred() {
  let release: () => void = () => undefined;
  const promise = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { promise, release };
}

const title = () => screen.findByRole("heading", { level: 2, name: /^Is this/ });
const itemShown = () => screen.getByTestId("review-item").getAttribute("data-item-id");

beforeAll(async () => {
  await import("../pages/ReviewPage");
});

beforeEach(() => {
  if (!("showModal" in HTMLDialogElement.prototype)) {
    Object.assign(HTMLDialogElement.prototype, {
      showModal(this: HTMLDialogElement) {
        this.setAttribute("open", "");
      },
      close(this: HTMLDialogElement) {
        this.removeAttribute("open");
      },
    });
  }
  let n = 0;
  URL.createObjectURL = vi.fn(() => `blob:evidence-${++n}`);
  URL.revokeObjectURL = vi.fn();
});

afterEach(() => {
  vi.unstubAllGlobals();
  delete (URL as { createObjectURL?: unknown }).createObjectURL;
  delete (URL as { revokeObjectURL?: unknown }).revokeObjectURL;
});

describe("the review queue", () => {
  it("shows the oldest item with its evidence and what its confidence means", async () => {
    const { state } = routes();
    state.pending = [reviewItem(3), reviewItem(1)];
    renderApp("/review");
    expect((await title()).textContent).toContain("Is this Ada Lovelace?");
    expect(screen.getByTestId("review-remaining").getAttribute("data-count")).toBe("2");
    expect(screen.getByTestId("review-confidence").textContent).toContain("0.65: between 1 in 100 and 1 in 1,000 impostors would score this high.");
    expect(screen.getByTestId("review-runner-up").textContent).toContain("Bea Smith, margin 0.08");
    // Item 3 has no snapshot kept: a placeholder with the API's reason, not a broken image.
    const missing = await screen.findAllByRole("img", { name: /No snapshot was kept of this sighting \(evidence_not_found\)/ });
    expect(missing.length).toBeGreaterThan(0);
    const photo = await screen.findByRole("img", { name: /Ada Lovelace's enrolled photo \(primary\)/ });
    expect(photo.getAttribute("src")).toBe(`/api/v1/persons/${ADA}/faces/e0000000-0000-4000-8000-000000000001/image`);
    // The navigation counts them too.
    await waitFor(() => expect(screen.getByTestId("nav-review-count").textContent).toContain("2"));

    await userEvent.keyboard("j");
    await waitFor(() => expect(itemShown()).toBe(reviewItem(1).id));
    const snapshot = await screen.findByRole("img", { name: /^Camera gate's whole frame at/ });
    expect(snapshot.getAttribute("src")).toMatch(/^blob:evidence-/);
    expect(await screen.findByRole("img", { name: /^The face camera gate saw at .*, enlarged$/ })).toBeTruthy();
  });

  it("approves with a, showing the next item before the API answers", async () => {
    const held = deferred();
    // The API's answer waits until the test releases it; then it is the usual one.
    const { state } = routes({ answer: () => held.promise.then(() => undefined) });
    renderApp("/review");
    await title();
    expect(itemShown()).toBe(reviewItem(1).id);

    await userEvent.keyboard("a");
    // At once: the second item, the count down by one, the decision on its way.
    expect(itemShown()).toBe(reviewItem(2).id);
    expect(screen.getByTestId("review-remaining").getAttribute("data-count")).toBe("1");
    expect(within(screen.getByTestId("review-outcomes")).getByText(/^Approving Ada Lovelace at/)).toBeTruthy();
    await waitFor(() => expect(state.decided).toEqual([{ item: reviewItem(1).id, action: "approve", body: {} }]));

    await act(async () => held.release());
    const outcome = await within(screen.getByTestId("review-outcomes")).findByText(/^Approved: Ada Lovelace at .*Their day, .*: present\.$/);
    expect(outcome).toBeTruthy();
  });

  it("leaves the keys alone while typing a reason, and sends the reason with the decision", async () => {
    const { state } = routes();
    renderApp("/review");
    await title();
    const reason = screen.getByLabelText(/^Reason \(optional\)/);
    await userEvent.click(reason);
    await userEvent.keyboard("a j");
    expect((reason as HTMLInputElement).value).toBe("a j");
    expect(itemShown()).toBe(reviewItem(1).id);
    expect(state.decided).toEqual([]);

    await userEvent.keyboard("{Escape}");
    expect(document.activeElement).toBe(screen.getByTestId("review-item"));
    await userEvent.keyboard("r");
    await waitFor(() => expect(state.decided).toEqual([{ item: reviewItem(1).id, action: "reject", body: { reason: "a j" } }]));
    expect(itemShown()).toBe(reviewItem(2).id);
    expect((screen.getByLabelText(/^Reason \(optional\)/) as HTMLInputElement).value).toBe("");
  });

  it("asks which way an ambiguous_time item went, then approves it with i or o", async () => {
    const { state } = routes();
    state.pending = [reviewItem(1, { reason: "ambiguous_time" }), reviewItem(2)];
    renderApp("/review");
    await title();
    await userEvent.keyboard("a");
    const question = screen.getByTestId("review-direction");
    expect(question.textContent).toContain("Was Ada Lovelace arriving or leaving?");
    expect(state.decided).toEqual([]);
    await userEvent.keyboard("o");
    await waitFor(() => expect(state.decided).toEqual([{ item: reviewItem(1).id, action: "approve", body: { direction: "check_out" } }]));
    expect(screen.queryByTestId("review-direction")).toBeNull();
  });

  it("assigns to another person with s, a search and Enter", async () => {
    const { state } = routes();
    renderApp("/review");
    await title();
    await userEvent.keyboard("s");
    const search = screen.getByRole("combobox", { name: /^Assign to another person/ });
    expect(document.activeElement).toBe(search);
    // The s that focused it is not typed into it.
    expect((search as HTMLInputElement).value).toBe("");
    await userEvent.keyboard("Bea{Enter}");
    await waitFor(() => expect(state.decided).toEqual([{ item: reviewItem(1).id, action: "assign", body: { person_id: BEA } }]));
    expect(itemShown()).toBe(reviewItem(2).id);
    // The keys work again at once.
    expect(document.activeElement).toBe(screen.getByTestId("review-item"));
    expect(await within(screen.getByTestId("review-outcomes")).findByText(/^Assigned to Bea Smith: .*present\.$/)).toBeTruthy();
  });

  it("says when another operator decided first, and brings a refused item back with the reason", async () => {
    const { state } = routes({
      answer: ({ item }) =>
        item === reviewItem(1).id
          ? refused(409, "review_item_decided", "the review item was already decided")
          : refused(422, "validation_failed", "reason: must not be blank"),
    });
    state.pending = [reviewItem(1), reviewItem(2), reviewItem(4)];
    renderApp("/review");
    await title();
    await userEvent.keyboard("a");
    const gone = await within(screen.getByTestId("review-outcomes")).findByText(/^Another operator decided it first: /);
    expect(gone.textContent).toContain("(review_item_decided)");
    expect(itemShown()).toBe(reviewItem(2).id);

    await userEvent.keyboard("r");
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toMatch(/^Rejecting Ada Lovelace at .* was refused: Reason: must not be blank\. \(validation_failed\) It is back in the queue\.$/);
    // The item is back in the queue; "Show it" goes to it.
    await userEvent.click(screen.getByRole("button", { name: "Show it" }));
    expect(itemShown()).toBe(reviewItem(2).id);
    expect(within(screen.getByTestId("review-strip")).getAllByRole("button").length).toBeGreaterThanOrEqual(2);
  });

  it("shows a viewer the queue without decisions; j and k still move", async () => {
    const { state } = routes({ session: VIEWER });
    renderApp("/review");
    await title();
    expect(screen.queryByTestId("review-decide")).toBeNull();
    expect(screen.getByText(/deciding needs the HR or administrator role/)).toBeTruthy();
    await userEvent.keyboard("a");
    await userEvent.keyboard("j");
    expect(itemShown()).toBe(reviewItem(2).id);
    expect(state.decided).toEqual([]);
    expect(within(screen.getByTestId("review-keyboard-help")).queryByText(/^Approve/)).toBeNull();
  });

  it("says so when nothing is waiting", async () => {
    const { state } = routes();
    state.pending = [];
    renderApp("/review");
    expect(await screen.findByTestId("review-empty")).toBeTruthy();
    expect(screen.getByTestId("review-remaining").textContent).toContain("Nothing to review.");
  });
});

describe("unknown faces", () => {
  it("lists each appearance with its quality, and shows why enrolling its face was refused", async () => {
    const { state } = routes();
    state.unknown = [
      {
        camera_id: "gate",
        track_id: "7",
        first_seen: "2026-03-10T09:00:00Z",
        last_seen: "2026-03-10T09:01:00Z",
        sightings: 4,
        best: detection(5, { person_id: null, person_name: null, decision: "unknown", runner_up: null, quality: 0.3 }),
      },
    ];
    renderApp("/review?view=unknown");
    const card = await screen.findByTestId("unknown-face");
    expect(card.textContent).toContain("30 %");
    expect(card.textContent).toContain("low: enrolment may refuse it");
    expect(card.textContent).toContain("4");
    await userEvent.click(within(card).getByRole("button", { name: /^Enrol this face as…/ }));
    const dialog = await screen.findByTestId("enrol-capture");
    await userEvent.type(within(dialog).getByRole("combobox", { name: /^Find the person/ }), "Cal{Enter}");
    const result = await within(dialog).findByTestId("enrol-capture-result");
    expect(result.getAttribute("data-outcome")).toBe("refused");
    expect(result.textContent).toContain("The face was not enrolled as Cal Bean: The face is too small in this photo. Use a closer photo, or a larger one. (face_too_small)");
    expect(state.enrolled).toHaveLength(1);
    expect(String(state.enrolled[0]?.frame_data)).toMatch(/^data:image\/jpeg;base64,/);
  });
});
