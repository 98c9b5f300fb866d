//! What the system page shows: every service's readiness and version, the console's database,
//! NATS, the durable consumers' lag and the newest dead letters.
//!
//! The services are asked over HTTP (their `/readyz`, which names each failing check and
//! reports the build's version), in parallel and each within a short timeout: a service that
//! does not answer is *unreachable*, a fact to show, never an error of the page. Those probes
//! (and the database and NATS checks) are cached for a few seconds, because every open page of
//! every operator polls the summary for its banner. Consumers and dead letters come from the
//! JetStream API of the console's own NATS connection, read afresh for each (admin-only) page.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use faceattend_bus::async_nats::jetstream;
use faceattend_bus::{Bus, StreamSpec};
use faceattend_service::health::VERSION;
use futures::{StreamExt, future::join_all};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::config::{SystemSettings, Upstreams};
use crate::store::ConsoleStore;

/// Header of a dead letter: why its consumer gave it up (attendance-worker, face-embedder).
pub const DEAD_LETTER_REASON: &str = "Dead-Letter-Reason";
/// Header of a dead letter: the subject it was consumed from.
pub const DEAD_LETTER_SUBJECT: &str = "Dead-Letter-Subject";
/// How many dead letters the page lists, newest first.
pub const DEAD_LETTERS_SHOWN: usize = 50;

/// A service the system page probes: its name and the base URL its `/readyz` is under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthTarget {
    pub name: String,
    pub url: String,
}

impl HealthTarget {
    /// `name=http://host:port,name=…` (`SYSTEM_HEALTH_URLS`); empty for none. Names are what
    /// the page shows (`face-embedder`): lowercase letters, digits and `-`, each once.
    pub fn parse_list(text: &str) -> Result<Vec<HealthTarget>, String> {
        let mut targets: Vec<HealthTarget> = Vec::new();
        for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let Some((name, url)) = entry.split_once('=') else {
                return Err(format!("{entry:?} is not name=url"));
            };
            let (name, url) = (name.trim(), url.trim().trim_end_matches('/'));
            if name.is_empty()
                || name.len() > 64
                || !name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            {
                return Err(format!(
                    "{name:?} must be 1 to 64 lowercase letters, digits and '-'"
                ));
            }
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(format!(
                    "{name}'s {url:?} must be an http:// or https:// URL"
                ));
            }
            if targets.iter().any(|t| t.name == name) {
                return Err(format!("{name} is named twice"));
            }
            targets.push(HealthTarget {
                name: name.to_owned(),
                url: url.to_owned(),
            });
        }
        Ok(targets)
    }
}

/// How a service answered its probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ServiceState {
    /// `/readyz` answered 200: every dependency of the service answers.
    Ready,
    /// `/readyz` answered, but not 200: see the failing checks.
    NotReady,
    /// No answer within the probe timeout (down, or not where the console was told).
    Unreachable,
}

/// One readiness check of a service, as its `/readyz` reported it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CheckResult {
    /// The dependency (`database`, `nats`, `gallery`, …).
    pub name: String,
    pub ok: bool,
    /// Why it failed, as the service says.
    pub error: Option<String>,
}

/// One service's readiness and version.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ServiceHealth {
    /// `person-api`, `attendance-api`, `realtime-gateway`, then those of `SYSTEM_HEALTH_URLS`.
    pub name: String,
    /// The base URL the console probes.
    pub url: String,
    pub state: ServiceState,
    /// The build's version, as the service reports it.
    pub version: Option<String>,
    /// Its checks, failing ones with their reasons (empty when unreachable).
    pub checks: Vec<CheckResult>,
    /// Why it is unreachable, or what was wrong with its answer.
    pub error: Option<String>,
    /// How long the probe took.
    pub latency_ms: u64,
}

/// The console's own health.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ConsoleHealth {
    pub version: String,
    /// Its database answers a ping.
    pub database: CheckResult,
}

/// The console's connection to NATS.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NatsHealth {
    pub connected: bool,
    /// The server's version, once connected.
    pub server_version: Option<String>,
    /// The bus namespace (`BUS_NAMESPACE`; empty for none): its streams are the ones listed.
    pub namespace: String,
}

/// What the probes found: cached for a few seconds and shared by the page and the summary.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Health {
    pub checked_at: DateTime<Utc>,
    pub services: Vec<ServiceHealth>,
    pub console: ConsoleHealth,
    pub nats: NatsHealth,
}

/// Something not ready, for the banner.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NotReady {
    /// A service's name, `console-database` or `nats`.
    pub name: String,
    /// What is wrong, in a few words.
    pub reason: String,
}

impl Health {
    /// Everything that is not ready, in the page's order.
    pub fn not_ready(&self) -> Vec<NotReady> {
        let mut out = Vec::new();
        for service in &self.services {
            let reason = match service.state {
                ServiceState::Ready => continue,
                ServiceState::Unreachable => format!(
                    "unreachable: {}",
                    service.error.as_deref().unwrap_or("no answer")
                ),
                ServiceState::NotReady => {
                    let failing: Vec<String> = service
                        .checks
                        .iter()
                        .filter(|c| !c.ok)
                        .map(|c| match &c.error {
                            Some(error) => format!("{}: {error}", c.name),
                            None => c.name.clone(),
                        })
                        .collect();
                    if failing.is_empty() {
                        format!(
                            "not ready: {}",
                            service.error.as_deref().unwrap_or("no reason given")
                        )
                    } else {
                        format!("not ready: {}", failing.join("; "))
                    }
                }
            };
            out.push(NotReady {
                name: service.name.clone(),
                reason,
            });
        }
        if !self.console.database.ok {
            out.push(NotReady {
                name: "console-database".to_owned(),
                reason: self
                    .console
                    .database
                    .error
                    .clone()
                    .unwrap_or_else(|| "unreachable".to_owned()),
            });
        }
        if !self.nats.connected {
            out.push(NotReady {
                name: "nats".to_owned(),
                reason: "the console is not connected to NATS".to_owned(),
            });
        }
        out
    }
}

/// A durable consumer and how far behind it is.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ConsumerLag {
    pub stream: String,
    pub name: String,
    /// The subjects it takes, when it filters.
    pub filter_subjects: Vec<String>,
    /// Messages of the stream it has not been given yet: its lag.
    pub num_pending: u64,
    /// Given but not yet acknowledged.
    pub num_ack_pending: u64,
    /// Given more than once (a consumer that failed or timed out on them).
    pub num_redelivered: u64,
    /// Pull requests waiting (a live consumer has some).
    pub num_waiting: u64,
    /// When it was last given a message.
    pub last_delivered_at: Option<DateTime<Utc>>,
    /// When it last acknowledged one.
    pub last_acked_at: Option<DateTime<Utc>>,
}

/// A message a consumer gave up on, from the `DEAD_LETTERS` stream.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DeadLetter {
    pub sequence: u64,
    /// `deadletter.v1.<original subject>` (with the namespace).
    pub subject: String,
    /// The subject it was consumed from (`Dead-Letter-Subject`).
    pub original_subject: Option<String>,
    /// Why it was given up (`Dead-Letter-Reason`).
    pub reason: Option<String>,
    pub content_type: Option<String>,
    pub published_at: DateTime<Utc>,
    pub size_bytes: u64,
}

/// The probes, their cache and the JetStream reads.
pub struct SystemProbe {
    client: reqwest::Client,
    targets: Vec<HealthTarget>,
    store: ConsoleStore,
    bus: Bus,
    probe_timeout: Duration,
    cache_for: Duration,
    /// The last probe and when it finished. Held while probing, so requests that arrive
    /// meanwhile wait for that probe instead of starting their own.
    cached: tokio::sync::Mutex<Option<(Instant, Arc<Health>)>>,
}

impl SystemProbe {
    pub fn new(
        settings: &SystemSettings,
        upstreams: &Upstreams,
        store: ConsoleStore,
        bus: Bus,
    ) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .connect_timeout(settings.probe_timeout)
            .timeout(settings.probe_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        let mut targets = vec![
            HealthTarget {
                name: "person-api".to_owned(),
                url: upstreams.person_api.clone(),
            },
            HealthTarget {
                name: "attendance-api".to_owned(),
                url: upstreams.attendance_api.clone(),
            },
            HealthTarget {
                name: "realtime-gateway".to_owned(),
                url: upstreams.realtime_gateway.clone(),
            },
        ];
        for extra in &settings.health_urls {
            // An upstream named again (to probe another address) replaces the default.
            match targets.iter_mut().find(|t| t.name == extra.name) {
                Some(target) => target.url = extra.url.clone(),
                None => targets.push(extra.clone()),
            }
        }
        Ok(Self {
            client,
            targets,
            store,
            bus,
            probe_timeout: settings.probe_timeout,
            cache_for: settings.cache_for,
            cached: tokio::sync::Mutex::new(None),
        })
    }

    /// The probes' results, at most `cache_for` old.
    pub async fn health(&self) -> Arc<Health> {
        let mut cached = self.cached.lock().await;
        if let Some((at, health)) = cached.as_ref()
            && at.elapsed() < self.cache_for
        {
            return health.clone();
        }
        let health = Arc::new(self.probe().await);
        *cached = Some((Instant::now(), health.clone()));
        health
    }

    async fn probe(&self) -> Health {
        let services = join_all(self.targets.iter().map(|t| self.probe_service(t)));
        let database = async {
            let ping = tokio::time::timeout(self.probe_timeout, self.store.ping()).await;
            let error = match ping {
                Ok(Ok(())) => None,
                Ok(Err(error)) => Some(error.to_string()),
                Err(_) => Some(format!(
                    "no answer within {} ms",
                    self.probe_timeout.as_millis()
                )),
            };
            CheckResult {
                name: "database".to_owned(),
                ok: error.is_none(),
                error,
            }
        };
        let (services, database) = futures::join!(services, database);
        let connected = self.bus.is_connected();
        let server_version = Some(self.bus.client().server_info().version)
            .filter(|version| connected && !version.is_empty());
        Health {
            checked_at: Utc::now(),
            services,
            console: ConsoleHealth {
                version: VERSION.to_owned(),
                database,
            },
            nats: NatsHealth {
                connected,
                server_version,
                namespace: self.bus.namespace().to_owned(),
            },
        }
    }

    async fn probe_service(&self, target: &HealthTarget) -> ServiceHealth {
        let started = Instant::now();
        let answer = self
            .client
            .get(format!("{}/readyz", target.url))
            .header("accept", "application/json")
            .send()
            .await;
        let mut health = ServiceHealth {
            name: target.name.clone(),
            url: target.url.clone(),
            state: ServiceState::Unreachable,
            version: None,
            checks: Vec::new(),
            error: None,
            latency_ms: 0,
        };
        match answer {
            Err(error) => health.error = Some(describe_request_error(&error)),
            Ok(response) => {
                let status = response.status();
                health.state = if status.is_success() {
                    ServiceState::Ready
                } else {
                    ServiceState::NotReady
                };
                match response.json::<ReadyzBody>().await {
                    Ok(body) => {
                        health.version = body.version;
                        health.checks = body
                            .checks
                            .into_iter()
                            .map(|(name, outcome)| CheckResult {
                                ok: outcome.as_str() == Some("ok"),
                                error: outcome.as_str().map_or_else(
                                    || {
                                        outcome
                                            .get("error")
                                            .and_then(|e| e.as_str())
                                            .map(str::to_owned)
                                            .or_else(|| Some(outcome.to_string()))
                                    },
                                    |_| None,
                                ),
                                name,
                            })
                            .collect();
                        if !status.is_success() && health.checks.iter().all(|c| c.ok) {
                            health.error = Some(format!("/readyz answered {status}"));
                        }
                    }
                    Err(_) => {
                        // Not one of ours, or a proxy's error page: the status says enough.
                        health.state = ServiceState::NotReady;
                        health.error =
                            Some(format!("/readyz answered {status} without its JSON report"));
                    }
                }
            }
        }
        health.latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        health
    }

    /// Every durable consumer of every stream of the namespace, by stream then name.
    pub async fn consumers(&self) -> Result<Vec<ConsumerLag>, String> {
        self.connected()?;
        tokio::time::timeout(self.probe_timeout * 3, self.read_consumers())
            .await
            .map_err(|_| "NATS did not list the consumers in time".to_owned())?
    }

    async fn read_consumers(&self) -> Result<Vec<ConsumerLag>, String> {
        let jetstream = self.bus.jetstream();
        let prefix = self.bus.stream_name("");
        let mut streams = Vec::new();
        let mut names = jetstream.stream_names();
        while let Some(name) = names.next().await {
            let name = name.map_err(|e| format!("listing the streams: {e}"))?;
            if name.starts_with(&prefix) {
                streams.push(name);
            }
        }
        streams.sort();
        let mut out = Vec::new();
        for name in streams {
            let stream = match jetstream.get_stream(&name).await {
                Ok(stream) => stream,
                // Deleted between the listing and now.
                Err(_) => continue,
            };
            let mut consumers = stream.consumers();
            let mut found = Vec::new();
            while let Some(info) = consumers.next().await {
                let info = info.map_err(|e| format!("listing the consumers of {name}: {e}"))?;
                if info.config.durable_name.is_none() {
                    continue;
                }
                let mut filter_subjects = info.config.filter_subjects.clone();
                if !info.config.filter_subject.is_empty() {
                    filter_subjects.insert(0, info.config.filter_subject.clone());
                }
                found.push(ConsumerLag {
                    stream: name.clone(),
                    name: info.name.clone(),
                    filter_subjects,
                    num_pending: info.num_pending,
                    num_ack_pending: info.num_ack_pending as u64,
                    num_redelivered: info.num_redelivered as u64,
                    num_waiting: info.num_waiting as u64,
                    last_delivered_at: info
                        .delivered
                        .last_active
                        .map(|t| from_nanos(t.unix_timestamp_nanos())),
                    last_acked_at: info
                        .ack_floor
                        .last_active
                        .map(|t| from_nanos(t.unix_timestamp_nanos())),
                });
            }
            found.sort_by(|a, b| a.name.cmp(&b.name));
            out.extend(found);
        }
        Ok(out)
    }

    /// The newest dead letters of the namespace, newest first (none when the stream was never
    /// created: no consumer has given up on anything).
    pub async fn dead_letters(&self) -> Result<Vec<DeadLetter>, String> {
        self.connected()?;
        tokio::time::timeout(self.probe_timeout * 3, self.read_dead_letters())
            .await
            .map_err(|_| "NATS did not answer for the dead letters in time".to_owned())?
    }

    async fn read_dead_letters(&self) -> Result<Vec<DeadLetter>, String> {
        let name = self.bus.stream_name(StreamSpec::DEAD_LETTERS.base_name);
        let mut stream = match self.bus.jetstream().get_stream(&name).await {
            Ok(stream) => stream,
            Err(error)
                if matches!(
                    error.kind(),
                    jetstream::context::GetStreamErrorKind::JetStream(ref e)
                        if e.error_code() == jetstream::ErrorCode::STREAM_NOT_FOUND
                ) =>
            {
                return Ok(Vec::new());
            }
            Err(error) => return Err(format!("reading {name}: {error}")),
        };
        let state = stream
            .info()
            .await
            .map_err(|e| format!("reading {name}: {e}"))?
            .state
            .clone();
        let mut letters = Vec::new();
        if state.messages == 0 {
            return Ok(letters);
        }
        // Newest first; a sequence deleted from the middle is skipped (within a bound, so a
        // stream with many deleted messages costs a few requests, not thousands).
        let mut sequence = state.last_sequence;
        let mut tries = 0;
        while sequence >= state.first_sequence.max(1)
            && letters.len() < DEAD_LETTERS_SHOWN
            && tries < DEAD_LETTERS_SHOWN * 4
        {
            tries += 1;
            if let Ok(message) = stream.get_raw_message(sequence).await {
                let header = |name: &str| {
                    message
                        .headers
                        .get(name)
                        .map(|value| value.as_str().to_owned())
                };
                letters.push(DeadLetter {
                    sequence: message.sequence,
                    subject: message.subject.to_string(),
                    original_subject: header(DEAD_LETTER_SUBJECT),
                    reason: header(DEAD_LETTER_REASON),
                    content_type: header(faceattend_bus::headers::CONTENT_TYPE),
                    published_at: from_nanos(message.time.unix_timestamp_nanos()),
                    size_bytes: message.payload.len() as u64,
                });
            }
            sequence -= 1;
        }
        Ok(letters)
    }

    fn connected(&self) -> Result<(), String> {
        if self.bus.is_connected() {
            Ok(())
        } else {
            Err("the console is not connected to NATS".to_owned())
        }
    }
}

/// The body of every faceattend service's `/readyz`.
#[derive(Deserialize)]
struct ReadyzBody {
    version: Option<String>,
    #[serde(default)]
    checks: serde_json::Map<String, serde_json::Value>,
}

/// A failed probe in a few words: reqwest's own message is a chain of wrappers.
fn describe_request_error(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        "no answer in time".to_owned()
    } else if error.is_connect() {
        let mut source: Option<&dyn std::error::Error> = Some(error);
        let mut deepest = String::from("cannot connect");
        while let Some(e) = source {
            deepest = e.to_string();
            source = e.source();
        }
        format!("cannot connect ({deepest})")
    } else {
        error.to_string()
    }
}

fn from_nanos(nanos: i128) -> DateTime<Utc> {
    DateTime::from_timestamp_nanos(i64::try_from(nanos).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_urls_are_name_equals_url() {
        let targets = HealthTarget::parse_list(
            " face-embedder=http://embedder:8081/ , attendance-worker=https://worker:8083",
        )
        .unwrap();
        assert_eq!(
            targets,
            vec![
                HealthTarget {
                    name: "face-embedder".to_owned(),
                    url: "http://embedder:8081".to_owned()
                },
                HealthTarget {
                    name: "attendance-worker".to_owned(),
                    url: "https://worker:8083".to_owned()
                },
            ]
        );
        assert!(HealthTarget::parse_list("").unwrap().is_empty());
        for bad in [
            "face-embedder",
            "=http://x",
            "Face=http://x",
            "a=ftp://x",
            "a=http://x,a=http://y",
        ] {
            assert!(HealthTarget::parse_list(bad).is_err(), "{bad} accepted");
        }
    }

    fn service(name: &str, state: ServiceState, checks: Vec<CheckResult>) -> ServiceHealth {
        ServiceHealth {
            name: name.to_owned(),
            url: "http://x".to_owned(),
            state,
            version: None,
            checks,
            error: Some("connection refused".to_owned()),
            latency_ms: 1,
        }
    }

    #[test]
    fn not_ready_names_each_failing_part_with_its_reason() {
        let health = Health {
            checked_at: Utc::now(),
            services: vec![
                service("person-api", ServiceState::Ready, vec![]),
                service("face-embedder", ServiceState::Unreachable, vec![]),
                service(
                    "attendance-worker",
                    ServiceState::NotReady,
                    vec![
                        CheckResult {
                            name: "database".to_owned(),
                            ok: true,
                            error: None,
                        },
                        CheckResult {
                            name: "nats".to_owned(),
                            ok: false,
                            error: Some("not connected to NATS".to_owned()),
                        },
                    ],
                ),
            ],
            console: ConsoleHealth {
                version: VERSION.to_owned(),
                database: CheckResult {
                    name: "database".to_owned(),
                    ok: true,
                    error: None,
                },
            },
            nats: NatsHealth {
                connected: false,
                server_version: None,
                namespace: String::new(),
            },
        };
        let not_ready = health.not_ready();
        let names: Vec<&str> = not_ready.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(names, ["face-embedder", "attendance-worker", "nats"]);
        assert_eq!(not_ready[0].reason, "unreachable: connection refused");
        assert_eq!(
            not_ready[1].reason,
            "not ready: nats: not connected to NATS"
        );
    }
}
