//! One camera, from its source to the captures it publishes, isolated from every other camera.
//!
//! Each camera has two threads of its own and one task: a *reader* thread (OpenCV blocks)
//! that opens the source, grabs every frame, keeps the sampled ones and reopens the source
//! with exponential backoff when it fails; an *analyser* thread that detects, tracks and picks
//! the crops; and a publishing task on the runtime. They talk through bounded queues, so a
//! slow camera, a stalled stream or a camera sending garbage only ever holds up itself. A
//! live source whose analysis falls behind skips sampled frames (the newest matter); a file
//! is analysed frame by frame (its pace is ours to choose). The camera's state is kept in a
//! [`CameraStatus`] for `/healthz` and `/readyz`.

use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use bytes::Bytes;
use chrono::{DateTime, Utc};
use faceattend_bus::{Bus, OutgoingMessage};
use faceattend_proto::faces::v1 as wire;
use faceattend_service::object_storage::ObjectStorage;
use image::RgbImage;
use prost::{Message as _, Name};
use serde::Serialize;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;
use uuid::Uuid;

use crate::analysis::FrameAnalyser;
use crate::config::{Camera, TrackingConfig};
use crate::error::CameraAgentError;
use crate::metrics::AgentMetrics;
use crate::source::VideoReader;
use crate::tracker::{Sighting, Tracker};
use faceattend_camera_registry::CameraRegistry;
use faceattend_proto::cameras::v1 as registry_wire;

/// Consecutive undecodable frames after which a source is reopened.
const MAX_BAD_FRAMES: u32 = 25;
/// Captures waiting for NATS per camera; beyond, new ones are dropped (and counted).
const PUBLISH_QUEUE: usize = 64;
/// Attempts to store one capture while NATS is away.
const PUBLISH_ATTEMPTS: u32 = 5;
/// A camera's thumbnail (the frame of its latest capture) is renewed at most this often.
const THUMBNAIL_EVERY: Duration = Duration::from_secs(5);
/// Width of a thumbnail, in pixels.
const THUMBNAIL_WIDTH: u32 = 320;

/// What the health endpoints show about a camera.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CameraState {
    /// Opening the source.
    Connecting,
    /// Frames arrive.
    Streaming,
    /// The source failed; waiting to reopen it.
    Reconnecting,
    /// A file played to its end.
    Ended,
    /// The agent is shutting down.
    Stopped,
}

#[derive(Debug, Clone, Serialize)]
pub struct CameraSnapshot {
    pub id: String,
    pub source: String,
    pub role: &'static str,
    pub state: CameraState,
    pub reconnects: u64,
    pub last_error: Option<String>,
    pub last_frame_at: Option<DateTime<Utc>>,
    pub frames_decoded: u64,
    pub frames_analysed: u64,
    pub captures_published: u64,
    pub last_capture_at: Option<DateTime<Utc>>,
}

/// A camera's state, shared by its threads and the health endpoints.
#[derive(Debug, Clone)]
pub struct CameraStatus(Arc<Mutex<CameraSnapshot>>);

impl CameraStatus {
    pub fn new(config: &Camera) -> Self {
        Self(Arc::new(Mutex::new(CameraSnapshot {
            id: config.id.clone(),
            source: config.source.redacted(),
            role: config.role.as_str(),
            state: CameraState::Connecting,
            reconnects: 0,
            last_error: None,
            last_frame_at: None,
            frames_decoded: 0,
            frames_analysed: 0,
            captures_published: 0,
            last_capture_at: None,
        })))
    }

    pub fn snapshot(&self) -> CameraSnapshot {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, CameraSnapshot> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn update(&self, change: impl FnOnce(&mut CameraSnapshot)) {
        change(&mut self.lock());
    }
}

/// A sampled frame on its way to analysis.
struct SampledFrame {
    image: RgbImage,
    /// On the camera's clock, which only moves forward (across reconnects and repeats).
    clock: Duration,
    captured_at: DateTime<Utc>,
    decoded_at: Instant,
}

enum ToAnalyser {
    Frame(SampledFrame),
    /// The source was reopened: the tracks in view have ended.
    Break,
    /// A file played to its end and will not be reopened. It travels behind the last frame
    /// and then behind the last capture, so the camera is reported `Ended` only once every
    /// frame was analysed and every capture published (the reader finishes a channel's worth
    /// of frames earlier, the analyser a queue's worth of captures).
    Ended,
}

/// What the tracker keeps per sighting and publishes for the best.
struct CropPayload {
    crop: RgbImage,
    crop_box: faceattend_face::BoundingBox,
    captured_at: DateTime<Utc>,
    /// The whole frame, shared by its faces: for the snapshot (when snapshots are stored)
    /// and the camera's thumbnail.
    frame: Arc<RgbImage>,
}

/// A capture's frame on its way to the snapshot store.
struct Snapshot {
    key: String,
    jpeg: Bytes,
}

/// What the analyser hands the publisher.
enum ToPublisher {
    Capture(Box<Outgoing>),
    /// The file ended (see [`ToAnalyser::Ended`]).
    Ended,
}

/// A capture ready for NATS.
struct Outgoing {
    /// Encoded once the snapshot (if any) is stored, so `snapshot_ref` names only a stored
    /// frame.
    capture: wire::FaceCapture,
    headers: Vec<(String, String)>,
    snapshot: Option<Snapshot>,
    /// The camera's new thumbnail, when one is due.
    thumbnail: Option<registry_wire::Thumbnail>,
    /// When the frame that made the tracker publish was decoded (or the stream ended).
    decided_at: Instant,
    /// The capture's span: the root of the trace that follows this face through
    /// face-embedder, attendance-worker and realtime-gateway (its `traceparent` is in the
    /// message's headers).
    span: tracing::Span,
}

/// A running camera: its status, and the threads and task to wait for at shutdown.
pub struct RunningCamera {
    pub status: CameraStatus,
    reader: JoinHandle<()>,
    analyser: JoinHandle<()>,
    publisher: tokio::task::JoinHandle<()>,
}

impl RunningCamera {
    /// Waits until the camera's threads and task finished (after the shutdown token fired,
    /// or a file ended): the pending captures are published by then.
    pub async fn join(self) {
        let threads = tokio::task::spawn_blocking(move || {
            let _ = self.reader.join();
            let _ = self.analyser.join();
        });
        let _ = threads.await;
        let _ = self.publisher.await;
    }
}

/// Everything a camera shares with the agent.
#[derive(Clone)]
pub struct CameraContext {
    pub bus: Bus,
    pub analyser: Arc<FrameAnalyser>,
    pub metrics: AgentMetrics,
    pub tracking: TrackingConfig,
    pub reconnect_initial: Duration,
    pub reconnect_max: Duration,
    pub stall_timeout: Duration,
    pub jpeg_quality: u8,
    /// Where captures' frames are kept as evidence, if anywhere.
    pub snapshots: Option<ObjectStorage>,
    /// Where each camera's latest capture frame goes, scaled down, for the console.
    pub registry: CameraRegistry,
}

/// Starts a camera; it runs until `shutdown` fires (or its file ends).
pub fn start(
    config: Camera,
    status: CameraStatus,
    context: CameraContext,
    shutdown: CancellationToken,
) -> Result<RunningCamera, CameraAgentError> {
    let config = Arc::new(config);
    let (frames_tx, frames_rx) = sync_channel::<ToAnalyser>(2);
    let (outgoing_tx, outgoing_rx) = mpsc::channel::<ToPublisher>(PUBLISH_QUEUE);
    let thread = |name: &str| std::thread::Builder::new().name(format!("{name}-{}", config.id));
    let reader = {
        let (config, context, status, shutdown) = (
            config.clone(),
            context.clone(),
            status.clone(),
            shutdown.clone(),
        );
        thread("camera").spawn(move || read_loop(&config, &context, &status, &shutdown, frames_tx))
    }
    .map_err(|e| CameraAgentError::Stream(format!("cannot start a camera thread: {e}")))?;
    let analyser = {
        let (config, context, status) = (config.clone(), context.clone(), status.clone());
        thread("analyse")
            .spawn(move || analyse_loop(&config, &context, &status, frames_rx, outgoing_tx))
    }
    .map_err(|e| CameraAgentError::Stream(format!("cannot start a camera thread: {e}")))?;
    let publisher = tokio::spawn(publish_loop(
        config.id.clone(),
        context,
        status.clone(),
        outgoing_rx,
    ));
    Ok(RunningCamera {
        status,
        reader,
        analyser,
        publisher,
    })
}

/// How one opening of the source ended.
enum StreamEnd {
    /// A file reached its end.
    Finished,
    /// Shutdown.
    Stopped,
    Failed(CameraAgentError),
}

fn read_loop(
    config: &Camera,
    context: &CameraContext,
    status: &CameraStatus,
    shutdown: &CancellationToken,
    frames: SyncSender<ToAnalyser>,
) {
    let camera = config.id.as_str();
    let up = context.metrics.up.with_label_values(&[camera]);
    let mut backoff = context.reconnect_initial;
    // The camera's clock continues across reopenings, so tracks and captures stay ordered.
    let mut clock_base = Duration::ZERO;
    while !shutdown.is_cancelled() {
        status.update(|s| s.state = CameraState::Connecting);
        let end = match VideoReader::open(&config.source, context.stall_timeout) {
            Ok(reader) => {
                tracing::info!(camera, source = %config.source.redacted(), "camera opened");
                stream(
                    config,
                    context,
                    status,
                    shutdown,
                    &frames,
                    reader,
                    &mut clock_base,
                )
            }
            Err(error) => StreamEnd::Failed(error),
        };
        up.set(0);
        // Whatever was in view is gone: its tracks end and publish.
        let _ = frames.send(ToAnalyser::Break);
        match end {
            StreamEnd::Stopped => break,
            StreamEnd::Finished if config.repeat => {
                backoff = context.reconnect_initial;
                continue;
            }
            StreamEnd::Finished => {
                tracing::info!(camera, "video ended");
                let _ = frames.send(ToAnalyser::Ended);
                return;
            }
            StreamEnd::Failed(error) => {
                context
                    .metrics
                    .reconnects
                    .with_label_values(&[camera])
                    .inc();
                tracing::warn!(camera, %error, retry_in = ?backoff, "camera failed; reopening");
                status.update(|s| {
                    s.state = CameraState::Reconnecting;
                    s.reconnects += 1;
                    s.last_error = Some(error.to_string());
                });
                if sleep_unless_cancelled(backoff, shutdown) {
                    break;
                }
                backoff = (backoff * 2).min(context.reconnect_max);
            }
        }
    }
    status.update(|s| s.state = CameraState::Stopped);
}

/// Reads an open source until it ends, fails or the agent stops.
fn stream(
    config: &Camera,
    context: &CameraContext,
    status: &CameraStatus,
    shutdown: &CancellationToken,
    frames: &SyncSender<ToAnalyser>,
    mut reader: VideoReader,
    clock_base: &mut Duration,
) -> StreamEnd {
    let camera = config.id.as_str();
    let decoded = context.metrics.frames_decoded.with_label_values(&[camera]);
    let skipped = context.metrics.frames_skipped.with_label_values(&[camera]);
    let decode_seconds = context.metrics.stage_seconds.with_label_values(&["decode"]);
    let up = context.metrics.up.with_label_values(&[camera]);
    let period = Duration::from_secs_f32(1.0 / config.sample_fps);
    let base = *clock_base;
    let started = Instant::now();
    let mut next_sample = Duration::ZERO;
    let mut bad_frames = 0u32;
    let mut last_media = Duration::ZERO;
    loop {
        if shutdown.is_cancelled() {
            return StreamEnd::Stopped;
        }
        let grab_started = Instant::now();
        let media = match reader.grab() {
            Ok(Some(media)) => media,
            Ok(None) if reader.grabbed() == 0 => {
                return StreamEnd::Failed(CameraAgentError::Stream(
                    "the source opened but holds no readable frame".to_owned(),
                ));
            }
            Ok(None) => {
                *clock_base = base + last_media + context.tracking.lost_after;
                return StreamEnd::Finished;
            }
            Err(error) => {
                *clock_base = base + last_media + context.tracking.lost_after;
                return StreamEnd::Failed(error);
            }
        };
        let grab_time = grab_started.elapsed();
        last_media = media;
        decoded.inc();
        if !config.source.is_live() && config.realtime {
            // Play a file like a camera: frame n is shown n/fps after the start.
            if let Some(wait) = media.checked_sub(started.elapsed())
                && sleep_unless_cancelled(wait, shutdown)
            {
                return StreamEnd::Stopped;
            }
        }
        status.update(|s| s.frames_decoded += 1);
        // A millisecond of slack absorbs rounding in the frame clock (a 10 fps file sampled
        // at 5 fps takes every second frame, not every third).
        if media + Duration::from_millis(1) < next_sample {
            continue;
        }
        // Keep the average rate; after falling behind (a live stream's hiccup), start afresh.
        next_sample = if next_sample + period < media {
            media + period
        } else {
            next_sample + period
        };
        let retrieve_started = Instant::now();
        let image = match reader.retrieve() {
            Ok(image) => image,
            Err(error) => {
                bad_frames += 1;
                if bad_frames >= MAX_BAD_FRAMES {
                    return StreamEnd::Failed(error);
                }
                continue;
            }
        };
        bad_frames = 0;
        let now = Utc::now();
        decode_seconds.observe((grab_time + retrieve_started.elapsed()).as_secs_f64());
        up.set(1);
        status.update(|s| {
            s.state = CameraState::Streaming;
            s.last_frame_at = Some(now);
        });
        let frame = ToAnalyser::Frame(SampledFrame {
            image,
            clock: base + media,
            captured_at: now,
            decoded_at: retrieve_started,
        });
        if config.source.is_live() {
            // A live camera does not wait for us: a frame analysis has no time for is skipped.
            match frames.try_send(frame) {
                Ok(()) => {}
                Err(TrySendError::Full(_)) => skipped.inc(),
                Err(TrySendError::Disconnected(_)) => return StreamEnd::Stopped,
            }
        } else if frames.send(frame).is_err() {
            return StreamEnd::Stopped;
        }
    }
}

fn analyse_loop(
    config: &Camera,
    context: &CameraContext,
    status: &CameraStatus,
    frames: Receiver<ToAnalyser>,
    outgoing: mpsc::Sender<ToPublisher>,
) {
    let camera = config.id.as_str();
    let analysed = context.metrics.frames_analysed.with_label_values(&[camera]);
    let detected = context.metrics.faces_detected.with_label_values(&[camera]);
    let dropped = context
        .metrics
        .captures_dropped
        .with_label_values(&[camera]);
    let stage = |name: &str| context.metrics.stage_seconds.with_label_values(&[name]);
    let (detect_seconds, quality_seconds, encode_seconds) =
        (stage("detect"), stage("quality"), stage("encode"));
    let mut tracker = Tracker::<CropPayload>::new(context.tracking);
    let mut clock = Duration::ZERO;
    let last_thumbnail: std::cell::Cell<Option<Instant>> = std::cell::Cell::new(None);
    let send = |captures: Vec<crate::tracker::Capture<CropPayload>>, decided_at: Instant| {
        for capture in captures {
            let with_thumbnail = last_thumbnail
                .get()
                .is_none_or(|at| at.elapsed() >= THUMBNAIL_EVERY);
            if with_thumbnail {
                last_thumbnail.set(Some(Instant::now()));
            }
            let started = Instant::now();
            let span = tracing::info_span!(
                "face_capture",
                camera,
                track_id = %capture.track_id,
                quality = capture.sighting.quality,
            );
            let message = span
                .in_scope(|| capture_message(config, context, capture, decided_at, with_thumbnail));
            match message {
                Ok(outgoing_capture) => {
                    encode_seconds.observe(started.elapsed().as_secs_f64());
                    if outgoing
                        .try_send(ToPublisher::Capture(Box::new(outgoing_capture)))
                        .is_err()
                    {
                        dropped.inc();
                        tracing::warn!(camera, "publish queue full (NATS away?); capture dropped");
                    }
                }
                Err(error) => {
                    dropped.inc();
                    tracing::warn!(camera, %error, "cannot encode a capture");
                    continue;
                }
            }
        }
    };
    for message in frames {
        match message {
            ToAnalyser::Break => send(tracker.finish(clock), Instant::now()),
            // Waits for room: the queue holds captures ahead of it, and this is the last word.
            ToAnalyser::Ended => {
                let _ = outgoing.blocking_send(ToPublisher::Ended);
            }
            ToAnalyser::Frame(frame) => {
                clock = frame.clock;
                let (faces, times) =
                    match context.analyser.analyse(&frame.image, config.roi.as_ref()) {
                        Ok(found) => found,
                        Err(error) => {
                            tracing::error!(camera, %error, "face detection failed on a frame");
                            continue;
                        }
                    };
                analysed.inc();
                detected.inc_by(faces.len() as u64);
                detect_seconds.observe(times.detect.as_secs_f64());
                quality_seconds.observe(times.quality.as_secs_f64());
                status.update(|s| s.frames_analysed += 1);
                // The frame is moved, not copied, into the sightings that share it.
                let whole_frame = Arc::new(frame.image);
                let sightings = faces
                    .into_iter()
                    .map(|face| Sighting {
                        bbox: face.bbox,
                        quality: face.quality,
                        payload: CropPayload {
                            crop: face.crop,
                            crop_box: face.crop_box,
                            captured_at: frame.captured_at,
                            frame: whole_frame.clone(),
                        },
                    })
                    .collect();
                send(tracker.update(frame.clock, sightings), frame.decoded_at);
            }
        }
    }
    send(
        tracker.finish(clock + context.tracking.lost_after),
        Instant::now(),
    );
}

/// The FaceCapture of a track's best crop, as face-embedder consumes it, and its frame's
/// snapshot when snapshots are kept. Runs in the capture's span, whose trace context the
/// message carries.
fn capture_message(
    config: &Camera,
    context: &CameraContext,
    capture: crate::tracker::Capture<CropPayload>,
    decided_at: Instant,
    with_thumbnail: bool,
) -> Result<Outgoing, CameraAgentError> {
    let jpeg_quality = context.jpeg_quality;
    let payload = capture.sighting.payload;
    let jpeg = encode_jpeg(&payload.crop, jpeg_quality)?;
    let capture_id = Uuid::now_v7().to_string();
    let snapshot = match &context.snapshots {
        Some(_) => Some(Snapshot {
            key: format!(
                "snapshots/{}/{}/{capture_id}.jpg",
                config.id,
                payload.captured_at.format("%Y-%m-%d")
            ),
            jpeg: Bytes::from(encode_jpeg(&payload.frame, jpeg_quality)?),
        }),
        None => None,
    };
    let thumbnail = if with_thumbnail {
        Some(registry_wire::Thumbnail {
            camera_id: config.id.clone(),
            jpeg: encode_jpeg(&scale_to_width(&payload.frame, THUMBNAIL_WIDTH), 80)?,
            captured_at: Some(faceattend_camera_registry::to_timestamp(
                payload.captured_at,
            )),
        })
    } else {
        None
    };
    let capture = wire::FaceCapture {
        capture_id,
        camera_id: config.id.clone(),
        captured_at: Some(prost_types::Timestamp {
            seconds: payload.captured_at.timestamp(),
            nanos: payload.captured_at.timestamp_subsec_nanos() as i32,
        }),
        image: jpeg,
        track_id: capture.track_id.to_string(),
        snapshot_ref: String::new(),
        frame_box: Some(wire::Box {
            x_min: payload.crop_box.x_min,
            y_min: payload.crop_box.y_min,
            x_max: payload.crop_box.x_max,
            y_max: payload.crop_box.y_max,
        }),
        camera_role: Some(config.role.as_str().to_owned()),
    };
    Ok(Outgoing {
        capture,
        headers: faceattend_bus::current_trace_headers(),
        snapshot,
        thumbnail,
        decided_at,
        span: tracing::Span::current(),
    })
}

/// The image scaled down to `width` (kept as it is when narrower).
fn scale_to_width(image: &RgbImage, width: u32) -> RgbImage {
    if image.width() <= width {
        return image.clone();
    }
    let height = (image.height() as u64 * width as u64 / image.width() as u64).max(1) as u32;
    image::imageops::resize(image, width, height, image::imageops::FilterType::Triangle)
}

fn encode_jpeg(image: &RgbImage, quality: u8) -> Result<Vec<u8>, CameraAgentError> {
    let mut jpeg = Vec::with_capacity(64 * 1024);
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, quality).encode_image(image)?;
    Ok(jpeg)
}

impl Outgoing {
    /// The capture as it goes on `faces.v1.<camera>`; its id is the message id.
    fn message(&self, camera: &str) -> OutgoingMessage {
        OutgoingMessage {
            subject: format!("faces.v1.{camera}"),
            msg_id: self.capture.capture_id.clone(),
            content_type: format!(
                "application/protobuf; proto={}",
                wire::FaceCapture::full_name()
            ),
            headers: self.headers.clone(),
            payload: Bytes::from(self.capture.encode_to_vec()),
        }
    }
}

/// Keeps a capture's frame; true when stored. A store that keeps refusing costs the capture
/// its evidence, never the capture itself.
async fn store_snapshot(
    camera: &str,
    store: &ObjectStorage,
    snapshot: &Snapshot,
    metrics: &AgentMetrics,
) -> bool {
    for attempt in 1..=PUBLISH_ATTEMPTS {
        match store.put(&snapshot.key, snapshot.jpeg.clone()).await {
            Ok(()) => {
                metrics.snapshots_stored.with_label_values(&[camera]).inc();
                return true;
            }
            Err(error) if attempt < PUBLISH_ATTEMPTS => {
                tracing::warn!(camera, %error, attempt, "cannot store a snapshot; retrying");
                tokio::time::sleep(Duration::from_millis(250 * 2u64.pow(attempt))).await;
            }
            Err(error) => {
                tracing::error!(camera, %error, key = %snapshot.key, "snapshot given up; the capture goes without");
            }
        }
    }
    metrics.snapshots_failed.with_label_values(&[camera]).inc();
    false
}

async fn publish_loop(
    camera: String,
    context: CameraContext,
    status: CameraStatus,
    mut outgoing: mpsc::Receiver<ToPublisher>,
) {
    let published = context
        .metrics
        .captures_published
        .with_label_values(&[&camera]);
    let dropped = context
        .metrics
        .captures_dropped
        .with_label_values(&[&camera]);
    let publish_seconds = context
        .metrics
        .stage_seconds
        .with_label_values(&["publish"]);
    while let Some(next) = outgoing.recv().await {
        let mut capture = match next {
            ToPublisher::Capture(capture) => capture,
            ToPublisher::Ended => {
                status.update(|s| s.state = CameraState::Ended);
                continue;
            }
        };
        let started = Instant::now();
        let span = capture.span.clone();
        async {
            if let (Some(store), Some(snapshot)) = (&context.snapshots, &capture.snapshot)
                && store_snapshot(&camera, store, snapshot, &context.metrics).await
            {
                capture.capture.snapshot_ref = snapshot.key.clone();
            }
            let message = capture.message(&camera);
            let mut attempt = 0;
            loop {
                attempt += 1;
                match context.bus.publish(message.clone()).await {
                    Ok(_) => {
                        published.inc();
                        publish_seconds.observe(started.elapsed().as_secs_f64());
                        context
                            .metrics
                            .capture_latency
                            .observe(capture.decided_at.elapsed().as_secs_f64());
                        status.update(|s| {
                            s.captures_published += 1;
                            s.last_capture_at = Some(Utc::now());
                        });
                        if let Some(thumbnail) = &capture.thumbnail
                            && let Err(error) = context.registry.put_thumbnail(thumbnail).await
                        {
                            tracing::warn!(camera, %error, "cannot store the camera's thumbnail");
                        }
                        break;
                    }
                    // Redelivery is harmless: the capture id is its Nats-Msg-Id.
                    Err(error) if attempt < PUBLISH_ATTEMPTS => {
                        tracing::warn!(camera, %error, attempt, "cannot publish a capture; retrying");
                        tokio::time::sleep(Duration::from_millis(250 * 2u64.pow(attempt))).await;
                    }
                    Err(error) => {
                        dropped.inc();
                        tracing::error!(camera, %error, "capture given up");
                        break;
                    }
                }
            }
        }
        .instrument(span)
        .await;
    }
}

/// Sleeps `duration` in short steps; true when cancelled meanwhile.
fn sleep_unless_cancelled(duration: Duration, shutdown: &CancellationToken) -> bool {
    let until = Instant::now() + duration;
    loop {
        if shutdown.is_cancelled() {
            return true;
        }
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return false;
        }
        std::thread::sleep(left.min(Duration::from_millis(50)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captures_go_on_a_channel_of_the_asyncapi_document() {
        let outgoing = Outgoing {
            capture: wire::FaceCapture::default(),
            headers: Vec::new(),
            snapshot: None,
            thumbnail: None,
            decided_at: Instant::now(),
            span: tracing::Span::none(),
        };
        let message = outgoing.message("door-1");
        assert_eq!(
            faceattend_proto::asyncapi_channel_for(&message.subject),
            Some("faces.v1.{camera_id}")
        );
        assert_eq!(
            message.content_type,
            "application/protobuf; proto=faceattend.faces.v1.FaceCapture"
        );
    }
}
