// The kiosks' routes: the admins' Kiosks page under the signed-in shell, and the kiosk itself
// (/kiosk, /kiosk/pair#CODE) on its own, outside the shell: no navigation, no operator session.
// Each page is its own lazy chunk.

import { lazy, Suspense } from "react";
import type { RouteObject } from "react-router";

const KiosksPage = lazy(() => import("../pages/KiosksPage"));
const KioskPage = lazy(() => import("../pages/KioskPage"));

export const kiosksRoutes: RouteObject[] = [{ path: "kiosks", element: <KiosksPage /> }];

const kiosk = (
  <Suspense
    fallback={
      <p className="splash" role="status">
        Loading…
      </p>
    }
  >
    <KioskPage />
  </Suspense>
);

export const kioskDeviceRoutes: RouteObject[] = [
  { path: "/kiosk", element: kiosk },
  { path: "/kiosk/pair", element: kiosk },
];
