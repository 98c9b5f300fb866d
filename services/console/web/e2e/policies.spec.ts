// HR's policies on the console: a shift (refused once by the API for a name already used, the
// reason beside the field), edited; a rule, deleted; a holiday; a person's leave, created
// pending and approved from the queue with one click. And a viewer, who reads them all without
// a button that would be refused.
//
// What is created stays out of the other stories' way: the shift is for an organisation of its
// own, the rule is not made active, and the holiday and the leave are on days far ahead.

import { expect, test, type Page } from "@playwright/test";
import { admin, checkPage, signIn, unique, viewer, writeHeaders } from "./helpers";

const HOLIDAY = "2099-12-25";
const LEAVE_DAY = "2099-12-24";

async function tab(page: Page, name: string, heading: string): Promise<void> {
  await page.getByRole("navigation", { name: "Policies" }).getByRole("link", { name }).click();
  await expect(page.getByRole("heading", { level: 1, name: heading })).toBeVisible();
}

test("HR adds, edits and deletes policies, and approves a leave from the queue", async ({ page, baseURL }, testInfo) => {
  // A long story (a dozen pages, each scanned at two widths): 40 s alone, more on a busy machine.
  test.setTimeout(180_000);
  await signIn(page, admin());

  // The person who will ask for leave, added first: attendance learns of them from the bus.
  const last = unique("Hopper");
  const created = await page.request.post("/api/v1/persons", {
    headers: writeHeaders(baseURL),
    data: { first_name: "Grace", last_name: last, email: `${last.toLowerCase()}@example.com`, person_type: "employee", status: "active" },
  });
  expect(created.status(), await created.text()).toBe(201);
  const name = `Grace ${last}`;

  // --- a shift ---------------------------------------------------------------------------------
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Policies" }).click();
  await expect(page).toHaveURL(/\/policies\/shifts$/);
  await expect(page.getByRole("heading", { level: 1, name: "Shifts" })).toBeVisible();
  await checkPage(page, "policies-shifts-empty", testInfo);

  const shift = unique("Early");
  const organization = unique("Depot ");
  await page.getByRole("link", { name: "Add a shift" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Add a shift" })).toBeVisible();
  await page.getByRole("textbox", { name: "Name", exact: true }).fill(shift);
  await page.getByLabel("Organisation").fill(organization);
  await page.getByLabel("Starts at").fill("06:30");
  await page.getByLabel("Ends at").fill("14:30");
  await page.getByLabel("Lateness forgiven (minutes)").fill("10");
  await expect(page.getByText("Length: 8 h.")).toBeVisible();
  await checkPage(page, "policies-shift-new", testInfo);
  await page.getByRole("button", { name: "Add the shift" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Shifts" })).toBeVisible();
  await expect(page.getByRole("status").filter({ hasText: `The shift “${shift}” has been added.` })).toContainText("Applies from now on");
  const shiftRow = page.getByRole("row", { name: new RegExp(shift) });
  await expect(shiftRow).toContainText("06:30–14:30");
  await expect(shiftRow).toContainText("10 min");
  await expect(shiftRow).toContainText(`For ${organization}.`);
  await checkPage(page, "policies-shifts", testInfo);

  // The same name again: attendance-api refuses it (409), and says why beside the name.
  await page.getByRole("link", { name: "Add a shift" }).click();
  await page.getByRole("textbox", { name: "Name", exact: true }).fill(shift);
  await page.getByRole("button", { name: "Add the shift" }).click();
  const summary = page.getByRole("alert").filter({ hasText: "The shift was not saved" });
  await expect(summary).toContainText("(session_name_taken)");
  await expect(summary.getByRole("link", { name: "Name: see the reason beside the field" })).toBeVisible();
  await expect(page.getByRole("textbox", { name: "Name", exact: true })).toHaveAttribute("aria-invalid", "true");
  await expect(page.locator("#shift-name-error")).toContainText(`A shift named "${shift}" exists.`);
  await checkPage(page, "policies-shift-refused", testInfo);
  await page.getByRole("link", { name: "Cancel" }).click();

  // Edited: more lateness forgiven.
  await page.getByRole("link", { name: `Edit ${shift}` }).click();
  await expect(page.getByRole("heading", { level: 1, name: `Edit the shift “${shift}”` })).toBeVisible();
  await expect(page.getByLabel("Lateness forgiven (minutes)")).toHaveValue("10");
  await page.getByLabel("Lateness forgiven (minutes)").fill("20");
  await page.getByRole("button", { name: "Save the shift" }).click();
  await expect(page.getByRole("status").filter({ hasText: `The shift “${shift}” has been saved.` })).toBeVisible();
  await expect(page.getByRole("row", { name: new RegExp(shift) })).toContainText("20 min");

  // --- a rule, then deleted ---------------------------------------------------------------------
  await tab(page, "Rules", "Rules");
  const rule = unique("Weekend ");
  await page.getByRole("link", { name: "Add a rule" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Add a rule" })).toBeVisible();
  await page.getByRole("textbox", { name: "Name", exact: true }).fill(rule);
  await page.getByRole("group", { name: "Working days" }).getByLabel("Saturday").check();
  await page.getByLabel("Automatic check-in from confidence").fill("0.8");
  await page.getByLabel("Review from confidence").fill("0.65");
  await checkPage(page, "policies-rule-new", testInfo);
  await page.getByRole("button", { name: "Add the rule" }).click();
  await expect(page.getByRole("status").filter({ hasText: `The rule “${rule}” has been added.` })).toContainText("It is inactive");
  const ruleRow = page.getByRole("row", { name: new RegExp(rule) });
  await expect(ruleRow).toContainText("Mon–Sat");
  await expect(ruleRow).toContainText("0.8");
  await expect(ruleRow).toContainText("Inactive");
  await checkPage(page, "policies-rules", testInfo);

  await page.getByRole("button", { name: `Delete… ${rule}` }).click();
  const dialog = page.getByRole("dialog", { name: `Delete the rule “${rule}”?` });
  await expect(dialog).toContainText("It is not the active rule");
  await dialog.getByRole("button", { name: "Delete the rule" }).click();
  await expect(page.getByRole("status").filter({ hasText: `The rule “${rule}” has been deleted.` })).toBeVisible();
  await expect(page.getByRole("row", { name: new RegExp(rule) })).toHaveCount(0);

  // --- a holiday ----------------------------------------------------------------------------
  await tab(page, "Holidays and leave", "Holidays and leave");
  await page.getByRole("link", { name: "Add a holiday" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Add a holiday, leave or event" })).toBeVisible();
  await expect(page.getByLabel("Kind")).toHaveValue("holiday");
  await page.getByLabel("Date").fill(HOLIDAY);
  await page.getByLabel("Reason").fill("Christmas Day");
  await checkPage(page, "policies-holiday-new", testInfo);
  await page.getByRole("button", { name: "Add the holiday" }).click();
  await expect(page.getByRole("status").filter({ hasText: `Holiday on ${HOLIDAY} added.` })).toContainText("Takes effect at once");
  const holidayRow = page.getByRole("row", { name: /Christmas Day/ });
  await expect(holidayRow).toContainText("Everyone");
  await expect(holidayRow).toContainText("No approval needed");

  // --- a holiday of one organisation (the depot's) ---------------------------------------------
  await page.getByRole("link", { name: "Add a holiday" }).click();
  await page.getByLabel("Date").fill(HOLIDAY);
  await page.getByLabel("For").selectOption("organization");
  const depotReason = `${organization} founding day`;
  await page.getByLabel("Reason").fill(depotReason);
  // Without the organisation's name: refused beside the field, before asking the API.
  await page.getByRole("button", { name: "Add the holiday" }).click();
  await expect(page.getByText("Give the organisation, or make it for everyone.")).toBeVisible();
  await checkPage(page, "policies-holiday-organisation-refused", testInfo);
  await page.getByLabel("Organisation").fill(organization);
  await page.getByRole("button", { name: "Add the holiday" }).click();
  await expect(page.getByRole("status").filter({ hasText: `Holiday on ${HOLIDAY} added.` })).toBeVisible();
  const depotRow = page.getByRole("row", { name: new RegExp(depotReason) });
  await expect(depotRow).toContainText(`Everyone in ${organization}`);
  // The list narrowed to the organisation shows its holiday and not everyone's.
  await page.getByLabel("Organisation").fill(organization);
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page).toHaveURL(/organization=/);
  await expect(depotRow).toBeVisible();
  await expect(page.getByRole("row", { name: /Christmas Day/ })).toHaveCount(0);
  await page.getByRole("button", { name: "Clear filters" }).click();

  // --- leave, pending, approved from the queue ----------------------------------------------
  await page.getByRole("link", { name: "Add leave" }).click();
  await expect(page.getByLabel("Kind")).toHaveValue("leave");
  await page.getByLabel("Person").fill(last);
  await page.getByRole("button", { name: "Search the directory" }).click();
  await page.getByRole("button", { name: new RegExp(`Choose ${name}`) }).click();
  await expect(page.getByRole("link", { name, exact: true })).toBeVisible();
  await expect(page.getByRole("button", { name: "Choose someone else" })).toBeVisible();
  await page.getByLabel("Date").fill(LEAVE_DAY);
  await page.getByLabel("Reason").fill("Family wedding");
  await expect(page.getByLabel("Needs an approval")).toBeChecked();
  await expect(page.getByLabel("Needs an approval")).toBeDisabled();
  await checkPage(page, "policies-leave-new", testInfo);
  await page.getByRole("button", { name: "Add the leave" }).click();
  await expect(page.getByRole("status").filter({ hasText: `Leave on ${LEAVE_DAY} added.` })).toContainText("waits for an approval");
  await expect(page.getByRole("row", { name: /Family wedding/ })).toContainText("Pending");
  await checkPage(page, "policies-exceptions", testInfo);
  // Pending only: the leave waits, the holidays (no approval needed) are not listed.
  await page.getByLabel("Approval").selectOption("pending");
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page).toHaveURL(/approval=pending/);
  await expect(page.getByRole("row", { name: /Family wedding/ })).toContainText("Pending");
  await expect(page.getByRole("row", { name: /Christmas Day/ })).toHaveCount(0);
  await checkPage(page, "policies-exceptions-pending", testInfo);
  await page.getByRole("button", { name: "Clear filters" }).click();

  await tab(page, "Pending leave", "Pending leave");
  const waiting = page.getByRole("row", { name: /Family wedding/ });
  await expect(waiting).toContainText(name);
  await checkPage(page, "policies-pending", testInfo);
  await waiting.getByRole("button", { name: new RegExp(`^Approve ${name}'s leave`) }).click();
  await expect(page.getByRole("status").filter({ hasText: `${name}'s leave` })).toContainText("approved");
  await expect(page.getByText("Nothing waits for a decision.")).toBeVisible();
  await expect(page.getByRole("table")).toHaveCount(0);

  await tab(page, "Holidays and leave", "Holidays and leave");
  const approved = page.getByRole("row", { name: /Family wedding/ });
  await expect(approved).toContainText("Approved");
  await expect(approved).toContainText(`By ${admin().name}`);
  await expect(approved).toContainText(name);
  await expect(approved.getByRole("button", { name: /^Approve/ })).toHaveCount(0);
});

test("a viewer reads the policies without a button that would be refused", async ({ page }, testInfo) => {
  await signIn(page, viewer());
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Policies" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Shifts" })).toBeVisible();
  await expect(page.getByText("Your role can read the policies but not change them.")).toBeVisible();
  await expect(page.getByRole("link", { name: "Add a shift" })).toHaveCount(0);
  await expect(page.getByRole("link", { name: /^Edit/ })).toHaveCount(0);
  await expect(page.getByRole("button", { name: /^Delete/ })).toHaveCount(0);
  await checkPage(page, "policies-shifts-viewer", testInfo);

  await tab(page, "Holidays and leave", "Holidays and leave");
  await expect(page.getByRole("link", { name: /^Add/ })).toHaveCount(0);
  await tab(page, "Pending leave", "Pending leave");
  await expect(page.getByRole("button", { name: /^Approve|^Reject/ })).toHaveCount(0);
  await checkPage(page, "policies-pending-viewer", testInfo);

  // The form's address typed by hand sends the viewer back to the list.
  await page.goto("/policies/shifts/new");
  await expect(page).toHaveURL(/\/policies\/shifts$/);
});
