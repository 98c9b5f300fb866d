//! The scheduler: one loop per scheduled job, plus the poller of runs asked for on demand.
//!
//! Each job's loop sleeps until its next slot, claims the slot's run (only one replica's
//! claim succeeds) and, if it won, runs the job. A slot missed while no worker was up is
//! not replayed, except reconcile's last one: reconcile catches up on recent detections,
//! so running it once at start covers whatever the worker missed; the others' defaults
//! (today's notifications, yesterday's report) would be wrong late, and on demand is there
//! for those. A job that overruns its next slots skips them rather than queueing.
//!
//! The poller looks every `JOB_POLL_INTERVAL_MS` for pending runs (API, CLI) and runs whose
//! runner died (expired lease), claims them one at a time with a conditional update and
//! runs them.
//!
//! On shutdown every loop stops waiting; a job in progress stops at its next safe point
//! (its run is marked failed with "shutdown") and the scheduler returns once all have.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use faceattend_attendance_store::jobs as runs;
use faceattend_attendance_store::{JobName, JobParameters};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::JobRunner;
use super::schedule::Schedule;

pub struct Scheduler {
    runner: Arc<JobRunner>,
}

impl Scheduler {
    pub fn new(runner: Arc<JobRunner>) -> Self {
        Self { runner }
    }

    /// Runs until `shutdown`, then waits for the jobs in progress to stop.
    pub async fn run(self, shutdown: CancellationToken) {
        let mut loops = JoinSet::new();
        for (job, schedule) in &self.runner.settings.schedules {
            if let Some(schedule) = schedule {
                tracing::info!(%job, cron = schedule.expression(), "job scheduled");
                loops.spawn(scheduled(
                    self.runner.clone(),
                    *job,
                    schedule.clone(),
                    shutdown.clone(),
                ));
            }
        }
        loops.spawn(poll(self.runner.clone(), shutdown.clone()));
        while let Some(result) = loops.join_next().await {
            if let Err(error) = result {
                tracing::error!(%error, "a scheduler loop failed");
            }
        }
        tracing::info!("scheduler stopped");
    }
}

async fn scheduled(
    runner: Arc<JobRunner>,
    job: JobName,
    schedule: Schedule,
    shutdown: CancellationToken,
) {
    let zone = runner.policy.zone;
    let mut cursor = Utc::now();
    if job == JobName::Reconcile
        && let Some(last) = schedule.last_at_or_before(cursor, zone)
    {
        run_slot(&runner, job, last, &shutdown).await;
    }
    loop {
        let Some(slot) = schedule.next_after(cursor, zone) else {
            tracing::warn!(%job, cron = schedule.expression(), "the schedule has no next slot");
            return;
        };
        let wait = (slot - Utc::now()).to_std().unwrap_or_default();
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(wait) => {}
        }
        run_slot(&runner, job, slot, &shutdown).await;
        cursor = slot.max(Utc::now());
    }
}

/// Claims the run of `job` at `slot` and runs it if this replica won the claim.
async fn run_slot(
    runner: &JobRunner,
    job: JobName,
    slot: DateTime<Utc>,
    shutdown: &CancellationToken,
) {
    let claimed = runs::claim_slot(
        runner.store.connection(),
        &JobParameters::defaults(job),
        slot,
        runner.claimant(),
        Utc::now(),
    )
    .await;
    match claimed {
        Ok(Some(run)) => {
            let _ = runner.execute(run, shutdown).await;
        }
        Ok(None) => tracing::debug!(%job, %slot, "slot claimed by another replica"),
        Err(error) => tracing::warn!(%job, %slot, %error, "cannot claim a slot; it is skipped"),
    }
}

async fn poll(runner: Arc<JobRunner>, shutdown: CancellationToken) {
    loop {
        while !shutdown.is_cancelled() {
            match runs::claim_next(runner.store.connection(), runner.claimant(), Utc::now()).await {
                Ok(Some(run)) => {
                    let _ = runner.execute(run, &shutdown).await;
                }
                Ok(None) => break,
                Err(error) => {
                    tracing::warn!(%error, "cannot look for pending job runs");
                    break;
                }
            }
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(runner.settings.poll_interval) => {}
        }
    }
}
