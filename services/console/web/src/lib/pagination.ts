// The People page's state lives in its URL (a link or a reload shows the same page): the
// page, its size, the search and the filters. These read it and write it back.

export const PAGE_SIZES = [10, 20, 50, 100] as const;
export type PageSize = (typeof PAGE_SIZES)[number];
export const DEFAULT_PAGE_SIZE: PageSize = 20;
/** person-api's bound on `page`. */
export const MAX_PAGE = 100_000;

export const PERSON_STATUSES = ["active", "inactive", "archived"] as const;
export type PersonStatusFilter = (typeof PERSON_STATUSES)[number];
export const PERSON_TYPES = ["employee", "visitor", "contractor"] as const;
export type PersonTypeFilter = (typeof PERSON_TYPES)[number];

export interface PeopleQuery {
  page: number;
  pageSize: PageSize;
  /** A search on the search route; the filters do not apply to it. */
  q: string | undefined;
  status: PersonStatusFilter | undefined;
  personType: PersonTypeFilter | undefined;
  department: string | undefined;
  organization: string | undefined;
  hasFaces: boolean | undefined;
}

export const DEFAULT_PEOPLE_QUERY: PeopleQuery = {
  page: 1,
  pageSize: DEFAULT_PAGE_SIZE,
  q: undefined,
  status: undefined,
  personType: undefined,
  department: undefined,
  organization: undefined,
  hasFaces: undefined,
};

function oneOf<T extends string>(values: readonly T[], raw: string | null): T | undefined {
  return values.find((v) => v === raw);
}

function text(raw: string | null): string | undefined {
  const t = raw?.trim();
  return t === undefined || t === "" ? undefined : t;
}

/** Reads the URL's query; whatever is missing or invalid takes its default. */
export function parsePeopleQuery(params: URLSearchParams): PeopleQuery {
  const rawPage = params.get("page");
  const page =
    rawPage !== null && /^\d+$/.test(rawPage) ? Math.min(Math.max(Number(rawPage), 1), MAX_PAGE) : 1;
  const rawSize = Number(params.get("page_size"));
  const pageSize = PAGE_SIZES.find((s) => s === rawSize) ?? DEFAULT_PAGE_SIZE;
  const faces = params.get("has_faces");
  return {
    page,
    pageSize,
    q: text(params.get("q")),
    status: oneOf(PERSON_STATUSES, params.get("status")),
    personType: oneOf(PERSON_TYPES, params.get("person_type")),
    department: text(params.get("department")),
    organization: text(params.get("organization")),
    hasFaces: faces === "true" ? true : faces === "false" ? false : undefined,
  };
}

/** The URL query of a state, without its defaults (so the plain page has a plain URL). */
export function toSearchParams(query: PeopleQuery): URLSearchParams {
  const params = new URLSearchParams();
  if (query.q !== undefined) params.set("q", query.q);
  if (query.status !== undefined) params.set("status", query.status);
  if (query.personType !== undefined) params.set("person_type", query.personType);
  if (query.department !== undefined) params.set("department", query.department);
  if (query.organization !== undefined) params.set("organization", query.organization);
  if (query.hasFaces !== undefined) params.set("has_faces", String(query.hasFaces));
  if (query.pageSize !== DEFAULT_PAGE_SIZE) params.set("page_size", String(query.pageSize));
  if (query.page !== 1) params.set("page", String(query.page));
  return params;
}

/**
 * A change to the state. Any change but the page's own goes back to page 1: page 7 of one
 * filter means nothing under another.
 */
export function updatePeopleQuery(query: PeopleQuery, change: Partial<PeopleQuery>): PeopleQuery {
  const next = { ...query, ...change };
  const onlyPage = Object.keys(change).every((k) => k === "page");
  if (!onlyPage) next.page = change.page ?? 1;
  return next;
}

/** Whether any filter (not the search) is set. */
export function hasFilters(query: PeopleQuery): boolean {
  return (
    query.status !== undefined ||
    query.personType !== undefined ||
    query.department !== undefined ||
    query.organization !== undefined ||
    query.hasFaces !== undefined
  );
}

/** The number of pages for a total, at least 1. */
export function pageCount(total: number, pageSize: number): number {
  return Math.max(1, Math.ceil(total / pageSize));
}
