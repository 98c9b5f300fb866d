// What every story shares: the operators' credentials (from scripts/console-e2e.sh), signing
// in, and the check each visited page gets: an axe scan with no serious or critical
// violation, no sideways scrolling at a phone's width, and full-page screenshots at 1280 and
// 390 px wide in e2e-artifacts/screenshots/<page>-<width>.png.

import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page, type TestInfo } from "@playwright/test";
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export interface Operator {
  email: string;
  password: string;
  name: string;
  role: string;
}

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === "") {
    throw new Error(`${name} is not set: run the browser tests through scripts/console-e2e.sh (make e2e)`);
  }
  return value;
}

export const admin = (): Operator => ({
  email: required("E2E_ADMIN_EMAIL"),
  password: required("E2E_ADMIN_PASSWORD"),
  name: required("E2E_ADMIN_NAME"),
  role: "Admin",
});

export const viewer = (): Operator => ({
  email: required("E2E_VIEWER_EMAIL"),
  password: required("E2E_VIEWER_PASSWORD"),
  name: required("E2E_VIEWER_NAME"),
  role: "Viewer",
});

/** Signs in through the form and waits for the signed-in shell. */
export async function signIn(page: Page, operator: Operator): Promise<void> {
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(operator.email);
  await page.getByLabel("Password").fill(operator.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();
}

/** A name no other run used, so stories never collide with what an earlier run left. */
export function unique(prefix: string): string {
  return `${prefix}${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
}

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SCREENSHOTS = path.join(HERE, "..", "e2e-artifacts", "screenshots");
/** The repository's root (services/console/web/e2e is four levels down). */
const REPO = path.resolve(HERE, "..", "..", "..", "..");
const WIDE = { width: 1280, height: 800 };
const NARROW = { width: 390, height: 844 };

async function scan(page: Page, name: string, width: number, testInfo: TestInfo): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  const others = results.violations.filter((v) => !serious.includes(v));
  const describe = (vs: typeof results.violations) =>
    vs
      .map((v) => `${v.impact ?? "?"} ${v.id}: ${v.help}\n${v.nodes.map((n) => `    ${n.target.join(" ")}: ${n.failureSummary ?? ""}`).join("\n")}`)
      .join("\n");
  if (others.length > 0) {
    testInfo.annotations.push({ type: "axe (minor)", description: `${name} at ${width} px: ${others.map((v) => `${v.impact ?? "?"} ${v.id}`).join(", ")}` });
  }
  expect(serious, `axe: serious or critical violations on ${name} at ${width} px\n${describe(serious)}`).toEqual([]);
}

/**
 * The check of one page, as it is shown now: axe at 1280 px and at 390 px, no horizontal
 * overflow at 390 px, and a full-page screenshot at each width. Leaves the viewport wide.
 */
export async function checkPage(page: Page, name: string, testInfo: TestInfo): Promise<void> {
  await page.waitForLoadState("networkidle");
  await expect(page.getByRole("status").filter({ hasText: /^Loading/ })).toHaveCount(0);

  await page.setViewportSize(WIDE);
  await scan(page, name, WIDE.width, testInfo);
  // At 1280 px the header holds the brand, every entry of the main navigation and the
  // account on one line (an admin's too).
  const header = await page.evaluate(() => {
    const nav = document.querySelector(".header .nav");
    if (nav === null) return undefined;
    const line = nav.getBoundingClientRect();
    const parts = Array.from(document.querySelectorAll(".header > *, .header .nav li")).map((e) => ({
      name: (e.textContent ?? "").trim().slice(0, 30),
      box: e.getBoundingClientRect(),
    }));
    return parts.filter((p) => p.box.top >= line.bottom || p.box.bottom <= line.top).map((p) => p.name);
  });
  expect(header ?? [], `${name}: the header wraps at ${WIDE.width} px`).toEqual([]);
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-${WIDE.width}.png`), fullPage: true });

  await page.setViewportSize(NARROW);
  // Let layout settle after the resize.
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  await scan(page, name, NARROW.width, testInfo);
  const overflow = await page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const wider: string[] = [];
    for (const el of Array.from(document.querySelectorAll("body *"))) {
      const box = el.getBoundingClientRect();
      if (box.width > 0 && box.right > width + 1 && getComputedStyle(el).position !== "fixed") {
        // Only the outermost element that sticks out: its children follow it.
        const parent = el.parentElement;
        if (parent === null || parent.getBoundingClientRect().right <= width + 1) {
          wider.push(`${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ""}${el.className && typeof el.className === "string" ? `.${el.className.split(" ").join(".")}` : ""} (right edge ${Math.round(box.right)} px)`);
        }
      }
    }
    return { scrollWidth: document.documentElement.scrollWidth, width, wider };
  });
  expect(overflow.scrollWidth, `${name} scrolls sideways at ${NARROW.width} px: ${overflow.wider.join(", ")}`).toBeLessThanOrEqual(overflow.width);
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-${NARROW.width}.png`), fullPage: true });

  await page.setViewportSize(WIDE);
}

// --- people, photos and the camera ------------------------------------------------------------

/** What the app sends with every write: the console refuses a write without it. */
export function writeHeaders(baseURL: string | undefined): Record<string, string> {
  return { "X-Faceattend-Csrf": "1", Origin: baseURL ?? "" };
}

/** True under CI (`CI=true` or `CI=1`, as the Rust tests read it): missing photos fail there. */
function underCi(): boolean {
  return process.env.CI === "true" || process.env.CI === "1";
}

/**
 * The path of a development photo (`FACEATTEND_FACES_DIR`, default ../shared/data/faces from
 * the repository). Without it the calling story is skipped, or fails under CI.
 */
export function facePhoto(relative: string): string {
  const dir = process.env.FACEATTEND_FACES_DIR ?? path.resolve(REPO, "..", "shared", "data", "faces");
  const file = path.join(dir, relative);
  if (!fs.existsSync(file)) {
    const why = `no labelled photos: ${file} is missing (set FACEATTEND_FACES_DIR)`;
    if (underCi()) throw new Error(why);
    test.skip(true, why);
  }
  return file;
}

/** The run's temporary folder (scripts/console-e2e.sh's, removed when it exits). */
export function runTmp(): string {
  return process.env.E2E_TMP ?? fs.mkdtempSync(path.join(os.tmpdir(), "faceattend-e2e-"));
}

/** Adds a person through the form and returns their id, on their page. */
export async function addPerson(page: Page, first: string, last: string): Promise<string> {
  await page.goto("/people/new");
  await expect(page.getByRole("heading", { level: 1, name: "Add a person" })).toBeVisible();
  await page.getByLabel("First name").fill(first);
  await page.getByLabel("Last name").fill(last);
  await page.getByLabel("Email").fill(`${last.toLowerCase()}@example.com`);
  await page.getByLabel("Department").fill("Engineering");
  await page.getByRole("button", { name: "Add person" }).click();
  await expect(page.getByRole("heading", { level: 1, name: `${first} ${last}` })).toBeVisible();
  const id = /\/people\/([^/?#]+)$/.exec(new URL(page.url()).pathname)?.[1];
  expect(id, `the person page's address: ${page.url()}`).toBeTruthy();
  return decodeURIComponent(id ?? "");
}

/** Waits until the face card's photo has loaded (it is lazy: scrolled into view first). */
export async function expectFacePhotoLoaded(page: Page): Promise<void> {
  const photo = page.getByTestId("face-card").first().locator("img");
  await photo.scrollIntoViewIfNeeded();
  await expect(photo).toBeVisible();
  await expect
    .poll(() => photo.evaluate((img: HTMLImageElement) => (img.complete ? img.naturalWidth : 0)), { message: "the face's photo loads" })
    .toBeGreaterThan(0);
  await expect(page.getByTestId("face-photo-missing")).toHaveCount(0);
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address !== null ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

function cameraAgentBin(): string {
  return required("E2E_CAMERA_AGENT_BIN");
}

/** `camera-agent sample-video`: a video of these photos' people walking past, in the run's folder. */
export function sampleVideo(photos: string[], name: string): string {
  const out = path.join(runTmp(), `${name}.avi`);
  execFileSync(cameraAgentBin(), ["sample-video", "--out", out, ...photos], { stdio: ["ignore", "ignore", "pipe"] });
  return out;
}

export interface CameraAgent {
  stop(): Promise<void>;
}

/**
 * Starts camera-agent with one camera playing `video` once (on the run's NATS and namespace),
 * its log beside the services' (camera-agent.log, collected by the script).
 */
export async function startCameraAgent(camera: { id: string; video: string; role: "entry" | "exit" | "both" }): Promise<CameraAgent> {
  const port = await freePort();
  const log = fs.openSync(path.join(runTmp(), "camera-agent.log"), "a");
  const child = spawn(cameraAgentBin(), [], {
    env: {
      ...process.env,
      CAMERAS: JSON.stringify([{ id: camera.id, source: camera.video, role: camera.role, sample_fps: 5 }]),
      // Cameras live on in the run's camera registry after their agent stops: an agent of its
      // own name per story runs only that story's camera, not the earlier stories' videos again.
      AGENT_NAME: camera.id,
      NATS_URL: required("E2E_NATS_URL"),
      BUS_NAMESPACE: required("E2E_BUS_NAMESPACE"),
      FACEATTEND_MODELS_DIR: required("FACEATTEND_MODELS_DIR"),
      // The frames kept as evidence, where attendance-api serves them from.
      SNAPSHOTS_URL: required("E2E_SNAPSHOTS_URL"),
      BIND_ADDRESS: `127.0.0.1:${port}`,
    },
    stdio: ["ignore", log, log],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  fs.closeSync(log);
  return {
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(killer);
      }
    },
  };
}
