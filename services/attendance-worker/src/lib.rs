//! attendance-worker: faceattend's attendance decisions.
//!
//! It consumes the face-embedder's detections ([`detections`]): each is stored, the person's
//! work day is recomputed from all of its sightings, and the day record, the review queue and
//! the `attendance.v1.*` events ([`events`], through the transactional outbox) are written in
//! one transaction. It keeps the person directory from `persons.v1.*` ([`persons`]), so
//! deleted persons stop being tracked. [`consumer`] holds what both consumers share
//! (bounded concurrency, acks, backoff, dead letters); [`startup`] wires it all together.

pub mod config;
pub mod consumer;
pub mod detections;
mod error;
pub mod events;
pub mod metrics;
pub mod persons;
pub mod startup;

pub use error::WorkerError;
