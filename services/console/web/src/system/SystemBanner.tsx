// The warning every signed-in page carries while anything is not ready (a service down or not
// ready, the console's database, NATS): polled from the console every 30 s, whose probes are
// cached, so many open pages cost the services little. Admins get a link to the System page.

import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import type { Role } from "../operators/api";
import { STATUS_POLL_MS, systemStatusQuery } from "./api";
import { bannerSentence } from "./view";
import "../styles/system.css";

export function SystemBanner({ role }: { role: Role }) {
  const status = useQuery({ ...systemStatusQuery(), refetchInterval: STATUS_POLL_MS });
  if (status.data === undefined || status.data.ready) return null;
  return (
    <div className="system-banner" role="status">
      <p>
        <strong>Not everything is ready.</strong> {bannerSentence(status.data.not_ready)}
        {role === "admin" ? (
          <>
            {" "}
            <Link to="/system">See the system page</Link>
          </>
        ) : (
          " Some pages may be out of date meanwhile; tell an administrator if it lasts."
        )}
      </p>
    </div>
  );
}
