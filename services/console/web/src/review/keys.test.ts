import { describe, expect, it } from "vitest";
import { actionForKey, isEditableTarget, modeAfter, type KeyContext, type KeyPress } from "./keys";

const press = (key: string, extra: Partial<KeyPress> = {}): KeyPress => ({
  key,
  ctrlKey: false,
  altKey: false,
  metaKey: false,
  editable: false,
  ...extra,
});
const BROWSE: KeyContext = { mode: "browse", canDecide: true, hasItem: true, needsDirection: false };

describe("actionForKey", () => {
  it("maps the decision keys and the moves", () => {
    expect(actionForKey(press("a"), BROWSE)).toEqual({ type: "approve" });
    expect(actionForKey(press("r"), BROWSE)).toEqual({ type: "reject" });
    expect(actionForKey(press("n"), BROWSE)).toEqual({ type: "not_a_face" });
    expect(actionForKey(press("s"), BROWSE)).toEqual({ type: "assign" });
    expect(actionForKey(press("j"), BROWSE)).toEqual({ type: "next" });
    expect(actionForKey(press("k"), BROWSE)).toEqual({ type: "previous" });
    expect(actionForKey(press("A"), BROWSE)).toEqual({ type: "approve" });
    expect(actionForKey(press("x"), BROWSE)).toBeNull();
    expect(actionForKey(press("Enter"), BROWSE)).toBeNull();
  });

  it("never fires while typing or with a modifier", () => {
    expect(actionForKey(press("a", { editable: true }), BROWSE)).toBeNull();
    expect(actionForKey(press("j", { editable: true }), BROWSE)).toBeNull();
    expect(actionForKey(press("r", { ctrlKey: true }), BROWSE)).toBeNull();
    expect(actionForKey(press("a", { metaKey: true }), BROWSE)).toBeNull();
    expect(actionForKey(press("s", { altKey: true }), BROWSE)).toBeNull();
  });

  it("repeats a held move, never a held decision", () => {
    expect(actionForKey(press("j", { repeat: true }), BROWSE)).toEqual({ type: "next" });
    expect(actionForKey(press("a", { repeat: true }), BROWSE)).toBeNull();
    expect(actionForKey(press("r", { repeat: true }), BROWSE)).toBeNull();
  });

  it("lets a viewer move but not decide, and decides nothing without an item", () => {
    const viewer = { ...BROWSE, canDecide: false };
    expect(actionForKey(press("j"), viewer)).toEqual({ type: "next" });
    expect(actionForKey(press("a"), viewer)).toBeNull();
    expect(actionForKey(press("s"), viewer)).toBeNull();
    expect(actionForKey(press("r"), { ...BROWSE, hasItem: false })).toBeNull();
  });

  it("asks which way an ambiguous_time item went, then takes i or o", () => {
    const ambiguous = { ...BROWSE, needsDirection: true };
    const ask = actionForKey(press("a"), ambiguous);
    expect(ask).toEqual({ type: "ask_direction" });
    const mode = modeAfter(ask ?? { type: "cancel" });
    expect(mode).toBe("direction");
    const asking = { ...ambiguous, mode };
    expect(actionForKey(press("i"), asking)).toEqual({ type: "approve", direction: "check_in" });
    expect(actionForKey(press("o"), asking)).toEqual({ type: "approve", direction: "check_out" });
    expect(actionForKey(press("Escape"), asking)).toEqual({ type: "cancel" });
    // Other decisions still work, and leave the question.
    const reject = actionForKey(press("r"), asking);
    expect(reject).toEqual({ type: "reject" });
    expect(modeAfter(reject ?? { type: "cancel" })).toBe("browse");
    // i and o mean nothing outside the question; Escape is the page's own then.
    expect(actionForKey(press("i"), ambiguous)).toBeNull();
    expect(actionForKey(press("Escape"), ambiguous)).toBeNull();
  });
});

describe("isEditableTarget", () => {
  it("is true in text fields, text areas, selects and editable elements, not on buttons", () => {
    const text = document.createElement("input");
    const search = Object.assign(document.createElement("input"), { type: "search" });
    const checkbox = Object.assign(document.createElement("input"), { type: "checkbox" });
    const editable = document.createElement("div");
    editable.contentEditable = "true";
    // jsdom has no layout, so isContentEditable is not computed: give it as a browser would.
    Object.defineProperty(editable, "isContentEditable", { value: true });
    expect(isEditableTarget(text)).toBe(true);
    expect(isEditableTarget(search)).toBe(true);
    expect(isEditableTarget(document.createElement("textarea"))).toBe(true);
    expect(isEditableTarget(document.createElement("select"))).toBe(true);
    expect(isEditableTarget(editable)).toBe(true);
    expect(isEditableTarget(checkbox)).toBe(false);
    expect(isEditableTarget(document.createElement("button"))).toBe(false);
    expect(isEditableTarget(document.body)).toBe(false);
    expect(isEditableTarget(null)).toBe(false);
  });
});
