// What a calibrated confidence means to a reviewer. face-embedder maps a face's embedding
// distance to a confidence through two measured knots (docs/calibration.md, crates/face's
// calibration.rs): at 0.70 at most 1 impostor in 1,000 is accepted, at 0.60 at most 1 in 100.
// Those two facts are all the page may claim; between and beyond them it says on which side
// of each knot the value sits.

/** Confidence at which at most 1 impostor in 1,000 scores as high (false-accept rate 1e-3). */
export const CONFIDENCE_AT_FAR_1E3 = 0.7;
/** Confidence at which at most 1 impostor in 100 scores as high (false-accept rate 1e-2). */
export const CONFIDENCE_AT_FAR_1E2 = 0.6;

export type ConfidenceBand = "strong" | "between" | "weak";

export interface ConfidenceMeaning {
  band: ConfidenceBand;
  /** The value as shown: two decimals, truncated so the shown value never crosses a knot the real one did not. */
  shown: string;
  /** `0.65: between 1 in 100 and 1 in 1,000 impostors would score this high.` */
  text: string;
}

/** `0.6999…` → `0.69`: truncated to hundredths (with a hair of tolerance for binary fractions like 0.29). */
export function formatConfidence(confidence: number): string {
  const clamped = Math.min(1, Math.max(0, confidence));
  return (Math.floor(clamped * 100 + 1e-6) / 100).toFixed(2);
}

export function confidenceBand(confidence: number): ConfidenceBand {
  if (confidence >= CONFIDENCE_AT_FAR_1E3) return "strong";
  if (confidence >= CONFIDENCE_AT_FAR_1E2) return "between";
  return "weak";
}

export function confidenceMeaning(confidence: number): ConfidenceMeaning {
  const band = confidenceBand(confidence);
  const shown = formatConfidence(confidence);
  const why: Record<ConfidenceBand, string> = {
    strong: "at most 1 impostor in 1,000 would score this high",
    between: "between 1 in 100 and 1 in 1,000 impostors would score this high",
    weak: "more than 1 impostor in 100 would score this high",
  };
  return { band, shown, text: `${shown}: ${why[band]}.` };
}

/** The runner-up's margin, for people: how much farther the second-nearest person's face is. */
export function marginText(margin: number): string {
  return `margin ${Math.max(0, margin).toFixed(2)} in distance (the smaller, the more alike the two faces are)`;
}
