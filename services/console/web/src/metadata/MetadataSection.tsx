// A person's metadata on their page: address, emergency contact, preferences and custom
// fields, read-only, with a link to edit them for operators with persons:write.

import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { ErrorMessage } from "../components/ErrorSummary";
import { describeError } from "../lib/errors";
import { formatDate } from "../people/api";
import { metadataQuery, type JsonObject } from "./api";
import "../styles/metadata.css";

interface Props {
  personId: string;
  name: string;
  canWrite: boolean;
}

export function MetadataSection({ personId, name, canWrite }: Props) {
  const metadata = useQuery(metadataQuery(personId));
  return (
    <section aria-labelledby="metadata-heading" data-testid="metadata-section">
      <h2 id="metadata-heading" className="section-heading">
        More details
      </h2>
      {metadata.isPending ? (
        <p className="loading" role="status">
          Loading details…
        </p>
      ) : metadata.isError ? (
        <ErrorMessage onRetry={() => void metadata.refetch()}>The details could not be loaded: {describeError(metadata.error)}</ErrorMessage>
      ) : (
        <dl className="details">
          <Row term="Address">{metadata.data.address ?? "—"}</Row>
          <Row term="Emergency contact">{metadata.data.emergency_contact ?? "—"}</Row>
          <Row term="Emergency phone">{metadata.data.emergency_phone ?? "—"}</Row>
          <Row term="Preferences">
            <Entries object={metadata.data.preferences} />
          </Row>
          <Row term="Custom fields">
            <Entries object={metadata.data.custom_fields} />
          </Row>
          <Row term="Details updated">{formatDate(metadata.data.updatedAt)}</Row>
        </dl>
      )}
      {canWrite ? (
        <p>
          <Link to={`/people/${personId}/metadata`} className="button">
            Edit more details<span className="visually-hidden"> of {name}</span>
          </Link>
        </p>
      ) : null}
    </section>
  );
}

function Row({ term, children }: { term: string; children: React.ReactNode }) {
  return (
    <div className="details__row">
      <dt>{term}</dt>
      <dd>{children}</dd>
    </div>
  );
}

/** An object's entries: strings as they are, any other value as JSON. */
function Entries({ object }: { object: JsonObject }) {
  const entries = Object.entries(object);
  if (entries.length === 0) return <>—</>;
  return (
    <ul className="metadata__list">
      {entries.map(([key, value]) => (
        <li key={key}>
          <span className="metadata__key">{key}</span>: {typeof value === "string" ? value : <code>{JSON.stringify(value)}</code>}
        </li>
      ))}
    </ul>
  );
}
