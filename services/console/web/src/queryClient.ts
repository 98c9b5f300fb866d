import { QueryClient } from "@tanstack/react-query";
import { ApiError } from "./api/client";

export function makeQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 30_000,
        // A 4xx will answer the same again; a lost connection or a 503 may not.
        retry: (count, error) => !(error instanceof ApiError && error.status >= 400 && error.status < 500 && error.status !== 429) && count < 2,
      },
      mutations: { retry: false },
    },
  });
}
