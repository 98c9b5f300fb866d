// The Attendance section's own navigation: its records and its manual entries (with the
// queue of those waiting for approval).

import { NavLink } from "react-router";
import "../styles/attendance.css";

export function AttendanceNav() {
  return (
    <nav className="subnav" aria-label="Attendance">
      <ul>
        <li>
          <NavLink to="/attendance" end>
            Records
          </NavLink>
        </li>
        <li>
          <NavLink to="/attendance/manual">Manual entries</NavLink>
        </li>
      </ul>
    </nav>
  );
}
