// Which review item is shown, as pure functions over the queue the API last answered: moving
// with j/k, advancing at once when a decision is made (the item is hidden while its request
// is on the way, and comes back if the API refuses it), and staying in place when another
// operator's decision makes the shown item vanish from a refetch.

export interface Cursor {
  /** The item shown, by id; undefined before the first answer or when the queue is empty. */
  id: string | undefined;
  /** Its place among the visible items, to fall back on when it vanishes. */
  index: number;
  /** Items decided here whose decision the queue may not reflect yet. */
  hidden: ReadonlySet<string>;
}

export const START: Cursor = { id: undefined, index: 0, hidden: new Set() };

export interface Position<T> {
  /** The items still to decide, oldest first. */
  visible: T[];
  item: T | undefined;
  /** The item's index in `visible` (0 when there is none). */
  index: number;
}

export function visibleItems<T extends { id: string }>(items: readonly T[], hidden: ReadonlySet<string>): T[] {
  return items.filter((item) => !hidden.has(item.id));
}

function clamp(index: number, length: number): number {
  return Math.max(0, Math.min(index, length - 1));
}

/**
 * Where the cursor is in `items`: its item if still there; else the item that took its place
 * (the next one, or the last when it was at the end); the first when nothing was chosen.
 */
export function resolve<T extends { id: string }>(items: readonly T[], cursor: Cursor): Position<T> {
  const visible = visibleItems(items, cursor.hidden);
  if (visible.length === 0) return { visible, item: undefined, index: 0 };
  const found = cursor.id === undefined ? -1 : visible.findIndex((item) => item.id === cursor.id);
  const index = found >= 0 ? found : clamp(cursor.index, visible.length);
  return { visible, item: visible[index], index };
}

/** The cursor pinned to where `resolve` puts it, so a later vanishing is measured from there. */
export function settle<T extends { id: string }>(items: readonly T[], cursor: Cursor): Cursor {
  const { item, index } = resolve(items, cursor);
  if (item?.id === cursor.id && index === cursor.index) return cursor;
  return { ...cursor, id: item?.id, index };
}

/** `j` (+1) and `k` (−1): the next or previous item, stopping at either end. */
export function step<T extends { id: string }>(items: readonly T[], cursor: Cursor, by: 1 | -1): Cursor {
  const { visible, index } = resolve(items, cursor);
  if (visible.length === 0) return cursor;
  const target = clamp(index + by, visible.length);
  return { ...cursor, id: visible[target]?.id, index: target };
}

/** Shows the item with this id (a click in the queue's strip). */
export function select<T extends { id: string }>(items: readonly T[], cursor: Cursor, id: string): Cursor {
  const index = visibleItems(items, cursor.hidden).findIndex((item) => item.id === id);
  return index < 0 ? cursor : { ...cursor, id, index };
}

/**
 * A decision was made on `id`: it is hidden at once and the item after it is shown (the one
 * before when it was the last), without waiting for the API.
 */
export function decide<T extends { id: string }>(items: readonly T[], cursor: Cursor, id: string): Cursor {
  const before = visibleItems(items, cursor.hidden);
  const at = before.findIndex((item) => item.id === id);
  const hidden = new Set(cursor.hidden);
  hidden.add(id);
  const after = visibleItems(items, hidden);
  if (after.length === 0) return { id: undefined, index: 0, hidden };
  // The decided item's place is now its successor's; deciding another item keeps the shown one.
  const shownStays = cursor.id !== undefined && cursor.id !== id && after.some((item) => item.id === cursor.id);
  if (shownStays) return settle(items, { ...cursor, hidden });
  const index = clamp(at < 0 ? cursor.index : at, after.length);
  return { id: after[index]?.id, index, hidden };
}

/** The API refused the decision on `id`: it is back in the queue (where the queue puts it). */
export function restore(cursor: Cursor, id: string): Cursor {
  if (!cursor.hidden.has(id)) return cursor;
  const hidden = new Set(cursor.hidden);
  hidden.delete(id);
  return { ...cursor, hidden };
}

/**
 * How many items are left: the queue's total, less those decided here that the answer still
 * counted (their requests not yet through when it was read).
 */
export function remaining<T extends { id: string }>(total: number, items: readonly T[], hidden: ReadonlySet<string>): number {
  const counted = items.filter((item) => hidden.has(item.id)).length;
  return Math.max(0, total - counted);
}
