//! What every faceattend HTTP service is made of.
//!
//! - [`config`]: environment variables read into typed values, every problem reported at once.
//! - [`telemetry`]: structured logs, OTLP traces when configured; set up in one place.
//! - [`auth`]: bearer JWTs carrying the spec's permissions, checked by extractors.
//! - [`envelope`] and [`error`]: the spec's `{"success", "data", "meta"}` envelope and the one
//!   error envelope with a stable code, which every crate's error maps into once.
//! - [`json`]: request bodies parsed strictly (415, 413, 400, 422 with the field's path).
//! - [`health`] and [`metrics`]: `/healthz`, `/readyz`, `/metrics`.
//! - [`shutdown`]: the signal every task listens to.
//! - `contract` (feature `testing`): the schemathesis run each REST service's tests make.

pub mod auth;
pub mod config;
#[cfg(feature = "testing")]
pub mod contract;
pub mod envelope;
pub mod error;
pub mod health;
pub mod json;
pub mod listener;
pub mod metrics;
pub mod object_storage;
pub mod shutdown;
pub mod telemetry;

pub use error::ApiError;
