// What an edit page shows before its item is there: loading, or why it is not (gone, or a
// refusal with its reason), with the way back to its list.

import type { UseQueryResult } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { Link } from "react-router";
import { ApiError } from "../api/client";
import { ErrorMessage } from "../components/ErrorSummary";
import { PageHeading } from "../components/PageHeading";
import { describeRefusal } from "../lib/refusal";

interface Props<T> {
  query: UseQueryResult<T>;
  /** "shift", "rule", "exception". */
  noun: string;
  title: string;
  back: { to: string; label: string };
  children: (data: T) => ReactNode;
}

export function Loaded<T>({ query, noun, title, back, children }: Props<T>) {
  if (query.isPending) {
    return (
      <p className="loading" role="status">
        Loading…
      </p>
    );
  }
  if (query.isError) {
    const missing = query.error instanceof ApiError && (query.error.status === 404 || query.error.status === 400);
    return (
      <section className="page">
        <PageHeading title={missing ? `No such ${noun}` : title} />
        <ErrorMessage onRetry={missing ? undefined : () => void query.refetch()}>
          {missing ? `There is no such ${noun}: it may have been deleted. ` : `The ${noun} could not be loaded: `}
          {describeRefusal(query.error)}
        </ErrorMessage>
        <p>
          <Link to={back.to}>{back.label}</Link>
        </p>
      </section>
    );
  }
  return <>{children(query.data)}</>;
}
