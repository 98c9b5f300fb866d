import { defineConfig } from "@playwright/test";

// Browser tests of the console against the real services: scripts/console-e2e.sh (`make e2e`)
// starts person-api, attendance-api and the console, creates the operators and runs these with
// CONSOLE_URL and the operators' credentials in the environment. The browser is the machine's
// Chromium (Debian package `chromium`); Playwright never downloads one here.
const consoleUrl = process.env.CONSOLE_URL ?? "http://127.0.0.1:8000";

export default defineConfig({
  testDir: "e2e",
  outputDir: "e2e-artifacts/results",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: process.env.CI !== undefined,
  reporter: "list",
  timeout: 60_000,
  expect: { timeout: 10_000 },
  use: {
    baseURL: consoleUrl,
    headless: true,
    viewport: { width: 1280, height: 800 },
    screenshot: "only-on-failure",
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
      args: ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"],
    },
  },
});
