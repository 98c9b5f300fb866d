//! attendance-api: the attendance REST API of faceattend.
//!
//! Reads the attendance database that attendance-worker writes (the shared
//! `faceattend-attendance-store` crate): the spec's attendance lists, a person's current
//! status, the daily report and a person's statistics, each behind `attendance:read`; and
//! writes the spec's check-in and check-out as manual entries pending approval
//! ([`manual`]), behind `attendance:write`. `main.rs` only reads
//! configuration and calls [`startup::Application`].

pub mod config;
pub mod dto;
pub mod error;
pub mod manual;
pub mod queries;
pub mod routes;
pub mod startup;
