//! attendance-api's integration tests: one binary (fast to link on 2 cores), one module per
//! area. Every API test runs on PostgreSQL and on SQLite (`on_both_backends!`).

mod helpers;

mod auth;
mod bad_input;
mod contract;
mod decisions;
mod evidence;
mod exceptions;
mod exports;
mod health;
mod jobs;
mod manual;
mod monthly;
mod records;
mod reports;
mod rules;
mod sessions;
mod sheet;
mod statistics;
mod status;
mod trends;
