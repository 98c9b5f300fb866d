import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

// The console (services/console) serves the built files and proxies the APIs; `make run`
// starts it on port 8000. In development, Vite serves the app and forwards the API calls there.
const consoleUrl = process.env.CONSOLE_URL ?? "http://127.0.0.1:8000";

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
    // The console's CSP is `script-src 'self'`: never inline a script or a module preload.
    assetsInlineLimit: 0,
    // dist/.vite/manifest.json: scripts/bundle-size.mjs reads which chunks each page loads.
    manifest: true,
  },
  server: {
    port: 5173,
    strictPort: false,
    // The console checks `Origin` on writes: the proxied requests carry the console's own.
    proxy: {
      "/console/api": {
        target: consoleUrl,
        changeOrigin: true,
        configure: (proxy) => proxy.on("proxyReq", (req) => req.setHeader("origin", consoleUrl)),
      },
      // The kiosk device's API (not /kiosk itself: that is a page of this app).
      "/kiosk/api": {
        target: consoleUrl,
        changeOrigin: true,
        configure: (proxy) => proxy.on("proxyReq", (req) => req.setHeader("origin", consoleUrl)),
      },
      "/api": {
        target: consoleUrl,
        changeOrigin: true,
        ws: true,
        configure: (proxy) => {
          proxy.on("proxyReq", (req) => req.setHeader("origin", consoleUrl));
          proxy.on("proxyReqWs", (req) => req.setHeader("origin", consoleUrl));
        },
      },
    },
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
    restoreMocks: true,
    setupFiles: ["src/test/setup.ts"],
  },
});
