//! The spec's check-in and check-out, as manual entries behind `attendance:write`.

use actix_web::{HttpResponse, web};
use faceattend_attendance_store::now;
use faceattend_service::auth::{AttendanceWrite, Require};
use faceattend_service::envelope;
use faceattend_service::json::JsonBody;

use crate::dto::{CheckInRequest, CheckInResponse, CheckOutRequest, CheckOutResponse};
use crate::error::AttendanceApiError;
use crate::manual::ManualEntries;
use crate::openapi::{CheckInEnvelope, CheckOutEnvelope, ErrorEnvelope};

type Result<T> = std::result::Result<T, AttendanceApiError>;

/// `POST /api/v1/attendance/check-in`: checks the person in now, or at the given `time`
/// (with a `reason` for the record's history); the day stays `pending` until approved.
#[utoipa::path(
    post, path = "/api/v1/attendance/check-in", tag = "attendance",
    request_body = CheckInRequest,
    responses(
        (status = 200, body = CheckInEnvelope),
        (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope),
        (status = 403, description = "Token lacks attendance:write", body = ErrorEnvelope),
        (status = 404, description = "`person_not_found`", body = ErrorEnvelope),
        (status = 409, description = "`already_checked_in`, `already_checked_out`", body = ErrorEnvelope),
        (status = 422, description = "`validation_failed`: a field's code says what is wrong (`invalid_time`, `time_in_future`, `time_too_old`, ...)", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn check_in(
    auth: Require<AttendanceWrite>,
    entries: web::Data<ManualEntries>,
    JsonBody(body): JsonBody<CheckInRequest>,
) -> Result<HttpResponse> {
    let mark = body
        .validate(now())
        .map_err(AttendanceApiError::InvalidBody)?;
    let person_id = mark.person_id;
    let entry = entries.check_in(&mark, &auth.principal.subject).await?;
    let check_in_time = entry
        .record
        .check_in_time
        .ok_or_else(|| AttendanceApiError::Corrupt("check-in written without a time".into()))?;
    Ok(envelope::ok(CheckInResponse {
        success: true,
        person_id,
        person_name: entry.person_name,
        check_in_time,
        confidence: entry.record.check_in_confidence,
        message: "Check-in successful; pending approval".to_owned(),
    }))
}

/// `POST /api/v1/attendance/check-out`: checks the person out now, or at the given `time`
/// (with a `reason`), after the day's check-in; the day stays `pending` until approved.
#[utoipa::path(
    post, path = "/api/v1/attendance/check-out", tag = "attendance",
    request_body = CheckOutRequest,
    responses(
        (status = 200, body = CheckOutEnvelope),
        (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope),
        (status = 403, description = "Token lacks attendance:write", body = ErrorEnvelope),
        (status = 404, description = "`person_not_found`", body = ErrorEnvelope),
        (status = 409, description = "`not_checked_in`, `already_checked_out`, `check_out_before_check_in`", body = ErrorEnvelope),
        (status = 422, description = "`validation_failed`: a field's code says what is wrong (`invalid_time`, `time_in_future`, `time_too_old`, ...)", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn check_out(
    auth: Require<AttendanceWrite>,
    entries: web::Data<ManualEntries>,
    JsonBody(body): JsonBody<CheckOutRequest>,
) -> Result<HttpResponse> {
    let mark = body
        .validate(now())
        .map_err(AttendanceApiError::InvalidBody)?;
    let person_id = mark.person_id;
    let entry = entries.check_out(&mark, &auth.principal.subject).await?;
    let record = entry.record;
    let (Some(check_out_time), Some(duration)) = (record.check_out_time, record.duration_minutes)
    else {
        return Err(AttendanceApiError::Corrupt(
            "check-out written without a time".into(),
        ));
    };
    Ok(envelope::ok(CheckOutResponse {
        success: true,
        person_id,
        person_name: entry.person_name,
        check_out_time,
        duration_minutes: i64::from(duration),
        message: "Check-out successful; pending approval".to_owned(),
    }))
}
