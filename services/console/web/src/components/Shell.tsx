import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Suspense, useState } from "react";
import { NavLink, Outlet } from "react-router";
import { call, consoleApi } from "../api/client";
import { forgetSession, roleLabel, useSession } from "../auth/session";
import { markSignedOut } from "../auth/sessionEnd";
import { clearAllDrafts } from "../lib/drafts";
import { describeError } from "../lib/errors";
import { ReviewNavItem } from "../review/ReviewNavItem";
import { SystemBanner } from "../system/SystemBanner";

function focusMain(event: React.MouseEvent<HTMLAnchorElement>) {
  event.preventDefault();
  const main = document.getElementById("main");
  main?.focus();
  main?.scrollIntoView();
}

/** The frame of every signed-in page: skip link, header (operator, sign-out), navigation, main. */
export function Shell() {
  // Not useSignedIn: at sign-out the session turns null while this is still mounted, and
  // RequireSession above takes the operator to sign in.
  const session = useSession().data;
  const queryClient = useQueryClient();
  const [signOutError, setSignOutError] = useState<string>();
  const signOut = useMutation({
    mutationFn: () => call(consoleApi.DELETE("/console/api/v1/session")),
    // Forgetting the session makes RequireSession send the operator to sign in; the mark
    // makes it the plain sign-in page, saying they signed out. (Navigating from here as well
    // raced with that redirect, which won: the page said nothing and asked for `next`.)
    onSuccess: () => {
      clearAllDrafts();
      markSignedOut();
      forgetSession(queryClient);
    },
    onError: (error) => setSignOutError(describeError(error)),
  });
  if (session === undefined || session === null) return null;
  const { operator } = session;
  return (
    <div className="shell">
      <a className="skip-link" href="#main" onClick={focusMain}>
        Skip to content
      </a>
      <header className="header">
        <div className="header__brand">
          <span className="brand">faceattend</span>
          <span className="brand__sub">console</span>
        </div>
        <nav className="nav" aria-label="Main">
          <ul>
            <li>
              <NavLink to="/today">Today</NavLink>
            </li>
            <li>
              <NavLink to="/people">People</NavLink>
            </li>
            <ReviewNavItem />
            <li>
              <NavLink to="/attendance">Attendance</NavLink>
            </li>
            <li>
              <NavLink to="/reports">Reports</NavLink>
            </li>
            <li>
              <NavLink to="/policies">Policies</NavLink>
            </li>
            {operator.role === "admin" || operator.role === "hr" ? (
              <li>
                <NavLink to="/cameras">Cameras</NavLink>
              </li>
            ) : null}
            {operator.role === "admin" || operator.role === "hr" ? (
              <li>
                <NavLink to="/kiosks">Kiosks</NavLink>
              </li>
            ) : null}
            {operator.role === "admin" ? (
              <li>
                <NavLink to="/operators">Operators</NavLink>
              </li>
            ) : null}
            {operator.role === "admin" ? (
              <li>
                <NavLink to="/system">System</NavLink>
              </li>
            ) : null}
          </ul>
        </nav>
        <div className="header__account">
          <p className="operator">
            <span className="operator__name">{operator.display_name}</span>
            <span className="operator__role">
              <span className="visually-hidden">, role: </span>
              {roleLabel(operator.role)}
            </span>
          </p>
          <NavLink to="/account/password" className="header__link">
            Change password
          </NavLink>
          <button
            type="button"
            className="button button--quiet"
            onClick={() => signOut.mutate()}
            disabled={signOut.isPending}
          >
            {signOut.isPending ? "Signing out…" : "Sign out"}
          </button>
        </div>
      </header>
      <SystemBanner role={operator.role} />
      {signOutError !== undefined ? (
        <p className="banner banner--error" role="alert">
          Sign-out failed: {signOutError}
        </p>
      ) : null}
      <main id="main" className="main" tabIndex={-1}>
        <Suspense
          fallback={
            <p className="loading" role="status">
              Loading…
            </p>
          }
        >
          <Outlet />
        </Suspense>
      </main>
    </div>
  );
}
