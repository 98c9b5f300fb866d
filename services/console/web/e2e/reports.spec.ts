// The Reports section against the real services. A month is seeded through the APIs for three
// persons of a department of their own: one checked in by hand today and approved, one with
// an approved day of leave, one whose check-in still waits for approval, and a holiday for
// everyone. The monthly sheet of the month must then show, for each of them and each day, the
// letter the rules give (worked out here from the seeded facts and the active rule's working
// days, not read back from the sheet), with the right totals per person and per day; the
// daily report charts today's arrivals; trends table the seeded days' figures.

import { expect, test, type Page } from "@playwright/test";
import fs from "node:fs";
import { admin, checkPage, signIn, unique, writeHeaders } from "./helpers";

interface Person {
  id: string;
  name: string;
}

/** Today where the e2e stack runs (SITE_TIMEZONE=UTC). */
function todayUtc(): string {
  return new Date().toISOString().slice(0, 10);
}

function isoDay(year: number, month: number, day: number): string {
  return `${year}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

/** 0 = Monday … 6 = Sunday. */
function weekday(date: string): number {
  return (new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7;
}

async function createPerson(page: Page, baseURL: string | undefined, first: string, department: string, organization: string): Promise<Person> {
  const last = unique("Sheet");
  const created = await page.request.post("/api/v1/persons", {
    headers: writeHeaders(baseURL),
    data: { first_name: first, last_name: last, email: `${last.toLowerCase()}@example.com`, department, organization },
  });
  expect(created.status(), await created.text()).toBe(201);
  const id = ((await created.json()) as { data: { id: string } }).data.id;
  return { id, name: `${first} ${last}` };
}

/** attendance-api learns of persons from person-api's events: waits until it knows them. */
async function waitForDirectory(page: Page, personId: string): Promise<void> {
  await expect
    .poll(async () => (await page.request.get(`/api/v1/attendance/status/${personId}`)).status(), {
      message: "attendance-api's directory hears of the person",
      timeout: 30_000,
    })
    .toBe(200);
}

async function post(page: Page, baseURL: string | undefined, path: string, data: unknown): Promise<unknown> {
  const response = await page.request.post(path, { headers: writeHeaders(baseURL), data });
  expect(response.ok(), `${path}: ${response.status()} ${await response.text()}`).toBe(true);
  return ((await response.json()) as { data: unknown }).data;
}

/** The person's record of `date`, as attendance-api has it. */
async function recordOf(page: Page, personId: string, date: string): Promise<{ id: string; status: string; check_in_time: string | null }> {
  const response = await page.request.get(`/api/v1/attendance/${personId}?from_date=${date}&to_date=${date}`);
  expect(response.ok(), await response.text()).toBe(true);
  const records = ((await response.json()) as { data: { id: string; status: string; check_in_time: string | null }[] }).data;
  expect(records).toHaveLength(1);
  const record = records[0];
  if (record === undefined) throw new Error("no record");
  return record;
}

/** The working days of the rule in force (Monday to Friday without one), as 0 = Monday … 6. */
async function workingDays(page: Page): Promise<Set<number>> {
  const response = await page.request.get("/api/v1/attendance/rules?is_active=true");
  expect(response.ok(), await response.text()).toBe(true);
  const rules = ((await response.json()) as { data: { working_days: number[] }[] }).data;
  return new Set(rules[0]?.working_days ?? [0, 1, 2, 3, 4]);
}

/** RFC 4180 as attendance-api writes it. */
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
    } else if (c === "\n") {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
    } else cell += c;
  }
  if (cell !== "" || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

const LETTERS: Record<string, string> = { present: "P", late: "LT", early_leave: "EL", absent: "A", pending: "PD" };

test("the monthly sheet of a seeded month shows the right letters and totals; the daily report charts the arrivals", async ({ page, baseURL }, testInfo) => {
  test.setTimeout(180_000);
  const today = todayUtc();
  const [year, month] = today.split("-").map(Number) as [number, number];
  const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const days = Array.from({ length: lastDay }, (_, i) => isoDay(year, month, i + 1));
  const monthParam = today.slice(0, 7);

  await signIn(page, admin());
  const working = await workingDays(page);
  const department = unique("Sheet dept ");
  const organization = unique("Sheet org ");
  const ada = await createPerson(page, baseURL, "Ada", department, organization);
  const bob = await createPerson(page, baseURL, "Bob", department, organization);
  const cara = await createPerson(page, baseURL, "Cara", department, organization);
  for (const p of [ada, bob, cara]) await waitForDirectory(page, p.id);

  // The holiday and the leave: working days of this month other than today and yesterday
  // (the other stories' days), the past ones first (they are over: the sheet decides them).
  const yesterday = new Date(Date.parse(`${today}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
  const candidates = days.filter((d) => d !== today && d !== yesterday && working.has(weekday(d)));
  const ordered = [...candidates.filter((d) => d < today).reverse(), ...candidates.filter((d) => d > today)];
  const holiday = ordered[0];
  const leaveDay = ordered[1];
  expect(holiday, "a working day for the holiday").toBeDefined();
  expect(leaveDay, "a working day for the leave").toBeDefined();
  if (holiday === undefined || leaveDay === undefined) return;

  // Seed: Ada checks in by hand, approved; Cara checks in, not yet approved; Bob takes a day
  // of leave, approved; a holiday for everyone.
  await post(page, baseURL, "/api/v1/attendance/check-in", { person_id: ada.id });
  await post(page, baseURL, "/api/v1/attendance/check-in", { person_id: cara.id });
  const adaPending = await recordOf(page, ada.id, today);
  await post(page, baseURL, `/api/v1/attendance/manual/${adaPending.id}/approve`, {});
  const adaDay = await recordOf(page, ada.id, today);
  expect(["present", "late"]).toContain(adaDay.status);
  const leave = (await post(page, baseURL, "/api/v1/attendance/exceptions", {
    person_id: bob.id,
    exception_date: leaveDay,
    exception_type: "leave",
    reason: "Reports story: a day of leave",
  })) as { id: string };
  await post(page, baseURL, `/api/v1/attendance/exceptions/${leave.id}/approve`, {});
  await post(page, baseURL, "/api/v1/attendance/exceptions", {
    exception_date: holiday,
    exception_type: "holiday",
    reason: unique("Reports story holiday "),
  });

  // What each cell must say, from the seeded facts and the rules' order (a record, a pending
  // entry, leave, a holiday, a day off, a working day over: absent; else nothing yet).
  const expected = (person: Person, date: string): string => {
    if (person === ada && date === today) return LETTERS[adaDay.status] ?? "?";
    if (person === cara && date === today) return "PD";
    if (person === bob && date === leaveDay) return "L";
    if (date === holiday) return "H";
    if (!working.has(weekday(date))) return "W";
    return date < today ? "A" : "";
  };
  const totalsOf = (person: Person) => {
    const letters = days.map((d) => expected(person, d));
    const count = (...ls: string[]) => letters.filter((l) => ls.includes(l)).length;
    return { present: count("P", "LT", "EL"), late: count("LT"), absent: count("A"), leave: count("L"), holiday: count("H"), pending: count("PD") };
  };

  // --- the monthly sheet, filtered through its form ---------------------------------------
  await page.goto(`/reports/monthly?month=${monthParam}`);
  await expect(page.getByRole("heading", { level: 1, name: "Monthly sheet" })).toBeVisible();
  await page.getByLabel("Department", { exact: true }).fill(department);
  await page.getByLabel("Organisation", { exact: true }).fill(organization);
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page).toHaveURL(/department=/);
  const sheet = page.getByTestId("monthly-sheet");
  const rows = sheet.getByTestId("sheet-row");
  await expect(rows).toHaveCount(3);
  // Name order: Ada, Bob, Cara.
  await expect(rows.nth(0)).toHaveAttribute("data-person-id", ada.id);
  await expect(rows.nth(1)).toHaveAttribute("data-person-id", bob.id);
  await expect(rows.nth(2)).toHaveAttribute("data-person-id", cara.id);

  for (const person of [ada, bob, cara]) {
    const row = sheet.locator(`[data-testid="sheet-row"][data-person-id="${person.id}"]`);
    const shown = await row.locator('[data-testid="sheet-cell"]').evaluateAll((cells) =>
      cells.map((c) => `${c.getAttribute("data-date")}=${c.querySelector('[aria-hidden="true"]')?.textContent ?? ""}`),
    );
    expect(shown, `${person.name}'s row`).toEqual(days.map((d) => `${d}=${expected(person, d)}`));
    const totals = totalsOf(person);
    for (const [key, value] of Object.entries(totals)) {
      await expect(row.locator(`[data-total="${key}"]`), `${person.name}'s ${key}`).toHaveText(String(value));
    }
  }
  // Each day's totals over the three: today one present (Ada), the leave day one on leave.
  const dayTotal = (key: string, date: string) => sheet.locator(`[data-testid="sheet-day-totals"][data-total="${key}"] td[data-date="${date}"]`);
  await expect(dayTotal("present", today)).toHaveText("1");
  await expect(dayTotal("late", today)).toHaveText(adaDay.status === "late" ? "1" : "0");
  await expect(dayTotal("pending", today)).toHaveText("1");
  await expect(dayTotal("leave", leaveDay)).toHaveText("1");
  await expect(dayTotal("absent", holiday)).toHaveText("0");
  const lastPast = [...days].reverse().find((d) => d < today && d !== holiday && d !== leaveDay && working.has(weekday(d)));
  if (lastPast !== undefined) await expect(dayTotal("absent", lastPast)).toHaveText("3");
  // Colour and letter: the legend names every letter the sheet uses.
  const legend = page.getByTestId("sheet-legend");
  for (const label of ["Present", "Late", "Absent", "On leave", "Holiday", "Weekend", "Pending approval"]) await expect(legend).toContainText(label);
  await checkPage(page, "reports-monthly", testInfo);

  // The CSV: every filtered person (all pages), the same letters.
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("sheet-csv").click()]);
  const csv = parseCsv(fs.readFileSync(await download.path(), "utf8"));
  const header = csv[0] ?? [];
  expect(header.slice(0, 2)).toEqual(["person_id", "name"]);
  const adaLine = csv.find((r) => r[0] === ada.id);
  expect(adaLine?.[header.indexOf(today)]).toBe(LETTERS[adaDay.status]);
  expect(csv.find((r) => r[0] === bob.id)?.[header.indexOf(leaveDay)]).toBe("L");
  expect(csv.slice(1).map((r) => r[0]).sort()).toEqual([ada.id, bob.id, cara.id].sort());

  // A page of one person at a time: the pager moves through them, the month kept.
  await page.goto(`/reports/monthly?month=${monthParam}&department=${encodeURIComponent(department)}&page_size=10`);
  await expect(rows).toHaveCount(3);
  await page.getByRole("button", { name: /Previous month/ }).click();
  await expect(page).toHaveURL(/month=\d{4}-\d{2}/);
  await expect(page).not.toHaveURL(new RegExp(`month=${monthParam}`));
  await expect(page.getByTestId("monthly-sheet")).toBeVisible();
  await page.getByRole("button", { name: "This month" }).click();
  await expect(page).toHaveURL(new RegExp(`month=${monthParam}`));

  // --- the daily report of today, the department's arrivals -------------------------------
  await page.getByRole("navigation", { name: "Reports" }).getByRole("link", { name: "Daily report" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Daily report" })).toBeVisible();
  await page.getByLabel("Day", { exact: true }).fill(today);
  await page.getByRole("button", { name: "Show", exact: true }).click();
  await page.getByLabel("Department", { exact: true }).selectOption({ label: department });
  await expect(page.getByRole("heading", { name: `Counts: ${department}` })).toBeVisible();
  const counts = page.getByTestId("daily-counts");
  await expect(counts.locator(".stat").filter({ hasText: "Expected" })).toContainText("3");
  await expect(counts.locator(".stat").filter({ hasText: "Present" })).toContainText("1");
  // Ada's and Cara's check-ins, charted (the chart library loaded and drew) and tabled.
  const chart = page.getByTestId("arrivals-chart");
  await expect(chart).toHaveAttribute("data-drawn", "true");
  await expect(chart.locator("canvas")).toHaveCount(1);
  await expect(chart.locator(".chart__summary")).toContainText("2 check-ins");
  await page.getByText("The arrivals as a table").click();
  const quarters = await page.getByTestId("arrivals-table").locator("tbody td").allTextContents();
  expect(quarters.reduce((sum, n) => sum + Number(n), 0)).toBe(2);
  const persons = page.getByTestId("daily-persons");
  await expect(persons.locator(`[data-person-id="${ada.id}"]`)).toHaveAttribute("data-status", adaDay.status);
  await expect(persons.locator(`[data-person-id="${cara.id}"]`)).toHaveAttribute("data-status", "pending");
  await expect(persons.locator(`[data-person-id="${bob.id}"]`)).toHaveAttribute("data-status", "no_record");
  await expect(page.getByTestId("daily-csv")).toHaveAttribute("href", `/api/v1/attendance/reports/daily?date=${today}&format=csv`);
  await checkPage(page, "reports-daily", testInfo);

  // --- trends of the department over the month so far ----------------------------------------
  // Trends count records: today Ada's (Cara's still waits for approval, Bob has none); the
  // days before have no record of theirs, so nothing was expected of them there.
  const firstDay = isoDay(year, month, 1);
  await page.getByRole("navigation", { name: "Reports" }).getByRole("link", { name: "Trends" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Trends" })).toBeVisible();
  await page.getByLabel("From", { exact: true }).fill(firstDay);
  await page.getByLabel("To", { exact: true }).fill(today);
  await page.getByLabel("Department", { exact: true }).fill(department);
  await page.getByRole("button", { name: "Show", exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`from_date=${firstDay}&to_date=${today}`));
  const table = page.getByTestId("trends-table");
  await expect(table).toHaveAttribute("data-series", department);
  await expect(table.getByTestId("trends-row")).toHaveCount(days.filter((d) => d <= today).length);
  const arrival = (adaDay.check_in_time ?? "").slice(11, 16);
  const late = adaDay.status === "late" ? "1" : "0";
  await expect(table.locator(`[data-period="${today}"] td`)).toHaveText(["1", "1", late, "0", "100 %", arrival, arrival, "—"]);
  if (holiday < today) await expect(table.locator(`[data-period="${holiday}"] td`)).toHaveText(["0", "0", "0", "0", "0 %", "—", "—", "—"]);
  await expect(page.getByTestId("trend-chart-presence")).toHaveAttribute("data-drawn", "true");
  const csvQuery = new URLSearchParams({ from_date: firstDay, to_date: today, department, interval: "day", format: "csv" });
  await expect(page.getByTestId("trends-csv")).toHaveAttribute("href", `/api/v1/attendance/reports/trends?${csvQuery.toString()}`);
  const [series] = await Promise.all([page.waitForEvent("download"), page.getByTestId("trends-csv").click()]);
  const seriesCsv = parseCsv(fs.readFileSync(await series.path(), "utf8"));
  const head = seriesCsv[0] ?? [];
  const todayLine = seriesCsv.find((r) => r[head.indexOf("period_start")] === today);
  expect(todayLine?.[head.indexOf("present")]).toBe("1");
  await checkPage(page, "reports-trends", testInfo);

  // Departments compared: the department's own line and table, with the picker.
  await page.getByLabel("Compare departments", { exact: true }).check();
  await page.getByRole("button", { name: "Show", exact: true }).click();
  await expect(page).toHaveURL(/by_department=true/);
  await expect(page.getByRole("group", { name: "Departments on the charts" })).toBeVisible();
  await expect(page.getByTestId("trends-table")).toHaveAttribute("data-series", department);
  await expect(page.getByTestId("trend-chart-late")).toHaveAttribute("data-drawn", "true");
  await checkPage(page, "reports-trends-compare", testInfo);
});
