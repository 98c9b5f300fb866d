//! camera-agent's integration tests: a real agent with the project's detector, reading videos
//! made at test time from the development photos, publishing to a real NATS JetStream.

mod captures;
mod helpers;
mod registry;
mod resilience;
mod snapshots;
