//! One kiosk frame, from the request to the person's greeting.
//!
//! There is no second recognition path: the frame is published as a `FaceCapture` of the
//! kiosk's camera on `faces.v1.<camera>` (with the bus's helpers: its id is the
//! `Nats-Msg-Id`), exactly as camera-agent publishes a CCTV camera's, and face-embedder,
//! attendance-worker and the realtime gateway treat it as any other. The frame is kept only as
//! that capture's evidence snapshot, in the store and under the key camera-agent uses, when
//! snapshots are kept (`SNAPSHOTS_URL`).
//!
//! The outcome comes back on the shared subscription ([`super::results`]): no face when
//! face-embedder says the capture held none; "not recognised" when its largest face is
//! unknown or ambiguous; for a match, the attendance event naming that detection (checked in,
//! checked out, or sent to review); and when none comes within a second (the person is
//! already in, a repeat inside the duplicate window, a match below the review threshold), the
//! person's day as attendance-api tells it. The console applies none of the worker's
//! thresholds itself.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use chrono::{DateTime, Utc};
use faceattend_bus::{BusError, StreamSpec};
use faceattend_proto::faces::v1 as faces;
use faceattend_service::object_storage::ObjectStorage;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::results::{KioskResults, ResultEvent};
use super::{Kiosk, KioskAction};
use crate::error::ConsoleError;
use crate::state::ConsoleState;

/// The largest frame a kiosk may send.
pub const MAX_FRAME_BYTES: usize = 2 * 1024 * 1024;

/// A kiosk's frames with a face less than this apart are one appearance (one `track_id`), as
/// camera-agent's tracker makes one track of a person standing in view.
pub const APPEARANCE_GAP: Duration = Duration::from_secs(2);

/// How long a match waits for the attendance event that names it before the person's day is
/// read instead.
pub const ATTENDANCE_WAIT: Duration = Duration::from_secs(1);

/// What became of a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum KioskOutcome {
    /// No face in the frame.
    NoFace,
    /// The largest face is nobody enrolled, or not clearly one person, or the match was not
    /// certain enough to mark attendance (it went to review).
    NotRecognised,
    CheckedIn,
    CheckedOut,
    /// Recognised, and already checked in today (at `at`).
    AlreadyCheckedIn,
}

/// Milliseconds since the request arrived at which each stage was done.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct StagesMs {
    /// The capture was stored by JetStream.
    pub published: u64,
    /// face-embedder's answer (the largest face's detection, or that there was no face) came.
    pub detected: u64,
    /// The outcome was known.
    pub decided: u64,
}

/// A frame's outcome, as the kiosk shows it: never anyone's photo, never another person's
/// name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct KioskResult {
    pub outcome: KioskOutcome,
    /// The capture the frame was published as (its evidence in the console's Review page).
    pub capture_id: Uuid,
    /// The person's first name, for `checked_in`, `checked_out` and `already_checked_in`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub greeting_name: Option<String>,
    /// When the check-in or check-out counted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<DateTime<Utc>>,
    pub stages_ms: StagesMs,
}

/// Each kiosk's current appearance: its track id and when its last frame with a face was.
#[derive(Clone, Default)]
pub struct Appearances(Arc<Mutex<HashMap<Uuid, (Uuid, Instant)>>>);

impl Appearances {
    /// The track a frame of `kiosk` taken `now` belongs to: the current one while its last
    /// face is less than [`APPEARANCE_GAP`] old, else a new one.
    pub fn track(&self, kiosk: Uuid, now: Instant) -> Uuid {
        let mut tracks = self.0.lock().expect("appearances lock");
        tracks.retain(|_, (_, last)| now.saturating_duration_since(*last) <= APPEARANCE_GAP * 10);
        match tracks.get(&kiosk) {
            Some((track, last)) if now.saturating_duration_since(*last) <= APPEARANCE_GAP => *track,
            _ => Uuid::now_v7(),
        }
    }

    /// Records that a frame of `track` held a face at `at`: the appearance goes on.
    pub fn saw_face(&self, kiosk: Uuid, track: Uuid, at: Instant) {
        self.0
            .lock()
            .expect("appearances lock")
            .insert(kiosk, (track, at));
    }
}

/// Whether `jpeg` starts as a JPEG does: SOI, then segments up to a frame header (SOFn) with a
/// non-zero size. What face-embedder will decode; anything else is refused here, not sent.
pub fn is_jpeg(jpeg: &[u8]) -> bool {
    if !jpeg.starts_with(&[0xFF, 0xD8]) {
        return false;
    }
    let mut at = 2;
    while at + 4 <= jpeg.len() {
        if jpeg[at] != 0xFF {
            return false;
        }
        let marker = jpeg[at + 1];
        if marker == 0xFF {
            at += 1;
            continue;
        }
        let length = usize::from(u16::from_be_bytes([jpeg[at + 2], jpeg[at + 3]]));
        if length < 2 {
            return false;
        }
        let is_frame_header =
            matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
        if is_frame_header {
            let header = &jpeg[at + 4..];
            return header.len() >= 5
                && u16::from_be_bytes([header[1], header[2]]) > 0
                && u16::from_be_bytes([header[3], header[4]]) > 0;
        }
        if marker == 0xD9 || marker == 0xDA {
            return false;
        }
        at += 2 + length;
    }
    false
}

/// The bus is down, or refused the capture.
fn unavailable(error: BusError) -> ConsoleError {
    ConsoleError::NatsUnavailable(error.to_string())
}

/// Publishes the frame as a capture of `kiosk`'s camera and waits for its outcome.
/// `arrived` is when the request came in; the stages are measured from it.
pub async fn submit(
    state: &ConsoleState,
    kiosk: &Kiosk,
    action: Option<KioskAction>,
    jpeg: Bytes,
    arrived: Instant,
) -> Result<KioskResult, ConsoleError> {
    let role = kiosk
        .mode
        .camera_role(action)
        .ok_or(ConsoleError::ActionRequired)?;
    if !state.bus.is_connected() {
        return Err(ConsoleError::NatsUnavailable(
            "not connected to NATS".to_owned(),
        ));
    }
    let captured_at = Utc::now();
    let capture_id = Uuid::now_v7();
    let track_id = state.kiosks.appearances.track(kiosk.id, arrived);
    let snapshot_ref = match &state.kiosks.snapshots {
        Some(store) => store_snapshot(store, kiosk, capture_id, captured_at, jpeg.clone()).await,
        None => String::new(),
    };
    let capture = faces::FaceCapture {
        capture_id: capture_id.to_string(),
        camera_id: kiosk.camera_id.clone(),
        captured_at: Some(prost_types::Timestamp {
            seconds: captured_at.timestamp(),
            nanos: captured_at.timestamp_subsec_nanos() as i32,
        }),
        image: jpeg.to_vec(),
        track_id: track_id.to_string(),
        snapshot_ref,
        // The whole frame: its boxes are the snapshot's own.
        frame_box: None,
        camera_role: Some(role.to_owned()),
    };
    // Registered before the capture goes out: nothing about it can come first.
    let mut waiter = state
        .kiosks
        .results
        .wait_for(&capture.capture_id)
        .ok_or_else(|| ConsoleError::NatsUnavailable("the console is stopping".to_owned()))?;
    state.kiosks.ensure_faces_stream(state).await?;
    state
        .bus
        .publish_proto(
            &format!("faces.v1.{}", kiosk.camera_id),
            &capture.capture_id,
            &capture,
        )
        .await
        .map_err(unavailable)?;
    let mut stages = StagesMs {
        published: elapsed_ms(arrived),
        ..Default::default()
    };
    let deadline = arrived + state.kiosks.result_timeout;
    let timeout = || ConsoleError::KioskResultTimeout {
        timeout_ms: state.kiosks.result_timeout.as_millis() as u64,
    };
    let result = |outcome, greeting_name: Option<String>, at, stages| KioskResult {
        outcome,
        capture_id,
        greeting_name,
        at,
        stages_ms: stages,
    };

    // face-embedder's answer: the largest face (face_index 0), or that there was none.
    let largest = loop {
        let event = tokio::time::timeout_at(deadline.into(), waiter.next())
            .await
            .map_err(|_| timeout())?
            .ok_or_else(|| ConsoleError::NatsUnavailable("the console is stopping".to_owned()))?;
        match event {
            ResultEvent::Detection(detection) if detection.face_index == 0 => break detection,
            ResultEvent::Processed(notice) if notice.faces == 0 => {
                stages.detected = elapsed_ms(arrived);
                stages.decided = stages.detected;
                return Ok(result(KioskOutcome::NoFace, None, None, stages));
            }
            _ => {}
        }
    };
    stages.detected = elapsed_ms(arrived);
    state
        .kiosks
        .appearances
        .saw_face(kiosk.id, track_id, Instant::now());
    let person_id = match (
        faces::Decision::try_from(largest.decision),
        &largest.person_id,
    ) {
        (Ok(faces::Decision::Match), Some(person_id)) => person_id.clone(),
        _ => {
            stages.decided = elapsed_ms(arrived);
            return Ok(result(KioskOutcome::NotRecognised, None, None, stages));
        }
    };

    // A match: the attendance event that names this detection decides.
    let attendance_deadline = deadline.min(Instant::now() + ATTENDANCE_WAIT);
    loop {
        let event = match tokio::time::timeout_at(attendance_deadline.into(), waiter.next()).await {
            Ok(Some(event)) => event,
            Ok(None) => {
                return Err(ConsoleError::NatsUnavailable(
                    "the console is stopping".to_owned(),
                ));
            }
            Err(_) => break,
        };
        let (outcome, name, at) = match event {
            ResultEvent::CheckedIn(event)
                if mark_names(event.check_in.as_ref(), &largest.detection_id) =>
            {
                (
                    KioskOutcome::CheckedIn,
                    event.subject.map(|s| s.person_name),
                    mark_time(event.check_in.as_ref()),
                )
            }
            ResultEvent::CheckedOut(event)
                if mark_names(event.check_out.as_ref(), &largest.detection_id) =>
            {
                (
                    KioskOutcome::CheckedOut,
                    event.subject.map(|s| s.person_name),
                    mark_time(event.check_out.as_ref()),
                )
            }
            ResultEvent::ReviewRequired(event) if event.detection_id == largest.detection_id => {
                (KioskOutcome::NotRecognised, None, None)
            }
            _ => continue,
        };
        stages.decided = elapsed_ms(arrived);
        let greeting_name = name.as_deref().and_then(first_name);
        return Ok(result(outcome, greeting_name, at, stages));
    }

    // No decision: the person's day says whether they are in already.
    let remaining = deadline.saturating_duration_since(Instant::now());
    if remaining.is_zero() {
        return Err(timeout());
    }
    let day = tokio::time::timeout(remaining, attendance_status(state, kiosk, &person_id))
        .await
        .map_err(|_| timeout())?;
    stages.decided = elapsed_ms(arrived);
    Ok(match day {
        Some((name, Some(check_in))) => result(
            KioskOutcome::AlreadyCheckedIn,
            name.as_deref().and_then(first_name),
            Some(check_in),
            stages,
        ),
        _ => result(KioskOutcome::NotRecognised, None, None, stages),
    })
}

fn elapsed_ms(since: Instant) -> u64 {
    since.elapsed().as_millis() as u64
}

fn mark_names(mark: Option<&faceattend_proto::attendance::v1::Mark>, detection_id: &str) -> bool {
    mark.and_then(|m| m.detection_id.as_deref()) == Some(detection_id)
}

fn mark_time(mark: Option<&faceattend_proto::attendance::v1::Mark>) -> Option<DateTime<Utc>> {
    let at = mark?.at.as_ref()?;
    DateTime::from_timestamp(at.seconds, at.nanos.max(0) as u32)
}

/// The first word of a person's name: all the kiosk's screen says of anyone.
pub fn first_name(name: &str) -> Option<String> {
    name.split_whitespace().next().map(str::to_owned)
}

/// Keeps the frame where camera-agent keeps a capture's frame
/// (`snapshots/<camera>/<yyyy-mm-dd>/<capture id>.jpg`), so the Review page finds it the same
/// way; the key, or empty when the store refused (the capture goes without its evidence, as
/// camera-agent's would).
async fn store_snapshot(
    store: &ObjectStorage,
    kiosk: &Kiosk,
    capture_id: Uuid,
    captured_at: DateTime<Utc>,
    jpeg: Bytes,
) -> String {
    let key = format!(
        "snapshots/{}/{}/{capture_id}.jpg",
        kiosk.camera_id,
        captured_at.format("%Y-%m-%d")
    );
    match store.put(&key, jpeg).await {
        Ok(()) => key,
        Err(error) => {
            tracing::error!(kiosk = %kiosk.id, %error, %key, "cannot store a kiosk frame's snapshot; the capture goes without");
            String::new()
        }
    }
}

/// The person's name and today's check-in, if any, as attendance-api tells it (with a token
/// minted for the kiosk that may only read attendance). `None` when it cannot be asked.
async fn attendance_status(
    state: &ConsoleState,
    kiosk: &Kiosk,
    person_id: &str,
) -> Option<(Option<String>, Option<DateTime<Utc>>)> {
    #[derive(Deserialize)]
    struct Status {
        person_name: Option<String>,
        check_in_time: Option<DateTime<Utc>>,
    }
    #[derive(Deserialize)]
    struct Envelope {
        data: Status,
    }
    let person_id = Uuid::parse_str(person_id).ok()?;
    let token = state
        .keys
        .mint(
            &format!("kiosk:{}", kiosk.id),
            &["attendance:read".to_owned()],
            state.token_ttl,
        )
        .ok()?;
    let url = format!(
        "{}/api/v1/attendance/status/{person_id}",
        state.upstream.urls().attendance_api
    );
    let response = state
        .upstream
        .client()
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .map_err(|error| tracing::warn!(%error, "kiosk: attendance-api unreachable"))
        .ok()?;
    if !response.status().is_success() {
        tracing::warn!(status = %response.status(), "kiosk: attendance-api refused the day's status");
        return None;
    }
    let status = response.json::<Envelope>().await.ok()?.data;
    Some((status.person_name, status.check_in_time))
}

/// What the kiosks share: the results subscription, each kiosk's appearance, where frames are
/// kept as evidence, and how long a frame waits for its outcome.
pub struct KioskSettings {
    pub results: KioskResults,
    pub appearances: Appearances,
    pub snapshots: Option<ObjectStorage>,
    pub result_timeout: Duration,
    /// Set once the FACES stream is known to exist.
    faces_stream: tokio::sync::OnceCell<()>,
}

impl KioskSettings {
    pub fn new(snapshots: Option<ObjectStorage>, result_timeout: Duration) -> Self {
        Self {
            results: KioskResults::new(),
            appearances: Appearances::default(),
            snapshots,
            result_timeout,
            faces_stream: tokio::sync::OnceCell::new(),
        }
    }

    /// The FACES stream must exist for a capture to be stored; face-embedder creates it at its
    /// start, but the console may be the first service up.
    async fn ensure_faces_stream(&self, state: &ConsoleState) -> Result<(), ConsoleError> {
        self.faces_stream
            .get_or_try_init(|| async {
                state
                    .bus
                    .ensure_stream(&StreamSpec::FACES)
                    .await
                    .map(|_| ())
                    .map_err(unavailable)
            })
            .await
            .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The smallest well-formed JPEG header: SOI, an APP0 segment, and a baseline frame
    /// header of `width` × `height`.
    fn header(width: u16, height: u16) -> Vec<u8> {
        let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x00, 0x00];
        jpeg.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x0B, 0x08]);
        jpeg.extend_from_slice(&height.to_be_bytes());
        jpeg.extend_from_slice(&width.to_be_bytes());
        jpeg.extend_from_slice(&[0x01, 0x01, 0x11, 0x00]);
        jpeg
    }

    #[test]
    fn only_a_jpeg_with_a_frame_header_passes() {
        assert!(is_jpeg(&header(640, 480)));
        assert!(!is_jpeg(&header(0, 480)));
        assert!(!is_jpeg(b"\x89PNG\r\n\x1a\n"));
        assert!(!is_jpeg(&[0xFF, 0xD8]));
        assert!(!is_jpeg(&header(640, 480)[..12]));
        let mut no_frame = vec![0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x04, 0x00, 0x00];
        no_frame.extend_from_slice(&[0; 16]);
        assert!(!is_jpeg(&no_frame));
    }

    #[test]
    fn frames_close_together_are_one_appearance() {
        let appearances = Appearances::default();
        let kiosk = Uuid::now_v7();
        let start = Instant::now();
        let first = appearances.track(kiosk, start);
        // No face yet: the next frame starts its own.
        assert_ne!(appearances.track(kiosk, start), first);
        appearances.saw_face(kiosk, first, start);
        assert_eq!(
            appearances.track(kiosk, start + Duration::from_millis(1900)),
            first
        );
        assert_ne!(
            appearances.track(kiosk, start + Duration::from_millis(2100)),
            first
        );
        // Another kiosk's appearance is its own.
        assert_ne!(appearances.track(Uuid::now_v7(), start), first);
    }

    #[test]
    fn only_the_first_name_is_said() {
        assert_eq!(first_name("Ada Lovelace").as_deref(), Some("Ada"));
        assert_eq!(first_name("  Grace ").as_deref(), Some("Grace"));
        assert_eq!(first_name(""), None);
    }
}
