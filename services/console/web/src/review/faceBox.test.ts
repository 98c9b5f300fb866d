import { describe, expect, it } from "vitest";
import { boxPlace, boxRect, viewBoxOf } from "./faceBox";

const FRAME = { width: 640, height: 480 };

describe("the face box over its snapshot", () => {
  it("is drawn in the snapshot's own pixels, which the viewBox scales with the image", () => {
    expect(viewBoxOf(FRAME)).toBe("0 0 640 480");
    expect(boxRect({ x_min: 200, y_min: 150, x_max: 300, y_max: 250 }, FRAME)).toEqual({ x: 200, y: 150, width: 100, height: 100 });
  });

  it("is cut to the frame when the face is at its edge", () => {
    expect(boxRect({ x_min: -20, y_min: 400, x_max: 60, y_max: 520 }, FRAME)).toEqual({ x: 0, y: 400, width: 60, height: 80 });
  });

  it("takes an inverted box the right way round", () => {
    expect(boxRect({ x_min: 300, y_min: 250, x_max: 200, y_max: 150 }, FRAME)).toEqual({ x: 200, y: 150, width: 100, height: 100 });
  });

  it("draws nothing for a box outside the frame, an empty box or an image not loaded yet", () => {
    expect(boxRect({ x_min: 700, y_min: 10, x_max: 760, y_max: 60 }, FRAME)).toBeUndefined();
    expect(boxRect({ x_min: 10, y_min: 10, x_max: 10, y_max: 60 }, FRAME)).toBeUndefined();
    expect(boxRect({ x_min: Number.NaN, y_min: 10, x_max: 20, y_max: 60 }, FRAME)).toBeUndefined();
    expect(boxRect({ x_min: 10, y_min: 10, x_max: 20, y_max: 60 }, { width: 0, height: 0 })).toBeUndefined();
  });

  it("says where the face is for the alt text", () => {
    expect(boxPlace({ x_min: 10, y_min: 10, x_max: 110, y_max: 110 }, FRAME)).toBe("on the left");
    expect(boxPlace({ x_min: 270, y_min: 10, x_max: 370, y_max: 110 }, FRAME)).toBe("in the centre");
    expect(boxPlace({ x_min: 540, y_min: 10, x_max: 640, y_max: 110 }, FRAME)).toBe("on the right");
    expect(boxPlace({ x_min: 700, y_min: 10, x_max: 760, y_max: 110 }, FRAME)).toBe("outside the frame");
  });
});
