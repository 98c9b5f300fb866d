//! integrations' configuration: one typed struct, read from the environment and validated at
//! start, every problem reported by its variable's name.

use std::time::Duration;

use faceattend_service::auth::AuthConfig;
use faceattend_service::config::{ConfigError, EnvReader, LogFormat};
use secrecy::{ExposeSecret, SecretString};

/// The Standard Webhooks retry schedule: the waits after the 1st, 2nd, … failed attempt
/// (the first attempt is immediate); after the last, the delivery has failed.
pub const STANDARD_RETRY_SCHEDULE: [Duration; 7] = [
    Duration::from_secs(5),
    Duration::from_secs(5 * 60),
    Duration::from_secs(30 * 60),
    Duration::from_secs(2 * 3600),
    Duration::from_secs(5 * 3600),
    Duration::from_secs(10 * 3600),
    Duration::from_secs(10 * 3600),
];

#[derive(Clone)]
pub struct Settings {
    /// `postgres://…` or `sqlite://…?mode=rwc`; it may hold a password, so it never prints.
    pub database_url: SecretString,
    pub database_max_connections: u32,
    pub nats_url: String,
    /// Prefix of every subject and stream; empty for none.
    pub bus_namespace: String,
    /// `host:port` of the REST API, health and metrics; port 0 picks a free one (tests).
    pub bind_address: String,
    pub auth: AuthConfig,
    /// Durable consumer of ATTENDANCE, shared by every replica.
    pub attendance_consumer: String,
    /// Durable consumer of PERSONS (the directory the employee keys come from).
    pub persons_consumer: String,
    /// Deliveries of a bus message before it is dead-lettered (1 try + retries).
    pub max_deliver: i64,
    pub ack_wait: Duration,
    pub dispatcher: DispatcherSettings,
    pub max_body_bytes: usize,
    pub http_workers: usize,
    pub shutdown_timeout: Duration,
    pub log_format: LogFormat,
}

/// How deliveries are sent.
#[derive(Debug, Clone)]
pub struct DispatcherSettings {
    /// Deliveries in flight at once on this replica.
    pub workers: usize,
    /// Waits after each failed attempt; `DELIVERY_RETRY_SCHEDULE` (tests shorten it).
    pub retry_schedule: Vec<Duration>,
    /// How long a claimed delivery is held by one worker before another may take it (a
    /// replica that died mid-send): longer than a request's timeout.
    pub lease: Duration,
    /// How often due deliveries are looked for when nothing new arrived.
    pub poll_interval: Duration,
    /// A destination failing continuously for this long is disabled (5 days).
    pub disable_after: Duration,
    /// Per-request timeout of a delivery.
    pub request_timeout: Duration,
    /// How long a rotated-out webhook secret keeps signing beside the new one.
    pub secret_overlap: Duration,
}

impl Default for DispatcherSettings {
    fn default() -> Self {
        Self {
            workers: 4,
            retry_schedule: STANDARD_RETRY_SCHEDULE.to_vec(),
            lease: Duration::from_secs(60),
            poll_interval: Duration::from_millis(500),
            disable_after: Duration::from_secs(5 * 24 * 3600),
            request_timeout: Duration::from_secs(15),
            secret_overlap: Duration::from_secs(24 * 3600),
        }
    }
}

impl Settings {
    pub fn database_url(&self) -> &str {
        self.database_url.expose_secret()
    }

    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_reader(EnvReader::from_env())
    }

    pub fn from_reader(mut env: EnvReader) -> Result<Self, ConfigError> {
        let database_url = SecretString::from(
            env.raw("DATABASE_URL")
                .unwrap_or_else(|| "sqlite://data/integrations.db?mode=rwc".to_owned()),
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
        let defaults = DispatcherSettings::default();
        let retry_schedule = match env.raw("DELIVERY_RETRY_SCHEDULE") {
            None => defaults.retry_schedule.clone(),
            Some(raw) => match parse_schedule(&raw) {
                Ok(schedule) => schedule,
                Err(problem) => {
                    env.problem(format!("DELIVERY_RETRY_SCHEDULE: {problem}"));
                    defaults.retry_schedule.clone()
                }
            },
        };
        let dispatcher = DispatcherSettings {
            workers: env.or("DISPATCHER_WORKERS", defaults.workers),
            retry_schedule,
            lease: env.duration_or("DELIVERY_LEASE", defaults.lease),
            poll_interval: env.duration_or("DELIVERY_POLL_INTERVAL", defaults.poll_interval),
            disable_after: env.duration_or("DESTINATION_DISABLE_AFTER", defaults.disable_after),
            request_timeout: env.duration_or("DELIVERY_TIMEOUT", defaults.request_timeout),
            secret_overlap: env.duration_or("SECRET_ROTATION_OVERLAP", defaults.secret_overlap),
        };
        let default_workers = std::thread::available_parallelism().map_or(2, |n| n.get());
        let settings = Settings {
            database_url,
            database_max_connections: env.or("DATABASE_MAX_CONNECTIONS", 16u32),
            nats_url: env.or("NATS_URL", "nats://127.0.0.1:4222".to_owned()),
            bus_namespace: env.or("BUS_NAMESPACE", String::new()),
            bind_address: env.or("BIND_ADDRESS", "0.0.0.0:8086".to_owned()),
            auth: AuthConfig::from_env(&mut env, false),
            attendance_consumer: env.or("ATTENDANCE_CONSUMER", "integrations".to_owned()),
            persons_consumer: env.or("PERSONS_CONSUMER", "integrations-persons".to_owned()),
            max_deliver: env.or("MAX_DELIVER", 5i64),
            ack_wait: env.duration_or("ACK_WAIT", Duration::from_secs(30)),
            dispatcher,
            max_body_bytes: env.or("MAX_BODY_BYTES", 64 * 1024usize),
            http_workers: env.or("HTTP_WORKERS", default_workers),
            shutdown_timeout: Duration::from_secs(env.or("SHUTDOWN_TIMEOUT_SECS", 30u64)),
            log_format: env.or("LOG_FORMAT", LogFormat::Json),
        };
        if settings.database_max_connections == 0 {
            env.problem("DATABASE_MAX_CONNECTIONS must be at least 1");
        }
        if settings.dispatcher.workers == 0 {
            env.problem("DISPATCHER_WORKERS must be at least 1");
        }
        if settings.http_workers == 0 {
            env.problem("HTTP_WORKERS must be at least 1");
        }
        if settings.max_deliver < 1 {
            env.problem("MAX_DELIVER must be at least 1");
        }
        if settings.dispatcher.lease <= settings.dispatcher.request_timeout {
            env.problem("DELIVERY_LEASE must be longer than DELIVERY_TIMEOUT");
        }
        env.finish()?;
        Ok(settings)
    }
}

/// `5s,5m,30m` → the waits; at least one, none zero-length except by choice.
pub fn parse_schedule(raw: &str) -> Result<Vec<Duration>, String> {
    let schedule = raw
        .split(',')
        .map(|part| {
            humantime::parse_duration(part.trim())
                .map_err(|e| format!("{:?} is not a duration like '5s': {e}", part.trim()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    if schedule.is_empty() {
        return Err("give at least one wait".to_owned());
    }
    Ok(schedule)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: (&str, &str) = (
        "JWT_PUBLIC_KEYS",
        "test:iojj3XQJ8ZX9UtstPLpdcspnCb8dlBIb83SIAbQPb1w",
    );

    #[test]
    fn defaults_follow_standard_webhooks() {
        let settings =
            Settings::from_reader(EnvReader::from_pairs([KEY])).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(settings.bind_address, "0.0.0.0:8086");
        assert_eq!(settings.dispatcher.retry_schedule.len(), 7);
        assert_eq!(
            settings.dispatcher.disable_after,
            Duration::from_secs(432_000)
        );
    }

    #[test]
    fn names_every_bad_variable() {
        let err = Settings::from_reader(EnvReader::from_pairs([
            KEY,
            ("DATABASE_URL", "mysql://x"),
            ("DELIVERY_RETRY_SCHEDULE", "5s,soon"),
            ("DISPATCHER_WORKERS", "0"),
        ]))
        .err()
        .expect("invalid configuration")
        .to_string();
        for name in [
            "DATABASE_URL",
            "DELIVERY_RETRY_SCHEDULE",
            "DISPATCHER_WORKERS",
        ] {
            assert!(err.contains(name), "{err}");
        }
    }
}
