//! The crate's one error type: what can stop attendance-worker from starting, a message
//! from being processed, or a job from finishing.

use faceattend_attendance_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("attendance database error: {0}")]
    Database(#[from] sea_orm::DbErr),
    #[error(transparent)]
    Bus(#[from] faceattend_bus::BusError),
    #[error(transparent)]
    CameraRegistry(#[from] faceattend_camera_registry::RegistryError),
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
    /// A notification sink that cannot be set up from its configuration.
    #[error("notification sink: {0}")]
    Sink(String),
    /// A notification or report that did not reach a sink after its retries.
    #[error("not delivered: {0}")]
    Delivery(String),
    /// The worker is stopping: a job stopped at a safe point, its run marked failed.
    #[error("shutdown")]
    Shutdown,
    /// Another replica took the run over (this one's lease expired): it stops writing.
    #[error("lease lost: the run was taken over")]
    LeaseLost,
}

impl WorkerError {
    /// Whether processing the same message again later may succeed (a database or NATS
    /// outage); otherwise the message is dead-lettered at once.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Store(error) => error.is_transient(),
            Self::Database(_) | Self::Bus(_) | Self::CameraRegistry(_) => true,
            Self::Delivery(_) => true,
            Self::Metrics(_)
            | Self::Bind { .. }
            | Self::Invalid(_)
            | Self::Sink(_)
            | Self::Shutdown
            | Self::LeaseLost => false,
        }
    }
}
