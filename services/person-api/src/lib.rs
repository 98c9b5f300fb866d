//! person-api: the person directory of faceattend.
//!
//! REST over persons and their metadata (the spec's `/api/v1/persons` routes), stored with
//! sea-orm on PostgreSQL or SQLite, every change published as `persons.v1.*` through a
//! transactional outbox. `main.rs` only reads configuration and calls [`startup::Application`].

pub mod config;
pub mod db;
pub mod dto;
pub mod error;
pub mod openapi;
pub mod routes;
pub mod startup;
pub mod store;
