//! attendance-worker: faceattend's attendance decisions.
//!
//! It consumes the face-embedder's detections ([`detections`]) in batches: each is stored,
//! every person-day they touch is recomputed from all of its sightings under the stored
//! shifts, rules and exceptions (the attendance store's `recompute` and `policy`), and the
//! day records, the review queue and the `attendance.v1.*` events (through the
//! transactional outbox) are written in one transaction. It keeps the person directory from
//! `persons.v1.*` ([`persons`]), so deleted persons stop being tracked. [`consumer`] holds what both consumers share
//! (bounded concurrency, acks, backoff, dead letters). [`jobs`] are the spec's scheduled
//! tasks (reports, notifications, cleanup), run once per slot across replicas and on demand
//! from the API and the CLI. [`startup`] wires it all together.

pub mod camera_roles;
pub mod config;
pub mod consumer;
pub mod detections;
mod error;
pub mod jobs;
pub mod metrics;
pub mod persons;
pub mod startup;

pub use error::WorkerError;
