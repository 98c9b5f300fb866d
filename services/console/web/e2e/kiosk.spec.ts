// The kiosk against the whole stack: an admin creates a kiosk on the Kiosks page and pairs a
// device (a second browser, with Chromium's fake camera, opens the pairing link; another types
// the code); an enrolled person shown to it is greeted by first name and their check-in is in
// the console; revoked, the device is refused at once; a stranger gets "Not recognised" and
// lands among Review's unknown faces; an unpaired page is refused; the ask mode's In/Out.
// The fake camera plays a Y4M made now from a development photo: a grey background, then the
// photo, in a loop (a person arriving and leaving). Needs the photos: skipped without them.

import AxeBuilder from "@axe-core/playwright";
import { chromium, expect, test, type Browser, type Page, type TestInfo } from "@playwright/test";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { writeAppearingY4m } from "./fake-camera";
import { admin, checkPage, facePhoto, runTmp, signIn, unique, writeHeaders } from "./helpers";

const SCREENSHOTS = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "e2e-artifacts", "screenshots");

/** A Chromium of its own for a kiosk device: the fake camera's file is a launch argument. */
async function kioskBrowser(y4m?: string): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: [
      "--use-fake-ui-for-media-stream",
      "--use-fake-device-for-media-stream",
      ...(y4m === undefined ? [] : [`--use-file-for-fake-video-capture=${y4m}`]),
    ],
  });
}

/** Adds a kiosk on the Kiosks page; it is listed, not paired. */
async function addKiosk(page: Page, name: string, cameraId: string, mode: string): Promise<void> {
  await page.goto("/kiosks");
  await expect(page.getByRole("heading", { level: 1, name: "Kiosks" })).toBeVisible();
  await page.getByLabel(/^Name/).fill(name);
  await page.getByLabel(/^Camera id/).fill(cameraId);
  await page.getByLabel(/^Mode/).selectOption(mode);
  await page.getByRole("button", { name: "Add kiosk" }).click();
  await expect(page.getByRole("status").filter({ hasText: `${name} has been added` })).toBeVisible();
  const card = page.getByRole("listitem", { name });
  await expect(card.getByText("Not paired")).toBeVisible();
}

/** "Pair a device": the code and link the dialog shows (left open). */
async function pairingOf(page: Page, name: string): Promise<{ code: string; link: string }> {
  await page.getByRole("listitem", { name }).getByRole("button", { name: `Pair a device with ${name}` }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByTestId("pairing-code")).toHaveText(/^[A-HJ-NP-Z2-9]{8}$/);
  const code = (await dialog.getByTestId("pairing-code").textContent()) ?? "";
  const link = (await dialog.getByTestId("pairing-link").textContent()) ?? "";
  expect(link).toMatch(new RegExp(`/kiosk/pair#${code}$`));
  return { code, link };
}

/** A screenshot of what is shown now, at 1280 and 390 px, with an axe scan at each (for a state that lasts only seconds). */
async function snapshotNow(page: Page, name: string, testInfo: TestInfo): Promise<void> {
  for (const viewport of [{ width: 1280, height: 800 }, { width: 390, height: 844 }]) {
    await page.setViewportSize(viewport);
    await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-${viewport.width}.png`) });
    const results = await new AxeBuilder({ page }).analyze();
    const serious = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
    const others = results.violations.filter((v) => !serious.includes(v));
    if (others.length > 0) {
      testInfo.annotations.push({ type: "axe (minor)", description: `${name} at ${viewport.width} px: ${others.map((v) => `${v.impact ?? "?"} ${v.id}`).join(", ")}` });
    }
    expect(serious.map((v) => `${v.id}: ${v.help}`), `axe on ${name} at ${viewport.width} px`).toEqual([]);
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}

async function createEnrolledPerson(page: Page, baseURL: string | undefined, first: string, photos: string[]): Promise<string> {
  const last = unique("Kiosk");
  const created = await page.request.post("/api/v1/persons", {
    headers: writeHeaders(baseURL),
    data: { first_name: first, last_name: last, email: `${last.toLowerCase()}@example.com`, department: "Front desk" },
  });
  expect(created.status(), await created.text()).toBe(201);
  const personId = ((await created.json()) as { data: { id: string } }).data.id;
  for (const photo of photos) {
    const enrolled = await page.request.post(`/api/v1/persons/${personId}/enroll`, {
      headers: writeHeaders(baseURL),
      data: { frame_data: fs.readFileSync(photo).toString("base64"), use_largest_face: true },
      timeout: 60_000,
    });
    expect(enrolled.ok(), await enrolled.text()).toBe(true);
  }
  return personId;
}

/**
 * Of `candidates` (other photos of an enrolled person), the one person-api matches to them most
 * surely (search by face, at least 0.8): what the kiosk's camera shows, so the story checks the
 * kiosk, not how hard a photo is.
 */
async function surelyMatched(page: Page, baseURL: string | undefined, personId: string, candidates: string[]): Promise<string> {
  let best: { photo: string; confidence: number } | undefined;
  for (const photo of candidates) {
    const response = await page.request.post("/api/v1/persons/search/by-face", {
      headers: writeHeaders(baseURL),
      data: { frame_data: fs.readFileSync(photo).toString("base64"), confidence_threshold: 0.6 },
      timeout: 60_000,
    });
    expect(response.ok(), await response.text()).toBe(true);
    const match = ((await response.json()) as { data: { best_match?: { person_id: string; confidence: number } | null } }).data.best_match;
    if (match?.person_id === personId && match.confidence > (best?.confidence ?? 0)) best = { photo, confidence: match.confidence };
  }
  expect(best?.confidence ?? 0, `none of ${candidates.join(", ")} is matched surely to the enrolled person`).toBeGreaterThanOrEqual(0.8);
  return best?.photo ?? "";
}

test("an unpaired kiosk page is refused, and so are its requests", async ({ browser, baseURL }, testInfo) => {
  const context = await browser.newContext({ permissions: ["camera"] });
  const page = await context.newPage();
  await page.goto("/kiosk");
  await expect(page.getByRole("heading", { level: 1, name: "This device is not paired" })).toBeVisible();
  await expect(page.getByRole("navigation")).toHaveCount(0);
  await checkPage(page, "kiosk-unpaired", testInfo);

  const frame = await page.request.post("/kiosk/api/v1/frames", {
    headers: { ...writeHeaders(baseURL), "Content-Type": "image/jpeg" },
    data: Buffer.from([0xff, 0xd8, 0xff, 0xd9]),
  });
  expect(frame.status()).toBe(401);
  expect(((await frame.json()) as { error: { code: string } }).error.code).toBe("kiosk_not_paired");

  await page.getByLabel("Pairing code").fill("K7QM4XRT");
  await page.getByRole("button", { name: "Pair this device" }).click();
  await expect(page.getByRole("alert")).toContainText("That code is not valid");
  await context.close();
});

test("in ask mode the kiosk, paired by its code, sends frames only after In or Out", async ({ page, baseURL }, testInfo) => {
  await signIn(page, admin());
  const name = unique("Side door ");
  const cameraId = unique("kiosk-ask-");
  await addKiosk(page, name, cameraId, "ask");
  const { code } = await pairingOf(page, name);
  await checkPage(page, "kiosks-pairing", testInfo);
  await page.getByRole("dialog").getByRole("button", { name: "Done" }).click();

  // Chromium's own fake camera (a moving test pattern, no face).
  const device = await kioskBrowser();
  try {
    const context = await device.newContext({ baseURL, permissions: ["camera"], viewport: { width: 1280, height: 800 } });
    const kiosk = await context.newPage();
    const frames: string[] = [];
    kiosk.on("request", (r) => {
      if (new URL(r.url()).pathname === "/kiosk/api/v1/frames") frames.push(r.url());
    });
    await kiosk.goto("/kiosk");
    await kiosk.getByLabel("Pairing code").fill(code.toLowerCase());
    await kiosk.getByRole("button", { name: "Pair this device" }).click();
    await expect(kiosk.getByRole("heading", { level: 1, name })).toBeVisible();
    await expect(kiosk.getByText("Face recognition is on")).toBeVisible();
    await expect(kiosk.getByText("Press In or Out, then look at the camera.")).toBeVisible();
    await checkPage(kiosk, "kiosk-ask", testInfo);
    expect(frames).toEqual([]);

    await kiosk.getByRole("button", { name: "In" }).click();
    await expect(kiosk.getByRole("button", { name: "In" })).toHaveAttribute("aria-pressed", "true");
    await expect(kiosk.locator("main")).toHaveAttribute("data-state", "scanning");
    await expect.poll(() => frames.length, { message: "frames are sent after In", timeout: 15_000 }).toBeGreaterThan(0);
    expect(new URL(frames[0] ?? "").searchParams.get("action")).toBe("in");
    await snapshotNow(kiosk, "kiosk-scanning", testInfo);
    await context.close();
  } finally {
    await device.close();
  }

  // Paired now in the console's list.
  await page.reload();
  await expect(page.getByRole("listitem", { name }).getByText("Paired", { exact: true })).toBeVisible();
});

test("a kiosk paired by its link greets an enrolled person by first name, checks them in, and stops at once when revoked", async ({ page, baseURL, browser }, testInfo) => {
  test.setTimeout(180_000);
  const enrolPhotos = ["person11/img29.jpg", "person11/img32.jpg"].map(facePhoto);
  const candidates = ["person11/img30.jpg", "person11/img31.jpg", "person11/img33.jpg"].map(facePhoto);
  await signIn(page, admin());
  const personId = await createEnrolledPerson(page, baseURL, "Grace", enrolPhotos);
  const shown = await surelyMatched(page, baseURL, personId, candidates);

  const name = unique("Reception ");
  const cameraId = unique("kiosk-");
  await addKiosk(page, name, cameraId, "entry");
  await checkPage(page, "kiosks", testInfo);
  const { link } = await pairingOf(page, name);
  await page.getByRole("dialog").getByRole("button", { name: "Done" }).click();

  const y4m = path.join(runTmp(), `kiosk-${unique("g")}.y4m`);
  await writeAppearingY4m(browser, shown, y4m, { emptySeconds: 2, faceSeconds: 3 });
  const device = await kioskBrowser(y4m);
  try {
    const context = await device.newContext({ baseURL, permissions: ["camera"], viewport: { width: 1280, height: 800 } });
    const kiosk = await context.newPage();
    await kiosk.goto(link);
    await expect(kiosk.getByRole("heading", { level: 1, name })).toBeVisible();
    await expect(kiosk).toHaveURL(/\/kiosk$/);

    const greeting = kiosk.getByTestId("kiosk-greeting");
    await expect(greeting).toBeVisible({ timeout: 60_000 });
    await expect(greeting).toHaveAttribute("data-outcome", "checked_in");
    await expect(greeting).toContainText(/^Good (morning|afternoon|evening), Grace/);
    await expect(greeting).toContainText(/checked in at \d\d:\d\d/);
    await snapshotNow(kiosk, "kiosk-greeting", testInfo);

    // The check-in is in the console.
    const today = new Date().toISOString().slice(0, 10);
    await page.goto(`/attendance?person_id=${personId}&from_date=${today}&to_date=${today}`);
    await expect(page.locator(`[data-testid="record-row"][data-person-id="${personId}"]`)).toBeVisible({ timeout: 20_000 });

    // Revoked: the device's next request is refused, and the page says so.
    await page.goto("/kiosks");
    await page.getByRole("listitem", { name }).getByRole("button", { name: `Revoke ${name}` }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Revoke the device" }).click();
    await expect(page.getByRole("status").filter({ hasText: `${name} has been revoked` })).toBeVisible();
    await expect(page.getByRole("listitem", { name }).getByText("Revoked", { exact: true })).toBeVisible();
    const refused = await kiosk.request.get("/kiosk/api/v1/device");
    expect(refused.status()).toBe(401);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("kiosk_revoked");
    await expect(kiosk.getByRole("heading", { level: 1, name: "This kiosk was disconnected by an administrator" })).toBeVisible({ timeout: 15_000 });
    await checkPage(kiosk, "kiosk-revoked", testInfo);
    await context.close();
  } finally {
    await device.close();
  }
});

test("a stranger shown to a kiosk is not recognised and lands among Review's unknown faces", async ({ page, baseURL, browser }, testInfo) => {
  test.setTimeout(180_000);
  const stranger = facePhoto("person13/img39.jpg");
  await signIn(page, admin());
  const name = unique("Lobby ");
  const cameraId = unique("kiosk-lobby-");
  await addKiosk(page, name, cameraId, "entry");
  const { link } = await pairingOf(page, name);
  await page.getByRole("dialog").getByRole("button", { name: "Done" }).click();

  const y4m = path.join(runTmp(), `kiosk-${unique("s")}.y4m`);
  await writeAppearingY4m(browser, stranger, y4m, { emptySeconds: 2, faceSeconds: 3 });
  const device = await kioskBrowser(y4m);
  try {
    const context = await device.newContext({ baseURL, permissions: ["camera"], viewport: { width: 1280, height: 800 } });
    const kiosk = await context.newPage();
    await kiosk.goto(link);
    await expect(kiosk.getByRole("heading", { level: 1, name })).toBeVisible();
    const greeting = kiosk.getByTestId("kiosk-greeting");
    await expect(greeting).toBeVisible({ timeout: 60_000 });
    await expect(greeting).toHaveAttribute("data-outcome", "not_recognised");
    await expect(greeting).toContainText("Not recognised");
    await expect(greeting).toContainText("please see reception");
    await snapshotNow(kiosk, "kiosk-not-recognised", testInfo);
    await context.close();
  } finally {
    await device.close();
  }

  await expect
    .poll(
      async () => {
        const response = await page.request.get(`/api/v1/attendance/unknown-faces?camera_id=${cameraId}`);
        return ((await response.json()) as { data: unknown[] }).data.length;
      },
      { message: "the stranger is among the unknown faces", timeout: 30_000, intervals: [1_000] },
    )
    .toBeGreaterThan(0);
  await page.goto("/review");
  await page.getByRole("navigation", { name: "Review" }).getByRole("link", { name: "Unknown faces" }).click();
  await expect(page.locator(`[data-testid="unknown-face"][data-camera-id="${cameraId}"]`).first()).toBeVisible({ timeout: 20_000 });
});
