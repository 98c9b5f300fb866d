// An admin enrols faces: from a photo file (the row says enrolled, the face card shows the
// stored photo) and from the webcam (Chromium's fake camera playing a Y4M made now from a
// development photo); and fills in a person's more details. Needs the development photos
// (FACEATTEND_FACES_DIR): skipped without them, failed under CI.

import { chromium, expect, test } from "@playwright/test";
import path from "node:path";
import { writeY4m } from "./fake-camera";
import { addPerson, admin, checkPage, expectFacePhotoLoaded, facePhoto, runTmp, signIn, unique } from "./helpers";

test("an admin enrols a face from a photo file and sees it on the person's page", async ({ page }, testInfo) => {
  const photo = facePhoto("person03/img8.jpg");
  await signIn(page, admin());
  await addPerson(page, "Rosalind", unique("Franklin"));
  await expect(page.getByTestId("faces-empty")).toBeVisible();

  await page.getByTestId("enrol-file-input").setInputFiles(photo);
  const row = page.getByTestId("enrol-upload-row");
  await expect(row).toHaveCount(1);
  await expect(row).toHaveAttribute("data-status", "enrolled", { timeout: 30_000 });
  await expect(row).toContainText("Enrolled, quality");
  await expect(page.getByTestId("enrol-upload-summary")).not.toBeEmpty();

  await expect(page.getByTestId("faces-empty")).toHaveCount(0);
  const cards = page.getByTestId("face-list").getByTestId("face-card");
  await expect(cards).toHaveCount(1);
  await expect(cards.first()).toHaveAttribute("data-encoding-id", /.+/);
  await expectFacePhotoLoaded(page);
  await checkPage(page, "person-faces", testInfo);
});

test("an admin fills in a person's more details", async ({ page }, testInfo) => {
  await signIn(page, admin());
  const last = unique("Meitner");
  await addPerson(page, "Lise", last);

  await page.getByRole("link", { name: "Edit more details" }).click();
  const form = page.getByTestId("metadata-form");
  await expect(form).toBeVisible();
  await checkPage(page, "person-metadata", testInfo);

  await form.getByLabel("Address").fill("1 Science Road, Vienna");
  await form.getByLabel("Emergency contact").fill("Otto Frisch");
  await form.getByLabel("Emergency phone").fill("+43 1 234 5678");
  await form.getByRole("button", { name: "Save details" }).click();

  await expect(page.getByRole("heading", { level: 1, name: `Lise ${last}` })).toBeVisible();
  await expect(page.getByRole("status").filter({ hasText: "The details have been saved." })).toBeVisible();
  const details = page.getByTestId("metadata-section");
  await expect(details).toContainText("1 Science Road, Vienna");
  await expect(details).toContainText("Otto Frisch");
  await checkPage(page, "person-metadata-saved", testInfo);
});

test("an admin enrols a face with the webcam", async ({ browser, baseURL }, testInfo) => {
  const photo = facePhoto("person04/img14.jpg");
  const y4m = path.join(runTmp(), `webcam-${unique("f")}.y4m`);
  await writeY4m(browser, photo, y4m);

  // A browser of its own: the fake camera's file is a launch argument.
  const camera = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", `--use-file-for-fake-video-capture=${y4m}`],
  });
  try {
    const context = await camera.newContext({ baseURL, permissions: ["camera"], viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await signIn(page, admin());
    await addPerson(page, "Dorothy", unique("Hodgkin"));

    await page.getByRole("button", { name: "Start the camera" }).click();
    await expect(page.getByTestId("webcam-video")).toBeVisible();
    const take = page.getByRole("button", { name: "Take a picture" });
    await expect(take).toHaveAttribute("aria-disabled", "false");
    await expect(page.getByTestId("webcam-error")).toHaveCount(0);
    await checkPage(page, "person-webcam", testInfo);

    await take.click();
    await expect(page.getByTestId("webcam-shot")).toBeVisible();
    await page.getByRole("button", { name: "Send the picture" }).click();
    await expect(page.getByTestId("webcam-status")).toContainText("Enrolled, quality", { timeout: 30_000 });

    const cards = page.getByTestId("face-list").getByTestId("face-card");
    await expect(cards).toHaveCount(1);
    await expectFacePhotoLoaded(page);
    await checkPage(page, "person-webcam-enrolled", testInfo);
    await context.close();
  } finally {
    await camera.close();
  }
});
