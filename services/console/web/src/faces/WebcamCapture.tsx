// Enrolment from the webcam: start the camera, watch the live preview, take a picture, look
// at it, then send it or take another. The camera stops (every track, so its light goes off)
// when the operator stops it and whenever this leaves the page. The preview and the picture
// are `blob:`/MediaStream sources, which the console's CSP allows (img-src and media-src).

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { enrolPhoto, refreshAfterFaceChange } from "./api";
import { cameraErrorMessage, grabFrame, openCamera, stopStream } from "./camera";
import { previewUrl, revokePreview } from "./photos";
import { enrolledText, refusalOf } from "./reasons";
import "../styles/faces.css";

interface Props {
  personId: string;
  name: string;
}

type Phase = "off" | "starting" | "live" | "captured";

interface Shot {
  blob: Blob;
  url: string | undefined;
}

export function WebcamCapture({ personId, name }: Props) {
  const queryClient = useQueryClient();
  const videoRef = useRef<HTMLVideoElement>(null);
  const streamRef = useRef<MediaStream | null>(null);
  const mounted = useRef(false);
  const [phase, setPhase] = useState<Phase>("off");
  const [ready, setReady] = useState(false);
  const [cameraError, setCameraError] = useState<string>();
  const [shot, setShot] = useState<Shot>();

  const send = useMutation({
    mutationFn: ({ blob, useLargestFace }: { blob: Blob; useLargestFace: boolean }) =>
      enrolPhoto(personId, blob, { useLargestFace }),
    onSuccess: () => void refreshAfterFaceChange(queryClient, personId),
  });

  // Leaving the page (or this person) stops the camera, and a camera that opens after that
  // is stopped as soon as it does.
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
      stopStream(streamRef.current);
      streamRef.current = null;
    };
  }, []);
  // The picture's URL is released when it is replaced or dropped.
  useEffect(() => () => revokePreview(shot?.url), [shot]);

  // The live stream goes into the video once it is shown.
  useEffect(() => {
    const video = videoRef.current;
    if (video !== null && streamRef.current !== null && video.srcObject !== streamRef.current) {
      video.srcObject = streamRef.current;
    }
  }, [phase]);

  // The focus follows the step: Take picture when live, Send when a picture is shown, Start
  // after stopping (never on the first render).
  const startRef = useRef<HTMLButtonElement>(null);
  const captureRef = useRef<HTMLButtonElement>(null);
  const sendRef = useRef<HTMLButtonElement>(null);
  const retakeRef = useRef<HTMLButtonElement>(null);
  const largestRef = useRef<HTMLButtonElement>(null);
  const previous = useRef<Phase>(phase);
  useEffect(() => {
    if (previous.current === phase) return;
    previous.current = phase;
    if (phase === "live") captureRef.current?.focus();
    else if (phase === "captured") sendRef.current?.focus();
    else if (phase === "off") startRef.current?.focus();
  }, [phase]);
  // Once sent, the Send button goes: the focus moves to what comes next.
  useEffect(() => {
    if (send.isSuccess) retakeRef.current?.focus();
    else if (send.isError) (largestRef.current ?? sendRef.current ?? retakeRef.current)?.focus();
  }, [send.isSuccess, send.isError]);

  const start = async () => {
    setCameraError(undefined);
    setReady(false);
    setPhase("starting");
    try {
      const stream = await openCamera();
      if (!mounted.current) {
        stopStream(stream);
        return;
      }
      streamRef.current = stream;
      setPhase("live");
    } catch (error) {
      if (!mounted.current) return;
      setCameraError(cameraErrorMessage(error));
      setPhase("off");
    }
  };

  const stop = () => {
    stopStream(streamRef.current);
    streamRef.current = null;
    if (videoRef.current !== null) videoRef.current.srcObject = null;
    setShot(undefined);
    send.reset();
    setPhase("off");
  };

  const capture = async () => {
    const video = videoRef.current;
    if (video === null) return;
    try {
      const blob = await grabFrame(video);
      send.reset();
      setShot({ blob, url: previewUrl(blob) });
      setPhase("captured");
    } catch (error) {
      setCameraError(error instanceof Error ? error.message : "The picture could not be taken.");
    }
  };

  const retake = () => {
    setShot(undefined);
    send.reset();
    setPhase("live");
  };

  const refusal = send.isError ? refusalOf(send.error) : undefined;
  const live = phase === "live" || phase === "captured";

  return (
    <section className="enrol__panel webcam" aria-labelledby="enrol-webcam-heading">
      <h4 id="enrol-webcam-heading">With the webcam</h4>
      {cameraError !== undefined ? (
        <p className="field__errors" role="alert" data-testid="webcam-error">
          {cameraError}
        </p>
      ) : null}
      {live ? (
        // Muted and inline: browsers play it at once without a gesture; mirrored by CSS
        // only, like a mirror, while the picture taken is as the camera sees it.
        <video
          ref={videoRef}
          className="webcam__video"
          data-testid="webcam-video"
          aria-label={`Camera preview of ${name}`}
          autoPlay
          muted
          playsInline
          hidden={phase === "captured"}
          onLoadedMetadata={() => setReady(true)}
        />
      ) : null}
      {phase === "captured" && shot !== undefined ? (
        shot.url !== undefined ? (
          <img className="webcam__shot" src={shot.url} alt={`The picture taken of ${name}, not sent yet`} data-testid="webcam-shot" />
        ) : (
          <p data-testid="webcam-shot">A picture was taken.</p>
        )
      ) : null}
      <p role="status" className={refusal !== undefined ? "upload__status webcam__status--refused" : "upload__status"} data-testid="webcam-status">
        {phase === "starting"
          ? "Starting the camera… Your browser may ask whether to allow it."
          : phase === "live" && !ready
            ? "Waiting for the camera's picture…"
            : send.isPending
              ? "Sending the picture…"
              : send.isSuccess
                ? enrolledText(send.data)
                : refusal !== undefined
                  ? `Refused: ${refusal.reason}`
                  : ""}
      </p>
      <div className="upload__actions">
        {phase === "off" || phase === "starting" ? (
          <button ref={startRef} type="button" className="button button--primary" onClick={() => void start()} disabled={phase === "starting"}>
            Start the camera
          </button>
        ) : null}
        {phase === "live" ? (
          // aria-disabled, not disabled, until the camera shows a picture: the button keeps
          // the focus it was given when the camera started.
          <button
            ref={captureRef}
            type="button"
            className="button button--primary"
            aria-disabled={!ready}
            onClick={() => {
              if (ready) void capture();
            }}
          >
            Take a picture
          </button>
        ) : null}
        {phase === "captured" && shot !== undefined ? (
          <>
            {!send.isSuccess && (refusal === undefined || refusal.canRetry) ? (
              <button
                ref={sendRef}
                type="button"
                className="button button--primary"
                disabled={send.isPending}
                onClick={() => send.mutate({ blob: shot.blob, useLargestFace: false })}
              >
                {send.isPending ? "Sending…" : refusal !== undefined ? "Send it again" : "Send the picture"}
              </button>
            ) : null}
            {refusal?.canUseLargest === true ? (
              <button
                ref={largestRef}
                type="button"
                className="button"
                disabled={send.isPending}
                onClick={() => send.mutate({ blob: shot.blob, useLargestFace: true })}
              >
                Use the largest face
              </button>
            ) : null}
            <button ref={retakeRef} type="button" className="button" onClick={retake} disabled={send.isPending}>
              {send.isSuccess ? "Take another" : "Retake"}
            </button>
          </>
        ) : null}
        {live ? (
          <button type="button" className="button button--quiet" onClick={stop} disabled={send.isPending}>
            Stop the camera
          </button>
        ) : null}
      </div>
    </section>
  );
}
