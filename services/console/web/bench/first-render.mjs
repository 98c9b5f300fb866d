// `make bench` (console section, scripts/console-bench.sh): the time to first render of the
// console's pages in Chromium against the real services, release builds.
//
// Signs in once, then for each page opens it RUNS times (the first run discarded as a warm-up),
// the pages taking turns so the machine's noise falls on all of them alike:
//   cold  a new browser context each time (the session cookie only: nothing cached, as a
//         first visit), and
//   warm  a new tab in one context (the scripts and styles from the HTTP cache, as a return).
// "Rendered" is the moment the page's data is in the document: the People table's first data
// row, Today's counts. A script injected before the page's own watches the document
// (MutationObserver) and reads performance.now() then, which is milliseconds since the
// navigation started; the next animation frame is recorded too (the frame that paints it).
// The API call behind each page is read from Resource Timing: its wait (request sent to the
// first byte, i.e. the console's proxy and the service) and its whole duration.
//
// Environment: CONSOLE_URL, BENCH_EMAIL, BENCH_PASSWORD, CHROMIUM (default /usr/bin/chromium),
// BENCH_RENDER_RUNS (default 15), BENCH_SEARCH (default "kowal"), BENCH_JSON (a file to write).
import { chromium } from "@playwright/test";
import { writeFileSync } from "node:fs";

const required = (name) => {
  const value = process.env[name];
  if (value === undefined || value === "") {
    console.error(`first-render: ${name} is not set (run it through scripts/console-bench.sh)`);
    process.exit(2);
  }
  return value;
};
const base = required("CONSOLE_URL").replace(/\/$/, "");
const email = required("BENCH_EMAIL");
const password = required("BENCH_PASSWORD");
const runs = Math.max(2, Number.parseInt(process.env.BENCH_RENDER_RUNS ?? "15", 10) || 15);
const search = process.env.BENCH_SEARCH ?? "kowal";
const jsonPath = process.env.BENCH_JSON;

const pages = [
  { name: "People", path: "/people", selector: "table.table--cards tbody tr td a", api: "/api/v1/persons?" },
  {
    name: "People search",
    path: `/people?q=${encodeURIComponent(search)}`,
    selector: "table.table--cards tbody tr td a",
    api: "/api/v1/persons/search?",
  },
  { name: "Today", path: "/today", selector: "ul.stats li .stat__value", api: "/api/v1/attendance/reports/daily?" },
];

// Runs in the page before its own scripts: records when `selector` first matches.
function probe(selector) {
  const check = () => {
    if (window.__firstRender !== undefined || document.querySelector(selector) === null) return false;
    const rendered = { dom: performance.now(), frame: undefined };
    window.__firstRender = rendered;
    requestAnimationFrame(() => {
      rendered.frame = performance.now();
    });
    return true;
  };
  if (check()) return;
  const observer = new MutationObserver(() => {
    if (check()) observer.disconnect();
  });
  observer.observe(document, { childList: true, subtree: true });
}

const contextOptions = { viewport: { width: 1280, height: 800 }, timezoneId: "UTC", locale: "en-GB" };

async function measure(context, spec) {
  const page = await context.newPage();
  try {
    await page.addInitScript(probe, spec.selector);
    await page.goto(base + spec.path, { waitUntil: "commit" });
    await page.waitForFunction(() => window.__firstRender?.frame !== undefined, undefined, {
      timeout: 60_000,
      polling: 50,
    });
    if (new URL(page.url()).pathname !== new URL(base + spec.path).pathname) {
      throw new Error(`${spec.name}: ended on ${page.url()} (signed out?)`);
    }
    return await page.evaluate((api) => {
      const nav = performance.getEntriesByType("navigation")[0];
      const calls = performance
        .getEntriesByType("resource")
        .filter((e) => new URL(e.name).pathname + "?" === api || e.name.includes(api));
      const call = calls[0];
      return {
        dom: window.__firstRender.dom,
        frame: window.__firstRender.frame,
        document: nav ? nav.responseEnd : null,
        dcl: nav ? nav.domContentLoadedEventEnd : null,
        apiWait: call ? call.responseStart - call.requestStart : null,
        apiTotal: call ? call.responseEnd - call.startTime : null,
        apiStart: call ? call.startTime : null,
        transferred: performance
          .getEntriesByType("resource")
          .concat(nav ? [nav] : [])
          .reduce((sum, e) => sum + (e.transferSize ?? 0), 0),
      };
    }, spec.api);
  } finally {
    await page.close();
  }
}

const quantile = (values, q) => {
  const sorted = values.filter((v) => v !== null && Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.round((sorted.length - 1) * q))];
};
const ms = (v) => (v === null ? "-" : v.toFixed(0));
const ms1 = (v) => (v === null ? "-" : v.toFixed(1));

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
});
try {
  // Sign in once; every context afterwards starts from this session cookie.
  const signIn = await browser.newContext(contextOptions);
  const page = await signIn.newPage();
  await page.goto(`${base}/sign-in`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("button", { name: "Sign out" }).waitFor({ timeout: 30_000 });
  const storageState = await signIn.storageState();
  await signIn.close();

  const warmContexts = await Promise.all(pages.map(() => browser.newContext({ ...contextOptions, storageState })));
  const samples = pages.map(() => ({ cold: [], warm: [] }));
  for (let run = 0; run < runs; run++) {
    for (const [i, spec] of pages.entries()) {
      const cold = await browser.newContext({ ...contextOptions, storageState });
      try {
        const sample = await measure(cold, spec);
        if (run > 0) samples[i].cold.push(sample);
      } finally {
        await cold.close();
      }
      const sample = await measure(warmContexts[i], spec);
      if (run > 0) samples[i].warm.push(sample);
    }
  }
  await Promise.all(warmContexts.map((c) => c.close()));

  const summary = pages.map((spec, i) => {
    const of = (mode) => {
      const s = samples[i][mode];
      const pick = (key) => s.map((x) => x[key]);
      return {
        runs: s.length,
        rendered_ms: { p50: quantile(pick("dom"), 0.5), p90: quantile(pick("dom"), 0.9), max: quantile(pick("dom"), 1) },
        painted_frame_ms: { p50: quantile(pick("frame"), 0.5), p90: quantile(pick("frame"), 0.9) },
        dom_content_loaded_ms: { p50: quantile(pick("dcl"), 0.5) },
        api_start_ms: { p50: quantile(pick("apiStart"), 0.5) },
        api_wait_ms: { p50: quantile(pick("apiWait"), 0.5), p90: quantile(pick("apiWait"), 0.9) },
        api_total_ms: { p50: quantile(pick("apiTotal"), 0.5), p90: quantile(pick("apiTotal"), 0.9) },
        transferred_bytes: { p50: quantile(pick("transferred"), 0.5) },
        samples: s,
      };
    };
    return { page: spec.name, path: spec.path, selector: spec.selector, api: spec.api, cold: of("cold"), warm: of("warm") };
  });

  console.log(
    `first render in Chromium (headless, 1280x800), ${runs - 1} runs per page and mode after a warm-up, pages taking turns;`,
  );
  console.log(
    "rendered = navigation start to the data in the document (People: first table row; Today: the counts);",
  );
  console.log("cold = new browser context (nothing cached), warm = new tab (scripts and styles cached);");
  console.log("API = the call behind the page through the console: request to first byte (wait) / whole (total)");
  console.log("");
  console.log(
    `${"page".padEnd(15)} ${"mode".padEnd(5)} ${"p50 ms".padStart(7)} ${"p90 ms".padStart(7)} ${"max ms".padStart(7)} ${"DCL ms".padStart(7)} ${"API at".padStart(7)} ${"API wait p50/p90".padStart(17)} ${"API total p50".padStart(14)} ${"KB over wire".padStart(13)}`,
  );
  for (const s of summary) {
    for (const mode of ["cold", "warm"]) {
      const m = s[mode];
      console.log(
        `${s.page.padEnd(15)} ${mode.padEnd(5)} ${ms(m.rendered_ms.p50).padStart(7)} ${ms(m.rendered_ms.p90).padStart(7)} ${ms(m.rendered_ms.max).padStart(7)} ${ms(m.dom_content_loaded_ms.p50).padStart(7)} ${ms(m.api_start_ms.p50).padStart(7)} ${`${ms1(m.api_wait_ms.p50)}/${ms1(m.api_wait_ms.p90)}`.padStart(17)} ${ms1(m.api_total_ms.p50).padStart(14)} ${(m.transferred_bytes.p50 === null ? "-" : (m.transferred_bytes.p50 / 1024).toFixed(1)).padStart(13)}`,
      );
    }
  }
  const ratios = {};
  const today = summary.find((s) => s.page === "Today");
  console.log("");
  for (const s of summary.filter((s) => s !== today)) {
    for (const mode of ["cold", "warm"]) {
      const a = s[mode].rendered_ms.p50;
      const b = today[mode].rendered_ms.p50;
      if (a !== null && b !== null && b > 0) {
        ratios[`${s.page} / Today (${mode}, p50)`] = a / b;
      }
    }
  }
  console.log(
    "ratios of the medians, same run: " +
      Object.entries(ratios)
        .map(([k, v]) => `${k} ${v.toFixed(2)}`)
        .join("; "),
  );
  if (jsonPath !== undefined && jsonPath !== "") {
    writeFileSync(
      jsonPath,
      JSON.stringify({ runs: runs - 1, search, console_url: base, pages: summary, ratios }, null, 2) + "\n",
    );
  }
} finally {
  await browser.close();
}
