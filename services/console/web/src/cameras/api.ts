// The console's camera registry API (`/console/api/v1/cameras*`): the queries, the mutations
// and the cache keys of the Cameras pages. Admins change cameras; HR reads them.

import { queryOptions } from "@tanstack/react-query";
import { call, consoleApi } from "../api/client";
import type { components } from "../api/console";

export type Camera = components["schemas"]["CameraView"];
export type CameraLive = components["schemas"]["CameraLive"];
export type Agent = components["schemas"]["AgentView"];
export type CameraList = components["schemas"]["CameraList"];
export type CreateCameraBody = components["schemas"]["CreateCameraRequest"];
export type UpdateCameraBody = components["schemas"]["UpdateCameraRequest"];
export type ProbeResult = components["schemas"]["ProbeResult"];

/** How often the list is read again while it is open: agents report every couple of seconds. */
export const CAMERAS_POLL_MS = 2_000;

export const cameraKeys = {
  all: ["cameras"] as const,
  list: () => [...cameraKeys.all, "list"] as const,
  one: (id: string) => [...cameraKeys.all, "one", id] as const,
};

export function camerasQuery() {
  return queryOptions({
    queryKey: cameraKeys.list(),
    queryFn: async ({ signal }) => (await call(consoleApi.GET("/console/api/v1/cameras", { signal }))).data,
  });
}

export function cameraQuery(id: string) {
  return queryOptions({
    queryKey: cameraKeys.one(id),
    queryFn: async ({ signal }) =>
      (await call(consoleApi.GET("/console/api/v1/cameras/{camera_id}", { params: { path: { camera_id: id } }, signal }))).data,
  });
}

/** The latest capture's frame; `thumbnail_at` in the query makes a new capture a new image. */
export function thumbnailUrl(camera: Pick<Camera, "id" | "thumbnail_at">): string | undefined {
  if (camera.thumbnail_at === null || camera.thumbnail_at === undefined) return undefined;
  return `/console/api/v1/cameras/${encodeURIComponent(camera.id)}/thumbnail?at=${encodeURIComponent(camera.thumbnail_at)}`;
}

export async function createCamera(body: CreateCameraBody): Promise<Camera> {
  return (await call(consoleApi.POST("/console/api/v1/cameras", { body }))).data;
}

export async function updateCamera(id: string, body: UpdateCameraBody): Promise<Camera> {
  return (await call(consoleApi.PATCH("/console/api/v1/cameras/{camera_id}", { params: { path: { camera_id: id } }, body }))).data;
}

export async function deleteCamera(id: string): Promise<void> {
  await call(consoleApi.DELETE("/console/api/v1/cameras/{camera_id}", { params: { path: { camera_id: id } } }));
}

/** Opens a registered camera's stored source once, on its agent. */
export async function testCamera(id: string): Promise<ProbeResult> {
  return (await call(consoleApi.POST("/console/api/v1/cameras/{camera_id}/test", { params: { path: { camera_id: id } } }))).data;
}

/** Opens a source not saved yet once, on the agent that would run it. */
export async function testSource(source: string, agent: string | undefined): Promise<ProbeResult> {
  return (await call(consoleApi.POST("/console/api/v1/cameras/test", { body: { source, agent: agent ?? null } }))).data;
}
