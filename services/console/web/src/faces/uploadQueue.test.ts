import { describe, expect, it, vi } from "vitest";
import { toApiError } from "../lib/errors";
import type { EnrollResult } from "./api";
import { summarize, UploadQueue, type PhotoFile, type SendPhoto } from "./uploadQueue";

const jpeg = (name: string, size = 100): PhotoFile => new File([new Uint8Array(size)], name, { type: "image/jpeg" });

const result = (quality = 0.9): EnrollResult => ({
  encoding_id: "e",
  person_id: "p",
  image_id: "i",
  confidence: 0.99,
  total_encodings: 1,
  is_primary: true,
  quality_score: quality,
  quality_issues: [],
  face_location: { x_min: 0, y_min: 0, x_max: 1, y_max: 1 },
  model: "arcface",
  message: "Face enrolled successfully",
});

const refusal = (code: string, message = code, status = 422) => toApiError(status, { success: false, error: { code, message } });

/** A send whose calls wait until the test answers them, in order. */
function controlledSend() {
  const calls: { photo: Blob; useLargestFace: boolean; resolve: (r: EnrollResult) => void; reject: (e: unknown) => void }[] = [];
  const send: SendPhoto = (photo, { useLargestFace }) =>
    new Promise<EnrollResult>((resolve, reject) => {
      calls.push({ photo, useLargestFace, resolve, reject });
    });
  return { send, calls };
}

const tick = () => new Promise((r) => setTimeout(r, 0));
const noPreview = { preview: () => undefined, revoke: () => undefined };

describe("the upload queue", () => {
  it("sends the photos one after another, in order, never two at once", async () => {
    const { send, calls } = controlledSend();
    const queue = new UploadQueue(send, noPreview);
    const [a, b, c] = [jpeg("a.jpg"), jpeg("b.jpg"), jpeg("c.jpg")];
    queue.add([a, b, c]);
    await tick();
    expect(calls).toHaveLength(1);
    expect(calls[0]?.photo).toBe(a);
    expect(queue.getSnapshot().map((u) => u.status)).toEqual(["sending", "waiting", "waiting"]);

    calls[0]?.resolve(result());
    await tick();
    expect(calls).toHaveLength(2);
    expect(calls[1]?.photo).toBe(b);
    expect(queue.getSnapshot().map((u) => u.status)).toEqual(["enrolled", "sending", "waiting"]);

    calls[1]?.reject(refusal("no_face"));
    await tick();
    expect(calls).toHaveLength(3);
    expect(calls[2]?.photo).toBe(c);
    calls[2]?.resolve(result());
    await tick();
    expect(calls).toHaveLength(3);
    const uploads = queue.getSnapshot();
    expect(uploads.map((u) => u.status)).toEqual(["enrolled", "refused", "enrolled"]);
    expect(uploads[1]?.refusal?.code).toBe("no_face");
    expect(uploads[1]?.refusal?.reason).toMatch(/No face was found/);
  });

  it("waits for the photo being sent before starting on photos added meanwhile", async () => {
    const { send, calls } = controlledSend();
    const queue = new UploadQueue(send, noPreview);
    queue.add([jpeg("a.jpg")]);
    await tick();
    queue.add([jpeg("b.jpg")]);
    await tick();
    expect(calls).toHaveLength(1);
    calls[0]?.resolve(result());
    await tick();
    expect(calls).toHaveLength(2);
  });

  it("re-sends a photo with several faces with use_largest_face, and only that one", async () => {
    const { send, calls } = controlledSend();
    const enrolled = vi.fn();
    const queue = new UploadQueue(send, { ...noPreview, onEnrolled: enrolled });
    queue.add([jpeg("group.jpg")]);
    await tick();
    expect(calls[0]?.useLargestFace).toBe(false);
    calls[0]?.reject(refusal("multiple_faces", "the photo shows 2 faces; send a photo of this person alone, or set use_largest_face"));
    await tick();
    const [row] = queue.getSnapshot();
    expect(row?.status).toBe("refused");
    expect(row?.refusal?.canUseLargest).toBe(true);

    // "Send again" as it is is not offered for it: it would be refused the same way.
    queue.retry(row?.id ?? "", false);
    await tick();
    expect(calls).toHaveLength(1);

    queue.retry(row?.id ?? "", true);
    await tick();
    expect(calls).toHaveLength(2);
    expect(calls[1]?.useLargestFace).toBe(true);
    expect(calls[1]?.photo).toBe(calls[0]?.photo);
    expect(queue.getSnapshot()[0]).toMatchObject({ status: "sending", useLargest: true, refusal: undefined });
    calls[1]?.resolve(result(0.7));
    await tick();
    expect(queue.getSnapshot()[0]?.status).toBe("enrolled");
    expect(enrolled).toHaveBeenCalledTimes(1);
    expect(enrolled.mock.calls[0]?.[0]).toMatchObject({ quality_score: 0.7 });
  });

  it("offers no largest face for other refusals, and sends again as it is after a failure of the moment", async () => {
    const { send, calls } = controlledSend();
    const queue = new UploadQueue(send, noPreview);
    queue.add([jpeg("a.jpg"), jpeg("b.jpg")]);
    await tick();
    calls[0]?.reject(refusal("face_blurred"));
    await tick();
    calls[1]?.reject(refusal("face_service_unavailable", "face-embedder is down", 503));
    await tick();
    const [blurred, unavailable] = queue.getSnapshot();
    queue.retry(blurred?.id ?? "", true);
    queue.retry(blurred?.id ?? "", false);
    await tick();
    expect(calls).toHaveLength(2);
    queue.retry(unavailable?.id ?? "", false);
    await tick();
    expect(calls).toHaveLength(3);
    expect(calls[2]?.useLargestFace).toBe(false);
  });

  it("refuses files the browser can judge at once, saying why, and never sends them", async () => {
    const send = vi.fn<SendPhoto>(async () => result());
    const queue = new UploadQueue(send, { ...noPreview, maxBytes: 1000 });
    queue.add([
      new File(["hello"], "notes.txt", { type: "text/plain" }) as PhotoFile,
      jpeg("huge.jpg", 2000),
      jpeg("fine.jpg", 10),
    ]);
    await tick();
    const uploads = queue.getSnapshot();
    expect(uploads.map((u) => [u.name, u.status, u.refusal?.code])).toEqual([
      ["notes.txt", "refused", "not_an_image"],
      ["huge.jpg", "refused", "file_too_large"],
      ["fine.jpg", "enrolled", undefined],
    ]);
    expect(uploads[0]?.refusal?.reason).toMatch(/not a photo/);
    expect(uploads[1]?.refusal?.reason).toMatch(/at most 1000 bytes/);
    expect(send).toHaveBeenCalledTimes(1);
    // Nothing can make the browser send them.
    queue.retry(uploads[0]?.id ?? "", false);
    queue.retry(uploads[1]?.id ?? "", true);
    await tick();
    expect(send).toHaveBeenCalledTimes(1);
  });

  it("stops on unmount: the request is aborted, nothing more is sent, and it resumes on start", async () => {
    const signals: AbortSignal[] = [];
    const send = vi.fn<SendPhoto>((_, { signal }) => {
      signals.push(signal);
      return new Promise(() => undefined);
    });
    const revoke = vi.fn();
    const queue = new UploadQueue(send, { preview: () => "blob:x", revoke });
    queue.add([jpeg("a.jpg"), jpeg("b.jpg")]);
    await tick();
    expect(send).toHaveBeenCalledTimes(1);
    queue.stop();
    expect(signals[0]?.aborted).toBe(true);
    expect(revoke).toHaveBeenCalledTimes(2);
    expect(queue.getSnapshot().map((u) => u.status)).toEqual(["waiting", "waiting"]);
    queue.start();
    await tick();
    expect(send).toHaveBeenCalledTimes(2);
  });

  it("removes rows that are not being sent, and clears the finished ones", async () => {
    const { send, calls } = controlledSend();
    const revoke = vi.fn();
    const queue = new UploadQueue(send, { preview: (f) => `blob:${(f as PhotoFile).name}`, revoke });
    queue.add([jpeg("a.jpg"), jpeg("b.jpg"), jpeg("c.jpg")]);
    await tick();
    const [a, b] = queue.getSnapshot();
    queue.remove(a?.id ?? "");
    expect(queue.getSnapshot()).toHaveLength(3);
    queue.remove(b?.id ?? "");
    expect(queue.getSnapshot().map((u) => u.name)).toEqual(["a.jpg", "c.jpg"]);
    expect(revoke).toHaveBeenCalledWith("blob:b.jpg");
    calls[0]?.resolve(result());
    await tick();
    expect(calls[1]?.photo).toBe(queue.getSnapshot()[1]?.file);
    calls[1]?.reject(refusal("no_face"));
    await tick();
    queue.clearFinished();
    expect(queue.getSnapshot()).toEqual([]);
  });

  it("tells listeners of every change", async () => {
    const { send } = controlledSend();
    const queue = new UploadQueue(send, noPreview);
    const listener = vi.fn();
    const unsubscribe = queue.subscribe(listener);
    queue.add([jpeg("a.jpg")]);
    await tick();
    expect(listener).toHaveBeenCalledTimes(2); // added, then sending
    unsubscribe();
    queue.stop();
    expect(listener).toHaveBeenCalledTimes(2);
  });
});

describe("the queue's summary", () => {
  const row = (name: string, status: "waiting" | "sending" | "enrolled" | "refused") => ({
    id: name,
    name,
    size: 1,
    file: new Blob(),
    preview: undefined,
    status,
    useLargest: false,
  });

  it("says which photo is being sent and how many are left, then how it went", () => {
    expect(summarize([])).toBe("");
    expect(summarize([row("a.jpg", "enrolled"), row("b.jpg", "sending"), row("c.jpg", "waiting")])).toBe("Sending b.jpg; 2 photos left to send.");
    expect(summarize([row("a.jpg", "sending")])).toBe("Sending a.jpg; 1 photo left to send.");
    expect(summarize([row("a.jpg", "enrolled"), row("b.jpg", "refused"), row("c.jpg", "enrolled")])).toBe("2 photos enrolled, 1 photo refused.");
  });
});
