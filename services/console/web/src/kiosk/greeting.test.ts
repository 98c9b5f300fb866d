// The kiosk's greetings: the first name and the time on the device's clock, the salutation by
// the time of day, and nothing for a frame without a face.

import { describe, expect, it } from "vitest";
import { clockTime, greetingFor, greetingSentence, salutation } from "./greeting";

// Local times (no zone): the device's clock, whatever the test machine's zone.
const NOW = new Date("2026-12-07T10:00:00");

describe("the kiosk's greetings", () => {
  it("greets a check-in by the time of day, with the first name and time", () => {
    const morning = greetingFor({ outcome: "checked_in", greeting_name: "Ada", at: "2026-12-07T08:02:00" }, NOW);
    expect(morning && greetingSentence(morning)).toBe("Good morning, Ada — checked in at 08:02");
    const afternoon = greetingFor({ outcome: "checked_in", greeting_name: "Ada", at: "2026-12-07T13:15:00" }, NOW);
    expect(afternoon?.title).toBe("Good afternoon, Ada");
    expect(salutation(new Date("2026-12-07T19:00:00"))).toBe("Good evening");
  });

  it("says goodbye, welcome back and not recognised", () => {
    const out = greetingFor({ outcome: "checked_out", greeting_name: "Ada", at: "2026-12-07T17:31:00" }, NOW);
    expect(out && greetingSentence(out)).toBe("Goodbye, Ada — checked out at 17:31");
    expect(out?.tone).toBe("goodbye");
    const again = greetingFor({ outcome: "already_checked_in", greeting_name: "Ada", at: "2026-12-07T08:02:00" }, NOW);
    expect(again && greetingSentence(again)).toBe("Welcome back, Ada — already checked in at 08:02");
    const unknown = greetingFor({ outcome: "not_recognised", greeting_name: "Mallory", at: null }, NOW);
    expect(unknown && greetingSentence(unknown)).toBe("Not recognised — please see reception");
    expect(unknown?.tone).toBe("unknown");
  });

  it("shows nothing for a frame without a face, and the device's time when none is given", () => {
    expect(greetingFor({ outcome: "no_face" }, NOW)).toBeUndefined();
    const noName = greetingFor({ outcome: "checked_in", greeting_name: null, at: null }, NOW);
    expect(noName && greetingSentence(noName)).toBe("Good morning — checked in at 10:00");
    expect(clockTime("not a time", NOW)).toBe("10:00");
  });
});
