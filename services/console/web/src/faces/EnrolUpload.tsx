// Enrolment from photo files: picked (the keyboard's way in) or dropped, sent one after
// another by an UploadQueue, each with its row: a thumbnail, the name, and what became of it.

import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState, useSyncExternalStore, type DragEvent } from "react";
import { enrolPhoto, refreshAfterFaceChange } from "./api";
import { ACCEPT, MAX_PHOTO_BYTES, formatBytes } from "./photos";
import { enrolledText } from "./reasons";
import { summarize, UploadQueue, type PhotoFile, type Upload } from "./uploadQueue";
import "../styles/faces.css";

interface Props {
  personId: string;
  name: string;
}

export function EnrolUpload({ personId, name }: Props) {
  const queryClient = useQueryClient();
  const [queue] = useState(
    () =>
      new UploadQueue((photo, options) => enrolPhoto(personId, photo, options), {
        onEnrolled: () => void refreshAfterFaceChange(queryClient, personId),
      }),
  );
  // Stopped on unmount (leaving the page aborts the photo being sent); started again on a
  // remount (React's StrictMode mounts twice in development).
  useEffect(() => {
    queue.start();
    return () => queue.stop();
  }, [queue]);
  const uploads = useSyncExternalStore(queue.subscribe, queue.getSnapshot);
  const [over, setOver] = useState(false);
  // A removed row takes its buttons with it: the focus goes back to choosing photos.
  const inputRef = useRef<HTMLInputElement>(null);
  const afterRemoving = (change: () => void) => {
    change();
    inputRef.current?.focus();
  };

  const addFiles = (files: FileList | null) => {
    if (files !== null && files.length > 0) queue.add(Array.from(files) as PhotoFile[]);
  };
  const onDragOver = (event: DragEvent) => {
    if (!event.dataTransfer.types.includes("Files")) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
    setOver(true);
  };
  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setOver(false);
    addFiles(event.dataTransfer.files);
  };
  const finished = uploads.some((u) => u.status === "enrolled" || u.status === "refused");

  return (
    <section className="enrol__panel" aria-labelledby="enrol-upload-heading">
      <h4 id="enrol-upload-heading">From photos</h4>
      <div
        className={over ? "dropzone dropzone--over" : "dropzone"}
        data-testid="enrol-dropzone"
        onDragEnter={onDragOver}
        onDragOver={onDragOver}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
      >
        <p className="dropzone__text">Drop photos of {name} here, or</p>
        {/* The input itself is hidden but focusable; its label looks like the button. */}
        <input
          ref={inputRef}
          id="enrol-photos"
          className="file-input visually-hidden"
          type="file"
          multiple
          accept={ACCEPT}
          aria-describedby="enrol-photos-hint"
          data-testid="enrol-file-input"
          onChange={(event) => {
            addFiles(event.target.files);
            // The same file can be chosen again (after a refusal, say).
            event.target.value = "";
          }}
        />
        <label htmlFor="enrol-photos" className="button button--primary">
          Choose photos…
        </label>
        <p id="enrol-photos-hint" className="field__hint">
          JPEG, PNG or WebP, at most {formatBytes(MAX_PHOTO_BYTES)} each, one face per photo. Several photos are sent one after
          another.
        </p>
      </div>
      <p role="status" className="uploads__summary" data-testid="enrol-upload-summary">
        {summarize(uploads)}
      </p>
      {uploads.length > 0 ? (
        <>
          <ul className="uploads" aria-label="Photos sent for enrolment">
            {uploads.map((upload) => (
              <UploadRow key={upload.id} upload={upload} queue={queue} onRemove={() => afterRemoving(() => queue.remove(upload.id))} />
            ))}
          </ul>
          {finished ? (
            <button type="button" className="button button--quiet" onClick={() => afterRemoving(() => queue.clearFinished())}>
              Clear finished photos
            </button>
          ) : null}
        </>
      ) : null}
    </section>
  );
}

const STATUS_TEXT: Record<Upload["status"], string> = {
  waiting: "Waiting to be sent…",
  sending: "Sending…",
  enrolled: "Enrolled.",
  refused: "Refused.",
};

function UploadRow({ upload, queue, onRemove }: { upload: Upload; queue: UploadQueue; onRemove: () => void }) {
  const { status, refusal, result } = upload;
  const text =
    status === "enrolled" && result !== undefined
      ? enrolledText(result)
      : status === "refused" && refusal !== undefined
        ? `Refused: ${refusal.reason}`
        : status === "waiting" && upload.useLargest
          ? "Waiting to be sent again, enrolling the largest face…"
          : STATUS_TEXT[status];
  return (
    <li className={`upload upload--${status}`} data-testid="enrol-upload-row" data-status={status}>
      {upload.preview !== undefined ? (
        <img className="upload__preview" src={upload.preview} alt="" />
      ) : (
        <span className="upload__preview upload__preview--none" aria-hidden="true" />
      )}
      <div className="upload__body">
        <p className="upload__name">{upload.name}</p>
        <p className="upload__status">{text}</p>
        {status !== "sending" ? (
          <div className="upload__actions">
            {status === "refused" && refusal?.canUseLargest === true ? (
              <button type="button" className="button" onClick={() => queue.retry(upload.id, true)}>
                Use the largest face<span className="visually-hidden"> in {upload.name}</span>
              </button>
            ) : null}
            {status === "refused" && refusal?.canRetry === true ? (
              <button type="button" className="button" onClick={() => queue.retry(upload.id, false)}>
                Send again<span className="visually-hidden"> {upload.name}</span>
              </button>
            ) : null}
            <button type="button" className="button button--quiet" onClick={onRemove}>
              {status === "waiting" ? "Don't send" : "Remove"}
              <span className="visually-hidden"> {upload.name}</span>
            </button>
          </div>
        ) : null}
      </div>
    </li>
  );
}
