// Y4M files for Chromium's fake camera (`--use-file-for-fake-video-capture=<file>.y4m`), made
// from a development photo by a browser (the photo decoded and scaled in a canvas, its pixels
// turned into I420), so no image library is needed. The header says `C420` (what Chromium's
// reader takes; not `C420mpeg2`); Chromium plays the frames in a loop at the header's rate.
// Plain JavaScript, so both the Playwright stories (e2e/fake-camera.ts) and the kiosk bench
// (bench/kiosk.mjs, run by node as it is) use it.

import fs from "node:fs";

/**
 * One I420 frame (`FRAME\n` and its planes): the photo centred on a grey `width`×`height`
 * picture, or the grey alone without a photo. `browser` is a Playwright Browser.
 */
export async function y4mFrame(browser, photo, width, height) {
  if (width % 2 !== 0 || height % 2 !== 0) throw new Error("Y4M 4:2:0 needs even sizes");
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const dataUrl = photo === undefined ? undefined : `data:image/jpeg;base64,${fs.readFileSync(photo).toString("base64")}`;
    const planes = await page.evaluate(
      async ({ dataUrl, width, height }) => {
        const canvas = document.createElement("canvas");
        canvas.width = width;
        canvas.height = height;
        const ctx = canvas.getContext("2d");
        if (ctx === null) throw new Error("no 2D canvas");
        ctx.fillStyle = "#808080";
        ctx.fillRect(0, 0, width, height);
        if (dataUrl !== undefined) {
          const img = new Image();
          img.src = dataUrl;
          await img.decode();
          const scale = Math.min(width / img.naturalWidth, height / img.naturalHeight);
          const w = img.naturalWidth * scale;
          const h = img.naturalHeight * scale;
          ctx.drawImage(img, (width - w) / 2, (height - h) / 2, w, h);
        }
        const rgba = ctx.getImageData(0, 0, width, height).data;
        // BT.601 limited range, as a camera gives it.
        const y = new Uint8Array(width * height);
        const u = new Uint8Array((width / 2) * (height / 2));
        const v = new Uint8Array((width / 2) * (height / 2));
        for (let i = 0; i < width * height; i++) {
          const r = rgba[i * 4] ?? 0, g = rgba[i * 4 + 1] ?? 0, b = rgba[i * 4 + 2] ?? 0;
          y[i] = Math.round(16 + 0.257 * r + 0.504 * g + 0.098 * b);
        }
        for (let row = 0; row < height / 2; row++) {
          for (let col = 0; col < width / 2; col++) {
            let r = 0, g = 0, b = 0;
            for (const offset of [0, 1, width, width + 1]) {
              const i = ((row * 2) * width + col * 2 + offset) * 4;
              r += rgba[i] ?? 0;
              g += rgba[i + 1] ?? 0;
              b += rgba[i + 2] ?? 0;
            }
            r /= 4;
            g /= 4;
            b /= 4;
            const j = row * (width / 2) + col;
            u[j] = Math.round(128 - 0.148 * r - 0.291 * g + 0.439 * b);
            v[j] = Math.round(128 + 0.439 * r - 0.368 * g - 0.071 * b);
          }
        }
        const base64 = (bytes) => {
          let s = "";
          for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
          return btoa(s);
        };
        return { y: base64(y), u: base64(u), v: base64(v) };
      },
      { dataUrl, width, height },
    );
    return Buffer.concat([
      Buffer.from("FRAME\n"),
      Buffer.from(planes.y, "base64"),
      Buffer.from(planes.u, "base64"),
      Buffer.from(planes.v, "base64"),
    ]);
  } finally {
    await context.close();
  }
}

/** Writes `out`: the photo centred on a grey `width`×`height` picture (even sizes), 2 frames. */
export async function writeY4m(browser, photo, out, width = 640, height = 480) {
  const frame = await y4mFrame(browser, photo, width, height);
  fs.writeFileSync(out, Buffer.concat([Buffer.from(`YUV4MPEG2 W${width} H${height} F30:1 Ip A1:1 C420\n`), frame, frame]));
}

/**
 * Writes `out` (640×480): at `fps`, `emptySeconds` of the grey background alone, then
 * `faceSeconds` of the photo on it. Chromium loops it: a person keeps arriving and leaving.
 */
export async function writeAppearingY4m(browser, photo, out, { emptySeconds = 3, faceSeconds = 3, fps = 10 } = {}) {
  const width = 640;
  const height = 480;
  const empty = await y4mFrame(browser, undefined, width, height);
  const face = await y4mFrame(browser, photo, width, height);
  const fd = fs.openSync(out, "w");
  try {
    fs.writeSync(fd, Buffer.from(`YUV4MPEG2 W${width} H${height} F${fps}:1 Ip A1:1 C420\n`));
    for (let i = 0; i < Math.round(emptySeconds * fps); i++) fs.writeSync(fd, empty);
    for (let i = 0; i < Math.round(faceSeconds * fps); i++) fs.writeSync(fd, face);
  } finally {
    fs.closeSync(fd);
  }
}
