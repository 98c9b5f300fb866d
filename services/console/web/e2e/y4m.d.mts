// The types of y4m.mjs (plain JavaScript, shared with the kiosk bench).
import type { Browser } from "@playwright/test";

export function y4mFrame(browser: Browser, photo: string | undefined, width: number, height: number): Promise<Buffer>;
export function writeY4m(browser: Browser, photo: string, out: string, width?: number, height?: number): Promise<void>;
export function writeAppearingY4m(
  browser: Browser,
  photo: string,
  out: string,
  options?: { emptySeconds?: number; faceSeconds?: number; fps?: number },
): Promise<void>;
