// The evidence a reviewer judges by: the camera's whole frame with the face outlined (an SVG
// over the image whose viewBox is the image's natural size, so the box follows the image at
// any width), the face crop, and the candidate's enrolled photos. A missing image is a
// placeholder saying why (the API's reason and code), never a broken image.

import { useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { ApiError } from "../api/client";
import { faceImageUrl, facesQuery, type Face } from "../faces/api";
import { describeRefusal } from "../lib/refusal";
import { formatDate } from "../people/api";
import { evidenceQuery, type Detection, type EvidenceKind } from "./api";
import { boxPlace, boxRect, viewBoxOf, type Size } from "./faceBox";
import { useObjectUrl } from "./useObjectUrl";

/** Why an evidence image is not there, for people. */
export function missingEvidenceText(kind: EvidenceKind, error: unknown): string {
  const what = kind === "snapshot" ? "snapshot" : "face crop";
  if (error instanceof ApiError && error.code === "evidence_not_found") {
    return `No ${what} was kept of this sighting (${error.code}).`;
  }
  if (error instanceof ApiError && error.code === "detection_not_found") {
    return `This sighting's evidence is gone: its person may have been deleted (${error.code}).`;
  }
  return `The ${what} could not be loaded: ${describeRefusal(error)}`;
}

function Missing({ text, className }: { text: string; className: string }) {
  return (
    <div className={`evidence-missing ${className}`} role="img" aria-label={text} data-testid="evidence-missing">
      <span aria-hidden="true">{text}</span>
    </div>
  );
}

function useEvidence(detection: Detection, kind: EvidenceKind, available: boolean) {
  return useQuery({ ...evidenceQuery(detection.detection_id, kind), enabled: available });
}

/** The camera's frame with the face's box drawn over it; `alt` is completed with where the face is. */
export function Snapshot({ detection, alt }: { detection: Detection; alt: string }) {
  const image = useEvidence(detection, "snapshot", detection.has_snapshot);
  const url = useObjectUrl(image.data);
  const [natural, setNatural] = useState<Size>();
  useEffect(() => setNatural(undefined), [url]);
  if (!detection.has_snapshot) return <Missing className="snapshot" text="No snapshot was kept of this sighting." />;
  if (image.isError) return <Missing className="snapshot" text={missingEvidenceText("snapshot", image.error)} />;
  if (url === undefined) {
    return (
      <p className="evidence-loading snapshot" role="status">
        Loading the snapshot…
      </p>
    );
  }
  const box = detection.face_box ?? undefined;
  const rect = box !== undefined && natural !== undefined ? boxRect(box, natural) : undefined;
  const place = box !== undefined && natural !== undefined ? `, the face outlined ${boxPlace(box, natural)}` : "";
  return (
    <div className="snapshot" data-testid="review-snapshot">
      <img
        className="snapshot__image"
        src={url}
        alt={`${alt}${place}`}
        onLoad={(e) => setNatural({ width: e.currentTarget.naturalWidth, height: e.currentTarget.naturalHeight })}
      />
      {rect !== undefined && natural !== undefined ? (
        <svg className="snapshot__overlay" viewBox={viewBoxOf(natural)} preserveAspectRatio="none" aria-hidden="true" focusable="false" data-testid="review-face-box">
          <rect className="snapshot__box-shadow" x={rect.x} y={rect.y} width={rect.width} height={rect.height} />
          <rect className="snapshot__box" x={rect.x} y={rect.y} width={rect.width} height={rect.height} />
        </svg>
      ) : null}
    </div>
  );
}

/** The face cut out of the frame, enlarged. */
export function FaceCrop({ detection, alt, className = "face-crop" }: { detection: Detection; alt: string; className?: string }) {
  const available = detection.has_snapshot && detection.face_box !== null && detection.face_box !== undefined;
  const image = useEvidence(detection, "crop", available);
  const url = useObjectUrl(image.data);
  if (!available) {
    return <Missing className={className} text={detection.has_snapshot ? "No face box was kept, so there is no crop." : "No snapshot was kept, so there is no crop."} />;
  }
  if (image.isError) return <Missing className={className} text={missingEvidenceText("crop", image.error)} />;
  if (url === undefined) {
    return (
      <p className={`evidence-loading ${className}`} role="status">
        Loading the face…
      </p>
    );
  }
  return <img className={className} src={url} alt={alt} data-testid="review-crop" />;
}

/** Primary face first, then the newest. */
function ordered(faces: Face[]): Face[] {
  return [...faces].sort((a, b) => Number(b.is_primary) - Number(a.is_primary) || b.createdAt.localeCompare(a.createdAt));
}

/** A person's enrolled photos, to compare the crop with. */
export function EnrolledFaces({ personId, name, limit }: { personId: string; name: string; limit: number }) {
  const faces = useQuery(facesQuery(personId));
  if (faces.isPending) {
    return (
      <p className="evidence-loading face-crop" role="status">
        Loading {name}'s photos…
      </p>
    );
  }
  if (faces.isError) return <Missing className="face-crop" text={`${name}'s enrolled photos could not be loaded: ${describeRefusal(faces.error)}`} />;
  const shown = ordered(faces.data).slice(0, limit);
  if (shown.length === 0) return <Missing className="face-crop" text={`${name} has no enrolled face.`} />;
  return (
    <ul className="enrolled-faces" aria-label={`Enrolled photos of ${name}`} data-testid="review-enrolled-faces">
      {shown.map((face, index) => (
        <li key={face.encoding_id} className={index === 0 ? "enrolled-faces__first" : "enrolled-faces__more"}>
          <EnrolledPhoto face={face} personId={personId} name={name} />
        </li>
      ))}
    </ul>
  );
}

function EnrolledPhoto({ face, personId, name }: { face: Face; personId: string; name: string }) {
  const [broken, setBroken] = useState(false);
  const enrolled = formatDate(face.createdAt);
  if (face.image_id === null || face.image_id === undefined || broken) {
    return <Missing className="face-crop" text={`No photo kept of ${name}'s face enrolled on ${enrolled}.`} />;
  }
  return (
    <img
      className="face-crop"
      src={faceImageUrl(personId, face.encoding_id)}
      alt={`${name}'s enrolled photo${face.is_primary ? " (primary)" : ""}, ${enrolled}`}
      onError={() => setBroken(true)}
    />
  );
}
