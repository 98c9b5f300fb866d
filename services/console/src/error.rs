//! The console's errors, mapped once to the HTTP error envelope.

use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderValue, RETRY_AFTER};
use actix_web::{HttpResponse, ResponseError};
use faceattend_domain::ValidationErrors;
use faceattend_service::ApiError;
use faceattend_service::auth::AuthError;
use sea_orm::DbErr;

use crate::password::PasswordError;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// The same answer for an unknown email, a wrong password and a disabled account, so
    /// the answer tells an attacker nothing about which emails are accounts.
    #[error("the email or password is not right")]
    InvalidCredentials,
    #[error("too many failed sign-ins; try again in {retry_after_secs} s")]
    Throttled { retry_after_secs: u64 },
    #[error("sign in first")]
    NotSignedIn,
    #[error("the session has ended; sign in again")]
    SessionEnded,
    #[error("only an admin may do this")]
    AdminOnly,
    #[error("an admin cannot disable their own account or give up their own admin role")]
    SelfLockout,
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Password(#[from] PasswordError),
    #[error("could not mint the upstream token: {0}")]
    Token(#[from] AuthError),
    #[error("could not draw random bytes: {0}")]
    Random(String),
    #[error("{service} is unavailable: {reason}")]
    UpstreamUnavailable {
        service: &'static str,
        reason: String,
    },
    /// Refusals built where they are found (CSRF, malformed JSON, body too large).
    #[error(transparent)]
    Refused(#[from] ApiError),
}

impl From<DbErr> for ConsoleError {
    fn from(error: DbErr) -> Self {
        ConsoleError::Store(StoreError::Database(error))
    }
}

impl From<&ConsoleError> for ApiError {
    fn from(error: &ConsoleError) -> Self {
        match error {
            ConsoleError::InvalidCredentials => {
                ApiError::unauthorized("invalid_credentials", "the email or password is not right")
            }
            ConsoleError::Throttled { retry_after_secs } => ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_attempts",
                format!("too many failed sign-ins; try again in {retry_after_secs} s"),
            ),
            ConsoleError::NotSignedIn => ApiError::unauthorized("not_signed_in", "sign in first"),
            ConsoleError::SessionEnded => {
                ApiError::unauthorized("session_expired", "the session has ended; sign in again")
            }
            ConsoleError::AdminOnly => ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "only an admin may do this",
            ),
            ConsoleError::SelfLockout => ApiError::conflict(
                "cannot_lock_out_self",
                "an admin cannot disable their own account or give up their own admin role",
            ),
            ConsoleError::Invalid(errors) => ApiError::validation(errors.clone()),
            ConsoleError::Store(StoreError::EmailTaken) => {
                ApiError::conflict("email_taken", "an operator with this email exists already")
            }
            ConsoleError::Store(StoreError::OperatorNotFound) => {
                ApiError::not_found("operator_not_found", "no such operator")
            }
            ConsoleError::Store(StoreError::Database(DbErr::ConnectionAcquire(e))) => {
                ApiError::unavailable(e)
            }
            ConsoleError::Store(e) => ApiError::internal(e),
            ConsoleError::Password(e) => ApiError::internal(e),
            ConsoleError::Token(e) => ApiError::internal(e),
            ConsoleError::Random(e) => ApiError::internal(e),
            ConsoleError::UpstreamUnavailable { service, reason } => {
                tracing::warn!(%service, %reason, "upstream unavailable");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "upstream_unavailable",
                    format!("{service} is unavailable; try again shortly"),
                )
            }
            ConsoleError::Refused(e) => e.clone(),
        }
    }
}

impl ResponseError for ConsoleError {
    fn status_code(&self) -> StatusCode {
        // Kept beside the mapping above; computed without building (and logging) an ApiError.
        match self {
            ConsoleError::InvalidCredentials
            | ConsoleError::NotSignedIn
            | ConsoleError::SessionEnded => StatusCode::UNAUTHORIZED,
            ConsoleError::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
            ConsoleError::AdminOnly => StatusCode::FORBIDDEN,
            ConsoleError::SelfLockout | ConsoleError::Store(StoreError::EmailTaken) => {
                StatusCode::CONFLICT
            }
            ConsoleError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ConsoleError::Store(StoreError::OperatorNotFound) => StatusCode::NOT_FOUND,
            ConsoleError::Store(StoreError::Database(DbErr::ConnectionAcquire(_)))
            | ConsoleError::UpstreamUnavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            ConsoleError::Refused(e) => e.status,
            ConsoleError::Store(_)
            | ConsoleError::Password(_)
            | ConsoleError::Token(_)
            | ConsoleError::Random(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = ApiError::from(self).error_response();
        if let ConsoleError::Throttled { retry_after_secs } = self {
            response.headers_mut().insert(
                RETRY_AFTER,
                HeaderValue::from(retry_after_secs.max(&1).to_owned()),
            );
        }
        response
    }
}
