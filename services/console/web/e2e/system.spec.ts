// An admin opens System: every service ready with its version, NATS and the database, the
// durable consumers of the event bus; runs a job now and sees its run; then narrows the sign-in
// audit to today's refused sign-ins. A viewer has no System page, and nobody sees the not-ready
// banner: the stack is whole (the banner itself is tested in Vitest and in the console's Rust
// tests, with a service down).

import { expect, test } from "@playwright/test";
import { admin, checkPage, signIn, unique, viewer } from "./helpers";

/** Today in the browser's zone (the same machine), as a date input takes it. */
function today(): string {
  const now = new Date();
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

test("an admin sees every service ready and the consumers, runs a job now, and filters the audit", async ({ page, browser }, testInfo) => {
  test.setTimeout(180_000);
  // A refused sign-in to find in the audit: an email that is no account (no one's counter).
  const stranger = `${unique("nobody")}@example.com`;
  const other = await browser.newContext();
  const refusedPage = await other.newPage();
  await refusedPage.goto("/sign-in");
  await refusedPage.getByLabel("Email").fill(stranger);
  await refusedPage.getByLabel("Password").fill("not anyone's password");
  await refusedPage.getByRole("button", { name: "Sign in" }).click();
  await expect(refusedPage.getByRole("alert")).toContainText("The email or password is not right");
  await other.close();

  await signIn(page, admin());
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "System" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "System" })).toBeVisible();
  await expect(page.getByText("Everything is ready.")).toBeVisible();
  await expect(page.locator(".system-banner")).toHaveCount(0);

  const services = page.getByRole("table", { name: "Every service's readiness and version" });
  for (const name of ["person-api", "attendance-api", "realtime-gateway", "face-embedder", "attendance-worker"]) {
    const row = services.getByRole("row", { name: new RegExp(`^${name}`) });
    await expect(row).toContainText("Ready");
    await expect(row.getByRole("cell").nth(1)).toHaveText(/^\d+\.\d+\.\d+/);
  }
  await expect(page.getByText("Connected", { exact: true })).toBeVisible();
  await expect(page.getByText("Reachable", { exact: true })).toBeVisible();
  // attendance-worker's and face-embedder's durable consumers, each with its lag.
  const consumers = page.getByRole("table", { name: "Durable consumers and their lag" });
  await expect(consumers.locator("tbody tr").first()).toBeVisible();
  expect(await consumers.locator("tbody tr").count()).toBeGreaterThanOrEqual(2);
  await checkPage(page, "system", testInfo);

  // --- a job run now -------------------------------------------------------------------------
  const reconcile = page.getByRole("listitem", { name: "reconcile" });
  await reconcile.getByRole("button", { name: "Run now" }).click();
  await expect(reconcile.getByRole("status")).toContainText("Run requested");
  // The worker takes it within seconds; the page asks again every 2 s meanwhile.
  await expect(reconcile.getByRole("status")).toContainText("it succeeded", { timeout: 60_000 });
  const runs = page.getByRole("table", { name: "The newest job runs" });
  await expect(runs.getByRole("row", { name: /^reconcile\s*by api/ }).first()).toContainText("succeeded");
  await checkPage(page, "system-job-run", testInfo);

  // --- the audit, narrowed ----------------------------------------------------------------
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Operators" }).click();
  await page.getByRole("navigation", { name: "Operators" }).getByRole("link", { name: "Sign-in audit" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Sign-in audit" })).toBeVisible();
  await page.getByLabel("Outcome").selectOption("refusals");
  await page.getByLabel("From", { exact: true }).fill(today());
  await page.getByLabel("To (included)").fill(today());
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page).toHaveURL(new RegExp(`outcome=refusals&from=${today()}&to=${today()}`));
  const refused = page.getByRole("row", { name: new RegExp(stranger) });
  await expect(refused).toHaveCount(1);
  await expect(refused).toContainText("Sign-in refused");
  // Only refusals are listed.
  await expect(page.getByRole("table").locator("tbody tr").filter({ hasText: "Signed in" })).toHaveCount(0);
  await checkPage(page, "operators-audit-filtered", testInfo);

  // Sign-ins instead: the admin's own of a moment ago, and not the stranger's refusal.
  await page.getByLabel("Outcome").selectOption("sign_ins");
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page.getByRole("table").locator("tbody tr").first()).toContainText("Signed in");
  await expect(page.getByRole("row", { name: new RegExp(stranger) })).toHaveCount(0);
});

test("a viewer has no System page", async ({ page }, testInfo) => {
  await signIn(page, viewer());
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "System" })).toHaveCount(0);
  await page.goto("/system");
  await expect(page.getByRole("heading", { level: 1, name: "Not allowed" })).toBeVisible();
  await expect(page.locator(".system-banner")).toHaveCount(0);
  await checkPage(page, "system-not-allowed", testInfo);
});
