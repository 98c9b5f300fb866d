//! attendance-worker's integration tests: the real worker on a real NATS JetStream server
//! (each test in its own bus namespace) and a real database (a fresh PostgreSQL database or
//! SQLite file per test).

mod detections;
mod helpers;
mod jobs;
mod persons;
mod policy;
mod sinks;
