//! The crate's one error type: what can stop integrations from starting, a message from
//! being processed, or a request from being answered — mapped once to the HTTP error
//! envelope.

use actix_web::ResponseError;
use actix_web::http::StatusCode;
use faceattend_domain::ValidationErrors;
use faceattend_service::ApiError;
use sea_orm::DbErr;
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum IntegrationsError {
    #[error("database error: {0}")]
    Database(#[from] DbErr),
    #[error(transparent)]
    Bus(#[from] faceattend_bus::BusError),
    #[error("cannot register metrics: {0}")]
    Metrics(#[from] prometheus::Error),
    #[error("cannot listen on {address}: {source}")]
    Bind {
        address: String,
        #[source]
        source: std::io::Error,
    },
    /// A bus message that can never be processed (undecodable, an invalid field): it goes
    /// to the dead letters with this reason.
    #[error("invalid message: {0}")]
    Invalid(String),
    /// A stored value this service cannot read back (hand-edited rows): ours, not the
    /// client's.
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
    #[error("invalid query parameters: {0}")]
    InvalidParameters(ValidationErrors),
    #[error("invalid request body: {0}")]
    InvalidBody(ValidationErrors),
    #[error("destination {0} not found")]
    DestinationNotFound(Uuid),
    #[error("delivery {0} not found")]
    DeliveryNotFound(Uuid),
    #[error("a destination named {0:?} exists")]
    DestinationNameTaken(String),
    #[error("{0} destinations cannot be created yet: only webhook destinations are delivered")]
    KindNotSupported(String),
    #[error("only webhook destinations have a signing secret")]
    NoSecret,
    #[error("delivery {0} is in flight or waiting for its turn; it cannot be redelivered now")]
    DeliveryPending(Uuid),
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
}

impl IntegrationsError {
    /// Whether processing the same message again later may succeed (a database or NATS
    /// outage); otherwise the message is dead-lettered at once.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Database(_) | Self::Bus(_))
    }

    fn is_unavailable(&self) -> bool {
        matches!(self, Self::Database(DbErr::ConnectionAcquire(_)))
    }
}

impl From<&IntegrationsError> for ApiError {
    fn from(error: &IntegrationsError) -> Self {
        match error {
            IntegrationsError::InvalidParameters(errors) => {
                ApiError::invalid_parameters(errors.clone())
            }
            IntegrationsError::InvalidBody(errors) => ApiError::validation(errors.clone()),
            IntegrationsError::DestinationNotFound(_) => {
                ApiError::not_found("destination_not_found", error.to_string())
            }
            IntegrationsError::DeliveryNotFound(_) => {
                ApiError::not_found("delivery_not_found", error.to_string())
            }
            IntegrationsError::DestinationNameTaken(_) => {
                ApiError::conflict("destination_name_taken", error.to_string())
            }
            IntegrationsError::KindNotSupported(_) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "kind_not_supported",
                error.to_string(),
            ),
            IntegrationsError::NoSecret => ApiError::conflict("no_secret", error.to_string()),
            IntegrationsError::DeliveryPending(_) => {
                ApiError::conflict("delivery_pending", error.to_string())
            }
            e if e.is_unavailable() => ApiError::unavailable(e),
            e => ApiError::internal(e),
        }
    }
}

impl ResponseError for IntegrationsError {
    fn status_code(&self) -> StatusCode {
        ApiError::from(self).status_code()
    }

    fn error_response(&self) -> actix_web::HttpResponse {
        ApiError::from(self).error_response()
    }
}
