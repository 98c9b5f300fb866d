// The strangers: faces no enrolled person came close to, one entry per camera track (an
// appearance), with its best capture, the capture's quality (warned when low), camera, first
// and last sighting and how many sightings it had; "Enrol this face as…" for operators who
// may enrol (persons:write). Filtered by period (at most 31 days, attendance-api's bound) and
// camera; the API's field reasons show beside the fields.

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link } from "react-router";
import { usePermission } from "../auth/session";
import { ErrorMessage } from "../components/ErrorSummary";
import { TextField } from "../components/Field";
import { formatQuality } from "../faces/reasons";
import { mapRefusal } from "../lib/refusal";
import { fullName, type Person } from "../people/api";
import { unknownFacesQuery, type UnknownFace, type UnknownFilter } from "./api";
import { EnrolCaptureDialog } from "./EnrolCaptureDialog";
import { FaceCrop } from "./Evidence";
import { cameraText, formatDateTime, isLowQuality } from "./format";

const FILTER_FIELDS = ["from_date", "to_date", "camera_id"] as const;

function groupKey(group: UnknownFace): string {
  return `${group.camera_id}/${group.track_id ?? group.best.detection_id}`;
}

const text = (value: string) => (value.trim() === "" ? undefined : value.trim());

export function UnknownFaces() {
  const canEnrol = usePermission("persons:write");
  const [draft, setDraft] = useState({ from: "", to: "", camera: "" });
  const [filter, setFilter] = useState<UnknownFilter>({ from: undefined, to: undefined, camera: undefined, page: 1 });
  const faces = useQuery({ ...unknownFacesQuery(filter), placeholderData: keepPreviousData });
  const [enrolling, setEnrolling] = useState<UnknownFace | null>(null);
  const [enrolled, setEnrolled] = useState<Record<string, Person>>({});

  const errors = faces.isError ? mapRefusal(faces.error, FILTER_FIELDS) : undefined;
  const apply = (event: FormEvent) => {
    event.preventDefault();
    setFilter({ from: text(draft.from), to: text(draft.to), camera: text(draft.camera), page: 1 });
  };
  const clear = () => {
    setDraft({ from: "", to: "", camera: "" });
    setFilter({ from: undefined, to: undefined, camera: undefined, page: 1 });
  };
  const filtered = filter.from !== undefined || filter.to !== undefined || filter.camera !== undefined;
  const data = faces.data;

  return (
    <div className="unknown" data-testid="unknown-faces">
      <p className="page__lead">
        Faces no enrolled person came close to, one entry per appearance (a camera's track), the best capture shown. A repeat visitor can be
        enrolled from a capture.
      </p>
      <form className="filters unknown__filters" onSubmit={apply} aria-label="Unknown faces filters" noValidate>
        <TextField
          id="unknown-from"
          label="From"
          type="date"
          value={draft.from}
          onChange={(from) => setDraft((d) => ({ ...d, from }))}
          hint="Default: six days before “To”."
          errors={errors?.fields.from_date}
        />
        <TextField
          id="unknown-to"
          label="To"
          type="date"
          value={draft.to}
          onChange={(to) => setDraft((d) => ({ ...d, to }))}
          hint="Default: today. At most 31 days."
          errors={errors?.fields.to_date}
        />
        <TextField
          id="unknown-camera"
          label="Camera"
          value={draft.camera}
          maxLength={255}
          onChange={(camera) => setDraft((d) => ({ ...d, camera }))}
          hint="A camera's id; empty for every camera."
          errors={errors?.fields.camera_id}
        />
        <div className="filters__actions">
          <button type="submit" className="button">
            Show
          </button>
          {filtered ? (
            <button type="button" className="button button--quiet" onClick={clear}>
              Clear filters
            </button>
          ) : null}
        </div>
      </form>

      {faces.isPending ? (
        <p className="loading" role="status">
          Loading unknown faces…
        </p>
      ) : null}
      {faces.isError ? (
        <ErrorMessage onRetry={() => void faces.refetch()}>
          The unknown faces could not be loaded: {errors?.form.join(" ")}
        </ErrorMessage>
      ) : null}

      {data !== undefined ? (
        <>
          <p className="review__count" role="status" data-testid="unknown-count">
            {data.total === 0
              ? "No unknown face in this period."
              : `${data.total.toLocaleString()} ${data.total === 1 ? "appearance" : "appearances"}, the latest first.`}
          </p>
          <ul className="unknown__list" aria-label="Unknown faces" aria-busy={faces.isFetching}>
            {data.groups.map((group) => (
              <UnknownCard
                key={groupKey(group)}
                group={group}
                enrolledAs={enrolled[groupKey(group)]}
                onEnrol={canEnrol ? () => setEnrolling(group) : undefined}
              />
            ))}
          </ul>
          {data.totalPages > 1 ? (
            <nav className="pager" aria-label="Unknown faces pages">
              <p>
                Page {filter.page} of {data.totalPages}
              </p>
              <div className="pager__buttons">
                <button type="button" className="button" disabled={filter.page <= 1} onClick={() => setFilter((f) => ({ ...f, page: f.page - 1 }))}>
                  Previous page
                </button>
                <button
                  type="button"
                  className="button"
                  disabled={filter.page >= data.totalPages}
                  onClick={() => setFilter((f) => ({ ...f, page: f.page + 1 }))}
                >
                  Next page
                </button>
              </div>
            </nav>
          ) : null}
        </>
      ) : null}

      <EnrolCaptureDialog
        group={enrolling}
        onClose={() => setEnrolling(null)}
        onEnrolled={(group, person) => setEnrolled((all) => ({ ...all, [groupKey(group)]: person }))}
      />
    </div>
  );
}

function UnknownCard({ group, enrolledAs, onEnrol }: { group: UnknownFace; enrolledAs: Person | undefined; onEnrol: (() => void) | undefined }) {
  const best = group.best;
  const low = isLowQuality(best.quality);
  const seen = formatDateTime(group.last_seen);
  return (
    <li className="unknown-card" data-testid="unknown-face" data-camera-id={group.camera_id} data-detection-id={best.detection_id}>
      <FaceCrop detection={best} alt={`Unknown face seen by camera ${group.camera_id}, last at ${seen}`} className="face-crop unknown-card__crop" />
      <div className="unknown-card__body">
        <dl className="unknown-card__facts">
          <dt>Quality</dt>
          <dd>
            {formatQuality(best.quality)}
            {low ? <span className="review__warning"> low: enrolment may refuse it</span> : null}
          </dd>
          <dt>Camera</dt>
          <dd>{cameraText(group.camera_id, best.camera_role)}</dd>
          <dt>First seen</dt>
          <dd>{formatDateTime(group.first_seen)}</dd>
          <dt>Last seen</dt>
          <dd>{seen}</dd>
          <dt>Sightings</dt>
          <dd>{group.sightings.toLocaleString()}</dd>
        </dl>
        {enrolledAs !== undefined ? (
          <p className="banner banner--success">
            Enrolled as <Link to={`/people/${enrolledAs.id}`}>{fullName(enrolledAs)}</Link>.
          </p>
        ) : null}
        {onEnrol !== undefined ? (
          <button type="button" className="button" onClick={onEnrol}>
            Enrol this face as…<span className="visually-hidden"> (seen by {group.camera_id}, last at {seen})</span>
          </button>
        ) : null}
      </div>
    </li>
  );
}
