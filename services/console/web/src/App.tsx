import { QueryClientProvider } from "@tanstack/react-query";
import { lazy, Suspense, useEffect, useState } from "react";
import { createBrowserRouter, Navigate, RouterProvider } from "react-router";
import { onSessionEnded } from "./api/client";
import { forgetSession } from "./auth/session";
import { markSessionEnded } from "./auth/sessionEnd";
import { RequireSession } from "./auth/RequireSession";
import { Shell } from "./components/Shell";
import { makeQueryClient } from "./queryClient";
import { camerasRoutes } from "./cameras/routes";
import { kioskDeviceRoutes, kiosksRoutes } from "./kiosk/routes";
import { operatorsRoutes } from "./operators/routes";
import { policiesRoutes } from "./policies/routes";
import { reportsRoutes } from "./reports/routes";

const SignInPage = lazy(() => import("./pages/SignInPage"));
const NotFoundPage = lazy(() => import("./pages/NotFoundPage"));
const ChangePasswordPage = lazy(() => import("./pages/ChangePasswordPage"));
const PeoplePage = lazy(() => import("./pages/PeoplePage"));
const PersonPage = lazy(() => import("./pages/PersonPage"));
const PersonCreatePage = lazy(() => import("./pages/PersonCreatePage"));
const PersonEditPage = lazy(() => import("./pages/PersonEditPage"));
const PersonMetadataPage = lazy(() => import("./pages/PersonMetadataPage"));
const TodayPage = lazy(() => import("./pages/TodayPage"));
const ReviewPage = lazy(() => import("./pages/ReviewPage"));
const AttendancePage = lazy(() => import("./pages/AttendancePage"));
const AttendanceManualPage = lazy(() => import("./pages/AttendanceManualPage"));
const AttendanceRecordPage = lazy(() => import("./pages/AttendanceRecordPage"));
const SystemPage = lazy(() => import("./pages/SystemPage"));

export function makeRouter() {
  return createBrowserRouter([
    {
      path: "/sign-in",
      element: (
        <Suspense
          fallback={
            <p className="splash" role="status">
              Loading…
            </p>
          }
        >
          <SignInPage />
        </Suspense>
      ),
    },
    // The kiosk device's page: no operator session, no shell.
    ...kioskDeviceRoutes,
    {
      path: "/",
      element: (
        <RequireSession>
          <Shell />
        </RequireSession>
      ),
      children: [
        { index: true, element: <Navigate to="/today" replace /> },
        { path: "today", element: <TodayPage /> },
        { path: "review", element: <ReviewPage /> },
        { path: "people", element: <PeoplePage /> },
        { path: "people/new", element: <PersonCreatePage /> },
        { path: "people/:personId", element: <PersonPage /> },
        { path: "people/:personId/edit", element: <PersonEditPage /> },
        { path: "people/:personId/metadata", element: <PersonMetadataPage /> },
        { path: "attendance", element: <AttendancePage /> },
        { path: "attendance/manual", element: <AttendanceManualPage /> },
        { path: "attendance/records/:attendanceId", element: <AttendanceRecordPage /> },
        { path: "account/password", element: <ChangePasswordPage /> },
        { path: "system", element: <SystemPage /> },
        ...reportsRoutes,
        ...policiesRoutes,
        ...operatorsRoutes,
        ...camerasRoutes,
        ...kiosksRoutes,
        { path: "*", element: <NotFoundPage /> },
      ],
    },
  ]);
}

export function App() {
  const [queryClient] = useState(makeQueryClient);
  const [router] = useState(makeRouter);
  useEffect(
    () =>
      onSessionEnded((code) => {
        markSessionEnded(code);
        forgetSession(queryClient);
      }),
    [queryClient],
  );
  return (
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
    </QueryClientProvider>
  );
}
