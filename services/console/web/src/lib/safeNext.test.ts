import { describe, expect, it } from "vitest";
import { safeNext, signInUrl } from "./safeNext";

describe("safeNext", () => {
  it("keeps a path of the app with its query and fragment", () => {
    expect(safeNext("/people?page=2&status=active")).toBe("/people?page=2&status=active");
    expect(safeNext("/people/abc#faces")).toBe("/people/abc#faces");
  });

  it("refuses anything that leaves the console", () => {
    for (const next of ["https://evil.example/", "//evil.example", "/\\evil.example", "javascript:alert(1)", "people", "/\u0000x", ""]) {
      expect(safeNext(next)).toBe("/");
    }
    expect(safeNext(null)).toBe("/");
  });

  it("never loops back to sign-in", () => {
    expect(safeNext("/sign-in?next=/people")).toBe("/");
  });

  it("builds the sign-in URL that comes back", () => {
    expect(signInUrl("/people?page=3")).toBe("/sign-in?next=%2Fpeople%3Fpage%3D3");
    expect(signInUrl("/")).toBe("/sign-in");
  });
});
