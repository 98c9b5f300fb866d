//! camera-agent: faceattend's eyes.
//!
//! One process runs the cameras the camera registry gives it ([`supervisor`]; `CAMERAS` seeds
//! the registry, [`config`]): each is read with OpenCV
//! ([`source`]) on its own threads ([`camera`]), sampled at its configured rate, searched for
//! faces with the local detector ([`analysis`]), and followed across frames ([`tracker`]), so
//! that each appearance publishes its best crop or few to `faces.v1.<camera>` for
//! face-embedder. A camera that fails is reopened with backoff without disturbing the others;
//! `/healthz`, `/readyz` and `/metrics` ([`metrics`]) show each camera's state and throughput,
//! which the agent also reports to the registry for the console; [`probe`] answers the
//! console's "test connection".
//! [`sample_video`] makes a video of people from photos, for the demo, tests and benchmark.

pub mod analysis;
pub mod camera;
pub mod config;
pub mod error;
pub mod metrics;
pub mod probe;
pub mod sample_video;
pub mod source;
pub mod startup;
pub mod supervisor;
pub mod tracker;

pub use error::CameraAgentError;
