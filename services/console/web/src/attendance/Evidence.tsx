// A sighting's evidence: the camera's frame and the face cut out of it (served by
// attendance-api through the console; a placeholder when none was kept), and what recognition
// made of it: camera and its role, calibrated confidence, model, face quality, the verdict.

import { useState } from "react";
import { cropUrl, snapshotUrl, type Sighting } from "./api";
import { formatConfidence, formatInstant } from "./format";
import { VERDICT_DONE } from "./forms";

const ROLE_LABELS: Record<string, string> = { entry: "entry camera", exit: "exit camera", both: "entry and exit camera" };

export function roleLabel(role: string): string {
  return ROLE_LABELS[role] ?? role;
}

function EvidenceImage({ src, alt, className, width }: { src: string; alt: string; className: string; width: number }) {
  const [missing, setMissing] = useState(false);
  return (
    <figure className={className}>
      {missing ? (
        <p className="muted" data-testid="evidence-missing">
          The image is no longer kept.
        </p>
      ) : (
        <img src={src} alt={alt} loading="lazy" width={width} onError={() => setMissing(true)} />
      )}
    </figure>
  );
}

export function SightingImages({ sighting, who }: { sighting: Sighting; who: string }) {
  if (!sighting.has_snapshot) {
    return <p className="muted">No frame was kept of this sighting.</p>;
  }
  const at = formatInstant(sighting.captured_at);
  return (
    <div className="evidence__images">
      {sighting.face_box !== null && sighting.face_box !== undefined ? (
        <EvidenceImage
          className="evidence__crop"
          src={cropUrl(sighting.detection_id)}
          alt={`The face ${sighting.camera_id} saw at ${at}, taken for ${who}`}
          width={112}
        />
      ) : null}
      <EvidenceImage className="evidence__snapshot" src={snapshotUrl(sighting.detection_id)} alt={`What ${sighting.camera_id} saw at ${at}`} width={256} />
    </div>
  );
}

/** The facts of a sighting, as a definition list. */
export function SightingFacts({ sighting, actor }: { sighting: Sighting; actor: (id: string) => string }) {
  const rows: [string, string][] = [
    ["Seen", formatInstant(sighting.captured_at)],
    ["Camera", `${sighting.camera_id} (${roleLabel(sighting.camera_role)})`],
    ["Confidence", formatConfidence(sighting.confidence)],
    ["Model", sighting.model],
    ["Face quality", formatConfidence(sighting.quality)],
  ];
  if (sighting.verdict !== null && sighting.verdict !== undefined) {
    const by = sighting.verdict_by !== null && sighting.verdict_by !== undefined ? ` by ${actor(sighting.verdict_by)}` : "";
    const when = sighting.verdict_at !== null && sighting.verdict_at !== undefined ? `, ${formatInstant(sighting.verdict_at)}` : "";
    rows.push(["Verdict", `${VERDICT_DONE[sighting.verdict] ?? sighting.verdict}${by}${when}`]);
  }
  return (
    <dl className="details">
      {rows.map(([term, value]) => (
        <div key={term} className="details__row">
          <dt>{term}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}
