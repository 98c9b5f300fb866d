// The Cameras page (/cameras, admins and HR): every registered camera with what its agent
// reports (live state, decoded and analysed rates, captures, the latest capture's frame),
// read again every 2 s while the page is open, and the agents reporting. Admins add, edit,
// enable or disable, test and remove cameras; HR only reads. Anyone else is told it is not theirs.

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useLocation } from "react-router";
import { roleLabel, useSignedIn } from "../auth/session";
import { ErrorMessage } from "../components/ErrorSummary";
import { PageHeading } from "../components/PageHeading";
import { describeRefusal } from "../lib/refusal";
import { formatDate } from "../people/api";
import { ConfirmDialog } from "../policies/ConfirmDialog";
import {
  CAMERAS_POLL_MS,
  cameraKeys,
  camerasQuery,
  deleteCamera,
  testCamera,
  thumbnailUrl,
  updateCamera,
  type Agent,
  type Camera,
  type ProbeResult,
} from "../cameras/api";
import { formatFps, probeSentence, roleLabel as cameraRoleLabel, stateBadge } from "../cameras/view";
import "../styles/cameras.css";

export default function CamerasPage() {
  const session = useSignedIn();
  const role = session.operator.role;
  if (role !== "admin" && role !== "hr") {
    return (
      <section className="page page--narrow">
        <PageHeading title="Not allowed" />
        <p className="banner banner--error" role="alert">
          Only an administrator or HR can see the cameras.
        </p>
        <p>
          You are signed in as {session.operator.display_name} ({roleLabel(role)}).
        </p>
        <p>
          <Link to="/today">Go to Today</Link>
        </p>
      </section>
    );
  }
  return <CamerasView admin={role === "admin"} />;
}

function CamerasView({ admin }: { admin: boolean }) {
  const list = useQuery({ ...camerasQuery(), refetchInterval: CAMERAS_POLL_MS });
  const location = useLocation();
  const notice = (location.state as { notice?: string } | null)?.notice;
  const [removing, setRemoving] = useState<Camera>();
  const data = list.data;
  return (
    <section className="page cameras">
      <PageHeading title="Cameras" />
      <p className="page__lead">
        The cameras the camera-agents run, with what each agent last reported; read again every 2 seconds.
        {admin ? " A change reaches its agent within 2 seconds." : " Only an administrator can change them."}
      </p>
      {notice !== undefined ? (
        <p className="banner banner--success" role="status">
          {notice}
        </p>
      ) : null}
      {admin ? (
        <p>
          <Link to="/cameras/new" className="button button--primary">
            Add camera
          </Link>
        </p>
      ) : null}
      {list.isError ? (
        <ErrorMessage onRetry={() => void list.refetch()}>The cameras could not be loaded: {describeRefusal(list.error)}</ErrorMessage>
      ) : null}
      {list.isPending && !list.isError ? (
        <p className="loading" role="status">
          Loading the cameras…
        </p>
      ) : null}
      {data !== undefined ? (
        <>
          {data.cameras.length === 0 ? (
            <p>No camera is registered yet.{admin ? " Add one to start." : ""}</p>
          ) : (
            <ul className="camera-list" aria-label="Cameras">
              {data.cameras.map((camera) => (
                <CameraCard key={camera.id} camera={camera} admin={admin} onRemove={() => setRemoving(camera)} />
              ))}
            </ul>
          )}
          <Agents agents={data.agents} />
        </>
      ) : null}
      {removing !== undefined ? <RemoveDialog camera={removing} onClose={() => setRemoving(undefined)} /> : null}
    </section>
  );
}

function CameraCard({ camera, admin, onRemove }: { camera: Camera; admin: boolean; onRemove: () => void }) {
  const badge = stateBadge(camera);
  const live = camera.live ?? undefined;
  const thumbnail = thumbnailUrl(camera);
  const titleId = `camera-${camera.id}-title`;
  return (
    <li className="camera-card" aria-labelledby={titleId}>
      <div className="camera-card__frame">
        {thumbnail !== undefined ? (
          <img
            src={thumbnail}
            alt={`Latest capture of ${camera.name}, ${formatDate(camera.thumbnail_at)}`}
            width={320}
            height={180}
          />
        ) : (
          <p className="camera-card__no-frame">No capture yet</p>
        )}
      </div>
      <div className="camera-card__body">
        <h2 id={titleId} className="camera-card__title">
          {camera.name} <span className="camera-card__id">({camera.id})</span>
        </h2>
        <p className="camera-card__state">
          <span className={`badge badge--camera-${badge.kind}`}>{badge.label}</span>
          {badge.detail !== undefined ? <span className="camera-card__error"> {badge.detail}</span> : null}
        </p>
        <dl className="camera-card__facts">
          <div>
            <dt>Role</dt>
            <dd>{cameraRoleLabel(camera.role)}</dd>
          </div>
          <div>
            <dt>Agent</dt>
            <dd>{camera.agent}</dd>
          </div>
          <div>
            <dt>Enabled</dt>
            <dd>{camera.enabled ? "Yes" : "No"}</dd>
          </div>
          <div>
            <dt>Source</dt>
            <dd className="camera-card__source">{camera.source}</dd>
          </div>
          <div>
            <dt>Decoded</dt>
            <dd>{formatFps(live?.decoded_fps)}</dd>
          </div>
          <div>
            <dt>Analysed</dt>
            <dd>{formatFps(live?.analysed_fps)}</dd>
          </div>
          <div>
            <dt>Captures published</dt>
            <dd>{live !== undefined ? live.captures_published : "—"}</dd>
          </div>
          <div>
            <dt>Last capture</dt>
            <dd>{formatDate(live?.last_capture_at)}</dd>
          </div>
        </dl>
        {admin ? <CameraActions camera={camera} onRemove={onRemove} /> : null}
      </div>
    </li>
  );
}

function CameraActions({ camera, onRemove }: { camera: Camera; onRemove: () => void }) {
  const queryClient = useQueryClient();
  const [probe, setProbe] = useState<ProbeResult>();
  const toggle = useMutation({
    mutationFn: () => updateCamera(camera.id, { enabled: !camera.enabled, revision: camera.revision }),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: cameraKeys.all }),
  });
  const test = useMutation({
    mutationFn: () => testCamera(camera.id),
    onMutate: () => setProbe(undefined),
    onSuccess: setProbe,
  });
  return (
    <>
      <div className="actions camera-card__actions">
        <Link to={`/cameras/${encodeURIComponent(camera.id)}/edit`} className="button" aria-label={`Edit ${camera.name}`}>
          Edit
        </Link>
        <button
          type="button"
          className="button"
          onClick={() => toggle.mutate()}
          disabled={toggle.isPending}
          aria-label={`${camera.enabled ? "Disable" : "Enable"} ${camera.name}`}
        >
          {camera.enabled ? "Disable" : "Enable"}
        </button>
        <button
          type="button"
          className="button"
          onClick={() => test.mutate()}
          disabled={test.isPending}
          aria-label={`${test.isPending ? "Testing" : "Test connection"} of ${camera.name}`}
        >
          {test.isPending ? "Testing…" : "Test connection"}
        </button>
        <button type="button" className="button button--danger" onClick={onRemove} aria-label={`Remove ${camera.name}`}>
          Remove
        </button>
      </div>
      <div aria-live="polite">
        {probe !== undefined ? (
          <p className={probe.ok ? "probe probe--ok" : "probe probe--failed"}>{probeSentence(probe)}</p>
        ) : null}
        {test.isError ? <p className="field__errors">The test was not run: {describeRefusal(test.error)}</p> : null}
      </div>
      {toggle.isError ? (
        <p className="field__errors" role="alert">
          The camera was not {camera.enabled ? "disabled" : "enabled"}: {describeRefusal(toggle.error)}
        </p>
      ) : null}
    </>
  );
}

function RemoveDialog({ camera, onClose }: { camera: Camera; onClose: () => void }) {
  const queryClient = useQueryClient();
  const remove = useMutation({
    mutationFn: () => deleteCamera(camera.id),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: cameraKeys.all });
      onClose();
    },
  });
  return (
    <ConfirmDialog
      open
      title={`Remove ${camera.name}?`}
      confirmLabel="Remove the camera"
      pendingLabel="Removing…"
      pending={remove.isPending}
      error={remove.error}
      failure="The camera was not removed"
      onConfirm={() => remove.mutate()}
      onClose={onClose}
    >
      <p>
        Its agent ({camera.agent}) stops it within 2 seconds. The attendance already recorded from it stays; to pause it
        instead, disable it.
      </p>
    </ConfirmDialog>
  );
}

function Agents({ agents }: { agents: Agent[] }) {
  return (
    <section aria-labelledby="agents-title" className="agents">
      <h2 id="agents-title">Agents reporting</h2>
      {agents.length === 0 ? (
        <p>No camera-agent has reported in the last minute.</p>
      ) : (
        <ul>
          {agents.map((agent) => (
            <li key={agent.name}>
              <strong>{agent.name}</strong> (version {agent.version}), last report {formatDate(agent.reported_at)}:{" "}
              {agent.camera_ids.length === 0 ? "no camera" : agent.camera_ids.join(", ")}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
