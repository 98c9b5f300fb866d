//! integrations: faceattend's deliveries of attendance to the systems a site runs.
//!
//! It consumes the ATTENDANCE stream ([`consumer::AttendanceIngest`]): each decided
//! check-in, check-out, correction or absence becomes, in one transaction, one `pending`
//! delivery per enabled destination whose filter wants it (an outbox of deliveries: the
//! event is acknowledged only after, so a crash loses nothing and a replay inserts nothing
//! twice). PERSONS keeps the directory the employee keys come from
//! ([`consumer::DirectorySync`]); a person without a key at a destination is `unmapped`,
//! reported, and made due once the key appears. The [`dispatcher`] sends due deliveries
//! through [`delivery::Sender`], in order per person and destination, retrying on the
//! Standard Webhooks schedule; [`routes`] is the REST API over destinations and the
//! delivery log. [`store`] holds every query; [`startup`] wires it all; `main.rs` only
//! reads configuration.

pub mod config;
pub mod consumer;
pub mod db;
pub mod delivery;
pub mod dispatcher;
pub mod dto;
pub mod error;
pub mod events;
pub mod metrics;
pub mod model;
pub mod openapi;
pub mod routes;
pub mod startup;
pub mod store;

pub use error::IntegrationsError;
