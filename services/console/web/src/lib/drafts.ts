// What an operator typed into a form, kept in memory (never in storage) until it is saved or
// abandoned: a failed save, or a session that ends mid-form and sends them to sign in, loses
// nothing. Keys name the operator too, so the next operator in the same tab sees none of it.

import { useCallback, useState } from "react";

const drafts = new Map<string, unknown>();

export function loadDraft<T>(key: string): T | undefined {
  return drafts.get(key) as T | undefined;
}

export function saveDraft<T>(key: string, value: T): void {
  drafts.set(key, value);
}

export function clearDraft(key: string): void {
  drafts.delete(key);
}

export function clearAllDrafts(): void {
  drafts.clear();
}

/** Like useState, but the value outlives the component until `discard` (or a sign-out). */
export function useDraft<T>(key: string, initial: () => T): [T, (next: T) => void, () => void] {
  const [value, setValue] = useState<T>(() => loadDraft<T>(key) ?? initial());
  const set = useCallback(
    (next: T) => {
      saveDraft(key, next);
      setValue(next);
    },
    [key],
  );
  const discard = useCallback(() => clearDraft(key), [key]);
  return [value, set, discard];
}
