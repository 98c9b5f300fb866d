// The review page's keyboard, as a pure state machine: which key does what in which mode, so
// the page's listener only translates a keydown into `actionForKey` and carries the action
// out. Keys never fire while the operator types in a field (the reason, the search box), nor
// with Ctrl, Alt or Meta (the browser's and the screen reader's own shortcuts), nor for a
// viewer's decisions; a held key repeats a move, never a decision.

export type Direction = "check_in" | "check_out";

/**
 * `browse`: deciding items. `direction`: approving an `ambiguous_time` item, waiting for which
 * way it went (`i` or `o`).
 */
export type KeyMode = "browse" | "direction";

export type ReviewAction =
  | { type: "approve"; direction?: Direction }
  | { type: "ask_direction" }
  | { type: "reject" }
  | { type: "not_a_face" }
  | { type: "assign" }
  | { type: "next" }
  | { type: "previous" }
  | { type: "cancel" };

export interface KeyContext {
  mode: KeyMode;
  /** The operator may decide (attendance:write); without it only j/k move. */
  canDecide: boolean;
  /** An item is shown. */
  hasItem: boolean;
  /** The item is `ambiguous_time`: approving it needs a direction. */
  needsDirection: boolean;
}

export interface KeyPress {
  key: string;
  ctrlKey: boolean;
  altKey: boolean;
  metaKey: boolean;
  /** The keydown happened in a text field, a select or an editable element. */
  editable: boolean;
  /** The key is held down: moving may repeat, deciding never does. */
  repeat?: boolean;
}

/** The shortcuts as the page documents them (help, `aria-keyshortcuts`). */
export const SHORTCUTS = {
  approve: "a",
  reject: "r",
  assign: "s",
  notAFace: "n",
  checkIn: "i",
  checkOut: "o",
  next: "j",
  previous: "k",
} as const;

/** What a key press does, or null when the page must leave it alone. */
export function actionForKey(press: KeyPress, context: KeyContext): ReviewAction | null {
  if (press.editable || press.ctrlKey || press.altKey || press.metaKey) return null;
  if (press.key === "Escape") return context.mode === "direction" ? { type: "cancel" } : null;
  // Caps Lock or Shift gives the same command.
  const key = press.key.length === 1 ? press.key.toLowerCase() : press.key;
  if (key === SHORTCUTS.next) return { type: "next" };
  if (key === SHORTCUTS.previous) return { type: "previous" };
  if (!context.canDecide || !context.hasItem || press.repeat === true) return null;
  if (context.mode === "direction") {
    if (key === SHORTCUTS.checkIn) return { type: "approve", direction: "check_in" };
    if (key === SHORTCUTS.checkOut) return { type: "approve", direction: "check_out" };
    // Any other decision key leaves the question and does what it says.
  }
  switch (key) {
    case SHORTCUTS.approve:
      return context.needsDirection ? { type: "ask_direction" } : { type: "approve" };
    case SHORTCUTS.reject:
      return { type: "reject" };
    case SHORTCUTS.notAFace:
      return { type: "not_a_face" };
    case SHORTCUTS.assign:
      return { type: "assign" };
    default:
      return null;
  }
}

/** The mode after an action: only asking for a direction leaves `browse`. */
export function modeAfter(action: ReviewAction): KeyMode {
  return action.type === "ask_direction" ? "direction" : "browse";
}

/** Whether a keydown's target is somewhere the keys are the operator's typing. */
export function isEditableTarget(target: EventTarget | null): boolean {
  if (typeof HTMLElement === "undefined" || !(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  if (tag === "TEXTAREA" || tag === "SELECT") return true;
  if (tag !== "INPUT") return false;
  const type = (target as HTMLInputElement).type;
  // Buttons and boxes take no text: the shortcuts still work from them.
  return !["button", "submit", "reset", "checkbox", "radio", "range", "color", "file", "image"].includes(type);
}
