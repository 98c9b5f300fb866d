//! Exceptions (the spec's `AttendanceException`: holidays, leave, special events): create,
//! list, get, update, delete, and the approval or rejection of those that require it.

use actix_web::{HttpResponse, web};
use faceattend_service::auth::{AttendanceRead, AttendanceWrite, Require};
use faceattend_service::envelope;
use faceattend_service::json::JsonBody;
use uuid::Uuid;

use crate::dto::policies::{
    CreateExceptionRequest, ExceptionInput, ExceptionResponse, ListExceptionsQuery,
    UpdateExceptionRequest,
};
use crate::error::AttendanceApiError;
use crate::openapi::{ErrorEnvelope, ExceptionEnvelope, ExceptionListEnvelope};
use crate::policies::Policies;
use crate::queries::AttendanceQueries;

type Result<T> = std::result::Result<T, AttendanceApiError>;

/// Create an exception; one that requires approval (leave always does) is created pending.
#[utoipa::path(
    post, path = "/api/v1/attendance/exceptions", tag = "policy",
    operation_id = "create_exception",
    request_body = CreateExceptionRequest,
    responses(
        (status = 201, body = ExceptionEnvelope),
        (status = 400, description = "Malformed JSON", body = ErrorEnvelope),
        (status = 401, body = ErrorEnvelope), (status = 403, description = "Token lacks attendance:write", body = ErrorEnvelope),
        (status = 404, description = "`person_not_found`: the exception's person", body = ErrorEnvelope),
        (status = 409, description = "`exception_exists`", body = ErrorEnvelope),
        (status = 422, description = "Invalid fields, listed in `details`", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn create(
    auth: Require<AttendanceWrite>,
    policies: web::Data<Policies>,
    JsonBody(body): JsonBody<CreateExceptionRequest>,
) -> Result<HttpResponse> {
    let fields = ExceptionInput::from(body)
        .validate()
        .map_err(AttendanceApiError::InvalidBody)?;
    let row = policies
        .create_exception(fields, &auth.principal.subject)
        .await?;
    Ok(envelope::created(ExceptionResponse::from(row)))
}

/// List exceptions, latest date first.
#[utoipa::path(
    get, path = "/api/v1/attendance/exceptions", tag = "policy",
    operation_id = "list_exceptions",
    params(ListExceptionsQuery),
    responses(
        (status = 200, body = ExceptionListEnvelope),
        (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope),
        (status = 403, body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn list(
    _auth: Require<AttendanceRead>,
    queries: web::Data<AttendanceQueries>,
    query: web::Query<ListExceptionsQuery>,
) -> Result<HttpResponse> {
    let (filter, page) = query
        .into_inner()
        .validate()
        .map_err(AttendanceApiError::InvalidParameters)?;
    let (rows, meta) = queries.exceptions(&filter, page).await?;
    Ok(envelope::ok_with_meta(
        rows.into_iter()
            .map(ExceptionResponse::from)
            .collect::<Vec<_>>(),
        meta,
    ))
}

/// Get one exception.
#[utoipa::path(
    get, path = "/api/v1/attendance/exceptions/{id}", tag = "policy",
    operation_id = "get_exception",
    params(("id" = Uuid, Path, description = "The exception's id")),
    responses(
        (status = 200, body = ExceptionEnvelope),
        (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope),
        (status = 403, body = ErrorEnvelope),
        (status = 404, description = "`exception_not_found`", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn get(
    _auth: Require<AttendanceRead>,
    queries: web::Data<AttendanceQueries>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    let row = queries.exception(id.into_inner()).await?;
    Ok(envelope::ok(ExceptionResponse::from(row)))
}

/// Update an exception: only the fields present change; once decided, only `reason`.
#[utoipa::path(
    patch, path = "/api/v1/attendance/exceptions/{id}", tag = "policy",
    operation_id = "update_exception",
    params(("id" = Uuid, Path, description = "The exception's id")),
    request_body = UpdateExceptionRequest,
    responses(
        (status = 200, body = ExceptionEnvelope),
        (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope),
        (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
        (status = 409, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn update(
    auth: Require<AttendanceWrite>,
    policies: web::Data<Policies>,
    id: web::Path<Uuid>,
    JsonBody(body): JsonBody<UpdateExceptionRequest>,
) -> Result<HttpResponse> {
    let row = policies
        .update_exception(id.into_inner(), body, &auth.principal.subject)
        .await?;
    Ok(envelope::ok(ExceptionResponse::from(row)))
}

/// Delete an exception.
#[utoipa::path(
    delete, path = "/api/v1/attendance/exceptions/{id}", tag = "policy",
    operation_id = "delete_exception",
    params(("id" = Uuid, Path, description = "The exception's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope),
        (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn delete(
    auth: Require<AttendanceWrite>,
    policies: web::Data<Policies>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    policies
        .delete_exception(id.into_inner(), &auth.principal.subject)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Approve a pending exception.
#[utoipa::path(
    post, path = "/api/v1/attendance/exceptions/{id}/approve", tag = "policy",
    params(("id" = Uuid, Path, description = "The exception's id")),
    responses(
        (status = 200, body = ExceptionEnvelope),
        (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope),
        (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
        (status = 409, description = "`exception_already_decided`, `approval_not_required`", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn approve(
    auth: Require<AttendanceWrite>,
    policies: web::Data<Policies>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    let row = policies
        .decide_exception(id.into_inner(), true, &auth.principal.subject)
        .await?;
    Ok(envelope::ok(ExceptionResponse::from(row)))
}

/// Reject a pending exception: it stays, decided, and takes no day off.
#[utoipa::path(
    post, path = "/api/v1/attendance/exceptions/{id}/reject", tag = "policy",
    params(("id" = Uuid, Path, description = "The exception's id")),
    responses(
        (status = 200, body = ExceptionEnvelope),
        (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope),
        (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
        (status = 409, description = "`exception_already_decided`, `approval_not_required`", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn reject(
    auth: Require<AttendanceWrite>,
    policies: web::Data<Policies>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    let row = policies
        .decide_exception(id.into_inner(), false, &auth.principal.subject)
        .await?;
    Ok(envelope::ok(ExceptionResponse::from(row)))
}
