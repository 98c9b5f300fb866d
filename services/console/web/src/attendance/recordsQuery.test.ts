// The records page's URL state: read back exactly as written, malformed values dropped, page 1
// after any filter change, and the CSV link holding the same filters without the paging.

import { describe, expect, it } from "vitest";
import {
  DEFAULT_RECORDS_QUERY,
  applyDraft,
  csvHref,
  draftOf,
  hasRecordFilters,
  isIsoDate,
  parseRecordsQuery,
  toApiQuery,
  toSearchParams,
  updateRecordsQuery,
  type RecordsQuery,
} from "./recordsQuery";

const PERSON = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";

const FILTERED: RecordsQuery = {
  page: 3,
  pageSize: 50,
  personId: PERSON,
  fromDate: "2026-11-01",
  toDate: "2026-11-30",
  status: "late",
  department: "Research & Development",
  source: "manual",
};

describe("records filters in the URL", () => {
  it("reads back what it writes", () => {
    const params = toSearchParams(FILTERED);
    expect(parseRecordsQuery(new URLSearchParams(params.toString()))).toEqual(FILTERED);
  });

  it("leaves the defaults out, so the plain page has a plain URL", () => {
    expect(toSearchParams(DEFAULT_RECORDS_QUERY).toString()).toBe("");
    expect(parseRecordsQuery(new URLSearchParams())).toEqual(DEFAULT_RECORDS_QUERY);
  });

  it("drops what is malformed instead of sending it", () => {
    const query = parseRecordsQuery(
      new URLSearchParams("person_id=nope&from_date=2026-02-30&to_date=yesterday&status=sleeping&page=-2&page_size=7&department=%20%20&source=camera"),
    );
    expect(query).toEqual(DEFAULT_RECORDS_QUERY);
  });

  it("keeps a person id in lower case and bounds the page", () => {
    const query = parseRecordsQuery(new URLSearchParams(`person_id=${PERSON.toUpperCase()}&page=999999999`));
    expect(query.personId).toBe(PERSON);
    expect(query.page).toBe(100_000);
  });

  it("goes back to page 1 when a filter changes, not when the page does", () => {
    expect(updateRecordsQuery(FILTERED, { status: "absent" }).page).toBe(1);
    expect(updateRecordsQuery(FILTERED, { page: 4 }).page).toBe(4);
    expect(updateRecordsQuery(FILTERED, { pageSize: 20 }).page).toBe(1);
  });

  it("asks the API for the page with its names", () => {
    expect(toApiQuery(FILTERED)).toEqual({
      page: 3,
      page_size: 50,
      person_id: PERSON,
      from_date: "2026-11-01",
      to_date: "2026-11-30",
      status: "late",
      department: "Research & Development",
      source: "manual",
    });
  });

  it("downloads the CSV of exactly these filters, without paging (the API refuses a paged CSV)", () => {
    const href = csvHref(FILTERED);
    const url = new URL(href, "http://console.test");
    expect(url.pathname).toBe("/api/v1/attendance");
    expect(Object.fromEntries(url.searchParams)).toEqual({
      person_id: PERSON,
      from_date: "2026-11-01",
      to_date: "2026-11-30",
      status: "late",
      department: "Research & Development",
      source: "manual",
      format: "csv",
    });
    expect(csvHref(DEFAULT_RECORDS_QUERY)).toBe("/api/v1/attendance?format=csv");
  });

  it("knows when a filter is set", () => {
    expect(hasRecordFilters(DEFAULT_RECORDS_QUERY)).toBe(false);
    expect(hasRecordFilters({ ...DEFAULT_RECORDS_QUERY, page: 2 })).toBe(false);
    expect(hasRecordFilters({ ...DEFAULT_RECORDS_QUERY, toDate: "2026-01-01" })).toBe(true);
  });
});

describe("the filter form", () => {
  it("applies a draft as a change of the query", () => {
    const result = applyDraft({ ...draftOf(DEFAULT_RECORDS_QUERY), fromDate: "2026-11-01", department: "  Sales ", status: "pending", source: "auto" });
    expect(result).toEqual({
      ok: true,
      change: { personId: undefined, fromDate: "2026-11-01", toDate: undefined, status: "pending", department: "Sales", source: "auto" },
    });
  });

  it("refuses a reversed range beside the first day, as the API would", () => {
    const result = applyDraft({ ...draftOf(DEFAULT_RECORDS_QUERY), fromDate: "2026-12-02", toDate: "2026-12-01" });
    expect(result).toEqual({ ok: false, errors: { from_date: ["The first day must not be after the last day."] } });
  });

  it("refuses a date that does not exist and a department over the API's bound", () => {
    const result = applyDraft({ ...draftOf(DEFAULT_RECORDS_QUERY), toDate: "2026-02-29", department: "x".repeat(101) });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(Object.keys(result.errors).sort()).toEqual(["department", "to_date"]);
  });

  it("round-trips the query through the draft", () => {
    const result = applyDraft(draftOf(FILTERED));
    expect(result.ok && updateRecordsQuery(FILTERED, result.change)).toEqual({ ...FILTERED, page: 1 });
  });
});

describe("isIsoDate", () => {
  it("accepts real dates only", () => {
    expect(isIsoDate("2024-02-29")).toBe(true);
    expect(isIsoDate("2026-02-29")).toBe(false);
    expect(isIsoDate("2026-1-01")).toBe(false);
    expect(isIsoDate("2026-13-01")).toBe(false);
  });
});
