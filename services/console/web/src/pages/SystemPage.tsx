// The System page (/system, admins): every service ready or not (with the failing checks'
// reasons) and its version, the console's database, NATS, each durable consumer's lag, the
// newest dead letters, and attendance-worker's job runs with "Run now" for each job. Anyone
// else is told it is not theirs, and nothing is asked of the API.

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { roleLabel, useSignedIn } from "../auth/session";
import { ErrorMessage } from "../components/ErrorSummary";
import { PageHeading } from "../components/PageHeading";
import { describeRefusal } from "../lib/refusal";
import { formatDate } from "../people/api";
import {
  JOB_NAMES,
  JOBS,
  jobRunsQuery,
  requestRun,
  STATUS_POLL_MS,
  systemKeys,
  systemQuery,
  type JobName,
  type JobRun,
  type SystemReport,
} from "../system/api";
import { isUnfinished, lagClass, runSummary, serviceProblems, STATE_LABELS } from "../system/view";
import "../styles/system.css";

export default function SystemPage() {
  const session = useSignedIn();
  if (session.operator.role !== "admin") {
    return (
      <section className="page page--narrow">
        <PageHeading title="Not allowed" />
        <p className="banner banner--error" role="alert">
          Only an administrator can see the system's state and run jobs.
        </p>
        <p>
          You are signed in as {session.operator.display_name} ({roleLabel(session.operator.role)}).
        </p>
        <p>
          <Link to="/today">Go to Today</Link>
        </p>
      </section>
    );
  }
  return <SystemView />;
}

function SystemView() {
  const report = useQuery({ ...systemQuery(), refetchInterval: STATUS_POLL_MS });
  const data = report.data;
  return (
    <section className="page system">
      <PageHeading title="System" />
      <p className="page__lead">
        Whether every service answers and is ready, which build each runs, how far behind each consumer of the event bus is, and
        the messages given up on.{" "}
        {data !== undefined ? <>Checked {formatDate(data.checked_at)}; the console reuses a check for a few seconds.</> : null}
      </p>
      <p>
        <button type="button" className="button" onClick={() => void report.refetch()} disabled={report.isFetching}>
          {report.isFetching ? "Checking…" : "Check again"}
        </button>
      </p>
      {report.isError ? (
        <ErrorMessage onRetry={() => void report.refetch()}>The system's state could not be loaded: {describeRefusal(report.error)}</ErrorMessage>
      ) : null}
      {report.isPending && !report.isError ? (
        <p className="loading" role="status">
          Checking the services…
        </p>
      ) : null}
      {data !== undefined ? (
        <>
          {data.ready ? (
            <p className="banner banner--success">Everything is ready.</p>
          ) : (
            <div className="banner banner--error" role="alert">
              <p>Not ready:</p>
              <ul className="problems">
                {data.not_ready.map((n) => (
                  <li key={n.name}>
                    <strong>{n.name}</strong>: {n.reason}
                  </li>
                ))}
              </ul>
            </div>
          )}
          <Services report={data} />
          <Infrastructure report={data} />
          <Consumers report={data} />
          <DeadLetters report={data} />
        </>
      ) : null}
      <Jobs />
    </section>
  );
}

function Services({ report }: { report: SystemReport }) {
  return (
    <section aria-labelledby="services-title">
      <h2 id="services-title">Services</h2>
      <div className="table-wrap">
        <table className="table table--cards">
          <caption className="visually-hidden">Every service's readiness and version</caption>
          <thead>
            <tr>
              <th scope="col">Service</th>
              <th scope="col">State</th>
              <th scope="col">Version</th>
              <th scope="col">Checks</th>
              <th scope="col" className="num">
                Answered in
              </th>
            </tr>
          </thead>
          <tbody>
            {report.services.map((service) => {
              const problems = serviceProblems(service);
              return (
                <tr key={service.name}>
                  <th scope="row" data-label="Service">
                    {service.name}
                    <span className="cell-note">
                      <code>{service.url}</code>
                    </span>
                  </th>
                  <td data-label="State">
                    <span className={`state state--${service.state}`}>{STATE_LABELS[service.state]}</span>
                  </td>
                  <td data-label="Version">{service.version ?? "—"}</td>
                  <td data-label="Checks" className="cell-text">
                    {problems.length > 0 ? (
                      <ul className="problems">
                        {problems.map((p) => (
                          <li key={p}>{p}</li>
                        ))}
                      </ul>
                    ) : (
                      service.checks.map((c) => c.name).join(", ") || "—"
                    )}
                  </td>
                  <td data-label="Answered in" className="num">
                    {service.state === "unreachable" ? "—" : `${service.latency_ms.toLocaleString()} ms`}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function Infrastructure({ report }: { report: SystemReport }) {
  const { console: own, nats } = report;
  return (
    <section aria-labelledby="infrastructure-title">
      <h2 id="infrastructure-title">Console, database and NATS</h2>
      <dl className="facts">
        <div>
          <dt>Console</dt>
          <dd>Version {own.version}</dd>
        </div>
        <div>
          <dt>Console database</dt>
          <dd>
            <span className={`state state--${own.database.ok ? "ready" : "unreachable"}`}>{own.database.ok ? "Reachable" : "Unreachable"}</span>
            {own.database.error ? <span className="cell-note">{own.database.error}</span> : null}
          </dd>
        </div>
        <div>
          <dt>NATS</dt>
          <dd>
            <span className={`state state--${nats.connected ? "ready" : "unreachable"}`}>{nats.connected ? "Connected" : "Not connected"}</span>
            {nats.server_version ? <span className="cell-note">Server {nats.server_version}</span> : null}
            <span className="cell-note">Namespace: {nats.namespace === "" ? "none" : <code>{nats.namespace}</code>}</span>
          </dd>
        </div>
      </dl>
    </section>
  );
}

function Consumers({ report }: { report: SystemReport }) {
  return (
    <section aria-labelledby="consumers-title">
      <h2 id="consumers-title">Consumers</h2>
      <p>Each durable consumer of the event bus: messages not yet given to it (its lag), given but not yet acknowledged, and given more than once.</p>
      {report.consumers_error ? <p className="banner banner--error">The consumers could not be read: {report.consumers_error}</p> : null}
      {report.consumers_error === null || report.consumers_error === undefined ? (
        report.consumers.length === 0 ? (
          <p>No durable consumer yet.</p>
        ) : (
          <div className="table-wrap">
            <table className="table table--cards">
              <caption className="visually-hidden">Durable consumers and their lag</caption>
              <thead>
                <tr>
                  <th scope="col">Consumer</th>
                  <th scope="col">Stream</th>
                  <th scope="col" className="num">
                    Pending
                  </th>
                  <th scope="col" className="num">
                    Awaiting ack
                  </th>
                  <th scope="col" className="num">
                    Redelivered
                  </th>
                  <th scope="col">Last delivery</th>
                </tr>
              </thead>
              <tbody>
                {report.consumers.map((c) => (
                  <tr key={`${c.stream}/${c.name}`}>
                    <th scope="row" data-label="Consumer">
                      {c.name}
                    </th>
                    <td data-label="Stream">{c.stream}</td>
                    <td data-label="Pending" className="num">
                      <span className={lagClass(c.num_pending)}>{c.num_pending.toLocaleString()}</span>
                    </td>
                    <td data-label="Awaiting ack" className="num">
                      {c.num_ack_pending.toLocaleString()}
                    </td>
                    <td data-label="Redelivered" className="num">
                      {c.num_redelivered.toLocaleString()}
                    </td>
                    <td data-label="Last delivery">{formatDate(c.last_delivered_at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )
      ) : null}
    </section>
  );
}

function DeadLetters({ report }: { report: SystemReport }) {
  return (
    <section aria-labelledby="dead-letters-title">
      <h2 id="dead-letters-title">Dead letters</h2>
      <p>Messages a consumer gave up on, with its reason, newest first (up to 50; kept 30 days).</p>
      {report.dead_letters_error ? <p className="banner banner--error">The dead letters could not be read: {report.dead_letters_error}</p> : null}
      {!report.dead_letters_error ? (
        report.dead_letters.length === 0 ? (
          <p>No dead letters.</p>
        ) : (
          <div className="table-wrap">
            <table className="table table--cards">
              <caption className="visually-hidden">The newest dead letters</caption>
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Subject</th>
                  <th scope="col">Reason</th>
                  <th scope="col" className="num">
                    Size
                  </th>
                </tr>
              </thead>
              <tbody>
                {report.dead_letters.map((letter) => (
                  <tr key={letter.sequence}>
                    <td data-label="Time">{formatDate(letter.published_at)}</td>
                    <td data-label="Subject" className="cell-text">
                      <code>{letter.original_subject ?? letter.subject}</code>
                    </td>
                    <td data-label="Reason" className="cell-text">
                      {letter.reason ?? "—"}
                    </td>
                    <td data-label="Size" className="num">
                      {letter.size_bytes.toLocaleString()} B
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )
      ) : null}
    </section>
  );
}

type Outcome = { kind: "requested"; run: JobRun } | { kind: "refused"; message: string };

function Jobs() {
  const queryClient = useQueryClient();
  const runs = useQuery({
    ...jobRunsQuery(),
    // While a run is unfinished, ask every few seconds: the worker picks it up within seconds.
    refetchInterval: (query) => ((query.state.data ?? []).some(isUnfinished) ? 2_000 : STATUS_POLL_MS),
  });
  const [outcomes, setOutcomes] = useState<Partial<Record<JobName, Outcome>>>({});
  const run = useMutation({
    mutationFn: (job: JobName) => requestRun(job),
    onSuccess: (requested, job) => {
      setOutcomes((all) => ({ ...all, [job]: { kind: "requested", run: requested } }));
      void queryClient.invalidateQueries({ queryKey: systemKeys.runs() });
    },
    onError: (error, job) => setOutcomes((all) => ({ ...all, [job]: { kind: "refused", message: describeRefusal(error) } })),
  });
  const all = runs.data ?? [];
  return (
    <section aria-labelledby="jobs-title">
      <h2 id="jobs-title">Jobs</h2>
      <p>attendance-worker runs these on their schedules; "Run now" asks for a run with the job's defaults, which a worker starts within seconds.</p>
      <ul className="jobs">
        {JOB_NAMES.map((job) => {
          const outcome = outcomes[job];
          // The run this page asked for, as it is now; else the job's newest.
          const latest =
            (outcome?.kind === "requested" ? all.find((r) => r.id === outcome.run.id) ?? outcome.run : undefined) ?? all.find((r) => r.job === job);
          return (
            <li key={job} aria-labelledby={`job-${job}`}>
              <h3 id={`job-${job}`}>{job}</h3>
              <p>{JOBS[job]}</p>
              <p>
                {latest !== undefined ? (
                  <>
                    Last run: <span className={`state state--${latest.state}`}>{latest.state}</span>{" "}
                    {formatDate(latest.finished_at ?? latest.started_at ?? latest.created_at)}
                    {latest.state === "succeeded" || latest.state === "failed" ? <span className="cell-note">{runSummary(latest)}</span> : null}
                  </>
                ) : (
                  "Not run yet."
                )}
              </p>
              <button
                type="button"
                className="button"
                onClick={() => run.mutate(job)}
                disabled={run.isPending && run.variables === job}
                aria-describedby={`job-${job}`}
              >
                {run.isPending && run.variables === job ? "Asking…" : "Run now"}
              </button>
              {outcome?.kind === "requested" ? (
                <p role="status">Run requested; {latest !== undefined && isUnfinished(latest) ? `it is ${latest.state}.` : `it ${latest?.state ?? "is pending"}.`}</p>
              ) : null}
              {outcome?.kind === "refused" ? (
                <p className="field__errors" role="alert">
                  Refused: {outcome.message}
                </p>
              ) : null}
            </li>
          );
        })}
      </ul>
      <h3>Recent runs</h3>
      {runs.isError ? <ErrorMessage onRetry={() => void runs.refetch()}>The job runs could not be loaded: {describeRefusal(runs.error)}</ErrorMessage> : null}
      {runs.data !== undefined && runs.data.length === 0 ? <p>No runs yet.</p> : null}
      {runs.data !== undefined && runs.data.length > 0 ? (
        <div className="table-wrap">
          <table className="table table--cards">
            <caption className="visually-hidden">The newest job runs</caption>
            <thead>
              <tr>
                <th scope="col">Job</th>
                <th scope="col">State</th>
                <th scope="col">Requested</th>
                <th scope="col">Finished</th>
                <th scope="col">Result</th>
              </tr>
            </thead>
            <tbody>
              {runs.data.map((r) => (
                <tr key={r.id}>
                  <th scope="row" data-label="Job">
                    {r.job}
                    <span className="cell-note">{r.trigger === "schedule" ? "on schedule" : `by ${r.trigger}`}</span>
                  </th>
                  <td data-label="State">
                    <span className={`state state--${r.state}`}>{r.state}</span>
                  </td>
                  <td data-label="Requested">{formatDate(r.created_at)}</td>
                  <td data-label="Finished">{formatDate(r.finished_at)}</td>
                  <td data-label="Result" className="cell-text">
                    {runSummary(r)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
