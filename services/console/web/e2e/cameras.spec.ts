// An admin registers a camera in the console for an agent that is already running, and sees it
// work without the agent being restarted: "Test connection" opens the video on that agent, the
// camera starts streaming within seconds, captures are published and its latest frame is shown;
// disabled, it stops; removed, it is gone. The agent (camera-agent, AGENT_NAME = the id given
// to startCameraAgent) is started first with a camera of its own that names it. Needs the
// development photos.

import { expect, test, type Page } from "@playwright/test";
import { admin, checkPage, facePhoto, sampleVideo, signIn, startCameraAgent, unique } from "./helpers";

interface LiveCamera {
  id: string;
  enabled: boolean;
  thumbnail_at?: string | null;
  live?: { state: string; captures_published: number } | null;
}

async function readCamera(page: Page, id: string): Promise<LiveCamera | undefined> {
  const response = await page.request.get("/console/api/v1/cameras");
  expect(response.ok(), await response.text()).toBe(true);
  const body = (await response.json()) as { data: { cameras: LiveCamera[] } };
  return body.data.cameras.find((c) => c.id === id);
}

test("an admin adds a camera for a running agent, sees it capture, disables and removes it", async ({ page }, testInfo) => {
  test.setTimeout(240_000);
  const agentName = unique("story-agent-");
  const agentVideo = sampleVideo([facePhoto("person03/img8.jpg")], `agent-${agentName}`);
  const cameraId = unique("lobby-");
  const cameraName = `Lobby ${cameraId}`;
  const video = sampleVideo([facePhoto("person02/img3.jpg"), facePhoto("person02/img12.jpg")], cameraId);

  const agent = await startCameraAgent({ id: agentName, video: agentVideo, role: "both" });
  try {
    await signIn(page, admin());
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Cameras" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Cameras" })).toBeVisible();
    // The agent reports (its own camera) before it is given one from the console.
    await expect(page.getByRole("region", { name: "Agents reporting" })).toContainText(agentName, { timeout: 30_000 });

    await page.getByRole("link", { name: "Add camera" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Add a camera" })).toBeVisible();
    // Nothing typed: the browser says what is missing beside the fields.
    await page.getByRole("button", { name: "Add the camera" }).click();
    await expect(page.getByRole("alert").filter({ hasText: "The camera was not added" })).toBeVisible();
    await expect(page.locator("#camera-id-error")).toContainText("Give the camera an id.");
    await checkPage(page, "camera-new-refused", testInfo);

    await page.getByRole("textbox", { name: "Id", exact: true }).fill(cameraId);
    await page.getByRole("textbox", { name: "Name", exact: true }).fill(cameraName);
    await page.getByRole("textbox", { name: "Source", exact: true }).fill(video);
    await page.getByRole("combobox", { name: "Role", exact: true }).selectOption("entry");
    await page.getByRole("textbox", { name: "Agent", exact: true }).fill(agentName);
    await page.getByRole("checkbox", { name: "Start again at the end", exact: true }).check();
    await page.getByRole("button", { name: "Test connection" }).click();
    await expect(page.getByText(/^Connected: 1280×720/)).toBeVisible({ timeout: 30_000 });
    await checkPage(page, "camera-new", testInfo);
    await page.getByRole("button", { name: "Add the camera" }).click();

    await expect(page.getByRole("heading", { level: 1, name: "Cameras" })).toBeVisible();
    await expect(page.getByText(`${cameraName} has been added`)).toBeVisible();
    const card = page.getByRole("listitem").filter({ has: page.getByRole("heading", { name: cameraName }) });
    await expect(card.getByText("Streaming", { exact: true })).toBeVisible({ timeout: 30_000 });
    // Captures published and the latest frame shown, without restarting the agent.
    await expect
      .poll(async () => (await readCamera(page, cameraId))?.live?.captures_published ?? 0, { timeout: 60_000, message: "captures published" })
      .toBeGreaterThan(0);
    await expect.poll(async () => (await readCamera(page, cameraId))?.thumbnail_at ?? null, { timeout: 30_000 }).not.toBeNull();
    const frame = card.getByRole("img", { name: new RegExp(`^Latest capture of ${cameraName}`) });
    await expect(frame).toBeVisible({ timeout: 10_000 });
    await expect
      .poll(() => frame.evaluate((img: HTMLImageElement) => (img.complete ? img.naturalWidth : 0)), { message: "the frame loads" })
      .toBeGreaterThan(0);
    await checkPage(page, "cameras", testInfo);

    // A camera of that id again: refused beside the id, with the console's reason.
    await page.getByRole("link", { name: "Add camera" }).click();
    await page.getByRole("textbox", { name: "Id", exact: true }).fill(cameraId);
    await page.getByRole("textbox", { name: "Source", exact: true }).fill(video);
    await page.getByRole("textbox", { name: "Agent", exact: true }).fill(agentName);
    await page.getByRole("button", { name: "Add the camera" }).click();
    await expect(page.getByRole("alert").filter({ hasText: "camera_exists" })).toBeVisible();
    await expect(page.locator("#camera-id-error")).toBeVisible();
    await page.getByRole("link", { name: "Cancel" }).click();

    // The edit form keeps the stored source unless a new one is typed.
    await card.getByRole("link", { name: `Edit ${cameraName}` }).click();
    await expect(page.getByRole("heading", { level: 1, name: `Change ${cameraName}` })).toBeVisible();
    await expect(page.getByRole("textbox", { name: "Source", exact: true })).toHaveValue("");
    await expect(page.locator("#camera-source-hint")).toContainText("Leave empty to keep it");
    await page.getByRole("button", { name: "Test connection" }).click();
    await expect(page.getByText(/^Connected: 1280×720/)).toBeVisible({ timeout: 30_000 });
    await checkPage(page, "camera-edit", testInfo);
    await page.getByRole("spinbutton", { name: "Frames analysed per second", exact: true }).fill("4");
    await page.getByRole("button", { name: "Save the changes" }).click();
    await expect(page.getByText(`${cameraName} has been changed`)).toBeVisible();

    // Disabled: its agent stops it and it publishes nothing more.
    await card.getByRole("button", { name: `Disable ${cameraName}` }).click();
    await expect(card.getByText("Disabled", { exact: true })).toBeVisible({ timeout: 10_000 });
    await expect.poll(async () => (await readCamera(page, cameraId))?.live ?? null, { timeout: 20_000, message: "no agent runs it" }).toBeNull();
    await checkPage(page, "cameras-disabled", testInfo);

    // Removed after the question.
    await card.getByRole("button", { name: `Remove ${cameraName}` }).click();
    const dialog = page.getByRole("dialog", { name: `Remove ${cameraName}?` });
    await expect(dialog).toBeVisible();
    await dialog.getByRole("button", { name: "Remove the camera" }).click();
    await expect(page.getByRole("heading", { name: cameraName })).toHaveCount(0);
    expect(await readCamera(page, cameraId)).toBeUndefined();
  } finally {
    await agent.stop();
  }
});
