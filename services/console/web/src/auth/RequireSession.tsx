import type { ReactNode } from "react";
import { Navigate, useLocation } from "react-router";
import { ErrorMessage } from "../components/ErrorSummary";
import { describeError } from "../lib/errors";
import { signInUrl } from "../lib/safeNext";
import { useSession } from "./session";
import { peekSessionEnded, SIGNED_OUT } from "./sessionEnd";

/** Renders its children for a signed-in operator; sends anyone else to sign in, and back here after. */
export function RequireSession({ children }: { children: ReactNode }) {
  const session = useSession();
  const location = useLocation();
  if (session.isPending) {
    return (
      <div className="splash" role="status">
        Loading the console…
      </div>
    );
  }
  if (session.isError) {
    return (
      <main className="splash">
        <ErrorMessage onRetry={() => void session.refetch()}>
          The console could not tell whether you are signed in. {describeError(session.error)}
        </ErrorMessage>
      </main>
    );
  }
  if (session.data === null) {
    // After a sign-out, the next operator starts afresh, not on the page the last one left.
    if (peekSessionEnded() === SIGNED_OUT) return <Navigate to="/sign-in" replace />;
    return <Navigate to={signInUrl(location.pathname + location.search + location.hash)} replace />;
  }
  return children;
}
