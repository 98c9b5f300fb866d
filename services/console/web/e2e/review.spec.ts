// The Review page against the whole stack: real captures of enrolled people land in the review
// queue (a rule made here puts the automatic threshold out of reach: 0.99, review from 0.3),
// each with its snapshot and face crop; an operator approves one person's with the keyboard
// and their day becomes present; another person's is assigned to a third person with s, a
// search and Enter; a viewer sees the queue without decisions; and a stranger from the same
// video is listed among the unknown faces and enrolled as a new person from the capture (or
// refused, with the reason). camera-agent is started here, playing a video made now from the
// development photos (needs them: skipped without, failed under CI).

import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import fs from "node:fs";
import { admin, checkPage, facePhoto, sampleVideo, signIn, startCameraAgent, unique, viewer, writeHeaders } from "./helpers";

interface Created {
  id: string;
  name: string;
}

async function createPerson(request: APIRequestContext, baseURL: string | undefined, first: string, organization: string): Promise<Created> {
  const last = unique(first === "Cal" ? "Bean" : "Review");
  const response = await request.post("/api/v1/persons", {
    headers: writeHeaders(baseURL),
    data: { first_name: first, last_name: last, email: `${last.toLowerCase()}@example.com`, organization },
  });
  expect(response.status(), await response.text()).toBe(201);
  const id = ((await response.json()) as { data: { id: string } }).data.id;
  return { id, name: `${first} ${last}` };
}

async function enrol(request: APIRequestContext, baseURL: string | undefined, personId: string, photos: string[]): Promise<void> {
  for (const photo of photos) {
    const response = await request.post(`/api/v1/persons/${personId}/enroll`, {
      headers: writeHeaders(baseURL),
      data: { frame_data: fs.readFileSync(photo).toString("base64"), use_largest_face: true },
      timeout: 60_000,
    });
    expect(response.ok(), await response.text()).toBe(true);
  }
}

interface QueuedItem {
  id: string;
  person_id: string;
  attendance_date: string;
  camera_id: string;
  detection?: { has_snapshot: boolean; face_box?: unknown } | null;
}

async function pendingItems(request: APIRequestContext): Promise<QueuedItem[]> {
  const response = await request.get("/api/v1/attendance/review?state=pending&page_size=100");
  expect(response.ok(), await response.text()).toBe(true);
  return ((await response.json()) as { data: QueuedItem[] }).data;
}

/** The day's status of a person on a work day, as attendance-api has it now. */
async function dayStatus(request: APIRequestContext, personId: string, date: string): Promise<string | undefined> {
  const response = await request.get(`/api/v1/attendance/${personId}?from_date=${date}&to_date=${date}`);
  if (!response.ok()) return undefined;
  return ((await response.json()) as { data: { status: string }[] }).data[0]?.status;
}

const title = (page: Page) => page.getByRole("heading", { level: 2, name: /^Is this / });

/** Shows the first queued item of `name` (a click in the queue's strip when it is not shown). */
async function showItemOf(page: Page, name: string): Promise<void> {
  if ((await title(page).textContent()) !== `Is this ${name}?`) {
    await page.getByTestId("review-strip").getByRole("button", { name: new RegExp(name) }).first().click();
  }
  await expect(title(page)).toHaveText(`Is this ${name}?`);
}

/** Waits until the image has loaded (an <img> whose natural width is known). */
async function expectLoaded(page: Page, testId: string): Promise<void> {
  const image = page.getByTestId(testId).locator("img").or(page.locator(`img[data-testid="${testId}"]`)).first();
  await expect(image).toBeVisible();
  await expect.poll(() => image.evaluate((img: HTMLImageElement) => (img.complete ? img.naturalWidth : 0))).toBeGreaterThan(0);
}

test("uncertain captures are decided on the Review page; a stranger is enrolled from a capture", async ({ page, baseURL, browser }, testInfo) => {
  test.setTimeout(300_000);
  const enrolA = ["person02/img3.jpg", "person02/img54.jpg"].map(facePhoto);
  const enrolB = ["person06/img18.jpg", "person06/img19.jpg"].map(facePhoto);
  const seen = ["person02/img53.jpg", "person06/img67.jpg", "person07/img20.jpg"].map(facePhoto);

  await signIn(page, admin());
  const request = page.request;
  const headers = writeHeaders(baseURL);
  const organization = unique("Review org ");
  const camera = unique("review-gate-");

  // Every real capture between 0.3 and 0.99 goes to review. The shift of these people's
  // organisation starts at 23:58, so an approved sighting earlier in the day is on time.
  const rule = await request.post("/api/v1/attendance/rules", {
    headers,
    data: {
      name: unique("Review story "),
      working_days: [0, 1, 2, 3, 4, 5, 6],
      start_time: "23:58",
      end_time: "23:59",
      auto_check_in_threshold: 0.99,
      manual_review_threshold: 0.3,
      is_active: true,
    },
  });
  expect(rule.status(), await rule.text()).toBe(201);
  const ruleId = ((await rule.json()) as { data: { id: string } }).data.id;
  const session = await request.post("/api/v1/attendance/sessions", {
    headers,
    data: { name: unique("Review shift "), start_time: "23:58", end_time: "23:59", organization },
  });
  expect(session.status(), await session.text()).toBe(201);
  const sessionId = ((await session.json()) as { data: { id: string } }).data.id;

  let agent: Awaited<ReturnType<typeof startCameraAgent>> | undefined;
  try {
    const ada = await createPerson(request, baseURL, "Ada", organization);
    const bea = await createPerson(request, baseURL, "Bea", organization);
    const cal = await createPerson(request, baseURL, "Cal", organization);
    await enrol(request, baseURL, ada.id, enrolA);
    await enrol(request, baseURL, bea.id, enrolB);

    const video = sampleVideo(seen, camera);
    agent = await startCameraAgent({ id: camera, video, role: "entry" });
    // Both enrolled people's captures in the queue, and the stranger's among the unknown faces.
    await expect
      .poll(
        async () => {
          const items = (await pendingItems(request)).filter((i) => i.camera_id === camera);
          return [ada.id, bea.id].every((id) => items.some((i) => i.person_id === id));
        },
        { message: "both enrolled people's captures reach the review queue", timeout: 120_000, intervals: [1_000] },
      )
      .toBe(true);
    await expect
      .poll(
        async () => {
          const response = await request.get(`/api/v1/attendance/unknown-faces?camera_id=${camera}`);
          return ((await response.json()) as { data: unknown[] }).data.length;
        },
        { message: "the stranger is among the unknown faces", timeout: 60_000, intervals: [1_000] },
      )
      .toBeGreaterThan(0);
    await agent.stop();
    agent = undefined;
    const adaItem = (await pendingItems(request)).find((i) => i.person_id === ada.id);
    expect(adaItem?.detection?.has_snapshot, "the capture's snapshot is kept").toBe(true);

    // A viewer sees the queue, and no decision.
    const viewerContext = await browser.newContext({ baseURL });
    try {
      const viewerPage = await viewerContext.newPage();
      await signIn(viewerPage, viewer());
      await viewerPage.goto("/review");
      await expect(title(viewerPage)).toBeVisible();
      await expect(viewerPage.getByText("Your role can look at the queue; deciding needs the HR or administrator role.")).toBeVisible();
      await expect(viewerPage.getByRole("button", { name: /^Approve/ })).toHaveCount(0);
      await checkPage(viewerPage, "review-viewer", testInfo);
    } finally {
      await viewerContext.close();
    }

    // The operator opens Review from the navigation, which counts what is waiting.
    await expect(page.getByTestId("nav-review-count")).toBeVisible({ timeout: 20_000 });
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: /^Review/ }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Review" })).toBeVisible();
    await showItemOf(page, ada.name);
    await expectLoaded(page, "review-snapshot");
    await expect(page.getByTestId("review-face-box")).toBeVisible();
    await expectLoaded(page, "review-crop");
    await expectLoaded(page, "review-enrolled-faces");
    await expect(page.getByTestId("review-confidence")).toContainText(/^\d\.\d\d: /);
    await checkPage(page, "review-queue", testInfo);

    // a approves; while the shown item is still one of Ada's (a person can be captured more
    // than once), a again.
    const date = adaItem?.attendance_date ?? "";
    await page.getByTestId("review-item").focus();
    for (let i = 0; i < 5 && (await title(page).textContent()) === `Is this ${ada.name}?`; i++) {
      const shown = await page.getByTestId("review-item").getAttribute("data-item-id");
      await page.keyboard.press("a");
      await expect(page.getByTestId("review-item").or(page.getByTestId("review-empty")).first()).not.toHaveAttribute("data-item-id", shown ?? "");
    }
    await expect(page.getByTestId("review-outcomes").getByText(new RegExp(`^Approved: ${ada.name} at `)).first()).toBeVisible({ timeout: 20_000 });
    await expect.poll(() => dayStatus(request, ada.id, date), { message: `${ada.name}'s day is present`, timeout: 20_000 }).toBe("present");

    // Bea's capture was someone else's: s, the search, Enter.
    await showItemOf(page, bea.name);
    const beaItem = await page.getByTestId("review-item").getAttribute("data-item-id");
    await page.getByTestId("review-item").focus();
    await page.keyboard.press("s");
    const search = page.getByRole("combobox", { name: /^Assign to another person/ });
    await expect(search).toBeFocused();
    await page.keyboard.type(cal.name.split(" ")[1] ?? "");
    await expect(page.getByRole("option", { name: new RegExp(cal.name) })).toBeVisible();
    await page.keyboard.press("Enter");
    await expect(page.getByTestId("review-outcomes").getByText(new RegExp(`^Assigned to ${cal.name}: `))).toBeVisible({ timeout: 20_000 });
    await expect.poll(async () => (await pendingItems(request)).some((i) => i.id === beaItem), { timeout: 20_000 }).toBe(false);
    await expect.poll(() => dayStatus(request, cal.id, date), { message: `${cal.name}'s day is present`, timeout: 20_000 }).toBe("present");
    await checkPage(page, "review-queue-decided", testInfo);

    // The stranger: among the unknown faces, enrolled as a new person from the capture.
    await page.getByRole("navigation", { name: "Review" }).getByRole("link", { name: "Unknown faces" }).click();
    await page.getByLabel("Camera", { exact: true }).fill(camera);
    await page.getByRole("button", { name: "Show" }).click();
    const card = page.locator(`[data-testid="unknown-face"][data-camera-id="${camera}"]`).first();
    await expect(card).toBeVisible();
    await expectLoaded(page, "review-crop");
    await expect(card).toContainText("Quality");
    await checkPage(page, "review-unknown-faces", testInfo);

    await card.getByRole("button", { name: /^Enrol this face as…/ }).click();
    const dialog = page.getByTestId("enrol-capture");
    await expect(dialog).toBeVisible();
    const last = unique("Visitor");
    await dialog.getByLabel("First name").fill("Vera");
    await dialog.getByLabel("Last name").fill(last);
    await dialog.getByLabel("Email").fill(`${last.toLowerCase()}@example.com`);
    await dialog.getByRole("button", { name: "Add and enrol" }).click();
    const result = dialog.getByTestId("enrol-capture-result");
    await expect(result).toBeVisible({ timeout: 60_000 });
    const outcome = await result.getAttribute("data-outcome");
    if (outcome === "enrolled") {
      await expect(result).toContainText(`The face is enrolled as Vera ${last}: Enrolled, quality`);
    } else {
      // Refused as enrolment refuses a photo: the reason, with its code.
      expect(outcome).toBe("refused");
      const code = (await result.getAttribute("data-code")) ?? "";
      await expect(result).toContainText(`Vera ${last} was added, but the face was refused: `);
      await expect(result).toContainText(`(${code})`);
    }
    await checkPage(page, "review-enrol-capture", testInfo);
  } finally {
    await agent?.stop();
    // Switched off rather than deleted, so the stories after this one decide as before.
    // (Not DELETE: the console relays its 204 with a chunked body, which Node's HTTP client
    // refuses to parse.)
    await request.patch(`/api/v1/attendance/sessions/${sessionId}`, { headers, data: { is_active: false } });
    await request.patch(`/api/v1/attendance/rules/${ruleId}`, { headers, data: { is_active: false } });
  }
});
