// Adding a camera (/cameras/new) and changing one (/cameras/:cameraId/edit), for admins: id
// (on create only), name, source, role, sample rate, agent, enabled, an optional region of
// interest and, for files, realtime and repeat; "Test connection" opens the typed source (or,
// on edit with no new source, the stored one) once on the agent. On edit the source is left
// empty and sent only when a new one is typed, so the stored credentials are never sent back.
// The console's reasons are shown beside their fields; after saving, back to /cameras.

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { roleLabel, useSignedIn } from "../auth/session";
import { CheckboxField } from "../components/Choices";
import { ErrorMessage, ErrorSummary } from "../components/ErrorSummary";
import { SelectField, TextField } from "../components/Field";
import { PageHeading } from "../components/PageHeading";
import { emptyErrors, type FormErrors } from "../lib/formErrors";
import { describeRefusal, invalidFieldLinks, localErrors, mapRefusal } from "../lib/refusal";
import {
  cameraKeys,
  cameraQuery,
  camerasQuery,
  createCamera,
  testCamera,
  testSource,
  updateCamera,
  type Camera,
  type ProbeResult,
} from "../cameras/api";
import {
  CAMERA_CONFLICTS,
  CAMERA_FIELDS,
  CAMERA_LABELS,
  EMPTY_CAMERA,
  ROLES,
  ROLE_LABELS,
  checkCamera,
  probeSentence,
  toCreateCamera,
  toUpdateCamera,
  valuesOf,
  type CameraField,
  type CameraFormValues,
} from "../cameras/view";
import "../styles/cameras.css";

const fieldId = (field: CameraField) => (field === "roi" ? "camera-roi_x" : `camera-${field}`);

export default function CameraFormPage() {
  const session = useSignedIn();
  const { cameraId } = useParams();
  if (session.operator.role !== "admin") {
    return (
      <section className="page page--narrow">
        <PageHeading title="Not allowed" />
        <p className="banner banner--error" role="alert">
          Only an administrator can add or change cameras.
        </p>
        <p>
          You are signed in as {session.operator.display_name} ({roleLabel(session.operator.role)}).
        </p>
        <p>
          <Link to="/cameras">Back to the cameras</Link>
        </p>
      </section>
    );
  }
  return cameraId === undefined ? <CameraForm /> : <EditCamera id={cameraId} />;
}

function EditCamera({ id }: { id: string }) {
  const camera = useQuery(cameraQuery(id));
  if (camera.isError) {
    return (
      <section className="page page--narrow">
        <PageHeading title="Change a camera" />
        <ErrorMessage onRetry={() => void camera.refetch()}>The camera could not be loaded: {describeRefusal(camera.error)}</ErrorMessage>
        <p>
          <Link to="/cameras">Back to the cameras</Link>
        </p>
      </section>
    );
  }
  if (camera.data === undefined) {
    return (
      <p className="loading" role="status">
        Loading the camera…
      </p>
    );
  }
  // Keyed by the revision: a camera read again after a refusal starts the form afresh.
  return <CameraForm key={camera.data.revision} camera={camera.data} />;
}

function CameraForm({ camera }: { camera?: Camera }) {
  const creating = camera === undefined;
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const agents = useQuery(camerasQuery()).data?.agents ?? [];
  const [values, setValues] = useState<CameraFormValues>(camera !== undefined ? valuesOf(camera) : EMPTY_CAMERA);
  const [errors, setErrors] = useState<FormErrors<CameraField>>(emptyErrors);
  const [probe, setProbe] = useState<ProbeResult>();
  const save = useMutation({
    mutationFn: (v: CameraFormValues) =>
      camera === undefined ? createCamera(toCreateCamera(v)) : updateCamera(camera.id, toUpdateCamera(v, camera.revision)),
    onSuccess: (saved) => {
      void queryClient.invalidateQueries({ queryKey: cameraKeys.all });
      void navigate("/cameras", {
        state: {
          notice: creating
            ? `${saved.name} has been added; agent ${saved.agent} starts it within 2 seconds.`
            : `${saved.name} has been changed; agent ${saved.agent} picks the change up within 2 seconds.`,
        },
      });
    },
    onError: (error) => setErrors(mapRefusal(error, CAMERA_FIELDS, CAMERA_CONFLICTS)),
  });
  const test = useMutation({
    mutationFn: () => {
      const source = values.source.trim();
      if (source === "" && camera !== undefined) return testCamera(camera.id);
      return testSource(source, values.agent.trim() === "" ? undefined : values.agent.trim());
    },
    onMutate: () => setProbe(undefined),
    onSuccess: setProbe,
  });
  const set =
    <K extends keyof CameraFormValues>(field: K) =>
    (value: CameraFormValues[K]) =>
      setValues((v) => ({ ...v, [field]: value }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const check = checkCamera(values, creating);
    if (Object.keys(check).length > 0) {
      setErrors(localErrors(check));
      return;
    }
    setErrors(emptyErrors());
    save.mutate(values);
  };
  const title = creating ? "Add a camera" : `Change ${camera.name}`;
  const canTest = values.source.trim() !== "" || !creating;
  const reporting = agents.map((a) => a.name);
  return (
    <section className="page page--narrow camera-form">
      <PageHeading title={title} />
      <ErrorSummary
        title={creating ? "The camera was not added" : "The camera was not changed"}
        messages={errors.form}
        fields={invalidFieldLinks(errors, CAMERA_FIELDS, CAMERA_LABELS, fieldId)}
      />
      <form onSubmit={submit} noValidate className="form">
        {creating ? (
          <TextField
            id={fieldId("id")}
            label={CAMERA_LABELS.id}
            autoComplete="off"
            value={values.id}
            onChange={set("id")}
            errors={errors.fields.id}
            maxLength={64}
            hint="Letters, digits, - and _; it cannot be changed later (it names the camera's events)."
            required
          />
        ) : (
          <p>
            Id: <strong>{camera.id}</strong>
          </p>
        )}
        <TextField
          id={fieldId("name")}
          label={CAMERA_LABELS.name}
          autoComplete="off"
          value={values.name}
          onChange={set("name")}
          errors={errors.fields.name}
          maxLength={100}
          hint={creating ? "What people call it, e.g. Main door; the id when left empty." : undefined}
        />
        <TextField
          id={fieldId("source")}
          label={CAMERA_LABELS.source}
          autoComplete="off"
          value={values.source}
          onChange={set("source")}
          errors={errors.fields.source}
          maxLength={2048}
          hint={
            creating
              ? "rtsp://user:password@host/path, http(s)://…, a video file's path, or device:<index>."
              : `Stored: ${camera.source}. Leave empty to keep it${camera.source_has_credentials ? " and its credentials" : ""}; type a new one to replace it.`
          }
          required={creating}
        />
        <div className="actions">
          <button type="button" className="button" onClick={() => test.mutate()} disabled={!canTest || test.isPending}>
            {test.isPending ? "Testing…" : "Test connection"}
          </button>
        </div>
        <div aria-live="polite">
          {probe !== undefined ? (
            <p className={probe.ok ? "probe probe--ok" : "probe probe--failed"}>{probeSentence(probe)}</p>
          ) : null}
          {test.isError ? <p className="field__errors">The test was not run: {describeRefusal(test.error)}</p> : null}
        </div>
        <SelectField
          id={fieldId("role")}
          label={CAMERA_LABELS.role}
          value={values.role}
          onChange={set("role")}
          errors={errors.fields.role}
          options={ROLES.map((r) => ({ value: r, label: ROLE_LABELS[r] }))}
          hint="Whether a face seen here checks people in, out, or either."
          required
        />
        <TextField
          id={fieldId("sample_fps")}
          label={CAMERA_LABELS.sample_fps}
          type="number"
          inputMode="decimal"
          min={0.1}
          max={60}
          step="any"
          value={values.sample_fps}
          onChange={set("sample_fps")}
          errors={errors.fields.sample_fps}
          hint="More than 0 and at most 60; 5 is usually enough."
          required
        />
        <TextField
          id={fieldId("agent")}
          label={CAMERA_LABELS.agent}
          autoComplete="off"
          value={values.agent}
          onChange={set("agent")}
          errors={errors.fields.agent}
          hint={
            reporting.length > 0
              ? `The camera-agent (its AGENT_NAME) that runs it. Reporting now: ${reporting.join(", ")}.`
              : "The camera-agent (its AGENT_NAME) that runs it; none is reporting now."
          }
          required
        />
        <CheckboxField
          id="camera-enabled"
          label="Enabled"
          checked={values.enabled}
          onChange={set("enabled")}
          hint="A disabled camera is kept but not run."
        />
        <fieldset>
          <legend>Region of interest (optional)</legend>
          <p className="field__hint" id="camera-roi-hint">
            The part of the frame searched for faces, as fractions of its width and height (0 to 1). Leave all four empty to
            search the whole frame.
          </p>
          {errors.fields.roi !== undefined ? (
            <ul className="field__errors">
              {errors.fields.roi.map((m) => (
                <li key={m}>{m}</li>
              ))}
            </ul>
          ) : null}
          <div className="camera-form__roi">
            <TextField id="camera-roi_x" label="x" type="number" inputMode="decimal" min={0} max={1} step="any" value={values.roi_x} onChange={set("roi_x")} />
            <TextField id="camera-roi_y" label="y" type="number" inputMode="decimal" min={0} max={1} step="any" value={values.roi_y} onChange={set("roi_y")} />
            <TextField
              id="camera-roi_width"
              label="Width"
              type="number"
              inputMode="decimal"
              min={0}
              max={1}
              step="any"
              value={values.roi_width}
              onChange={set("roi_width")}
            />
            <TextField
              id="camera-roi_height"
              label="Height"
              type="number"
              inputMode="decimal"
              min={0}
              max={1}
              step="any"
              value={values.roi_height}
              onChange={set("roi_height")}
            />
          </div>
        </fieldset>
        <fieldset>
          <legend>Video files only</legend>
          <CheckboxField
            id="camera-realtime"
            label="Play at the video's own pace"
            checked={values.realtime}
            onChange={set("realtime")}
            hint="Off: as fast as the agent can decode."
          />
          <CheckboxField id="camera-repeat" label="Start again at the end" checked={values.repeat} onChange={set("repeat")} />
        </fieldset>
        <div className="form__actions">
          <button type="submit" className="button button--primary" disabled={save.isPending}>
            {save.isPending ? "Saving…" : creating ? "Add the camera" : "Save the changes"}
          </button>
          <Link to="/cameras" className="button">
            Cancel
          </Link>
        </div>
      </form>
    </section>
  );
}
