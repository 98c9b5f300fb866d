//! Rules (the spec's `AttendanceRule`): the site has one active rule, activating one
//! deactivates the others: create, list, get, update, delete.

use actix_web::{HttpResponse, web};
use faceattend_attendance_store::entities::attendance_rule;
use faceattend_service::auth::{AttendanceRead, AttendanceWrite, Require};
use faceattend_service::envelope;
use faceattend_service::json::JsonBody;
use uuid::Uuid;

use crate::dto::policies::{
    CreateRuleRequest, ListRulesQuery, RuleInput, RuleResponse, UpdateRuleRequest,
};
use crate::error::AttendanceApiError;
use crate::openapi::{ErrorEnvelope, RuleEnvelope, RuleListEnvelope};
use crate::policies::{Policies, stored_working_days};
use crate::queries::AttendanceQueries;

type Result<T> = std::result::Result<T, AttendanceApiError>;

/// Create a rule; an active one deactivates the others.
#[utoipa::path(
    post, path = "/api/v1/attendance/rules", tag = "policy",
    operation_id = "create_rule",
    request_body = CreateRuleRequest,
    responses(
        (status = 201, body = RuleEnvelope),
        (status = 400, description = "Malformed JSON", body = ErrorEnvelope),
        (status = 401, body = ErrorEnvelope), (status = 403, description = "Token lacks attendance:write", body = ErrorEnvelope),
        (status = 409, description = "`rule_name_taken`", body = ErrorEnvelope),
        (status = 422, description = "Invalid fields, listed in `details`", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn create(
    auth: Require<AttendanceWrite>,
    policies: web::Data<Policies>,
    JsonBody(body): JsonBody<CreateRuleRequest>,
) -> Result<HttpResponse> {
    let fields = RuleInput::from(body)
        .validate()
        .map_err(AttendanceApiError::InvalidBody)?;
    let row = policies
        .create_rule(fields, &auth.principal.subject)
        .await?;
    Ok(envelope::created(response(row)?))
}

/// List rules in name order.
#[utoipa::path(
    get, path = "/api/v1/attendance/rules", tag = "policy",
    operation_id = "list_rules",
    params(ListRulesQuery),
    responses(
        (status = 200, body = RuleListEnvelope),
        (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope),
        (status = 403, body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn list(
    _auth: Require<AttendanceRead>,
    queries: web::Data<AttendanceQueries>,
    query: web::Query<ListRulesQuery>,
) -> Result<HttpResponse> {
    let (is_active, page) = query
        .into_inner()
        .validate()
        .map_err(AttendanceApiError::InvalidParameters)?;
    let (rows, meta) = queries.rules(is_active, page).await?;
    let rules = rows.into_iter().map(response).collect::<Result<Vec<_>>>()?;
    Ok(envelope::ok_with_meta(rules, meta))
}

/// Get one rule.
#[utoipa::path(
    get, path = "/api/v1/attendance/rules/{id}", tag = "policy",
    operation_id = "get_rule",
    params(("id" = Uuid, Path, description = "The rule's id")),
    responses(
        (status = 200, body = RuleEnvelope),
        (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope),
        (status = 403, body = ErrorEnvelope),
        (status = 404, description = "`rule_not_found`", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub async fn get(
    _auth: Require<AttendanceRead>,
    queries: web::Data<AttendanceQueries>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    let row = queries.rule(id.into_inner()).await?;
    Ok(envelope::ok(response(row)?))
}

/// Update a rule: only the fields present change; activating it deactivates the others.
#[utoipa::path(
    patch, path = "/api/v1/attendance/rules/{id}", tag = "policy",
    operation_id = "update_rule",
    params(("id" = Uuid, Path, description = "The rule's id")),
    request_body = UpdateRuleRequest,
    responses(
        (status = 200, body = RuleEnvelope),
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
    JsonBody(body): JsonBody<UpdateRuleRequest>,
) -> Result<HttpResponse> {
    let row = policies
        .update_rule(id.into_inner(), body, &auth.principal.subject)
        .await?;
    Ok(envelope::ok(response(row)?))
}

/// Delete a rule.
#[utoipa::path(
    delete, path = "/api/v1/attendance/rules/{id}", tag = "policy",
    operation_id = "delete_rule",
    params(("id" = Uuid, Path, description = "The rule's id")),
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
        .delete_rule(id.into_inner(), &auth.principal.subject)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

fn response(row: attendance_rule::Model) -> Result<RuleResponse> {
    let working_days = stored_working_days(&row)?;
    Ok(RuleResponse::new(row, working_days))
}
