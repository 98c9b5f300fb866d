//! What the evidence routes take and answer: a detection as a reviewer sees it, a record's
//! page (its sightings and history), the unknown faces, and the decisions a reviewer adds to
//! approve/reject: assigning a sighting to someone else, and "not a person".

use chrono::{DateTime, NaiveDate, Utc};
use faceattend_attendance_store::FaceBox;
use faceattend_attendance_store::entities::{attendance, audit_log, person_directory};
use faceattend_domain::person::Text;
use faceattend_domain::{FieldIssue, PageRequest, ValidationErrors};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{
    AttendanceResponse, CORRECTION_REASON, ReviewItemResponse, optional_dates, parse_uuid,
};
use crate::evidence::{NamedDetection, RecordEvidence, UnknownFaceGroup};
use crate::openapi::fields;

/// Where a face is in its snapshot, in the snapshot's pixels.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct FaceBoxResponse {
    pub x_min: f32,
    pub y_min: f32,
    pub x_max: f32,
    pub y_max: f32,
}

/// The second-nearest enrolled person of a face.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RunnerUpResponse {
    pub person_id: Uuid,
    /// `None` when the directory does not know the person (yet).
    pub name: Option<String>,
    pub distance: f32,
    /// How much farther than the best candidate (runner-up distance − distance): the smaller,
    /// the easier the two are confused.
    pub margin: f32,
}

/// A stored detection: a face a camera saw and what recognition made of it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DetectionResponse {
    pub detection_id: Uuid,
    pub camera_id: String,
    /// `entry`, `exit` or `both`, as the camera was declared when the detection arrived.
    pub camera_role: String,
    pub captured_at: DateTime<Utc>,
    /// The matched person; `None` for an unknown or ambiguous face.
    pub person_id: Option<Uuid>,
    pub person_name: Option<String>,
    /// `match`, `ambiguous` or `unknown`; `None` for a detection stored before it was kept.
    pub decision: Option<String>,
    /// Calibrated, in [0, 1]: at 0.70 one impostor in 1,000 is accepted, at 0.60 one in 100.
    pub confidence: f32,
    /// Embedding distance to the nearest enrolled person (2 when nobody is enrolled).
    pub distance: f32,
    pub model: String,
    /// Face quality in [0, 1].
    pub quality: f32,
    pub track_id: Option<String>,
    pub face_box: Option<FaceBoxResponse>,
    pub runner_up: Option<RunnerUpResponse>,
    /// Whether `/detections/{id}/snapshot` (and, with a `face_box`, `/crop`) has an image.
    pub has_snapshot: bool,
    /// A person's decision on it: `confirmed`, `check_in`, `check_out` or `rejected`.
    pub verdict: Option<String>,
    pub verdict_by: Option<String>,
    pub verdict_at: Option<DateTime<Utc>>,
}

impl From<NamedDetection> for DetectionResponse {
    fn from(named: NamedDetection) -> Self {
        let d = named.detection;
        let face_box = FaceBox::of(&d).map(|b| FaceBoxResponse {
            x_min: b.x_min,
            y_min: b.y_min,
            x_max: b.x_max,
            y_max: b.y_max,
        });
        let runner_up = match (d.runner_up_person_id, d.runner_up_distance) {
            (Some(person_id), Some(distance)) => Some(RunnerUpResponse {
                person_id,
                name: named.runner_up_name,
                distance,
                margin: distance - d.distance,
            }),
            _ => None,
        };
        Self {
            detection_id: d.id,
            camera_id: d.camera_id,
            camera_role: d.camera_role,
            captured_at: d.captured_at,
            person_id: d.person_id,
            person_name: named.person_name,
            decision: d.decision,
            confidence: d.confidence,
            distance: d.distance,
            model: d.model_id,
            quality: d.quality,
            track_id: d.track_id,
            face_box,
            runner_up,
            has_snapshot: named.has_snapshot,
            verdict: d.verdict,
            verdict_by: d.verdict_by,
            verdict_at: d.verdict_at,
        }
    }
}

/// Who a record belongs to, from the directory.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecordPerson {
    pub person_id: Uuid,
    pub name: String,
    pub department: Option<String>,
    pub organization: Option<String>,
}

impl From<person_directory::Model> for RecordPerson {
    fn from(p: person_directory::Model) -> Self {
        Self {
            person_id: p.person_id,
            name: p.name,
            department: p.department,
            organization: p.organization,
        }
    }
}

/// One audited change to a record, one of its sightings or their review items.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HistoryEntry {
    pub at: DateTime<Utc>,
    /// Who: an operator's or a token's subject.
    pub actor: String,
    /// e.g. `manual_check_in`, `manual_approved`, `detection_corrected`, `review_approved`,
    /// `review_rejected`, `review_assigned`.
    pub action: String,
    /// `attendance`, `detection` or `review_item`.
    pub entity: String,
    pub entity_id: String,
    /// The entity before the change (JSON), `None` when it did not exist.
    #[schema(value_type = Option<Object>)]
    pub before: Option<serde_json::Value>,
    /// The entity after the change (JSON, with the reason when one was given).
    #[schema(value_type = Option<Object>)]
    pub after: Option<serde_json::Value>,
}

impl From<audit_log::Model> for HistoryEntry {
    fn from(entry: audit_log::Model) -> Self {
        let json = |text: Option<String>| {
            text.map(|t| serde_json::from_str(&t).unwrap_or(serde_json::Value::String(t)))
        };
        Self {
            at: entry.at,
            actor: entry.actor,
            action: entry.action,
            entity: entry.entity,
            entity_id: entry.entity_id,
            before: json(entry.before),
            after: json(entry.after),
        }
    }
}

/// A record as its page shows it: the spec's fields and what the record rests on.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecordResponse {
    #[serde(flatten)]
    pub spec: AttendanceResponse,
    /// The detection the check-in rests on (`GET /detections/{id}` for its evidence).
    pub check_in_detection_id: Option<Uuid>,
    pub check_in_camera_id: Option<String>,
    /// The detection the check-out rests on.
    pub check_out_detection_id: Option<Uuid>,
    pub check_out_camera_id: Option<String>,
    /// Who approved a manual entry, and when; `None` while it is pending (or not manual).
    pub approved_by: Option<String>,
    pub approval_timestamp: Option<DateTime<Utc>>,
    pub remarks: Option<String>,
    pub updated_at: DateTime<Utc>,
}

impl From<attendance::Model> for RecordResponse {
    fn from(row: attendance::Model) -> Self {
        Self {
            check_in_detection_id: row.check_in_detection_id,
            check_in_camera_id: row.check_in_camera_id.clone(),
            check_out_detection_id: row.check_out_detection_id,
            check_out_camera_id: row.check_out_camera_id.clone(),
            approved_by: row.approved_by.clone(),
            approval_timestamp: row.approval_timestamp,
            remarks: row.remarks.clone(),
            updated_at: row.updated_at,
            spec: row.into(),
        }
    }
}

/// `GET /api/v1/attendance/records/{id}`: a record, the evidence it rests on and its history.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecordDetailResponse {
    pub record: RecordResponse,
    /// `None` when the directory does not know the person (yet).
    pub person: Option<RecordPerson>,
    /// Every sighting of the person on the record's work day, oldest first.
    pub sightings: Vec<DetectionResponse>,
    /// The review items of those sightings, pending or decided.
    pub review_items: Vec<ReviewItemResponse>,
    /// What was done to the record and its evidence, oldest first.
    pub history: Vec<HistoryEntry>,
}

impl From<RecordEvidence> for RecordDetailResponse {
    fn from(evidence: RecordEvidence) -> Self {
        Self {
            record: evidence.record.into(),
            person: evidence.person.map(RecordPerson::from),
            sightings: evidence
                .sightings
                .into_iter()
                .map(DetectionResponse::from)
                .collect(),
            review_items: evidence
                .review_items
                .into_iter()
                .map(ReviewItemResponse::from)
                .collect(),
            history: evidence
                .history
                .into_iter()
                .map(HistoryEntry::from)
                .collect(),
        }
    }
}

/// One stranger's appearance: the unknown sightings of one camera track.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnknownFaceResponse {
    pub camera_id: String,
    pub track_id: Option<String>,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    /// How many sightings the appearance has.
    pub sightings: u64,
    /// The sighting to show and to enrol from: the best quality one with a snapshot.
    pub best: DetectionResponse,
}

impl From<UnknownFaceGroup> for UnknownFaceResponse {
    fn from(group: UnknownFaceGroup) -> Self {
        Self {
            camera_id: group.camera_id,
            track_id: group.track_id,
            first_seen: group.first_seen,
            last_seen: group.last_seen,
            sightings: group.sightings as u64,
            best: group.best.into(),
        }
    }
}

/// `GET /api/v1/attendance/unknown-faces`: the strangers of a period.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UnknownFacesQuery {
    /// 1-based page number (default 1).
    #[param(minimum = 1, maximum = 100_000)]
    pub page: Option<i64>,
    /// Appearances per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub page_size: Option<i64>,
    /// `YYYY-MM-DD` of the site's calendar, inclusive (default: six days before `to_date`).
    #[param(schema_with = fields::date)]
    pub from_date: Option<String>,
    /// `YYYY-MM-DD` of the site's calendar, inclusive (default: today).
    #[param(schema_with = fields::date)]
    pub to_date: Option<String>,
    /// Only this camera's.
    #[param(schema_with = fields::camera_id)]
    pub camera_id: Option<String>,
}

/// What the unknown faces are narrowed to.
#[derive(Debug, Clone, PartialEq)]
pub struct UnknownFacesFilter {
    pub from_date: Option<NaiveDate>,
    pub to_date: Option<NaiveDate>,
    pub camera_id: Option<String>,
}

/// The longest camera id (as attendance-worker stores them).
pub const CAMERA_ID_MAX: usize = 255;

impl UnknownFacesQuery {
    pub fn validate(self) -> Result<(UnknownFacesFilter, PageRequest), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let page = errors.check("page", PageRequest::parse_page(self.page));
        let page_size = errors.check("page_size", PageRequest::parse_page_size(self.page_size));
        let (from_date, to_date) = optional_dates(
            &mut errors,
            self.from_date.as_deref(),
            self.to_date.as_deref(),
        );
        let camera_id = errors.check(
            "camera_id",
            self.camera_id
                .as_deref()
                .map(|raw| Text::parse(raw, CAMERA_ID_MAX).map(|t| t.as_str().to_owned()))
                .transpose(),
        );
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok((
            UnknownFacesFilter {
                from_date: from_date.flatten(),
                to_date: to_date.flatten(),
                camera_id: camera_id.flatten(),
            },
            PageRequest::new(page.expect("checked"), page_size.expect("checked")),
        ))
    }
}

/// `POST /api/v1/attendance/review/{id}/reject`: no body (it was not them), or why.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectReviewRequest {
    /// Why, for the audit trail: 1 to 500 characters.
    #[schema(schema_with = fields::remark_or_null)]
    pub reason: Option<String>,
    /// `true`: not a person's face at all, or a capture too poor to judge (a "bad capture"),
    /// rather than somebody else.
    #[schema(schema_with = fields::boolean_or_null)]
    pub not_a_face: Option<bool>,
}

/// A rejection: why, and whether the capture was no face at all.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Rejection {
    pub reason: Option<String>,
    pub not_a_face: bool,
}

impl RejectReviewRequest {
    pub fn validate(self) -> Result<Rejection, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let reason = errors.check(
            "reason",
            self.reason
                .as_deref()
                .map(|raw| Text::parse(raw, CORRECTION_REASON).map(|t| t.as_str().to_owned()))
                .transpose(),
        );
        errors.into_result(|| Rejection {
            reason: reason.expect("checked"),
            not_a_face: self.not_a_face.unwrap_or(false),
        })
    }
}

/// `POST /api/v1/attendance/review/{id}/assign`: the sighting was somebody else.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignReviewRequest {
    /// Who it really was.
    #[schema(required = true, schema_with = fields::uuid)]
    pub person_id: Option<String>,
    /// Why, for the audit trail: 1 to 500 characters.
    #[schema(schema_with = fields::remark_or_null)]
    pub reason: Option<String>,
}

impl AssignReviewRequest {
    pub fn validate(self) -> Result<(Uuid, Option<String>), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let person_id = errors.check(
            "person_id",
            self.person_id.as_deref().map_or_else(
                || Err(FieldIssue::new("required", "is required")),
                parse_uuid,
            ),
        );
        let reason = errors.check(
            "reason",
            self.reason
                .as_deref()
                .map(|raw| Text::parse(raw, CORRECTION_REASON).map(|t| t.as_str().to_owned()))
                .transpose(),
        );
        errors.into_result(|| (person_id.expect("checked"), reason.expect("checked")))
    }
}

/// A review item assigned to somebody else, and both persons' days after it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssignReviewResponse {
    pub review_item: ReviewItemResponse,
    /// The candidate's day without the sighting; `None` when nothing is left of it.
    pub candidate_attendance: Option<AttendanceResponse>,
    /// The day of the person it really was, with the sighting.
    pub assigned_attendance: Option<AttendanceResponse>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_faces_refuse_a_backward_period() {
        let query = |from: &str, to: &str| UnknownFacesQuery {
            from_date: Some(from.to_owned()),
            to_date: Some(to.to_owned()),
            ..Default::default()
        };
        assert!(query("2026-01-01", "2026-12-31").validate().is_ok());
        let errors = query("2026-12-02", "2026-12-01").validate().unwrap_err();
        assert_eq!(errors.0[0].code, "invalid_range");
    }

    #[test]
    fn an_assignment_needs_a_person_and_a_rejection_needs_nothing() {
        let errors = AssignReviewRequest::default().validate().unwrap_err();
        assert_eq!(errors.0[0].field, "person_id");
        assert_eq!(errors.0[0].code, "required");
        let id = Uuid::new_v4();
        let (person, reason) = AssignReviewRequest {
            person_id: Some(id.to_string()),
            reason: Some("  the twin  ".to_owned()),
        }
        .validate()
        .expect("valid");
        assert_eq!((person, reason.as_deref()), (id, Some("the twin")));
        assert_eq!(
            RejectReviewRequest::default().validate(),
            Ok(Rejection::default())
        );
        let blank = RejectReviewRequest {
            reason: Some("   ".to_owned()),
            not_a_face: Some(true),
        };
        assert!(blank.validate().is_err());
    }
}
