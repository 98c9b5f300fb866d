// The correction form: nothing is sent without a sighting, a verdict and a reason; what is
// sent is the trimmed reason with the chosen verdict; the API's refusals land beside their
// fields with their codes, and nothing typed is lost.

import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { json, mockFetch } from "../test/render";
import { CorrectionForm } from "./CorrectionForm";

const FIRST = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a51";
const SECOND = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a52";

function renderForm() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <CorrectionForm
        sightings={[
          { detectionId: FIRST, label: "08:55, entrance" },
          { detectionId: SECOND, label: "17:02, lobby" },
        ]}
      />
    </QueryClientProvider>,
  );
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("the correction form", () => {
  it("refuses an incomplete correction without sending it, then sends the one asked for", async () => {
    const bodies: unknown[] = [];
    mockFetch(async (r) => {
      bodies.push(await r.clone().json());
      return json(200, {
        success: true,
        data: { detection_id: SECOND, person_id: null, verdict: "rejected", verdict_by: "x", verdict_at: "2026-12-07T10:00:00Z", attendance: { status: "present" } },
      });
    });
    renderForm();
    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: "Save the correction" }));
    expect(screen.getByText("Choose the sighting to correct.")).toBeTruthy();
    expect(screen.getByText("Choose what the sighting was.")).toBeTruthy();
    expect(screen.getByText("Give a reason: it is kept in the record's history.")).toBeTruthy();
    expect(screen.getByRole("alert").textContent).toContain("Reason: see the reason beside the field");
    expect(bodies).toEqual([]);

    await user.click(screen.getByLabelText("17:02, lobby"));
    await user.click(screen.getByLabelText("This sighting was not them"));
    await user.type(screen.getByLabelText(/^Reason/), "  It was her twin sister.  ");
    await user.click(screen.getByRole("button", { name: "Save the correction" }));
    expect(await screen.findByText("The correction is saved: the day is now Present.")).toBeTruthy();
    expect(bodies).toEqual([{ detection_id: SECOND, verdict: "rejected", reason: "It was her twin sister." }]);
  });

  it("shows the API's reasons beside the fields, with their codes, and keeps what was typed", async () => {
    mockFetch(() =>
      json(422, {
        success: false,
        error: {
          code: "validation_failed",
          message: "invalid fields",
          details: [{ field: "reason", code: "control_characters", message: "must not contain control characters" }],
        },
      }),
    );
    renderForm();
    const user = userEvent.setup();
    await user.click(screen.getByLabelText("08:55, entrance"));
    await user.click(screen.getByLabelText("It was them, arriving (a check-in)"));
    await user.type(screen.getByLabelText(/^Reason/), "Came in early");
    await user.click(screen.getByRole("button", { name: "Save the correction" }));
    expect(await screen.findByText("Must not contain control characters (control_characters).")).toBeTruthy();
    await waitFor(() => expect(screen.getByRole("alert").textContent).toContain("Invalid fields. (validation_failed)"));
    expect((screen.getByLabelText(/^Reason/) as HTMLTextAreaElement).value).toBe("Came in early");
    expect((screen.getByLabelText("It was them, arriving (a check-in)") as HTMLInputElement).checked).toBe(true);
  });

  it("puts a refusal about the sighting beside the sighting", async () => {
    mockFetch(() => json(422, { success: false, error: { code: "unknown_face", message: "the detection matched nobody" } }));
    renderForm();
    const user = userEvent.setup();
    await user.click(screen.getByLabelText("08:55, entrance"));
    await user.click(screen.getByLabelText("It was them (confirm the sighting)"));
    await user.type(screen.getByLabelText(/^Reason/), "Seen at the desk");
    await user.click(screen.getByRole("button", { name: "Save the correction" }));
    const beside = await screen.findByText("The detection matched nobody. (unknown_face)", { selector: "#correction-sighting-error li" });
    expect(beside).toBeTruthy();
  });
});
