// An operator signs in (after one mistyped password), sees who they are in the header, looks
// at Today's counts and their account page, and signs out.

import { expect, test } from "@playwright/test";
import { admin, checkPage, signIn } from "./helpers";

test("a wrong password is refused with the reason shown, the right one lets the operator in", async ({ page }, testInfo) => {
  const me = admin();
  await page.goto("/");
  // Not signed in: the console sends the operator to sign in, remembering where they were going.
  await expect(page).toHaveURL(/\/sign-in/);
  await expect(page.getByRole("heading", { level: 1, name: "Sign in" })).toBeVisible();
  await checkPage(page, "sign-in", testInfo);

  await page.getByLabel("Email").fill(me.email);
  await page.getByLabel("Password").fill(`${me.password}-wrong`);
  await page.getByRole("button", { name: "Sign in" }).click();
  const refusal = page.getByRole("alert").filter({ hasText: "You are not signed in" });
  await expect(refusal).toContainText("The email or password is not right.");
  await expect(page.getByLabel("Email")).toHaveValue(me.email);
  await expect(page.getByLabel("Password")).toHaveValue("");
  await checkPage(page, "sign-in-refused", testInfo);

  await page.getByLabel("Password").fill(me.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/today$/);
  await expect(page.getByRole("heading", { level: 1, name: "Today" })).toBeVisible();
});

test("the header names the operator and their role; Today shows its counts; sign-out returns to sign-in", async ({ page }, testInfo) => {
  const me = admin();
  await signIn(page, me);

  const header = page.getByRole("banner");
  await expect(header).toContainText(me.name);
  await expect(header).toContainText(me.role);

  await expect(page.getByRole("heading", { level: 1, name: "Today" })).toBeVisible();
  const stats = page.locator(".stats");
  for (const label of ["Expected", "Present", "Late", "Absent", "Presence"]) {
    await expect(stats.getByText(label, { exact: true })).toBeVisible();
  }
  // Nobody has been seen today: the present count is a number, the presence a percentage.
  await expect(stats.locator(".stat", { hasText: "Present" }).locator(".stat__value")).toHaveText(/^\d[\d,]*$/);
  await expect(stats.locator(".stat", { hasText: "Presence" }).locator(".stat__value")).toHaveText(/%$/);
  await checkPage(page, "today", testInfo);

  await page.getByRole("link", { name: "Change password" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Change password" })).toBeVisible();
  await checkPage(page, "change-password", testInfo);

  await page.goto("/no-such-page");
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  await checkPage(page, "not-found", testInfo);

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/sign-in/);
  await expect(page.getByRole("status").filter({ hasText: "You have signed out." })).toBeVisible();
  await checkPage(page, "signed-out", testInfo);

  // The session is gone on the server too: a signed-in page sends the operator back to sign in.
  await page.goto("/people");
  await expect(page).toHaveURL(/\/sign-in\?next=%2Fpeople/);
});
