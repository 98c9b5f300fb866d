//! The attendance database, shared by attendance-api and attendance-worker.
//!
//! Both services own this one database (issue 5): the worker writes what detections decide,
//! the API reads it for reports and writes manual entries, approvals and corrections. Keeping
//! the schema and the queries in one crate means the two can never disagree on how a day
//! record or a detection is stored.
//!
//! - [`migration`]: the tables (the spec's `Attendance`, `AttendanceSession`,
//!   `AttendanceRule`, `AttendanceException`; the stored detections, the review queue, the
//!   person directory fed by `persons.v1.*`, the audit log; the jobs' runs, notifications sent
//!   and report snapshots; the outbox) and their indexes,
//!   the same on PostgreSQL and SQLite.
//! - [`entities`]: the sea-orm view of those tables.
//! - [`AttendanceStore`]: connecting, migrating, and the worker's operations, each one
//!   transaction. The operations also exist as free functions over any connection
//!   ([`detections`], [`days`], [`review`], [`directory`], [`audit`]), so a caller can put
//!   several of them and an outbox event in one transaction of its own
//!   ([`AttendanceStore::begin_write`]).
//! - [`policy`]: which shift, working days, thresholds and days off apply to whom, from the
//!   stored sessions, rules and exceptions.
//! - [`recompute`]: the one path from sightings to day records, review items and
//!   `attendance.v1.*` events ([`events`]), for a batch of days in the caller's transaction;
//!   with `reconcile` and `mark_absences` for the scheduled jobs.
//! - [`jobs`]: attendance-worker's jobs as data: the job catalogue and parameters (shared
//!   with attendance-api and the CLI), their runs (once per slot across replicas, leases),
//!   notifications sent, report snapshots, the retention cleanup's bounded deletes.
//! - [`reports`]: the daily and monthly reports, built the same for the API and the worker's
//!   scheduled jobs.

pub mod entities;
mod error;
pub mod events;
pub mod migration;
pub mod policy;
pub mod recompute;
pub mod reports;
pub mod sheet;
mod store;
pub mod trends;

pub use error::StoreError;
pub use store::audit::AuditEntry;
pub use store::detections::{DetectionEvidence, FaceBox, FaceDecision, NewDetection, RunnerUp};
pub use store::directory::{DirectoryEntry, DirectoryPerson};
pub use store::jobs::{Claimant, JobName, JobParameters, JobRun, RunState, Trigger};
pub use store::review::{ReviewState, StoredReviewItem};
pub use store::{
    AttendanceStore, audit, days, detections, directory, for_update, jobs, now, review,
};
