// What every story shares: the operators' credentials (from scripts/console-e2e.sh), signing
// in, and the check each visited page gets: an axe scan with no serious or critical
// violation, no sideways scrolling at a phone's width, and full-page screenshots at 1280 and
// 390 px wide in e2e-artifacts/screenshots/<page>-<width>.png.

import AxeBuilder from "@axe-core/playwright";
import { expect, type Page, type TestInfo } from "@playwright/test";
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

const SCREENSHOTS = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "e2e-artifacts", "screenshots");
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
