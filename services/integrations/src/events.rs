//! `attendance.v1.*` and `persons.v1.*` messages decoded into what the service works with,
//! and the JSON body a webhook destination receives.
//!
//! The webhook body is a stable, documented format (Standard Webhooks' `type`, `timestamp`,
//! `data`; `id` is the attendance event's id, also sent as `webhook-id`):
//!
//! ```json
//! {"type": "attendance.check_in", "id": "<event uuid>", "timestamp": "2026-12-07T08:59:58Z",
//!  "data": {"attendance_id": "…", "attendance_date": "2026-12-07",
//!           "person": {"id": "…", "name": "Ada Lovelace", "employee_key": "E-1"},
//!           "at": "2026-12-07T08:59:57Z", "camera_id": "gate", "confidence": 0.93,
//!           "source": "auto", "status": "present"}}
//! ```
//!
//! Types: `attendance.check_in`, `attendance.check_out`, `attendance.check_in.corrected`,
//! `attendance.check_out.corrected`, `attendance.absent`, `attendance.status_changed`.
//! Status changes carry `previous` and `status` instead of a mark.

use chrono::{DateTime, SecondsFormat, Utc};
use faceattend_proto::attendance::v1 as wire;
use prost::Message as _;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::error::IntegrationsError;
use crate::model::EventCategory;

/// One attendance event, as the consumer fans it out to destinations.
#[derive(Debug, Clone, PartialEq)]
pub struct AttendanceEvent {
    pub event_id: Uuid,
    pub occurred_at: DateTime<Utc>,
    pub attendance_id: Uuid,
    pub person_id: Uuid,
    pub person_name: String,
    pub department: Option<String>,
    pub attendance_date: String,
    pub body: EventBody,
}

#[derive(Debug, Clone, PartialEq)]
pub enum EventBody {
    Mark {
        kind: MarkKind,
        at: DateTime<Utc>,
        source: &'static str,
        confidence: Option<f32>,
        camera_id: Option<String>,
        check_in_at: Option<DateTime<Utc>>,
        status: &'static str,
    },
    StatusChanged {
        previous: &'static str,
        current: &'static str,
        actor: Option<String>,
    },
}

pub use faceattend_connectors::MarkKind;

pub fn mark_kind_str(kind: MarkKind) -> &'static str {
    match kind {
        MarkKind::CheckIn => "check_in",
        MarkKind::CheckOut => "check_out",
    }
}

pub fn parse_mark_kind(raw: &str) -> Option<MarkKind> {
    match raw {
        "check_in" => Some(MarkKind::CheckIn),
        "check_out" => Some(MarkKind::CheckOut),
        _ => None,
    }
}

impl AttendanceEvent {
    /// Decodes the message of `kind` (the subject's last token). `Ok(None)`: a kind this
    /// service does not deliver (`review_required`).
    pub fn decode(kind: &str, payload: &[u8]) -> Result<Option<Self>, IntegrationsError> {
        let invalid = |e: prost::DecodeError| {
            IntegrationsError::Invalid(format!("not an attendance.v1.{kind} event: {e}"))
        };
        let (event_id, occurred_at, subject, body) = match kind {
            "checked_in" => {
                let e = wire::CheckedIn::decode(payload).map_err(invalid)?;
                let mark = e.check_in.ok_or_else(|| missing("check_in"))?;
                let body = mark_body(MarkKind::CheckIn, &mark, None, status(e.status))?;
                (e.event_id, e.occurred_at, e.subject, body)
            }
            "checked_out" => {
                let e = wire::CheckedOut::decode(payload).map_err(invalid)?;
                let mark = e.check_out.ok_or_else(|| missing("check_out"))?;
                let check_in_at = e
                    .check_in
                    .as_ref()
                    .and_then(|m| m.at.as_ref())
                    .and_then(timestamp);
                let body = mark_body(MarkKind::CheckOut, &mark, check_in_at, status(e.status))?;
                (e.event_id, e.occurred_at, e.subject, body)
            }
            "status_changed" => {
                let e = wire::StatusChanged::decode(payload).map_err(invalid)?;
                let body = EventBody::StatusChanged {
                    previous: status(e.previous),
                    current: status(e.current),
                    actor: e.actor.filter(|a| !a.is_empty()),
                };
                (e.event_id, e.occurred_at, e.subject, body)
            }
            _ => return Ok(None),
        };
        let subject = subject.ok_or_else(|| missing("subject"))?;
        Ok(Some(AttendanceEvent {
            event_id: uuid(&event_id, "event_id")?,
            occurred_at: occurred_at
                .as_ref()
                .and_then(timestamp)
                .unwrap_or_else(Utc::now),
            attendance_id: uuid(&subject.attendance_id, "subject.attendance_id")?,
            person_id: uuid(&subject.person_id, "subject.person_id")?,
            person_name: subject.person_name,
            department: subject.department.filter(|d| !d.is_empty()),
            attendance_date: subject.attendance_date,
            body,
        }))
    }

    /// The filter category, given whether an earlier event already marked the same record
    /// the same way (then this one corrects it).
    pub fn category(&self, correction: bool) -> EventCategory {
        match &self.body {
            EventBody::Mark { .. } if correction => EventCategory::Correction,
            EventBody::Mark {
                kind: MarkKind::CheckIn,
                ..
            } => EventCategory::CheckIn,
            EventBody::Mark {
                kind: MarkKind::CheckOut,
                ..
            } => EventCategory::CheckOut,
            EventBody::StatusChanged {
                current: "absent", ..
            } => EventCategory::Absence,
            EventBody::StatusChanged { .. } => EventCategory::Correction,
        }
    }

    pub fn mark_kind(&self) -> Option<MarkKind> {
        match &self.body {
            EventBody::Mark { kind, .. } => Some(*kind),
            EventBody::StatusChanged { .. } => None,
        }
    }

    pub fn camera_id(&self) -> Option<&str> {
        match &self.body {
            EventBody::Mark { camera_id, .. } => camera_id.as_deref(),
            EventBody::StatusChanged { .. } => None,
        }
    }

    /// The webhook `type`.
    pub fn webhook_type(&self, correction: bool) -> &'static str {
        match (&self.body, correction) {
            (
                EventBody::Mark {
                    kind: MarkKind::CheckIn,
                    ..
                },
                false,
            ) => "attendance.check_in",
            (
                EventBody::Mark {
                    kind: MarkKind::CheckOut,
                    ..
                },
                false,
            ) => "attendance.check_out",
            (
                EventBody::Mark {
                    kind: MarkKind::CheckIn,
                    ..
                },
                true,
            ) => "attendance.check_in.corrected",
            (
                EventBody::Mark {
                    kind: MarkKind::CheckOut,
                    ..
                },
                true,
            ) => "attendance.check_out.corrected",
            (
                EventBody::StatusChanged {
                    current: "absent", ..
                },
                _,
            ) => "attendance.absent",
            (EventBody::StatusChanged { .. }, _) => "attendance.status_changed",
        }
    }

    /// The webhook body without the person's `employee_key`, which depends on the
    /// destination's mapping and is added when sent ([`with_employee_key`]).
    pub fn payload(&self, correction: bool) -> Value {
        let mut data = json!({
            "attendance_id": self.attendance_id,
            "attendance_date": self.attendance_date,
            "person": {
                "id": self.person_id,
                "name": self.person_name,
                "department": self.department,
            },
        });
        match &self.body {
            EventBody::Mark {
                kind,
                at,
                source,
                confidence,
                camera_id,
                check_in_at,
                status,
            } => {
                data["kind"] = json!(mark_kind_str(*kind));
                data["at"] = json!(rfc3339(*at));
                data["camera_id"] = json!(camera_id);
                // f32 → f64 shows binary noise (0.93 → 0.9300000071525574): rounded to 4 places.
                data["confidence"] =
                    json!(confidence.map(|c| (f64::from(c) * 10_000.0).round() / 10_000.0));
                data["source"] = json!(source);
                data["status"] = json!(status);
                if let Some(check_in_at) = check_in_at {
                    data["check_in_at"] = json!(rfc3339(*check_in_at));
                }
            }
            EventBody::StatusChanged {
                previous,
                current,
                actor,
            } => {
                data["previous"] = json!(previous);
                data["status"] = json!(current);
                data["actor"] = json!(actor);
            }
        }
        json!({
            "type": self.webhook_type(correction),
            "id": self.event_id,
            "timestamp": rfc3339(self.occurred_at),
            "data": data,
        })
    }
}

/// The stored payload with the person's key at the destination filled in.
pub fn with_employee_key(mut payload: Value, key: &str) -> Value {
    if let Some(person) = payload.pointer_mut("/data/person") {
        person["employee_key"] = json!(key);
    }
    payload
}

pub fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn missing(field: &str) -> IntegrationsError {
    IntegrationsError::Invalid(format!("the event has no {field}"))
}

fn uuid(raw: &str, field: &str) -> Result<Uuid, IntegrationsError> {
    Uuid::parse_str(raw).map_err(|_| IntegrationsError::Invalid(format!("{field} must be a UUID")))
}

pub fn timestamp(at: &prost_types::Timestamp) -> Option<DateTime<Utc>> {
    u32::try_from(at.nanos)
        .ok()
        .and_then(|nanos| DateTime::from_timestamp(at.seconds, nanos))
}

fn mark_body(
    kind: MarkKind,
    mark: &wire::Mark,
    check_in_at: Option<DateTime<Utc>>,
    status: &'static str,
) -> Result<EventBody, IntegrationsError> {
    let at = mark
        .at
        .as_ref()
        .and_then(timestamp)
        .ok_or_else(|| missing("mark time"))?;
    let source = match wire::MarkSource::try_from(mark.source) {
        Ok(wire::MarkSource::Auto) => "auto",
        Ok(wire::MarkSource::Manual) => "manual",
        Ok(wire::MarkSource::Detection) => "detection",
        _ => "unspecified",
    };
    Ok(EventBody::Mark {
        kind,
        at,
        source,
        confidence: mark.confidence.filter(|c| c.is_finite()),
        camera_id: mark.camera_id.clone().filter(|c| !c.is_empty()),
        check_in_at,
        status,
    })
}

fn status(raw: i32) -> &'static str {
    match wire::AttendanceStatus::try_from(raw) {
        Ok(wire::AttendanceStatus::Present) => "present",
        Ok(wire::AttendanceStatus::Absent) => "absent",
        Ok(wire::AttendanceStatus::Late) => "late",
        Ok(wire::AttendanceStatus::EarlyLeave) => "early_leave",
        Ok(wire::AttendanceStatus::Pending) => "pending",
        _ => "unspecified",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checked_in(event_id: &str) -> Vec<u8> {
        wire::CheckedIn {
            event_id: event_id.to_owned(),
            occurred_at: Some(prost_types::Timestamp {
                seconds: 1_800_000_000,
                nanos: 0,
            }),
            subject: Some(wire::Subject {
                attendance_id: Uuid::nil().to_string(),
                person_id: Uuid::nil().to_string(),
                person_name: "Ada".into(),
                department: Some("Ops".into()),
                attendance_date: "2027-01-15".into(),
            }),
            check_in: Some(wire::Mark {
                at: Some(prost_types::Timestamp {
                    seconds: 1_800_000_000,
                    nanos: 0,
                }),
                source: wire::MarkSource::Auto as i32,
                confidence: Some(0.93),
                detection_id: None,
                camera_id: Some("gate".into()),
            }),
            status: wire::AttendanceStatus::Present as i32,
        }
        .encode_to_vec()
    }

    #[test]
    fn a_check_in_becomes_its_webhook_body() {
        let id = Uuid::new_v4();
        let event = AttendanceEvent::decode("checked_in", &checked_in(&id.to_string()))
            .ok()
            .flatten()
            .expect("decoded");
        assert_eq!(event.category(false), EventCategory::CheckIn);
        assert_eq!(event.category(true), EventCategory::Correction);
        let body = with_employee_key(event.payload(false), "E-1");
        assert_eq!(body["type"], "attendance.check_in");
        assert_eq!(body["id"], id.to_string());
        assert_eq!(body["data"]["person"]["employee_key"], "E-1");
        assert_eq!(body["data"]["confidence"], 0.93);
        assert_eq!(body["data"]["camera_id"], "gate");
        assert_eq!(event.payload(true)["type"], "attendance.check_in.corrected");
    }

    #[test]
    fn garbage_and_bad_ids_are_invalid_never_a_panic() {
        assert!(matches!(
            AttendanceEvent::decode("checked_in", b"\xff\xff\xff"),
            Err(IntegrationsError::Invalid(_))
        ));
        assert!(matches!(
            AttendanceEvent::decode("checked_in", &checked_in("not-a-uuid")),
            Err(IntegrationsError::Invalid(_))
        ));
        assert!(matches!(
            AttendanceEvent::decode("review_required", b""),
            Ok(None)
        ));
    }
}
