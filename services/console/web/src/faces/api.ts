// person-api through the console: a person's enrolled faces (list, enrol, delete) and the URL
// of each face's stored photo. The faces' queries live under the person's key, and every
// change refreshes the person too: their face count and first/last enrolment change with it.

import { queryOptions, type QueryClient } from "@tanstack/react-query";
import { call, personApi } from "../api/client";
import type { components } from "../api/person-api";
import { peopleKeys } from "../people/api";
import { readAsDataUrl } from "./photos";

export type Face = components["schemas"]["FaceResponse"];
export type EnrollResult = components["schemas"]["EnrollResponse"];

export const facesKeys = {
  faces: (personId: string) => [...peopleKeys.person(personId), "faces"] as const,
};

export function facesQuery(personId: string) {
  return queryOptions({
    queryKey: facesKeys.faces(personId),
    queryFn: async ({ signal }) => {
      const envelope = await call(
        personApi.GET("/api/v1/persons/{person_id}/faces", { params: { path: { person_id: personId } }, signal }),
      );
      return envelope.data;
    },
  });
}

export interface EnrolOptions {
  /** With several faces in the photo, enrol the largest rather than refuse the photo. */
  useLargestFace?: boolean;
  signal?: AbortSignal;
}

/**
 * Sends one photo to be enrolled: read as a data URL (the API takes its `data:...;base64,`
 * prefix as it is). A refusal throws the ApiError with the API's code (`no_face`, ...).
 */
export async function enrolPhoto(personId: string, photo: Blob, options: EnrolOptions = {}): Promise<EnrollResult> {
  const frame_data = await readAsDataUrl(photo);
  const envelope = await call(
    personApi.POST("/api/v1/persons/{person_id}/enroll", {
      params: { path: { person_id: personId } },
      body: options.useLargestFace === true ? { frame_data, use_largest_face: true } : { frame_data },
      signal: options.signal,
    }),
  );
  return envelope.data;
}

export async function deleteFace(personId: string, encodingId: string): Promise<void> {
  await call(
    personApi.DELETE("/api/v1/persons/{person_id}/faces/{encoding_id}", {
      params: { path: { person_id: personId, encoding_id: encodingId } },
    }),
  );
}

/**
 * The stored photo of an encoding: same origin, so the session cookie authenticates a plain
 * `<img src>` (a GET needs no CSRF header), and the browser caches it (`private, max-age`).
 */
export function faceImageUrl(personId: string, encodingId: string): string {
  return `/api/v1/persons/${encodeURIComponent(personId)}/faces/${encodeURIComponent(encodingId)}/image`;
}

/** After an enrolment or a deletion: the faces, the person (face count) and the lists (has_faces). */
export function refreshAfterFaceChange(queryClient: QueryClient, personId: string): Promise<unknown> {
  return Promise.all([
    queryClient.invalidateQueries({ queryKey: facesKeys.faces(personId) }),
    queryClient.invalidateQueries({ queryKey: peopleKeys.person(personId), exact: true }),
    queryClient.invalidateQueries({ queryKey: peopleKeys.lists() }),
  ]);
}
