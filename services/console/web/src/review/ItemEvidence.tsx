// One review item, large: the face crop beside the candidate's enrolled photos, the camera's
// frame with the face outlined, and the facts — the calibrated confidence and what it means,
// the runner-up and their margin, camera, role, time, the day it counts for and why it is in
// review.

import { CONFIDENCE_AT_FAR_1E2, CONFIDENCE_AT_FAR_1E3, confidenceMeaning, marginText } from "./confidence";
import { EnrolledFaces, FaceCrop, Snapshot } from "./Evidence";
import { cameraText, formatDateTime, formatDay, isLowQuality, personLabel, reasonDetail, reasonTitle } from "./format";
import { formatQuality } from "../faces/reasons";
import type { ReviewItem } from "./api";

export function ItemEvidence({ item }: { item: ReviewItem }) {
  const detection = item.detection ?? undefined;
  const name = personLabel(item.person_name);
  const when = formatDateTime(item.at);
  const camera = cameraText(item.camera_id, detection?.camera_role);
  const meaning = confidenceMeaning(item.confidence);
  const runnerUp = detection?.runner_up ?? undefined;
  return (
    <>
      <div className="review__compare">
        <figure className="review__figure">
          {detection !== undefined ? (
            <FaceCrop detection={detection} alt={`The face camera ${item.camera_id} saw at ${when}, enlarged`} />
          ) : (
            <GoneEvidence />
          )}
          <figcaption>Seen by {camera}</figcaption>
        </figure>
        <figure className="review__figure">
          <EnrolledFaces personId={item.person_id} name={name} limit={3} />
          <figcaption>Enrolled: {name}</figcaption>
        </figure>
      </div>

      <dl className="review__facts" data-testid="review-facts">
        <div className="review__fact review__fact--wide">
          <dt>Confidence</dt>
          <dd>
            <span className={`confidence confidence--${meaning.band}`} data-testid="review-confidence">
              {meaning.text}
            </span>
            <ConfidenceScale confidence={item.confidence} />
          </dd>
        </div>
        <div className="review__fact review__fact--wide">
          <dt>Why in review</dt>
          <dd>
            <span className="badge badge--reason">{reasonTitle(item.reason)}</span> {reasonDetail(item.reason)}
          </dd>
        </div>
        <div className="review__fact review__fact--wide">
          <dt>Runner-up</dt>
          <dd data-testid="review-runner-up">
            {runnerUp === undefined
              ? "None: no other enrolled person came close."
              : `${personLabel(runnerUp.name)}, ${marginText(runnerUp.margin)}.`}
          </dd>
        </div>
        <div className="review__fact">
          <dt>Camera</dt>
          <dd>{camera}</dd>
        </div>
        <div className="review__fact">
          <dt>Seen</dt>
          <dd>{when}</dd>
        </div>
        <div className="review__fact">
          <dt>Counts for</dt>
          <dd>{formatDay(item.attendance_date)}</dd>
        </div>
        {detection !== undefined ? (
          <div className="review__fact">
            <dt>Face quality</dt>
            <dd>
              {formatQuality(detection.quality)}
              {isLowQuality(detection.quality) ? <span className="review__warning"> (low)</span> : null}
            </dd>
          </div>
        ) : null}
      </dl>

      <figure className="review__figure review__snapshot-figure">
        {detection !== undefined ? (
          <Snapshot detection={detection} alt={`Camera ${item.camera_id}'s whole frame at ${when}`} />
        ) : (
          <GoneEvidence />
        )}
        <figcaption>
          The camera's whole frame
          {detection?.face_box !== null && detection?.face_box !== undefined ? ", the face outlined" : ""}.
        </figcaption>
      </figure>
    </>
  );
}

function GoneEvidence() {
  const text = "The evidence is gone: the person has been deleted.";
  return (
    <div className="evidence-missing face-crop" role="img" aria-label={text} data-testid="evidence-missing">
      <span aria-hidden="true">{text}</span>
    </div>
  );
}

/**
 * Where the confidence sits against the two calibrated knots: a bar from 0 to 1 with the
 * 0.60 and 0.70 marks. Decoration for the eye; the sentence beside it says the same.
 */
function ConfidenceScale({ confidence }: { confidence: number }) {
  const at = (value: number) => Math.min(100, Math.max(0, value * 100));
  return (
    <svg className="confidence-scale" viewBox="0 0 100 14" preserveAspectRatio="none" aria-hidden="true" focusable="false">
      <rect className="confidence-scale__weak" x="0" y="4" width={at(CONFIDENCE_AT_FAR_1E2)} height="6" />
      <rect
        className="confidence-scale__between"
        x={at(CONFIDENCE_AT_FAR_1E2)}
        y="4"
        width={at(CONFIDENCE_AT_FAR_1E3) - at(CONFIDENCE_AT_FAR_1E2)}
        height="6"
      />
      <rect className="confidence-scale__strong" x={at(CONFIDENCE_AT_FAR_1E3)} y="4" width={100 - at(CONFIDENCE_AT_FAR_1E3)} height="6" />
      <rect className="confidence-scale__marker" x={at(confidence) - 0.75} y="0" width="1.5" height="14" />
    </svg>
  );
}
