//! attendance-api's configuration: one typed struct, read from the environment and validated
//! at start.

use std::time::Duration;

use faceattend_domain::attendance::{DuplicateWindow, PolicyDefaults, SiteZone, Thresholds};
use faceattend_service::auth::AuthConfig;
use faceattend_service::config::{ConfigError, EnvReader, LogFormat};
use secrecy::{ExposeSecret, SecretString};

#[derive(Clone)]
pub struct Settings {
    /// `postgres://…` in production, `sqlite://path?mode=rwc` on one machine. May hold a
    /// password, so it is kept secret.
    pub database_url: SecretString,
    pub database_max_connections: u32,
    pub run_migrations: bool,
    /// `host:port`; port 0 picks a free one (tests).
    pub bind_address: String,
    pub auth: AuthConfig,
    /// The site's time zone: which day "today" is for the current status.
    pub site_zone: SiteZone,
    /// The thresholds that apply while no stored rule is active (the worker's, so a day
    /// recomputed after a review decision is decided as the worker would).
    pub thresholds: Thresholds,
    pub duplicate_window: DuplicateWindow,
    /// Where the events of review decisions, corrections and approvals go (through the
    /// outbox, so they are never lost while NATS is down).
    pub nats_url: String,
    pub bus_namespace: String,
    pub max_body_bytes: usize,
    /// Where camera-agent keeps each capture's whole frame (`SNAPSHOTS_URL`, the same object
    /// store URL camera-agent writes to): this service serves them, and crops of their
    /// faces, as the evidence of detections. None when unset (no evidence images).
    pub snapshots_url: Option<String>,
    pub http_workers: usize,
    /// How long in-flight requests may take to finish after SIGTERM.
    pub shutdown_timeout: Duration,
    pub log_format: LogFormat,
}

impl Settings {
    /// The site's defaults for the attendance rules.
    pub fn policy_defaults(&self) -> PolicyDefaults {
        PolicyDefaults {
            zone: self.site_zone,
            thresholds: self.thresholds,
            duplicate_window: self.duplicate_window,
        }
    }

    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_reader(EnvReader::from_env())
    }

    pub fn from_reader(mut env: EnvReader) -> Result<Self, ConfigError> {
        // Optional (one-machine default), but still a secret: a URL may hold a password.
        let database_url = SecretString::from(
            env.raw("DATABASE_URL")
                .unwrap_or_else(|| "sqlite://data/attendance.db?mode=rwc".to_owned()),
        );
        {
            let url = database_url.expose_secret();
            if !(url.starts_with("postgres://")
                || url.starts_with("postgresql://")
                || url.starts_with("sqlite:"))
            {
                env.problem("DATABASE_URL must start with postgres://, postgresql:// or sqlite:");
            }
        }
        let defaults = env.attendance_defaults();
        let default_workers = std::thread::available_parallelism().map_or(2, |n| n.get());
        let settings = Settings {
            database_url,
            database_max_connections: env.or("DATABASE_MAX_CONNECTIONS", 16u32),
            run_migrations: env.or("RUN_MIGRATIONS", true),
            bind_address: env.or("BIND_ADDRESS", "0.0.0.0:8082".to_owned()),
            auth: AuthConfig::from_env(&mut env, false),
            site_zone: defaults.zone,
            thresholds: defaults.thresholds,
            duplicate_window: defaults.duplicate_window,
            nats_url: env.or("NATS_URL", "nats://127.0.0.1:4222".to_owned()),
            bus_namespace: env.or("BUS_NAMESPACE", String::new()),
            max_body_bytes: env.or("MAX_BODY_BYTES", 64 * 1024usize),
            snapshots_url: Some(env.or("SNAPSHOTS_URL", String::new()))
                .map(|url| url.trim().to_owned())
                .filter(|url| !url.is_empty()),
            http_workers: env.or("HTTP_WORKERS", default_workers),
            shutdown_timeout: Duration::from_secs(env.or("SHUTDOWN_TIMEOUT_SECS", 30u64)),
            log_format: env.or("LOG_FORMAT", LogFormat::Json),
        };
        if settings.database_max_connections == 0 {
            env.problem("DATABASE_MAX_CONNECTIONS must be at least 1");
        }
        if settings.http_workers == 0 {
            env.problem("HTTP_WORKERS must be at least 1");
        }
        if settings.max_body_bytes < 1024 {
            env.problem("MAX_BODY_BYTES must be at least 1024");
        }
        env.finish()?;
        Ok(settings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_every_bad_variable() {
        let err = Settings::from_reader(EnvReader::from_pairs([
            ("DATABASE_URL", "mysql://x"),
            ("JWT_PUBLIC_KEYS", "short"),
            ("SITE_TIMEZONE", "Mars/Olympus"),
            ("HTTP_WORKERS", "many"),
        ]))
        .err()
        .expect("invalid configuration");
        let text = err.to_string();
        for name in [
            "DATABASE_URL",
            "JWT_PUBLIC_KEYS",
            "SITE_TIMEZONE",
            "HTTP_WORKERS",
        ] {
            assert!(text.contains(name), "{text}");
        }
    }

    #[test]
    fn defaults() {
        let settings = Settings::from_reader(EnvReader::from_pairs([(
            "JWT_PUBLIC_KEYS",
            "test:iojj3XQJ8ZX9UtstPLpdcspnCb8dlBIb83SIAbQPb1w",
        )]))
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(settings.bind_address, "0.0.0.0:8082");
        assert_eq!(
            settings.database_url.expose_secret(),
            "sqlite://data/attendance.db?mode=rwc"
        );
        assert_eq!(settings.site_zone, SiteZone::UTC);
        assert!(settings.run_migrations);
    }

    #[test]
    fn reads_the_site_zone() {
        let settings = Settings::from_reader(EnvReader::from_pairs([
            (
                "JWT_PUBLIC_KEYS",
                "test:iojj3XQJ8ZX9UtstPLpdcspnCb8dlBIb83SIAbQPb1w",
            ),
            ("SITE_TIMEZONE", "Europe/Berlin"),
        ]))
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(settings.site_zone.name(), "Europe/Berlin");
    }
}
