//! attendance-worker's jobs as data: which jobs exist and what parameters each takes
//! ([`JobName`], [`JobParameters`], shared by the worker, attendance-api and the CLI), their
//! runs (`job_runs`), the notifications already sent, the report snapshots, and the
//! retention cleanup's bounded deletes.
//!
//! # Once per slot, whatever the number of replicas
//!
//! A scheduled run is keyed by its job and its slot (the instant the schedule names), with a
//! unique index on the pair. Every replica computes the same slot and tries to insert its
//! run already claimed ([`claim_slot`]); the database lets exactly one insert through, on
//! PostgreSQL and SQLite alike, and only that replica runs the job. No leader election, no
//! clock agreement beyond the slot's own value.
//!
//! # Leases
//!
//! A claimed run carries its runner (`claimed_by`) and a lease (`lease_expires_at`) that the
//! runner renews while it works ([`renew_lease`]). A replica that dies stops renewing; once
//! the lease has expired, any replica's poll ([`claim_next`]) takes the run over with one
//! conditional `UPDATE … WHERE state = 'running' AND lease_expires_at < now`, so two
//! pollers cannot both win, and runs it again from the start (every job is written to be
//! safe to run again). A run taken over [`MAX_ATTEMPTS`] times is marked failed instead, so
//! a job that kills its runner cannot take every replica down in turn. A runner whose lease
//! was taken over finds out at its next renewal or when it finishes: both are conditional
//! on still holding the run, so the late runner writes nothing.
//!
//! On-demand runs (API, CLI) are inserted `pending` without a slot (NULLs never collide in
//! a unique index) and claimed by the same conditional update.

use std::fmt;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use faceattend_domain::{FieldIssue, ValidationErrors};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::micros;
use crate::StoreError;
use crate::entities::{
    attendance, attendance_report, detection, job_run, notification_sent, review_item,
};

/// Takeovers after which a run is given up (a job that kills its runner every time).
pub const MAX_ATTEMPTS: i32 = 3;

macro_rules! names {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text),+
                }
            }

            pub fn parse(raw: &str) -> Option<Self> {
                match raw {
                    $($text => Some(Self::$variant),)+
                    _ => None,
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

names!(
    /// attendance-worker's jobs (the spec's Celery tasks).
    JobName {
        /// Recomputes the days of recent detections (`batch_process_recent_detections`).
        Reconcile => "reconcile",
        /// Marks absences, then builds and delivers the day's report.
        DailyReport => "daily_report",
        /// Builds and delivers a month's report.
        MonthlyReport => "monthly_report",
        /// Late arrivals and absences of today to the webhook and/or by email.
        Notifications => "notifications",
        /// Deletes what is older than the retention.
        Cleanup => "cleanup",
    }
);

names!(
    /// Who asked for a run.
    Trigger {
        Schedule => "schedule",
        Api => "api",
        Cli => "cli",
    }
);

names!(
    /// Where a run stands.
    RunState {
        Pending => "pending",
        Running => "running",
        Succeeded => "succeeded",
        Failed => "failed",
    }
);

/// A job's parameters, validated; `None` fields take the job's default when it runs (today,
/// the previous month, the configured retention), so a stored run says what was asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobParameters {
    Reconcile {
        /// Detections received in the last `minutes` (1 to 1440; default 5).
        minutes: Option<u32>,
    },
    DailyReport {
        date: Option<NaiveDate>,
    },
    MonthlyReport {
        /// Year and month (1 to 12), both or neither.
        month: Option<(i32, u32)>,
    },
    Notifications {
        person_id: Option<Uuid>,
    },
    Cleanup {
        /// Retention in days (1 to 36500).
        days: Option<u32>,
    },
}

impl JobParameters {
    /// The job's parameters, every default.
    pub fn defaults(job: JobName) -> Self {
        match job {
            JobName::Reconcile => Self::Reconcile { minutes: None },
            JobName::DailyReport => Self::DailyReport { date: None },
            JobName::MonthlyReport => Self::MonthlyReport { month: None },
            JobName::Notifications => Self::Notifications { person_id: None },
            JobName::Cleanup => Self::Cleanup { days: None },
        }
    }

    pub fn job(&self) -> JobName {
        match self {
            Self::Reconcile { .. } => JobName::Reconcile,
            Self::DailyReport { .. } => JobName::DailyReport,
            Self::MonthlyReport { .. } => JobName::MonthlyReport,
            Self::Notifications { .. } => JobName::Notifications,
            Self::Cleanup { .. } => JobName::Cleanup,
        }
    }

    /// Parses `job`'s parameters from a JSON object (`null` or `{}`: every default). Every
    /// bad field is reported, unknown fields included.
    pub fn parse(job: JobName, value: &Value) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let empty = Map::new();
        let fields = match value {
            Value::Null => &empty,
            Value::Object(fields) => fields,
            _ => {
                errors.push(FieldIssue::new("invalid_type", "must be a JSON object").at("$"));
                return Err(errors);
            }
        };
        let known: &[&str] = match job {
            JobName::Reconcile => &["minutes"],
            JobName::DailyReport => &["date"],
            JobName::MonthlyReport => &["year", "month"],
            JobName::Notifications => &["person_id"],
            JobName::Cleanup => &["days"],
        };
        for name in fields.keys().filter(|name| !known.contains(&name.as_str())) {
            errors.push(
                FieldIssue::new(
                    "unknown_field",
                    format!("is not a parameter of {job} (known: {})", known.join(", ")),
                )
                .at(name.clone()),
            );
        }
        let field = |name: &str| fields.get(name).filter(|v| !v.is_null());
        let parameters = match job {
            JobName::Reconcile => Self::Reconcile {
                minutes: errors
                    .check(
                        "minutes",
                        field("minutes").map(|v| integer(v, 1, 1440)).transpose(),
                    )
                    .flatten(),
            },
            JobName::DailyReport => Self::DailyReport {
                date: errors
                    .check("date", field("date").map(date).transpose())
                    .flatten(),
            },
            JobName::MonthlyReport => {
                let year = errors
                    .check(
                        "year",
                        field("year").map(|v| integer(v, 1970, 9999)).transpose(),
                    )
                    .flatten();
                let month = errors
                    .check(
                        "month",
                        field("month").map(|v| integer(v, 1, 12)).transpose(),
                    )
                    .flatten();
                let month = match (field("year"), field("month"), year, month) {
                    (None, None, _, _) => None,
                    (_, _, Some(year), Some(month)) => Some((year as i32, month)),
                    (Some(_), None, _, _) | (None, Some(_), _, _) => {
                        errors.push(
                            FieldIssue::new("incomplete", "give both year and month, or neither")
                                .at(if field("year").is_some() {
                                    "month"
                                } else {
                                    "year"
                                }),
                        );
                        None
                    }
                    _ => None,
                };
                Self::MonthlyReport { month }
            }
            JobName::Notifications => Self::Notifications {
                person_id: errors
                    .check("person_id", field("person_id").map(uuid).transpose())
                    .flatten(),
            },
            JobName::Cleanup => Self::Cleanup {
                days: errors
                    .check(
                        "days",
                        field("days").map(|v| integer(v, 1, 36_500)).transpose(),
                    )
                    .flatten(),
            },
        };
        errors.into_result(|| parameters)
    }

    /// The parameters as given (defaults left out), as stored and shown.
    pub fn to_json(&self) -> Value {
        let mut fields = Map::new();
        match self {
            Self::Reconcile { minutes } => {
                if let Some(minutes) = minutes {
                    fields.insert("minutes".into(), json!(minutes));
                }
            }
            Self::DailyReport { date } => {
                if let Some(date) = date {
                    fields.insert("date".into(), json!(date.to_string()));
                }
            }
            Self::MonthlyReport { month } => {
                if let Some((year, month)) = month {
                    fields.insert("year".into(), json!(year));
                    fields.insert("month".into(), json!(month));
                }
            }
            Self::Notifications { person_id } => {
                if let Some(person_id) = person_id {
                    fields.insert("person_id".into(), json!(person_id.to_string()));
                }
            }
            Self::Cleanup { days } => {
                if let Some(days) = days {
                    fields.insert("days".into(), json!(days));
                }
            }
        }
        Value::Object(fields)
    }
}

/// A whole number in `min..=max`; `30.0` is one too (JSON, like JSON Schema, does not tell
/// an integer from a float with no fraction).
fn integer(value: &Value, min: u32, max: u32) -> Result<u32, FieldIssue> {
    value
        .as_u64()
        .or_else(|| {
            value
                .as_f64()
                .filter(|n| n.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(n))
                .map(|n| n as u64)
        })
        .and_then(|n| u32::try_from(n).ok())
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| {
            FieldIssue::new(
                "out_of_range",
                format!("must be a whole number from {min} to {max}"),
            )
        })
}

fn date(value: &Value) -> Result<NaiveDate, FieldIssue> {
    value
        .as_str()
        .and_then(|raw| NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").ok())
        .ok_or_else(|| FieldIssue::new("invalid_date", "must be a date as YYYY-MM-DD"))
}

fn uuid(value: &Value) -> Result<Uuid, FieldIssue> {
    value
        .as_str()
        .and_then(|raw| Uuid::parse_str(raw.trim()).ok())
        .ok_or_else(|| FieldIssue::new("invalid_uuid", "must be a UUID"))
}

/// A run as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct JobRun {
    pub id: Uuid,
    pub parameters: JobParameters,
    pub slot: Option<DateTime<Utc>>,
    pub trigger: Trigger,
    pub requested_by: String,
    pub state: RunState,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub claimed_by: Option<String>,
    pub lease_expires_at: Option<DateTime<Utc>>,
    pub attempts: i32,
    pub result: Option<Value>,
    pub error: Option<String>,
}

impl JobRun {
    pub fn job(&self) -> JobName {
        self.parameters.job()
    }
}

fn from_row(row: job_run::Model) -> Result<JobRun, StoreError> {
    let corrupt = |reason: String| StoreError::corrupt("job_runs", row.id, reason);
    let job =
        JobName::parse(&row.job).ok_or_else(|| corrupt(format!("unknown job {:?}", row.job)))?;
    let parameters = serde_json::from_str::<Value>(&row.parameters)
        .map_err(|e| corrupt(format!("parameters: {e}")))
        .and_then(|value| {
            JobParameters::parse(job, &value).map_err(|e| corrupt(format!("parameters: {e}")))
        })?;
    let result = row
        .result
        .as_deref()
        .map(serde_json::from_str::<Value>)
        .transpose()
        .map_err(|e| corrupt(format!("result: {e}")))?;
    Ok(JobRun {
        parameters,
        trigger: Trigger::parse(&row.trigger)
            .ok_or_else(|| corrupt(format!("unknown trigger {:?}", row.trigger)))?,
        state: RunState::parse(&row.state)
            .ok_or_else(|| corrupt(format!("unknown state {:?}", row.state)))?,
        result,
        id: row.id,
        slot: row.slot,
        requested_by: row.requested_by,
        created_at: row.created_at,
        started_at: row.started_at,
        finished_at: row.finished_at,
        claimed_by: row.claimed_by,
        lease_expires_at: row.lease_expires_at,
        attempts: row.attempts,
        error: row.error,
    })
}

/// Who claims a run and for how long.
#[derive(Debug, Clone)]
pub struct Claimant {
    /// This worker instance (host and a per-process id): shows in `claimed_by`.
    pub owner: String,
    /// How long a claim holds without renewal.
    pub lease: Duration,
}

fn new_row(
    id: Uuid,
    parameters: &JobParameters,
    trigger: Trigger,
    requested_by: &str,
    now: DateTime<Utc>,
) -> job_run::ActiveModel {
    job_run::ActiveModel {
        id: Set(id),
        job: Set(parameters.job().as_str().to_owned()),
        slot: Set(None),
        trigger: Set(trigger.as_str().to_owned()),
        requested_by: Set(requested_by.chars().take(128).collect()),
        parameters: Set(parameters.to_json().to_string()),
        state: Set(RunState::Pending.as_str().to_owned()),
        created_at: Set(micros(now)),
        started_at: Set(None),
        finished_at: Set(None),
        claimed_by: Set(None),
        lease_expires_at: Set(None),
        attempts: Set(0),
        result: Set(None),
        error: Set(None),
    }
}

fn claimed(
    mut row: job_run::ActiveModel,
    by: &Claimant,
    now: DateTime<Utc>,
) -> job_run::ActiveModel {
    row.state = Set(RunState::Running.as_str().to_owned());
    row.started_at = Set(Some(micros(now)));
    row.claimed_by = Set(Some(by.owner.clone()));
    row.lease_expires_at = Set(Some(micros(now + by.lease)));
    row.attempts = Set(1);
    row
}

/// Claims the scheduled run of `parameters`' job at `slot`; `None` when another replica (or
/// an earlier life of this one) already has it. See the module's doc.
pub async fn claim_slot<C: ConnectionTrait>(
    conn: &C,
    parameters: &JobParameters,
    slot: DateTime<Utc>,
    by: &Claimant,
    now: DateTime<Utc>,
) -> Result<Option<JobRun>, StoreError> {
    let id = Uuid::now_v7();
    let mut row = claimed(
        new_row(id, parameters, Trigger::Schedule, "schedule", now),
        by,
        now,
    );
    row.slot = Set(Some(micros(slot)));
    let inserted = job_run::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([job_run::Column::Job, job_run::Column::Slot])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    if inserted == 0 {
        return Ok(None);
    }
    get(conn, id).await
}

/// Asks for a run on demand; a worker's poll picks it up.
pub async fn request<C: ConnectionTrait>(
    conn: &C,
    parameters: &JobParameters,
    trigger: Trigger,
    requested_by: &str,
    now: DateTime<Utc>,
) -> Result<JobRun, StoreError> {
    let id = Uuid::now_v7();
    let row = new_row(id, parameters, trigger, requested_by, now);
    job_run::Entity::insert(row)
        .exec_without_returning(conn)
        .await?;
    get(conn, id)
        .await?
        .ok_or_else(|| StoreError::corrupt("job_runs", id, "vanished after insert"))
}

/// Records a run that starts at once in this process (the CLI), already claimed.
pub async fn start<C: ConnectionTrait>(
    conn: &C,
    parameters: &JobParameters,
    trigger: Trigger,
    requested_by: &str,
    by: &Claimant,
    now: DateTime<Utc>,
) -> Result<JobRun, StoreError> {
    let id = Uuid::now_v7();
    let row = claimed(new_row(id, parameters, trigger, requested_by, now), by, now);
    job_run::Entity::insert(row)
        .exec_without_returning(conn)
        .await?;
    get(conn, id)
        .await?
        .ok_or_else(|| StoreError::corrupt("job_runs", id, "vanished after insert"))
}

/// Claims the oldest run that waits for a worker: one asked for on demand, or one whose
/// runner's lease expired (taken over; given up after [`MAX_ATTEMPTS`]). `None` when there
/// is nothing to do, or when other pollers won every candidate.
pub async fn claim_next<C: ConnectionTrait>(
    conn: &C,
    by: &Claimant,
    now: DateTime<Utc>,
) -> Result<Option<JobRun>, StoreError> {
    let now = micros(now);
    let claimable = || {
        Condition::any()
            .add(job_run::Column::State.eq(RunState::Pending.as_str()))
            .add(
                Condition::all()
                    .add(job_run::Column::State.eq(RunState::Running.as_str()))
                    .add(job_run::Column::LeaseExpiresAt.lt(now)),
            )
    };
    let candidates = job_run::Entity::find()
        .filter(claimable())
        .order_by_asc(job_run::Column::Id)
        .limit(8)
        .all(conn)
        .await?;
    for candidate in candidates {
        let condition = Condition::all()
            .add(job_run::Column::Id.eq(candidate.id))
            .add(claimable());
        if candidate.attempts >= MAX_ATTEMPTS {
            job_run::Entity::update_many()
                .col_expr(
                    job_run::Column::State,
                    Expr::value(RunState::Failed.as_str()),
                )
                .col_expr(job_run::Column::FinishedAt, Expr::value(now))
                .col_expr(
                    job_run::Column::LeaseExpiresAt,
                    Expr::value(Option::<DateTime<Utc>>::None),
                )
                .col_expr(
                    job_run::Column::Error,
                    Expr::value(format!(
                        "abandoned: its runner stopped renewing its lease {} times",
                        candidate.attempts
                    )),
                )
                .filter(condition)
                .exec(conn)
                .await?;
            continue;
        }
        let updated = job_run::Entity::update_many()
            .col_expr(
                job_run::Column::State,
                Expr::value(RunState::Running.as_str()),
            )
            .col_expr(job_run::Column::StartedAt, Expr::value(now))
            .col_expr(job_run::Column::ClaimedBy, Expr::value(by.owner.clone()))
            .col_expr(
                job_run::Column::LeaseExpiresAt,
                Expr::value(micros(now + by.lease)),
            )
            .col_expr(
                job_run::Column::Attempts,
                Expr::col(job_run::Column::Attempts).add(1),
            )
            .filter(condition)
            .exec(conn)
            .await?;
        if updated.rows_affected == 1 {
            return get(conn, candidate.id).await;
        }
    }
    Ok(None)
}

/// Extends the lease of a run `by` holds; `false` when it no longer holds it (taken over
/// after an expired lease): the caller must stop.
pub async fn renew_lease<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    by: &Claimant,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let updated = job_run::Entity::update_many()
        .col_expr(
            job_run::Column::LeaseExpiresAt,
            Expr::value(micros(now + by.lease)),
        )
        .filter(held(id, by))
        .exec(conn)
        .await?;
    Ok(updated.rows_affected == 1)
}

fn held(id: Uuid, by: &Claimant) -> Condition {
    Condition::all()
        .add(job_run::Column::Id.eq(id))
        .add(job_run::Column::State.eq(RunState::Running.as_str()))
        .add(job_run::Column::ClaimedBy.eq(by.owner.clone()))
}

/// Records how a run `by` holds ended: its summary, or why it failed. `false` (nothing
/// written) when it no longer holds the run.
pub async fn finish<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    by: &Claimant,
    outcome: Result<&Value, &str>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let (state, result, error) = match outcome {
        Ok(summary) => (RunState::Succeeded, Some(summary.to_string()), None),
        Err(error) => (RunState::Failed, None, Some(error.to_owned())),
    };
    let updated = job_run::Entity::update_many()
        .col_expr(job_run::Column::State, Expr::value(state.as_str()))
        .col_expr(job_run::Column::FinishedAt, Expr::value(micros(now)))
        .col_expr(
            job_run::Column::LeaseExpiresAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(job_run::Column::Result, Expr::value(result))
        .col_expr(job_run::Column::Error, Expr::value(error))
        .filter(held(id, by))
        .exec(conn)
        .await?;
    Ok(updated.rows_affected == 1)
}

pub async fn get<C: ConnectionTrait>(conn: &C, id: Uuid) -> Result<Option<JobRun>, StoreError> {
    job_run::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(from_row)
        .transpose()
}

/// The newest runs first, optionally of one job and/or in one state.
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    job: Option<JobName>,
    state: Option<RunState>,
    limit: u64,
) -> Result<Vec<JobRun>, StoreError> {
    let mut query = job_run::Entity::find();
    if let Some(job) = job {
        query = query.filter(job_run::Column::Job.eq(job.as_str()));
    }
    if let Some(state) = state {
        query = query.filter(job_run::Column::State.eq(state.as_str()));
    }
    query
        .order_by_desc(job_run::Column::Id)
        .limit(limit)
        .all(conn)
        .await?
        .into_iter()
        .map(from_row)
        .collect()
}

names!(
    /// What a person is notified of.
    NotificationKind {
        LateArrival => "late_arrival",
        Absence => "absence",
    }
);

/// The (person, kind) pairs already notified for `date`.
pub async fn notified<C: ConnectionTrait>(
    conn: &C,
    date: NaiveDate,
) -> Result<Vec<(Uuid, NotificationKind)>, StoreError> {
    notification_sent::Entity::find()
        .filter(notification_sent::Column::AttendanceDate.eq(date))
        .all(conn)
        .await?
        .into_iter()
        .map(|row| {
            let kind = NotificationKind::parse(&row.kind).ok_or_else(|| {
                StoreError::corrupt(
                    "notifications_sent",
                    row.id,
                    format!("unknown kind {:?}", row.kind),
                )
            })?;
            Ok((row.person_id, kind))
        })
        .collect()
}

/// Records a delivered notification; `false` when it was already recorded (a concurrent
/// run delivered it too).
pub async fn record_notified<C: ConnectionTrait>(
    conn: &C,
    person_id: Uuid,
    date: NaiveDate,
    kind: NotificationKind,
    run_id: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let row = notification_sent::ActiveModel {
        id: Set(Uuid::now_v7()),
        person_id: Set(person_id),
        attendance_date: Set(date),
        kind: Set(kind.as_str().to_owned()),
        sent_at: Set(micros(now)),
        run_id: Set(run_id),
    };
    let inserted = notification_sent::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([
                notification_sent::Column::PersonId,
                notification_sent::Column::AttendanceDate,
                notification_sent::Column::Kind,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(inserted > 0)
}

names!(
    /// Which report a snapshot holds.
    ReportKind {
        Daily => "daily",
        Monthly => "monthly",
    }
);

/// A stored report.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportSnapshot {
    pub id: Uuid,
    pub kind: ReportKind,
    /// "2026-03-10" for a day, "2026-03" for a month.
    pub period: String,
    pub generated_at: DateTime<Utc>,
    pub run_id: Option<Uuid>,
    pub body: Value,
}

/// Stores `body` as the report of `period`, replacing an earlier one of the same period.
pub async fn save_report<C: ConnectionTrait>(
    conn: &C,
    kind: ReportKind,
    period: &str,
    run_id: Option<Uuid>,
    body: &Value,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    use attendance_report::Column;
    let statement = Query::insert()
        .into_table(attendance_report::Entity)
        .columns([
            Column::Id,
            Column::Kind,
            Column::Period,
            Column::GeneratedAt,
            Column::RunId,
            Column::Body,
        ])
        .values_panic([
            Uuid::now_v7().into(),
            kind.as_str().into(),
            period.into(),
            micros(now).into(),
            run_id.into(),
            body.to_string().into(),
        ])
        .on_conflict(
            OnConflict::columns([Column::Kind, Column::Period])
                .update_columns([Column::GeneratedAt, Column::RunId, Column::Body])
                .to_owned(),
        )
        .to_owned();
    conn.execute(&statement).await?;
    Ok(())
}

/// The stored report of `period`, if any.
pub async fn report<C: ConnectionTrait>(
    conn: &C,
    kind: ReportKind,
    period: &str,
) -> Result<Option<ReportSnapshot>, StoreError> {
    let Some(row) = attendance_report::Entity::find()
        .filter(attendance_report::Column::Kind.eq(kind.as_str()))
        .filter(attendance_report::Column::Period.eq(period))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let body = serde_json::from_str(&row.body)
        .map_err(|e| StoreError::corrupt("attendance_reports", row.id, e))?;
    Ok(Some(ReportSnapshot {
        id: row.id,
        kind,
        period: row.period,
        generated_at: row.generated_at,
        run_id: row.run_id,
        body,
    }))
}

names!(
    /// What the retention cleanup deletes. The audit log is not among them: see
    /// attendance-worker's cleanup job.
    Purge {
        Attendance => "attendance",
        Detections => "detections",
        ReviewItems => "review_items",
        NotificationsSent => "notifications_sent",
        JobRuns => "job_runs",
        AttendanceReports => "attendance_reports",
    }
);

/// Deletes at most `batch` rows of `table` older than the cutoff (`before_date` for rows of
/// a work day, `before` for rows of an instant; finished runs only); the number deleted.
/// Bounded, so each statement holds its locks (SQLite's one writer lock above all) briefly
/// and a large backlog does not stall the detections.
pub async fn purge_batch<C: ConnectionTrait>(
    conn: &C,
    table: Purge,
    before_date: NaiveDate,
    before: DateTime<Utc>,
    batch: u64,
) -> Result<u64, StoreError> {
    macro_rules! purge {
        ($entity:ident, $condition:expr) => {{
            let ids = Query::select()
                .column($entity::Column::Id)
                .from($entity::Entity)
                .cond_where($condition)
                .limit(batch)
                .to_owned();
            $entity::Entity::delete_many()
                .filter($entity::Column::Id.in_subquery(ids))
                .exec(conn)
                .await?
                .rows_affected
        }};
    }
    let before = micros(before);
    Ok(match table {
        Purge::Attendance => purge!(
            attendance,
            Condition::all().add(attendance::Column::AttendanceDate.lt(before_date))
        ),
        Purge::Detections => purge!(
            detection,
            Condition::all().add(detection::Column::CapturedAt.lt(before))
        ),
        Purge::ReviewItems => purge!(
            review_item,
            Condition::all().add(review_item::Column::AttendanceDate.lt(before_date))
        ),
        Purge::NotificationsSent => purge!(
            notification_sent,
            Condition::all().add(notification_sent::Column::AttendanceDate.lt(before_date))
        ),
        Purge::JobRuns => purge!(
            job_run,
            Condition::all()
                .add(job_run::Column::FinishedAt.lt(before))
                .add(
                    job_run::Column::State
                        .is_in([RunState::Succeeded.as_str(), RunState::Failed.as_str(),])
                )
        ),
        Purge::AttendanceReports => purge!(
            attendance_report,
            Condition::all().add(attendance_report::Column::GeneratedAt.lt(before))
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_round_trip_and_default() {
        let parsed =
            JobParameters::parse(JobName::MonthlyReport, &json!({"year": 2026, "month": 2}))
                .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            parsed,
            JobParameters::MonthlyReport {
                month: Some((2026, 2))
            }
        );
        assert_eq!(
            JobParameters::parse(JobName::MonthlyReport, &parsed.to_json()),
            Ok(parsed)
        );
        for job in JobName::ALL {
            assert_eq!(
                JobParameters::parse(*job, &Value::Null),
                Ok(JobParameters::defaults(*job))
            );
        }
    }

    #[test]
    fn whole_numbers_written_as_floats_are_integers() {
        assert_eq!(
            JobParameters::parse(JobName::Cleanup, &json!({"days": 30.0})),
            Ok(JobParameters::Cleanup { days: Some(30) })
        );
        for days in [json!(30.5), json!(-1.0), json!(1e300)] {
            let errors = JobParameters::parse(JobName::Cleanup, &json!({ "days": days }))
                .expect_err("not a day count");
            assert_eq!(errors.0[0].code, "out_of_range", "{days}");
        }
    }

    #[test]
    fn bad_parameters_are_named() {
        let fields = |job, value: Value| -> Vec<(String, &'static str)> {
            JobParameters::parse(job, &value)
                .expect_err("invalid")
                .0
                .into_iter()
                .map(|e| (e.field, e.code))
                .collect()
        };
        assert_eq!(
            fields(JobName::Cleanup, json!({"days": 0, "force": true})),
            vec![
                ("force".to_owned(), "unknown_field"),
                ("days".to_owned(), "out_of_range")
            ]
        );
        assert_eq!(
            fields(JobName::DailyReport, json!({"date": "10/03/2026"})),
            vec![("date".to_owned(), "invalid_date")]
        );
        assert_eq!(
            fields(JobName::MonthlyReport, json!({"year": 2026})),
            vec![("month".to_owned(), "incomplete")]
        );
        assert_eq!(
            fields(JobName::Notifications, json!({"person_id": "me"})),
            vec![("person_id".to_owned(), "invalid_uuid")]
        );
        assert_eq!(
            fields(JobName::Reconcile, json!([1])),
            vec![("$".to_owned(), "invalid_type")]
        );
    }
}
