// The Cameras section's routes (under the signed-in shell), each page its own lazy chunk; the
// pages themselves turn away whoever may not see (or change) cameras.

import { lazy } from "react";
import type { RouteObject } from "react-router";

const CamerasPage = lazy(() => import("../pages/CamerasPage"));
const CameraFormPage = lazy(() => import("../pages/CameraFormPage"));

export const camerasRoutes: RouteObject[] = [
  { path: "cameras", element: <CamerasPage /> },
  { path: "cameras/new", element: <CameraFormPage /> },
  { path: "cameras/:cameraId/edit", element: <CameraFormPage /> },
];
