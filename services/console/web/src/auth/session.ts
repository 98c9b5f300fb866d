// The signed-in operator: read from the console, kept in TanStack Query's cache under
// SESSION_KEY (null when no one is signed in).

import { useQuery, type QueryClient } from "@tanstack/react-query";
import { ApiError, call, consoleApi } from "../api/client";
import type { components } from "../api/console";

export type Session = components["schemas"]["SessionResponse"];
export type Operator = Session["operator"];
export type Role = Operator["role"];

export const SESSION_KEY = ["session"] as const;

/** The current session, or null when the console answers 401 (not signed in, or it ended). */
export async function fetchSession(): Promise<Session | null> {
  try {
    const envelope = await call(consoleApi.GET("/console/api/v1/session"));
    return envelope.data;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return null;
    throw error;
  }
}

export function useSession() {
  return useQuery({
    queryKey: SESSION_KEY,
    queryFn: fetchSession,
    staleTime: 60_000,
    refetchOnWindowFocus: true,
    retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 2,
  });
}

/** The session, once loaded by RequireSession: only for pages inside the app's shell. */
export function useSignedIn(): Session {
  const { data } = useSession();
  if (data === undefined || data === null) {
    throw new Error("useSignedIn outside a signed-in page");
  }
  return data;
}

/** Whether the operator's role grants a permission, e.g. `persons:write`. */
export function can(session: Session | null | undefined, permission: string): boolean {
  return session?.permissions.includes(permission) ?? false;
}

export function usePermission(permission: string): boolean {
  const { data } = useSession();
  return can(data, permission);
}

/** Forgets everything fetched for an operator (their data must not show to the next one). */
export function forgetSession(queryClient: QueryClient): void {
  queryClient.removeQueries({ predicate: (q) => q.queryKey[0] !== SESSION_KEY[0] });
  queryClient.setQueryData(SESSION_KEY, null);
}

export const ROLE_LABELS: Record<string, string> = {
  admin: "Administrator",
  hr: "HR",
  reception: "Reception",
  viewer: "Viewer",
};

export function roleLabel(role: string): string {
  return ROLE_LABELS[role] ?? role;
}
