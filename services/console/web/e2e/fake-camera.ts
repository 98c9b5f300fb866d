// A fake webcam for Chromium: a Y4M file (`--use-file-for-fake-video-capture=<file>.y4m`) made
// at test time from a development photo, by a browser (the photo decoded and scaled in a canvas,
// its pixels turned into I420), so no image library is needed. The header says `C420` (what
// Chromium's reader takes; not `C420mpeg2`); Chromium plays the frames in a loop. The work is
// in y4m.mjs, plain JavaScript the kiosk bench shares.
//
// - writeY4m(browser, photo, out, width = 640, height = 480): the photo centred on a grey
//   picture, 2 frames (a still webcam).
// - writeAppearingY4m(browser, photo, out, { emptySeconds, faceSeconds, fps }): 640×480, the
//   grey background alone, then the photo on it, looped: a person arriving and leaving.

export { writeAppearingY4m, writeY4m } from "./y4m.mjs";
