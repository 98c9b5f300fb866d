//! realtime-gateway's configuration: one typed struct, read from the environment and
//! validated at start, every problem reported by its variable's name.

use std::time::Duration;

use faceattend_domain::attendance::SiteZone;
use faceattend_service::auth::AuthConfig;
use faceattend_service::config::{ConfigError, EnvReader, LogFormat};

#[derive(Clone)]
pub struct Settings {
    /// `host:port` of the one listener: WebSocket upgrades, `/healthz`, `/readyz`, `/metrics`;
    /// port 0 picks a free one (tests).
    pub bind_address: String,
    /// The same secret, issuer and audience as every other service: their tokens work here.
    pub auth: AuthConfig,
    pub nats_url: String,
    /// Prefix of every subject and stream; empty for none.
    pub bus_namespace: String,
    /// The site's zone: on start the gateway replays the ATTENDANCE stream from the start of
    /// yesterday there (a night shift's work day began yesterday) to know who is in.
    pub site_zone: SiteZone,
    /// Which browsers may connect (`ALLOWED_ORIGINS`). Clients that send no `Origin` (not
    /// browsers) are not affected.
    pub allowed_origins: AllowedOrigins,
    /// Open WebSocket sessions at most; the next upgrade is refused with 503.
    pub max_connections: usize,
    /// Largest client message (and frame) accepted; a larger one closes with 1009.
    pub max_message_bytes: usize,
    /// Messages waiting for one client before it counts as too slow and is closed.
    pub client_queue: usize,
    /// Interval of the `ping` message.
    pub ping_interval: Duration,
    /// A client silent (no message, pong or frame) for this long is closed.
    pub idle_timeout: Duration,
    /// How long one write to a client may block before the client counts as gone.
    pub send_timeout: Duration,
    /// How long a connection may take to send its HTTP request head.
    pub handshake_timeout: Duration,
    /// Most missed events a reconnecting client is sent; beyond, it gets the latest ones and
    /// an `error` message saying some were skipped.
    pub resume_limit: u64,
    /// Latest events kept in memory, rendered, to serve resumes without a JetStream consumer
    /// per client (0: always replay from JetStream).
    pub resume_buffer: usize,
    /// Read buffer per connection. Clients send little; a small buffer is what lets one
    /// replica hold tens of thousands of idle listeners (tungstenite's default is 128 KB).
    pub read_buffer_bytes: usize,
    pub shutdown_timeout: Duration,
    pub log_format: LogFormat,
}

/// The browser origins a WebSocket may be opened from: the defence against another site's
/// page opening a session in a user's browser (cross-site WebSocket hijacking).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AllowedOrigins {
    /// `ALLOWED_ORIGINS=*`: any origin. For development only.
    Any,
    /// The gateway's own origin (an `Origin` whose host and port are the request's `Host`)
    /// and these, each `scheme://host[:port]`, lower-case, without a trailing slash. Empty
    /// (the default): only the gateway's own origin, so production refuses other sites'
    /// pages unless they are named.
    Listed(Vec<String>),
}

impl AllowedOrigins {
    /// Parses the comma-separated `ALLOWED_ORIGINS`; the entries that are not origins are
    /// returned as problems.
    pub fn parse(raw: &str) -> Result<Self, Vec<String>> {
        let entries: Vec<&str> = raw
            .split(',')
            .map(|origin| origin.trim().trim_end_matches('/'))
            .filter(|origin| !origin.is_empty())
            .collect();
        if entries.contains(&"*") {
            return Ok(Self::Any);
        }
        let mut problems = Vec::new();
        let mut origins = Vec::new();
        for entry in entries {
            let authority = entry
                .strip_prefix("https://")
                .or_else(|| entry.strip_prefix("http://"));
            let valid = authority.is_some_and(|authority| {
                !authority.is_empty()
                    && !authority.contains(['/', '?', '#', '@'])
                    && !authority.contains(char::is_whitespace)
            });
            if valid {
                origins.push(entry.to_ascii_lowercase());
            } else {
                problems.push(entry.to_owned());
            }
        }
        if problems.is_empty() {
            Ok(Self::Listed(origins))
        } else {
            Err(problems)
        }
    }

    /// Whether a browser showing `origin` may connect to the gateway reached as `host`.
    pub fn allows(&self, origin: &str, host: Option<&str>) -> bool {
        let listed = match self {
            Self::Any => return true,
            Self::Listed(listed) => listed,
        };
        let origin = origin.trim().trim_end_matches('/');
        if listed
            .iter()
            .any(|allowed| allowed.eq_ignore_ascii_case(origin))
        {
            return true;
        }
        // Same origin: browsers omit a default port from both `Origin` and `Host`, so the
        // two authorities compare as they are (the rule of gorilla/websocket's default).
        let authority = origin
            .strip_prefix("https://")
            .or_else(|| origin.strip_prefix("http://"));
        matches!((authority, host), (Some(authority), Some(host)) if authority.eq_ignore_ascii_case(host.trim()))
    }
}

impl Settings {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_reader(EnvReader::from_env())
    }

    pub fn from_reader(mut env: EnvReader) -> Result<Self, ConfigError> {
        let zone_name: String = env.or("SITE_TIMEZONE", "UTC".to_owned());
        let site_zone = SiteZone::parse(&zone_name).unwrap_or_else(|_| {
            env.problem(format!(
                "SITE_TIMEZONE={zone_name:?} is not an IANA time zone name (e.g. Europe/Berlin)"
            ));
            SiteZone::default()
        });
        let raw_origins: String = env.or("ALLOWED_ORIGINS", String::new());
        let allowed_origins = AllowedOrigins::parse(&raw_origins).unwrap_or_else(|problems| {
            env.problem(format!(
                "ALLOWED_ORIGINS: {} not an origin (scheme://host[:port], http or https) nor *",
                problems.join(", ")
            ));
            AllowedOrigins::Listed(Vec::new())
        });
        let settings = Settings {
            bind_address: env.or("BIND_ADDRESS", "0.0.0.0:8084".to_owned()),
            auth: AuthConfig::from_env(&mut env, false),
            nats_url: env.or("NATS_URL", "nats://127.0.0.1:4222".to_owned()),
            bus_namespace: env.or("BUS_NAMESPACE", String::new()),
            site_zone,
            allowed_origins,
            max_connections: env.or("MAX_CONNECTIONS", 20_000usize),
            max_message_bytes: env.or("MAX_MESSAGE_BYTES", 4096usize),
            client_queue: env.or("CLIENT_QUEUE", 256usize),
            ping_interval: env.duration_or("PING_INTERVAL", Duration::from_secs(30)),
            idle_timeout: env.duration_or("IDLE_TIMEOUT", Duration::from_secs(90)),
            send_timeout: env.duration_or("SEND_TIMEOUT", Duration::from_secs(10)),
            handshake_timeout: env.duration_or("HANDSHAKE_TIMEOUT", Duration::from_secs(10)),
            resume_limit: env.or("RESUME_LIMIT", 10_000u64),
            resume_buffer: env.or("RESUME_BUFFER", 10_000usize),
            read_buffer_bytes: env.or("READ_BUFFER_BYTES", 1024usize),
            shutdown_timeout: Duration::from_secs(env.or("SHUTDOWN_TIMEOUT_SECS", 30u64)),
            log_format: env.or("LOG_FORMAT", LogFormat::Json),
        };
        if settings.max_connections == 0 || settings.client_queue == 0 {
            env.problem("MAX_CONNECTIONS and CLIENT_QUEUE must be at least 1");
        }
        if settings.max_message_bytes < 256 {
            env.problem("MAX_MESSAGE_BYTES must be at least 256");
        }
        if settings.read_buffer_bytes < 256 {
            env.problem("READ_BUFFER_BYTES must be at least 256");
        }
        if settings.ping_interval.is_zero() || settings.idle_timeout <= settings.ping_interval {
            env.problem("IDLE_TIMEOUT must be longer than PING_INTERVAL, which must not be 0");
        }
        if settings.send_timeout.is_zero() || settings.handshake_timeout.is_zero() {
            env.problem("SEND_TIMEOUT and HANDSHAKE_TIMEOUT must not be 0");
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
            ("JWT_PUBLIC_KEYS", "short"),
            ("SITE_TIMEZONE", "Mars/Olympus"),
            ("MAX_CONNECTIONS", "many"),
            ("PING_INTERVAL", "2m"),
            ("MAX_MESSAGE_BYTES", "10"),
        ]))
        .err()
        .expect("invalid configuration");
        let text = err.to_string();
        for name in [
            "JWT_PUBLIC_KEYS",
            "SITE_TIMEZONE",
            "MAX_CONNECTIONS",
            "IDLE_TIMEOUT",
            "MAX_MESSAGE_BYTES",
        ] {
            assert!(text.contains(name), "{text}");
        }
    }

    #[test]
    fn defaults_and_origins() {
        let settings = Settings::from_reader(EnvReader::from_pairs([
            (
                "JWT_PUBLIC_KEYS",
                "test:iojj3XQJ8ZX9UtstPLpdcspnCb8dlBIb83SIAbQPb1w",
            ),
            (
                "ALLOWED_ORIGINS",
                " https://dash.example.com/ ,, http://localhost:3000",
            ),
        ]))
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(settings.bind_address, "0.0.0.0:8084");
        assert_eq!(
            settings.allowed_origins,
            AllowedOrigins::Listed(vec![
                "https://dash.example.com".to_owned(),
                "http://localhost:3000".to_owned()
            ])
        );
        assert_eq!(settings.ping_interval, Duration::from_secs(30));
        assert_eq!(settings.read_buffer_bytes, 1024);
        assert_eq!(settings.site_zone.name(), "UTC");
    }

    #[test]
    fn origins_default_to_the_gateway_s_own() {
        let settings = Settings::from_reader(EnvReader::from_pairs([(
            "JWT_PUBLIC_KEYS",
            "test:iojj3XQJ8ZX9UtstPLpdcspnCb8dlBIb83SIAbQPb1w",
        )]))
        .unwrap_or_else(|e| panic!("{e}"));
        let origins = settings.allowed_origins;
        assert_eq!(origins, AllowedOrigins::Listed(Vec::new()));
        assert!(origins.allows("https://gate.example.com", Some("gate.example.com")));
        assert!(origins.allows("http://localhost:8084/", Some("LOCALHOST:8084")));
        assert!(!origins.allows("http://localhost:5173", Some("localhost:8084")));
        assert!(!origins.allows("https://evil.example.com", Some("gate.example.com")));
        assert!(!origins.allows("null", Some("gate.example.com")));
        assert!(!origins.allows("https://gate.example.com", None));
    }

    #[test]
    fn origins_listed_any_or_refused() {
        let listed = AllowedOrigins::parse("https://Dash.example.com").expect("an origin");
        assert!(listed.allows("https://dash.example.com", Some("gate:8084")));
        assert!(!listed.allows("http://dash.example.com", Some("gate:8084")));
        assert_eq!(AllowedOrigins::parse(" * "), Ok(AllowedOrigins::Any));
        assert!(AllowedOrigins::Any.allows("null", None));
        assert_eq!(
            AllowedOrigins::parse("dash.example.com, https://ok.example.com, https://x.com/app"),
            Err(vec![
                "dash.example.com".to_owned(),
                "https://x.com/app".to_owned()
            ])
        );
        let err = Settings::from_reader(EnvReader::from_pairs([
            (
                "JWT_PUBLIC_KEYS",
                "test:iojj3XQJ8ZX9UtstPLpdcspnCb8dlBIb83SIAbQPb1w",
            ),
            ("ALLOWED_ORIGINS", "ftp://files.example.com"),
        ]))
        .err()
        .expect("an invalid origin");
        assert!(err.to_string().contains("ALLOWED_ORIGINS"), "{err}");
    }
}
