// Where to draw a face's box over its camera snapshot. attendance-api gives the box in the
// snapshot's own pixels; the overlay is an SVG whose viewBox is the image's natural size, so
// the browser scales box and image together at any displayed width. What is left here is
// keeping a box that runs off the frame (a face at its edge) inside it, and saying where it is.

export interface FaceBox {
  x_min: number;
  y_min: number;
  x_max: number;
  y_max: number;
}

export interface Size {
  width: number;
  height: number;
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The SVG viewBox of an image of this natural size. */
export function viewBoxOf(size: Size): string {
  return `0 0 ${size.width} ${size.height}`;
}

/**
 * The box as an SVG rect in the image's pixels, cut to the image; undefined when the image
 * has no size yet, the box is not a box (NaN, inverted) or nothing of it is inside the image.
 */
export function boxRect(box: FaceBox, image: Size): Rect | undefined {
  const values = [box.x_min, box.y_min, box.x_max, box.y_max, image.width, image.height];
  if (values.some((v) => !Number.isFinite(v))) return undefined;
  if (image.width <= 0 || image.height <= 0) return undefined;
  const x0 = Math.max(0, Math.min(box.x_min, box.x_max));
  const y0 = Math.max(0, Math.min(box.y_min, box.y_max));
  const x1 = Math.min(image.width, Math.max(box.x_min, box.x_max));
  const y1 = Math.min(image.height, Math.max(box.y_min, box.y_max));
  if (x1 <= x0 || y1 <= y0) return undefined;
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/** Where the box is in the frame, in words, for the snapshot's alt text ("left", "centre", "right"). */
export function boxPlace(box: FaceBox, image: Size): string {
  const rect = boxRect(box, image);
  if (rect === undefined) return "outside the frame";
  const centre = (rect.x + rect.width / 2) / image.width;
  return centre < 1 / 3 ? "on the left" : centre > 2 / 3 ? "on the right" : "in the centre";
}
