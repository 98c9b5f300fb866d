// What the kiosk says after a decision, in large type: the first name the console gave (never
// anything else about the person), the action and its time on the kiosk's clock. Pure.

import type { FrameResult } from "./api";

export type GreetingTone = "welcome" | "goodbye" | "unknown";

export interface Greeting {
  /** The large line: "Good morning, Ada". */
  title: string;
  /** What happened: "checked in at 08:02". */
  detail: string;
  tone: GreetingTone;
}

/** "08:02": hours and minutes on this device's clock, 24-hour. */
export function clockTime(iso: string | null | undefined, fallback: Date): string {
  const date = iso === null || iso === undefined ? fallback : new Date(iso);
  const shown = Number.isNaN(date.getTime()) ? fallback : date;
  return `${String(shown.getHours()).padStart(2, "0")}:${String(shown.getMinutes()).padStart(2, "0")}`;
}

/** Good morning before noon, good afternoon until six, good evening after. */
export function salutation(at: Date): string {
  const hour = at.getHours();
  if (hour < 12) return "Good morning";
  if (hour < 18) return "Good afternoon";
  return "Good evening";
}

function named(words: string, name: string | null | undefined): string {
  const first = name?.trim();
  return first === undefined || first === "" ? words : `${words}, ${first}`;
}

/** The greeting for a decision; undefined for `no_face`, which shows nothing. */
export function greetingFor(result: Pick<FrameResult, "outcome" | "greeting_name" | "at">, now: Date): Greeting | undefined {
  const at = result.at === null || result.at === undefined ? now : new Date(result.at);
  const time = clockTime(result.at, now);
  switch (result.outcome) {
    case "checked_in":
      return { title: named(salutation(Number.isNaN(at.getTime()) ? now : at), result.greeting_name), detail: `checked in at ${time}`, tone: "welcome" };
    case "checked_out":
      return { title: named("Goodbye", result.greeting_name), detail: `checked out at ${time}`, tone: "goodbye" };
    case "already_checked_in":
      return { title: named("Welcome back", result.greeting_name), detail: `already checked in at ${time}`, tone: "welcome" };
    case "not_recognised":
      return { title: "Not recognised", detail: "please see reception", tone: "unknown" };
    case "no_face":
      return undefined;
  }
}

/** The greeting as one sentence, as a screen reader hears it: "Good morning, Ada — checked in at 08:02". */
export function greetingSentence(greeting: Greeting): string {
  return `${greeting.title} — ${greeting.detail}`;
}
