//! From `attendance.v1.*` protobuf messages to the spec's WebSocket messages.
//!
//! [`StreamEvent::decode`] reads one stored message (its subject says which protobuf it
//! holds); [`Delivery::render`] turns it, with the person's status after it, into the JSON
//! texts every matching client is sent. Rendering happens once per event, whatever the number
//! of clients: the texts are shared, reference-counted, by every queue they are put on.

use chrono::{DateTime, NaiveDate, Utc};
use faceattend_proto::attendance::v1 as wire;
use prost::Message;
use serde::Serialize;
use tokio_tungstenite::tungstenite::Utf8Bytes;
use uuid::Uuid;

use crate::protocol::timestamp;
use crate::status::{PersonStatus, StatusView};

/// Why a stored message is not an attendance event the gateway can relay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undecodable(pub String);

/// A check-in or check-out and what it rests on.
#[derive(Debug, Clone, PartialEq)]
pub struct Mark {
    pub at: DateTime<Utc>,
    /// `auto`, `manual` or `detection` (the spec's check_in_source values).
    pub source: &'static str,
    pub confidence: Option<f32>,
    pub camera_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum EventKind {
    CheckedIn {
        mark: Mark,
        status: Option<&'static str>,
    },
    CheckedOut {
        mark: Mark,
        check_in: Option<Mark>,
        duration_minutes: Option<u32>,
        status: Option<&'static str>,
    },
    /// `current` is `None` when the day record is gone (every sighting was rejected).
    StatusChanged {
        previous: Option<&'static str>,
        current: Option<&'static str>,
    },
    ReviewRequired {
        review_item_id: String,
        camera_id: String,
        at: DateTime<Utc>,
        confidence: f32,
        reason: String,
    },
}

/// One attendance event as read from the stream.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamEvent {
    /// The stream sequence: what a client resumes from.
    pub seq: u64,
    pub event_id: String,
    pub occurred_at: DateTime<Utc>,
    pub person_id: Uuid,
    pub person_name: String,
    pub department: Option<String>,
    pub attendance_id: Option<String>,
    pub date: NaiveDate,
    pub kind: EventKind,
}

impl StreamEvent {
    /// Decodes the message stored at `seq` on `subject` (the full subject; only its
    /// `attendance.v1.<kind>` tail matters).
    pub fn decode(seq: u64, subject: &str, payload: &[u8]) -> Result<Self, Undecodable> {
        let kind = subject
            .rsplit_once("attendance.v1.")
            .map(|(_, kind)| kind)
            .ok_or_else(|| Undecodable(format!("{subject} is not an attendance.v1 subject")))?;
        let bad = |e: prost::DecodeError| Undecodable(format!("{subject}: {e}"));
        let (event_id, occurred_at, subject_wire, kind) = match kind {
            "checked_in" => {
                let event = wire::CheckedIn::decode(payload).map_err(bad)?;
                let mark = mark(event.check_in.as_ref(), "check_in")?;
                (
                    event.event_id,
                    event.occurred_at,
                    event.subject,
                    EventKind::CheckedIn {
                        mark,
                        status: status(event.status),
                    },
                )
            }
            "checked_out" => {
                let event = wire::CheckedOut::decode(payload).map_err(bad)?;
                let check_out = mark(event.check_out.as_ref(), "check_out")?;
                let check_in = event
                    .check_in
                    .as_ref()
                    .map(|m| mark(Some(m), "check_in"))
                    .transpose()?;
                (
                    event.event_id,
                    event.occurred_at,
                    event.subject,
                    EventKind::CheckedOut {
                        mark: check_out,
                        check_in,
                        duration_minutes: event.duration_minutes,
                        status: status(event.status),
                    },
                )
            }
            "status_changed" => {
                let event = wire::StatusChanged::decode(payload).map_err(bad)?;
                (
                    event.event_id,
                    event.occurred_at,
                    event.subject,
                    EventKind::StatusChanged {
                        previous: status(event.previous),
                        current: status(event.current),
                    },
                )
            }
            "review_required" => {
                let event = wire::ReviewRequired::decode(payload).map_err(bad)?;
                (
                    event.event_id,
                    event.occurred_at,
                    event.subject,
                    EventKind::ReviewRequired {
                        review_item_id: event.review_item_id,
                        camera_id: event.camera_id,
                        at: instant(event.at.as_ref(), "at")?,
                        confidence: event.confidence,
                        reason: event.reason,
                    },
                )
            }
            other => return Err(Undecodable(format!("unknown event kind {other:?}"))),
        };
        let subject_wire =
            subject_wire.ok_or_else(|| Undecodable("the event has no subject".to_owned()))?;
        let person_id = Uuid::parse_str(&subject_wire.person_id)
            .map_err(|_| Undecodable("subject.person_id is not a UUID".to_owned()))?;
        let date = subject_wire
            .attendance_date
            .parse()
            .map_err(|_| Undecodable("subject.attendance_date is not a date".to_owned()))?;
        Ok(Self {
            seq,
            event_id,
            occurred_at: instant(occurred_at.as_ref(), "occurred_at")?,
            person_id,
            person_name: subject_wire.person_name,
            department: subject_wire.department.filter(|d| !d.is_empty()),
            attendance_id: Some(subject_wire.attendance_id).filter(|id| !id.is_empty()),
            date,
            kind,
        })
    }

    /// The camera whose detection the event rests on, if any.
    pub fn camera_id(&self) -> Option<&str> {
        match &self.kind {
            EventKind::CheckedIn { mark, .. } | EventKind::CheckedOut { mark, .. } => {
                mark.camera_id.as_deref()
            }
            EventKind::ReviewRequired { camera_id, .. } => Some(camera_id),
            EventKind::StatusChanged { .. } => None,
        }
    }

    /// The recognition confidence the event rests on, if any (manual entries have none).
    pub fn confidence(&self) -> Option<f32> {
        match &self.kind {
            EventKind::CheckedIn { mark, .. } | EventKind::CheckedOut { mark, .. } => {
                mark.confidence
            }
            EventKind::ReviewRequired { confidence, .. } => Some(*confidence),
            EventKind::StatusChanged { .. } => None,
        }
    }
}

/// What the gateway sends for one event, rendered once and shared by every client's queue.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub seq: u64,
    pub person_id: Uuid,
    pub department: Option<String>,
    pub camera_id: Option<String>,
    /// Compared with each client's `min_confidence`; it gates `attendance_event` only.
    pub confidence: Option<f32>,
    /// `attendance_event` (check-in, check-out, review required).
    pub attendance_event: Option<Utf8Bytes>,
    /// `person_status_update` (check-in, check-out, status change).
    pub status_update: Option<Utf8Bytes>,
}

/// The spec's `attendance_event`, with the stream sequence and what the spec leaves out.
#[derive(Serialize)]
struct AttendanceEventMessage<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    seq: u64,
    event_id: &'a str,
    event_timestamp: String,
    person_id: String,
    person_name: &'a str,
    action: &'static str,
    timestamp: String,
    confidence: Option<f32>,
    attendance_id: Option<&'a str>,
    check_in_time: Option<String>,
    duration_minutes: Option<u32>,
    department: Option<&'a str>,
    camera_id: Option<&'a str>,
    source: Option<&'static str>,
    status: Option<&'static str>,
    attendance_date: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    review_item_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
}

/// The spec's `person_status_update`.
#[derive(Serialize)]
struct StatusUpdateMessage<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    seq: u64,
    event_timestamp: String,
    person_id: String,
    person_name: &'a str,
    #[serde(flatten)]
    view: StatusView,
}

impl Delivery {
    /// The messages of `event`; `after` is the person's status once it is applied.
    pub fn render(event: &StreamEvent, after: &PersonStatus, now: DateTime<Utc>) -> Self {
        let event_message = |action: &'static str,
                             at: DateTime<Utc>,
                             mark: Option<&Mark>,
                             check_in_time: Option<DateTime<Utc>>,
                             duration_minutes: Option<u32>,
                             status: Option<&'static str>| {
            let (review_item_id, reason) = match &event.kind {
                EventKind::ReviewRequired {
                    review_item_id,
                    reason,
                    ..
                } => (Some(review_item_id.as_str()), Some(reason.as_str())),
                _ => (None, None),
            };
            let message = AttendanceEventMessage {
                kind: "attendance_event",
                seq: event.seq,
                event_id: &event.event_id,
                event_timestamp: timestamp(event.occurred_at),
                person_id: event.person_id.to_string(),
                person_name: &event.person_name,
                action,
                timestamp: timestamp(at),
                confidence: event.confidence(),
                attendance_id: event.attendance_id.as_deref(),
                check_in_time: check_in_time.map(timestamp),
                duration_minutes,
                department: event.department.as_deref(),
                camera_id: event.camera_id(),
                source: mark.map(|m| m.source),
                status,
                attendance_date: event.date.to_string(),
                review_item_id,
                reason,
            };
            Utf8Bytes::from(crate::protocol::to_text(&message))
        };
        let attendance_event = match &event.kind {
            EventKind::CheckedIn { mark, status } => Some(event_message(
                "check_in",
                mark.at,
                Some(mark),
                Some(mark.at),
                None,
                *status,
            )),
            EventKind::CheckedOut {
                mark,
                check_in,
                duration_minutes,
                status,
            } => Some(event_message(
                "check_out",
                mark.at,
                Some(mark),
                check_in.as_ref().map(|m| m.at),
                *duration_minutes,
                *status,
            )),
            EventKind::ReviewRequired { at, .. } => Some(event_message(
                "review_required",
                *at,
                None,
                None,
                None,
                None,
            )),
            EventKind::StatusChanged { .. } => None,
        };
        let status_update = match &event.kind {
            EventKind::ReviewRequired { .. } => None,
            _ => Some(Utf8Bytes::from(crate::protocol::to_text(
                &StatusUpdateMessage {
                    kind: "person_status_update",
                    seq: event.seq,
                    event_timestamp: timestamp(event.occurred_at),
                    person_id: event.person_id.to_string(),
                    person_name: &event.person_name,
                    view: after.view(now),
                },
            ))),
        };
        Self {
            seq: event.seq,
            person_id: event.person_id,
            department: event.department.clone(),
            camera_id: event.camera_id().map(str::to_owned),
            confidence: event.confidence(),
            attendance_event,
            status_update,
        }
    }
}

fn instant(at: Option<&prost_types::Timestamp>, field: &str) -> Result<DateTime<Utc>, Undecodable> {
    at.and_then(|at| {
        u32::try_from(at.nanos)
            .ok()
            .and_then(|nanos| DateTime::from_timestamp(at.seconds, nanos))
    })
    .ok_or_else(|| Undecodable(format!("{field} is missing or not a timestamp")))
}

fn mark(mark: Option<&wire::Mark>, field: &str) -> Result<Mark, Undecodable> {
    let mark = mark.ok_or_else(|| Undecodable(format!("{field} is missing")))?;
    Ok(Mark {
        at: instant(mark.at.as_ref(), field)?,
        source: match wire::MarkSource::try_from(mark.source) {
            Ok(wire::MarkSource::Manual) => "manual",
            Ok(wire::MarkSource::Detection) => "detection",
            _ => "auto",
        },
        confidence: mark.confidence,
        camera_id: mark.camera_id.clone().filter(|c| !c.is_empty()),
    })
}

/// The spec's status names; `None` for "no status" (unspecified).
fn status(value: i32) -> Option<&'static str> {
    match wire::AttendanceStatus::try_from(value) {
        Ok(wire::AttendanceStatus::Present) => Some("present"),
        Ok(wire::AttendanceStatus::Absent) => Some("absent"),
        Ok(wire::AttendanceStatus::Late) => Some("late"),
        Ok(wire::AttendanceStatus::EarlyLeave) => Some("early_leave"),
        Ok(wire::AttendanceStatus::Pending) => Some("pending"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(at: &str) -> prost_types::Timestamp {
        let at = DateTime::parse_from_rfc3339(at).unwrap();
        prost_types::Timestamp {
            seconds: at.timestamp(),
            nanos: at.timestamp_subsec_nanos() as i32,
        }
    }

    fn subject(person: Uuid) -> wire::Subject {
        wire::Subject {
            attendance_id: Uuid::new_v4().to_string(),
            person_id: person.to_string(),
            person_name: "John Doe".to_owned(),
            department: Some("Engineering".to_owned()),
            attendance_date: "2024-01-15".to_owned(),
        }
    }

    #[test]
    fn a_check_in_becomes_the_spec_messages() {
        let person = Uuid::new_v4();
        let event = wire::CheckedIn {
            event_id: Uuid::new_v4().to_string(),
            occurred_at: Some(ts("2024-01-15T10:30:45.123456Z")),
            subject: Some(subject(person)),
            check_in: Some(wire::Mark {
                at: Some(ts("2024-01-15T10:30:40Z")),
                source: wire::MarkSource::Auto as i32,
                confidence: Some(0.95),
                detection_id: Some(Uuid::new_v4().to_string()),
                camera_id: Some("gate".to_owned()),
            }),
            status: wire::AttendanceStatus::Present as i32,
        };
        let decoded =
            StreamEvent::decode(7, "ns.attendance.v1.checked_in", &event.encode_to_vec()).unwrap();
        assert_eq!(decoded.camera_id(), Some("gate"));
        assert_eq!(decoded.confidence(), Some(0.95));
        let mut status = PersonStatus::default();
        status.apply(&decoded);
        let now = decoded.occurred_at;
        let delivery = Delivery::render(&decoded, &status, now);
        let message: serde_json::Value =
            serde_json::from_str(delivery.attendance_event.as_ref().unwrap()).unwrap();
        assert_eq!(message["type"], "attendance_event");
        assert_eq!(message["seq"], 7);
        assert_eq!(message["action"], "check_in");
        assert_eq!(message["person_name"], "John Doe");
        assert_eq!(message["event_timestamp"], "2024-01-15T10:30:45.123456Z");
        assert_eq!(message["timestamp"], "2024-01-15T10:30:40.000000Z");
        assert_eq!(message["check_in_time"], "2024-01-15T10:30:40.000000Z");
        assert!(message["duration_minutes"].is_null());
        assert!((message["confidence"].as_f64().unwrap() - 0.95).abs() < 1e-6);
        let update: serde_json::Value =
            serde_json::from_str(delivery.status_update.as_ref().unwrap()).unwrap();
        assert_eq!(update["type"], "person_status_update");
        assert_eq!(update["checked_in"], true);
        assert_eq!(update["check_in_time"], "2024-01-15T10:30:40.000000Z");
        assert_eq!(update["current_duration_minutes"], 0);
    }

    #[test]
    fn garbage_and_foreign_subjects_are_undecodable() {
        assert!(StreamEvent::decode(1, "x.attendance.v1.checked_in", b"\xff\xff").is_err());
        assert!(StreamEvent::decode(1, "persons.v1.created", b"").is_err());
        assert!(StreamEvent::decode(1, "attendance.v1.teleported", b"").is_err());
        let no_subject = wire::StatusChanged {
            occurred_at: Some(ts("2024-01-15T10:30:45Z")),
            ..Default::default()
        };
        assert!(
            StreamEvent::decode(
                1,
                "attendance.v1.status_changed",
                &no_subject.encode_to_vec()
            )
            .is_err()
        );
    }
}
