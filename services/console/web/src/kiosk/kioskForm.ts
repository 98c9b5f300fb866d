// The Kiosks page's form and wording: the console's own checks of a new kiosk made in the
// browser before sending (its reasons replace these if it refuses anyway), which field a
// conflict is about, and the states' labels. Pure.

import type { CreateKioskBody, KioskState } from "./api";

export type KioskField = "name" | "camera_id" | "mode";
export const KIOSK_FIELDS: readonly KioskField[] = ["name", "camera_id", "mode"];
export const KIOSK_LABELS: Record<KioskField, string> = { name: "Name", camera_id: "Camera id", mode: "Mode" };
/** A camera id taken by another kiosk or by a CCTV camera is the camera id's problem. */
export const KIOSK_CONFLICTS: Partial<Record<string, KioskField>> = { kiosk_exists: "camera_id", camera_exists: "camera_id" };

/** As faceattend_domain::camera::parse_camera_id: letters, digits, - and _, at most 64. */
const CAMERA_ID = /^[A-Za-z0-9_-]{1,64}$/;

export function checkKiosk(body: CreateKioskBody): Partial<Record<KioskField, string[]>> {
  const problems: Partial<Record<KioskField, string[]>> = {};
  const name = body.name.trim();
  if (name === "") problems.name = ["Enter a name."];
  else if ([...name].length > 80) problems.name = ["At most 80 characters."];
  if (body.camera_id === "") problems.camera_id = ["Enter a camera id."];
  else if (!CAMERA_ID.test(body.camera_id)) problems.camera_id = ["Only letters, digits, - and _ (at most 64)."];
  return problems;
}

export function stateLabel(state: KioskState): string {
  switch (state) {
    case "unpaired":
      return "Not paired";
    case "paired":
      return "Paired";
    case "revoked":
      return "Revoked";
  }
}
