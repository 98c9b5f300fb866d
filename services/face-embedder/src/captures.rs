//! The camera path: captures from `faces.v1.<camera>` in, one `detections.v1.<camera>` event
//! per face out, then a `captures.v1.processed.<camera>` notice (core NATS, not stored) saying
//! the capture is settled and how many faces it held: a frame without a face produces no
//! detection, and whoever waits for the capture's outcome (a kiosk) learns it from that.
//!
//! At-least-once in, deduplicated out: a capture is acknowledged only after every detection
//! it produced is stored by JetStream, and each detection's id (its `Nats-Msg-Id`) is derived
//! from the capture id and the face's position, so a redelivered capture republishes the same
//! ids and JetStream drops the repeats. A capture that can never succeed (not a FaceCapture,
//! an undecodable image) goes to the dead-letter stream with the reason at once; one that
//! keeps failing for a transient reason goes there after the last delivery. Nothing is
//! dropped silently, and a poison capture never blocks the others.

use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::consumer::PullConsumer;
use async_nats::jetstream::{AckKind, Message};
use bytes::Bytes;
use chrono::Utc;
use faceattend_bus::{Bus, OutgoingMessage, headers};
use faceattend_face::Identification;
use faceattend_proto::faces::v1 as wire;
use futures::StreamExt;
use prost::{Message as _, Name};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use uuid::Uuid;

use crate::recognizer::Recognizer;

/// Detection ids are UUIDv5 of `"<capture id>/<face index>"` in this namespace.
const DETECTION_NAMESPACE: Uuid = Uuid::from_u128(0x6d1f_3c2e_4b7a_4e8f_9a0b_5c6d_7e8f_9012);

/// Header on dead letters: why the message was given up.
pub const DEAD_LETTER_REASON: &str = "Dead-Letter-Reason";
/// Header on dead letters: the subject the message was consumed from.
pub const DEAD_LETTER_SUBJECT: &str = "Dead-Letter-Subject";

pub struct CaptureProcessor {
    pub bus: Bus,
    pub recognizer: Arc<Recognizer>,
    pub consumer: PullConsumer,
    /// Captures processed at once.
    pub concurrency: usize,
    pub max_deliver: i64,
}

/// What became of one capture.
enum Outcome {
    Done,
    /// Worth another delivery.
    Retry(String),
    /// Never going to work: dead-letter it.
    Reject(String),
}

impl CaptureProcessor {
    pub async fn run(self, shutdown: CancellationToken) {
        let this = Arc::new(self);
        let permits = Arc::new(Semaphore::new(this.concurrency.max(1)));
        let mut attempt = 0u32;
        while !shutdown.is_cancelled() {
            let mut messages = match this.consumer.messages().await {
                Ok(messages) => messages,
                Err(error) => {
                    attempt = attempt.saturating_add(1);
                    tracing::warn!(%error, "cannot pull captures; retrying");
                    tokio::select! {
                        _ = shutdown.cancelled() => break,
                        _ = tokio::time::sleep(Duration::from_millis(200 * 2u64.pow(attempt.min(5)))) => continue,
                    }
                }
            };
            attempt = 0;
            loop {
                let permit = tokio::select! {
                    _ = shutdown.cancelled() => break,
                    permit = permits.clone().acquire_owned() => permit.expect("never closed"),
                };
                let message = tokio::select! {
                    _ = shutdown.cancelled() => break,
                    message = messages.next() => message,
                };
                match message {
                    Some(Ok(message)) => {
                        let this = this.clone();
                        tokio::spawn(async move {
                            this.handle(message).await;
                            drop(permit);
                        });
                    }
                    Some(Err(error)) => {
                        // Missed heartbeats, a server restart: the stream resumes by itself
                        // or ends, in which case a new one is opened above.
                        tracing::debug!(%error, "capture stream hiccup");
                    }
                    None => break,
                }
            }
        }
        // Let the captures in hand finish, so their acks are not lost to a redelivery.
        let _ = permits.acquire_many(this.concurrency.max(1) as u32).await;
    }

    async fn handle(&self, message: Message) {
        let deliveries = message.info().map(|i| i.delivered).unwrap_or(1);
        let span = tracing::info_span!("capture", subject = %message.subject, deliveries);
        if let Some(headers) = &message.headers {
            let _ = span.set_parent(faceattend_bus::extract_trace_context(headers));
        }
        async {
            let outcome = self.process(&message).await;
            let result = match outcome {
                Outcome::Done => message.ack().await,
                Outcome::Retry(reason) if deliveries < self.max_deliver => {
                    tracing::warn!(%reason, "capture failed; it will be redelivered");
                    message
                        .ack_with(AckKind::Nak(Some(Duration::from_secs(
                            2u64.pow(deliveries.min(6) as u32),
                        ))))
                        .await
                }
                Outcome::Retry(reason) | Outcome::Reject(reason) => {
                    match self.dead_letter(&message, &reason).await {
                        Ok(()) => message.ack_with(AckKind::Term).await,
                        // Not even the dead-letter stream takes it: leave it to redelivery.
                        Err(error) => {
                            tracing::error!(%error, "cannot dead-letter a capture");
                            message.ack_with(AckKind::Nak(None)).await
                        }
                    }
                }
            };
            if let Err(error) = result {
                tracing::warn!(%error, "cannot acknowledge a capture; it will be redelivered");
            }
        }
        .instrument(span)
        .await
    }

    async fn process(&self, message: &Message) -> Outcome {
        let capture = match wire::FaceCapture::decode(message.payload.as_ref()) {
            Ok(capture) => capture,
            Err(error) => return Outcome::Reject(format!("not a FaceCapture: {error}")),
        };
        let Some(camera) = camera_of(&message.subject, &self.bus) else {
            return Outcome::Reject(format!("no camera in subject {}", message.subject));
        };
        if Uuid::parse_str(&capture.capture_id).is_err() {
            return Outcome::Reject("capture_id must be a UUID".to_owned());
        }
        let faces = match self
            .recognizer
            .identify_image(Bytes::from(capture.image.clone()), 2)
            .await
        {
            Ok(faces) => faces,
            Err(error) if error.is_transient() => return Outcome::Retry(error.to_string()),
            Err(error) => return Outcome::Reject(format!("{}: {error}", error.code())),
        };
        let processed_at = timestamp(Utc::now());
        let mut pending = Vec::with_capacity(faces.len());
        let mut detection_ids = Vec::with_capacity(faces.len());
        for (index, face) in faces.into_iter().enumerate() {
            let detection = self.detection(&capture, &camera, index, face, processed_at);
            detection_ids.push(detection.detection_id.clone());
            let outgoing = OutgoingMessage {
                subject: detection_subject(&camera),
                msg_id: detection.detection_id.clone(),
                content_type: format!(
                    "application/protobuf; proto={}",
                    wire::Detection::full_name()
                ),
                headers: faceattend_bus::current_trace_headers(),
                payload: Bytes::from(detection.encode_to_vec()),
            };
            match self.bus.publish_async(outgoing).await {
                Ok(ack) => pending.push(ack),
                Err(error) => return Outcome::Retry(error.to_string()),
            }
        }
        for ack in pending {
            if let Err(error) = ack.await {
                return Outcome::Retry(format!("detection not stored: {error}"));
            }
        }
        self.notify_processed(wire::CaptureProcessed {
            capture_id: capture.capture_id.clone(),
            faces: detection_ids.len() as u32,
            detection_ids,
            camera_id: camera.clone(),
        })
        .await;
        Outcome::Done
    }

    /// Says the capture is settled. Best effort: the notice is for a waiter that gives up on
    /// its own after a while, and the detections (the record) are stored already, so a lost
    /// notice costs nothing but that waiter's patience.
    async fn notify_processed(&self, processed: wire::CaptureProcessed) {
        let subject = self.bus.subject(&processed_subject(&processed.camera_id));
        let mut headers = async_nats::HeaderMap::new();
        headers.insert(
            headers::CONTENT_TYPE,
            format!(
                "application/protobuf; proto={}",
                wire::CaptureProcessed::full_name()
            )
            .as_str(),
        );
        for (name, value) in faceattend_bus::current_trace_headers() {
            headers.insert(name.as_str(), value.as_str());
        }
        if let Err(error) = self
            .bus
            .client()
            .publish_with_headers(subject, headers, Bytes::from(processed.encode_to_vec()))
            .await
        {
            tracing::debug!(%error, "cannot publish a capture's processed notice");
        }
    }

    fn detection(
        &self,
        capture: &wire::FaceCapture,
        camera: &str,
        index: usize,
        face: crate::recognizer::IdentifiedFace,
        processed_at: prost_types::Timestamp,
    ) -> wire::Detection {
        let detection_id = Uuid::new_v5(
            &DETECTION_NAMESPACE,
            format!("{}/{index}", capture.capture_id).as_bytes(),
        );
        let (decision, best) = match face.identification {
            Identification::Match(best) => (wire::Decision::Match, Some(best)),
            Identification::Ambiguous { best, .. } => (wire::Decision::Ambiguous, Some(best)),
            Identification::Unknown => (wire::Decision::Unknown, None),
        };
        // The nearest person is reported even for an unknown face (as distance only): it
        // tells an operator how far the stranger was from being matched.
        let nearest = face.ranked.first();
        let distance = nearest.map_or(2.0, |c| c.distance);
        let runner_up = face.ranked.get(1);
        let calibration = self.recognizer.calibration();
        let wire_face = face.face.map(|f| f.wire).unwrap_or_default();
        wire::Detection {
            detection_id: detection_id.to_string(),
            capture_id: capture.capture_id.clone(),
            camera_id: camera.to_owned(),
            captured_at: capture.captured_at,
            processed_at: Some(processed_at),
            decision: decision as i32,
            person_id: best.map(|b| b.person_id.to_string()),
            encoding_id: best.map(|b| b.encoding_id.to_string()),
            distance,
            confidence: best.map_or(0.0, |b| calibration.confidence(b.distance)),
            model: self.recognizer.model().name.clone(),
            quality: wire_face.quality,
            frame_box: frame_box(capture.frame_box.as_ref(), wire_face.r#box.as_ref()),
            r#box: wire_face.r#box,
            track_id: capture.track_id.clone(),
            snapshot_ref: capture.snapshot_ref.clone(),
            face_index: index as u32,
            runner_up_person_id: runner_up.map(|c| c.person_id.to_string()),
            runner_up_distance: runner_up.map_or(2.0, |c| c.distance),
            camera_role: capture.camera_role.clone(),
        }
    }

    async fn dead_letter(&self, message: &Message, reason: &str) -> Result<(), String> {
        let info = message.info().map_err(|e| e.to_string())?;
        tracing::warn!(%reason, subject = %message.subject, "capture dead-lettered");
        let relative = strip_namespace(&message.subject, &self.bus).unwrap_or(&message.subject);
        self.bus
            .publish(OutgoingMessage {
                subject: faceattend_bus::dead_letter_subject(relative),
                msg_id: format!("{}:{}", info.stream, info.stream_sequence),
                content_type: message
                    .headers
                    .as_ref()
                    .and_then(|h| h.get(headers::CONTENT_TYPE))
                    .map(|v| v.to_string())
                    .unwrap_or_default(),
                headers: vec![
                    (DEAD_LETTER_REASON.to_owned(), sanitize_header(reason)),
                    (DEAD_LETTER_SUBJECT.to_owned(), message.subject.to_string()),
                ],
                payload: message.payload.clone(),
            })
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

/// `detections.v1.<camera>`: a capture's detections go on a subject per camera, as the
/// captures came, so a consumer can follow one door.
/// The face's box in the camera frame: the capture's image sat at `crop` in it (at the
/// frame's own resolution, camera-agent's contract), or was the frame itself.
fn frame_box(crop: Option<&wire::Box>, face: Option<&wire::Box>) -> Option<wire::Box> {
    let face = face?;
    let (dx, dy) = crop.map_or((0.0, 0.0), |c| (c.x_min, c.y_min));
    Some(wire::Box {
        x_min: face.x_min + dx,
        y_min: face.y_min + dy,
        x_max: face.x_max + dx,
        y_max: face.y_max + dy,
    })
}

fn detection_subject(camera: &str) -> String {
    format!("detections.v1.{camera}")
}

/// `captures.v1.processed.<camera>`: outside the FACES stream's `faces.v1.>`, so the notice is
/// not stored (nor taken for a capture).
pub fn processed_subject(camera: &str) -> String {
    format!("captures.v1.processed.{camera}")
}

/// The subject relative to the bus namespace.
fn strip_namespace<'a>(subject: &'a str, bus: &Bus) -> Option<&'a str> {
    if bus.namespace().is_empty() {
        Some(subject)
    } else {
        subject.strip_prefix(&format!("{}.", bus.namespace()))
    }
}

/// `faces.v1.<camera>` → the camera token.
fn camera_of(subject: &str, bus: &Bus) -> Option<String> {
    let camera = strip_namespace(subject, bus)?.strip_prefix("faces.v1.")?;
    (!camera.is_empty() && !camera.contains('.')).then(|| camera.to_owned())
}

/// Header values cannot carry line breaks.
fn sanitize_header(value: &str) -> String {
    value
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(512)
        .collect()
}

pub fn timestamp(at: chrono::DateTime<Utc>) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: at.timestamp(),
        nanos: at.timestamp_subsec_nanos() as i32,
    }
}

#[cfg(test)]
mod tests {
    use faceattend_proto::asyncapi_channel_for;

    use super::*;
    use crate::service_api::{EMBED_SUBJECT, IDENTIFY_SUBJECT};

    #[test]
    fn the_frame_box_is_the_face_moved_by_where_the_crop_sat() {
        let face = wire::Box {
            x_min: 10.0,
            y_min: 20.0,
            x_max: 50.0,
            y_max: 70.0,
        };
        let crop = wire::Box {
            x_min: 300.0,
            y_min: 100.0,
            x_max: 420.0,
            y_max: 250.0,
        };
        let moved = frame_box(Some(&crop), Some(&face)).expect("a box");
        assert_eq!(
            (moved.x_min, moved.y_min, moved.x_max, moved.y_max),
            (310.0, 120.0, 350.0, 170.0)
        );
        // A whole frame: the box as it is; no face: no box.
        assert_eq!(frame_box(None, Some(&face)), Some(face));
        assert_eq!(frame_box(Some(&crop), None), None);
    }

    #[test]
    fn every_subject_is_a_channel_of_the_asyncapi_document() {
        assert_eq!(
            asyncapi_channel_for(&detection_subject("door-1")),
            Some("detections.v1.{camera_id}")
        );
        assert_eq!(
            asyncapi_channel_for(&processed_subject("door-1")),
            Some("captures.v1.processed.{camera_id}")
        );
        assert_eq!(
            asyncapi_channel_for(&faceattend_bus::dead_letter_subject("faces.v1.door-1")),
            Some("deadletter.v1.{original_subject}")
        );
        for subject in [EMBED_SUBJECT, IDENTIFY_SUBJECT] {
            assert_eq!(asyncapi_channel_for(subject), Some(subject));
        }
    }
}
