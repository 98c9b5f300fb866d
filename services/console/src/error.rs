//! The console's errors, mapped once to the HTTP error envelope.

use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderValue, RETRY_AFTER};
use actix_web::{HttpResponse, ResponseError};
use faceattend_domain::ValidationErrors;
use faceattend_service::ApiError;
use faceattend_service::auth::AuthError;
use sea_orm::DbErr;

use faceattend_camera_registry::RegistryError;

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
    #[error("only admins and HR see the cameras")]
    CamerasHidden,
    #[error("the camera has no capture yet")]
    NoThumbnail,
    #[error(transparent)]
    Cameras(#[from] faceattend_camera_registry::RegistryError),
    #[error("only admins and HR see the kiosks")]
    KiosksHidden,
    /// One answer for an unknown, used or expired code: it tells a guesser nothing.
    #[error("the pairing code is not valid")]
    PairingCodeInvalid,
    #[error("too many wrong pairing codes; try again in {retry_after_secs} s")]
    PairingThrottled { retry_after_secs: u64 },
    #[error("this device is not paired with a kiosk")]
    KioskNotPaired,
    #[error("this kiosk was disconnected by an administrator")]
    KioskRevoked,
    #[error("the image is larger than {max_bytes} bytes")]
    ImageTooLarge { max_bytes: usize },
    #[error("the frame must be image/jpeg")]
    NotJpeg,
    #[error("the frame is not a JPEG image")]
    ImageInvalid,
    #[error("this kiosk asks which way: send ?action=in or ?action=out")]
    ActionRequired,
    #[error("NATS is unavailable: {0}")]
    NatsUnavailable(String),
    #[error("no result within {timeout_ms} ms")]
    KioskResultTimeout { timeout_ms: u64 },
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
            ConsoleError::Store(StoreError::KioskNotFound) => {
                ApiError::not_found("kiosk_not_found", "no such kiosk")
            }
            ConsoleError::Store(StoreError::KioskExists) => ApiError::conflict(
                "kiosk_exists",
                "a kiosk reports as this camera already; choose another camera id",
            ),
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
            ConsoleError::CamerasHidden => ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "only admins and HR see the cameras",
            ),
            ConsoleError::NoThumbnail => {
                ApiError::not_found("thumbnail_not_found", "the camera has no capture yet")
            }
            ConsoleError::Cameras(error) => camera_refusal(error),
            ConsoleError::KiosksHidden => ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "only admins and HR see the kiosks",
            ),
            ConsoleError::PairingCodeInvalid => ApiError::unauthorized(
                "pairing_code_invalid",
                "the pairing code is not valid: it may be mistyped, used or expired; ask an administrator for a new one",
            ),
            ConsoleError::PairingThrottled { retry_after_secs } => ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_attempts",
                format!("too many wrong pairing codes; try again in {retry_after_secs} s"),
            ),
            ConsoleError::KioskNotPaired => {
                ApiError::unauthorized("kiosk_not_paired", "this device is not paired with a kiosk")
            }
            ConsoleError::KioskRevoked => ApiError::unauthorized(
                "kiosk_revoked",
                "this kiosk was disconnected by an administrator",
            ),
            ConsoleError::ImageTooLarge { max_bytes } => ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "image_too_large",
                format!("the frame must be at most {max_bytes} bytes"),
            ),
            ConsoleError::NotJpeg => ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "the frame must be sent as image/jpeg",
            ),
            ConsoleError::ImageInvalid => ApiError::new(
                StatusCode::BAD_REQUEST,
                "image_invalid",
                "the frame is not a JPEG image",
            ),
            ConsoleError::ActionRequired => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "action_required",
                "this kiosk asks which way: send ?action=in or ?action=out",
            ),
            ConsoleError::NatsUnavailable(reason) => {
                tracing::warn!(%reason, "kiosk frame: NATS unavailable");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "nats_unavailable",
                    "recognition (NATS) is unavailable; try again shortly",
                )
            }
            ConsoleError::KioskResultTimeout { timeout_ms } => ApiError::new(
                StatusCode::GATEWAY_TIMEOUT,
                "kiosk_result_timeout",
                format!(
                    "no result within {timeout_ms} ms; the frame was sent and will still be processed"
                ),
            ),
            ConsoleError::Refused(e) => e.clone(),
        }
    }
}

/// A camera registry refusal as the envelope says it.
fn camera_refusal(error: &RegistryError) -> ApiError {
    match error {
        RegistryError::Exists(id) => ApiError::conflict(
            "camera_exists",
            format!("a camera {id} is registered already"),
        ),
        RegistryError::NotFound(id) => {
            ApiError::not_found("camera_not_found", format!("no camera {id}"))
        }
        RegistryError::Changed { id, .. } => ApiError::conflict(
            "camera_changed",
            format!("camera {id} was changed by someone else meanwhile; reload it and try again"),
        ),
        RegistryError::NoAgent(agent) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "agent_unavailable",
            format!(
                "no camera-agent named {agent} answers; is it running, with AGENT_NAME={agent}?"
            ),
        ),
        RegistryError::Bus(_) | RegistryError::Unavailable { .. } => {
            tracing::warn!(%error, "camera registry unavailable");
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "nats_unavailable",
                "the camera registry (NATS) is unavailable; try again shortly",
            )
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
            ConsoleError::Store(StoreError::OperatorNotFound | StoreError::KioskNotFound) => {
                StatusCode::NOT_FOUND
            }
            ConsoleError::Store(StoreError::KioskExists) => StatusCode::CONFLICT,
            ConsoleError::KiosksHidden => StatusCode::FORBIDDEN,
            ConsoleError::PairingCodeInvalid
            | ConsoleError::KioskNotPaired
            | ConsoleError::KioskRevoked => StatusCode::UNAUTHORIZED,
            ConsoleError::PairingThrottled { .. } => StatusCode::TOO_MANY_REQUESTS,
            ConsoleError::ImageTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ConsoleError::NotJpeg => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ConsoleError::ImageInvalid => StatusCode::BAD_REQUEST,
            ConsoleError::ActionRequired => StatusCode::UNPROCESSABLE_ENTITY,
            ConsoleError::NatsUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ConsoleError::KioskResultTimeout { .. } => StatusCode::GATEWAY_TIMEOUT,
            ConsoleError::Store(StoreError::Database(DbErr::ConnectionAcquire(_)))
            | ConsoleError::UpstreamUnavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            ConsoleError::Refused(e) => e.status,
            ConsoleError::CamerasHidden => StatusCode::FORBIDDEN,
            ConsoleError::NoThumbnail => StatusCode::NOT_FOUND,
            ConsoleError::Cameras(error) => camera_refusal(error).status,
            ConsoleError::Store(_)
            | ConsoleError::Password(_)
            | ConsoleError::Token(_)
            | ConsoleError::Random(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = ApiError::from(self).error_response();
        if let ConsoleError::Throttled { retry_after_secs }
        | ConsoleError::PairingThrottled { retry_after_secs } = self
        {
            response.headers_mut().insert(
                RETRY_AFTER,
                HeaderValue::from(retry_after_secs.max(&1).to_owned()),
            );
        }
        response
    }
}
