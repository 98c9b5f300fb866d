//! The attendance database, shared by attendance-api and attendance-worker.
//!
//! Both services own this one database (issue 5): the worker writes what detections decide,
//! the API reads it for reports and writes manual entries, approvals and corrections. Keeping
//! the schema and the queries in one crate means the two can never disagree on how a day
//! record or a detection is stored.
//!
//! - [`migration`]: the tables (the spec's `Attendance`, `AttendanceSession`,
//!   `AttendanceRule`, `AttendanceException`; the stored detections, the review queue, the
//!   person directory fed by `persons.v1.*`, the audit log; the outbox) and their indexes,
//!   the same on PostgreSQL and SQLite.
//! - [`entities`]: the sea-orm view of those tables.
//! - [`AttendanceStore`]: connecting, migrating, and the worker's operations, each one
//!   transaction. The operations also exist as free functions over any connection
//!   ([`detections`], [`days`], [`review`], [`directory`], [`audit`]), so a caller can put
//!   several of them and an outbox event in one transaction of its own
//!   ([`AttendanceStore::begin_write`]).

pub mod entities;
mod error;
pub mod migration;
mod store;

pub use error::StoreError;
pub use store::audit::AuditEntry;
pub use store::detections::NewDetection;
pub use store::directory::{DirectoryEntry, DirectoryPerson};
pub use store::review::{ReviewState, StoredReviewItem};
pub use store::{AttendanceStore, audit, days, detections, directory, review};
