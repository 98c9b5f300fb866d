// The Faces part of a person's page, in the app, with fetch faked by route: the list with its
// photos, enrolment from files (in order, with the reasons, the largest face on request),
// deletion after a confirmation, and a viewer seeing no control.

import { act, fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { json, mockFetch, renderApp } from "../test/render";
import { SESSION, VIEWER } from "../test/session";

const PERSON_ID = "11111111-1111-4111-8111-111111111111";
const PERSON = {
  id: PERSON_ID,
  first_name: "Ada",
  last_name: "Lovelace",
  email: "ada@example.com",
  phone: null,
  person_type: "employee",
  id_number: null,
  id_type: null,
  department: null,
  organization: null,
  status: "active",
  face_encoding_count: 1,
  enrolled_at: "2026-01-02T10:00:00Z",
  last_face_enrolled: "2026-01-02T10:00:00Z",
  createdAt: "2026-01-02T10:00:00Z",
  updatedAt: "2026-01-02T10:00:00Z",
};

function face(n: number, extra: Record<string, unknown> = {}) {
  return {
    encoding_id: `00000000-0000-4000-8000-00000000000${n}`,
    person_id: PERSON_ID,
    image_id: `00000000-0000-4000-9000-00000000000${n}`,
    model: "arcface-r100",
    dimension: 512,
    confidence: 0.99,
    quality_score: 0.87,
    is_primary: n === 1,
    source: "enrollment",
    createdAt: "2026-01-02T10:00:00Z",
    content_type: "image/jpeg",
    ...extra,
  };
}

function enrolled(n: number, quality = 0.9) {
  return {
    encoding_id: face(n).encoding_id,
    person_id: PERSON_ID,
    image_id: face(n).image_id,
    confidence: 0.99,
    total_encodings: n,
    is_primary: false,
    quality_score: quality,
    quality_issues: [],
    face_location: { x_min: 1, y_min: 1, x_max: 50, y_max: 50 },
    model: "arcface-r100",
    message: "Face enrolled successfully",
  };
}

const refused = (status: number, code: string, message: string) => json(status, { success: false, error: { code, message } });

/** The person page's routes, with the faces kept in `state.faces` and the enrolments answered by `enroll`. */
function personRoutes(options: { session?: unknown; enroll?: (body: Record<string, unknown>) => Response | Promise<Response> } = {}) {
  const state = { faces: [face(1)], personReads: 0, faceReads: 0 };
  const mock = mockFetch(async (r) => {
    const path = new URL(r.url).pathname;
    if (path === "/console/api/v1/session") return json(200, { success: true, data: options.session ?? SESSION });
    if (path === `/api/v1/persons/${PERSON_ID}`) {
      state.personReads += 1;
      return json(200, { success: true, data: { ...PERSON, face_encoding_count: state.faces.length } });
    }
    if (path === `/api/v1/persons/${PERSON_ID}/faces` && r.method === "GET") {
      state.faceReads += 1;
      return json(200, { success: true, data: state.faces });
    }
    if (path === `/api/v1/persons/${PERSON_ID}/metadata`)
      return json(200, { success: true, data: { person_id: PERSON_ID, preferences: {}, custom_fields: {}, createdAt: null, updatedAt: null } });
    if (path === `/api/v1/persons/${PERSON_ID}/enroll` && r.method === "POST" && options.enroll !== undefined) {
      return options.enroll((await r.clone().json()) as Record<string, unknown>);
    }
    const deleting = /^\/api\/v1\/persons\/[^/]+\/faces\/([^/]+)$/.exec(path);
    if (deleting !== null && r.method === "DELETE") {
      state.faces = state.faces.filter((f) => f.encoding_id !== deleting[1]);
      return new Response(null, { status: 204 });
    }
    return undefined;
  });
  return { ...mock, state };
}

const jpeg = (name: string) => new File([new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3])], name, { type: "image/jpeg" });

beforeAll(async () => {
  // The page is a lazy chunk: transformed once here, not within the first test's wait.
  await import("../pages/PersonPage");
});

beforeEach(() => {
  // jsdom has no modal dialogs: opening one shows it, as a browser would.
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
  // jsdom has no object URLs; the thumbnails of the photos to send use them.
  let n = 0;
  URL.createObjectURL = vi.fn(() => `blob:preview-${++n}`);
  URL.revokeObjectURL = vi.fn();
});

afterEach(() => {
  vi.unstubAllGlobals();
  delete (URL as { createObjectURL?: unknown }).createObjectURL;
  delete (URL as { revokeObjectURL?: unknown }).revokeObjectURL;
});

describe("a person's faces", () => {
  it("shows each face with its stored photo, quality and model, and a placeholder for a photo that is gone", async () => {
    const { state } = personRoutes();
    state.faces = [face(1), face(2, { quality_score: 0.5, is_primary: false }), face(3, { image_id: null, is_primary: false })];
    renderApp(`/people/${PERSON_ID}`);
    const list = await screen.findByRole("list", { name: "Faces of Ada Lovelace" });
    const cards = within(list).getAllByTestId("face-card");
    expect(cards).toHaveLength(3);
    const photos = within(list).getAllByRole("img", { name: /^Photo of the face enrolled on/ });
    expect(photos.map((img) => img.getAttribute("src"))).toEqual([
      `/api/v1/persons/${PERSON_ID}/faces/${face(1).encoding_id}/image`,
      `/api/v1/persons/${PERSON_ID}/faces/${face(2).encoding_id}/image`,
    ]);
    expect(within(cards[0]!).getByText("87 %")).toBeTruthy();
    expect(within(cards[0]!).getByText("arcface-r100")).toBeTruthy();
    expect(within(cards[0]!).getByText("Primary face")).toBeTruthy();
    expect(within(cards[1]!).getByText("50 %")).toBeTruthy();
    // No photo stored: a placeholder at once; a photo the route answers 404 for: one after.
    expect(within(cards[2]!).getByRole("img", { name: "No photo kept of this face" })).toBeTruthy();
    fireEvent.error(photos[1]!);
    expect(within(cards[1]!).getByRole("img", { name: "No photo kept of this face" })).toBeTruthy();
    expect(within(cards[1]!).queryByRole("img", { name: /^Photo of/ })).toBeNull();
  });

  it("shows a viewer the faces and nothing to enrol or delete with", async () => {
    personRoutes({ session: VIEWER });
    renderApp(`/people/${PERSON_ID}`);
    await screen.findByRole("list", { name: "Faces of Ada Lovelace" });
    expect(screen.getAllByTestId("face-card")).toHaveLength(1);
    expect(screen.queryByRole("heading", { name: "Enrol a face" })).toBeNull();
    expect(screen.queryByLabelText("Choose photos…")).toBeNull();
    expect(screen.queryByRole("button", { name: /start the camera/i })).toBeNull();
    expect(screen.queryByRole("button", { name: /^Delete…/ })).toBeNull();
  });

  it("enrols photos one after another, shows each one's outcome, and re-sends one with several faces for its largest", async () => {
    const answers: ((response: Response) => void)[] = [];
    const bodies: Record<string, unknown>[] = [];
    const { state } = personRoutes({
      enroll: (body) => {
        bodies.push(body);
        return new Promise((resolve) => answers.push(resolve));
      },
    });
    renderApp(`/people/${PERSON_ID}`);
    const input = await screen.findByLabelText("Choose photos…");
    const user = userEvent.setup();
    await user.upload(input, [jpeg("group.jpg"), jpeg("portrait.jpg")]);

    const rows = () => screen.getAllByTestId("enrol-upload-row");
    await waitFor(() => expect(bodies).toHaveLength(1));
    expect(rows().map((r) => r.dataset.status)).toEqual(["sending", "waiting"]);
    expect(screen.getByTestId("enrol-upload-summary").textContent).toBe("Sending group.jpg; 2 photos left to send.");
    expect(String(bodies[0]?.frame_data)).toMatch(/^data:image\/jpeg;base64,\/9j\/4AECAw==$/);
    expect(bodies[0]).not.toHaveProperty("use_largest_face");
    // The second photo waits for the first.
    await act(() => new Promise((r) => setTimeout(r, 20)));
    expect(bodies).toHaveLength(1);

    answers[0]!(refused(422, "multiple_faces", "the photo shows 2 faces; send a photo of this person alone, or set use_largest_face"));
    await waitFor(() => expect(bodies).toHaveLength(2));
    expect(within(rows()[0]!).getByText("Refused: This photo shows 2 faces. Use a photo of this person alone, or enrol the largest face in it.")).toBeTruthy();

    state.faces = [...state.faces, face(2)];
    answers[1]!(json(200, { success: true, data: enrolled(2, 0.93) }));
    await waitFor(() => expect(rows()[1]!.dataset.status).toBe("enrolled"));
    expect(within(rows()[1]!).getByText("Enrolled, quality 93 %.")).toBeTruthy();
    // The new face shows in the list, and the person's count is read again.
    await waitFor(() => expect(screen.getAllByTestId("face-card")).toHaveLength(2));
    expect(state.personReads).toBeGreaterThan(1);
    expect(screen.getByTestId("enrol-upload-summary").textContent).toBe("1 photo enrolled, 1 photo refused.");

    await user.click(within(rows()[0]!).getByRole("button", { name: /^Use the largest face\s*in group\.jpg$/ }));
    await waitFor(() => expect(bodies).toHaveLength(3));
    expect(bodies[2]).toEqual({ frame_data: bodies[0]?.frame_data, use_largest_face: true });
    state.faces = [...state.faces, face(3)];
    answers[2]!(json(200, { success: true, data: enrolled(3, 0.71) }));
    await waitFor(() => expect(rows()[0]!.dataset.status).toBe("enrolled"));
    await waitFor(() => expect(screen.getAllByTestId("face-card")).toHaveLength(3));
    expect(screen.getByTestId("enrol-upload-summary").textContent).toBe("2 photos enrolled.");
  }, 20_000);

  it("refuses a dropped file that is not a photo, saying why, without sending it", async () => {
    const enroll = vi.fn(() => json(200, { success: true, data: enrolled(2) }));
    personRoutes({ enroll });
    renderApp(`/people/${PERSON_ID}`);
    const zone = await screen.findByTestId("enrol-dropzone");
    const files = [new File(["minutes"], "minutes.pdf", { type: "application/pdf" }), jpeg("face.jpg")];
    fireEvent.drop(zone, { dataTransfer: { files, types: ["Files"] } });
    const rows = await screen.findAllByTestId("enrol-upload-row");
    expect(rows).toHaveLength(2);
    expect(rows[0]!.dataset.status).toBe("refused");
    expect(within(rows[0]!).getByText("Refused: This is not a photo: choose a JPEG, PNG or WebP image.")).toBeTruthy();
    expect(within(rows[0]!).queryByRole("button", { name: /send again|largest/i })).toBeNull();
    await waitFor(() => expect(rows[1]!.dataset.status).toBe("enrolled"));
    expect(enroll).toHaveBeenCalledTimes(1);
  });

  it("offers to send again a photo refused while face recognition was down", async () => {
    let calls = 0;
    personRoutes({
      enroll: () => {
        calls += 1;
        return calls === 1 ? refused(503, "face_service_unavailable", "face-embedder did not answer") : json(200, { success: true, data: enrolled(2) });
      },
    });
    renderApp(`/people/${PERSON_ID}`);
    const user = userEvent.setup();
    await user.upload(await screen.findByLabelText("Choose photos…"), jpeg("a.jpg"));
    const row = await screen.findByTestId("enrol-upload-row");
    await within(row).findByText("Refused: Face recognition is unavailable right now. Try again in a moment.");
    expect(within(row).queryByRole("button", { name: /largest/i })).toBeNull();
    await user.click(within(row).getByRole("button", { name: /^Send again\s*a\.jpg$/ }));
    await waitFor(() => expect(row.dataset.status).toBe("enrolled"));
    expect(calls).toBe(2);
  });

  it("deletes a face only after a confirmation, and says so", async () => {
    const { state, requests } = personRoutes();
    state.faces = [face(1), face(2, { is_primary: false })];
    renderApp(`/people/${PERSON_ID}`);
    await screen.findByRole("list", { name: "Faces of Ada Lovelace" });
    const user = userEvent.setup();
    const [, second] = screen.getAllByTestId("face-card");
    await user.click(within(second!).getByRole("button", { name: /^Delete…\s*the face enrolled on/ }));
    const dialog = await screen.findByRole("dialog", { name: "Delete this face?" });
    // Cancel first: nothing is sent.
    await user.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(requests.some((r) => r.method === "DELETE")).toBe(false);

    await user.click(within(second!).getByRole("button", { name: /^Delete…\s*the face enrolled on/ }));
    await user.click(within(await screen.findByRole("dialog", { name: "Delete this face?" })).getByRole("button", { name: "Delete the face" }));
    await waitFor(() => expect(screen.getAllByTestId("face-card")).toHaveLength(1));
    const deletion = requests.find((r) => r.method === "DELETE");
    expect(new URL(deletion!.url).pathname).toBe(`/api/v1/persons/${PERSON_ID}/faces/${face(2).encoding_id}`);
    expect(deletion!.headers.get("X-Faceattend-Csrf")).toBe("1");
    expect(await screen.findByText(/^The face enrolled on .* has been deleted\.$/)).toBeTruthy();
    expect(document.activeElement).toBe(screen.getByRole("heading", { name: "Faces" }));
  });

  it("warns before deleting a person's only face", async () => {
    personRoutes();
    renderApp(`/people/${PERSON_ID}`);
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: /^Delete…\s*the face enrolled on/ }));
    const dialog = await screen.findByRole("dialog", { name: "Delete this face?" });
    expect(within(dialog).getByText(/only face: they will not be recognised/)).toBeTruthy();
  });
});
