//! The detections path: `detections.v1.<camera>` in, day records, review items and
//! `attendance.v1.*` events out, each detection in one database transaction.
//!
//! Idempotent by construction: the detection is stored by id (a repeat changes nothing) and
//! the person's day is recomputed from all of its stored sightings, so a redelivery, a replay
//! or a second replica reaches the same record; the record it replaced is then the same as
//! the new one, so nothing is published twice (and event ids are deterministic besides).

use std::collections::HashSet;
use std::sync::Arc;

use async_nats::jetstream::Message;
use chrono::Utc;
use faceattend_attendance_store::entities::{attendance, person_directory};
use faceattend_attendance_store::{
    AttendanceStore, NewDetection, ReviewState, days, detections, review,
};
use faceattend_domain::attendance::{
    AttendancePolicy, CameraRole, Confidence, DayKey, DaysOff, changes, decide_day,
};
use faceattend_proto::faces::v1 as wire;
use prost::Message as _;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseTransaction, EntityTrait, QueryFilter,
};
use tokio::sync::Notify;
use tracing::Instrument;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use uuid::Uuid;

use crate::consumer::{Outcome, Settled, Settler, strip_namespace};
use crate::error::WorkerError;
use crate::events::{self, EventSubject, NewReviewItem};
use crate::metrics::WorkerMetrics;

/// Turns detections into attendance.
pub struct DetectionProcessor {
    pub store: AttendanceStore,
    pub policy: AttendancePolicy,
    pub settler: Settler,
    pub metrics: WorkerMetrics,
    /// Wakes the outbox relay after a commit that enqueued events.
    pub relay_wake: Arc<Notify>,
}

impl DetectionProcessor {
    pub async fn handle(self: Arc<Self>, message: Message) {
        let deliveries = message.info().map(|i| i.delivered).unwrap_or(1);
        let span = tracing::info_span!("detection", subject = %message.subject, deliveries);
        if let Some(headers) = &message.headers {
            let _ = span.set_parent(faceattend_bus::extract_trace_context(headers));
        }
        async {
            let (outcome, label) = match self.process(&message).await {
                Ok(label) => (Outcome::Done, label),
                Err(error) if error.is_transient() => (Outcome::Retry(error.to_string()), ""),
                Err(error) => (Outcome::Reject(error.to_string()), ""),
            };
            let label = match self.settler.settle(&message, outcome).await {
                Settled::Acked => label,
                Settled::Retrying | Settled::Unsettled => "retried",
                Settled::DeadLettered => "dead_lettered",
            };
            self.metrics.detections.with_label_values(&[label]).inc();
        }
        .instrument(span)
        .await
    }

    /// Processes one message; the label says what became of the detection.
    async fn process(&self, message: &Message) -> Result<&'static str, WorkerError> {
        let camera = strip_namespace(&message.subject, &self.settler.bus)
            .and_then(|s| s.strip_prefix("detections.v1."))
            .unwrap_or_default();
        let detection = parse(message.payload.as_ref(), camera)?;
        let txn = self.store.begin_write().await?;
        detections::insert(&txn, &detection).await?;
        let Some(person_id) = detection.person_id else {
            txn.commit().await?;
            return Ok("unknown");
        };
        lock_person(&txn, person_id).await?;
        let person = person_directory::Entity::find_by_id(person_id)
            .one(&txn)
            .await?;
        if person.as_ref().is_some_and(|p| p.deleted) {
            txn.commit().await?;
            return Ok("deleted_person");
        }
        let date = self.policy.work_day(detection.captured_at);
        let (from, to) = self.policy.day_bounds(date);
        let sightings = detections::sightings(&txn, person_id, from, to).await?;
        let key = DayKey { person_id, date };
        let decision = decide_day(key, &sightings, &self.policy, &DaysOff::default());

        let day_row = || {
            attendance::Entity::find()
                .filter(attendance::Column::PersonId.eq(person_id))
                .filter(attendance::Column::AttendanceDate.eq(date))
        };
        let mut subject = EventSubject {
            attendance_id: None,
            person_id,
            person_name: person.as_ref().map(|p| p.name.clone()).unwrap_or_default(),
            department: person.as_ref().and_then(|p| p.department.clone()),
            date,
        };
        let now = Utc::now();
        let mut outgoing = Vec::new();
        let mut label = "ignored";
        let manual = day_row().one(&txn).await?.is_some_and(|row| row.is_manual);
        if manual {
            // A day entered by hand is a person's word: the rules do not overwrite it.
            label = "manual_day";
        } else if let Some(record) = &decision.record {
            let previous = days::upsert(&txn, record).await?;
            subject.attendance_id = day_row().one(&txn).await?.map(|row| row.id);
            for change in changes(previous.as_ref(), record, self.policy.duplicate_window) {
                outgoing.push(events::change_message(
                    &change,
                    record,
                    &subject,
                    detection.id,
                    now,
                ));
            }
            if record.check_in.is_some() || record.check_out.is_some() {
                label = "attended";
            }
        }

        let before: HashSet<Uuid> = review::for_day(&txn, person_id, date)
            .await?
            .into_iter()
            .map(|item| item.detection_id)
            .collect();
        review::replace(&txn, person_id, date, &decision.review).await?;
        if !decision.review.is_empty() {
            for item in review::for_day(&txn, person_id, date).await? {
                if item.state == ReviewState::Pending && !before.contains(&item.detection_id) {
                    let item = NewReviewItem {
                        review_item_id: item.id,
                        detection_id: item.detection_id,
                        camera_id: item.camera_id,
                        at: item.at,
                        confidence: item.confidence.value(),
                        reason: item.reason.as_str().to_owned(),
                    };
                    outgoing.push(events::review_message(&item, &subject, detection.id, now));
                }
            }
            if label == "ignored" {
                label = "review";
            }
        }
        let enqueued = !outgoing.is_empty();
        for message in outgoing {
            let subject = message.subject.clone();
            faceattend_outbox::enqueue(&txn, message).await?;
            self.metrics.events.with_label_values(&[&subject]).inc();
        }
        txn.commit().await?;
        if enqueued {
            self.relay_wake.notify_one();
        }
        Ok(label)
    }
}

/// Serialises the transactions that decide one person's days.
///
/// Two detections of one person handled at once (two replicas, or concurrent messages)
/// would each read the sightings without the other's uncommitted one and the later commit
/// would overwrite the earlier decision. On PostgreSQL a transaction-scoped advisory lock on
/// the person makes the second wait, then read (read committed: a fresh snapshot per
/// statement) both sightings. SQLite's write transactions are already exclusive.
async fn lock_person(txn: &DatabaseTransaction, person_id: Uuid) -> Result<(), WorkerError> {
    if txn.get_database_backend() == DatabaseBackend::Postgres {
        let (high, _) = person_id.as_u64_pair();
        let key = i64::from_ne_bytes(high.to_ne_bytes());
        txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({key})"))
            .await?;
    }
    Ok(())
}

/// A Detection payload as the detection to store; every failure is final.
pub fn parse(payload: &[u8], subject_camera: &str) -> Result<NewDetection, WorkerError> {
    let invalid = |reason: String| WorkerError::Invalid(reason);
    let detection =
        wire::Detection::decode(payload).map_err(|e| invalid(format!("not a Detection: {e}")))?;
    let id = Uuid::parse_str(&detection.detection_id)
        .map_err(|_| invalid("detection_id must be a UUID".to_owned()))?;
    let captured_at = detection
        .captured_at
        .as_ref()
        .and_then(events::from_timestamp)
        .ok_or_else(|| invalid("captured_at is missing or out of range".to_owned()))?;
    let camera_id = if detection.camera_id.is_empty() {
        subject_camera.to_owned()
    } else {
        detection.camera_id.clone()
    };
    if camera_id.is_empty() || camera_id.chars().count() > 255 {
        return Err(invalid("camera_id must be 1 to 255 characters".to_owned()));
    }
    let confidence =
        Confidence::new(detection.confidence).map_err(|e| invalid(format!("confidence: {e}")))?;
    let decision = wire::Decision::try_from(detection.decision)
        .map_err(|_| invalid(format!("unknown decision {}", detection.decision)))?;
    // Only a clear match is attended; the best candidate of an ambiguous face is not
    // evidence that the person was there.
    let person_id = if decision == wire::Decision::Match {
        let raw = detection
            .person_id
            .as_deref()
            .ok_or_else(|| invalid("a MATCH detection needs a person_id".to_owned()))?;
        Some(Uuid::parse_str(raw).map_err(|_| invalid("person_id must be a UUID".to_owned()))?)
    } else {
        None
    };
    let finite = |value: f32| if value.is_finite() { value } else { 0.0 };
    Ok(NewDetection {
        id,
        camera_id,
        // Cameras are not declared yet: the shifts and the time of day decide.
        camera_role: CameraRole::Both,
        captured_at,
        person_id,
        distance: finite(detection.distance),
        confidence,
        model_id: detection.model,
        quality: finite(detection.quality.map_or(0.0, |q| q.score)),
        snapshot_ref: Some(detection.snapshot_ref).filter(|s| !s.is_empty()),
        received_at: Utc::now(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detection() -> wire::Detection {
        wire::Detection {
            detection_id: Uuid::new_v4().to_string(),
            camera_id: "gate".to_owned(),
            captured_at: Some(prost_types::Timestamp {
                seconds: 1_700_000_000,
                nanos: 0,
            }),
            decision: wire::Decision::Match as i32,
            person_id: Some(Uuid::new_v4().to_string()),
            confidence: 0.9,
            ..Default::default()
        }
    }

    #[test]
    fn parses_a_match() {
        let parsed = parse(&detection().encode_to_vec(), "gate").unwrap_or_else(|e| panic!("{e}"));
        assert!(parsed.person_id.is_some());
        assert_eq!(parsed.camera_id, "gate");
    }

    #[test]
    fn refuses_garbage_and_bad_fields() {
        assert!(parse(b"\xff\xff\xff garbage", "gate").is_err());
        let mut bad = detection();
        bad.confidence = 1.5;
        assert!(parse(&bad.encode_to_vec(), "gate").is_err());
        let mut bad = detection();
        bad.captured_at = None;
        assert!(parse(&bad.encode_to_vec(), "gate").is_err());
        let mut bad = detection();
        bad.person_id = None;
        assert!(parse(&bad.encode_to_vec(), "gate").is_err());
    }

    #[test]
    fn unknown_faces_have_no_person() {
        let mut unknown = detection();
        unknown.decision = wire::Decision::Unknown as i32;
        let parsed = parse(&unknown.encode_to_vec(), "gate").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(parsed.person_id, None);
    }
}
