// The Faces part of a person's page: every enrolled encoding with its photo, quality and
// model; for operators with persons:write, deleting one (after a confirmation) and enrolling
// new ones from photo files or the webcam. Viewers see the faces only.

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { Dialog } from "../components/Dialog";
import { ErrorMessage } from "../components/ErrorSummary";
import { describeError } from "../lib/errors";
import { formatDate } from "../people/api";
import { deleteFace, faceImageUrl, facesKeys, facesQuery, refreshAfterFaceChange, type Face } from "./api";
import { EnrolUpload } from "./EnrolUpload";
import { formatQuality } from "./reasons";
import { WebcamCapture } from "./WebcamCapture";
import "../styles/faces.css";

interface Props {
  personId: string;
  /** The person's full name, for labels ("Delete the face of Ada Lovelace enrolled on ..."). */
  name: string;
  canWrite: boolean;
}

/** person-api's encoding sources (db/entities.rs). */
const SOURCE_LABELS: Record<string, string> = {
  enrollment: "Enrolment",
  detection: "Camera detection",
  manual: "Manual",
};

export function FacesSection({ personId, name, canWrite }: Props) {
  const faces = useQuery(facesQuery(personId));
  const [confirming, setConfirming] = useState<Face | null>(null);
  const [notice, setNotice] = useState("");
  const headingRef = useRef<HTMLHeadingElement>(null);
  // After a deletion the button that opened the dialog is gone: the focus goes to the heading
  // (this runs after the dialog's own clean-up, which tries to give it back to the button).
  const [deleted, setDeleted] = useState(0);
  useEffect(() => {
    if (deleted > 0) headingRef.current?.focus();
  }, [deleted]);

  return (
    <section className="faces" aria-labelledby="faces-heading" data-testid="faces-section">
      <h2 id="faces-heading" className="section-heading" ref={headingRef} tabIndex={-1}>
        Faces
      </h2>
      <p role="status" className={notice === "" ? "visually-hidden" : "banner banner--success"}>
        {notice}
      </p>
      {faces.isPending ? (
        <p className="loading" role="status">
          Loading faces…
        </p>
      ) : faces.isError ? (
        <ErrorMessage onRetry={() => void faces.refetch()}>The faces could not be loaded: {describeError(faces.error)}</ErrorMessage>
      ) : faces.data.length === 0 ? (
        <p className="faces__empty" data-testid="faces-empty">
          No face is enrolled: cameras cannot recognise {name} yet.
          {canWrite ? " Enrol one below, from a photo or with the webcam." : ""}
        </p>
      ) : (
        <ul className="faces__list" aria-label={`Faces of ${name}`} data-testid="face-list">
          {faces.data.map((face) => (
            <FaceCard
              key={face.encoding_id}
              face={face}
              personId={personId}
              onDelete={canWrite ? () => setConfirming(face) : undefined}
            />
          ))}
        </ul>
      )}
      {canWrite ? (
        <>
          <h3 className="enrol__heading">Enrol a face</h3>
          <div className="enrol">
            {/* Keyed by person: a queue or a camera never carries over to another person. */}
            <EnrolUpload key={`upload-${personId}`} personId={personId} name={name} />
            <WebcamCapture key={`webcam-${personId}`} personId={personId} name={name} />
          </div>
          <DeleteFaceDialog
            personId={personId}
            name={name}
            face={confirming}
            last={faces.data?.length === 1}
            onClose={() => setConfirming(null)}
            onDeleted={(face) => {
              setNotice(`The face enrolled on ${formatDate(face.createdAt)} has been deleted.`);
              setDeleted((n) => n + 1);
            }}
          />
        </>
      ) : null}
    </section>
  );
}

function FaceCard({ face, personId, onDelete }: { face: Face; personId: string; onDelete: (() => void) | undefined }) {
  const enrolled = formatDate(face.createdAt);
  return (
    <li className="face-card" data-testid="face-card" data-encoding-id={face.encoding_id}>
      <FaceThumbnail face={face} personId={personId} alt={`Photo of the face enrolled on ${enrolled}`} />
      <div className="face-card__body">
        <dl className="face-card__facts">
          <dt>Quality</dt>
          <dd>{formatQuality(face.quality_score)}</dd>
          <dt>Model</dt>
          <dd>
            <code>{face.model}</code>
          </dd>
          <dt>Enrolled</dt>
          <dd>{enrolled}</dd>
          <dt>Source</dt>
          <dd>{SOURCE_LABELS[face.source] ?? face.source}</dd>
        </dl>
        {face.is_primary ? <span className="badge badge--primary-face">Primary face</span> : null}
      </div>
      {onDelete !== undefined ? (
        <div className="face-card__actions">
          <button type="button" className="button button--danger" onClick={onDelete}>
            Delete…<span className="visually-hidden"> the face enrolled on {enrolled}</span>
          </button>
        </div>
      ) : null}
    </li>
  );
}

/**
 * The stored photo, or a placeholder when there is none: an encoding without a photo, or one
 * whose photo is gone (the route answers 404 `face_image_not_found`, the img's error).
 */
function FaceThumbnail({ face, personId, alt }: { face: Face; personId: string; alt: string }) {
  const [broken, setBroken] = useState(false);
  if (face.image_id === null || face.image_id === undefined || broken) {
    return (
      <div className="face-card__photo face-card__photo--none" role="img" aria-label="No photo kept of this face" data-testid="face-photo-missing">
        <span aria-hidden="true">No photo</span>
      </div>
    );
  }
  return (
    <img
      className="face-card__photo"
      src={faceImageUrl(personId, face.encoding_id)}
      alt={alt}
      loading="lazy"
      decoding="async"
      onError={() => setBroken(true)}
    />
  );
}

interface DeleteProps {
  personId: string;
  name: string;
  face: Face | null;
  /** The person's only face: say that they will no longer be recognised. */
  last: boolean;
  onClose: () => void;
  onDeleted: (face: Face) => void;
}

function DeleteFaceDialog({ personId, name, face, last, onClose, onDeleted }: DeleteProps) {
  const queryClient = useQueryClient();
  const remove = useMutation({
    mutationFn: (target: Face) => deleteFace(personId, target.encoding_id),
    onSuccess: (_, target) => {
      // Gone from the list at once; the refetch confirms it and updates the person's count.
      queryClient.setQueryData<Face[]>(facesKeys.faces(personId), (list) => list?.filter((f) => f.encoding_id !== target.encoding_id));
      void refreshAfterFaceChange(queryClient, personId);
      onClose();
      onDeleted(target);
    },
  });
  // A new confirmation starts without the last one's error.
  const { reset } = remove;
  useEffect(() => reset(), [face, reset]);
  return (
    <Dialog open={face !== null} title="Delete this face?" onClose={onClose}>
      {face !== null ? (
        <>
          <p>
            The face enrolled on {formatDate(face.createdAt)} is erased with its photo, and cameras stop matching {name} against it.
            This cannot be undone.
          </p>
          {last ? (
            <p className="banner banner--info">
              It is {name}'s only face: they will not be recognised until another is enrolled.
            </p>
          ) : null}
          {remove.isError ? (
            <p className="field__errors" role="alert">
              The face was not deleted: {describeError(remove.error)}
            </p>
          ) : null}
          <div className="form__actions">
            <button type="button" className="button button--danger" onClick={() => remove.mutate(face)} disabled={remove.isPending}>
              {remove.isPending ? "Deleting…" : "Delete the face"}
            </button>
            <button type="button" className="button" onClick={onClose} autoFocus>
              Cancel
            </button>
          </div>
        </>
      ) : null}
    </Dialog>
  );
}
