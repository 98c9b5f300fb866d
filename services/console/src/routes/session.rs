//! Sign-in, the current session, sign-out and password change:
//! `/console/api/v1/session[/password]`.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use faceattend_domain::{FieldIssue, ValidationErrors};
use faceattend_service::envelope;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::operators::OperatorResponse;
use super::{ErrorEnvelope, json_body};
use crate::accounts;
use crate::csrf;
use crate::error::ConsoleError;
use crate::operators::{NewPassword, OperatorEmail};
use crate::session::SessionToken;
use crate::state::{ConsoleState, SignedIn};
use crate::store::{Audit, AuditEvent, NewSession};
use crate::throttle::ThrottleDecision;

type Result<T> = std::result::Result<T, ConsoleError>;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignInRequest {
    #[schema(min_length = 1, max_length = 254, example = "admin@localhost")]
    pub email: String,
    #[schema(min_length = 1, max_length = 1024, format = Password)]
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionResponse {
    pub operator: OperatorResponse,
    /// The latest the session can last, however active (its absolute lifetime).
    pub expires_at: DateTime<Utc>,
    /// A session unused this long ends.
    pub idle_timeout_seconds: u64,
    /// What the operator's role may do upstream.
    pub permissions: Vec<String>,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct SessionEnvelope {
    success: bool,
    data: SessionResponse,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    #[schema(min_length = 1, max_length = 1024, format = Password)]
    pub current_password: String,
    #[schema(min_length = 12, max_length = 128, format = Password)]
    pub new_password: String,
}

/// Passwords longer than this are refused before hashing: Argon2 takes any length, and a
/// megabyte-long "password" must not cost the server a megabyte of hashing per attempt.
const MAX_SUBMITTED_PASSWORD_BYTES: usize = 1024;

/// Sign in.
#[utoipa::path(
    post, path = "/console/api/v1/session", tag = "session",
    request_body = SignInRequest,
    responses(
        (status = 200, description = "Signed in; the session cookie is set", body = SessionEnvelope),
        (status = 400, description = "Malformed JSON (`malformed_json`)", body = ErrorEnvelope),
        (status = 401, description = "Unknown email, wrong password or disabled account, one answer for all (`invalid_credentials`)", body = ErrorEnvelope),
        (status = 403, description = "Not sent by the console's own pages (`csrf_failed`)", body = ErrorEnvelope),
        (status = 413, description = "Body too large (`payload_too_large`)", body = ErrorEnvelope),
        (status = 415, description = "Not JSON (`unsupported_media_type`)", body = ErrorEnvelope),
        (status = 422, description = "Invalid fields (`validation_failed`)", body = ErrorEnvelope),
        (status = 429, description = "Too many failed sign-ins for this account or address (`too_many_attempts`); `Retry-After` says when to try again", body = ErrorEnvelope,
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 503, description = "The database is unavailable (`service_unavailable`)", body = ErrorEnvelope),
    ),
    security(("csrf" = []))
)]
pub async fn sign_in(
    request: HttpRequest,
    state: web::Data<ConsoleState>,
    payload: web::Payload,
) -> Result<HttpResponse> {
    csrf::check(&request, &state.origins)?;
    let body: SignInRequest = json_body(&request, payload).await?;
    let mut errors = ValidationErrors::default();
    let email = errors.check("email", OperatorEmail::parse(&body.email));
    if body.password.is_empty() {
        errors.push(FieldIssue::new("required", "must not be empty").at("password"));
    } else if body.password.len() > MAX_SUBMITTED_PASSWORD_BYTES {
        errors.push(FieldIssue::new("too_long", "must be at most 1024 bytes").at("password"));
    }
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let email = email.expect("checked");
    let client = state.client_address(&request);
    let account_key = format!("account:{email}");
    let client_key = format!("client:{}", client.as_deref().unwrap_or("unknown"));
    let now = Utc::now();

    let counts = state
        .store
        .failures(&[account_key.as_str(), client_key.as_str()])
        .await?;
    let count_of = |key: &str| counts.iter().find(|(k, _)| k == key).map(|(_, c)| *c);
    let decision = state
        .account_throttle
        .decide(count_of(&account_key), now)
        .stricter(state.client_throttle.decide(count_of(&client_key), now));
    if let Some(until) = decision.retry_at() {
        let locked = matches!(decision, ThrottleDecision::Locked { .. });
        state
            .store
            .audit(
                Audit::new(AuditEvent::SignInThrottled)
                    .email(email.as_str())
                    .client(client.clone())
                    .detail(if locked { "locked" } else { "delayed" }),
                now,
            )
            .await?;
        return Err(ConsoleError::Throttled {
            retry_after_secs: seconds_until(until, now),
        });
    }

    let account = state.store.operator_for_sign_in(&email).await?;
    let verified = state
        .hasher
        .verify(
            &body.password,
            account.as_ref().map(|(_, hash)| hash.as_str()),
        )
        .await?;
    let operator = match account {
        Some((operator, hash)) if verified && !operator.disabled => {
            if state.hasher.needs_rehash(&hash) {
                let upgraded = state.hasher.hash(&body.password).await?;
                state
                    .store
                    .upgrade_password_hash(operator.id, upgraded)
                    .await?;
            }
            operator
        }
        account => {
            let reason = match &account {
                None => "unknown email",
                Some((operator, _)) if operator.disabled && verified => "account disabled",
                Some(_) => "wrong password",
            };
            let mut audits = vec![
                Audit::new(AuditEvent::SignInFailed)
                    .email(email.as_str())
                    .client(client.clone())
                    .detail(reason),
            ];
            if let Some((operator, _)) = &account {
                audits[0].operator_id = Some(operator.id);
            }
            // The failure happened when the hash said so, not when the request came in: a
            // wait counted from the request's start would already be partly over.
            let now = Utc::now();
            let forget_before = [
                now - state.account_throttle.lock_for,
                now - state.client_throttle.lock_for,
            ];
            let counts = state
                .store
                .record_failure(
                    &[account_key.as_str(), client_key.as_str()],
                    &forget_before,
                    audits,
                    now,
                )
                .await?;
            let account_locked = state.account_throttle.locks_at(counts[0]);
            let client_locked = state.client_throttle.locks_at(counts[1]);
            if account_locked || client_locked {
                let mut audit = Audit::new(AuditEvent::AccountLocked)
                    .email(email.as_str())
                    .client(client.clone())
                    .detail(if account_locked {
                        "account locked"
                    } else {
                        "client address locked"
                    });
                audit.operator_id = account.as_ref().map(|(operator, _)| operator.id);
                state.store.audit(audit, now).await?;
            }
            return Err(ConsoleError::InvalidCredentials);
        }
    };

    // The session starts now, not when the request came in: hashing took its time.
    let now = Utc::now();
    let token = SessionToken::generate().map_err(|e| ConsoleError::Random(e.to_string()))?;
    let user_agent = request
        .headers()
        .get(actix_web::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    state
        .store
        .open_session(
            NewSession {
                operator_id: operator.id,
                id_hash: token.hash(),
                account_key: account_key.clone(),
                client_address: client.clone(),
                user_agent,
            },
            Audit::new(AuditEvent::SignIn)
                .email(email.as_str())
                .client(client),
            now,
        )
        .await?;
    let mut response = envelope::ok(session_response(&state, operator, now));
    response
        .add_cookie(&state.cookie.session_cookie(&token))
        .map_err(|e| ConsoleError::Random(e.to_string()))?;
    no_store(&mut response);
    Ok(response)
}

/// The signed-in operator and their session.
#[utoipa::path(
    get, path = "/console/api/v1/session", tag = "session",
    responses(
        (status = 200, description = "The signed-in operator", body = SessionEnvelope),
        (status = 401, description = "Not signed in (`not_signed_in`) or the session ended (`session_expired`)", body = ErrorEnvelope),
        (status = 503, description = "The database is unavailable (`service_unavailable`)", body = ErrorEnvelope),
    ),
    security(("session" = []))
)]
pub async fn current(state: web::Data<ConsoleState>, signed_in: SignedIn) -> Result<HttpResponse> {
    let mut response = envelope::ok(session_response(
        &state,
        signed_in.operator,
        signed_in.signed_in_at,
    ));
    no_store(&mut response);
    Ok(response)
}

/// Sign out: the session ends and its cookie is removed.
#[utoipa::path(
    delete, path = "/console/api/v1/session", tag = "session",
    responses(
        (status = 204, description = "Signed out (also when there was no session)"),
        (status = 403, description = "Not sent by the console's own pages (`csrf_failed`)", body = ErrorEnvelope),
        (status = 503, description = "The database is unavailable (`service_unavailable`)", body = ErrorEnvelope),
    ),
    security(("csrf" = []))
)]
pub async fn sign_out(
    request: HttpRequest,
    state: web::Data<ConsoleState>,
) -> Result<HttpResponse> {
    csrf::check(&request, &state.origins)?;
    if let Some(token) = state.cookie.token(&request) {
        let id_hash = token.hash();
        if let Some(session) = state.store.session(&id_hash).await? {
            state
                .store
                .close_session(
                    &id_hash,
                    Some(
                        Audit::new(AuditEvent::SignOut)
                            .operator(session.operator.id)
                            .client(state.client_address(&request)),
                    ),
                    Utc::now(),
                )
                .await?;
        }
    }
    let mut response = HttpResponse::NoContent().finish();
    response
        .add_removal_cookie(&state.cookie.removal_cookie())
        .map_err(|e| ConsoleError::Random(e.to_string()))?;
    Ok(response)
}

/// Change one's own password. Every other session of the operator ends.
#[utoipa::path(
    put, path = "/console/api/v1/session/password", tag = "session",
    request_body = ChangePasswordRequest,
    responses(
        (status = 204, description = "Changed; the operator's other sessions have ended"),
        (status = 400, description = "Malformed JSON (`malformed_json`)", body = ErrorEnvelope),
        (status = 401, description = "Not signed in (`not_signed_in`, `session_expired`)", body = ErrorEnvelope),
        (status = 403, description = "Not sent by the console's own pages (`csrf_failed`)", body = ErrorEnvelope),
        (status = 413, description = "Body too large (`payload_too_large`)", body = ErrorEnvelope),
        (status = 415, description = "Not JSON (`unsupported_media_type`)", body = ErrorEnvelope),
        (status = 422, description = "The current password is wrong (`current_password`: `incorrect`) or the new one is too short or long", body = ErrorEnvelope),
        (status = 503, description = "The database is unavailable (`service_unavailable`)", body = ErrorEnvelope),
    ),
    security(("session" = [], "csrf" = []))
)]
pub async fn change_password(
    request: HttpRequest,
    state: web::Data<ConsoleState>,
    signed_in: SignedIn,
    payload: web::Payload,
) -> Result<HttpResponse> {
    csrf::check(&request, &state.origins)?;
    let body: ChangePasswordRequest = json_body(&request, payload).await?;
    let current_ok = body.current_password.len() <= MAX_SUBMITTED_PASSWORD_BYTES
        && state
            .hasher
            .verify(
                &body.current_password,
                Some(&state.store.password_hash(signed_in.operator.id).await?),
            )
            .await?;
    if !current_ok {
        let mut errors = ValidationErrors(vec![
            FieldIssue::new("incorrect", "is not the current password").at("current_password"),
        ]);
        if let Err(issue) = NewPassword::parse(&body.new_password) {
            errors.push(issue.at("new_password"));
        }
        return Err(errors.into());
    }
    accounts::set_password(
        &state.store,
        &state.hasher,
        &signed_in.operator,
        &body.new_password,
        Some(&signed_in.session),
        Audit::new(AuditEvent::PasswordChanged).client(state.client_address(&request)),
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

fn session_response(
    state: &ConsoleState,
    operator: crate::store::Operator,
    signed_in_at: DateTime<Utc>,
) -> SessionResponse {
    SessionResponse {
        permissions: operator
            .role
            .permissions()
            .iter()
            .map(|p| (*p).to_owned())
            .collect(),
        operator: operator.into(),
        expires_at: state.lifetime.absolute_end(signed_in_at),
        idle_timeout_seconds: state.lifetime.idle_timeout.as_secs(),
    }
}

/// Answers about a session are never cached: by the browser or by anything in between.
fn no_store(response: &mut HttpResponse) {
    response.headers_mut().insert(
        actix_web::http::header::CACHE_CONTROL,
        actix_web::http::header::HeaderValue::from_static("no-store"),
    );
}

fn seconds_until(until: DateTime<Utc>, now: DateTime<Utc>) -> u64 {
    let millis = (until - now).num_milliseconds().max(0) as u64;
    millis.div_ceil(1000).max(1)
}
