//! attendance-api: the attendance REST API of faceattend.
//!
//! Reads the attendance database that attendance-worker writes (the shared
//! `faceattend-attendance-store` crate): the spec's attendance lists, a person's current
//! status and the daily report, each behind `attendance:read`. `main.rs` only reads
//! configuration and calls [`startup::Application`].

pub mod config;
pub mod dto;
pub mod error;
pub mod queries;
pub mod routes;
pub mod startup;
