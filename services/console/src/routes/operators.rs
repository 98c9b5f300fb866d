//! Operator accounts, managed by admins: `/console/api/v1/operators*` and the audit log.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use faceattend_domain::{FieldIssue, ValidationErrors};
use faceattend_service::envelope;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{ErrorEnvelope, json_body};
use crate::accounts::{self, OperatorInput};
use crate::csrf;
use crate::error::ConsoleError;
use crate::operators::{DisplayName, Role};
use crate::state::{ConsoleState, SignedIn};
use crate::store::{Audit, AuditEvent, AuditFilter, AuditRecord, Operator, OperatorChange};

type Result<T> = std::result::Result<T, ConsoleError>;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OperatorResponse {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    pub last_sign_in_at: Option<DateTime<Utc>>,
}

impl From<Operator> for OperatorResponse {
    fn from(operator: Operator) -> Self {
        Self {
            id: operator.id,
            email: operator.email,
            display_name: operator.display_name,
            role: operator.role,
            disabled: operator.disabled,
            created_at: operator.created_at,
            last_sign_in_at: operator.last_sign_in_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOperatorRequest {
    #[schema(min_length = 3, max_length = 254, example = "reception@example.com")]
    pub email: String,
    #[schema(min_length = 1, max_length = 100, example = "Front desk")]
    pub display_name: String,
    pub role: Role,
    /// The first password; the operator should change it after signing in.
    #[schema(min_length = 12, max_length = 128, format = Password)]
    pub password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateOperatorRequest {
    #[schema(min_length = 1, max_length = 100)]
    pub display_name: Option<String>,
    pub role: Option<Role>,
    /// A disabled operator cannot sign in, and their sessions end at once.
    pub disabled: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetPasswordRequest {
    /// Any characters but NUL.
    #[schema(min_length = 12, max_length = 128, format = Password, pattern = "^[^\\u0000]*$")]
    pub new_password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionsRevoked {
    /// How many sessions ended.
    pub ended: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntryResponse {
    pub id: Uuid,
    pub occurred_at: DateTime<Utc>,
    /// `sign_in`, `sign_in_failed`, `sign_in_throttled`, `account_locked`, `sign_out`,
    /// `password_changed`, `password_reset`, `sessions_revoked`, `operator_created`,
    /// `operator_updated`, `kiosk_created`, `kiosk_updated`, `kiosk_deleted`,
    /// `kiosk_pairing_created`, `kiosk_paired`, `kiosk_revoked`.
    pub event: String,
    pub operator_id: Option<Uuid>,
    pub email: Option<String>,
    pub client_address: Option<String>,
    pub detail: Option<String>,
}

impl From<AuditRecord> for AuditEntryResponse {
    fn from(record: AuditRecord) -> Self {
        Self {
            id: record.id,
            occurred_at: record.occurred_at,
            event: record.event,
            operator_id: record.operator_id,
            email: record.email,
            client_address: record.client_address,
            detail: record.detail,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only entries about this operator.
    pub operator_id: Option<Uuid>,
    /// Only these events, comma-separated (`sign_in_failed,sign_in_throttled,account_locked`):
    /// `sign_in`, `sign_in_failed`, `sign_in_throttled`, `account_locked`, `sign_out`,
    /// `password_changed`, `password_reset`, `sessions_revoked`, `operator_created`,
    /// `operator_updated`, `kiosk_created`, `kiosk_updated`, `kiosk_deleted`,
    /// `kiosk_pairing_created`, `kiosk_paired`, `kiosk_revoked`.
    #[param(
        max_length = 400,
        pattern = "^(sign_in|sign_in_failed|sign_in_throttled|account_locked|sign_out|password_changed|password_reset|sessions_revoked|operator_created|operator_updated|kiosk_created|kiosk_updated|kiosk_deleted|kiosk_pairing_created|kiosk_paired|kiosk_revoked)(,(sign_in|sign_in_failed|sign_in_throttled|account_locked|sign_out|password_changed|password_reset|sessions_revoked|operator_created|operator_updated|kiosk_created|kiosk_updated|kiosk_deleted|kiosk_pairing_created|kiosk_paired|kiosk_revoked))*$"
    )]
    pub event: Option<String>,
    /// Only entries from this instant on (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Only entries before this instant (RFC 3339).
    pub to: Option<DateTime<Utc>>,
    /// Skip this many of the matching entries, newest first (default 0).
    #[param(minimum = 0, maximum = 1000000)]
    pub offset: Option<u64>,
    /// At most this many entries, newest first (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u64>,
}

/// Where a page of the audit log is in the whole of what matched.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPageMeta {
    pub offset: u64,
    pub limit: u64,
    /// How many entries match the filters in all.
    pub total: u64,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct OperatorEnvelope {
    success: bool,
    data: OperatorResponse,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct OperatorCreatedEnvelope {
    success: bool,
    data: OperatorResponse,
    meta: super::CreatedMeta,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct OperatorListEnvelope {
    success: bool,
    data: Vec<OperatorResponse>,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct OperatorNameListEnvelope {
    success: bool,
    data: Vec<OperatorName>,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct SessionsRevokedEnvelope {
    success: bool,
    data: SessionsRevoked,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct AuditLogEnvelope {
    success: bool,
    data: Vec<AuditEntryResponse>,
    meta: AuditPageMeta,
}

fn admin(signed_in: &SignedIn) -> Result<()> {
    if signed_in.operator.role.manages_operators() {
        Ok(())
    } else {
        Err(ConsoleError::AdminOnly)
    }
}

fn by(signed_in: &SignedIn) -> String {
    format!(
        "by {} ({})",
        signed_in.operator.email, signed_in.operator.id
    )
}

/// Every operator, in order of creation.
#[utoipa::path(
    get, path = "/console/api/v1/operators", tag = "operators",
    responses(
        (status = 200, description = "Every operator", body = OperatorListEnvelope),
        (status = 401, description = "Not signed in (`not_signed_in`, `session_expired`)", body = ErrorEnvelope),
        (status = 403, description = "Not an admin (`forbidden`)", body = ErrorEnvelope),
        (status = 503, description = "The database is unavailable (`service_unavailable`)", body = ErrorEnvelope),
    ),
    security(("session" = []))
)]
pub async fn list(state: web::Data<ConsoleState>, signed_in: SignedIn) -> Result<HttpResponse> {
    admin(&signed_in)?;
    let operators: Vec<OperatorResponse> = state
        .store
        .operators()
        .await?
        .into_iter()
        .map(OperatorResponse::from)
        .collect();
    Ok(envelope::ok(operators))
}

/// An operator as others see them in a history: who, not how to reach them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OperatorName {
    pub id: Uuid,
    pub display_name: String,
}

/// Every operator's name, for any signed-in operator: the services record who decided
/// something by the operator's id (the subject of the token the console minted), and a
/// record's history shows their name.
#[utoipa::path(
    get, path = "/console/api/v1/operator-names", tag = "operators",
    responses(
        (status = 200, description = "Every operator's id and name", body = OperatorNameListEnvelope),
        (status = 401, description = "Not signed in (`not_signed_in`, `session_expired`)", body = ErrorEnvelope),
        (status = 503, description = "The database is unavailable (`service_unavailable`)", body = ErrorEnvelope),
    ),
    security(("session" = []))
)]
pub async fn names(state: web::Data<ConsoleState>, _signed_in: SignedIn) -> Result<HttpResponse> {
    let names: Vec<OperatorName> = state
        .store
        .operators()
        .await?
        .into_iter()
        .map(|operator| OperatorName {
            id: operator.id,
            display_name: operator.display_name,
        })
        .collect();
    Ok(envelope::ok(names))
}

/// Create an operator.
#[utoipa::path(
    post, path = "/console/api/v1/operators", tag = "operators",
    request_body = CreateOperatorRequest,
    responses(
        (status = 201, description = "Created", body = OperatorCreatedEnvelope),
        (status = 400, description = "Malformed JSON (`malformed_json`)", body = ErrorEnvelope),
        (status = 401, description = "Not signed in (`not_signed_in`, `session_expired`)", body = ErrorEnvelope),
        (status = 403, description = "Not an admin (`forbidden`), or not sent by the console's pages (`csrf_failed`)", body = ErrorEnvelope),
        (status = 409, description = "The email is taken (`email_taken`)", body = ErrorEnvelope),
        (status = 413, description = "Body too large (`payload_too_large`)", body = ErrorEnvelope),
        (status = 415, description = "Not JSON (`unsupported_media_type`)", body = ErrorEnvelope),
        (status = 422, description = "Invalid fields (`validation_failed`)", body = ErrorEnvelope),
        (status = 503, description = "The database is unavailable (`service_unavailable`)", body = ErrorEnvelope),
    ),
    security(("session" = [], "csrf" = []))
)]
pub async fn create(
    request: HttpRequest,
    state: web::Data<ConsoleState>,
    signed_in: SignedIn,
    payload: web::Payload,
) -> Result<HttpResponse> {
    csrf::check(&request, &state.origins)?;
    admin(&signed_in)?;
    let body: CreateOperatorRequest = json_body(&request, payload).await?;
    let operator = accounts::create_operator(
        &state.store,
        &state.hasher,
        OperatorInput {
            email: &body.email,
            display_name: &body.display_name,
            role: body.role,
            password: &body.password,
        },
        state.client_address(&request),
        by(&signed_in),
    )
    .await?;
    Ok(envelope::created(OperatorResponse::from(operator)))
}

/// One operator.
#[utoipa::path(
    get, path = "/console/api/v1/operators/{operator_id}", tag = "operators",
    params(("operator_id" = Uuid, Path, description = "The operator's id")),
    responses(
        (status = 200, description = "The operator", body = OperatorEnvelope),
        (status = 400, description = "Not a UUID (`invalid_path_parameter`)", body = ErrorEnvelope),
        (status = 401, description = "Not signed in (`not_signed_in`, `session_expired`)", body = ErrorEnvelope),
        (status = 403, description = "Not an admin (`forbidden`)", body = ErrorEnvelope),
        (status = 404, description = "No such operator (`operator_not_found`)", body = ErrorEnvelope),
        (status = 503, description = "The database is unavailable (`service_unavailable`)", body = ErrorEnvelope),
    ),
    security(("session" = []))
)]
pub async fn get(
    state: web::Data<ConsoleState>,
    signed_in: SignedIn,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    admin(&signed_in)?;
    let operator = state.store.operator(id.into_inner()).await?;
    Ok(envelope::ok(OperatorResponse::from(operator)))
}

/// Change an operator's name, role or disabled flag. A change of role, or disabling, ends
/// the operator's sessions at once.
#[utoipa::path(
    patch, path = "/console/api/v1/operators/{operator_id}", tag = "operators",
    params(
        ("operator_id" = Uuid, Path, description = "The operator's id"),
    ),
    request_body = UpdateOperatorRequest,
    responses(
        (status = 200, description = "The operator as changed", body = OperatorEnvelope),
        (status = 400, description = "Malformed JSON or path (`malformed_json`, `invalid_path_parameter`)", body = ErrorEnvelope),
        (status = 401, description = "Not signed in (`not_signed_in`, `session_expired`)", body = ErrorEnvelope),
        (status = 403, description = "Not an admin (`forbidden`), or not sent by the console's pages (`csrf_failed`)", body = ErrorEnvelope),
        (status = 404, description = "No such operator (`operator_not_found`)", body = ErrorEnvelope),
        (status = 409, description = "An admin may not disable or demote themselves (`cannot_lock_out_self`)", body = ErrorEnvelope),
        (status = 413, description = "Body too large (`payload_too_large`)", body = ErrorEnvelope),
        (status = 415, description = "Not JSON (`unsupported_media_type`)", body = ErrorEnvelope),
        (status = 422, description = "Invalid fields (`validation_failed`)", body = ErrorEnvelope),
        (status = 503, description = "The database is unavailable (`service_unavailable`)", body = ErrorEnvelope),
    ),
    security(("session" = [], "csrf" = []))
)]
pub async fn update(
    request: HttpRequest,
    state: web::Data<ConsoleState>,
    signed_in: SignedIn,
    id: web::Path<Uuid>,
    payload: web::Payload,
) -> Result<HttpResponse> {
    csrf::check(&request, &state.origins)?;
    admin(&signed_in)?;
    let body: UpdateOperatorRequest = json_body(&request, payload).await?;
    let id = id.into_inner();
    let mut errors = ValidationErrors::default();
    let display_name = errors.check(
        "display_name",
        body.display_name
            .as_deref()
            .map(DisplayName::parse)
            .transpose(),
    );
    if !errors.is_empty() {
        return Err(errors.into());
    }
    // An admin who demoted or disabled themselves could leave the console without one.
    let demotes_self = body.role.is_some_and(|role| role != Role::Admin);
    if id == signed_in.operator.id && (demotes_self || body.disabled == Some(true)) {
        return Err(ConsoleError::SelfLockout);
    }
    let mut changes = Vec::new();
    if let Some(role) = body.role {
        changes.push(format!("role {role}"));
    }
    if let Some(disabled) = body.disabled {
        changes.push(if disabled { "disabled" } else { "enabled" }.to_owned());
    }
    if body.display_name.is_some() {
        changes.push("display name".to_owned());
    }
    let operator = state
        .store
        .update_operator(
            id,
            OperatorChange {
                display_name: display_name.flatten(),
                role: body.role,
                disabled: body.disabled,
            },
            Audit::new(AuditEvent::OperatorUpdated)
                .client(state.client_address(&request))
                .detail(format!("{} {}", changes.join(", "), by(&signed_in))),
            Utc::now(),
        )
        .await?;
    Ok(envelope::ok(OperatorResponse::from(operator)))
}

/// Set an operator's password (when they forgot theirs). Every session of theirs ends (but the
/// one asking, when an admin sets their own).
#[utoipa::path(
    put, path = "/console/api/v1/operators/{operator_id}/password", tag = "operators",
    params(
        ("operator_id" = Uuid, Path, description = "The operator's id"),
    ),
    request_body = ResetPasswordRequest,
    responses(
        (status = 204, description = "Set; the operator's sessions have ended"),
        (status = 400, description = "Malformed JSON or path (`malformed_json`, `invalid_path_parameter`)", body = ErrorEnvelope),
        (status = 401, description = "Not signed in (`not_signed_in`, `session_expired`)", body = ErrorEnvelope),
        (status = 403, description = "Not an admin (`forbidden`), or not sent by the console's pages (`csrf_failed`)", body = ErrorEnvelope),
        (status = 404, description = "No such operator (`operator_not_found`)", body = ErrorEnvelope),
        (status = 413, description = "Body too large (`payload_too_large`)", body = ErrorEnvelope),
        (status = 415, description = "Not JSON (`unsupported_media_type`)", body = ErrorEnvelope),
        (status = 422, description = "Invalid password (`validation_failed`)", body = ErrorEnvelope),
        (status = 503, description = "The database is unavailable (`service_unavailable`)", body = ErrorEnvelope),
    ),
    security(("session" = [], "csrf" = []))
)]
pub async fn reset_password(
    request: HttpRequest,
    state: web::Data<ConsoleState>,
    signed_in: SignedIn,
    id: web::Path<Uuid>,
    payload: web::Payload,
) -> Result<HttpResponse> {
    csrf::check(&request, &state.origins)?;
    admin(&signed_in)?;
    let body: ResetPasswordRequest = json_body(&request, payload).await?;
    let operator = state.store.operator(id.into_inner()).await?;
    // An admin setting their own password keeps the session they did it from, as a password
    // change does.
    let keep = (operator.id == signed_in.operator.id).then_some(signed_in.session.as_str());
    accounts::set_password(
        &state.store,
        &state.hasher,
        &operator,
        &body.new_password,
        keep,
        Audit::new(AuditEvent::PasswordReset)
            .client(state.client_address(&request))
            .detail(by(&signed_in)),
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// End every session of an operator (a lost laptop, a departure); of one's own account, every
/// session but the one asking.
#[utoipa::path(
    delete, path = "/console/api/v1/operators/{operator_id}/sessions", tag = "operators",
    params(
        ("operator_id" = Uuid, Path, description = "The operator's id"),
    ),
    responses(
        (status = 200, description = "How many sessions ended", body = SessionsRevokedEnvelope),
        (status = 400, description = "Not a UUID (`invalid_path_parameter`)", body = ErrorEnvelope),
        (status = 401, description = "Not signed in (`not_signed_in`, `session_expired`)", body = ErrorEnvelope),
        (status = 403, description = "Not an admin (`forbidden`), or not sent by the console's pages (`csrf_failed`)", body = ErrorEnvelope),
        (status = 404, description = "No such operator (`operator_not_found`)", body = ErrorEnvelope),
        (status = 503, description = "The database is unavailable (`service_unavailable`)", body = ErrorEnvelope),
    ),
    security(("session" = [], "csrf" = []))
)]
pub async fn revoke_sessions(
    request: HttpRequest,
    state: web::Data<ConsoleState>,
    signed_in: SignedIn,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    csrf::check(&request, &state.origins)?;
    admin(&signed_in)?;
    let id = id.into_inner();
    // For an admin's own account this is "sign out everywhere else": the session asking stays.
    let keep = (id == signed_in.operator.id).then_some(signed_in.session.as_str());
    let ended = state
        .store
        .revoke_sessions(
            id,
            keep,
            Audit::new(AuditEvent::SessionsRevoked)
                .client(state.client_address(&request))
                .detail(by(&signed_in)),
            Utc::now(),
        )
        .await?;
    Ok(envelope::ok(SessionsRevoked { ended }))
}

/// The audit log, newest first: sign-ins, failures, locks, sign-outs and account changes;
/// narrowed by operator, events and time, a page at a time.
#[utoipa::path(
    get, path = "/console/api/v1/audit", tag = "operators",
    params(AuditQuery),
    responses(
        (status = 200, description = "Audit entries, newest first, and how many match in all", body = AuditLogEnvelope),
        (status = 400, description = "Invalid parameters (`invalid_query_parameter`, `invalid_parameters`: an unknown event, a limit or offset out of range, `from` not before `to`)", body = ErrorEnvelope),
        (status = 401, description = "Not signed in (`not_signed_in`, `session_expired`)", body = ErrorEnvelope),
        (status = 403, description = "Not an admin (`forbidden`)", body = ErrorEnvelope),
        (status = 503, description = "The database is unavailable (`service_unavailable`)", body = ErrorEnvelope),
    ),
    security(("session" = []))
)]
pub async fn audit_log(
    state: web::Data<ConsoleState>,
    signed_in: SignedIn,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse> {
    admin(&signed_in)?;
    let query = query.into_inner();
    let mut issues = Vec::new();
    let limit = query.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        issues.push(FieldIssue::new("out_of_range", "must be between 1 and 1000").at("limit"));
    }
    let offset = query.offset.unwrap_or(0);
    if offset > 1_000_000 {
        issues.push(FieldIssue::new("out_of_range", "must be at most 1000000").at("offset"));
    }
    let mut events = Vec::new();
    // Exactly the names, comma-separated: what the document's pattern says.
    for name in query
        .event
        .as_deref()
        .map(|e| e.split(','))
        .into_iter()
        .flatten()
    {
        match AuditEvent::parse(name) {
            Some(event) if !events.contains(&event) => events.push(event),
            Some(_) => {}
            None => {
                issues.push(
                    FieldIssue::new("unknown_event", format!("{name:?} is not an audit event"))
                        .at("event"),
                );
                break;
            }
        }
    }
    if let (Some(from), Some(to)) = (query.from, query.to)
        && from >= to
    {
        issues.push(FieldIssue::new("invalid_range", "must be before `to`").at("from"));
    }
    if !issues.is_empty() {
        return Err(ConsoleError::Refused(
            faceattend_service::ApiError::invalid_parameters(ValidationErrors(issues)),
        ));
    }
    let filter = AuditFilter {
        operator_id: query.operator_id,
        events,
        from: query.from,
        to: query.to,
    };
    let (records, total) = state.store.audit_page(&filter, offset, limit).await?;
    let entries: Vec<AuditEntryResponse> =
        records.into_iter().map(AuditEntryResponse::from).collect();
    Ok(envelope::ok_with_meta(
        entries,
        AuditPageMeta {
            offset,
            limit,
            total,
        },
    ))
}
