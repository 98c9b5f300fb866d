//! person-api's integration tests: one binary (fast to link on 2 cores), one module per area.
//! Every API test runs on PostgreSQL and on SQLite (`on_both_backends!`).

mod helpers;

mod auth;
mod bad_input;
mod contract;
mod events;
mod face_images;
mod faces;
mod health;
mod metadata;
mod persons;
mod shutdown;
