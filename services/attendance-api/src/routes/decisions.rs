//! The review queue, corrections and the approval of manual entries: the routes through
//! which a person decides what the rules could not (`attendance:write`; the queue is
//! readable with `attendance:read`).

use actix_web::{HttpResponse, web};
use faceattend_service::auth::{AttendanceRead, AttendanceWrite, Require};
use faceattend_service::envelope;
use faceattend_service::json::JsonBody;
use uuid::Uuid;

use crate::decisions::{Decisions, ReviewDecision};
use crate::dto::{
    ApproveReviewRequest, AttendanceResponse, CorrectionRequest, CorrectionResponse,
    ManualDecisionRequest, ReviewDecisionResponse, ReviewItemResponse, ReviewQueueQuery,
};
use crate::error::AttendanceApiError;
use crate::openapi::{
    AttendanceEnvelope, CorrectionEnvelope, ErrorEnvelope, OptionalAttendanceEnvelope,
    ReviewDecisionEnvelope, ReviewQueueEnvelope,
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
    query: web::Query<ReviewQueueQuery>,
) -> Result<HttpResponse> {
    let (filter, page) = query
        .into_inner()
        .validate()
        .map_err(AttendanceApiError::InvalidParameters)?;
    let (items, meta) = queries.review_queue(&filter, page).await?;
    Ok(envelope::ok_with_meta(
        items
            .into_iter()
            .map(ReviewItemResponse::from)
            .collect::<Vec<_>>(),
        meta,
    ))
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
    let direction = body.validate().map_err(AttendanceApiError::InvalidBody)?;
    let decided = decisions
        .decide_review(
            item_id.into_inner(),
            ReviewDecision::Approve(direction),
            &auth.principal.subject,
        )
        .await?;
    Ok(envelope::ok(ReviewDecisionResponse {
        review_item: decided.item.into(),
        attendance: decided.day.map(AttendanceResponse::from),
    }))
}

/// `POST /api/v1/attendance/review/{id}/reject`: it was not them.
#[utoipa::path(
    post, path = "/api/v1/attendance/review/{item_id}/reject", tag = "review",
    params(("item_id" = Uuid, Path, description = "The review item")),
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
) -> Result<HttpResponse> {
    let decided = decisions
        .decide_review(
            item_id.into_inner(),
            ReviewDecision::Reject,
            &auth.principal.subject,
        )
        .await?;
    Ok(envelope::ok(ReviewDecisionResponse {
        review_item: decided.item.into(),
        attendance: decided.day.map(AttendanceResponse::from),
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
