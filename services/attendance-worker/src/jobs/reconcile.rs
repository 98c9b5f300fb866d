//! `reconcile` (the spec's `batch_process_recent_detections`, every 5 minutes): recomputes
//! every day touched by a detection received in the last `minutes` (default 5), with the
//! attendance store's `recompute::reconcile`, the same path the detections consumer takes.
//! It is the safety net under the event-driven path, and catches days whose shifts, rules
//! or exceptions changed. Its summary has the spec's shape.

use chrono::{Duration, Utc};
use faceattend_attendance_store::recompute;
use serde_json::{Value, json};

use super::{Interrupt, JobRunner, rfc3339};
use crate::error::WorkerError;

/// The spec's default window.
const DEFAULT_MINUTES: u32 = 5;

pub async fn run(
    runner: &JobRunner,
    minutes: Option<u32>,
    interrupt: &Interrupt,
) -> Result<Value, WorkerError> {
    interrupt.check()?;
    let minutes = minutes.unwrap_or(DEFAULT_MINUTES);
    let since = Utc::now() - Duration::minutes(i64::from(minutes));
    let summary = recompute::reconcile(runner.store.connection(), &runner.policy, since).await?;
    Ok(json!({
        "success": summary.failed == 0,
        "since": rfc3339(since),
        "detections_processed": summary.detections_processed,
        "summary": {
            "total_processed": summary.detections_processed,
            "auto_marked": summary.auto_marked,
            "requires_review": summary.requires_review,
            "failed": summary.failed,
        },
    }))
}
