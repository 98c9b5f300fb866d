// The Attendance section against the real services: records filtered by person and date (the
// filters in the URL), the CSV download holding exactly the filtered set, a manual check-in
// made through the form waiting in the approval queue and approved there with one click, the
// record then showing its decided status and who approved it, and the person's month showing
// that day; a camera's sighting of an enrolled person (camera-agent started here, playing a
// video made now from the development photos: skipped without them, failed under CI) corrected
// on its record's page with a reason, which the record's history shows under the operator's
// name; a viewer reads all of it without a button that would be refused.

import { expect, test, type Page } from "@playwright/test";
import fs from "node:fs";
import { admin, checkPage, facePhoto, sampleVideo, signIn, startCameraAgent, unique, viewer, writeHeaders } from "./helpers";

interface Created {
  id: string;
  first: string;
  last: string;
}

/** A person added through the console's API with the signed-in operator's session. */
async function createPerson(page: Page, baseURL: string | undefined, first: string, department: string): Promise<Created> {
  const last = unique(first === "Ada" ? "Lovelace" : "Babbage");
  const created = await page.request.post("/api/v1/persons", {
    headers: writeHeaders(baseURL),
    data: { first_name: first, last_name: last, email: `${last.toLowerCase()}@example.com`, department },
  });
  expect(created.status(), await created.text()).toBe(201);
  const id = ((await created.json()) as { data: { id: string } }).data.id;
  return { id, first, last };
}

/**
 * attendance-api learns of persons from person-api's events: until its directory has them, a
 * manual entry is refused with person_not_found. Waits for the person's status to answer.
 */
/** A `datetime-local` value (`YYYY-MM-DDTHH:MM`) of `at` in the browser's (and this process's) time zone. */
function localDateTime(at: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(at.getHours())}:${pad(at.getMinutes())}`;
}

async function waitForDirectory(page: Page, personId: string): Promise<void> {
  await expect
    .poll(async () => (await page.request.get(`/api/v1/attendance/status/${personId}`)).status(), {
      message: "attendance-api's directory hears of the person",
      timeout: 30_000,
    })
    .toBe(200);
}

/** Today's date where the e2e stack runs (SITE_TIMEZONE=UTC). */
function todayUtc(): string {
  return new Date().toISOString().slice(0, 10);
}

function yesterdayUtc(): string {
  return new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
}

/** RFC 4180 as attendance-api writes it (quoted fields may hold commas and quotes). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 1;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(cell);
      cell = "";
    } else if (c === "\r" && text[i + 1] === "\n") {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
      i += 1;
    } else cell += c;
  }
  if (cell !== "" || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

/** Chooses a person in a picker by searching for their last name. */
async function choosePerson(page: Page, pickerId: string, person: Created): Promise<void> {
  const picker = page.locator(`#${pickerId}`);
  await picker.getByLabel("Find by name, email or id number").fill(person.last);
  await picker.getByRole("button", { name: "Find a person" }).click();
  await picker.getByRole("button", { name: new RegExp(`Choose ${person.first} ${person.last}`) }).click();
  await expect(page.getByTestId(`${pickerId}-chosen`)).toHaveText(`${person.first} ${person.last}`);
}

test("records filtered by person and date, their CSV, a manual check-in approved from the queue, and the person's month", async ({ page, baseURL }, testInfo) => {
  test.setTimeout(120_000);
  const today = todayUtc();
  await signIn(page, admin());
  const ada = await createPerson(page, baseURL, "Ada", "Engineering");
  const charles = await createPerson(page, baseURL, "Charles", "Mathematics");
  await waitForDirectory(page, ada.id);
  await waitForDirectory(page, charles.id);

  // Charles checks in through the API (seed); Ada at the desk, through the form.
  const seeded = await page.request.post("/api/v1/attendance/check-in", { headers: writeHeaders(baseURL), data: { person_id: charles.id } });
  expect(seeded.status(), await seeded.text()).toBe(200);

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Attendance" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Attendance" })).toBeVisible();
  await page.getByRole("navigation", { name: "Attendance" }).getByRole("link", { name: "Manual entries" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Manual entries" })).toBeVisible();
  const entry = page.getByTestId("manual-entry");
  await choosePerson(page, "manual-person", ada);
  // She arrived a few minutes ago (today still) and nobody saw her on a camera: the time she
  // came and why it is entered by hand. A time tomorrow is refused beside the field first.
  const when = entry.getByLabel("When");
  await when.fill(localDateTime(new Date(Date.now() + 86_400_000)));
  await entry.getByRole("button", { name: "Check in" }).click();
  await expect(entry.getByText("The time cannot be later than now.")).toBeVisible();
  const arrived = new Date(Math.max(Date.now() - 5 * 60_000, Date.parse(`${today}T00:00:00Z`)));
  arrived.setSeconds(0, 0);
  await when.fill(localDateTime(arrived));
  const reason = "Forgot to look at the camera";
  await entry.getByLabel(/^Reason/).fill(reason);
  await entry.getByRole("button", { name: "Check in" }).click();
  await expect(entry.getByRole("status")).toContainText(`Ada ${ada.last} checked in at`);
  await expect(entry.getByRole("status")).toContainText("waiting for approval");

  // A second check-in of the same day (Ada is still chosen) is refused, with the API's reason
  // and code.
  await expect(page.getByTestId("manual-person-chosen")).toHaveText(`Ada ${ada.last}`);
  await entry.getByRole("button", { name: "Check in" }).click();
  await expect(entry.getByRole("alert")).toContainText("(already_checked_in)");

  // Both wait in the queue; Ada's is approved with one click.
  const queue = page.getByTestId("approval-queue");
  const adaRow = queue.locator(`[data-testid="record-row"][data-person-id="${ada.id}"]`);
  await expect(adaRow).toContainText("Pending");
  await expect(queue.locator(`[data-testid="record-row"][data-person-id="${charles.id}"]`)).toBeVisible();
  await checkPage(page, "attendance-manual", testInfo);
  const adaRecordId = await adaRow.getAttribute("data-record-id");
  expect(adaRecordId).toBeTruthy();
  await adaRow.getByRole("button", { name: new RegExp(`^Approve Ada ${ada.last}'s entry`) }).click();
  const approved = queue.getByRole("status").filter({ hasText: "Approved:" });
  await expect(approved).toContainText(`Approved: Ada ${ada.last}'s record of`);
  await expect(adaRow).toHaveCount(0);
  await expect(queue.locator(`[data-testid="record-row"][data-person-id="${charles.id}"]`)).toBeVisible();

  // What it became, as the API says it.
  const afterApproval = await page.request.get(`/api/v1/attendance/${ada.id}?from_date=${today}&to_date=${today}`);
  expect(afterApproval.ok()).toBe(true);
  const adaDay = ((await afterApproval.json()) as { data: { id: string; status: string; check_in_time: string }[] }).data;
  expect(adaDay).toHaveLength(1);
  expect(adaDay[0]?.id).toBe(adaRecordId);
  // At the time given, not when it was entered.
  expect(Date.parse(adaDay[0]?.check_in_time ?? "")).toBe(arrived.getTime());
  const status = adaDay[0]?.status ?? "";
  expect(status).not.toBe("pending");
  const statusLabels: Record<string, string> = { present: "Present", late: "Late", early_leave: "Early leave", absent: "Absent" };

  // The record shows the approval: who and when, in its summary and its history.
  await page.goto(`/attendance/records/${adaRecordId}`);
  await expect(page.getByRole("heading", { level: 1, name: new RegExp(`^Ada ${ada.last}, `) })).toBeVisible();
  const me = admin();
  await expect(page.getByTestId("record-summary")).toContainText(`Approved by ${me.name}`);
  await expect(page.getByTestId("evidence-check-in")).toContainText("Entered by hand");
  const approvedEntry = page.locator('[data-testid="history-entry"][data-action="manual_approved"]');
  await expect(approvedEntry).toContainText("Approved the manual entry");
  await expect(approvedEntry.getByTestId("history-actor")).toContainText(me.name);
  const checkInEntry = page.locator('[data-testid="history-entry"][data-action="manual_check_in"]');
  await expect(checkInEntry).toContainText(me.name);
  await expect(checkInEntry).toContainText(reason);

  // Records: filtered by Ada and today, the filters in the URL.
  await page.getByRole("navigation", { name: "Attendance" }).getByRole("link", { name: "Records" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Attendance" })).toBeVisible();
  await expect(page.locator('[data-testid="record-row"]').first()).toBeVisible();
  await checkPage(page, "attendance-records", testInfo);
  await choosePerson(page, "filter-person", ada);
  await page.getByLabel("From").fill(today);
  await page.getByLabel("To").fill(today);
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page).toHaveURL(new RegExp(`person_id=${ada.id}`));
  await expect(page).toHaveURL(new RegExp(`from_date=${today}&to_date=${today}`));
  const rows = page.locator('[data-testid="record-row"]');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute("data-record-id", adaRecordId ?? "");
  await expect(rows.first()).toContainText(`Ada ${ada.last}`);
  await expect(rows.first()).toContainText(statusLabels[status] ?? status);
  await expect(rows.first()).toContainText("Manual");
  // How late she was, beside the day (a dash when she was not).
  await expect(rows.first().locator('[data-label="Late by"]')).toHaveText(status === "late" ? /\d+ (min|h)/ : "—");
  await checkPage(page, "attendance-records-filtered", testInfo);

  // A reload shows the same filtered records.
  await page.reload();
  await expect(rows).toHaveCount(1);
  await expect(page.getByTestId("filter-person-chosen")).toHaveText(`Ada ${ada.last}`);

  // The CSV: exactly the filtered set, whatever else the database holds.
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("records-csv").click()]);
  const file = await download.path();
  const csv = parseCsv(fs.readFileSync(file, "utf8"));
  expect(csv[0]?.slice(0, 3)).toEqual(["id", "person_id", "attendance_date"]);
  expect(csv.slice(1).map((r) => [r[0], r[1], r[2], r[10]])).toEqual([[adaRecordId, ada.id, today, status]]);

  // Without the person: today's records of everyone (other stories' too), every page of them,
  // as the list route has them, Ada's and Charles's among them.
  await page.goto(`/attendance?from_date=${today}&to_date=${today}`);
  const charlesRow = page.locator(`[data-testid="record-row"][data-person-id="${charles.id}"]`);
  await expect(charlesRow).toBeVisible();
  const charlesRecordId = await charlesRow.getAttribute("data-record-id");
  const listed = await page.request.get(`/api/v1/attendance?from_date=${today}&to_date=${today}&page_size=100`);
  const listedIds = ((await listed.json()) as { data: { id: string }[] }).data.map((r) => r.id);
  const tableIds = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-record-id")));
  expect(listedIds).toEqual(expect.arrayContaining(tableIds));
  const [all] = await Promise.all([page.waitForEvent("download"), page.getByTestId("records-csv").click()]);
  const allIds = parseCsv(fs.readFileSync(await all.path(), "utf8"))
    .slice(1)
    .map((r) => r[0]);
  expect([...allIds].sort()).toEqual([...listedIds].sort());
  expect(allIds).toEqual(expect.arrayContaining([adaRecordId, charlesRecordId]));

  // Another day's filter finds nothing of theirs.
  await page.goto(`/attendance?person_id=${ada.id}&from_date=${yesterdayUtc()}&to_date=${yesterdayUtc()}`);
  await expect(page.getByRole("table").locator("caption")).toHaveText("No record matches these filters.");

  // Ada's month: today's cell has the approved status, its letter, and leads to the record.
  await page.goto(`/people/${ada.id}`);
  await expect(page.getByRole("heading", { level: 1, name: `Ada ${ada.last}` })).toBeVisible();
  const day = page.locator(`[data-testid="calendar-day"][data-date="${today}"]`);
  await expect(day).toHaveAttribute("data-status", status);
  await expect(day).toContainText(statusLabels[status] ?? status);
  await expect(day).toHaveAttribute("href", `/attendance/records/${adaRecordId}`);
  await expect(page.getByTestId("month-statistics")).toBeVisible();
  await page.getByTestId("person-month").scrollIntoViewIfNeeded();
  await checkPage(page, "person-month", testInfo);

  // The previous month, and back.
  await page.getByRole("button", { name: /^← Previous month:/ }).click();
  await expect(page).toHaveURL(/month=\d{4}-\d{2}/);
  await expect(day).toHaveCount(0);
  await page.getByRole("button", { name: "This month" }).click();
  await expect(day).toHaveAttribute("data-status", status);
});

test("a viewer reads records and the queue without a button the API would refuse", async ({ page, browser, baseURL }, testInfo) => {
  // A pending entry made by an admin in a browser of their own.
  const adminContext = await browser.newContext({ baseURL });
  const adminPage = await adminContext.newPage();
  await signIn(adminPage, admin());
  const person = await createPerson(adminPage, baseURL, "Charles", "Mathematics");
  await waitForDirectory(adminPage, person.id);
  const made = await adminPage.request.post("/api/v1/attendance/check-in", { headers: writeHeaders(baseURL), data: { person_id: person.id } });
  expect(made.status(), await made.text()).toBe(200);
  await adminContext.close();

  await signIn(page, viewer());
  await page.goto("/attendance/manual");
  await expect(page.getByRole("heading", { level: 1, name: "Manual entries" })).toBeVisible();
  const row = page.getByTestId("approval-queue").locator(`[data-testid="record-row"][data-person-id="${person.id}"]`);
  await expect(row).toContainText("Waiting for HR");
  await expect(page.getByRole("button", { name: /^(Approve|Reject)/ })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Check in" })).toHaveCount(0);
  await checkPage(page, "attendance-manual-viewer", testInfo);

  // The API agrees: a viewer's approval is refused.
  const recordId = await row.getAttribute("data-record-id");
  const refused = await page.request.post(`/api/v1/attendance/manual/${recordId}/approve`, { headers: writeHeaders(baseURL), data: {} });
  expect(refused.status(), await refused.text()).toBe(403);

  await page.goto(`/attendance?person_id=${person.id}`);
  await expect(page.locator('[data-testid="record-row"]')).toHaveCount(1);
  await expect(page.getByTestId("records-csv")).toBeVisible();
});

test("a camera's sighting is corrected on its record's page, and the history names who did it", async ({ page, browser, baseURL }, testInfo) => {
  test.setTimeout(240_000);
  const enrolPhotos = ["person05/img16.jpg", "person05/img17.jpg", "person05/img61.jpg"].map(facePhoto);
  const seenPhotos = ["person05/img59.jpg"].map(facePhoto);
  const today = todayUtc();
  const me = admin();
  await signIn(page, me);
  const person = await createPerson(page, baseURL, "Ada", "Engineering");
  for (const photo of enrolPhotos) {
    const enrolled = await page.request.post(`/api/v1/persons/${person.id}/enroll`, {
      headers: writeHeaders(baseURL),
      data: { frame_data: fs.readFileSync(photo).toString("base64"), use_largest_face: true },
      timeout: 60_000,
    });
    expect(enrolled.ok(), await enrolled.text()).toBe(true);
  }
  const video = sampleVideo(seenPhotos, `attendance-${person.last}`);

  // The camera sees them: a record of today appears (checked in, or waiting in review if the
  // confidence is between the thresholds), resting on its sightings.
  const agent = await startCameraAgent({ id: "front-door", video, role: "entry" });
  let recordId: string | undefined;
  try {
    await expect
      .poll(
        async () => {
          const response = await page.request.get(`/api/v1/attendance/${person.id}?from_date=${today}&to_date=${today}`);
          if (!response.ok()) return undefined;
          recordId = ((await response.json()) as { data: { id: string }[] }).data[0]?.id;
          return recordId;
        },
        { message: "a record of the camera's sighting", timeout: 120_000 },
      )
      .toBeTruthy();
  } finally {
    await agent.stop();
  }

  // From the records list to the record's page.
  await page.goto(`/attendance?person_id=${person.id}`);
  await page.locator(`[data-testid="record-row"][data-record-id="${recordId}"]`).getByRole("link", { name: /the record/ }).click();
  await expect(page.getByRole("heading", { level: 1, name: new RegExp(`^Ada ${person.last}, `) })).toBeVisible();
  const sightings = page.getByTestId("sighting-row");
  await expect(sightings.first()).toContainText("front-door");
  await expect(sightings.first()).toContainText("entry camera");
  const firstSighting = await sightings.first().getAttribute("data-detection-id");

  // Its evidence: the frame and the face the camera kept, served through the console.
  const evidence = page.getByTestId("evidence-check-in");
  if ((await evidence.locator("img").count()) > 0) {
    const image = evidence.locator("img").last();
    await image.scrollIntoViewIfNeeded();
    await expect.poll(() => image.evaluate((img: HTMLImageElement) => (img.complete ? img.naturalWidth : 0)), { message: "the snapshot loads" }).toBeGreaterThan(0);
    await expect(evidence).toContainText("front-door");
  }
  await checkPage(page, "attendance-record", testInfo);

  // A correction without a reason is refused beside the reason, nothing sent.
  await sightings.first().getByRole("button", { name: /^Correct/ }).click();
  const form = page.getByTestId("correction-form");
  await expect(form.locator(`#correction-sighting-${firstSighting}`)).toBeChecked();
  await form.getByLabel("It was them, arriving (a check-in)").check();
  await form.getByRole("button", { name: "Save the correction" }).click();
  await expect(form.locator("#correction-reason-error")).toContainText("Give a reason");
  await checkPage(page, "attendance-record-correction-refused", testInfo);

  const reason = `Seen at the front desk by ${unique("guard")}`;
  await form.getByLabel(/^Reason/).fill(reason);
  await form.getByRole("button", { name: "Save the correction" }).click();
  await expect(form.getByRole("status")).toContainText("The correction is saved: the day is now");

  const corrected = page.locator('[data-testid="history-entry"][data-action="detection_corrected"]');
  await expect(corrected).toHaveCount(1);
  await expect(corrected).toContainText("Corrected a sighting: confirmed as check-in");
  await expect(corrected).toContainText(reason);
  await expect(corrected.getByTestId("history-actor")).toHaveText(`${me.name} (you)`);
  await expect(sightings.first()).toContainText(`check in by ${me.name}`);
  await checkPage(page, "attendance-record-corrected", testInfo);

  // Another operator reads the same history with the operator's name, and no correction form.
  const viewerContext = await browser.newContext({ baseURL });
  const viewerPage = await viewerContext.newPage();
  await signIn(viewerPage, viewer());
  await viewerPage.goto(`/attendance/records/${recordId}`);
  const seenByViewer = viewerPage.locator('[data-testid="history-entry"][data-action="detection_corrected"]');
  await expect(seenByViewer.getByTestId("history-actor")).toHaveText(me.name);
  await expect(seenByViewer).toContainText(reason);
  await expect(viewerPage.getByTestId("correction-form")).toHaveCount(0);
  await expect(viewerPage.getByRole("button", { name: /^Correct/ })).toHaveCount(0);
  await checkPage(viewerPage, "attendance-record-viewer", testInfo);
  await viewerContext.close();
});
