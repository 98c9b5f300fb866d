// The Kiosks page (/kiosks, admins and HR; read-only for HR): every kiosk with its state
// (unpaired, paired, revoked), its camera id and mode, when it was paired and last seen.
// Admins add a kiosk (name, camera id, mode), pair a device ("Pair a device" shows a one-time
// code in large type and its link, with when it expires), revoke a paired device and delete a
// kiosk, each after a question. Anyone else is told it is not theirs.

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link } from "react-router";
import { roleLabel, useSignedIn } from "../auth/session";
import { Dialog } from "../components/Dialog";
import { ErrorMessage, ErrorSummary } from "../components/ErrorSummary";
import { SelectField, TextField } from "../components/Field";
import { PageHeading } from "../components/PageHeading";
import { emptyErrors, type FormErrors } from "../lib/formErrors";
import { describeRefusal, invalidFieldLinks, localErrors, mapRefusal } from "../lib/refusal";
import { formatDate } from "../people/api";
import { ConfirmDialog } from "../policies/ConfirmDialog";
import {
  MODES,
  MODE_LABELS,
  createKiosk,
  createPairing,
  deleteKiosk,
  kioskKeys,
  kiosksQuery,
  revokeKiosk,
  type Kiosk,
  type KioskMode,
  type Pairing,
} from "../kiosk/api";
import { checkKiosk, KIOSK_CONFLICTS, KIOSK_FIELDS, KIOSK_LABELS, stateLabel, type KioskField } from "../kiosk/kioskForm";
import "../styles/kiosks.css";

export default function KiosksPage() {
  const session = useSignedIn();
  const role = session.operator.role;
  if (role !== "admin" && role !== "hr") {
    return (
      <section className="page page--narrow">
        <PageHeading title="Not allowed" />
        <p className="banner banner--error" role="alert">
          Only an administrator or HR can see the kiosks.
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
  return <KiosksView admin={role === "admin"} />;
}

type Question = { kind: "revoke" | "delete"; kiosk: Kiosk };

function KiosksView({ admin }: { admin: boolean }) {
  const list = useQuery(kiosksQuery());
  const [pairing, setPairing] = useState<{ kiosk: Kiosk; pairing: Pairing }>();
  const [question, setQuestion] = useState<Question>();
  const [notice, setNotice] = useState<string>();
  return (
    <section className="page kiosks">
      <PageHeading title="Kiosks" />
      <p className="page__lead">
        A kiosk is a tablet or PC by an entrance, showing the console's <strong>/kiosk</strong> page: people check in by
        showing their face, and its frames are decided like a camera's.
        {admin ? " Add a kiosk, then pair the device with a one-time code." : " Only an administrator can change them."}
      </p>
      {notice !== undefined ? (
        <p className="banner banner--success" role="status">
          {notice}
        </p>
      ) : null}
      {list.isError ? (
        <ErrorMessage onRetry={() => void list.refetch()}>The kiosks could not be loaded: {describeRefusal(list.error)}</ErrorMessage>
      ) : null}
      {list.isPending && !list.isError ? (
        <p className="loading" role="status">
          Loading the kiosks…
        </p>
      ) : null}
      {list.data !== undefined ? (
        list.data.length === 0 ? (
          <p>No kiosk yet.{admin ? " Add one below." : ""}</p>
        ) : (
          <ul className="kiosk-list" aria-label="Kiosks">
            {list.data.map((kiosk) => (
              <KioskCard
                key={kiosk.id}
                kiosk={kiosk}
                admin={admin}
                onPaired={(p) => setPairing({ kiosk, pairing: p })}
                onAsk={(kind) => setQuestion({ kind, kiosk })}
              />
            ))}
          </ul>
        )
      ) : null}
      {admin ? <AddKiosk onAdded={(k) => setNotice(`${k.name} has been added. Pair a device to start it.`)} /> : null}
      {pairing !== undefined ? <PairingDialog {...pairing} onClose={() => setPairing(undefined)} /> : null}
      {question !== undefined ? (
        <QuestionDialog
          question={question}
          onDone={(message) => {
            setQuestion(undefined);
            setNotice(message);
          }}
          onClose={() => setQuestion(undefined)}
        />
      ) : null}
    </section>
  );
}

function KioskCard({
  kiosk,
  admin,
  onPaired,
  onAsk,
}: {
  kiosk: Kiosk;
  admin: boolean;
  onPaired: (pairing: Pairing) => void;
  onAsk: (kind: "revoke" | "delete") => void;
}) {
  const queryClient = useQueryClient();
  const pair = useMutation({
    mutationFn: () => createPairing(kiosk.id),
    onSuccess: (pairing) => {
      void queryClient.invalidateQueries({ queryKey: kioskKeys.all });
      onPaired(pairing);
    },
  });
  const titleId = `kiosk-${kiosk.id}-title`;
  return (
    <li className="kiosk-card" aria-labelledby={titleId}>
      <h2 id={titleId} className="kiosk-card__title">
        {kiosk.name}
      </h2>
      <p className="kiosk-card__state">
        <span className={`badge badge--kiosk-${kiosk.state}`}>{stateLabel(kiosk.state)}</span>
      </p>
      <dl className="kiosk-card__facts">
        <div>
          <dt>Camera id</dt>
          <dd>{kiosk.camera_id}</dd>
        </div>
        <div>
          <dt>Mode</dt>
          <dd>{MODE_LABELS[kiosk.mode]}</dd>
        </div>
        <div>
          <dt>Paired on</dt>
          <dd>{formatDate(kiosk.paired_at)}</dd>
        </div>
        <div>
          <dt>Last seen</dt>
          <dd>{formatDate(kiosk.last_seen_at)}</dd>
        </div>
        {kiosk.revoked_at !== null && kiosk.revoked_at !== undefined ? (
          <div>
            <dt>Revoked on</dt>
            <dd>{formatDate(kiosk.revoked_at)}</dd>
          </div>
        ) : null}
      </dl>
      {admin ? (
        <>
          <div className="actions">
            <button
              type="button"
              className="button button--primary"
              onClick={() => pair.mutate()}
              disabled={pair.isPending}
              aria-label={`Pair a device with ${kiosk.name}`}
            >
              {pair.isPending ? "Making a code…" : "Pair a device"}
            </button>
            {kiosk.state === "paired" ? (
              <button type="button" className="button" onClick={() => onAsk("revoke")} aria-label={`Revoke ${kiosk.name}`}>
                Revoke
              </button>
            ) : null}
            <button type="button" className="button button--danger" onClick={() => onAsk("delete")} aria-label={`Delete ${kiosk.name}`}>
              Delete
            </button>
          </div>
          {pair.isError ? (
            <p className="field__errors" role="alert">
              No code was made: {describeRefusal(pair.error)}
            </p>
          ) : null}
        </>
      ) : null}
    </li>
  );
}

function PairingDialog({ kiosk, pairing, onClose }: { kiosk: Kiosk; pairing: Pairing; onClose: () => void }) {
  const expires = new Date(pairing.expires_at);
  const until = Number.isNaN(expires.getTime())
    ? pairing.expires_at
    : expires.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
  return (
    <Dialog open title={`Pair a device with ${kiosk.name}`} onClose={onClose}>
      <p>On the kiosk's device, open the link below, or open the console's /kiosk page there and type the code.</p>
      <p className="pairing__code">
        <span className="visually-hidden">Pairing code: </span>
        <span data-testid="pairing-code">{pairing.code}</span>
      </p>
      <p className="pairing__link">
        Link: <code data-testid="pairing-link">{pairing.link}</code>
      </p>
      <p>
        Valid once, until <strong>{until}</strong> (10 minutes). It is shown only now: a new code replaces it.
        {kiosk.state === "paired" ? " Pairing another device disconnects the one paired now." : ""}
      </p>
      <div className="form__actions">
        <button type="button" className="button" onClick={onClose} autoFocus>
          Done
        </button>
      </div>
    </Dialog>
  );
}

function QuestionDialog({ question, onDone, onClose }: { question: Question; onDone: (notice: string) => void; onClose: () => void }) {
  const queryClient = useQueryClient();
  const { kind, kiosk } = question;
  const act = useMutation({
    mutationFn: async () => {
      if (kind === "revoke") await revokeKiosk(kiosk.id);
      else await deleteKiosk(kiosk.id);
    },
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: kioskKeys.all });
      onDone(kind === "revoke" ? `${kiosk.name} has been revoked: its device stopped.` : `${kiosk.name} has been deleted.`);
    },
  });
  return (
    <ConfirmDialog
      open
      title={kind === "revoke" ? `Revoke ${kiosk.name}?` : `Delete ${kiosk.name}?`}
      confirmLabel={kind === "revoke" ? "Revoke the device" : "Delete the kiosk"}
      pendingLabel={kind === "revoke" ? "Revoking…" : "Deleting…"}
      pending={act.isPending}
      error={act.error}
      failure={kind === "revoke" ? "The kiosk was not revoked" : "The kiosk was not deleted"}
      onConfirm={() => act.mutate()}
      onClose={onClose}
    >
      <p>
        {kind === "revoke"
          ? "Its device is refused from its next request and says it was disconnected. Pair a device again to use the kiosk."
          : "Its device is refused from its next request. The attendance already recorded from it stays."}
      </p>
    </ConfirmDialog>
  );
}

const fieldId = (field: KioskField) => `kiosk-${field}`;

function AddKiosk({ onAdded }: { onAdded: (kiosk: Kiosk) => void }) {
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const [cameraId, setCameraId] = useState("");
  const [mode, setMode] = useState<KioskMode>("entry");
  const [errors, setErrors] = useState<FormErrors<KioskField>>(emptyErrors);
  const save = useMutation({
    mutationFn: createKiosk,
    onSuccess: (kiosk) => {
      void queryClient.invalidateQueries({ queryKey: kioskKeys.all });
      setName("");
      setCameraId("");
      setMode("entry");
      onAdded(kiosk);
    },
    onError: (error) => setErrors(mapRefusal(error, KIOSK_FIELDS, KIOSK_CONFLICTS)),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const body = { name: name.trim(), camera_id: cameraId.trim(), mode };
    const check = checkKiosk(body);
    if (Object.keys(check).length > 0) {
      setErrors(localErrors(check));
      return;
    }
    setErrors(emptyErrors());
    save.mutate(body);
  };
  return (
    <section aria-labelledby="add-kiosk-title" className="kiosks__add">
      <h2 id="add-kiosk-title">Add a kiosk</h2>
      <ErrorSummary
        title="The kiosk was not added"
        messages={errors.form}
        fields={invalidFieldLinks(errors, KIOSK_FIELDS, KIOSK_LABELS, fieldId)}
      />
      <form onSubmit={submit} noValidate className="form">
        <TextField
          id={fieldId("name")}
          label={KIOSK_LABELS.name}
          autoComplete="off"
          value={name}
          onChange={setName}
          errors={errors.fields.name}
          maxLength={80}
          hint="What people call it, e.g. Reception; it is shown on the kiosk."
          required
        />
        <TextField
          id={fieldId("camera_id")}
          label={KIOSK_LABELS.camera_id}
          autoComplete="off"
          value={cameraId}
          onChange={setCameraId}
          errors={errors.fields.camera_id}
          maxLength={64}
          hint="The camera its frames are published as (letters, digits, - and _): it names its attendance's source. Not a CCTV camera's."
          required
        />
        <SelectField
          id={fieldId("mode")}
          label={KIOSK_LABELS.mode}
          value={mode}
          onChange={setMode}
          errors={errors.fields.mode}
          options={MODES.map((m) => ({ value: m, label: MODE_LABELS[m] }))}
          required
        />
        <div className="form__actions">
          <button type="submit" className="button button--primary" disabled={save.isPending}>
            {save.isPending ? "Adding…" : "Add kiosk"}
          </button>
        </div>
      </form>
    </section>
  );
}
