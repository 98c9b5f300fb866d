//! The review queue, corrections and the approval of manual entries: the routes through
//! which a person decides what the rules could not (`attendance:write`; the queue is
//! readable with `attendance:read`).

use std::collections::BTreeSet;

use actix_web::{HttpResponse, web};
use faceattend_attendance_store::entities::review_item;
use faceattend_service::auth::{AttendanceRead, AttendanceWrite, Require};
use faceattend_service::envelope;
use faceattend_service::json::{JsonBody, OptionalJsonBody};
use uuid::Uuid;

use crate::decisions::{Decisions, ReviewDecision};
use crate::dto::evidence::{
    AssignReviewRequest, AssignReviewResponse, DetectionResponse, RejectReviewRequest,
};
use crate::dto::{
    ApproveReviewRequest, AttendanceResponse, CorrectionRequest, CorrectionResponse,
    ManualDecisionRequest, ReviewDecisionResponse, ReviewItemResponse, ReviewQueueQuery,
};
use crate::error::AttendanceApiError;
use crate::evidence::Evidence;
use crate::openapi::{
    AssignReviewEnvelope, AttendanceEnvelope, CorrectionEnvelope, ErrorEnvelope,
    OptionalAttendanceEnvelope, ReviewDecisionEnvelope, ReviewQueueEnvelope,
};
use crate::queries::AttendanceQueries;

type Result<T> = std::result::Result<T, AttendanceApiError>;

/// `GET /api/v1/attendance/review`: the review queue (pending by default), oldest first.
#[utoipa::path(
    get, path = "/api/v1/attendance/review", tag = "review",
    params(ReviewQueueQuery),
    responses(
        (status = 200, body = ReviewQueueEnvelope),
        (status = 400, description = "`invalid_parameters`", body = ErrorEnvelope),
        (status = 403, description = "Token lacks attendance:read", body = ErrorEnvelope),
        (status = 401, body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn review_queue(
    _auth: Require<AttendanceRead>,
    queries: web::Data<AttendanceQueries>,
    evidence: web::Data<Evidence>,
    query: web::Query<ReviewQueueQuery>,
) -> Result<HttpResponse> {
    let (filter, page) = query
        .into_inner()
        .validate()
        .map_err(AttendanceApiError::InvalidParameters)?;
    let (items, meta) = queries.review_queue(&filter, page).await?;
    let items = with_evidence(&evidence, items).await?;
    Ok(envelope::ok_with_meta(items, meta))
}

/// Review items with their candidate's name and their detection's evidence, in two reads.
/// An item of a person deleted since keeps its place, without a name or evidence.
async fn with_evidence(
    evidence: &Evidence,
    items: Vec<review_item::Model>,
) -> Result<Vec<ReviewItemResponse>> {
    let detection_ids: BTreeSet<Uuid> = items.iter().map(|i| i.detection_id).collect();
    let mut detections = evidence.detections(&detection_ids).await?;
    let person_ids: BTreeSet<Uuid> = items.iter().map(|i| i.person_id).collect();
    let directory = evidence.directory(&person_ids).await?;
    Ok(items
        .into_iter()
        .map(|item| {
            let person_name = directory
                .get(&item.person_id)
                .filter(|p| !p.deleted)
                .map(|p| p.name.clone());
            let detection = detections
                .remove(&item.detection_id)
                .map(DetectionResponse::from);
            ReviewItemResponse {
                person_name,
                detection,
                ..ReviewItemResponse::from(item)
            }
        })
        .collect())
}

/// `POST /api/v1/attendance/review/{id}/approve`: it was them (and, optionally, which way).
#[utoipa::path(
    post, path = "/api/v1/attendance/review/{item_id}/approve", tag = "review",
    params(("item_id" = Uuid, Path, description = "The review item")),
    request_body = ApproveReviewRequest,
    responses(
        (status = 200, body = ReviewDecisionEnvelope),
        (status = 403, description = "Token lacks attendance:write", body = ErrorEnvelope),
        (status = 404, description = "`review_item_not_found`", body = ErrorEnvelope),
        (status = 409, description = "`review_item_decided`", body = ErrorEnvelope),
        (status = 422, description = "`validation_failed`, `direction_required`", body = ErrorEnvelope),
        (status = 401, body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn approve_review(
    auth: Require<AttendanceWrite>,
    decisions: web::Data<Decisions>,
    item_id: web::Path<Uuid>,
    JsonBody(body): JsonBody<ApproveReviewRequest>,
) -> Result<HttpResponse> {
    let (direction, reason) = body.validate().map_err(AttendanceApiError::InvalidBody)?;
    let decided = decisions
        .decide_review(
            item_id.into_inner(),
            ReviewDecision::Approve { direction, reason },
            &auth.principal.subject,
        )
        .await?;
    Ok(envelope::ok(ReviewDecisionResponse {
        review_item: decided.item.into(),
        attendance: decided.day.map(AttendanceResponse::from),
    }))
}

/// `POST /api/v1/attendance/review/{id}/reject`: it was not them; or, with
/// `not_a_face: true`, no person's face at all (a bad capture). The body is optional.
#[utoipa::path(
    post, path = "/api/v1/attendance/review/{item_id}/reject", tag = "review",
    params(("item_id" = Uuid, Path, description = "The review item")),
    request_body(content = Option<RejectReviewRequest>, description = "Optional: why"),
    responses(
        (status = 200, body = ReviewDecisionEnvelope),
        (status = 403, description = "Token lacks attendance:write", body = ErrorEnvelope),
        (status = 404, description = "`review_item_not_found`", body = ErrorEnvelope),
        (status = 409, description = "`review_item_decided`", body = ErrorEnvelope),
        (status = 401, body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn reject_review(
    auth: Require<AttendanceWrite>,
    decisions: web::Data<Decisions>,
    item_id: web::Path<Uuid>,
    OptionalJsonBody(body): OptionalJsonBody<RejectReviewRequest>,
) -> Result<HttpResponse> {
    let rejection = body.validate().map_err(AttendanceApiError::InvalidBody)?;
    let decided = decisions
        .decide_review(
            item_id.into_inner(),
            ReviewDecision::Reject(rejection),
            &auth.principal.subject,
        )
        .await?;
    Ok(envelope::ok(ReviewDecisionResponse {
        review_item: decided.item.into(),
        attendance: decided.day.map(AttendanceResponse::from),
    }))
}

/// `POST /api/v1/attendance/review/{id}/assign`: it was somebody else. The sighting moves to
/// that person, confirmed; both persons' days are recomputed.
#[utoipa::path(
    post, path = "/api/v1/attendance/review/{item_id}/assign", tag = "review",
    params(("item_id" = Uuid, Path, description = "The review item")),
    request_body = AssignReviewRequest,
    responses(
        (status = 200, body = AssignReviewEnvelope),
        (status = 403, description = "Token lacks attendance:write", body = ErrorEnvelope),
        (status = 404, description = "`review_item_not_found`, `person_not_found`", body = ErrorEnvelope),
        (status = 409, description = "`review_item_decided`", body = ErrorEnvelope),
        (status = 422, description = "`validation_failed`, `same_person`", body = ErrorEnvelope),
        (status = 401, body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn assign_review(
    auth: Require<AttendanceWrite>,
    decisions: web::Data<Decisions>,
    item_id: web::Path<Uuid>,
    JsonBody(body): JsonBody<AssignReviewRequest>,
) -> Result<HttpResponse> {
    let (person_id, reason) = body.validate().map_err(AttendanceApiError::InvalidBody)?;
    let assigned = decisions
        .assign_review(
            item_id.into_inner(),
            person_id,
            reason,
            &auth.principal.subject,
        )
        .await?;
    Ok(envelope::ok(AssignReviewResponse {
        review_item: assigned.item.into(),
        candidate_attendance: assigned.candidate_day.map(AttendanceResponse::from),
        assigned_attendance: assigned.assigned_day.map(AttendanceResponse::from),
    }))
}

/// `POST /api/v1/attendance/corrections`: a verdict on any recognised detection; the day
/// is recomputed with it.
#[utoipa::path(
    post, path = "/api/v1/attendance/corrections", tag = "review",
    request_body = CorrectionRequest,
    responses(
        (status = 200, body = CorrectionEnvelope),
        (status = 403, description = "Token lacks attendance:write", body = ErrorEnvelope),
        (status = 404, description = "`detection_not_found`", body = ErrorEnvelope),
        (status = 422, description = "`validation_failed`, `unknown_face`", body = ErrorEnvelope),
        (status = 401, body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn correct(
    auth: Require<AttendanceWrite>,
    decisions: web::Data<Decisions>,
    JsonBody(body): JsonBody<CorrectionRequest>,
) -> Result<HttpResponse> {
    let (detection_id, verdict, reason) =
        body.validate().map_err(AttendanceApiError::InvalidBody)?;
    let corrected = decisions
        .correct(detection_id, verdict, &reason, &auth.principal.subject)
        .await?;
    Ok(envelope::ok(CorrectionResponse {
        detection_id: corrected.detection.id,
        person_id: corrected.detection.person_id,
        verdict: corrected.detection.verdict,
        verdict_by: corrected.detection.verdict_by,
        verdict_at: corrected.detection.verdict_at,
        attendance: corrected.day.map(AttendanceResponse::from),
    }))
}

/// `POST /api/v1/attendance/manual/{attendance_id}/approve`: the entry counts, with the
/// status its marks earn under the person's shift.
#[utoipa::path(
    post, path = "/api/v1/attendance/manual/{attendance_id}/approve", tag = "review",
    params(("attendance_id" = Uuid, Path, description = "The manual day record")),
    request_body = ManualDecisionRequest,
    responses(
        (status = 200, body = AttendanceEnvelope),
        (status = 403, description = "Token lacks attendance:write", body = ErrorEnvelope),
        (status = 404, description = "`attendance_not_found`", body = ErrorEnvelope),
        (status = 409, description = "`not_manual`, `already_approved`", body = ErrorEnvelope),
        (status = 422, body = ErrorEnvelope),
        (status = 401, body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn approve_manual(
    auth: Require<AttendanceWrite>,
    decisions: web::Data<Decisions>,
    attendance_id: web::Path<Uuid>,
    JsonBody(body): JsonBody<ManualDecisionRequest>,
) -> Result<HttpResponse> {
    let remarks = body.validate().map_err(AttendanceApiError::InvalidBody)?;
    let day = decisions
        .approve_manual(attendance_id.into_inner(), remarks, &auth.principal.subject)
        .await?;
    Ok(envelope::ok(AttendanceResponse::from(day)))
}

/// `POST /api/v1/attendance/manual/{attendance_id}/reject`: the hand-entered marks go; the
/// day is what the detections make of it (`data` is `null` when that is nothing).
#[utoipa::path(
    post, path = "/api/v1/attendance/manual/{attendance_id}/reject", tag = "review",
    params(("attendance_id" = Uuid, Path, description = "The manual day record")),
    request_body = ManualDecisionRequest,
    responses(
        (status = 200, body = OptionalAttendanceEnvelope),
        (status = 403, description = "Token lacks attendance:write", body = ErrorEnvelope),
        (status = 404, description = "`attendance_not_found`", body = ErrorEnvelope),
        (status = 409, description = "`not_manual`, `already_approved`", body = ErrorEnvelope),
        (status = 422, body = ErrorEnvelope),
        (status = 401, body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn reject_manual(
    auth: Require<AttendanceWrite>,
    decisions: web::Data<Decisions>,
    attendance_id: web::Path<Uuid>,
    JsonBody(body): JsonBody<ManualDecisionRequest>,
) -> Result<HttpResponse> {
    let remarks = body.validate().map_err(AttendanceApiError::InvalidBody)?;
    let day = decisions
        .reject_manual(attendance_id.into_inner(), remarks, &auth.principal.subject)
        .await?;
    Ok(envelope::ok(day.map(AttendanceResponse::from)))
}
