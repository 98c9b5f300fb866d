// The Policies section's routes (under the signed-in shell), each page its own lazy chunk.

import { lazy } from "react";
import { Navigate, type RouteObject } from "react-router";

const PoliciesPage = lazy(() => import("../pages/PoliciesPage"));
const ShiftsPage = lazy(() => import("../pages/ShiftsPage"));
const ShiftFormPage = lazy(() => import("../pages/ShiftFormPage"));
const RulesPage = lazy(() => import("../pages/RulesPage"));
const RuleFormPage = lazy(() => import("../pages/RuleFormPage"));
const ExceptionsPage = lazy(() => import("../pages/ExceptionsPage"));
const ExceptionFormPage = lazy(() => import("../pages/ExceptionFormPage"));
const LeaveQueuePage = lazy(() => import("../pages/LeaveQueuePage"));

export const policiesRoutes: RouteObject[] = [
  {
    path: "policies",
    element: <PoliciesPage />,
    children: [
      { index: true, element: <Navigate to="/policies/shifts" replace /> },
      { path: "shifts", element: <ShiftsPage /> },
      { path: "shifts/new", element: <ShiftFormPage /> },
      { path: "shifts/:shiftId/edit", element: <ShiftFormPage /> },
      { path: "rules", element: <RulesPage /> },
      { path: "rules/new", element: <RuleFormPage /> },
      { path: "rules/:ruleId/edit", element: <RuleFormPage /> },
      { path: "exceptions", element: <ExceptionsPage /> },
      { path: "exceptions/new", element: <ExceptionFormPage /> },
      { path: "exceptions/:exceptionId/edit", element: <ExceptionFormPage /> },
      { path: "leave", element: <LeaveQueuePage /> },
    ],
  },
];
