//! attendance-worker's configuration: one typed struct, read from the environment and
//! validated at start, every problem reported by its variable's name.

use std::collections::HashMap;
use std::time::Duration;

use faceattend_attendance_store::JobName;
use faceattend_attendance_store::policy::PolicyDefaults;
use faceattend_domain::attendance::CameraRole;
use faceattend_service::config::{ConfigError, EnvReader, LogFormat};
use secrecy::{ExposeSecret, SecretString};

use crate::jobs::schedule::Schedule;

#[derive(Debug, Clone)]
pub struct Settings {
    /// `postgres://…` or `sqlite://…?mode=rwc`; it may hold a password, so it never prints.
    pub database_url: SecretString,
    pub database_max_connections: u32,
    pub nats_url: String,
    /// Prefix of every subject and stream; empty for none.
    pub bus_namespace: String,
    /// The site's zone, and the thresholds and duplicate window that apply while no stored
    /// rule says otherwise.
    pub policy: PolicyDefaults,
    /// Declared camera roles (`CAMERA_ROLES=gate-in=entry,gate-out=exit`); a camera not
    /// named here sees both ways.
    pub camera_roles: HashMap<String, CameraRole>,
    /// Durable consumer of DETECTIONS, shared by every replica.
    pub detections_consumer: String,
    /// Durable consumer of PERSONS (the person directory), shared by every replica.
    pub persons_consumer: String,
    /// Deliveries of a message before it goes to the dead-letter stream (1 try + retries).
    pub max_deliver: i64,
    /// Wait before the first redelivery; it doubles with each further one.
    pub retry_backoff: Duration,
    /// How long JetStream waits for the ack of a delivered message before delivering it
    /// again: what a message in the hands of a worker that crashed or lost NATS waits.
    pub ack_wait: Duration,
    /// Batches of detections processed at once.
    pub concurrency: usize,
    /// Most detections decided in one transaction (those already delivered are taken
    /// together; a quiet stream gives batches of one).
    pub batch_size: usize,
    /// `host:port` of the health and metrics endpoints; port 0 picks a free one (tests).
    pub bind_address: String,
    pub shutdown_timeout: Duration,
    pub log_format: LogFormat,
    pub jobs: JobSettings,
}

/// The scheduled and on-demand jobs.
#[derive(Debug, Clone)]
pub struct JobSettings {
    /// `false`: this replica neither schedules nor picks up runs (another one does).
    pub enabled: bool,
    /// Each job's schedule (`JOB_<NAME>_CRON`, in `SITE_TIMEZONE`); `None` (an empty
    /// expression) leaves the job to on-demand runs.
    pub schedules: Vec<(JobName, Option<Schedule>)>,
    /// What cleanup keeps, in days, when a run does not say.
    pub retention_days: u32,
    /// How long a claimed run holds without renewal before another replica takes it over.
    pub lease: Duration,
    /// How often on-demand runs and expired leases are looked for.
    pub poll_interval: Duration,
    pub notify: NotifySettings,
}

impl JobSettings {
    pub fn schedule(&self, job: JobName) -> Option<&Schedule> {
        self.schedules
            .iter()
            .find(|(name, _)| *name == job)
            .and_then(|(_, schedule)| schedule.as_ref())
    }
}

/// Where notifications and reports go: a webhook, email, both or neither.
#[derive(Debug, Clone)]
pub struct NotifySettings {
    pub webhook_url: Option<String>,
    /// `smtp://host:port` (plain or STARTTLS) or `smtps://…`; may hold a password.
    pub smtp_url: Option<SecretString>,
    pub email_from: Option<String>,
    pub email_to: Vec<String>,
    /// Per delivery attempt.
    pub timeout: Duration,
    /// Attempts per delivery (1 = no retry).
    pub attempts: u32,
}

impl JobSettings {
    fn from_reader(env: &mut EnvReader) -> Self {
        let defaults = [
            (JobName::Reconcile, "JOB_RECONCILE_CRON", "*/5 * * * *"),
            (JobName::DailyReport, "JOB_DAILY_REPORT_CRON", "30 23 * * *"),
            (
                JobName::MonthlyReport,
                "JOB_MONTHLY_REPORT_CRON",
                "0 1 1 * *",
            ),
            // Every 10 minutes in working hours, Monday to Friday: a late arrival is known
            // soon after the check-in, an absence once the day-end job marked it.
            (
                JobName::Notifications,
                "JOB_NOTIFICATIONS_CRON",
                "*/10 7-19 * * 1-5",
            ),
            (JobName::Cleanup, "JOB_CLEANUP_CRON", "0 2 * * *"),
        ];
        let mut schedules = Vec::new();
        for (job, name, default) in defaults {
            // Set but empty disables the schedule; unset takes the default.
            let expression = match env.raw(name) {
                Some(value) => value,
                None if env.is_set(name) => String::new(),
                None => default.to_owned(),
            };
            let schedule = if expression.trim().is_empty() {
                None
            } else {
                Schedule::parse(&expression)
                    .map_err(|e| env.problem(format!("{name}: not a cron expression: {e}")))
                    .ok()
            };
            schedules.push((job, schedule));
        }
        let smtp_url = env.raw("NOTIFY_SMTP_URL").map(SecretString::from);
        let webhook_url = env.raw("NOTIFY_WEBHOOK_URL");
        if let Some(url) = &webhook_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            env.problem("NOTIFY_WEBHOOK_URL must start with http:// or https://");
        }
        let email_from = env.raw("NOTIFY_EMAIL_FROM");
        let email_to: Vec<String> = env
            .raw("NOTIFY_EMAIL_TO")
            .map(|list| {
                list.split(',')
                    .map(|to| to.trim().to_owned())
                    .filter(|to| !to.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        if let Some(url) = &smtp_url {
            let url = url.expose_secret();
            if !(url.starts_with("smtp://") || url.starts_with("smtps://")) {
                env.problem("NOTIFY_SMTP_URL must start with smtp:// or smtps://");
            }
            if email_from.is_none() || email_to.is_empty() {
                env.problem("NOTIFY_SMTP_URL needs NOTIFY_EMAIL_FROM and NOTIFY_EMAIL_TO");
            }
        }
        let settings = Self {
            enabled: env.or("JOBS_ENABLED", true),
            schedules,
            retention_days: env.or("RETENTION_DAYS", 90u32),
            lease: Duration::from_secs(env.or("JOB_LEASE_SECS", 60u64)),
            poll_interval: Duration::from_millis(env.or("JOB_POLL_INTERVAL_MS", 2_000u64)),
            notify: NotifySettings {
                webhook_url,
                smtp_url,
                email_from,
                email_to,
                timeout: Duration::from_secs(env.or("NOTIFY_TIMEOUT_SECS", 10u64)),
                attempts: env.or("NOTIFY_ATTEMPTS", 3u32),
            },
        };
        if !(1..=36_500).contains(&settings.retention_days) {
            env.problem("RETENTION_DAYS must be from 1 to 36500");
        }
        if settings.lease < Duration::from_secs(3) {
            env.problem("JOB_LEASE_SECS must be at least 3");
        }
        if settings.poll_interval.is_zero() || settings.notify.attempts == 0 {
            env.problem("JOB_POLL_INTERVAL_MS and NOTIFY_ATTEMPTS must be at least 1");
        }
        settings
    }
}

impl Settings {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_reader(EnvReader::from_env())
    }

    pub fn from_reader(mut env: EnvReader) -> Result<Self, ConfigError> {
        let database_url: String = env.or(
            "DATABASE_URL",
            "sqlite://data/attendance.db?mode=rwc".to_owned(),
        );
        if !(database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://")
            || database_url.starts_with("sqlite:"))
        {
            env.problem("DATABASE_URL must start with postgres://, postgresql:// or sqlite:");
        }
        let policy = env.attendance_defaults();
        let settings = Settings {
            database_url: SecretString::from(database_url),
            database_max_connections: env.or("DATABASE_MAX_CONNECTIONS", 8u32),
            nats_url: env.or("NATS_URL", "nats://127.0.0.1:4222".to_owned()),
            bus_namespace: env.or("BUS_NAMESPACE", String::new()),
            policy,
            camera_roles: parse_camera_roles(&env.or("CAMERA_ROLES", String::new()))
                .unwrap_or_else(|error| {
                    env.problem(format!("CAMERA_ROLES: {error}"));
                    HashMap::new()
                }),
            detections_consumer: env.or("DETECTIONS_CONSUMER", "attendance-worker".to_owned()),
            persons_consumer: env.or("PERSONS_CONSUMER", "attendance-worker".to_owned()),
            max_deliver: env.or("MAX_DELIVERIES", 3i64),
            retry_backoff: Duration::from_secs(env.or("RETRY_BACKOFF_SECS", 30u64)),
            ack_wait: Duration::from_secs(env.or("ACK_WAIT_SECS", 30u64)),
            concurrency: env.or("DETECTIONS_CONCURRENCY", 2usize),
            batch_size: env.or("DETECTIONS_BATCH", 256usize),
            bind_address: env.or("BIND_ADDRESS", "0.0.0.0:8083".to_owned()),
            shutdown_timeout: Duration::from_secs(env.or("SHUTDOWN_TIMEOUT_SECS", 30u64)),
            log_format: env.or("LOG_FORMAT", LogFormat::Json),
            jobs: JobSettings::from_reader(&mut env),
        };
        if settings.ack_wait.is_zero() {
            env.problem("ACK_WAIT_SECS must be at least 1");
        }
        if settings.max_deliver < 1 {
            env.problem("MAX_DELIVERIES must be at least 1");
        }
        if settings.concurrency == 0
            || settings.batch_size == 0
            || settings.database_max_connections == 0
        {
            env.problem(
                "DETECTIONS_CONCURRENCY, DETECTIONS_BATCH and DATABASE_MAX_CONNECTIONS must be at least 1",
            );
        }
        if settings.detections_consumer.is_empty() || settings.persons_consumer.is_empty() {
            env.problem("DETECTIONS_CONSUMER and PERSONS_CONSUMER must not be empty");
        }
        env.finish()?;
        Ok(settings)
    }

    pub fn database_url(&self) -> &str {
        self.database_url.expose_secret()
    }

    /// The wait before the delivery after delivery number `delivered`.
    pub fn backoff_after(&self, delivered: i64) -> Duration {
        crate::consumer::retry_delay(self.retry_backoff, delivered)
    }
}

/// `camera=role` pairs separated by commas; roles are `entry`, `exit` or `both`.
fn parse_camera_roles(raw: &str) -> Result<HashMap<String, CameraRole>, String> {
    let mut roles = HashMap::new();
    for pair in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (camera, role) = pair
            .split_once('=')
            .ok_or_else(|| format!("{pair:?} is not camera=role"))?;
        let camera = camera.trim();
        if camera.is_empty() || camera.chars().count() > 255 {
            return Err(format!("{pair:?}: a camera id is 1 to 255 characters"));
        }
        let role = CameraRole::parse(role.trim()).map_err(|e| format!("{pair:?}: {e}"))?;
        if roles.insert(camera.to_owned(), role).is_some() {
            return Err(format!("camera {camera:?} is declared twice"));
        }
    }
    Ok(roles)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_every_bad_variable() {
        let err = Settings::from_reader(EnvReader::from_pairs([
            ("DATABASE_URL", "mysql://x"),
            ("SITE_TIMEZONE", "Mars/Olympus"),
            ("AUTO_CHECK_IN_THRESHOLD", "0.5"),
            ("DUPLICATE_CHECK_WINDOW", "soon"),
            ("CAMERA_ROLES", "gate=sideways"),
        ]))
        .expect_err("invalid configuration");
        let text = err.to_string();
        for name in [
            "DATABASE_URL",
            "SITE_TIMEZONE",
            "AUTO_CHECK_IN_THRESHOLD",
            "DUPLICATE_CHECK_WINDOW",
            "CAMERA_ROLES",
        ] {
            assert!(text.contains(name), "{text}");
        }
    }

    #[test]
    fn defaults() {
        let settings =
            Settings::from_reader(EnvReader::from_pairs([])).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            settings.database_url(),
            "sqlite://data/attendance.db?mode=rwc"
        );
        assert_eq!(settings.bind_address, "0.0.0.0:8083");
        assert_eq!(settings.max_deliver, 3);
        assert_eq!(settings.backoff_after(1), Duration::from_secs(30));
        assert_eq!(settings.backoff_after(2), Duration::from_secs(60));
        assert_eq!(settings.policy.thresholds.auto().value(), 0.7);
        assert_eq!(settings.policy.duplicate_window.duration().num_minutes(), 5);
        let jobs = &settings.jobs;
        assert!(jobs.enabled);
        assert_eq!(jobs.retention_days, 90);
        let expression = |job| jobs.schedule(job).map(|s| s.expression().to_owned());
        assert_eq!(
            expression(JobName::Reconcile).as_deref(),
            Some("*/5 * * * *")
        );
        assert_eq!(
            expression(JobName::DailyReport).as_deref(),
            Some("30 23 * * *")
        );
        assert_eq!(
            expression(JobName::MonthlyReport).as_deref(),
            Some("0 1 1 * *")
        );
        assert_eq!(expression(JobName::Cleanup).as_deref(), Some("0 2 * * *"));
        assert!(jobs.notify.webhook_url.is_none() && jobs.notify.smtp_url.is_none());
    }

    #[test]
    fn an_empty_cron_disables_a_job_and_a_bad_one_is_named() {
        let settings = Settings::from_reader(EnvReader::from_pairs([
            ("JOB_CLEANUP_CRON", ""),
            ("JOB_RECONCILE_CRON", "*/1 * * * *"),
        ]))
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(settings.jobs.schedule(JobName::Cleanup).is_none());
        assert!(settings.jobs.schedule(JobName::Reconcile).is_some());
        let err = Settings::from_reader(EnvReader::from_pairs([
            ("JOB_DAILY_REPORT_CRON", "at midnight"),
            ("NOTIFY_SMTP_URL", "smtp://mail:25"),
            ("RETENTION_DAYS", "0"),
        ]))
        .expect_err("invalid configuration");
        let text = err.to_string();
        for name in [
            "JOB_DAILY_REPORT_CRON",
            "NOTIFY_EMAIL_FROM",
            "RETENTION_DAYS",
        ] {
            assert!(text.contains(name), "{text}");
        }
    }
}

#[cfg(test)]
mod camera_role_tests {
    use super::*;

    #[test]
    fn camera_roles_parse_and_refuse_nonsense() {
        let roles = parse_camera_roles(" gate-in=entry, gate-out = exit ,lobby=both").unwrap();
        assert_eq!(roles["gate-in"], CameraRole::Entry);
        assert_eq!(roles["gate-out"], CameraRole::Exit);
        assert_eq!(roles["lobby"], CameraRole::Both);
        assert!(parse_camera_roles("").unwrap().is_empty());
        for bad in ["gate", "=entry", "gate=in", "a=entry,a=exit"] {
            assert!(parse_camera_roles(bad).is_err(), "{bad}");
        }
    }
}
