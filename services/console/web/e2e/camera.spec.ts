// A person walks past a camera and Today's live feed shows their check-in within seconds:
// the whole pipeline (camera-agent → face-embedder → attendance-worker → realtime-gateway →
// the console's WebSocket). The person is enrolled first; then camera-agent, started here
// (scripts/console-e2e.sh gives its binary, the run's NATS and namespace), plays a video made
// now from another photo of them (`camera-agent sample-video`). Needs the development photos.

import { expect, test } from "@playwright/test";
import fs from "node:fs";
import { admin, checkPage, facePhoto, sampleVideo, signIn, startCameraAgent, unique, writeHeaders } from "./helpers";

test("a person seen by an entry camera appears checked in on Today's live feed", async ({ page, baseURL }, testInfo) => {
  test.setTimeout(180_000);
  const enrolPhotos = ["person01/img1.jpg", "person01/img10.jpg"].map(facePhoto);
  const seenPhotos = ["person01/img11.jpg"].map(facePhoto);

  await signIn(page, admin());
  // Added and enrolled through the console's API with the admin's session (the forms are the
  // other stories').
  const last = unique("Curie");
  const created = await page.request.post("/api/v1/persons", {
    headers: writeHeaders(baseURL),
    data: { first_name: "Marie", last_name: last, email: `${last.toLowerCase()}@example.com`, department: "Physics" },
  });
  expect(created.status(), await created.text()).toBe(201);
  const personId = ((await created.json()) as { data: { id: string } }).data.id;
  for (const photo of enrolPhotos) {
    const enrolled = await page.request.post(`/api/v1/persons/${personId}/enroll`, {
      headers: writeHeaders(baseURL),
      data: { frame_data: fs.readFileSync(photo).toString("base64"), use_largest_face: true },
      timeout: 60_000,
    });
    expect(enrolled.ok(), await enrolled.text()).toBe(true);
  }
  const video = sampleVideo(seenPhotos, `entrance-${last}`);

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Today" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Today" })).toBeVisible();
  await expect(page.getByTestId("live-feed-status")).toHaveAttribute("data-state", "live", { timeout: 20_000 });

  const agent = await startCameraAgent({ id: "entrance", video, role: "entry" });
  try {
    const row = page.locator(`[data-testid="live-feed-row"][data-person-id="${personId}"]`);
    await expect(row.first()).toBeVisible({ timeout: 60_000 });
    await expect(row.first()).toHaveAttribute("data-action", "check_in");
    await expect(row.first()).toContainText("entrance");
    const name = row.first().getByRole("link", { name: `Marie ${last}` });
    await expect(name).toHaveAttribute("href", `/people/${personId}`);
  } finally {
    await agent.stop();
  }
  await checkPage(page, "today-live-feed", testInfo);

  // The name leads to the person.
  await page.locator(`[data-testid="live-feed-row"][data-person-id="${personId}"]`).first().getByRole("link").click();
  await expect(page.getByRole("heading", { level: 1, name: `Marie ${last}` })).toBeVisible();
});
