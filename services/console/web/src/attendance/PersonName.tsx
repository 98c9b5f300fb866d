// A person named by id in attendance data (which holds ids only): their name from person-api,
// linked to their page; a person since deleted is said to be so, with the id's first block.

import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { ApiError } from "../api/client";
import { fullName, personQuery } from "../people/api";
import { shortId } from "./format";

/** Names do not change often: one look-up per person serves every row and page for a while. */
const NAME_STALE_MS = 5 * 60_000;

export function usePersonName(personId: string): { name: string | undefined; gone: boolean; pending: boolean } {
  const person = useQuery({ ...personQuery(personId), staleTime: NAME_STALE_MS });
  const gone = person.error instanceof ApiError && (person.error.status === 404 || person.error.status === 400);
  return { name: person.data === undefined ? undefined : fullName(person.data), gone, pending: person.isPending };
}

export function PersonName({ personId, link = true }: { personId: string; link?: boolean }) {
  const { name, gone, pending } = usePersonName(personId);
  if (name !== undefined) {
    return link ? <Link to={`/people/${personId}`}>{name}</Link> : <>{name}</>;
  }
  if (gone) return <span className="muted">Deleted person ({shortId(personId)})</span>;
  // Loading, or person-api unreachable: the id still says who it is.
  return (
    <span className="muted" aria-busy={pending}>
      {link ? <Link to={`/people/${personId}`}>Person {shortId(personId)}</Link> : `Person ${shortId(personId)}`}
    </span>
  );
}
