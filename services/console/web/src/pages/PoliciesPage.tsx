// The Policies section: shifts, rules, holidays and leave, and the queue of leave waiting for
// a decision, each a page of its own under one navigation.

import { useQuery } from "@tanstack/react-query";
import { Suspense } from "react";
import { NavLink, Outlet } from "react-router";
import { usePermission } from "../auth/session";
import { pendingQuery } from "../policies/api";
import "../styles/policies.css";

export default function PoliciesPage() {
  const canRead = usePermission("attendance:read");
  const pending = useQuery({ ...pendingQuery(), enabled: canRead });
  const waiting = pending.data?.pending.length ?? 0;
  return (
    <div className="policies">
      <nav className="tabs" aria-label="Policies">
        <ul>
          <li>
            <NavLink to="/policies/shifts">Shifts</NavLink>
          </li>
          <li>
            <NavLink to="/policies/rules">Rules</NavLink>
          </li>
          <li>
            <NavLink to="/policies/exceptions">Holidays and leave</NavLink>
          </li>
          <li>
            <NavLink to="/policies/leave">
              Pending leave
              {waiting > 0 ? (
                <span className="tabs__count">
                  <span className="visually-hidden">: </span>
                  {waiting.toLocaleString()}
                  <span className="visually-hidden"> waiting</span>
                </span>
              ) : null}
            </NavLink>
          </li>
        </ul>
      </nav>
      <Suspense
        fallback={
          <p className="loading" role="status">
            Loading…
          </p>
        }
      >
        <Outlet />
      </Suspense>
    </div>
  );
}
