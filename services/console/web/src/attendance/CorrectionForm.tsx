// A correction of a record: a verdict on one of its sightings ("this sighting was not them",
// or confirmed, as a check-in or a check-out) with the reason, required and kept in the
// record's history under the operator's name; attendance-api recomputes the day with it.
// Reasons found in the browser and the API's own refusals are shown beside their fields,
// anything else with its code above the form; nothing typed is lost.

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent, type ReactNode } from "react";
import { ApiError } from "../api/client";
import { sentence } from "../lib/errors";
import { ErrorSummary } from "../components/ErrorSummary";
import { TextAreaField } from "../components/Field";
import { correct, refreshAttendance } from "./api";
import { REASON_MAX, VERDICTS, VERDICT_LABELS, correctionBody, refusalText, type CorrectionDraft, type CorrectionField, type Verdict } from "./forms";
import { RadioGroup } from "./RadioGroup";
import { statusLabel } from "./recordsQuery";

export interface SightingOption {
  detectionId: string;
  label: ReactNode;
}

interface Props {
  sightings: SightingOption[];
  /** The sighting to start with (a "Correct this sighting" button chose it). */
  initial?: string | undefined;
}

const FIELD_IDS: Record<CorrectionField, string> = {
  detection_id: "correction-sighting",
  verdict: "correction-verdict",
  reason: "correction-reason",
};
const FIELD_LABELS: Record<CorrectionField, string> = {
  detection_id: "Sighting",
  verdict: "What it was",
  reason: "Reason",
};
const FIELDS = Object.keys(FIELD_IDS) as CorrectionField[];

/**
 * The API's refusal: its reason and code above the form, each field's reasons beside the
 * field (a sighting the API does not know, or cannot correct, beside the sighting).
 */
function refusalErrors(error: unknown): { fields: Partial<Record<CorrectionField, string[]>>; form: string[] } {
  if (!(error instanceof ApiError)) return { fields: {}, form: [refusalText(error)] };
  const fields: Partial<Record<CorrectionField, string[]>> = {};
  const form = [`${sentence(error.message)} (${error.code})`];
  for (const issue of error.details) {
    const field = FIELDS.find((f) => f === issue.field);
    if (field === undefined) form.push(sentence(`${issue.field}: ${issue.message} (${issue.code})`));
    else fields[field] = [...(fields[field] ?? []), sentence(`${issue.message} (${issue.code})`)];
  }
  if (error.code === "detection_not_found" || error.code === "unknown_face") {
    fields.detection_id = [...(fields.detection_id ?? []), `${sentence(error.message)} (${error.code})`];
  }
  return { fields, form };
}

export function CorrectionForm({ sightings, initial }: Props) {
  const queryClient = useQueryClient();
  const only = sightings.length === 1 ? sightings[0]?.detectionId : undefined;
  const [draft, setDraft] = useState<CorrectionDraft>({ detectionId: initial ?? only ?? "", verdict: "", reason: "" });
  const [local, setLocal] = useState<Partial<Record<CorrectionField, string[]>>>({});
  const [saved, setSaved] = useState<string>();
  const save = useMutation({
    mutationFn: correct,
    onSuccess: (result) => {
      setSaved(
        result.attendance === null || result.attendance === undefined
          ? "The correction is saved: nothing is left of the day."
          : `The correction is saved: the day is now ${statusLabel(result.attendance.status)}.`,
      );
      setDraft((d) => ({ ...d, verdict: "", reason: "" }));
      void refreshAttendance(queryClient);
    },
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSaved(undefined);
    const body = correctionBody(draft);
    if (!body.ok) {
      save.reset();
      setLocal(body.errors);
      return;
    }
    setLocal({});
    save.mutate(body.body);
  };

  const api = save.isError ? refusalErrors(save.error) : { fields: {}, form: [] };
  const errors: Partial<Record<CorrectionField, string[]>> = Object.keys(local).length > 0 ? local : api.fields;
  const links = FIELDS.filter((f) => (errors[f]?.length ?? 0) > 0).map((f) => ({ id: FIELD_IDS[f], label: FIELD_LABELS[f] }));

  return (
    <form className="form" noValidate onSubmit={submit} data-testid="correction-form">
      <ErrorSummary title="The correction was not saved" messages={Object.keys(local).length > 0 ? [] : api.form} fields={links} />
      <RadioGroup<string>
        id={FIELD_IDS.detection_id}
        name="correction-sighting"
        legend="Which sighting"
        required
        options={sightings.map((s) => ({ value: s.detectionId, label: s.label }))}
        value={draft.detectionId}
        onChange={(detectionId) => setDraft({ ...draft, detectionId })}
        errors={errors.detection_id}
      />
      <RadioGroup<Verdict>
        id={FIELD_IDS.verdict}
        name="correction-verdict"
        legend="What it was"
        required
        options={VERDICTS.map((v) => ({ value: v, label: VERDICT_LABELS[v] }))}
        value={draft.verdict}
        onChange={(verdict) => setDraft({ ...draft, verdict })}
        errors={errors.verdict}
      />
      <TextAreaField
        id={FIELD_IDS.reason}
        label="Reason"
        required
        hint={`Kept in the record's history with your name; at most ${REASON_MAX} characters, on one line.`}
        value={draft.reason}
        onChange={(reason) => setDraft({ ...draft, reason })}
        maxLength={REASON_MAX}
        errors={errors.reason}
      />
      <div className="form__actions">
        <button type="submit" className="button button--primary" disabled={save.isPending}>
          {save.isPending ? "Saving…" : "Save the correction"}
        </button>
      </div>
      <p role="status" className={saved !== undefined ? "banner banner--success" : "visually-hidden"}>
        {saved ?? ""}
      </p>
    </form>
  );
}
