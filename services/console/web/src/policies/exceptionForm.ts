// The exception form (a holiday, a person's leave, a special event): its values, the checks
// attendance-api makes (CreateExceptionRequest / ExceptionInput::validate, made in the browser
// the same way) and the request bodies. A holiday is everyone's or one organisation's (the
// persons whose directory entry names it); leave is one person's and always needs an
// approval; a special event may be for any of them. Once an exception is approved or
// rejected only its reason may change.

import type { FormErrors } from "../lib/formErrors";
import type { CreateExceptionBody, ExceptionType, PolicyException, UpdateExceptionBody } from "./api";
import { checkDate, checkText } from "./values";

export const EXCEPTION_FIELDS = ["exception_type", "exception_date", "organization", "person_id", "reason", "requires_approval"] as const;
export type ExceptionField = (typeof EXCEPTION_FIELDS)[number];

export const EXCEPTION_LABELS: Record<ExceptionField, string> = {
  exception_type: "Kind",
  exception_date: "Date",
  organization: "Organisation",
  person_id: "Person",
  reason: "Reason",
  requires_approval: "Needs an approval",
};

export const TYPE_LABELS: Record<ExceptionType, string> = {
  holiday: "Holiday",
  leave: "Leave",
  special_event: "Special event",
};

export const APPROVAL_LABELS: Record<string, string> = {
  not_required: "No approval needed",
  pending: "Pending",
  approved: "Approved",
  rejected: "Rejected",
};

export const REASON_MAX = 500;
/** attendance-api's bound on an organisation's name (the person directory's). */
export const ORGANIZATION_MAX = 200;

/** Who an exception is for: everyone, the persons of one organisation, or one person. */
export type Audience = "everyone" | "organization" | "person";

export interface ExceptionFormValues {
  exception_type: ExceptionType;
  exception_date: string;
  audience: Audience;
  /** The chosen person, when `audience` is a person ("" when none is chosen yet). */
  person_id: string;
  /** The organisation, when `audience` is an organisation. */
  organization: string;
  reason: string;
  requires_approval: boolean;
}

export function emptyException(date: string, type: ExceptionType = "holiday"): ExceptionFormValues {
  return {
    exception_type: type,
    exception_date: date,
    audience: type === "leave" ? "person" : "everyone",
    person_id: "",
    organization: "",
    reason: "",
    requires_approval: type === "leave",
  };
}

export function exceptionValues(exception: PolicyException): ExceptionFormValues {
  const type = (["holiday", "leave", "special_event"] as const).find((t) => t === exception.exception_type) ?? "special_event";
  return {
    exception_type: type,
    exception_date: exception.exception_date,
    audience:
      exception.person_id !== null && exception.person_id !== undefined
        ? "person"
        : exception.organization !== null && exception.organization !== undefined
          ? "organization"
          : "everyone",
    person_id: exception.person_id ?? "",
    organization: exception.organization ?? "",
    reason: exception.reason,
    requires_approval: exception.requires_approval,
  };
}

/** Whether approved or rejected: then only the reason may change. */
export function isDecided(exception: Pick<PolicyException, "approval_status">): boolean {
  return exception.approval_status === "approved" || exception.approval_status === "rejected";
}

/**
 * The values after a change of kind: a holiday is everyone's or an organisation's, leave a
 * person's that always needs an approval; a special event keeps whom it was for, and takes no
 * approval unless asked.
 */
export function withType(values: ExceptionFormValues, type: ExceptionType): ExceptionFormValues {
  if (type === "holiday") {
    return { ...values, exception_type: type, audience: values.audience === "organization" ? "organization" : "everyone", requires_approval: false };
  }
  if (type === "leave") return { ...values, exception_type: type, audience: "person", requires_approval: true };
  return { ...values, exception_type: type, requires_approval: values.exception_type === "leave" ? false : values.requires_approval };
}

/** The person the exception is for, as sent: none for everyone. */
function personOf(values: ExceptionFormValues): string | null {
  return values.audience === "person" && values.person_id !== "" ? values.person_id : null;
}

/** The organisation the exception is for, as sent: none unless it is an organisation's. */
function organizationOf(values: ExceptionFormValues): string | null {
  const organization = values.organization.trim();
  return values.audience === "organization" && organization !== "" ? organization : null;
}

/** attendance-api's checks, each field alone and then what the kind asks of the others. */
export function checkException(values: ExceptionFormValues): FormErrors<ExceptionField> {
  const fields: FormErrors<ExceptionField>["fields"] = {};
  const fail = (field: ExceptionField, reason: string) => {
    (fields[field] ??= []).push(reason);
  };
  const date = checkDate(values.exception_date);
  if (!date.ok) fail("exception_date", date.reason);
  const reason = checkText(values.reason, REASON_MAX);
  if (!reason.ok) fail("reason", reason.reason);
  const person = personOf(values);
  if (values.exception_type === "holiday" && person !== null) {
    fail("person_id", "A holiday applies to everyone: it cannot be one person's.");
  }
  if (values.exception_type === "leave" && person === null) {
    fail("person_id", "Leave is a person's: choose whose it is.");
  }
  if (values.exception_type === "special_event" && values.audience === "person" && person === null) {
    fail("person_id", "Choose the person, or make it for everyone.");
  }
  if (values.audience === "organization") {
    if (values.exception_type === "leave") fail("organization", "Leave is a person's, not an organisation's.");
    const organization = checkText(values.organization, ORGANIZATION_MAX);
    if (!organization.ok) fail("organization", values.organization.trim() === "" ? "Give the organisation, or make it for everyone." : organization.reason);
  }
  if (values.exception_type === "leave" && !values.requires_approval) {
    fail("requires_approval", "Leave always requires approval.");
  }
  return { fields, form: [] };
}

export function toCreateException(values: ExceptionFormValues): CreateExceptionBody {
  const body: CreateExceptionBody = {
    exception_type: values.exception_type,
    exception_date: values.exception_date.trim(),
    reason: values.reason.trim(),
    requires_approval: values.exception_type === "leave" ? true : values.requires_approval,
  };
  const person = personOf(values);
  if (person !== null) body.person_id = person;
  const organization = organizationOf(values);
  if (organization !== null) body.organization = organization;
  return body;
}

/**
 * An update: only what differs from the exception as loaded (`null` to make it everyone's).
 * A new kind is sent with its approval, so the API does not fall back on the kind's default.
 */
export function toUpdateException(values: ExceptionFormValues, original: ExceptionFormValues): UpdateExceptionBody {
  const body: UpdateExceptionBody = {};
  if (values.exception_type !== original.exception_type) {
    body.exception_type = values.exception_type;
    body.requires_approval = values.exception_type === "leave" ? true : values.requires_approval;
  } else if (values.requires_approval !== original.requires_approval) {
    body.requires_approval = values.requires_approval;
  }
  if (values.exception_date.trim() !== original.exception_date) body.exception_date = values.exception_date.trim();
  const person = personOf(values);
  if (person !== personOf(original)) body.person_id = person;
  const organization = organizationOf(values);
  if (organization !== organizationOf(original)) body.organization = organization;
  if (values.reason.trim() !== original.reason) body.reason = values.reason.trim();
  return body;
}

/** Refusals about one field: the same exception exists, the person is unknown to attendance. */
export const EXCEPTION_CONFLICTS: Partial<Record<string, ExceptionField>> = {
  exception_exists: "exception_date",
  person_not_found: "person_id",
};
