//! The attendance store against real databases: every test runs on PostgreSQL
//! (`TEST_DATABASE_URL`) and on SQLite, each on a fresh database of its own. One binary, so
//! the crate's tests link once.

mod days;
mod detections;
mod directory;
mod helpers;
mod jobs;
mod migrations;
mod recompute;
mod reports;
mod review;
mod transactions;
