import { describe, expect, it } from "vitest";
import { decide, remaining, resolve, restore, select, settle, START, step, type Cursor } from "./queue";

const items = (...ids: string[]) => ids.map((id) => ({ id }));
const shown = (list: { id: string }[], cursor: Cursor) => resolve(list, cursor).item?.id;

describe("the review queue's cursor", () => {
  it("starts at the oldest item and moves with j/k, stopping at the ends", () => {
    const queue = items("a", "b", "c");
    let cursor = settle(queue, START);
    expect(shown(queue, cursor)).toBe("a");
    cursor = step(queue, cursor, -1);
    expect(shown(queue, cursor)).toBe("a");
    for (let i = 0; i < 3; i++) cursor = step(queue, cursor, 1);
    expect(shown(queue, cursor)).toBe("c");
    expect(resolve(queue, cursor).index).toBe(2);
  });

  it("shows the next item at once after a decision, and the previous after the last", () => {
    const queue = items("a", "b", "c");
    let cursor = select(queue, settle(queue, START), "b");
    cursor = decide(queue, cursor, "b");
    expect(shown(queue, cursor)).toBe("c");
    expect(resolve(queue, cursor).visible.map((i) => i.id)).toEqual(["a", "c"]);
    cursor = decide(queue, cursor, "c");
    expect(shown(queue, cursor)).toBe("a");
    cursor = decide(queue, cursor, "a");
    expect(shown(queue, cursor)).toBeUndefined();
    expect(resolve(queue, cursor).visible).toEqual([]);
  });

  it("keeps the shown item when another one is decided", () => {
    const queue = items("a", "b", "c");
    const cursor = decide(queue, select(queue, settle(queue, START), "c"), "a");
    expect(shown(queue, cursor)).toBe("c");
  });

  it("hides a decided item until the queue drops it, and brings it back when the API refuses", () => {
    const queue = items("a", "b");
    let cursor = decide(queue, settle(queue, START), "a");
    // A refetch that answered before the decision went through still lists it.
    expect(shown(queue, cursor)).toBe("b");
    expect(remaining(2, queue, cursor.hidden)).toBe(1);
    // Once the API has it, the queue no longer counts it.
    expect(remaining(1, items("b"), cursor.hidden)).toBe(1);
    cursor = restore(cursor, "a");
    expect(resolve(queue, cursor).visible.map((i) => i.id)).toEqual(["a", "b"]);
    expect(shown(queue, cursor)).toBe("b");
    expect(restore(cursor, "zzz")).toBe(cursor);
  });

  it("moves on to the item in its place when another operator decides the shown one", () => {
    let cursor = select(items("a", "b", "c"), settle(items("a", "b", "c"), START), "b");
    // The refetch no longer has b: c took its place.
    expect(shown(items("a", "c"), cursor)).toBe("c");
    // Items vanishing before it keep it shown, and settle records its new place...
    cursor = settle(items("b", "c"), cursor);
    expect(cursor).toMatchObject({ id: "b", index: 0 });
    // ...so that when it goes too, its successor shows, not the item two places on.
    expect(shown(items("c", "d"), cursor)).toBe("c");
    // At the end, the last one left.
    const last = select(items("a", "b"), settle(items("a", "b"), START), "b");
    expect(shown(items("a"), last)).toBe("a");
  });

  it("ignores a click on an item that is not there", () => {
    const queue = items("a");
    const cursor = settle(queue, START);
    expect(select(queue, cursor, "gone")).toBe(cursor);
  });
});
