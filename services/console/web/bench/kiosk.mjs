// `make bench` (kiosk section, scripts/kiosk-bench.sh): a face shown to the kiosk → its
// greeting on the kiosk's screen, in Chromium with a fake camera, against the whole stack.
//
// As an admin (the console's API with a session): a shift for everybody, all day (so a `both`
// kiosk decides at any hour); a person enrolled from BENCH_KIOSK_ENROL; a kiosk in mode
// `both`; a pairing code. A Chromium of its own plays a Y4M made now: ~3 s of the empty grey
// background, then ~3 s of another photo of the same person (of BENCH_KIOSK_SHOWN, the one
// person-api's search by face matches to them most surely), in a loop,
// and opens the pairing link, then /kiosk?timings=1, where the page records each decision in
// window.__kioskTimings. With the worker's DUPLICATE_CHECK_WINDOW=0 every appearance is a
// decision (the first a check-in, each later one a check-out).
//
// For each of BENCH_KIOSK_APPEARANCES (120: so p99 is not the top sample) appearances, from the page's clock (ms):
//   trigger   the change detector's first changed frame (it runs on every video frame, via
//             requestVideoFrameCallback: within a frame of the face appearing)
//   encode    the decided frame drawn and encoded as a JPEG
//   request   the upload and the console's whole answer (encode done → response)
//   rendered  the greeting in the document (painted: the next animation frame)
// and the console's own stages from the response (stages_ms, since the request arrived):
// published (on faces.v1.<camera>), detected (face-embedder's notice), decided (the outcome).
// End to end = trigger → rendered. Printed with p50/p90/p99, written to BENCH_JSON.
//
// Environment: CONSOLE_URL, BENCH_EMAIL, BENCH_PASSWORD, FACEATTEND_FACES_DIR, CHROMIUM
// (default /usr/bin/chromium), BENCH_KIOSK_APPEARANCES (120, so p99 is not the top sample), BENCH_KIOSK_ENROL
// ("person11/img29.jpg,person11/img32.jpg"), BENCH_KIOSK_SHOWN
// ("person11/img30.jpg,person11/img31.jpg,person11/img33.jpg"),
// BENCH_TMP (a folder for the Y4M), BENCH_JSON (a file to write).
import { chromium } from "@playwright/test";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { writeAppearingY4m } from "../e2e/y4m.mjs";

const required = (name) => {
  const value = process.env[name];
  if (value === undefined || value === "") {
    console.error(`kiosk bench: ${name} is not set (run it through scripts/kiosk-bench.sh)`);
    process.exit(2);
  }
  return value;
};
const base = required("CONSOLE_URL").replace(/\/$/, "");
const email = required("BENCH_EMAIL");
const password = required("BENCH_PASSWORD");
const faces = required("FACEATTEND_FACES_DIR");
const appearances = Math.max(1, Number.parseInt(process.env.BENCH_KIOSK_APPEARANCES ?? "120", 10) || 120);
const enrolPhotos = (process.env.BENCH_KIOSK_ENROL ?? "person11/img29.jpg,person11/img32.jpg").split(",").map((p) => path.join(faces, p.trim()));
const shownPhotos = (process.env.BENCH_KIOSK_SHOWN ?? "person11/img30.jpg,person11/img31.jpg,person11/img33.jpg").split(",").map((p) => path.join(faces, p.trim()));
const tmp = process.env.BENCH_TMP ?? fs.mkdtempSync(path.join(os.tmpdir(), "faceattend-kiosk-bench-"));
const jsonPath = process.env.BENCH_JSON;
const EMPTY_SECONDS = 3;
const FACE_SECONDS = 3;
for (const photo of [...enrolPhotos, ...shownPhotos]) {
  if (!fs.existsSync(photo)) {
    console.error(`kiosk bench: no photo ${photo}`);
    process.exit(2);
  }
}

const quantile = (values, q) => {
  const sorted = values.filter((v) => v !== null && v !== undefined && Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((sorted.length - 1) * q))];
};
const stats = (values) => ({ p50: quantile(values, 0.5), p90: quantile(values, 0.9), p99: quantile(values, 0.99), max: quantile(values, 1) });
const ms = (v) => (v === null ? "-" : v.toFixed(0));

const headers = { "X-Faceattend-Csrf": "1", Origin: base };
async function ok(response, what) {
  if (!response.ok()) throw new Error(`${what}: HTTP ${response.status()} ${await response.text()}`);
  return (await response.json()).data;
}

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", headless: true });
let device;
try {
  // --- the admin's part ----------------------------------------------------------------------
  const adminContext = await browser.newContext({ baseURL: base });
  const api = adminContext.request;
  await ok(await api.post("/console/api/v1/session", { headers, data: { email, password } }), "sign in");
  await ok(
    await api.post("/api/v1/attendance/sessions", { headers, data: { name: "Kiosk bench day", start_time: "00:00", end_time: "23:59" } }),
    "the all-day shift",
  );
  const last = `Bench${Date.now().toString(36)}`;
  const person = await ok(
    await api.post("/api/v1/persons", { headers, data: { first_name: "Ada", last_name: last, email: `${last.toLowerCase()}@example.com` } }),
    "the person",
  );
  for (const photo of enrolPhotos) {
    await ok(
      await api.post(`/api/v1/persons/${person.id}/enroll`, {
        headers,
        data: { frame_data: fs.readFileSync(photo).toString("base64"), use_largest_face: true },
        timeout: 120_000,
      }),
      `enrolling ${photo}`,
    );
  }
  // The photo shown: the one matched to the person most surely.
  let shown;
  for (const photo of shownPhotos) {
    const search = await ok(
      await api.post("/api/v1/persons/search/by-face", {
        headers,
        data: { frame_data: fs.readFileSync(photo).toString("base64"), confidence_threshold: 0.6 },
        timeout: 120_000,
      }),
      `searching ${photo}`,
    );
    const match = search.best_match;
    if (match?.person_id === person.id && match.confidence > (shown?.confidence ?? 0)) shown = { photo, confidence: match.confidence };
  }
  if (shown === undefined) throw new Error(`none of ${shownPhotos.join(", ")} is matched to the enrolled person`);
  const kiosk = await ok(
    await api.post("/console/api/v1/kiosks", { headers, data: { name: "Bench kiosk", camera_id: `kiosk-bench-${Date.now().toString(36)}`, mode: "both" } }),
    "the kiosk",
  );
  const pairing = await ok(await api.post(`/console/api/v1/kiosks/${kiosk.id}/pairing`, { headers }), "the pairing code");

  // --- the kiosk -----------------------------------------------------------------------------
  const y4m = path.join(tmp, "kiosk-bench.y4m");
  await writeAppearingY4m(browser, shown.photo, y4m, { emptySeconds: EMPTY_SECONDS, faceSeconds: FACE_SECONDS, fps: 10 });
  device = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", `--use-file-for-fake-video-capture=${y4m}`],
  });
  const context = await device.newContext({ baseURL: base, permissions: ["camera"], viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(pairing.link.replace(/^https?:\/\/[^/]+/, base));
  await page.waitForURL(/\/kiosk$/, { timeout: 30_000 });
  await page.goto("/kiosk?timings=1");
  await page.locator("main[data-state]").waitFor({ timeout: 30_000 });

  const cycle = (EMPTY_SECONDS + FACE_SECONDS) * 1000;
  const deadline = Date.now() + (appearances + 5) * cycle + 60_000;
  let seen = 0;
  while (seen < appearances) {
    if (Date.now() > deadline) throw new Error(`only ${seen} of ${appearances} decisions in time`);
    await page.waitForTimeout(1_000);
    seen = await page.evaluate(() => (window.__kioskTimings ?? []).length);
    const state = await page.locator("main").getAttribute("data-state").catch(() => null);
    if (state === null) throw new Error(`the kiosk left its screen: ${await page.locator("h1").first().textContent()}`);
  }
  // The painted time comes a frame after the last one rendered.
  await page.waitForTimeout(200);
  const timings = (await page.evaluate(() => window.__kioskTimings ?? [])).slice(0, appearances);
  await context.close();

  // --- the figures ---------------------------------------------------------------------------
  const rows = timings.map((t) => ({
    outcome: t.outcome,
    frames: t.frames,
    end_to_end: t.trigger === null ? null : t.rendered - t.trigger,
    painted: t.trigger === null || t.painted === undefined ? null : t.painted - t.trigger,
    wait: t.trigger === null ? null : t.taken - t.trigger,
    encode: t.encoded - t.taken,
    request: t.answered - t.encoded,
    render: t.rendered - t.answered,
    published: t.stages_ms?.published ?? null,
    detected: t.stages_ms?.detected ?? null,
    decided: t.stages_ms?.decided ?? null,
  }));
  const of = (key) => stats(rows.map((r) => r[key]));
  const outcomes = rows.reduce((count, r) => ({ ...count, [r.outcome]: (count[r.outcome] ?? 0) + 1 }), {});
  const result = {
    appearances: rows.length,
    outcomes,
    frames_per_decision: of("frames"),
    face_shown_to_greeting_ms: of("end_to_end"),
    face_shown_to_greeting_painted_ms: of("painted"),
    stages_ms: {
      trigger_to_decided_frame: of("wait"),
      encode: of("encode"),
      upload_and_answer: of("request"),
      console_published: of("published"),
      console_detected: of("detected"),
      console_decided: of("decided"),
      render: of("render"),
    },
    video: { empty_seconds: EMPTY_SECONDS, face_seconds: FACE_SECONDS, fps: 10, size: "640x480", photo: path.relative(faces, shown.photo), search_confidence: shown.confidence },
    samples: rows,
  };

  console.log(`kiosk: ${rows.length} appearances of an enrolled person (${EMPTY_SECONDS} s empty, ${FACE_SECONDS} s face, 10 fps fake camera), outcomes ${JSON.stringify(outcomes)}`);
  console.log("face shown = the change detector's first changed frame; greeting = in the document (painted: the next frame)");
  console.log("");
  console.log(`${"stage".padEnd(42)} ${"p50".padStart(6)} ${"p90".padStart(6)} ${"p99".padStart(6)} ${"max".padStart(6)}`);
  const line = (label, s) => console.log(`${label.padEnd(42)} ${ms(s.p50).padStart(6)} ${ms(s.p90).padStart(6)} ${ms(s.p99).padStart(6)} ${ms(s.max).padStart(6)}`);
  line("face shown → greeting rendered (ms)", result.face_shown_to_greeting_ms);
  line("face shown → greeting painted (ms)", result.face_shown_to_greeting_painted_ms);
  line("  face shown → decided frame taken", result.stages_ms.trigger_to_decided_frame);
  line("  browser: encode (JPEG 0.8, 640x480)", result.stages_ms.encode);
  line("  browser: upload + console's answer", result.stages_ms.upload_and_answer);
  line("    console: published (since arrival)", result.stages_ms.console_published);
  line("    console: detected (face-embedder)", result.stages_ms.console_detected);
  line("    console: decided (outcome known)", result.stages_ms.console_decided);
  line("  browser: answer → greeting rendered", result.stages_ms.render);
  line("frames sent per decision", result.frames_per_decision);
  if (jsonPath !== undefined && jsonPath !== "") {
    fs.writeFileSync(jsonPath, `${JSON.stringify(result, null, 2)}\n`);
  }
} finally {
  await device?.close();
  await browser.close();
}
