// The kiosk (/kiosk, and /kiosk/pair#CODE to pair): a full-screen page for a tablet or PC by
// the entrance, outside the operator console (no navigation, no sign-in; the device has a
// cookie of its own). Unpaired it asks for a pairing code; paired it shows the webcam's
// preview with an oval to put the face in, the kiosk's name, the clock and that face
// recognition is on, sends frames while someone is in front of the camera, and shows the
// console's decision in large type for a few seconds. In `ask` mode the person presses In or
// Out first. Revoked or deleted in the console, it says so at the next request.
//
// With `?timings=1` it records what each decision took in `window.__kioskTimings` (the kiosk
// bench reads them); without the flag nothing is recorded.

import { useCallback, useEffect, useLayoutEffect, useRef, useState, type FormEvent } from "react";
import { useLocation, useNavigate } from "react-router";
import { cameraErrorMessage } from "../faces/camera";
import { ApiError, describeError } from "../lib/errors";
import {
  fetchDevice,
  isPlausibleCode,
  isRevoked,
  isUnpaired,
  normaliseCode,
  pairDevice,
  sendFrame,
  type FrameResult,
  type KioskDevice,
} from "../kiosk/api";
import { greetingFor, greetingSentence, type Greeting } from "../kiosk/greeting";
import { openFrameSource } from "../kiosk/frameSource";
import { GREETING_MS } from "../kiosk/pacing";
import { Scanner, type DecisionTiming } from "../kiosk/scanner";
import "../styles/kiosk.css";

/** How often a paired kiosk asks whether it still is, so an idle one learns of a revocation too. */
export const DEVICE_CHECK_MS = 10_000;
/** In `ask` mode, how long after In or Out the kiosk looks for a face before asking again. */
export const ASK_WINDOW_MS = 15_000;

type Screen =
  | { kind: "checking" }
  | { kind: "unreachable"; message: string }
  | { kind: "unpaired"; refusal?: string }
  | { kind: "pairing" }
  | { kind: "revoked" }
  | { kind: "paired"; device: KioskDevice };

/** One decision as the kiosk bench reads it (`window.__kioskTimings`), ms of performance.now(). */
export interface KioskTiming extends DecisionTiming {
  outcome: FrameResult["outcome"];
  /** The greeting is in the document. */
  rendered: number;
  /** The frame after: the greeting painted. */
  painted?: number;
}

declare global {
  interface Window {
    __kioskTimings?: KioskTiming[];
  }
}

function useTitle(title: string) {
  useEffect(() => {
    document.title = `${title} · faceattend kiosk`;
  }, [title]);
}

export default function KioskPage() {
  const location = useLocation();
  const navigate = useNavigate();
  const [screen, setScreen] = useState<Screen>({ kind: "checking" });
  const pairingPath = location.pathname.replace(/\/+$/, "") === "/kiosk/pair";

  const pair = useCallback(
    async (code: string) => {
      setScreen({ kind: "pairing" });
      try {
        const device = await pairDevice(code);
        setScreen({ kind: "paired", device });
        if (pairingPath) void navigate("/kiosk", { replace: true });
      } catch (error) {
        setScreen({
          kind: "unpaired",
          refusal:
            error instanceof ApiError && error.status === 401
              ? "That code is not valid: it may have been used, or more than 10 minutes have passed. Ask for a new one."
              : `The device was not paired: ${describeError(error)}`,
        });
      }
    },
    [navigate, pairingPath],
  );

  // What this device is: paired (as which kiosk), never paired, or revoked. A pairing link's
  // code is taken from the address's fragment (which no server sees) and removed from it.
  // Once per visit of the page, even where effects run twice (a code is good only once).
  const started = useRef(false);
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    if (pairingPath) {
      const code = normaliseCode(decodeURIComponent(window.location.hash.replace(/^#/, "")));
      window.history.replaceState(window.history.state, "", window.location.pathname + window.location.search);
      if (code !== "") {
        void pair(code);
        return;
      }
    }
    fetchDevice().then(
      (device) => setScreen({ kind: "paired", device }),
      (error: unknown) => {
        if (isRevoked(error)) setScreen({ kind: "revoked" });
        else if (isUnpaired(error)) setScreen({ kind: "unpaired" });
        else setScreen({ kind: "unreachable", message: describeError(error) });
      },
    );
  }, [pair, pairingPath]);

  switch (screen.kind) {
    case "checking":
      return (
        <KioskMessage title="Starting the kiosk…" status>
          <p>Asking the console what this device is.</p>
        </KioskMessage>
      );
    case "unreachable":
      return (
        <KioskMessage title="The console cannot be reached">
          <p>{screen.message}</p>
          <button type="button" className="button button--primary kiosk__big-button" onClick={() => window.location.reload()}>
            Try again
          </button>
        </KioskMessage>
      );
    case "pairing":
      return <KioskMessage title="Pairing this device…" status />;
    case "unpaired":
      return (
        <KioskMessage title="This device is not paired">
          <p>An administrator creates the kiosk on the console's Kiosks page and gives you a pairing code (or opens its link here).</p>
          <PairForm refusal={screen.refusal} onPair={(code) => void pair(code)} />
        </KioskMessage>
      );
    case "revoked":
      return (
        <KioskMessage title="This kiosk was disconnected by an administrator">
          <p>It no longer sends pictures. To use it again, ask an administrator for a new pairing code.</p>
          <PairForm onPair={(code) => void pair(code)} />
        </KioskMessage>
      );
    case "paired":
      return (
        <KioskScreen
          device={screen.device}
          onRevoked={() => setScreen({ kind: "revoked" })}
          onUnpaired={() => setScreen({ kind: "unpaired" })}
          timings={new URLSearchParams(location.search).get("timings") === "1"}
        />
      );
  }
}

function KioskMessage({ title, status = false, children }: { title: string; status?: boolean; children?: React.ReactNode }) {
  useTitle(title);
  return (
    <main className="kiosk kiosk--message" id="main">
      <div className="kiosk__panel">
        {status ? (
          <div role="status">
            <h1 className="kiosk__title">{title}</h1>
          </div>
        ) : (
          <h1 className="kiosk__title">{title}</h1>
        )}
        {children}
      </div>
    </main>
  );
}

function PairForm({ refusal, onPair }: { refusal?: string | undefined; onPair: (code: string) => void }) {
  const [typed, setTyped] = useState("");
  const [problem, setProblem] = useState<string | undefined>(refusal);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const code = normaliseCode(typed);
    if (!isPlausibleCode(code)) {
      setProblem("A pairing code has 8 letters and digits (no 0, O, 1 or I), e.g. K7QM4XRT.");
      return;
    }
    setProblem(undefined);
    onPair(code);
  };
  const invalid = problem !== undefined;
  return (
    <form className="kiosk__pair" onSubmit={submit} noValidate>
      <label htmlFor="kiosk-code">Pairing code</label>
      <input
        id="kiosk-code"
        className="kiosk__code"
        value={typed}
        onChange={(e) => setTyped(e.target.value)}
        autoComplete="off"
        autoCapitalize="characters"
        spellCheck={false}
        maxLength={12}
        aria-invalid={invalid}
        aria-describedby={invalid ? "kiosk-code-error" : undefined}
      />
      {invalid ? (
        <p id="kiosk-code-error" className="kiosk__error" role="alert">
          {problem}
        </p>
      ) : null}
      <button type="submit" className="button button--primary kiosk__big-button">
        Pair this device
      </button>
    </form>
  );
}

function Clock() {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(new Date()), 1_000);
    return () => window.clearInterval(timer);
  }, []);
  const time = `${String(now.getHours()).padStart(2, "0")}:${String(now.getMinutes()).padStart(2, "0")}`;
  return (
    <p className="kiosk__clock">
      <time dateTime={now.toISOString()}>{time}</time>
      <span className="kiosk__date">{now.toLocaleDateString(undefined, { weekday: "long", day: "numeric", month: "long" })}</span>
    </p>
  );
}

interface Shown {
  greeting: Greeting;
  outcome: FrameResult["outcome"];
  timing: DecisionTiming;
  key: number;
}

function KioskScreen({
  device,
  onRevoked,
  onUnpaired,
  timings,
}: {
  device: KioskDevice;
  onRevoked: () => void;
  onUnpaired: () => void;
  timings: boolean;
}) {
  useTitle(device.name);
  const ask = device.mode === "ask";
  const videoRef = useRef<HTMLVideoElement>(null);
  const scannerRef = useRef<Scanner | null>(null);
  const actionRef = useRef<"in" | "out" | undefined>(undefined);
  const [camera, setCamera] = useState<"starting" | "on" | { error: string }>("starting");
  const [attempt, setAttempt] = useState(0);
  const [action, setAction] = useState<"in" | "out">();
  const [shown, setShown] = useState<Shown>();
  const [trouble, setTrouble] = useState<string>();

  // The parent's callbacks change with every render of it; the camera must not restart then.
  const parent = useRef({ onRevoked, onUnpaired });
  parent.current = { onRevoked, onUnpaired };
  /** Whether a refusal ends this screen (the kiosk revoked, deleted or unpaired): then it is told. */
  const refused = useCallback((error: unknown) => {
    if (isRevoked(error)) parent.current.onRevoked();
    else if (isUnpaired(error)) parent.current.onUnpaired();
    else return false;
    return true;
  }, []);

  // The camera and the scanner, for as long as this screen is up.
  useEffect(() => {
    const video = videoRef.current;
    if (video === null) return;
    let cancelled = false;
    let close: (() => void) | undefined;
    setCamera("starting");
    openFrameSource(video).then(
      (source) => {
        if (cancelled) {
          source.close();
          return;
        }
        const scanner = new Scanner(source, {
          send: (jpeg, signal) => sendFrame(jpeg, ask ? actionRef.current : undefined, signal),
          onDecision: (result, timing) => {
            const greeting = greetingFor(result, new Date());
            if (greeting === undefined) return;
            setShown((previous) => ({ greeting, outcome: result.outcome, timing, key: (previous?.key ?? 0) + 1 }));
          },
          onFailure: (error) => {
            if (!refused(error)) setTrouble(`The console did not answer. ${describeError(error)} Trying again…`);
          },
          onAnswered: () => setTrouble(undefined),
        });
        scanner.setEnabled(!ask);
        scannerRef.current = scanner;
        close = () => {
          scanner.stop();
          source.close();
        };
        setCamera("on");
      },
      (error: unknown) => {
        if (!cancelled) setCamera({ error: cameraErrorMessage(error) });
      },
    );
    return () => {
      cancelled = true;
      scannerRef.current = null;
      close?.();
    };
  }, [ask, attempt, refused]);

  // An idle kiosk asks now and then whether it is still paired (and the console notes it is alive).
  useEffect(() => {
    const controller = new AbortController();
    const timer = window.setInterval(() => {
      fetchDevice(controller.signal).then(
        () => undefined,
        (error: unknown) => void refused(error),
      );
    }, DEVICE_CHECK_MS);
    return () => {
      window.clearInterval(timer);
      controller.abort();
    };
  }, [refused]);

  // A greeting stays for a few seconds; in ask mode the next person chooses again after it.
  useEffect(() => {
    if (shown === undefined) return;
    if (ask) {
      actionRef.current = undefined;
      setAction(undefined);
      scannerRef.current?.setEnabled(false);
    }
    const timer = window.setTimeout(() => setShown(undefined), GREETING_MS);
    return () => window.clearTimeout(timer);
  }, [shown, ask]);

  // In ask mode, a choice nobody follows with a face lapses.
  useEffect(() => {
    if (action === undefined) return;
    const timer = window.setTimeout(() => {
      actionRef.current = undefined;
      setAction(undefined);
      scannerRef.current?.setEnabled(false);
    }, ASK_WINDOW_MS);
    return () => window.clearTimeout(timer);
  }, [action]);

  // For the kiosk bench: when the greeting is in the document, and when it is painted.
  useLayoutEffect(() => {
    if (!timings || shown === undefined) return;
    const entry: KioskTiming = { ...shown.timing, outcome: shown.outcome, rendered: performance.now() };
    (window.__kioskTimings ??= []).push(entry);
    requestAnimationFrame(() => {
      entry.painted = performance.now();
    });
  }, [shown, timings]);

  const choose = (chosen: "in" | "out") => {
    actionRef.current = chosen;
    setAction(chosen);
    setShown(undefined);
    scannerRef.current?.asked(performance.now(), ASK_WINDOW_MS);
  };

  const hint =
    camera === "starting"
      ? "Starting the camera…"
      : ask && action === undefined
        ? "Press In or Out, then look at the camera."
        : "Look at the camera, with your face inside the oval.";

  return (
    <main className="kiosk" id="main" data-state={shown !== undefined ? "greeting" : camera === "on" ? "scanning" : "starting"}>
      <header className="kiosk__bar">
        <h1 className="kiosk__name">{device.name}</h1>
        <p className="kiosk__live">
          <span className="kiosk__dot" aria-hidden="true" />
          Face recognition is on
        </p>
        <Clock />
      </header>
      <div className="kiosk__stage">
        <video ref={videoRef} className="kiosk__video" muted playsInline aria-hidden="true" data-testid="kiosk-video" />
        <div className="kiosk__guide" aria-hidden="true" />
        {typeof camera === "object" ? (
          <div className="kiosk__overlay kiosk__overlay--error" role="alert">
            <p>{camera.error}</p>
            <button type="button" className="button button--primary kiosk__big-button" onClick={() => setAttempt((n) => n + 1)}>
              Start the camera again
            </button>
          </div>
        ) : null}
        <div className="kiosk__announce" role="status" aria-live="assertive" aria-atomic="true">
          {shown !== undefined ? (
            <div className={`kiosk__greeting kiosk__greeting--${shown.greeting.tone}`} data-testid="kiosk-greeting" data-outcome={shown.outcome} key={shown.key}>
              <p className="kiosk__greeting-title" aria-hidden="true">
                {shown.greeting.title}
              </p>
              <p className="kiosk__greeting-detail">
                <span className="visually-hidden">{greetingSentence(shown.greeting)}</span>
                <span aria-hidden="true">{shown.greeting.detail}</span>
              </p>
            </div>
          ) : null}
        </div>
      </div>
      {ask ? (
        <div className="kiosk__choice" role="group" aria-label="Checking in or out?">
          <button
            type="button"
            className="kiosk__choice-button kiosk__choice-button--in"
            aria-pressed={action === "in"}
            onClick={() => choose("in")}
          >
            In
          </button>
          <button
            type="button"
            className="kiosk__choice-button kiosk__choice-button--out"
            aria-pressed={action === "out"}
            onClick={() => choose("out")}
          >
            Out
          </button>
        </div>
      ) : null}
      <p className="kiosk__hint">{hint}</p>
      {trouble !== undefined ? <p className="kiosk__trouble" role="alert">{trouble}</p> : null}
    </main>
  );
}
