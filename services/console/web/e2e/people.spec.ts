// An admin adds a person (a malformed email is refused beside its field, nothing typed is
// lost), finds them in People by searching, and edits them.

import { expect, test } from "@playwright/test";
import { admin, checkPage, signIn, unique } from "./helpers";

test("an admin adds a person, finds them by searching and edits them", async ({ page }, testInfo) => {
  await signIn(page, admin());
  const last = unique("Lovelace");
  const email = `${last.toLowerCase()}@example.com`;

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "People" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "People" })).toBeVisible();
  await checkPage(page, "people", testInfo);

  await page.getByRole("link", { name: "Add a person" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Add a person" })).toBeVisible();
  await checkPage(page, "person-new", testInfo);

  // A malformed email: person-api's 422 reason is shown beside the email field, and every
  // field keeps what was typed.
  await page.getByLabel("First name").fill("Ada");
  await page.getByLabel("Last name").fill(last);
  await page.getByLabel("Email").fill("ada-at-example");
  await page.getByLabel("Department").fill("Engineering");
  await page.getByLabel("ID number").fill(last);
  await page.getByRole("button", { name: "Add person" }).click();

  const emailField = page.getByLabel("Email");
  await expect(emailField).toHaveAttribute("aria-invalid", "true");
  const reason = page.locator("#person-email-error");
  await expect(reason).toBeVisible();
  await expect(reason).not.toBeEmpty();
  await expect(emailField).toHaveAttribute("aria-describedby", /person-email-error/);
  await expect(page.getByRole("alert").filter({ hasText: "The form was not saved" })).toContainText("Email");
  await expect(page.getByLabel("First name")).toHaveValue("Ada");
  await expect(page.getByLabel("Last name")).toHaveValue(last);
  await expect(emailField).toHaveValue("ada-at-example");
  await expect(page.getByLabel("Department")).toHaveValue("Engineering");
  await expect(page.getByLabel("ID number")).toHaveValue(last);
  // Only the email was refused.
  await expect(page.locator(".field--invalid")).toHaveCount(1);
  await checkPage(page, "person-new-refused", testInfo);

  await emailField.fill(email);
  await page.getByRole("button", { name: "Add person" }).click();
  await expect(page.getByRole("heading", { level: 1, name: `Ada ${last}` })).toBeVisible();
  await expect(page.getByRole("status").filter({ hasText: "The person has been added." })).toBeVisible();
  await expect(page.getByText(email)).toBeVisible();
  await checkPage(page, "person", testInfo);
  const personUrl = page.url();

  // Found in People by a search for their last name.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "People" }).click();
  await page.getByLabel("Search by name, email or id number").fill(last);
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`q=${last}`));
  const table = page.getByRole("table");
  await expect(table.getByRole("row")).toHaveCount(2); // the header and the one match
  const row = table.getByRole("row", { name: new RegExp(last) });
  await expect(row).toContainText(email);
  await expect(row).toContainText("Engineering");
  await checkPage(page, "people-search", testInfo);

  // Edit them: a new department and a phone number.
  await row.getByRole("link", { name: `Ada ${last}` }).click();
  await expect(page).toHaveURL(personUrl);
  await page.getByRole("link", { name: `Edit Ada ${last}`, exact: true }).click();
  await expect(page.getByRole("heading", { level: 1, name: `Edit Ada ${last}` })).toBeVisible();
  await expect(page.getByLabel("Email")).toHaveValue(email);
  await checkPage(page, "person-edit", testInfo);

  await page.getByLabel("Department").fill("Research");
  await page.getByLabel("Phone").fill("+44 20 7946 0958");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page).toHaveURL(personUrl);
  await expect(page.getByRole("status").filter({ hasText: "Your changes have been saved." })).toBeVisible();
  const details = page.locator(".details").first();
  await expect(details).toContainText("Research");
  // person-api keeps phone numbers in E.164.
  await expect(details).toContainText("+442079460958");

  // And People shows the change.
  await page.goto(`/people?q=${encodeURIComponent(last)}`);
  await expect(page.getByRole("row", { name: new RegExp(last) })).toContainText("Research");
});
