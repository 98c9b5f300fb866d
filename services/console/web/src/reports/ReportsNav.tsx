// The Reports section's own navigation, under each page's heading: the day, the month's sheet
// and the trends.

import { NavLink } from "react-router";
import "../styles/reports.css";

export function ReportsNav() {
  return (
    <nav className="subnav reports-nav" aria-label="Reports">
      <ul>
        <li>
          <NavLink to="/reports/daily">Daily report</NavLink>
        </li>
        <li>
          <NavLink to="/reports/monthly">Monthly sheet</NavLink>
        </li>
        <li>
          <NavLink to="/reports/trends">Trends</NavLink>
        </li>
      </ul>
    </nav>
  );
}
