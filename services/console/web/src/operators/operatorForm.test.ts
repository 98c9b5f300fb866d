import { describe, expect, it } from "vitest";
import { EMPTY_OPERATOR, checkEmail, checkOperator, checkPassword, checkReset, toCreateOperator } from "./operatorForm";

describe("the operator form's checks (the console's, in the browser)", () => {
  it("takes emails as the console does, local domains included", () => {
    expect(checkEmail(" Ada@Example.COM ")).toBeUndefined();
    expect(checkEmail("admin@localhost")).toBeUndefined();
    for (const bad of ["", "no-at-sign", "a@", "@b", "Ada <ada@example.com>", "a@[127.0.0.1]", "a@b..c"]) {
      expect(checkEmail(bad), bad).toBeDefined();
    }
    expect(checkEmail(`${"a".repeat(250)}@example.com`)).toBe("Must be at most 254 characters.");
  });

  it("judges passwords by length alone (12 to 128 characters, no NUL)", () => {
    expect(checkPassword("short")).toBe("Must be at least 12 characters.");
    expect(checkPassword("correct horse battery")).toBeUndefined();
    // Characters, not bytes.
    expect(checkPassword("ünïcödé-päss")).toBeUndefined();
    expect(checkPassword("x".repeat(129))).toBe("Must be at most 128 characters.");
    expect(checkPassword("twelve chars\0!")).toBe("Must not contain NUL characters.");
  });

  it("names every bad field, and a confirmation that differs", () => {
    expect(checkOperator({ ...EMPTY_OPERATOR, email: "nope", display_name: " ", password: "short" }).fields).toEqual({
      email: ["Is not a valid email address."],
      display_name: ["Must not be empty."],
      password: ["Must be at least 12 characters."],
    });
    expect(
      checkOperator({ ...EMPTY_OPERATOR, email: "ana@example.com", display_name: "Ana", password: "correct horse battery", confirm_password: "correct horse" })
        .fields,
    ).toEqual({ confirm_password: ["The two passwords are not the same."] });
    expect(checkReset("correct horse battery", "correct horse battery").fields).toEqual({});
    expect(checkReset("short", "short").fields).toEqual({ new_password: ["Must be at least 12 characters."] });
  });

  it("sends the trimmed email and name, the role and the password as typed", () => {
    expect(
      toCreateOperator({ email: " ana@example.com ", display_name: " Ana ", role: "hr", password: " spaced password ", confirm_password: " spaced password " }),
    ).toEqual({ email: "ana@example.com", display_name: "Ana", role: "hr", password: " spaced password " });
  });
});
