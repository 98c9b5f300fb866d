//! The console's configuration: one typed struct, read from the environment and validated at
//! start.

use std::time::Duration;

use faceattend_service::auth::AuthConfig;
use faceattend_service::config::{ConfigError, EnvReader, LogFormat};
use secrecy::{ExposeSecret, SecretString};

use crate::csrf::PublicOrigins;
use crate::session::{CookiePolicy, SessionLifetime};
use crate::system::HealthTarget;
use crate::throttle::ThrottlePolicy;

/// The services the console forwards to, as base URLs (`http://person-api:8080`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upstreams {
    pub person_api: String,
    pub attendance_api: String,
    pub realtime_gateway: String,
    /// How long to wait for an upstream to accept a connection: a down service is a fast 503.
    pub connect_timeout: Duration,
    /// How long a whole upstream request may take.
    pub request_timeout: Duration,
}

/// What the system page probes and how (`/console/api/v1/system`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemSettings {
    /// Services beside the upstreams whose `/readyz` the page shows (`SYSTEM_HEALTH_URLS`:
    /// `face-embedder=http://…,attendance-worker=http://…`): those the console has no API of.
    pub health_urls: Vec<HealthTarget>,
    /// How long one probe may take: a service that does not answer by then is unreachable.
    pub probe_timeout: Duration,
    /// How long probe results are reused, so many open pages polling the status cost the
    /// services one probe each per period.
    pub cache_for: Duration,
}

#[derive(Clone)]
pub struct Settings {
    /// `postgres://…` in production, `sqlite://path?mode=rwc` on one machine.
    pub database_url: SecretString,
    pub database_max_connections: u32,
    pub run_migrations: bool,
    /// `host:port`; port 0 picks a free one (tests).
    pub bind_address: String,
    pub upstreams: Upstreams,
    /// The bus (`nats://…`): the system page reads its streams, consumers and dead letters.
    pub nats_url: String,
    /// Prefix of every subject and stream (`BUS_NAMESPACE`): the same as the other services'.
    pub bus_namespace: String,
    pub system: SystemSettings,
    /// What the console signs the tokens it forwards with.
    pub auth: AuthConfig,
    /// Lifetime of a forwarded token: one request's worth.
    pub upstream_token_ttl: Duration,
    /// How often an open live feed looks at its session again (a signed-out or revoked
    /// session's feed closes within this).
    pub live_session_check: Duration,
    pub session_lifetime: SessionLifetime,
    pub cookie: CookiePolicy,
    pub public_origins: PublicOrigins,
    /// Take the client address from `X-Forwarded-For` (behind a proxy you run) rather than
    /// from the connection; off by default, since a client can write that header itself.
    pub trust_proxy_headers: bool,
    pub account_throttle: ThrottlePolicy,
    pub client_throttle: ThrottlePolicy,
    /// Where kiosk frames are kept as evidence (`SNAPSHOTS_URL`): the object store camera-agent
    /// keeps its captures' frames in and attendance-api reads them from. None keeps nothing.
    pub snapshots_url: Option<String>,
    /// How long a kiosk frame waits for its outcome (`KIOSK_RESULT_TIMEOUT`, 3 s).
    pub kiosk_result_timeout: Duration,
    /// Largest body of the console's own routes.
    pub max_body_bytes: usize,
    /// Largest body forwarded upstream (photos for enrolment travel base64 in JSON).
    pub max_proxy_body_bytes: usize,
    pub http_workers: usize,
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
        let upstream = |env: &mut EnvReader, name: &str| -> String {
            let url: String = env.required(name).unwrap_or_default();
            let trimmed = url.trim_end_matches('/').to_owned();
            if !(url.is_empty()
                || trimmed.starts_with("http://")
                || trimmed.starts_with("https://"))
            {
                env.problem(format!("{name} must be an http:// or https:// URL"));
            }
            trimmed
        };
        let upstreams = Upstreams {
            person_api: upstream(&mut env, "PERSON_API_URL"),
            attendance_api: upstream(&mut env, "ATTENDANCE_API_URL"),
            realtime_gateway: upstream(&mut env, "REALTIME_GATEWAY_URL"),
            connect_timeout: env.duration_or("UPSTREAM_CONNECT_TIMEOUT", Duration::from_secs(2)),
            request_timeout: env.duration_or("UPSTREAM_TIMEOUT", Duration::from_secs(60)),
        };
        let public_origins = match PublicOrigins::parse(&env.or("PUBLIC_ORIGINS", String::new())) {
            Ok(origins) => origins,
            Err(problem) => {
                env.problem(format!("PUBLIC_ORIGINS: {problem}"));
                PublicOrigins::default()
            }
        };
        let cookie_secure: String = env.or("COOKIE_SECURE", "auto".to_owned());
        let secure = match cookie_secure.as_str() {
            "auto" => public_origins.any_https(),
            "true" => true,
            "false" => false,
            other => {
                env.problem(format!(
                    "COOKIE_SECURE={other:?} must be auto (Secure when PUBLIC_ORIGINS is https), true or false"
                ));
                false
            }
        };
        let lock_for = env.duration_or("SIGN_IN_LOCK_TIME", Duration::from_secs(15 * 60));
        let account_throttle = ThrottlePolicy {
            lock_after: env.or("SIGN_IN_LOCK_AFTER", ThrottlePolicy::ACCOUNT.lock_after),
            lock_for,
            ..ThrottlePolicy::ACCOUNT
        };
        let client_throttle = ThrottlePolicy {
            lock_after: env.or(
                "SIGN_IN_CLIENT_LOCK_AFTER",
                ThrottlePolicy::CLIENT.lock_after,
            ),
            lock_for,
            ..ThrottlePolicy::CLIENT
        };
        let health_urls =
            match HealthTarget::parse_list(&env.or("SYSTEM_HEALTH_URLS", String::new())) {
                Ok(targets) => targets,
                Err(problem) => {
                    env.problem(format!("SYSTEM_HEALTH_URLS: {problem}"));
                    Vec::new()
                }
            };
        let system = SystemSettings {
            health_urls,
            probe_timeout: env.duration_or("SYSTEM_PROBE_TIMEOUT", Duration::from_secs(2)),
            cache_for: env.duration_or("SYSTEM_STATUS_CACHE", Duration::from_secs(5)),
        };
        let default_workers = std::thread::available_parallelism().map_or(2, |n| n.get());
        let settings = Settings {
            database_max_connections: env.or("DATABASE_MAX_CONNECTIONS", 8u32),
            run_migrations: env.or("RUN_MIGRATIONS", true),
            bind_address: env.or("BIND_ADDRESS", "0.0.0.0:8000".to_owned()),
            upstreams,
            nats_url: env.or("NATS_URL", "nats://127.0.0.1:4222".to_owned()),
            bus_namespace: env.or("BUS_NAMESPACE", String::new()),
            system,
            auth: AuthConfig::from_env(&mut env, true),
            upstream_token_ttl: env.duration_or("UPSTREAM_TOKEN_TTL", Duration::from_secs(60)),
            live_session_check: env.duration_or("LIVE_SESSION_CHECK", Duration::from_secs(15)),
            session_lifetime: SessionLifetime {
                idle_timeout: env.duration_or("SESSION_IDLE_TIMEOUT", Duration::from_secs(30 * 60)),
                absolute_lifetime: env
                    .duration_or("SESSION_LIFETIME", Duration::from_secs(12 * 3600)),
            },
            cookie: CookiePolicy { secure },
            public_origins,
            trust_proxy_headers: env.or("TRUST_PROXY_HEADERS", false),
            account_throttle,
            client_throttle,
            snapshots_url: Some(env.or("SNAPSHOTS_URL", String::new()))
                .map(|url| url.trim().to_owned())
                .filter(|url| !url.is_empty()),
            kiosk_result_timeout: env.duration_or("KIOSK_RESULT_TIMEOUT", Duration::from_secs(3)),
            max_body_bytes: env.or("MAX_BODY_BYTES", 64 * 1024usize),
            max_proxy_body_bytes: env.or("MAX_PROXY_BODY_BYTES", 12 * 1024 * 1024usize),
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
        if settings.session_lifetime.idle_timeout.is_zero()
            || settings.session_lifetime.absolute_lifetime < settings.session_lifetime.idle_timeout
        {
            env.problem(
                "SESSION_IDLE_TIMEOUT must be positive and SESSION_LIFETIME at least as long",
            );
        }
        if settings.upstream_token_ttl < Duration::from_secs(5)
            || settings.upstream_token_ttl > Duration::from_secs(3600)
        {
            env.problem("UPSTREAM_TOKEN_TTL must be between 5 seconds and 1 hour");
        }
        if settings.account_throttle.lock_after <= settings.account_throttle.free_failures {
            env.problem(format!(
                "SIGN_IN_LOCK_AFTER must be more than {} (the failures allowed without delay)",
                settings.account_throttle.free_failures
            ));
        }
        if settings.client_throttle.lock_after <= settings.client_throttle.free_failures {
            env.problem(format!(
                "SIGN_IN_CLIENT_LOCK_AFTER must be more than {}",
                settings.client_throttle.free_failures
            ));
        }
        if settings.system.probe_timeout.is_zero() {
            env.problem("SYSTEM_PROBE_TIMEOUT must be positive");
        }
        if settings.kiosk_result_timeout < Duration::from_millis(500)
            || settings.kiosk_result_timeout > Duration::from_secs(30)
        {
            env.problem("KIOSK_RESULT_TIMEOUT must be between 500ms and 30s");
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

    const REQUIRED: [(&str, &str); 5] = [
        ("DATABASE_URL", "sqlite://console.db?mode=rwc"),
        (
            "JWT_SIGNING_KEY",
            "test:AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE",
        ),
        ("PERSON_API_URL", "http://127.0.0.1:8080/"),
        ("ATTENDANCE_API_URL", "http://127.0.0.1:8081"),
        ("REALTIME_GATEWAY_URL", "http://127.0.0.1:8084"),
    ];

    #[test]
    fn defaults_are_the_documented_ones() {
        let settings = Settings::from_reader(EnvReader::from_pairs(REQUIRED)).unwrap();
        assert_eq!(settings.bind_address, "0.0.0.0:8000");
        assert_eq!(settings.upstreams.person_api, "http://127.0.0.1:8080");
        assert_eq!(settings.nats_url, "nats://127.0.0.1:4222");
        assert_eq!(settings.bus_namespace, "");
        assert!(settings.system.health_urls.is_empty());
        assert_eq!(settings.system.probe_timeout, Duration::from_secs(2));
        assert_eq!(settings.system.cache_for, Duration::from_secs(5));
        assert_eq!(
            settings.session_lifetime.idle_timeout,
            Duration::from_secs(1800)
        );
        assert_eq!(
            settings.session_lifetime.absolute_lifetime,
            Duration::from_secs(43200)
        );
        assert!(!settings.cookie.secure);
        assert_eq!(settings.account_throttle, ThrottlePolicy::ACCOUNT);
        assert_eq!(settings.client_throttle, ThrottlePolicy::CLIENT);
        assert_eq!(settings.snapshots_url, None);
        assert_eq!(settings.kiosk_result_timeout, Duration::from_secs(3));
    }

    #[test]
    fn an_https_origin_makes_the_cookie_secure() {
        let mut pairs = REQUIRED.to_vec();
        pairs.push(("PUBLIC_ORIGINS", "https://attendance.example.com"));
        let settings = Settings::from_reader(EnvReader::from_pairs(pairs.clone())).unwrap();
        assert!(settings.cookie.secure);
        pairs.push(("COOKIE_SECURE", "false"));
        assert!(
            !Settings::from_reader(EnvReader::from_pairs(pairs))
                .unwrap()
                .cookie
                .secure
        );
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let error = Settings::from_reader(EnvReader::from_pairs([
            ("DATABASE_URL", "mysql://x"),
            ("JWT_SIGNING_KEY", "short"),
            ("PERSON_API_URL", "person-api:8080"),
            ("COOKIE_SECURE", "yes"),
            ("PUBLIC_ORIGINS", "https://a.example.com/path"),
            ("SESSION_IDLE_TIMEOUT", "2h"),
            ("SESSION_LIFETIME", "1h"),
            ("SIGN_IN_LOCK_AFTER", "2"),
            ("SYSTEM_HEALTH_URLS", "face-embedder=ftp://x"),
        ]))
        .err()
        .unwrap()
        .to_string();
        for expected in [
            "DATABASE_URL",
            "JWT_SIGNING_KEY",
            "PERSON_API_URL must be",
            "ATTENDANCE_API_URL is required",
            "REALTIME_GATEWAY_URL is required",
            "COOKIE_SECURE",
            "PUBLIC_ORIGINS",
            "SESSION_LIFETIME",
            "SIGN_IN_LOCK_AFTER",
            "SYSTEM_HEALTH_URLS",
        ] {
            assert!(
                error.contains(expected),
                "{expected} missing from:\n{error}"
            );
        }
    }
}
