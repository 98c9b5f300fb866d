import { describe, expect, it } from "vitest";
import {
  DEFAULT_PEOPLE_QUERY,
  MAX_PAGE,
  hasFilters,
  pageCount,
  parsePeopleQuery,
  toSearchParams,
  updatePeopleQuery,
} from "./pagination";

const parse = (search: string) => parsePeopleQuery(new URLSearchParams(search));

describe("the People page's state in its URL", () => {
  it("defaults to the first page of 20, unfiltered", () => {
    expect(parse("")).toEqual(DEFAULT_PEOPLE_QUERY);
  });

  it("reads the page, its size, the search and every filter", () => {
    expect(
      parse("page=3&page_size=50&q=ann&status=inactive&person_type=visitor&department=Sales&organization=ACME&has_faces=false"),
    ).toEqual({
      page: 3,
      pageSize: 50,
      q: "ann",
      status: "inactive",
      personType: "visitor",
      department: "Sales",
      organization: "ACME",
      hasFaces: false,
    });
  });

  it("takes the default for what is invalid", () => {
    const query = parse("page=-2&page_size=33&status=gone&person_type=&has_faces=yes&q=%20%20");
    expect(query).toEqual(DEFAULT_PEOPLE_QUERY);
    expect(parse("page=abc").page).toBe(1);
    expect(parse("page=2.5").page).toBe(1);
    expect(parse("page=0").page).toBe(1);
    expect(parse("page=999999999").page).toBe(MAX_PAGE);
  });

  it("writes back without the defaults, and reads back the same", () => {
    expect(toSearchParams(DEFAULT_PEOPLE_QUERY).toString()).toBe("");
    const query = parse("page=2&page_size=100&status=active&has_faces=true&department=R%26D");
    const written = toSearchParams(query);
    expect(written.get("department")).toBe("R&D");
    expect(parsePeopleQuery(written)).toEqual(query);
  });

  it("goes back to page 1 when a filter, the search or the size changes", () => {
    const onPage5 = parse("page=5&status=active");
    expect(updatePeopleQuery(onPage5, { status: "archived" }).page).toBe(1);
    expect(updatePeopleQuery(onPage5, { q: "bob" }).page).toBe(1);
    expect(updatePeopleQuery(onPage5, { pageSize: 50 }).page).toBe(1);
    expect(updatePeopleQuery(onPage5, { page: 6 })).toMatchObject({ page: 6, status: "active" });
  });

  it("knows whether filters are set, and counts pages", () => {
    expect(hasFilters(parse("q=x"))).toBe(false);
    expect(hasFilters(parse("has_faces=false"))).toBe(true);
    expect(pageCount(0, 20)).toBe(1);
    expect(pageCount(20, 20)).toBe(1);
    expect(pageCount(21, 20)).toBe(2);
    expect(pageCount(100_000, 100)).toBe(1000);
  });
});
