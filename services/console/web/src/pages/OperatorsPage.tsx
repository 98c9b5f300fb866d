// The Operators section (admins only): the operators and the sign-in audit under one
// navigation. Anyone else who opens it is told it is not theirs, and nothing is asked of the API.

import { Suspense } from "react";
import { Link, NavLink, Outlet } from "react-router";
import { roleLabel, useSignedIn } from "../auth/session";
import { PageHeading } from "../components/PageHeading";
import "../styles/policies.css";

export default function OperatorsPage() {
  const session = useSignedIn();
  if (session.operator.role !== "admin") {
    return (
      <section className="page page--narrow operators">
        <PageHeading title="Not allowed" />
        <p className="banner banner--error" role="alert">
          Only an administrator can manage operators and read the sign-in audit.
        </p>
        <p>
          You are signed in as {session.operator.display_name} ({roleLabel(session.operator.role)}). Ask an administrator if you need
          an operator added, changed or signed out.
        </p>
        <p>
          <Link to="/today">Go to Today</Link>
        </p>
      </section>
    );
  }
  return (
    <div className="operators">
      <nav className="tabs" aria-label="Operators">
        <ul>
          <li>
            <NavLink to="/operators" end>
              Operators
            </NavLink>
          </li>
          <li>
            <NavLink to="/operators/audit">Sign-in audit</NavLink>
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
