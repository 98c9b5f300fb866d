// The Reports section's routes (under the signed-in shell), each page its own lazy chunk.

import { lazy } from "react";
import { Navigate, type RouteObject } from "react-router";

const DailyReportPage = lazy(() => import("../pages/DailyReportPage"));
const MonthlySheetPage = lazy(() => import("../pages/MonthlySheetPage"));
const TrendsPage = lazy(() => import("../pages/TrendsPage"));

export const reportsRoutes: RouteObject[] = [
  { path: "reports", element: <Navigate to="/reports/daily" replace /> },
  { path: "reports/daily", element: <DailyReportPage /> },
  { path: "reports/monthly", element: <MonthlySheetPage /> },
  { path: "reports/trends", element: <TrendsPage /> },
];
