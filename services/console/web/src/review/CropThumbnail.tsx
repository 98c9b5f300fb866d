// A queued item's face, small, in the queue's strip: a plain lazy <img> of the crop route (the
// browser fetches only the ones scrolled into view, and caches them), a blank tile when there
// is no crop. The strip's text names the item; the picture adds nothing to say.

import { useState } from "react";
import type { ReviewItem } from "./api";

export function cropUrl(detectionId: string): string {
  return `/api/v1/attendance/detections/${encodeURIComponent(detectionId)}/crop`;
}

export function CropThumbnail({ item }: { item: ReviewItem }) {
  const [broken, setBroken] = useState(false);
  const detection = item.detection ?? undefined;
  const available = detection !== undefined && detection.has_snapshot && detection.face_box !== null && detection.face_box !== undefined;
  if (!available || broken) return <span className="review__thumb review__thumb--none" aria-hidden="true" />;
  return <img className="review__thumb" src={cropUrl(detection.detection_id)} alt="" loading="lazy" decoding="async" onError={() => setBroken(true)} />;
}
