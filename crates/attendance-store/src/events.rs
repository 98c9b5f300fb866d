//! The `attendance.v1.*` events a decision publishes, as outbox messages.
//!
//! Every event id is a UUIDv5 of what caused it (the detection, or a person's decision) and
//! what changed, so the same decision reached twice (a replay, a redelivery after a lost ack)
//! carries the same `Nats-Msg-Id` and JetStream keeps only one.

use chrono::{DateTime, Utc};
use faceattend_domain::attendance::{AttendanceChange, AttendanceStatus, DayRecord, Mark};
use faceattend_outbox::OutboxMessage;
use faceattend_proto::attendance::v1 as wire;
use prost::{Message, Name};
use uuid::Uuid;

/// Event ids are UUIDv5 of `"<cause id>/<person id>/<date>/<kind>[/<detail>]"` in this
/// namespace: one cause (a reconcile run, the day-end job) can change many days.
const EVENT_NAMESPACE: Uuid = Uuid::from_u128(0x3b8e_91c4_27d0_4f6a_8c15_e2a7_5d90_b41f);

pub const CHECKED_IN: &str = "attendance.v1.checked_in";
pub const CHECKED_OUT: &str = "attendance.v1.checked_out";
pub const STATUS_CHANGED: &str = "attendance.v1.status_changed";
pub const REVIEW_REQUIRED: &str = "attendance.v1.review_required";
/// Every subject an attendance event is published on.
pub const PUBLISHED: [&str; 4] = [CHECKED_IN, CHECKED_OUT, STATUS_CHANGED, REVIEW_REQUIRED];

/// The deterministic id of the event of kind `kind` that `cause` caused on `subject`'s day.
pub fn event_id(cause: Uuid, subject: &EventSubject, kind: &str) -> Uuid {
    Uuid::new_v5(
        &EVENT_NAMESPACE,
        format!("{cause}/{}/{}/{kind}", subject.person_id, subject.date).as_bytes(),
    )
}

/// What made a day change: the detection that arrived, or a person's decision (its audit
/// entry's id, and who decided).
#[derive(Debug, Clone, PartialEq)]
pub struct Cause {
    pub id: Uuid,
    pub actor: Option<String>,
}

impl Cause {
    pub fn detection(detection_id: Uuid) -> Self {
        Self {
            id: detection_id,
            actor: None,
        }
    }

    pub fn decision(id: Uuid, actor: &str) -> Self {
        Self {
            id,
            actor: Some(actor.to_owned()),
        }
    }
}

/// Who and which day an event is about.
#[derive(Debug, Clone)]
pub struct EventSubject {
    pub attendance_id: Option<Uuid>,
    pub person_id: Uuid,
    pub person_name: String,
    pub department: Option<String>,
    pub date: chrono::NaiveDate,
}

impl EventSubject {
    fn wire(&self) -> wire::Subject {
        wire::Subject {
            attendance_id: self
                .attendance_id
                .map(|id| id.to_string())
                .unwrap_or_default(),
            person_id: self.person_id.to_string(),
            person_name: self.person_name.clone(),
            department: self.department.clone(),
            attendance_date: self.date.to_string(),
        }
    }
}

/// A review item that was not in the queue before this detection.
#[derive(Debug, Clone)]
pub struct NewReviewItem {
    pub review_item_id: Uuid,
    pub detection_id: Uuid,
    pub camera_id: String,
    pub at: DateTime<Utc>,
    pub confidence: f32,
    pub reason: String,
}

/// The outbox message of one change of `record`.
pub fn change_message(
    change: &AttendanceChange,
    record: &DayRecord,
    subject: &EventSubject,
    cause: &Cause,
    now: DateTime<Utc>,
) -> OutboxMessage {
    let occurred_at = Some(timestamp(now));
    match change {
        AttendanceChange::CheckedIn { mark, .. } => {
            let id = event_id(cause.id, subject, "checked_in");
            let event = wire::CheckedIn {
                event_id: id.to_string(),
                occurred_at,
                subject: Some(subject.wire()),
                check_in: Some(wire_mark(mark)),
                status: status(record.status) as i32,
            };
            message(id, CHECKED_IN, &event)
        }
        AttendanceChange::CheckedOut { mark, .. } => {
            let id = event_id(cause.id, subject, "checked_out");
            let event = wire::CheckedOut {
                event_id: id.to_string(),
                occurred_at,
                subject: Some(subject.wire()),
                check_out: Some(wire_mark(mark)),
                check_in: record.check_in.as_ref().map(wire_mark),
                duration_minutes: record.worked_minutes,
                status: status(record.status) as i32,
            };
            message(id, CHECKED_OUT, &event)
        }
        AttendanceChange::StatusChanged {
            from, to, evidence, ..
        } => {
            let id = event_id(cause.id, subject, &format!("status_changed/{to}"));
            let event = wire::StatusChanged {
                event_id: id.to_string(),
                occurred_at,
                subject: Some(subject.wire()),
                previous: from.map_or(wire::AttendanceStatus::Unspecified, status) as i32,
                current: status(*to) as i32,
                evidence_detection_id: evidence.map(|id| id.to_string()),
                actor: cause.actor.clone(),
            };
            message(id, STATUS_CHANGED, &event)
        }
    }
}

/// The events of an approved manual entry: its marks (source `MANUAL`, no detection) and
/// its status, from `pending` to what the rules make of the marks, with who approved.
pub fn manual_approval_messages(
    row: &crate::entities::attendance::Model,
    subject: &EventSubject,
    cause: &Cause,
    now: DateTime<Utc>,
) -> Vec<OutboxMessage> {
    let occurred_at = Some(timestamp(now));
    let current =
        AttendanceStatus::parse(&row.status).map_or(wire::AttendanceStatus::Unspecified, status);
    let manual_mark = |at: DateTime<Utc>| wire::Mark {
        at: Some(timestamp(at)),
        source: wire::MarkSource::Manual as i32,
        confidence: None,
        detection_id: None,
        camera_id: None,
    };
    let check_in = row.check_in_time.map(|at| match row.check_in_detection_id {
        None => manual_mark(at),
        Some(detection) => wire::Mark {
            at: Some(timestamp(at)),
            source: wire::MarkSource::Auto as i32,
            confidence: row.check_in_confidence,
            detection_id: Some(detection.to_string()),
            camera_id: row.check_in_camera_id.clone(),
        },
    });
    let mut out = Vec::new();
    if row.check_in_source.as_deref() == Some("manual")
        && let Some(mark) = &check_in
    {
        let id = event_id(cause.id, subject, "checked_in");
        let event = wire::CheckedIn {
            event_id: id.to_string(),
            occurred_at,
            subject: Some(subject.wire()),
            check_in: Some(mark.clone()),
            status: current as i32,
        };
        out.push(message(id, CHECKED_IN, &event));
    }
    if row.check_out_source.as_deref() == Some("manual")
        && let Some(at) = row.check_out_time
    {
        let id = event_id(cause.id, subject, "checked_out");
        let event = wire::CheckedOut {
            event_id: id.to_string(),
            occurred_at,
            subject: Some(subject.wire()),
            check_out: Some(manual_mark(at)),
            check_in: check_in.clone(),
            duration_minutes: row.duration_minutes.and_then(|m| u32::try_from(m).ok()),
            status: current as i32,
        };
        out.push(message(id, CHECKED_OUT, &event));
    }
    let id = event_id(cause.id, subject, &format!("status_changed/{}", row.status));
    let event = wire::StatusChanged {
        event_id: id.to_string(),
        occurred_at,
        subject: Some(subject.wire()),
        previous: wire::AttendanceStatus::Pending as i32,
        current: current as i32,
        evidence_detection_id: None,
        actor: cause.actor.clone(),
    };
    out.push(message(id, STATUS_CHANGED, &event));
    out
}

/// The outbox message saying a day record is gone (every sighting it rested on was
/// rejected): a status change to no status at all.
pub fn day_removed_message(
    previous: &DayRecord,
    subject: &EventSubject,
    cause: &Cause,
    now: DateTime<Utc>,
) -> OutboxMessage {
    let id = event_id(cause.id, subject, "status_changed/none");
    let event = wire::StatusChanged {
        event_id: id.to_string(),
        occurred_at: Some(timestamp(now)),
        subject: Some(subject.wire()),
        previous: status(previous.status) as i32,
        current: wire::AttendanceStatus::Unspecified as i32,
        evidence_detection_id: None,
        actor: cause.actor.clone(),
    };
    message(id, STATUS_CHANGED, &event)
}

/// The outbox message announcing a new review item.
pub fn review_message(
    item: &NewReviewItem,
    subject: &EventSubject,
    cause: &Cause,
    now: DateTime<Utc>,
) -> OutboxMessage {
    let id = event_id(
        cause.id,
        subject,
        &format!("review_required/{}", item.detection_id),
    );
    let event = wire::ReviewRequired {
        event_id: id.to_string(),
        occurred_at: Some(timestamp(now)),
        subject: Some(subject.wire()),
        review_item_id: item.review_item_id.to_string(),
        detection_id: item.detection_id.to_string(),
        camera_id: item.camera_id.clone(),
        at: Some(timestamp(item.at)),
        confidence: item.confidence,
        reason: item.reason.clone(),
    };
    message(id, REVIEW_REQUIRED, &event)
}

fn message<M: Message + Name>(id: Uuid, subject: &str, event: &M) -> OutboxMessage {
    OutboxMessage {
        id,
        subject: subject.to_owned(),
        content_type: format!("application/protobuf; proto={}", M::full_name()),
        headers: faceattend_bus::current_trace_headers(),
        payload: event.encode_to_vec(),
    }
}

fn wire_mark(mark: &Mark) -> wire::Mark {
    wire::Mark {
        at: Some(timestamp(mark.at)),
        source: wire::MarkSource::Auto as i32,
        confidence: Some(mark.confidence.value()),
        detection_id: Some(mark.detection_id.to_string()),
        camera_id: Some(mark.camera_id.clone()),
    }
}

fn status(status: AttendanceStatus) -> wire::AttendanceStatus {
    match status {
        AttendanceStatus::Present => wire::AttendanceStatus::Present,
        AttendanceStatus::Absent => wire::AttendanceStatus::Absent,
        AttendanceStatus::Late => wire::AttendanceStatus::Late,
        AttendanceStatus::EarlyLeave => wire::AttendanceStatus::EarlyLeave,
        AttendanceStatus::Pending => wire::AttendanceStatus::Pending,
    }
}

pub fn timestamp(at: DateTime<Utc>) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: at.timestamp(),
        nanos: i32::try_from(at.timestamp_subsec_nanos()).unwrap_or(0),
    }
}

/// A protobuf timestamp as UTC, if it is one.
pub fn from_timestamp(at: &prost_types::Timestamp) -> Option<DateTime<Utc>> {
    u32::try_from(at.nanos)
        .ok()
        .and_then(|nanos| DateTime::from_timestamp(at.seconds, nanos))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_subject_is_a_channel_of_the_asyncapi_document() {
        for subject in PUBLISHED {
            assert_eq!(
                faceattend_proto::asyncapi_channel_for(subject),
                Some(subject),
                "proto/asyncapi.yaml has no channel {subject}"
            );
        }
    }
}
