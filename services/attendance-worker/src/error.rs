//! The crate's one error type: what can stop attendance-worker from starting or a message
//! from being processed.

use faceattend_attendance_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("attendance database error: {0}")]
    Database(#[from] sea_orm::DbErr),
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
    /// A message that can never be processed (undecodable, an invalid field): dead-lettered.
    #[error("invalid message: {0}")]
    Invalid(String),
}

impl WorkerError {
    /// Whether processing the same message again later may succeed (a database or NATS
    /// outage); otherwise the message is dead-lettered at once.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Store(error) => error.is_transient(),
            Self::Database(_) | Self::Bus(_) => true,
            Self::Metrics(_) | Self::Bind { .. } | Self::Invalid(_) => false,
        }
    }
}
