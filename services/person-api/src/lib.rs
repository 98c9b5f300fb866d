//! person-api: the person directory of faceattend.
//!
//! REST over persons, their metadata and their enrolled faces (the spec's `/api/v1/persons`
//! routes), stored with sea-orm on PostgreSQL or SQLite, every change published as
//! `persons.v1.*` through a transactional outbox. Faces are analysed by face-embedder over
//! NATS ([`face_client`]); photos live in an object store ([`images`]); the gallery that
//! face-embedder searches is written through the outbox too. `main.rs` only reads
//! configuration and calls [`startup::Application`].

pub mod config;
pub mod db;
pub mod dto;
pub mod error;
pub mod face_client;
pub mod images;
pub mod janitor;
pub mod openapi;
pub mod reembed;
pub mod routes;
pub mod startup;
pub mod store;
