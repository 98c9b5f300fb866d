//! The detections path: `detections.v1.<camera>` in, day records, review items and
//! `attendance.v1.*` events out, a batch of detections in one database transaction.
//!
//! Idempotent by construction: a detection is stored by id (a repeat changes nothing) and
//! each person-day it touches is recomputed from all of its stored sightings
//! (`faceattend_attendance_store::recompute`), so a redelivery, a replay or a second replica
//! reaches the same record; the record it replaced is then the same as the new one, so
//! nothing is published twice (and event ids are deterministic besides).
//!
//! Batches: the messages already delivered are decided together, so under load a handful of
//! statements serve hundreds of detections. A batch that fails is split into single
//! messages, so a message that cannot succeed is retried or dead-lettered alone and never
//! holds the others back.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use async_nats::jetstream::Message;
use chrono::{Duration, Utc};
use faceattend_attendance_store::events::Cause;
use faceattend_attendance_store::policy::{PolicyBook, PolicyDefaults};
use faceattend_attendance_store::recompute::{self, DayOutcome};
use faceattend_attendance_store::{
    AttendanceStore, DetectionEvidence, FaceBox, FaceDecision, NewDetection, RunnerUp, detections,
};
use faceattend_domain::attendance::{CameraRole, Confidence, DayKey};
use faceattend_proto::faces::v1 as wire;
use prost::Message as _;
use tokio::sync::Notify;
use tracing::Instrument;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use uuid::Uuid;

use crate::camera_roles::CameraRoles;
use crate::consumer::{Outcome, Settled, Settler, strip_namespace};
use crate::error::WorkerError;
use crate::metrics::WorkerMetrics;

/// Turns detections into attendance.
pub struct DetectionProcessor {
    pub store: AttendanceStore,
    pub policy: PolicyDefaults,
    pub camera_roles: CameraRoles,
    pub settler: Settler,
    pub metrics: WorkerMetrics,
    /// Wakes the outbox relay after a commit that enqueued events.
    pub relay_wake: Arc<Notify>,
}

impl DetectionProcessor {
    /// Decides a batch of delivered messages and settles every one of them.
    pub async fn handle_batch(self: Arc<Self>, messages: Vec<Message>) {
        let span = tracing::info_span!("detections", batch = messages.len());
        // One trace per batch: the first message's context is the parent, the others' are
        // linked, so each detection's trace leads to the batch that decided it.
        if let Some(headers) = messages.first().and_then(|m| m.headers.as_ref()) {
            let _ = span.set_parent(faceattend_bus::extract_trace_context(headers));
        }
        for headers in messages.iter().skip(1).filter_map(|m| m.headers.as_ref()) {
            if let Some(linked) = faceattend_bus::extract_span_context(headers) {
                span.add_link(linked);
            }
        }
        async {
            let mut parsed = Vec::with_capacity(messages.len());
            for message in messages {
                match self.parse_message(&message) {
                    Ok(detection) => parsed.push((message, detection)),
                    Err(error) => {
                        self.settle(&message, Outcome::Reject(error.to_string()), "")
                            .await;
                    }
                }
            }
            if parsed.is_empty() {
                return;
            }
            let detections: Vec<&NewDetection> = parsed.iter().map(|(_, d)| d).collect();
            match self.decide(&detections).await {
                Ok(labels) => {
                    for ((message, _), label) in parsed.iter().zip(labels) {
                        self.settle(message, Outcome::Done, label).await;
                    }
                }
                Err(error) if parsed.len() > 1 => {
                    tracing::warn!(%error, "batch failed; deciding its detections one by one");
                    for (message, detection) in &parsed {
                        let outcome = self.decide(&[detection]).await;
                        self.settle_result(message, outcome.map(|labels| labels[0]))
                            .await;
                    }
                }
                Err(error) => {
                    let (message, _) = &parsed[0];
                    self.settle_result(message, Err(error)).await;
                }
            }
        }
        .instrument(span)
        .await
    }

    fn parse_message(&self, message: &Message) -> Result<NewDetection, WorkerError> {
        let camera = strip_namespace(&message.subject, &self.settler.bus)
            .and_then(|s| s.strip_prefix("detections.v1."))
            .unwrap_or_default();
        parse(message.payload.as_ref(), camera, &self.camera_roles)
    }

    async fn settle_result(&self, message: &Message, result: Result<&'static str, WorkerError>) {
        match result {
            Ok(label) => self.settle(message, Outcome::Done, label).await,
            Err(error) if error.is_transient() => {
                self.settle(message, Outcome::Retry(error.to_string()), "")
                    .await
            }
            Err(error) => {
                self.settle(message, Outcome::Reject(error.to_string()), "")
                    .await
            }
        }
    }

    async fn settle(&self, message: &Message, outcome: Outcome, label: &'static str) {
        let label = match self.settler.settle(message, outcome).await {
            Settled::Acked => label,
            Settled::Retrying | Settled::Unsettled => "retried",
            Settled::DeadLettered => "dead_lettered",
        };
        self.metrics.detections.with_label_values(&[label]).inc();
    }

    /// Stores the detections and recomputes every person-day they touch, in one
    /// transaction; the label of each detection says what became of it.
    async fn decide(&self, batch: &[&NewDetection]) -> Result<Vec<&'static str>, WorkerError> {
        let txn = self.store.begin_write().await?;
        detections::insert_many(&txn, batch).await?;
        // Whoever else the batch's appearances were attributed to: a clearer capture can
        // withdraw an earlier capture's mark of another person.
        let mates = detections::appearance_mates(&txn, batch).await?;
        let persons: BTreeSet<Uuid> = batch
            .iter()
            .filter_map(|d| d.person_id)
            .chain(mates.iter().map(|(_, person, _)| *person))
            .collect();
        recompute::lock_persons(&txn, &persons).await?;
        let people = recompute::people(&txn, &persons).await?;
        let now = Utc::now();
        let first = batch.iter().map(|d| d.captured_at).min().unwrap_or(now);
        let last = batch.iter().map(|d| d.captured_at).max().unwrap_or(now);
        // A day either side: a night shift's day starts the calendar day before.
        let dates =
            (first - Duration::days(2)).date_naive()..=(last + Duration::days(2)).date_naive();
        let book = PolicyBook::load(&txn, &self.policy, dates).await?;

        // Each day is recomputed once, whatever number of its detections the batch holds;
        // the latest of them (by id) names the cause, so the same batch names the same one.
        let mut days: BTreeMap<DayKey, Cause> = BTreeMap::new();
        let mut keys = Vec::with_capacity(batch.len());
        for detection in batch {
            let key = detection.person_id.map(|person_id| {
                let org = people
                    .get(&person_id)
                    .and_then(|p| p.organization.as_deref());
                DayKey {
                    person_id,
                    date: book.policy_for(org).work_day(detection.captured_at),
                }
            });
            if let Some(key) = key {
                let cause = days
                    .entry(key)
                    .or_insert_with(|| Cause::detection(detection.id));
                if detection.id > cause.id {
                    *cause = Cause::detection(detection.id);
                }
            }
            keys.push(key);
        }
        for (cause, person_id, captured_at) in mates {
            let org = people
                .get(&person_id)
                .and_then(|p| p.organization.as_deref());
            let key = DayKey {
                person_id,
                date: book.policy_for(org).work_day(captured_at),
            };
            days.entry(key).or_insert_with(|| Cause::detection(cause));
        }
        let done = recompute::recompute_days(&txn, &book, &people, &days, now).await?;
        txn.commit().await?;
        if !done.events.is_empty() {
            self.relay_wake.notify_one();
        }
        for subject in &done.events {
            self.metrics.events.with_label_values(&[subject]).inc();
        }
        Ok(keys
            .into_iter()
            .map(|key| match key.map(|k| done.days.get(&k)) {
                None => "unknown",
                Some(Some(DayOutcome::Attended)) => "attended",
                Some(Some(DayOutcome::Review)) => "review",
                Some(Some(DayOutcome::Manual)) => "manual_day",
                Some(Some(DayOutcome::PersonDeleted)) => "deleted_person",
                Some(Some(DayOutcome::Nothing) | None) => "ignored",
            })
            .collect())
    }
}

/// A Detection payload as the detection to store; every failure is final. The camera's role
/// is the one the camera declared (carried by the detection), else the registry's or
/// CAMERA_ROLES' ([`CameraRoles`]), else both ways.
pub fn parse(
    payload: &[u8],
    subject_camera: &str,
    roles: &CameraRoles,
) -> Result<NewDetection, WorkerError> {
    let invalid = |reason: String| WorkerError::Invalid(reason);
    let detection =
        wire::Detection::decode(payload).map_err(|e| invalid(format!("not a Detection: {e}")))?;
    let id = Uuid::parse_str(&detection.detection_id)
        .map_err(|_| invalid("detection_id must be a UUID".to_owned()))?;
    let captured_at = detection
        .captured_at
        .as_ref()
        .and_then(faceattend_attendance_store::events::from_timestamp)
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
    let camera_role = match detection.camera_role.as_deref() {
        Some(role) => CameraRole::parse(role).map_err(|e| invalid(format!("camera_role: {e}")))?,
        None => roles.role_of(&camera_id).unwrap_or_default(),
    };
    let finite = |value: f32| if value.is_finite() { value } else { 0.0 };
    // The evidence is for a reviewer's eyes only: a malformed part of it is dropped, never
    // a reason to refuse the detection.
    let evidence = DetectionEvidence {
        decision: match decision {
            wire::Decision::Match => Some(FaceDecision::Match),
            wire::Decision::Ambiguous => Some(FaceDecision::Ambiguous),
            wire::Decision::Unknown => Some(FaceDecision::Unknown),
            wire::Decision::Unspecified => None,
        },
        track_id: Some(detection.track_id.clone())
            .filter(|t| !t.is_empty() && t.chars().count() <= 64),
        face_box: detection
            .frame_box
            .as_ref()
            .and_then(|b| FaceBox::new(b.x_min, b.y_min, b.x_max, b.y_max)),
        runner_up: detection
            .runner_up_person_id
            .as_deref()
            .and_then(|raw| Uuid::parse_str(raw).ok())
            .filter(|_| detection.runner_up_distance.is_finite())
            .map(|person_id| RunnerUp {
                person_id,
                distance: detection.runner_up_distance,
            }),
    };
    Ok(NewDetection {
        id,
        camera_id,
        camera_role,
        captured_at,
        person_id,
        distance: finite(detection.distance),
        confidence,
        model_id: detection.model,
        quality: finite(detection.quality.map_or(0.0, |q| q.score)),
        snapshot_ref: Some(detection.snapshot_ref).filter(|s| !s.is_empty()),
        received_at: Utc::now(),
        evidence,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

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
        let parsed = parse(
            &detection().encode_to_vec(),
            "gate",
            &CameraRoles::declared(HashMap::new()),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(parsed.person_id.is_some());
        assert_eq!(parsed.camera_id, "gate");
    }

    #[test]
    fn keeps_the_evidence_a_reviewer_needs_and_drops_a_malformed_part_of_it() {
        let roles = HashMap::new();
        let runner_up = Uuid::new_v4();
        let mut sent = detection();
        sent.track_id = "17".to_owned();
        sent.frame_box = Some(wire::Box {
            x_min: 100.0,
            y_min: 50.0,
            x_max: 180.0,
            y_max: 150.0,
        });
        sent.runner_up_person_id = Some(runner_up.to_string());
        sent.runner_up_distance = 0.93;
        let parsed = parse(
            &sent.encode_to_vec(),
            "gate",
            &CameraRoles::declared(roles.clone()),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            parsed.evidence,
            DetectionEvidence {
                decision: Some(FaceDecision::Match),
                track_id: Some("17".to_owned()),
                face_box: FaceBox::new(100.0, 50.0, 180.0, 150.0),
                runner_up: Some(RunnerUp {
                    person_id: runner_up,
                    distance: 0.93
                }),
            }
        );

        sent.frame_box = Some(wire::Box {
            x_min: 180.0,
            y_min: 50.0,
            x_max: 100.0,
            y_max: 150.0,
        });
        sent.runner_up_person_id = Some("not a uuid".to_owned());
        sent.decision = wire::Decision::Unknown as i32;
        sent.person_id = None;
        let parsed = parse(
            &sent.encode_to_vec(),
            "gate",
            &CameraRoles::declared(roles.clone()),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(parsed.evidence.decision, Some(FaceDecision::Unknown));
        assert_eq!(parsed.evidence.face_box, None);
        assert_eq!(parsed.evidence.runner_up, None);
        assert_eq!(parsed.person_id, None);
    }

    #[test]
    fn refuses_garbage_and_bad_fields() {
        let roles = HashMap::new();
        assert!(
            parse(
                b"\xff\xff\xff garbage",
                "gate",
                &CameraRoles::declared(roles.clone())
            )
            .is_err()
        );
        let mut bad = detection();
        bad.confidence = 1.5;
        assert!(
            parse(
                &bad.encode_to_vec(),
                "gate",
                &CameraRoles::declared(roles.clone())
            )
            .is_err()
        );
        let mut bad = detection();
        bad.captured_at = None;
        assert!(
            parse(
                &bad.encode_to_vec(),
                "gate",
                &CameraRoles::declared(roles.clone())
            )
            .is_err()
        );
        let mut bad = detection();
        bad.person_id = None;
        assert!(
            parse(
                &bad.encode_to_vec(),
                "gate",
                &CameraRoles::declared(roles.clone())
            )
            .is_err()
        );
    }

    #[test]
    fn the_role_the_camera_declared_wins_over_camera_roles() {
        let roles = HashMap::from([("gate".to_owned(), CameraRole::Exit)]);
        let configured = parse(
            &detection().encode_to_vec(),
            "gate",
            &CameraRoles::declared(roles.clone()),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(configured.camera_role, CameraRole::Exit);
        let mut declared = detection();
        declared.camera_role = Some("entry".to_owned());
        let parsed = parse(
            &declared.encode_to_vec(),
            "gate",
            &CameraRoles::declared(roles.clone()),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(parsed.camera_role, CameraRole::Entry);
        let undeclared = parse(
            &detection().encode_to_vec(),
            "gate",
            &CameraRoles::declared(HashMap::new()),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(undeclared.camera_role, CameraRole::Both);
        declared.camera_role = Some("sideways".to_owned());
        assert!(
            parse(
                &declared.encode_to_vec(),
                "gate",
                &CameraRoles::declared(roles.clone())
            )
            .is_err()
        );
    }

    #[test]
    fn unknown_faces_have_no_person() {
        let mut unknown = detection();
        unknown.decision = wire::Decision::Unknown as i32;
        let parsed = parse(
            &unknown.encode_to_vec(),
            "gate",
            &CameraRoles::declared(HashMap::new()),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(parsed.person_id, None);
    }
}
