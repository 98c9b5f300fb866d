//! realtime-gateway: the spec's attendance WebSocket stream.
//!
//! Every replica follows the ATTENDANCE stream itself ([`feed`]: an ordered, ephemeral
//! consumer; on start it replays today's part to learn who is in, kept in [`status`]), turns
//! each `attendance.v1.*` event into the spec's messages ([`events`]) and hands them to the
//! clients whose subscription matches ([`hub`]: an index by person, department and camera,
//! one bounded queue per client). [`http`] serves the one listener with hyper: probes and
//! metrics are answered there, WebSocket upgrades are checked (token, origin, limits, query)
//! and the upgraded connection handed to a [`session`], which speaks the [`protocol`]: the
//! spec's JSON messages, subscriptions switched on the fly, resume from a stream sequence.
//! [`startup`] wires it together.

pub mod config;
mod error;
pub mod events;
pub mod feed;
pub mod http;
pub mod hub;
pub mod metrics;
pub mod protocol;
pub mod session;
pub mod startup;
pub mod status;

pub use error::GatewayError;
