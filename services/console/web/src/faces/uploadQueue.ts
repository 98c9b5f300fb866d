// The photos an operator dropped or picked for enrolment, sent one after another (never at
// once: each is a face recognition job, and the rows fill in order). Every photo has a row:
// waiting, sending, enrolled, or refused with the reason; a refused photo with several faces
// can be sent again with use_largest_face, one refused by a failure of the moment sent again
// as it is. Plain TypeScript with a subscribe/snapshot pair for useSyncExternalStore, so the
// sequencing is tested without React.

import { checkPhoto, previewUrl, revokePreview } from "./photos";
import { localRefusal, refusalOf, type Refusal } from "./reasons";
import type { EnrollResult } from "./api";

export type UploadStatus = "waiting" | "sending" | "enrolled" | "refused";

export interface Upload {
  id: string;
  name: string;
  size: number;
  file: Blob;
  /** A `blob:` URL of the photo, for the row's thumbnail (undefined where there is none). */
  preview: string | undefined;
  status: UploadStatus;
  /** Sent (or to be sent) with `use_largest_face: true`. */
  useLargest: boolean;
  refusal?: Refusal | undefined;
  result?: EnrollResult | undefined;
}

/** A file as the queue needs it: a Blob with a name (a File, or a test's stand-in). */
export type PhotoFile = Blob & { name: string };

export type SendPhoto = (photo: Blob, options: { useLargestFace: boolean; signal: AbortSignal }) => Promise<EnrollResult>;

export interface QueueOptions {
  /** Called after each photo is enrolled (to refresh the faces list at once). */
  onEnrolled?: (result: EnrollResult, upload: Upload) => void;
  preview?: (photo: Blob) => string | undefined;
  revoke?: (url: string | undefined) => void;
  maxBytes?: number;
}

let lastId = 0;

export class UploadQueue {
  private uploads: readonly Upload[] = [];
  private readonly listeners = new Set<() => void>();
  private run: symbol | null = null;
  private active = true;
  private abort = new AbortController();
  private readonly preview: (photo: Blob) => string | undefined;
  private readonly revoke: (url: string | undefined) => void;

  constructor(
    private readonly send: SendPhoto,
    private readonly options: QueueOptions = {},
  ) {
    this.preview = options.preview ?? previewUrl;
    this.revoke = options.revoke ?? revokePreview;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  getSnapshot = (): readonly Upload[] => this.uploads;

  /**
   * Queues files in the order given. A file the browser can tell is unusable (not an image,
   * too large) gets its row at once, refused with the reason, and is never sent.
   */
  add(files: Iterable<PhotoFile>): void {
    const added: Upload[] = [];
    for (const file of files) {
      const problem = checkPhoto(file, this.options.maxBytes);
      lastId += 1;
      added.push({
        id: `upload-${lastId}`,
        name: file.name,
        size: file.size,
        file,
        // No thumbnail of what is not an image.
        preview: problem?.code === "not_an_image" ? undefined : this.preview(file),
        status: problem === undefined ? "waiting" : "refused",
        useLargest: false,
        refusal: problem === undefined ? undefined : localRefusal(problem.code, problem.reason),
      });
    }
    if (added.length === 0) return;
    this.set([...this.uploads, ...added]);
    void this.pump();
  }

  /** Sends a refused photo again: with `use_largest_face` when `useLargest`, else as it was. */
  retry(id: string, useLargest: boolean): void {
    const upload = this.uploads.find((u) => u.id === id);
    if (upload === undefined || upload.status !== "refused") return;
    if (useLargest ? !(upload.refusal?.canUseLargest ?? false) : !(upload.refusal?.canRetry ?? false)) return;
    this.update(id, { status: "waiting", useLargest: useLargest || upload.useLargest, refusal: undefined });
    void this.pump();
  }

  /** Drops a row that is not being sent. */
  remove(id: string): void {
    const upload = this.uploads.find((u) => u.id === id);
    if (upload === undefined || upload.status === "sending") return;
    this.revoke(upload.preview);
    this.set(this.uploads.filter((u) => u.id !== id));
  }

  /** Drops the rows that are done (enrolled or refused). */
  clearFinished(): void {
    const done = this.uploads.filter((u) => u.status === "enrolled" || u.status === "refused");
    done.forEach((u) => this.revoke(u.preview));
    this.set(this.uploads.filter((u) => !done.includes(u)));
  }

  /** (Re)starts sending: the component's mount. */
  start(): void {
    if (this.active) return;
    this.active = true;
    this.abort = new AbortController();
    void this.pump();
  }

  /**
   * The component's unmount: the photo being sent is abandoned (its request aborted), nothing
   * else is sent, and the thumbnails' URLs are released.
   */
  stop(): void {
    this.active = false;
    this.run = null;
    this.abort.abort();
    this.uploads.forEach((u) => this.revoke(u.preview));
    this.set(this.uploads.map((u) => ({ ...u, preview: undefined, status: u.status === "sending" ? "waiting" : u.status })));
  }

  /**
   * Sends the waiting photos in order, one at a time. A run belongs to the start that began
   * it: after a stop, a run still awaiting its (aborted) request ends without touching the
   * rows, and the next start begins a run of its own.
   */
  private async pump(): Promise<void> {
    if (this.run !== null || !this.active) return;
    const run = Symbol("run");
    this.run = run;
    const current = () => this.run === run && this.active;
    try {
      while (current()) {
        const next = this.uploads.find((u) => u.status === "waiting");
        if (next === undefined) break;
        this.update(next.id, { status: "sending" });
        try {
          const result = await this.send(next.file, { useLargestFace: next.useLargest, signal: this.abort.signal });
          if (!current()) return;
          this.update(next.id, { status: "enrolled", result });
          const upload = this.uploads.find((u) => u.id === next.id);
          if (upload !== undefined) this.options.onEnrolled?.(result, upload);
        } catch (error) {
          if (!current()) return;
          this.update(next.id, { status: "refused", refusal: refusalOf(error) });
        }
      }
    } finally {
      if (this.run === run) this.run = null;
    }
  }

  private update(id: string, change: Partial<Upload>): void {
    this.set(this.uploads.map((u) => (u.id === id ? { ...u, ...change } : u)));
  }

  private set(uploads: readonly Upload[]): void {
    this.uploads = uploads;
    for (const listener of [...this.listeners]) listener();
  }
}

/** What the queue's live region says: where the sending is, then how it went. */
export function summarize(uploads: readonly Upload[]): string {
  if (uploads.length === 0) return "";
  const count = (status: UploadStatus) => uploads.filter((u) => u.status === status).length;
  const sending = uploads.findIndex((u) => u.status === "sending");
  const photos = (n: number) => `${n} ${n === 1 ? "photo" : "photos"}`;
  if (sending >= 0) {
    const pending = count("waiting") + 1;
    return `Sending ${uploads[sending]?.name ?? "a photo"}; ${photos(pending)} left to send.`;
  }
  const enrolled = count("enrolled");
  const refused = count("refused");
  const parts = [];
  if (enrolled > 0) parts.push(`${photos(enrolled)} enrolled`);
  if (refused > 0) parts.push(`${photos(refused)} refused`);
  return parts.length > 0 ? `${parts.join(", ")}.` : "";
}
