//! `faceattend jobs`: attendance-worker's jobs from the command line.
//!
//! `jobs run <job>` runs a job now, in this process, against the attendance database
//! (`DATABASE_URL`, with the worker's other settings from the environment: `SITE_TIMEZONE`,
//! `RETENTION_DAYS`, `NOTIFY_*`), records the run like any other (trigger `cli`) and prints
//! its summary as JSON; Ctrl-C stops the job at its next safe point. `jobs list` shows the
//! recent runs, whoever asked for them.

use std::sync::Arc;

use anyhow::{Context, bail};
use attendance_worker::config::Settings;
use attendance_worker::jobs::JobRunner;
use attendance_worker::metrics::WorkerMetrics;
use clap::Subcommand;
use faceattend_attendance_store::jobs;
use faceattend_attendance_store::{AttendanceStore, JobName, JobParameters, RunState, Trigger};
use serde_json::{Map, Value, json};
use tokio_util::sync::CancellationToken;

#[derive(Subcommand)]
pub enum JobsCommand {
    /// Runs a job now against DATABASE_URL and prints its summary as JSON. Jobs: reconcile
    /// (--minutes), daily_report (--date), monthly_report (--year --month), notifications
    /// (--person-id), cleanup (--days). A flag left out takes the job's default.
    Run {
        job: String,
        /// YYYY-MM-DD (daily_report).
        #[arg(long)]
        date: Option<String>,
        /// Retention in days (cleanup).
        #[arg(long)]
        days: Option<i64>,
        /// How far back to reconcile (reconcile).
        #[arg(long)]
        minutes: Option<i64>,
        #[arg(long)]
        year: Option<i64>,
        #[arg(long)]
        month: Option<i64>,
        /// Only this person (notifications).
        #[arg(long)]
        person_id: Option<String>,
        /// Who asked, as recorded with the run.
        #[arg(long, env = "USER", default_value = "cli")]
        requested_by: String,
    },
    /// Lists the most recent runs, newest first.
    List {
        #[arg(long)]
        job: Option<String>,
        /// pending, running, succeeded or failed.
        #[arg(long)]
        state: Option<String>,
        #[arg(long, default_value_t = 20)]
        limit: u64,
    },
}

pub fn run(command: JobsCommand) -> anyhow::Result<()> {
    let settings = Settings::from_env()?;
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async move {
        let store = AttendanceStore::connect(settings.database_url(), 2)
            .await
            .context("cannot connect to the attendance database")?;
        store
            .migrate()
            .await
            .context("cannot migrate the attendance database")?;
        match command {
            JobsCommand::Run {
                job,
                date,
                days,
                minutes,
                year,
                month,
                person_id,
                requested_by,
            } => {
                let name = JobName::parse(&job)
                    .with_context(|| format!("no job named {job:?}; jobs: {}", job_names()))?;
                let mut fields = Map::new();
                for (key, value) in [
                    ("date", date.map(Value::from)),
                    ("days", days.map(Value::from)),
                    ("minutes", minutes.map(Value::from)),
                    ("year", year.map(Value::from)),
                    ("month", month.map(Value::from)),
                    ("person_id", person_id.map(Value::from)),
                ] {
                    if let Some(value) = value {
                        fields.insert(key.to_owned(), value);
                    }
                }
                let parameters =
                    JobParameters::parse(name, &Value::Object(fields)).map_err(|errors| {
                        let problems: Vec<String> = errors
                            .0
                            .iter()
                            .map(|e| format!("--{}: {}", e.field.replace('_', "-"), e.message))
                            .collect();
                        anyhow::anyhow!("invalid parameters for {name}: {}", problems.join("; "))
                    })?;
                let metrics = WorkerMetrics::register(&prometheus::Registry::new())?;
                let runner = Arc::new(JobRunner::new(
                    store,
                    settings.policy,
                    settings.jobs.clone(),
                    metrics,
                )?);
                let shutdown = CancellationToken::new();
                let interrupt = {
                    let shutdown = shutdown.clone();
                    tokio::spawn(async move {
                        if tokio::signal::ctrl_c().await.is_ok() {
                            eprintln!("stopping the job at its next safe point…");
                            shutdown.cancel();
                        }
                    })
                };
                let run = runner
                    .run_now(&parameters, Trigger::Cli, &requested_by, &shutdown)
                    .await?;
                interrupt.abort();
                match (run.state, run.result) {
                    (RunState::Succeeded, Some(summary)) => {
                        println!("{}", serde_json::to_string_pretty(&summary)?);
                        Ok(())
                    }
                    _ => bail!(
                        "{name} run {} failed: {}",
                        run.id,
                        run.error.unwrap_or_default()
                    ),
                }
            }
            JobsCommand::List { job, state, limit } => {
                let job = job
                    .map(|raw| {
                        JobName::parse(&raw)
                            .with_context(|| format!("no job named {raw:?}; jobs: {}", job_names()))
                    })
                    .transpose()?;
                let state = state
                    .map(|raw| {
                        RunState::parse(&raw).with_context(|| {
                            format!("no state {raw:?}; states: pending, running, succeeded, failed")
                        })
                    })
                    .transpose()?;
                for run in jobs::list(store.connection(), job, state, limit.clamp(1, 1000)).await? {
                    let line = json!({
                        "id": run.id,
                        "job": run.job().as_str(),
                        "trigger": run.trigger.as_str(),
                        "requested_by": run.requested_by,
                        "state": run.state.as_str(),
                        "created_at": run.created_at,
                        "finished_at": run.finished_at,
                        "error": run.error,
                    });
                    // One JSON object per line: readable, and `jq` takes it as it is.
                    println!("{line}");
                }
                Ok(())
            }
        }
    })
}

fn job_names() -> String {
    JobName::ALL
        .iter()
        .map(|j| j.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}
