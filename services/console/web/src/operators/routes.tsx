// The Operators section's routes (under the signed-in shell), each page its own lazy chunk;
// the section's own page turns away anyone but an admin.

import { lazy } from "react";
import type { RouteObject } from "react-router";

const OperatorsPage = lazy(() => import("../pages/OperatorsPage"));
const OperatorListPage = lazy(() => import("../pages/OperatorListPage"));
const OperatorCreatePage = lazy(() => import("../pages/OperatorCreatePage"));
const OperatorPage = lazy(() => import("../pages/OperatorPage"));
const OperatorsAuditPage = lazy(() => import("../pages/OperatorsAuditPage"));

export const operatorsRoutes: RouteObject[] = [
  {
    path: "operators",
    element: <OperatorsPage />,
    children: [
      { index: true, element: <OperatorListPage /> },
      { path: "new", element: <OperatorCreatePage /> },
      { path: "audit", element: <OperatorsAuditPage /> },
      { path: ":operatorId", element: <OperatorPage /> },
    ],
  },
];
