//! `cleanup` (the spec's `cleanup_old_attendance`): deletes what is older than the
//! retention (`days`, default `RETENTION_DAYS`): day records, detections, review items,
//! notifications sent, finished job runs and report snapshots.
//!
//! Each table is emptied in bounded batches, each its own statement, so a large backlog
//! never holds a long lock (on SQLite, the one writer lock the detections also need) and a
//! shutdown stops it between two batches with what was deleted so far committed; the next
//! run carries on.
//!
//! The audit log is kept: it is the record of who approved, corrected or entered what by
//! hand, which outlives the data it describes (disputes, payroll audits) and must not be
//! erasable by a routine job. It is small (manual actions only).

use chrono::{Days, NaiveTime};
use faceattend_attendance_store::jobs::{self, Purge};
use serde_json::{Map, Value, json};

use super::{Interrupt, JobRunner, rfc3339};
use crate::error::WorkerError;

/// Rows per delete statement.
const BATCH: u64 = 1_000;

pub async fn run(
    runner: &JobRunner,
    days: Option<u32>,
    interrupt: &Interrupt,
) -> Result<Value, WorkerError> {
    let days = days.unwrap_or(runner.settings.retention_days);
    let zone = runner.policy.zone;
    let before_date = runner
        .today()
        .checked_sub_days(Days::new(u64::from(days)))
        .unwrap_or_default();
    // Instants (detections, runs, reports) by the same boundary: the start of that day on
    // the site's clock.
    let before = zone.instant(before_date, NaiveTime::MIN);
    let mut deleted = Map::new();
    for table in Purge::ALL {
        let mut count = 0u64;
        loop {
            interrupt.check()?;
            let batch = jobs::purge_batch(
                runner.store.connection(),
                *table,
                before_date,
                before,
                BATCH,
            )
            .await?;
            count += batch;
            if batch < BATCH {
                break;
            }
        }
        deleted.insert(table.as_str().to_owned(), json!(count));
    }
    tracing::info!(days, %before_date, ?deleted, "cleanup done");
    Ok(json!({
        "days": days,
        "before_date": before_date.to_string(),
        "before": rfc3339(before),
        "deleted": deleted,
        "kept": ["audit_log"],
    }))
}
