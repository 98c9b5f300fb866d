import { describe, expect, it } from "vitest";
import { confidenceBand, confidenceMeaning, formatConfidence, marginText } from "./confidence";

describe("confidenceMeaning", () => {
  it("places a value between the two knots", () => {
    expect(confidenceMeaning(0.65)).toEqual({
      band: "between",
      shown: "0.65",
      text: "0.65: between 1 in 100 and 1 in 1,000 impostors would score this high.",
    });
  });

  it("says at most 1 in 1,000 from 0.70 up, and more than 1 in 100 below 0.60", () => {
    expect(confidenceMeaning(0.7).text).toBe("0.70: at most 1 impostor in 1,000 would score this high.");
    expect(confidenceMeaning(0.93).band).toBe("strong");
    expect(confidenceMeaning(0.6).band).toBe("between");
    expect(confidenceMeaning(0.59).text).toBe("0.59: more than 1 impostor in 100 would score this high.");
  });

  it("never shows a value across a knot it did not reach", () => {
    // An f32 just under 0.70 is under the knot for the rules too.
    const justUnder = 0.6999999;
    expect(confidenceBand(justUnder)).toBe("between");
    expect(formatConfidence(justUnder)).toBe("0.69");
    // Binary fractions like 0.29 (28.999… hundredths) still read as written.
    expect(formatConfidence(0.29)).toBe("0.29");
    expect(formatConfidence(1.2)).toBe("1.00");
    expect(formatConfidence(-0.1)).toBe("0.00");
  });
});

describe("marginText", () => {
  it("gives the margin with what a small one means", () => {
    expect(marginText(0.0812)).toBe("margin 0.08 in distance (the smaller, the more alike the two faces are)");
    expect(marginText(-0.01)).toMatch(/^margin 0\.00 /);
  });
});
