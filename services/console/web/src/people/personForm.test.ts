import { describe, expect, it } from "vitest";
import { EMPTY_PERSON, toCreateBody, toUpdateBody, type PersonFormValues } from "./personForm";

const filled: PersonFormValues = {
  ...EMPTY_PERSON,
  first_name: "Ada",
  last_name: "Lovelace",
  email: " ada@example.com ",
  department: "Engineering",
};

describe("the person form's requests", () => {
  it("creates with what is filled in, and no empty optional field", () => {
    expect(toCreateBody(filled)).toEqual({
      first_name: "Ada",
      last_name: "Lovelace",
      email: "ada@example.com",
      person_type: "employee",
      status: "active",
      department: "Engineering",
    });
  });

  it("updates only what changed; an emptied optional field becomes null", () => {
    const changed = { ...filled, department: "", phone: "+44 20 7946 0958", status: "inactive" as const };
    expect(toUpdateBody(changed, filled)).toEqual({ department: null, phone: "+44 20 7946 0958", status: "inactive" });
    expect(toUpdateBody(filled, filled)).toEqual({});
  });

  it("sends an emptied name as it is, so the API says why beside the field", () => {
    expect(toUpdateBody({ ...filled, first_name: "" }, filled)).toEqual({ first_name: "" });
  });
});
