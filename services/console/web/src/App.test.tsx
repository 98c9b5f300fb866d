import { act, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { json, mockFetch, renderApp } from "./test/render";
import { SESSION, VIEWER } from "./test/session";

const PERSON = {
  id: "11111111-1111-4111-8111-111111111111",
  first_name: "Ada",
  last_name: "Lovelace",
  email: "ada@example.com",
  phone: null,
  person_type: "employee",
  id_number: "E-1",
  id_type: null,
  department: "Engineering",
  organization: null,
  status: "active",
  face_encoding_count: 2,
  enrolled_at: null,
  last_face_enrolled: null,
  createdAt: "2026-01-02T10:00:00Z",
  updatedAt: "2026-01-02T10:00:00Z",
};

const notSignedIn = () => json(401, { success: false, error: { code: "not_signed_in", message: "not signed in" } });
const page = (persons: unknown[], total = persons.length) =>
  json(200, { success: true, data: persons, meta: { page: 1, pageSize: 20, total, totalPages: Math.ceil(total / 20) } });

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe("signing in", () => {
  it("sends a visitor to sign in, then back where they were", async () => {
    let signedIn = false;
    const { requests } = mockFetch((r) => {
      const path = new URL(r.url).pathname;
      if (path === "/console/api/v1/session" && r.method === "GET") return signedIn ? json(200, { success: true, data: SESSION }) : notSignedIn();
      if (path === "/console/api/v1/session" && r.method === "POST") {
        signedIn = true;
        return json(200, { success: true, data: SESSION });
      }
      if (path === "/api/v1/persons") return page([PERSON]);
      return undefined;
    });
    renderApp("/people?status=active");
    const email = await screen.findByLabelText(/email/i);
    expect(window.location.pathname).toBe("/sign-in");
    const user = userEvent.setup();
    await user.type(email, "hr@example.com");
    await user.type(screen.getByLabelText(/password/i), "correct horse battery");
    await user.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByRole("link", { name: "Ada Lovelace" })).toBeTruthy();
    expect(window.location.pathname + window.location.search).toBe("/people?status=active");
    expect(screen.getByText("Hana Reyes")).toBeTruthy();
    const post = requests.find((r) => r.method === "POST");
    expect(post?.headers.get("X-Faceattend-Csrf")).toBe("1");
    expect(await post?.clone().json()).toEqual({ email: "hr@example.com", password: "correct horse battery" });
  });

  it("says so accessibly when the password is wrong", async () => {
    mockFetch((r) =>
      r.method === "GET"
        ? notSignedIn()
        : json(401, { success: false, error: { code: "invalid_credentials", message: "invalid email or password" } }),
    );
    renderApp("/sign-in");
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText(/email/i), "hr@example.com");
    await user.type(screen.getByLabelText(/password/i), "wrong");
    await user.click(screen.getByRole("button", { name: "Sign in" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("The email or password is not right.");
    expect((screen.getByLabelText(/password/i) as HTMLInputElement).value).toBe("");
  });

  it("shows a 429's wait as 'try again in N s', counting down", async () => {
    mockFetch((r) =>
      r.method === "GET"
        ? notSignedIn()
        : json(429, { success: false, error: { code: "too_many_attempts", message: "too many attempts" } }, { "Retry-After": "3" }),
    );
    renderApp("/sign-in");
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText(/email/i), "hr@example.com");
    await user.type(screen.getByLabelText(/password/i), "x");
    await user.click(screen.getByRole("button", { name: "Sign in" }));
    const button = await screen.findByRole("button", { name: /try again in 3 s/i });
    expect((button as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByRole("alert").textContent).toMatch(/Try again in 3 s/);
    await waitFor(() => expect(screen.getByRole("button", { name: "Sign in" })).toBeTruthy(), { timeout: 5000 });
  }, 10_000);

  it("puts a 422's reasons beside the fields", async () => {
    mockFetch((r) =>
      r.method === "GET"
        ? notSignedIn()
        : json(422, {
            success: false,
            error: {
              code: "validation_failed",
              message: "invalid fields",
              details: [{ field: "email", code: "invalid_email", message: "is not an email address" }],
            },
          }),
    );
    renderApp("/sign-in");
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText(/email/i), "nope");
    await user.type(screen.getByLabelText(/password/i), "x");
    await user.click(screen.getByRole("button", { name: "Sign in" }));
    await screen.findByText("Is not an email address.");
    const email = screen.getByLabelText(/email/i);
    expect(email.getAttribute("aria-invalid")).toBe("true");
    expect(email.getAttribute("aria-describedby")).toBe("email-error");
  });
});

describe("the session ending", () => {
  it("sends the operator to sign in from wherever a 401 comes, and back after", async () => {
    let expired = false;
    mockFetch((r) => {
      const path = new URL(r.url).pathname;
      if (path === "/console/api/v1/session" && r.method === "GET") return expired ? notSignedIn() : json(200, { success: true, data: SESSION });
      if (path === "/api/v1/persons") {
        if (expired) return json(401, { success: false, error: { code: "session_expired", message: "the session has ended" } });
        return page([PERSON]);
      }
      return undefined;
    });
    renderApp("/people");
    await screen.findByRole("link", { name: "Ada Lovelace" });
    expired = true;
    const user = userEvent.setup();
    await user.selectOptions(screen.getByLabelText("Status"), "inactive");
    await user.click(screen.getByRole("button", { name: "Apply filters" }));
    await screen.findByText(/your session has ended/i);
    expect(window.location.pathname).toBe("/sign-in");
    expect(new URLSearchParams(window.location.search).get("next")).toBe("/people?status=inactive");
  });
});

describe("signing out", () => {
  it("ends the session and shows the plain sign-in page, saying so", async () => {
    let signedIn = true;
    const { requests } = mockFetch((r) => {
      const path = new URL(r.url).pathname;
      if (path === "/console/api/v1/session" && r.method === "GET") return signedIn ? json(200, { success: true, data: SESSION }) : notSignedIn();
      if (path === "/console/api/v1/session" && r.method === "DELETE") {
        signedIn = false;
        return new Response(null, { status: 204 });
      }
      if (path === "/api/v1/persons") return page([PERSON]);
      return undefined;
    });
    renderApp("/people");
    await screen.findByRole("link", { name: "Ada Lovelace" });
    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: "Sign out" }));
    expect(await screen.findByText("You have signed out.")).toBeTruthy();
    expect(window.location.pathname + window.location.search).toBe("/sign-in");
    expect(requests.find((r) => r.method === "DELETE")?.headers.get("X-Faceattend-Csrf")).toBe("1");
  });
});

describe("permissions", () => {
  it("shows a viewer no button that needs persons:write", async () => {
    mockFetch((r) => {
      const path = new URL(r.url).pathname;
      if (path === "/console/api/v1/session") return json(200, { success: true, data: VIEWER });
      if (path === "/api/v1/persons") return page([PERSON]);
      if (path === `/api/v1/persons/${PERSON.id}`) return json(200, { success: true, data: PERSON });
      return undefined;
    });
    renderApp("/people");
    await screen.findByRole("link", { name: "Ada Lovelace" });
    expect(screen.queryByRole("link", { name: /add a person/i })).toBeNull();
    await act(async () => {
      await userEvent.setup().click(screen.getByRole("link", { name: "Ada Lovelace" }));
    });
    await screen.findByRole("heading", { name: "Ada Lovelace" });
    expect(screen.queryByRole("link", { name: /edit/i })).toBeNull();
    expect(screen.queryByRole("button", { name: /delete/i })).toBeNull();
  });
});

describe("a page that does not exist", () => {
  it("is a 404 page inside the shell", async () => {
    mockFetch((r) => (new URL(r.url).pathname === "/console/api/v1/session" ? json(200, { success: true, data: SESSION }) : undefined));
    renderApp("/nowhere");
    expect(await screen.findByRole("heading", { name: "Page not found" })).toBeTruthy();
    expect(screen.getByRole("link", { name: "Skip to content" })).toBeTruthy();
  });
});

describe("the person form", () => {
  it("shows the API's reasons beside each field and loses nothing typed", async () => {
    const bodies: unknown[] = [];
    mockFetch(async (r) => {
      const path = new URL(r.url).pathname;
      if (path === "/console/api/v1/session") return json(200, { success: true, data: SESSION });
      if (path === "/api/v1/persons" && r.method === "POST") {
        bodies.push(await r.clone().json());
        if (bodies.length === 1)
          return json(422, {
            success: false,
            error: {
              code: "validation_failed",
              message: "invalid fields",
              details: [{ field: "phone", code: "invalid_phone", message: "must be an E.164 phone number" }],
            },
          });
        return json(409, { success: false, error: { code: "email_taken", message: "email already used" } });
      }
      return undefined;
    });
    renderApp("/people/new");
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText(/first name/i), "Grace");
    await user.type(screen.getByLabelText(/last name/i), "Hopper");
    await user.type(screen.getByLabelText(/^email/i), "grace@example.com");
    await user.type(screen.getByLabelText(/phone/i), "12");
    await user.type(screen.getByLabelText(/department/i), "Navy");
    await user.click(screen.getByRole("button", { name: "Add person" }));
    await screen.findByText("Must be an E.164 phone number.");
    expect(screen.getByLabelText(/phone/i).getAttribute("aria-invalid")).toBe("true");
    expect(bodies[0]).toEqual({
      first_name: "Grace",
      last_name: "Hopper",
      email: "grace@example.com",
      phone: "12",
      department: "Navy",
      person_type: "employee",
      status: "active",
    });
    expect((screen.getByLabelText(/department/i) as HTMLInputElement).value).toBe("Navy");
    await user.clear(screen.getByLabelText(/phone/i));
    await user.click(screen.getByRole("button", { name: "Add person" }));
    await screen.findByText("Email already used.");
    expect(screen.getByLabelText(/^email/i).getAttribute("aria-invalid")).toBe("true");
    expect((screen.getByLabelText(/first name/i) as HTMLInputElement).value).toBe("Grace");
  });
});

describe("Today", () => {
  it("shows the daily report's counts for today's date", async () => {
    const { requests } = mockFetch((r) => {
      const path = new URL(r.url).pathname;
      if (path === "/console/api/v1/session") return json(200, { success: true, data: SESSION });
      if (path === "/api/v1/attendance/reports/daily")
        return json(200, {
          success: true,
          data: {
            date: "2026-01-05",
            total_persons: 40,
            present: 30,
            absent: 10,
            late: 4,
            presence_percentage: 75,
            by_department: [{ department: "Engineering", total_persons: 10, present: 9, absent: 1, late: 2, presence_percentage: 90 }],
            persons: [],
          },
        });
      return undefined;
    });
    renderApp("/");
    await screen.findByText("75 %");
    expect(window.location.pathname).toBe("/today");
    expect(screen.getByText("30")).toBeTruthy();
    expect(screen.getByText("75 %")).toBeTruthy();
    expect(screen.getByRole("rowheader", { name: "Engineering" })).toBeTruthy();
    const report = requests.find((r) => r.url.includes("/reports/daily"));
    expect(new URL(report?.url ?? "").searchParams.get("date")).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });
});
