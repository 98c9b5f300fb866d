// The console's own operator API (`/console/api/v1/operators*`, `/console/api/v1/audit`),
// for admins: the queries, the mutations and the cache keys of the Operators pages.

import { queryOptions } from "@tanstack/react-query";
import { call, consoleApi } from "../api/client";
import type { components } from "../api/console";

export type OperatorAccount = components["schemas"]["OperatorResponse"];
export type Role = components["schemas"]["Role"];
export type CreateOperatorBody = components["schemas"]["CreateOperatorRequest"];
export type UpdateOperatorBody = components["schemas"]["UpdateOperatorRequest"];
export type AuditEntry = components["schemas"]["AuditEntryResponse"];

export const ROLES: readonly Role[] = ["admin", "hr", "reception", "viewer"];

/** What each role may do (services/console/src/operators.rs, Role::permissions). */
export const ROLE_DESCRIPTIONS: Record<Role, string> = {
  admin: "Everything, and manages operators.",
  hr: "People and attendance, read and write; approves reviews, leave and manual entries.",
  reception: "Reads people and attendance, and records manual check-ins and check-outs, which wait for HR's approval.",
  viewer: "Reads people and attendance; changes nothing.",
};

/** What the audit page asks for: the console filters and pages. */
export interface AuditRequest {
  operatorId: string | undefined;
  /** Comma-separated events (an outcome's). */
  events: string | undefined;
  /** RFC 3339 instants: from (in), to (out). */
  from: string | undefined;
  to: string | undefined;
  offset: number;
  limit: number;
}

export const operatorKeys = {
  all: ["operators"] as const,
  list: () => [...operatorKeys.all, "list"] as const,
  one: (id: string) => [...operatorKeys.all, "one", id] as const,
  audit: (request: AuditRequest) => [...operatorKeys.all, "audit", request] as const,
};

export function operatorsQuery() {
  return queryOptions({
    queryKey: operatorKeys.list(),
    queryFn: async ({ signal }) => (await call(consoleApi.GET("/console/api/v1/operators", { signal }))).data,
  });
}

export function operatorQuery(id: string) {
  return queryOptions({
    queryKey: operatorKeys.one(id),
    queryFn: async ({ signal }) =>
      (await call(consoleApi.GET("/console/api/v1/operators/{operator_id}", { params: { path: { operator_id: id } }, signal })))
        .data,
  });
}

/** A page of the audit log, newest first, with how many entries match in all. */
export function auditQuery(request: AuditRequest) {
  return queryOptions({
    queryKey: operatorKeys.audit(request),
    queryFn: async ({ signal }) => {
      const body = await call(
        consoleApi.GET("/console/api/v1/audit", {
          params: {
            query: {
              operator_id: request.operatorId,
              event: request.events,
              from: request.from,
              to: request.to,
              offset: request.offset,
              limit: request.limit,
            },
          },
          signal,
        }),
      );
      return { entries: body.data, total: body.meta.total };
    },
  });
}

export async function createOperator(body: CreateOperatorBody): Promise<OperatorAccount> {
  return (await call(consoleApi.POST("/console/api/v1/operators", { body }))).data;
}

export async function updateOperator(id: string, body: UpdateOperatorBody): Promise<OperatorAccount> {
  return (await call(consoleApi.PATCH("/console/api/v1/operators/{operator_id}", { params: { path: { operator_id: id } }, body })))
    .data;
}

export async function resetPassword(id: string, newPassword: string): Promise<void> {
  await call(
    consoleApi.PUT("/console/api/v1/operators/{operator_id}/password", {
      params: { path: { operator_id: id } },
      body: { new_password: newPassword },
    }),
  );
}

/** Ends every session of the operator (of one's own account: every other one); how many ended. */
export async function revokeSessions(id: string): Promise<number> {
  return (await call(consoleApi.DELETE("/console/api/v1/operators/{operator_id}/sessions", { params: { path: { operator_id: id } } })))
    .data.ended;
}
