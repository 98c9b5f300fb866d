//! Shifts (the spec's `AttendanceSession`): create, list, get, update, delete.

use actix_web::{HttpResponse, web};
use faceattend_service::auth::{AttendanceRead, AttendanceWrite, Require};
use faceattend_service::envelope;
use faceattend_service::json::JsonBody;
use uuid::Uuid;

use crate::dto::policies::{
    CreateSessionRequest, ListSessionsQuery, SessionInput, SessionResponse, UpdateSessionRequest,
};
use crate::error::AttendanceApiError;
use crate::openapi::{ErrorEnvelope, SessionEnvelope, SessionListEnvelope};
use crate::policies::Policies;
use crate::queries::AttendanceQueries;

type Result<T> = std::result::Result<T, AttendanceApiError>;

/// Create a shift.
#[utoipa::path(
    post, path = "/api/v1/attendance/sessions", tag = "policy",
    operation_id = "create_session",
    request_body = CreateSessionRequest,
    responses(
        (status = 201, body = SessionEnvelope),
        (status = 400, description = "Malformed JSON", body = ErrorEnvelope),
        (status = 401, body = ErrorEnvelope), (status = 403, description = "Token lacks attendance:write", body = ErrorEnvelope),
        (status = 409, description = "`session_name_taken`", body = ErrorEnvelope),
        (status = 422, description = "Invalid fields, listed in `details`", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn create(
    auth: Require<AttendanceWrite>,
    policies: web::Data<Policies>,
    JsonBody(body): JsonBody<CreateSessionRequest>,
) -> Result<HttpResponse> {
    let fields = SessionInput::from(body)
        .validate()
        .map_err(AttendanceApiError::InvalidBody)?;
    let row = policies
        .create_session(fields, &auth.principal.subject)
        .await?;
    Ok(envelope::created(SessionResponse::from(row)))
}

/// List shifts in name order.
#[utoipa::path(
    get, path = "/api/v1/attendance/sessions", tag = "policy",
    operation_id = "list_sessions",
    params(ListSessionsQuery),
    responses(
        (status = 200, body = SessionListEnvelope),
        (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope),
        (status = 403, body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn list(
    _auth: Require<AttendanceRead>,
    queries: web::Data<AttendanceQueries>,
    query: web::Query<ListSessionsQuery>,
) -> Result<HttpResponse> {
    let (filter, page) = query
        .into_inner()
        .validate()
        .map_err(AttendanceApiError::InvalidParameters)?;
    let (rows, meta) = queries.sessions(&filter, page).await?;
    Ok(envelope::ok_with_meta(
        rows.into_iter()
            .map(SessionResponse::from)
            .collect::<Vec<_>>(),
        meta,
    ))
}

/// Get one shift.
#[utoipa::path(
    get, path = "/api/v1/attendance/sessions/{id}", tag = "policy",
    operation_id = "get_session",
    params(("id" = Uuid, Path, description = "The shift's id")),
    responses(
        (status = 200, body = SessionEnvelope),
        (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope),
        (status = 403, body = ErrorEnvelope),
        (status = 404, description = "`session_not_found`", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn get(
    _auth: Require<AttendanceRead>,
    queries: web::Data<AttendanceQueries>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    let row = queries.session(id.into_inner()).await?;
    Ok(envelope::ok(SessionResponse::from(row)))
}

/// Update a shift: only the fields present change.
#[utoipa::path(
    patch, path = "/api/v1/attendance/sessions/{id}", tag = "policy",
    operation_id = "update_session",
    params(("id" = Uuid, Path, description = "The shift's id")),
    request_body = UpdateSessionRequest,
    responses(
        (status = 200, body = SessionEnvelope),
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
    JsonBody(body): JsonBody<UpdateSessionRequest>,
) -> Result<HttpResponse> {
    let row = policies
        .update_session(id.into_inner(), body, &auth.principal.subject)
        .await?;
    Ok(envelope::ok(SessionResponse::from(row)))
}

/// Delete a shift.
#[utoipa::path(
    delete, path = "/api/v1/attendance/sessions/{id}", tag = "policy",
    operation_id = "delete_session",
    params(("id" = Uuid, Path, description = "The shift's id")),
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
        .delete_session(id.into_inner(), &auth.principal.subject)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
