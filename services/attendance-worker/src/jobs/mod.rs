//! The spec's Celery tasks as attendance-worker's jobs: run on a schedule (cron in the
//! site's zone, [`schedule`]), once per slot across replicas, and on demand from the API
//! and the CLI ([`scheduler`]).
//!
//! One module per job, each returning a JSON summary that is stored with its run:
//! [`reconcile`] (recent detections' days recomputed), [`reports`] (daily, with absences
//! marked first, and monthly; kept as snapshots and delivered to the [`sinks`]),
//! [`notifications`] (late arrivals and absences) and [`cleanup`] (retention). [`JobRunner`] runs a claimed run to its end: it renews the run's lease while
//! the job works, stops the job at its next safe point on shutdown (the run is then marked
//! failed with "shutdown") or when another replica took the run over, and records the
//! outcome. Where runs come from and how a slot is claimed once: see
//! `faceattend_attendance_store::jobs`.

pub mod cleanup;
pub mod notifications;
pub mod reconcile;
pub mod reports;
pub mod schedule;
pub mod scheduler;
pub mod sinks;

use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use faceattend_attendance_store::jobs as runs;
use faceattend_attendance_store::policy::PolicyDefaults;
use faceattend_attendance_store::{AttendanceStore, Claimant, JobParameters, JobRun, Trigger};
use serde_json::Value;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use crate::config::JobSettings;
use crate::error::WorkerError;
use crate::metrics::WorkerMetrics;

pub use scheduler::Scheduler;
pub use sinks::Sinks;

/// Why a job should stop: the worker is shutting down, or the run is no longer ours.
#[derive(Clone, Default)]
pub struct Interrupt {
    shutdown: CancellationToken,
    lost: CancellationToken,
}

impl Interrupt {
    /// A safe point: `Err` when the job must stop here.
    pub fn check(&self) -> Result<(), WorkerError> {
        if self.lost.is_cancelled() {
            Err(WorkerError::LeaseLost)
        } else if self.shutdown.is_cancelled() {
            Err(WorkerError::Shutdown)
        } else {
            Ok(())
        }
    }
}

/// Runs jobs against the attendance database. Shared by the scheduler, the poller and the
/// CLI (which runs a job in its own process).
pub struct JobRunner {
    pub(crate) store: AttendanceStore,
    pub(crate) policy: PolicyDefaults,
    pub(crate) settings: JobSettings,
    pub(crate) sinks: Sinks,
    pub(crate) metrics: WorkerMetrics,
    claimant: Claimant,
}

impl JobRunner {
    pub fn new(
        store: AttendanceStore,
        policy: PolicyDefaults,
        settings: JobSettings,
        metrics: WorkerMetrics,
    ) -> Result<Self, WorkerError> {
        let sinks = Sinks::from_settings(&settings.notify)?;
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "attendance-worker".to_owned());
        let instance = uuid::Uuid::now_v7().simple().to_string();
        let claimant = Claimant {
            // The host for people, the instance so two processes on one host differ.
            owner: format!("{host}/{}", &instance[instance.len() - 12..]),
            lease: chrono::Duration::from_std(settings.lease)
                .unwrap_or(chrono::Duration::seconds(60)),
        };
        Ok(Self {
            store,
            policy,
            settings,
            sinks,
            metrics,
            claimant,
        })
    }

    pub fn claimant(&self) -> &Claimant {
        &self.claimant
    }

    pub fn settings(&self) -> &JobSettings {
        &self.settings
    }

    pub fn store(&self) -> &AttendanceStore {
        &self.store
    }

    /// Today on the site's calendar.
    pub(crate) fn today(&self) -> NaiveDate {
        self.policy.zone.local(Utc::now()).date()
    }

    /// Records a run that starts now in this process and runs it (the CLI); the run as
    /// finished.
    pub async fn run_now(
        &self,
        parameters: &JobParameters,
        trigger: Trigger,
        requested_by: &str,
        shutdown: &CancellationToken,
    ) -> Result<JobRun, WorkerError> {
        let run = runs::start(
            self.store.connection(),
            parameters,
            trigger,
            requested_by,
            &self.claimant,
            Utc::now(),
        )
        .await?;
        let id = run.id;
        // The outcome is in the stored run.
        let _ = self.execute(run, shutdown).await;
        runs::get(self.store.connection(), id)
            .await?
            .ok_or(WorkerError::LeaseLost)
    }

    /// Runs a run this runner claimed to its end and records the outcome; the summary, or
    /// why it failed.
    pub async fn execute(
        &self,
        run: JobRun,
        shutdown: &CancellationToken,
    ) -> Result<Value, String> {
        let job = run.job();
        let span = tracing::info_span!("job", %job, run_id = %run.id, trigger = %run.trigger);
        let interrupt = Interrupt {
            shutdown: shutdown.child_token(),
            lost: CancellationToken::new(),
        };
        let renewing = CancellationToken::new();
        let renewer = tokio::spawn(renew(
            self.store.clone(),
            run.id,
            self.claimant.clone(),
            interrupt.lost.clone(),
            renewing.clone(),
        ));
        tracing::info!(%job, run_id = %run.id, attempts = run.attempts, "job started");
        let outcome = self.perform(&run, &interrupt).instrument(span).await;
        renewing.cancel();
        let _ = renewer.await;
        let outcome = match outcome {
            Ok(summary) => Ok(summary),
            Err(WorkerError::LeaseLost) => {
                tracing::warn!(%job, run_id = %run.id, "job stopped: another replica took the run over");
                return Err(WorkerError::LeaseLost.to_string());
            }
            Err(error) => Err(error.to_string()),
        };
        let recorded = runs::finish(
            self.store.connection(),
            run.id,
            &self.claimant,
            outcome.as_ref().map_err(String::as_str),
            Utc::now(),
        )
        .await;
        match &recorded {
            Ok(true) => {}
            Ok(false) => {
                tracing::warn!(%job, run_id = %run.id, "job finished after its run was taken over")
            }
            Err(error) => {
                // The lease expires and another replica runs the job again.
                tracing::error!(%job, run_id = %run.id, %error, "cannot record a job's outcome")
            }
        }
        let label = if outcome.is_ok() {
            "succeeded"
        } else {
            "failed"
        };
        self.metrics
            .job_runs
            .with_label_values(&[job.as_str(), label])
            .inc();
        match &outcome {
            Ok(_) => {
                self.metrics
                    .job_last_success
                    .with_label_values(&[job.as_str()])
                    .set(Utc::now().timestamp());
                tracing::info!(%job, run_id = %run.id, "job succeeded");
            }
            Err(error) => tracing::warn!(%job, run_id = %run.id, %error, "job failed"),
        }
        outcome
    }

    async fn perform(&self, run: &JobRun, interrupt: &Interrupt) -> Result<Value, WorkerError> {
        interrupt.check()?;
        match &run.parameters {
            JobParameters::Cleanup { days } => cleanup::run(self, *days, interrupt).await,
            JobParameters::Notifications { person_id } => {
                notifications::run(self, run.id, *person_id, interrupt).await
            }
            JobParameters::Reconcile { minutes } => reconcile::run(self, *minutes, interrupt).await,
            JobParameters::DailyReport { date } => {
                reports::daily(self, run, *date, interrupt).await
            }
            JobParameters::MonthlyReport { month } => {
                reports::monthly(self, run, *month, interrupt).await
            }
        }
    }
}

/// Renews the run's lease every third of it until `done`; cancels `lost` when the run was
/// taken over. A failed renewal (database down) is retried at the next tick: the lease has
/// two more thirds to go.
async fn renew(
    store: AttendanceStore,
    id: uuid::Uuid,
    claimant: Claimant,
    lost: CancellationToken,
    done: CancellationToken,
) {
    let every = claimant
        .lease
        .to_std()
        .map(|lease| lease / 3)
        .unwrap_or(Duration::from_secs(20));
    loop {
        tokio::select! {
            _ = done.cancelled() => return,
            _ = tokio::time::sleep(every) => {}
        }
        match runs::renew_lease(store.connection(), id, &claimant, Utc::now()).await {
            Ok(true) => {}
            Ok(false) => {
                lost.cancel();
                return;
            }
            Err(error) => tracing::warn!(%error, run_id = %id, "cannot renew a job's lease"),
        }
    }
}

/// An instant as summaries show it (RFC 3339, UTC, whole seconds).
pub(crate) fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
