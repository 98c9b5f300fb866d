//! The crate's one error type: what can stop realtime-gateway from starting or its feed from
//! running. Refusals of a client (bad token, bad query) are [`ApiError`]s answered on the
//! HTTP upgrade; problems inside a session are `error` messages or close frames
//! (see [`crate::protocol`]).
//!
//! [`ApiError`]: faceattend_service::ApiError

#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
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
    /// Reading the ATTENDANCE stream failed (consumer creation, stream info, a broken feed).
    #[error("ATTENDANCE stream: {0}")]
    Stream(String),
}
