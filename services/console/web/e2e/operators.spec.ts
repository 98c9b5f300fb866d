// An admin manages operators: adds one, who signs in in a browser of their own; signs them out
// everywhere, then disables them; the disabled operator's next sign-in is refused, and the
// sign-in audit lists that refusal with its reason. A viewer has no Operators page.

import { expect, test, type Page } from "@playwright/test";
import { admin, checkPage, signIn, unique, viewer, type Operator } from "./helpers";

async function expectSignedOut(page: Page): Promise<void> {
  await page.reload();
  await expect(page).toHaveURL(/\/sign-in/);
  await expect(page.getByRole("heading", { level: 1, name: "Sign in" })).toBeVisible();
}

test("an admin adds an operator, ends their sessions, disables them, and the audit shows the refused sign-in", async ({ page, browser, baseURL }, testInfo) => {
  // Two browsers, four sign-ins and six scanned pages: 35 s alone, more on a busy machine.
  test.setTimeout(180_000);
  await signIn(page, admin());
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Operators" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Operators" })).toBeVisible();
  await expect(page.getByRole("row", { name: new RegExp(admin().email) })).toContainText("You");
  await checkPage(page, "operators", testInfo);

  // --- a new operator -----------------------------------------------------------------------
  const handle = unique("desk");
  const newcomer: Operator = { email: `${handle}@example.com`, password: `first ${handle} password`, name: `Desk ${handle}`, role: "HR" };
  await page.getByRole("link", { name: "Add an operator" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Add an operator" })).toBeVisible();
  await page.getByLabel("Email").fill(newcomer.email);
  await page.getByLabel("Name").fill(newcomer.name);
  await page.getByLabel("Role").selectOption("hr");
  // (By id: "First password" is also the start of the next field's label.)
  await page.locator("#operator-password").fill(newcomer.password);
  await page.getByLabel("First password again").fill(newcomer.password);
  await checkPage(page, "operator-new", testInfo);
  await page.getByRole("button", { name: "Add the operator" }).click();
  await expect(page.getByRole("heading", { level: 1, name: newcomer.name })).toBeVisible();
  await expect(page.getByRole("status").filter({ hasText: `${newcomer.name} has been added as HR.` })).toBeVisible();
  await checkPage(page, "operator", testInfo);
  const operatorPage = page.url();

  // They sign in, in a browser of their own.
  const theirs = await browser.newContext({ baseURL });
  const them = await theirs.newPage();
  await signIn(them, newcomer);
  await expect(them.getByRole("banner")).toContainText(newcomer.name);
  await expect(them.getByRole("banner")).toContainText("HR");

  // --- signed out everywhere ----------------------------------------------------------------
  await page.getByRole("button", { name: `Sign ${newcomer.name} out everywhere` }).click();
  await expect(page.getByRole("status").filter({ hasText: `1 session of ${newcomer.name} ended.` })).toBeVisible();
  await expectSignedOut(them);
  // They can sign in again: only their sessions ended.
  await signIn(them, newcomer);

  // --- disabled -----------------------------------------------------------------------------
  await page.getByRole("button", { name: `Disable ${newcomer.name}…` }).click();
  const dialog = page.getByRole("dialog", { name: `Disable ${newcomer.name}?` });
  await checkPage(page, "operator-disable", testInfo);
  await dialog.getByRole("button", { name: `Disable ${newcomer.name}` }).click();
  await expect(page.getByRole("status").filter({ hasText: `${newcomer.name} is disabled` })).toBeVisible();
  await expect(page.getByRole("definition").filter({ hasText: "Disabled: cannot sign in" })).toBeVisible();
  // Disabling ended the session they had just opened.
  await expectSignedOut(them);

  // Their next sign-in is refused, and the sign-in page says so.
  await them.getByLabel("Email").fill(newcomer.email);
  await them.getByLabel("Password").fill(newcomer.password);
  await them.getByRole("button", { name: "Sign in" }).click();
  await expect(them.getByRole("alert").filter({ hasText: "You are not signed in" })).toContainText("The email or password is not right.");
  await checkPage(them, "sign-in-disabled-operator", testInfo);
  await theirs.close();

  // --- the audit ----------------------------------------------------------------------------
  await page.goto(operatorPage);
  await expect(page.getByRole("heading", { level: 2, name: "Latest activity" })).toBeVisible();
  await expect(page.locator(".activity")).toContainText("Sign-in refused");
  await page.getByRole("navigation", { name: "Operators" }).getByRole("link", { name: "Sign-in audit" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Sign-in audit" })).toBeVisible();
  await page.getByLabel("Outcome").selectOption("refusals");
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page).toHaveURL(/outcome=refusals/);
  const refused = page.getByRole("row", { name: new RegExp(newcomer.name) });
  await expect(refused).toHaveCount(1);
  await expect(refused).toContainText("Sign-in refused");
  await expect(refused).toContainText("account disabled");
  await expect(refused).toContainText(newcomer.email);
  await checkPage(page, "operators-audit", testInfo);

  // The same, narrowed to that operator: their sign-ins too, newest first.
  await page.getByRole("combobox", { name: "Operator", exact: true }).selectOption({ label: `${newcomer.name} (${newcomer.email})` });
  await page.getByLabel("Outcome").selectOption("");
  await page.getByRole("button", { name: "Apply filters" }).click();
  const rows = page.getByRole("table").locator("tbody tr");
  await expect(rows.first()).toContainText("Sign-in refused");
  await expect(page.getByRole("table")).toContainText("Signed in");
  await expect(page.getByRole("table")).toContainText("Sessions ended");
  await expect(page.getByRole("table")).toContainText("Operator created");
});

test("a viewer has no Operators entry, and the page tells them it is not theirs", async ({ page }, testInfo) => {
  await signIn(page, viewer());
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Operators" })).toHaveCount(0);
  await page.goto("/operators");
  await expect(page.getByRole("heading", { level: 1, name: "Not allowed" })).toBeVisible();
  await expect(page.getByRole("alert")).toContainText("Only an administrator can manage operators");
  await checkPage(page, "operators-not-allowed", testInfo);
  await page.goto("/operators/audit");
  await expect(page.getByRole("heading", { level: 1, name: "Not allowed" })).toBeVisible();
});
