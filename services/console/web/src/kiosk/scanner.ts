// The kiosk's loop: every camera frame goes through the change detector; the pacing decides
// whether it is sent; a sent frame is encoded, posted, and its answer handed to the page with
// how long each step took (the kiosk bench reads them). No React here: the page starts one
// scanner per opened camera and stops it when it leaves or the kiosk is disconnected.

import type { FrameOutcome, FrameResult } from "./api";
import { initialDetector, observe, type DetectorState } from "./changeDetector";
import type { FrameSource } from "./frameSource";
import { initialPace, onAnswer, onAsked, onFailure, onFrame, type PaceState } from "./pacing";

/** What one decision took, in performance.now() milliseconds of this page. */
export interface DecisionTiming {
  /** The appearance's first changed frame (null when it was not seen, e.g. In pressed with someone already there). */
  trigger: number | null;
  /** The decided frame: taken, encoded, answered. */
  taken: number;
  encoded: number;
  answered: number;
  /** Frames sent for this appearance up to its decision. */
  frames: number;
  stages_ms: FrameResult["stages_ms"];
}

export interface ScannerOptions {
  send: (jpeg: Blob, signal: AbortSignal) => Promise<FrameResult>;
  /** A decision (anything but no_face). */
  onDecision: (result: FrameResult, timing: DecisionTiming) => void;
  /** A frame that could not be decided (the console unreachable, refusing, slow). */
  onFailure: (error: unknown) => void;
  /** A frame answered (no_face too): the console is reachable again. */
  onAnswered?: (outcome: FrameOutcome) => void;
}

export class Scanner {
  private detector: DetectorState = initialDetector();
  private pace: PaceState = initialPace();
  private enabled = true;
  private trigger: number | null = null;
  private frames = 0;
  private readonly stopFrames: () => void;
  private readonly abort = new AbortController();

  constructor(
    private readonly source: FrameSource,
    private readonly options: ScannerOptions,
  ) {
    this.stopFrames = source.start((now) => this.frame(now));
  }

  /** Whether frames may be sent (ask mode: only after In or Out); the detector runs regardless. */
  setEnabled(enabled: boolean): void {
    this.enabled = enabled;
  }

  /** In or Out was pressed: send for `forMs` even if nobody walked up just now. */
  asked(now: number, forMs: number): void {
    this.pace = onAsked(this.pace, now, forMs);
    this.enabled = true;
  }

  stop(): void {
    this.stopFrames();
    this.abort.abort();
  }

  private frame(now: number): void {
    const observed = observe(this.detector, this.source.sample(), now);
    this.detector = observed.state;
    if (observed.verdict.appeared) {
      this.trigger = now;
      this.frames = 0;
    }
    if (!this.enabled) return;
    const paced = onFrame(this.pace, observed.verdict, now);
    this.pace = paced.state;
    if (paced.send) void this.post(now);
  }

  private async post(taken: number): Promise<void> {
    this.frames += 1;
    let encoded = taken;
    try {
      const jpeg = await this.source.encode();
      encoded = performance.now();
      const result = await this.options.send(jpeg, this.abort.signal);
      const answered = performance.now();
      if (this.abort.signal.aborted) return;
      this.pace = onAnswer(this.pace, result.outcome, answered);
      this.options.onAnswered?.(result.outcome);
      if (result.outcome !== "no_face") {
        const timing: DecisionTiming = {
          trigger: this.trigger,
          taken,
          encoded,
          answered,
          frames: this.frames,
          stages_ms: result.stages_ms,
        };
        this.trigger = null;
        this.frames = 0;
        this.options.onDecision(result, timing);
      }
    } catch (error) {
      if (this.abort.signal.aborted) return;
      this.pace = onFailure(this.pace);
      this.options.onFailure(error);
    }
  }
}
