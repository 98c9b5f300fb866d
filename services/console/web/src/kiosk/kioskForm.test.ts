// A new kiosk checked in the browser as the console checks it; codes normalised as typed.

import { describe, expect, it } from "vitest";
import { isPlausibleCode, normaliseCode } from "./api";
import { checkKiosk, stateLabel } from "./kioskForm";

describe("a new kiosk", () => {
  it("needs a name of at most 80 characters and a camera id the console accepts", () => {
    expect(checkKiosk({ name: "Reception", camera_id: "kiosk-reception_1", mode: "entry" })).toEqual({});
    expect(checkKiosk({ name: " ", camera_id: "", mode: "ask" })).toEqual({ name: ["Enter a name."], camera_id: ["Enter a camera id."] });
    expect(checkKiosk({ name: "x".repeat(81), camera_id: "front door", mode: "both" })).toEqual({
      name: ["At most 80 characters."],
      camera_id: ["Only letters, digits, - and _ (at most 64)."],
    });
  });

  it("names its states", () => {
    expect(stateLabel("unpaired")).toBe("Not paired");
    expect(stateLabel("revoked")).toBe("Revoked");
  });
});

describe("a pairing code", () => {
  it("is taken in capitals without spaces or dashes, 8 characters without 0, O, 1 or I", () => {
    expect(normaliseCode(" k7qm-4xrt ")).toBe("K7QM4XRT");
    expect(isPlausibleCode("K7QM4XRT")).toBe(true);
    expect(isPlausibleCode("K7QM4XR")).toBe(false);
    expect(isPlausibleCode("K7QM4XR0")).toBe(false);
    expect(isPlausibleCode("K7QM4XRI")).toBe(false);
  });
});
