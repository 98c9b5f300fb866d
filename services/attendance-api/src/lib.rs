//! attendance-api: the attendance REST API of faceattend.
//!
//! Reads the attendance database that attendance-worker writes (the shared
//! `faceattend-attendance-store` crate): the spec's attendance lists, a person's current
//! status, the daily report and a person's statistics, each behind `attendance:read`; and
//! writes the spec's check-in and check-out as manual entries pending approval
//! ([`manual`]), behind `attendance:write`; a person's decisions ([`decisions`]: the review
//! queue, corrections, approval of manual entries), each recomputing the day and publishing
//! `attendance.v1.*` events through the outbox; the attendance policy — shifts, rules,
//! holidays and leave with their approval ([`policies`]) —, read with `attendance:read` and
//! written with `attendance:write`, every change audited; and attendance-worker's job runs
//! on demand (`routes::jobs`). `main.rs` only reads configuration and calls
//! [`startup::Application`].

pub mod config;
pub mod decisions;
pub mod dto;
pub mod error;
pub mod evidence;
pub mod export;
pub mod manual;
pub mod openapi;
pub mod policies;
pub mod queries;
pub mod routes;
pub mod startup;
