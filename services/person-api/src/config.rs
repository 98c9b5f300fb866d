//! person-api's configuration: one typed struct, read from the environment and validated
//! at start.

use std::time::Duration;

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
    pub nats_url: String,
    /// Prefix of every subject and stream; empty for none.
    pub bus_namespace: String,
    /// `host:port`; port 0 picks a free one (tests).
    pub bind_address: String,
    pub auth: AuthConfig,
    pub max_body_bytes: usize,
    /// Largest photo accepted for enrolment or search (decoded bytes); bodies that carry a
    /// photo may be this much plus base64's third.
    pub max_image_bytes: usize,
    /// `file:///path` (or a plain path) or `s3://bucket/prefix`; see `images.rs`.
    pub object_store_url: String,
    /// How long to wait for face-embedder's answer.
    pub face_service_timeout: Duration,
    pub http_workers: usize,
    /// How long in-flight requests may take to finish after SIGTERM.
    pub shutdown_timeout: Duration,
    pub log_format: LogFormat,
}

impl Settings {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_reader(EnvReader::from_env())
    }

    pub fn from_reader(mut env: EnvReader) -> Result<Self, ConfigError> {
        let database_url = env.secret("DATABASE_URL", 1);
        if let Some(url) = &database_url {
            let url = url.expose_secret();
            if !(url.starts_with("postgres://")
                || url.starts_with("postgresql://")
                || url.starts_with("sqlite:"))
            {
                env.problem("DATABASE_URL must start with postgres://, postgresql:// or sqlite:");
            }
        }
        let default_workers = std::thread::available_parallelism().map_or(2, |n| n.get());
        let settings = Settings {
            database_max_connections: env.or("DATABASE_MAX_CONNECTIONS", 16u32),
            run_migrations: env.or("RUN_MIGRATIONS", true),
            nats_url: env.or("NATS_URL", "nats://127.0.0.1:4222".to_owned()),
            bus_namespace: env.or("BUS_NAMESPACE", String::new()),
            bind_address: env.or("BIND_ADDRESS", "0.0.0.0:8080".to_owned()),
            auth: AuthConfig::from_env(&mut env, false),
            max_body_bytes: env.or("MAX_BODY_BYTES", 1024 * 1024usize),
            max_image_bytes: env.or("MAX_IMAGE_BYTES", 7 * 1024 * 1024usize),
            object_store_url: env.or("OBJECT_STORE_URL", "file://data/images".to_owned()),
            face_service_timeout: Duration::from_secs(env.or("FACE_SERVICE_TIMEOUT_SECS", 15u64)),
            http_workers: env.or("HTTP_WORKERS", default_workers),
            shutdown_timeout: Duration::from_secs(env.or("SHUTDOWN_TIMEOUT_SECS", 30u64)),
            log_format: env.or("LOG_FORMAT", LogFormat::Json),
            database_url: database_url.unwrap_or_else(|| SecretString::from("")),
        };
        if settings.database_max_connections == 0 {
            env.problem("DATABASE_MAX_CONNECTIONS must be at least 1");
        }
        if settings.http_workers == 0 {
            env.problem("HTTP_WORKERS must be at least 1");
        }
        if settings.max_image_bytes < 1024 {
            env.problem("MAX_IMAGE_BYTES must be at least 1024");
        }
        if settings.object_store_url.is_empty() {
            env.problem("OBJECT_STORE_URL must not be empty");
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
            ("HTTP_WORKERS", "many"),
        ]))
        .err()
        .expect("invalid configuration");
        let text = err.to_string();
        for name in ["DATABASE_URL", "JWT_PUBLIC_KEYS", "HTTP_WORKERS"] {
            assert!(text.contains(name), "{text}");
        }
    }

    #[test]
    fn defaults() {
        let settings = Settings::from_reader(EnvReader::from_pairs([
            ("DATABASE_URL", "sqlite://data/p.db?mode=rwc"),
            (
                "JWT_PUBLIC_KEYS",
                "test:iojj3XQJ8ZX9UtstPLpdcspnCb8dlBIb83SIAbQPb1w",
            ),
        ]))
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(settings.bind_address, "0.0.0.0:8080");
        assert_eq!(settings.nats_url, "nats://127.0.0.1:4222");
        assert!(settings.run_migrations);
    }
}
