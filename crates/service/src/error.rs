//! The one error envelope every route answers with:
//! `{"success": false, "error": {"code": "...", "message": "...", "details": [...]}}`.
//!
//! `code` is stable and machine-readable; `details` lists per-field problems for 400/422.
//! Each service maps its own error enum into [`ApiError`] in one place. A 5xx never leaks
//! the underlying cause to the client: it is logged with the request's span instead.

use std::fmt;

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpResponse, ResponseError};
use faceattend_domain::{FieldError, ValidationErrors};
use serde::Serialize;

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub details: Vec<FieldError>,
}

#[derive(Serialize)]
struct ErrorEnvelope<'a> {
    success: bool,
    error: ErrorBody<'a>,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "<[FieldError]>::is_empty")]
    details: &'a [FieldError],
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            details: Vec::new(),
        }
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 422 with every invalid field.
    pub fn validation(errors: ValidationErrors) -> Self {
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "validation_failed",
            message: "the request has invalid fields".to_owned(),
            details: errors.0,
        }
    }

    /// 400 for invalid query or path parameters, with the offending ones listed.
    pub fn invalid_parameters(errors: ValidationErrors) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            code: "invalid_parameters",
            message: "the request has invalid parameters".to_owned(),
            details: errors.0,
        }
    }

    pub fn unauthorized(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, message)
    }

    pub fn forbidden(permission: &str) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!("this token lacks the permission '{permission}'"),
        )
    }

    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, message)
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }

    /// A failure that is not the client's fault. The cause is logged, not returned.
    pub fn internal(cause: impl fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "an internal error occurred; it has been logged",
        )
    }

    /// A dependency (database, bus) is down; the client may retry.
    pub fn unavailable(cause: impl fmt::Display) -> Self {
        tracing::warn!(error = %cause, "dependency unavailable");
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "service_unavailable",
            "a dependency is unavailable; retry later",
        )
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.code,
            self.message
        )
    }
}

impl std::error::Error for ApiError {}

impl ApiError {
    /// The error envelope as JSON, for servers that write their responses themselves (the
    /// realtime gateway refuses WebSocket upgrades with it).
    pub fn body_json(&self) -> String {
        serde_json::to_string(&self.envelope()).unwrap_or_else(|_| {
            r#"{"success":false,"error":{"code":"internal_error","message":""}}"#.to_owned()
        })
    }

    fn envelope(&self) -> ErrorEnvelope<'_> {
        ErrorEnvelope {
            success: false,
            error: ErrorBody {
                code: self.code,
                message: &self.message,
                details: &self.details,
            },
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        if self.status == StatusCode::UNAUTHORIZED {
            response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        response.json(self.envelope())
    }
}

/// The envelope's shape as the services' OpenAPI documents describe it (what [`ApiError`]
/// writes); one definition, so the three documents cannot drift apart.
pub mod schema {
    #[derive(utoipa::ToSchema)]
    #[allow(dead_code)]
    pub struct ErrorEnvelope {
        /// Always false.
        success: bool,
        error: ErrorBody,
    }

    #[derive(utoipa::ToSchema)]
    #[allow(dead_code)]
    pub struct ErrorBody {
        /// Stable machine-readable code, e.g. `validation_failed`; each response names its own.
        code: String,
        message: String,
        /// Per-field problems of a 400/422; absent when there are none.
        #[schema(required = false)]
        details: Vec<FieldError>,
    }

    #[derive(utoipa::ToSchema)]
    #[allow(dead_code)]
    pub struct FieldError {
        /// The field's path, e.g. `email` or `metadata.address`.
        field: String,
        code: String,
        message: String,
    }
}
