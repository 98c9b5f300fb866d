// attendance-api's policy routes through the console: shifts (`/sessions`), rules and
// exceptions (holidays, leave, special events) with their approval. The queries, the
// mutations and the cache keys the Policies pages share.

import { keepPreviousData, queryOptions } from "@tanstack/react-query";
import { attendanceApi, call } from "../api/client";
import type { components } from "../api/attendance-api";

export type Shift = components["schemas"]["SessionResponse"];
export type CreateShiftBody = components["schemas"]["CreateSessionRequest"];
export type UpdateShiftBody = components["schemas"]["UpdateSessionRequest"];
export type Rule = components["schemas"]["RuleResponse"];
export type CreateRuleBody = components["schemas"]["CreateRuleRequest"];
export type UpdateRuleBody = components["schemas"]["UpdateRuleRequest"];
export type PolicyException = components["schemas"]["ExceptionResponse"];
export type CreateExceptionBody = components["schemas"]["CreateExceptionRequest"];
export type UpdateExceptionBody = components["schemas"]["UpdateExceptionRequest"];
export type PageMeta = components["schemas"]["PageMeta"];

export interface Page<T> {
  items: T[];
  meta: PageMeta;
}

/** attendance-api's largest page. */
export const MAX_PAGE_SIZE = 100;
export const POLICY_PAGE_SIZE = 20;

export interface ShiftFilter {
  page: number;
  isActive: boolean | undefined;
  organization: string | undefined;
}

export interface RuleFilter {
  page: number;
  isActive: boolean | undefined;
}

export type ExceptionType = CreateExceptionBody["exception_type"];
export const EXCEPTION_TYPES: readonly ExceptionType[] = ["holiday", "leave", "special_event"];

/** Where an exception stands on approval (attendance-api's `approval_status`). */
export type ApprovalStatus = "pending" | "approved" | "rejected" | "not_required";
export const APPROVAL_STATUSES: readonly ApprovalStatus[] = ["pending", "approved", "rejected", "not_required"];

export interface ExceptionFilter {
  page: number;
  from: string | undefined;
  to: string | undefined;
  type: ExceptionType | undefined;
  /** `pending`: only what waits for a decision. */
  approval: ApprovalStatus | undefined;
  /** Only this organisation's holidays and events. */
  organization: string | undefined;
}

export const policyKeys = {
  all: ["policies"] as const,
  shifts: () => [...policyKeys.all, "shifts"] as const,
  shiftList: (filter: ShiftFilter) => [...policyKeys.shifts(), "list", filter] as const,
  activeShifts: () => [...policyKeys.shifts(), "active"] as const,
  shift: (id: string) => [...policyKeys.shifts(), "one", id] as const,
  rules: () => [...policyKeys.all, "rules"] as const,
  ruleList: (filter: RuleFilter) => [...policyKeys.rules(), "list", filter] as const,
  rule: (id: string) => [...policyKeys.rules(), "one", id] as const,
  exceptions: () => [...policyKeys.all, "exceptions"] as const,
  exceptionList: (filter: ExceptionFilter) => [...policyKeys.exceptions(), "list", filter] as const,
  pending: () => [...policyKeys.exceptions(), "pending"] as const,
  exception: (id: string) => [...policyKeys.exceptions(), "one", id] as const,
};

// --- shifts ------------------------------------------------------------------------------------

export function shiftsQuery(filter: ShiftFilter) {
  return queryOptions({
    queryKey: policyKeys.shiftList(filter),
    queryFn: async ({ signal }): Promise<Page<Shift>> => {
      const envelope = await call(
        attendanceApi.GET("/api/v1/attendance/sessions", {
          params: {
            query: {
              page: filter.page,
              page_size: POLICY_PAGE_SIZE,
              is_active: filter.isActive,
              organization: filter.organization,
            },
          },
          signal,
        }),
      );
      return { items: envelope.data, meta: envelope.meta };
    },
    placeholderData: keepPreviousData,
  });
}

/**
 * Every active shift (up to attendance-api's page of 100): what the page needs to say which
 * shift is in force for whom. `complete` is false when there are more than one page holds.
 */
export function activeShiftsQuery() {
  return queryOptions({
    queryKey: policyKeys.activeShifts(),
    queryFn: async ({ signal }): Promise<{ shifts: Shift[]; complete: boolean }> => {
      const envelope = await call(
        attendanceApi.GET("/api/v1/attendance/sessions", {
          params: { query: { page: 1, page_size: MAX_PAGE_SIZE, is_active: true } },
          signal,
        }),
      );
      return { shifts: envelope.data, complete: envelope.meta.total <= envelope.data.length };
    },
  });
}

export function shiftQuery(id: string) {
  return queryOptions({
    queryKey: policyKeys.shift(id),
    queryFn: async ({ signal }) =>
      (await call(attendanceApi.GET("/api/v1/attendance/sessions/{id}", { params: { path: { id } }, signal }))).data,
  });
}

export async function createShift(body: CreateShiftBody): Promise<Shift> {
  return (await call(attendanceApi.POST("/api/v1/attendance/sessions", { body }))).data;
}

export async function updateShift(id: string, body: UpdateShiftBody): Promise<Shift> {
  return (await call(attendanceApi.PATCH("/api/v1/attendance/sessions/{id}", { params: { path: { id } }, body }))).data;
}

export async function deleteShift(id: string): Promise<void> {
  await call(attendanceApi.DELETE("/api/v1/attendance/sessions/{id}", { params: { path: { id } } }));
}

// --- rules -------------------------------------------------------------------------------------

export function rulesQuery(filter: RuleFilter) {
  return queryOptions({
    queryKey: policyKeys.ruleList(filter),
    queryFn: async ({ signal }): Promise<Page<Rule>> => {
      const envelope = await call(
        attendanceApi.GET("/api/v1/attendance/rules", {
          params: {
            query: {
              page: filter.page,
              page_size: POLICY_PAGE_SIZE,
              is_active: filter.isActive,
            },
          },
          signal,
        }),
      );
      return { items: envelope.data, meta: envelope.meta };
    },
    placeholderData: keepPreviousData,
  });
}

/** The site's active rule, or null when none is (the defaults apply). */
export function activeRuleQuery() {
  return queryOptions({
    queryKey: [...policyKeys.rules(), "active"] as const,
    queryFn: async ({ signal }): Promise<Rule | null> => {
      const envelope = await call(
        attendanceApi.GET("/api/v1/attendance/rules", {
          params: { query: { page: 1, page_size: 1, is_active: true } },
          signal,
        }),
      );
      return envelope.data[0] ?? null;
    },
  });
}

export function ruleQuery(id: string) {
  return queryOptions({
    queryKey: policyKeys.rule(id),
    queryFn: async ({ signal }) =>
      (await call(attendanceApi.GET("/api/v1/attendance/rules/{id}", { params: { path: { id } }, signal }))).data,
  });
}

export async function createRule(body: CreateRuleBody): Promise<Rule> {
  return (await call(attendanceApi.POST("/api/v1/attendance/rules", { body }))).data;
}

export async function updateRule(id: string, body: UpdateRuleBody): Promise<Rule> {
  return (await call(attendanceApi.PATCH("/api/v1/attendance/rules/{id}", { params: { path: { id } }, body }))).data;
}

export async function deleteRule(id: string): Promise<void> {
  await call(attendanceApi.DELETE("/api/v1/attendance/rules/{id}", { params: { path: { id } } }));
}

// --- exceptions --------------------------------------------------------------------------------

export function exceptionsQuery(filter: ExceptionFilter) {
  return queryOptions({
    queryKey: policyKeys.exceptionList(filter),
    queryFn: async ({ signal }): Promise<Page<PolicyException>> => {
      const envelope = await call(
        attendanceApi.GET("/api/v1/attendance/exceptions", {
          params: {
            query: {
              page: filter.page,
              page_size: POLICY_PAGE_SIZE,
              from_date: filter.from,
              to_date: filter.to,
              exception_type: filter.type,
              approval_status: filter.approval,
              organization: filter.organization,
            },
          },
          signal,
        }),
      );
      return { items: envelope.data, meta: envelope.meta };
    },
    placeholderData: keepPreviousData,
  });
}

/** How many pages of undecided exceptions the pending queue reads at most (100 each). */
export const PENDING_SCAN_PAGES = 20;

/**
 * Every exception waiting for a decision (`approval_status=pending`), oldest date first: the
 * queue reads up to PENDING_SCAN_PAGES pages of them.
 */
export function pendingQuery() {
  return queryOptions({
    queryKey: policyKeys.pending(),
    queryFn: async ({ signal }): Promise<{ pending: PolicyException[]; complete: boolean }> => {
      const pending: PolicyException[] = [];
      let page = 1;
      let pages = 1;
      do {
        const envelope = await call(
          attendanceApi.GET("/api/v1/attendance/exceptions", {
            params: { query: { page, page_size: MAX_PAGE_SIZE, approval_status: "pending" } },
            signal,
          }),
        );
        pending.push(...envelope.data);
        pages = envelope.meta.totalPages;
        page += 1;
      } while (page <= pages && page <= PENDING_SCAN_PAGES);
      pending.sort((a, b) => a.exception_date.localeCompare(b.exception_date) || a.created_at.localeCompare(b.created_at));
      return { pending, complete: pages <= PENDING_SCAN_PAGES };
    },
    // Other operators decide too: the queue is refreshed while it is open.
    refetchInterval: 30_000,
  });
}

export function exceptionQuery(id: string) {
  return queryOptions({
    queryKey: policyKeys.exception(id),
    queryFn: async ({ signal }) =>
      (await call(attendanceApi.GET("/api/v1/attendance/exceptions/{id}", { params: { path: { id } }, signal }))).data,
  });
}

export async function createException(body: CreateExceptionBody): Promise<PolicyException> {
  return (await call(attendanceApi.POST("/api/v1/attendance/exceptions", { body }))).data;
}

export async function updateException(id: string, body: UpdateExceptionBody): Promise<PolicyException> {
  return (await call(attendanceApi.PATCH("/api/v1/attendance/exceptions/{id}", { params: { path: { id } }, body }))).data;
}

export async function deleteException(id: string): Promise<void> {
  await call(attendanceApi.DELETE("/api/v1/attendance/exceptions/{id}", { params: { path: { id } } }));
}

export async function decideException(id: string, decision: "approve" | "reject"): Promise<PolicyException> {
  const pending =
    decision === "approve"
      ? attendanceApi.POST("/api/v1/attendance/exceptions/{id}/approve", { params: { path: { id } } })
      : attendanceApi.POST("/api/v1/attendance/exceptions/{id}/reject", { params: { path: { id } } });
  return (await call(pending)).data;
}
