// What each change of policy really does, said beside the form that makes it. Read from
// attendance-api (src/policies.rs: exceptions recompute the days they decide in the same
// transaction; shifts and rules do not) and attendance-store (policy.rs: who works which
// shift; recompute.rs: when a day is decided again).

/** Shifts and rules: from now on, and a past day only when something touches it again. */
export const FORWARD_ONLY =
  "Applies from now on. A day already decided keeps its status until something touches it again: a new sighting of the person that day, a review decision or correction on it, or the reconcile job (every few minutes, over days with recent detections), which decide the whole day again under the policy then in force.";

export const SHIFT_EFFECT = {
  who: "A person works the active shift of their organisation; people whose organisation has none work the active shift without an organisation; with neither, the active rule's hours apply. When several active shifts are for the same people, the one created first is used.",
  grace:
    "Arrivals within the lateness allowance after the start are on time; departures within the early-leave allowance before the end are not early leave. The working days are the active rule's.",
  when: FORWARD_ONLY,
  delete: "People of this shift fall back to the next shift that applies to them (see above) from now on; days already decided are not recomputed.",
} as const;

export const RULE_EFFECT = {
  one: "The site has one active rule: making a rule active deactivates the others.",
  what: "The active rule sets the working days, the confidence from which a recognised face checks a person in on its own, the confidence from which it goes to review instead (below it, the face is not counted), and the hours of people who have no active shift (with no grace period).",
  presence: "The minimum presence is stored with the rule; no attendance decision uses it yet.",
  when: FORWARD_ONLY,
  delete:
    "Deleting the active rule leaves the site on the defaults — Monday to Friday, attendance's configured thresholds (0.7 and 0.6 unless set otherwise) — until another rule is made active.",
  noneActive:
    "No rule is active: the site works Monday to Friday with attendance's configured thresholds (0.7 and 0.6 unless set otherwise), and people without a shift have no set hours.",
} as const;

export const EXCEPTION_EFFECT = {
  now: "Takes effect at once: the days it decides are recomputed in the same change — the person's day for a person's exception, every day recorded on that date for a holiday (of that organisation's persons for an organisation's).",
  kinds:
    "A holiday is a day off for everyone, or for the persons of one organisation (as the person directory names it). Leave is a day off for one person once it is approved; until then, and if it is rejected, the day counts as usual. A special event excuses nobody: people are expected at it.",
  withdrawn:
    "Deleting or moving a holiday brings lateness back on that day at once; absences on it are concluded again only when the day-end job runs for that day.",
  decided: "Approved or rejected: only the reason can still change.",
} as const;

export const DECISION_EFFECT = {
  approve: "Approving makes the day a day off and recomputes it now: a lateness or absence on it is taken back.",
  reject: "Rejecting keeps the request on record as rejected; the day counts as a working day.",
} as const;
