// A viewer reads People but cannot add anyone: the button is not there, and a write made with
// their session anyway is refused by the API.

import { expect, test } from "@playwright/test";
import { admin, checkPage, signIn, unique, viewer, writeHeaders } from "./helpers";

function personBody(last: string) {
  return {
    first_name: "Grace",
    last_name: last,
    email: `${last.toLowerCase()}@example.com`,
    person_type: "employee",
    status: "active",
  };
}

test("a viewer does not see the add-person button and the API refuses their write", async ({ page, baseURL }, testInfo) => {
  const me = viewer();
  await signIn(page, me);
  await expect(page.getByRole("banner")).toContainText(me.name);
  await expect(page.getByRole("banner")).toContainText("Viewer");

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "People" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "People" })).toBeVisible();
  await expect(page.getByRole("table")).toBeVisible();
  await expect(page.getByRole("link", { name: "Add a person" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: /add/i })).toHaveCount(0);
  await checkPage(page, "people-viewer", testInfo);

  // The form's address typed by hand sends the viewer back to People.
  await page.goto("/people/new");
  await expect(page).toHaveURL(/\/people$/);

  // A write with the viewer's session, made as the app would make it (same origin, the CSRF
  // header): the console passes it on with the viewer's permissions, and it is refused.
  const last = unique("Hopper");
  const refused = await page.request.post("/api/v1/persons", {
    headers: { "X-Faceattend-Csrf": "1", Origin: baseURL ?? "" },
    data: personBody(last),
  });
  const refusal = await refused.text();
  expect(refused.status(), refusal).toBe(403);
  expect(refusal).not.toContain("csrf_failed");

  // Nothing was created: searching for them finds no one.
  await page.goto(`/people?q=${last}`);
  await expect(page.getByRole("table").locator("caption")).toHaveText(`No one matches “${last}”.`);
});

test("the same write with an admin's session is accepted (the refusal above is the role's)", async ({ page, baseURL }) => {
  await signIn(page, admin());
  const last = unique("Hopper");
  const accepted = await page.request.post("/api/v1/persons", {
    headers: { "X-Faceattend-Csrf": "1", Origin: baseURL ?? "" },
    data: personBody(last),
  });
  expect(accepted.status(), await accepted.text()).toBe(201);
});

test("a viewer sees a person's faces without the enrol controls, and the API refuses their enrolment", async ({ browser, page, baseURL }, testInfo) => {
  // The person, added by an admin in a browser of their own.
  const adminContext = await browser.newContext({ baseURL });
  const adminPage = await adminContext.newPage();
  await signIn(adminPage, admin());
  const last = unique("Hopper");
  const created = await adminPage.request.post("/api/v1/persons", { headers: writeHeaders(baseURL), data: personBody(last) });
  expect(created.status(), await created.text()).toBe(201);
  const personId = ((await created.json()) as { data: { id: string } }).data.id;
  await adminContext.close();

  await signIn(page, viewer());
  await page.goto(`/people/${personId}`);
  await expect(page.getByRole("heading", { level: 1, name: `Grace ${last}` })).toBeVisible();
  await expect(page.getByTestId("faces-section")).toBeVisible();
  await expect(page.getByTestId("faces-empty")).toBeVisible();
  await expect(page.getByTestId("enrol-file-input")).toHaveCount(0);
  await expect(page.getByTestId("enrol-dropzone")).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Start the camera" })).toHaveCount(0);
  await expect(page.getByRole("link", { name: /Edit more details/ })).toHaveCount(0);
  await checkPage(page, "person-viewer", testInfo);

  // An enrolment sent with the viewer's session as the app would send it: refused by the role.
  const refused = await page.request.post(`/api/v1/persons/${personId}/enroll`, {
    headers: writeHeaders(baseURL),
    data: { frame_data: Buffer.from("not a photo").toString("base64") },
  });
  const refusal = await refused.text();
  expect(refused.status(), refusal).toBe(403);
  expect(refusal).not.toContain("csrf_failed");
});
