//! attendance-worker's configuration: one typed struct, read from the environment and
//! validated at start, every problem reported by its variable's name.

use std::time::Duration;

use faceattend_domain::attendance::{
    AttendancePolicy, Confidence, DuplicateWindow, SiteZone, Thresholds,
};
use faceattend_service::config::{ConfigError, EnvReader, LogFormat};
use secrecy::{ExposeSecret, SecretString};

#[derive(Debug, Clone)]
pub struct Settings {
    /// `postgres://…` or `sqlite://…?mode=rwc`; it may hold a password, so it never prints.
    pub database_url: SecretString,
    pub database_max_connections: u32,
    pub nats_url: String,
    /// Prefix of every subject and stream; empty for none.
    pub bus_namespace: String,
    /// The site's zone, thresholds and duplicate window: what `decide_day` applies.
    pub policy: AttendancePolicy,
    /// Durable consumer of DETECTIONS, shared by every replica.
    pub detections_consumer: String,
    /// Durable consumer of PERSONS (the person directory), shared by every replica.
    pub persons_consumer: String,
    /// Deliveries of a message before it goes to the dead-letter stream (1 try + retries).
    pub max_deliver: i64,
    /// Wait before the first redelivery; it doubles with each further one.
    pub retry_backoff: Duration,
    /// Detections processed at once.
    pub concurrency: usize,
    /// `host:port` of the health and metrics endpoints; port 0 picks a free one (tests).
    pub bind_address: String,
    pub shutdown_timeout: Duration,
    pub log_format: LogFormat,
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
        let zone_name: String = env.or("SITE_TIMEZONE", "UTC".to_owned());
        let zone = SiteZone::parse(&zone_name).unwrap_or_else(|error| {
            env.problem(format!("SITE_TIMEZONE: {error}"));
            SiteZone::default()
        });
        let auto: f32 = env.or("AUTO_CHECK_IN_THRESHOLD", 0.7f32);
        let review: f32 = env.or("MANUAL_REVIEW_THRESHOLD", 0.6f32);
        let thresholds = Confidence::new(auto)
            .and_then(|auto| Thresholds::new(auto, Confidence::new(review)?))
            .unwrap_or_else(|error| {
                env.problem(format!(
                    "AUTO_CHECK_IN_THRESHOLD and MANUAL_REVIEW_THRESHOLD: {error}"
                ));
                Thresholds::default()
            });
        let window_minutes: i64 = env.or("DUPLICATE_CHECK_WINDOW", 5i64);
        let duplicate_window =
            DuplicateWindow::from_minutes(window_minutes).unwrap_or_else(|error| {
                env.problem(format!("DUPLICATE_CHECK_WINDOW: {error}"));
                DuplicateWindow::default()
            });
        let settings = Settings {
            database_url: SecretString::from(database_url),
            database_max_connections: env.or("DATABASE_MAX_CONNECTIONS", 8u32),
            nats_url: env.or("NATS_URL", "nats://127.0.0.1:4222".to_owned()),
            bus_namespace: env.or("BUS_NAMESPACE", String::new()),
            policy: AttendancePolicy {
                thresholds,
                duplicate_window,
                ..AttendancePolicy::new(zone)
            },
            detections_consumer: env.or("DETECTIONS_CONSUMER", "attendance-worker".to_owned()),
            persons_consumer: env.or("PERSONS_CONSUMER", "attendance-worker".to_owned()),
            max_deliver: env.or("MAX_DELIVERIES", 3i64),
            retry_backoff: Duration::from_secs(env.or("RETRY_BACKOFF_SECS", 30u64)),
            concurrency: env.or("DETECTIONS_CONCURRENCY", 4usize),
            bind_address: env.or("BIND_ADDRESS", "0.0.0.0:8083".to_owned()),
            shutdown_timeout: Duration::from_secs(env.or("SHUTDOWN_TIMEOUT_SECS", 30u64)),
            log_format: env.or("LOG_FORMAT", LogFormat::Json),
        };
        if settings.max_deliver < 1 {
            env.problem("MAX_DELIVERIES must be at least 1");
        }
        if settings.concurrency == 0 || settings.database_max_connections == 0 {
            env.problem("DETECTIONS_CONCURRENCY and DATABASE_MAX_CONNECTIONS must be at least 1");
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
        ]))
        .expect_err("invalid configuration");
        let text = err.to_string();
        for name in [
            "DATABASE_URL",
            "SITE_TIMEZONE",
            "AUTO_CHECK_IN_THRESHOLD",
            "DUPLICATE_CHECK_WINDOW",
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
    }
}
