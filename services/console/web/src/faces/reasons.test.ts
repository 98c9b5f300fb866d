import { describe, expect, it } from "vitest";
import { ApiError, toApiError } from "../lib/errors";
import { cameraErrorMessage, CameraUnavailable } from "./camera";
import { checkPhoto, formatBytes, MAX_PHOTO_BYTES } from "./photos";
import { enrolledText, formatQuality, refusalOf } from "./reasons";

/** A refusal as person-api sends it: the error envelope, through toApiError like every call. */
const refused = (status: number, code: string, message: string) => toApiError(status, { success: false, error: { code, message } });

describe("the reasons a photo is refused", () => {
  it("says what was wrong with the photo for each of the API's codes, never the bare code", () => {
    const codes = ["no_face", "face_too_small", "face_blurred", "empty_image", "invalid_base64", "unsupported_image", "undecodable_image"];
    for (const code of codes) {
      const r = refusalOf(refused(422, code, `api says ${code}`));
      expect(r.code).toBe(code);
      expect(r.reason).not.toContain(code);
      expect(r.reason).not.toContain("api says");
      expect(r.canUseLargest).toBe(false);
      expect(r.canRetry).toBe(false);
    }
    expect(refusalOf(refused(422, "no_face", "no face was found in the photo")).reason).toMatch(/^No face was found/);
    expect(refusalOf(refused(422, "face_blurred", "x")).reason).toMatch(/blurred/);
    expect(refusalOf(refused(422, "face_too_small", "x")).reason).toMatch(/too small/);
    expect(refusalOf(refused(422, "unsupported_image", "x")).reason).toMatch(/JPEG, PNG or WebP/);
  });

  it("offers the largest face only for a photo with several, and counts them", () => {
    const r = refusalOf(refused(422, "multiple_faces", "the photo shows 3 faces; send a photo of this person alone, or set use_largest_face"));
    expect(r).toMatchObject({ code: "multiple_faces", canUseLargest: true, canRetry: false });
    expect(r.reason).toBe("This photo shows 3 faces. Use a photo of this person alone, or enrol the largest face in it.");
    expect(refusalOf(refused(422, "multiple_faces", "several")).reason).toMatch(/^This photo shows several faces\./);
  });

  it("gives the size limit the API stated, in megabytes", () => {
    const r = refusalOf(refused(413, "image_too_large", "the image is 9000000 bytes; at most 7340032 are accepted"));
    expect(r.reason).toBe("The photo is too large: at most 7 MB can be enrolled. Use a smaller photo.");
    expect(refusalOf(refused(413, "payload_too_large", "the request body is larger than the console forwards")).reason).toMatch(/too large/);
  });

  it("lets a photo refused by a failure of the moment be sent again as it is", () => {
    expect(refusalOf(refused(503, "face_service_unavailable", "face-embedder did not answer"))).toMatchObject({
      canRetry: true,
      canUseLargest: false,
      reason: "Face recognition is unavailable right now. Try again in a moment.",
    });
    expect(refusalOf(toApiError(0, undefined)).canRetry).toBe(true);
    expect(refusalOf(refused(503, "service_unavailable", "the database is unavailable")).canRetry).toBe(true);
    expect(refusalOf(refused(500, "internal_error", "boom")).canRetry).toBe(true);
  });

  it("falls back to the API's own words for a code it does not know", () => {
    const r = refusalOf(refused(422, "face_rejected", "the face was rejected"));
    expect(r).toMatchObject({ reason: "The face was rejected.", canRetry: false, canUseLargest: false });
    const invalid = new ApiError({
      status: 422,
      code: "validation_failed",
      message: "invalid fields",
      details: [{ field: "frame_data", code: "too_short", message: "must be at least 4 characters" }],
    });
    expect(refusalOf(invalid).reason).toBe("Frame_data: must be at least 4 characters.");
  });

  it("describes an accepted photo with its quality and the weaknesses it was enrolled with", () => {
    expect(formatQuality(0.823)).toBe("82 %");
    expect(formatQuality(1.4)).toBe("100 %");
    expect(enrolledText({ quality_score: 0.9, quality_issues: [] })).toBe("Enrolled, quality 90 %.");
    expect(enrolledText({ quality_score: 0.61, quality_issues: ["face_not_frontal", "odd_light"] })).toBe(
      "Enrolled, quality 61 %; note: the face is turned away, odd light.",
    );
  });
});

describe("the browser's own check of a photo", () => {
  const photo = (name: string, type: string, size = 1000) => ({ name, type, size });

  it("accepts JPEG, PNG and WebP up to the API's limit", () => {
    expect(checkPhoto(photo("a.jpg", "image/jpeg"))).toBeUndefined();
    expect(checkPhoto(photo("a.png", "image/png"))).toBeUndefined();
    expect(checkPhoto(photo("a.webp", "image/webp", MAX_PHOTO_BYTES))).toBeUndefined();
    // No type from the system: the name decides.
    expect(checkPhoto(photo("IMG_1.JPEG", ""))).toBeUndefined();
  });

  it("refuses what is not an image, other image formats, empty and oversized files, saying why", () => {
    expect(checkPhoto(photo("notes.txt", "text/plain"))).toMatchObject({ code: "not_an_image", reason: expect.stringMatching(/not a photo/) });
    expect(checkPhoto(photo("notes", ""))?.code).toBe("not_an_image");
    expect(checkPhoto(photo("a.heic", "image/heic"))).toEqual({
      code: "unsupported_type",
      reason: "HEIC photos are not accepted: use a JPEG, PNG or WebP photo.",
    });
    expect(checkPhoto(photo("a.jpg", "image/jpeg", 0))?.code).toBe("empty_file");
    expect(checkPhoto(photo("big.jpg", "image/jpeg", MAX_PHOTO_BYTES + 1))).toEqual({
      code: "file_too_large",
      reason: "The photo is 7 MB; at most 7 MB can be sent. Use a smaller photo.",
    });
    expect(checkPhoto(photo("big.jpg", "image/jpeg", 12 * 1024 * 1024))?.reason).toMatch(/^The photo is 12 MB; at most 7 MB/);
  });

  it("writes sizes for people", () => {
    expect(formatBytes(1)).toBe("1 byte");
    expect(formatBytes(2048)).toBe("2 KB");
    expect(formatBytes(2.5 * 1024 * 1024)).toBe("2.5 MB");
  });
});

describe("why the camera did not start", () => {
  const domError = (name: string) => new DOMException("x", name);

  it("tells a refusal, a missing camera, a busy camera and an insecure page apart", () => {
    expect(cameraErrorMessage(domError("NotAllowedError"))).toMatch(/not allowed/);
    expect(cameraErrorMessage(domError("NotFoundError"))).toMatch(/No usable camera/);
    expect(cameraErrorMessage(domError("NotReadableError"))).toMatch(/another application/);
    expect(cameraErrorMessage(new CameraUnavailable())).toMatch(/HTTPS/);
    expect(cameraErrorMessage(new Error("?"))).toBe("The camera could not be started.");
  });
});
