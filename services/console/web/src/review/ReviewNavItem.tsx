// The navigation's "Review" entry with the number of pending items, read every few seconds
// (and kept current by the review page itself while it is open). Shown to every role that may
// read attendance.

import { useQuery } from "@tanstack/react-query";
import { NavLink } from "react-router";
import { usePermission } from "../auth/session";
import { pendingCountQuery } from "./api";
import "../styles/review-nav.css";

export function ReviewNavItem() {
  const canRead = usePermission("attendance:read");
  const count = useQuery({ ...pendingCountQuery(), enabled: canRead });
  if (!canRead) return null;
  const pending = count.data ?? 0;
  return (
    <li>
      <NavLink to="/review" data-testid="nav-review">
        Review
        {pending > 0 ? (
          <span className="nav__count" data-testid="nav-review-count">
            <span className="visually-hidden">, </span>
            {pending > 999 ? "999+" : pending.toLocaleString()}
            <span className="visually-hidden"> pending</span>
          </span>
        ) : null}
      </NavLink>
    </li>
  );
}
