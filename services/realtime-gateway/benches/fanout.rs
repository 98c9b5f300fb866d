//! realtime-gateway fan-out: many WebSocket clients, events published to the ATTENDANCE
//! stream at a steady rate, each delivered to every client whose subscription matches.
//!
//! The gateway runs as its own process (the release binary), so its memory is measured
//! alone: RSS with no clients, then with every client connected and idle. The clients are
//! tasks of this process (tokio-tungstenite). Each event carries the instant it was published
//! (`event_timestamp`); a client's latency is its receipt minus that instant. A client that
//! keeps up must receive every event that matches it: anything less is a drop.
//!
//! Phase 1 (the target): BENCH_CLIENTS (10,000) clients, most following one person (reception
//! screens, 5 per person), some a department, a few everyone; BENCH_RATE (200) events/s for
//! BENCH_SECONDS (20). Phase 2 (beyond it): every client switches to everyone (`subscribe`)
//! and BENCH_BROADCAST_RATE (2) events/s go to all of them for 10 s.
//!
//! Needs NATS with JetStream at TEST_NATS_URL and a file-descriptor limit above the client
//! count (scripts/bench.sh raises it). `cargo bench -p realtime-gateway --bench fanout`.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use async_nats::HeaderMap;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use faceattend_proto::attendance::v1 as wire;
use faceattend_service::auth::JwtKeys;
use futures::{SinkExt, StreamExt};
use prost::Message as _;
use serde::Deserialize;
use tokio::sync::Semaphore;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use uuid::Uuid;

const DEPARTMENTS: usize = 10;
const PER_PERSON: usize = 5;
const EVERYONE: usize = 20;
const PER_DEPARTMENT: usize = 8;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[derive(Clone, Copy, Debug)]
enum Subscription {
    Person(usize),
    Department(usize),
    Everyone,
}

/// What a client saw.
#[derive(Default)]
struct Seen {
    /// Latencies of `attendance_event`s, microseconds, by phase.
    latencies: [Vec<u32>; 2],
    /// `attendance_event`s received, by phase.
    events: [u64; 2],
    /// The close code, if the gateway closed the client.
    closed: Option<u16>,
}

#[derive(Deserialize)]
struct Incoming {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    event_timestamp: Option<DateTime<Utc>>,
}

fn rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn open_files_limit() -> u64 {
    std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|limits| {
            limits
                .lines()
                .find(|l| l.starts_with("Max open files"))
                .and_then(|l| l.split_whitespace().nth(3))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// The 1-minute load average: the machine is shared, and the tail latency moves with it.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".to_owned())
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    f64::from(sorted[index]) / 1000.0
}

struct Gateway {
    child: Child,
    port: u16,
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_gateway(nats_url: &str, namespace: &str, clients: usize) -> Gateway {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let child = Command::new(env!("CARGO_BIN_EXE_realtime-gateway"))
        .env("BIND_ADDRESS", format!("127.0.0.1:{port}"))
        .env(
            "JWT_PUBLIC_KEYS",
            faceattend_service::auth::testing::signing_key()
                .public_key()
                .to_config_value(),
        )
        .env("NATS_URL", nats_url)
        .env("BUS_NAMESPACE", namespace)
        .env("MAX_CONNECTIONS", (clients + 100).to_string())
        .env("LOG_FORMAT", "json")
        .env(
            "RUST_LOG",
            std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".to_owned()),
        )
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the realtime-gateway binary");
    Gateway { child, port }
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let clients: usize = env_or("BENCH_CLIENTS", 10_000);
    let rate: u64 = env_or("BENCH_RATE", 200);
    let seconds: u64 = env_or("BENCH_SECONDS", 20);
    let broadcast_rate: u64 = env_or("BENCH_BROADCAST_RATE", 2);
    let nats_url =
        std::env::var("TEST_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".to_owned());
    let limit = open_files_limit();
    if limit < clients as u64 + 200 {
        eprintln!(
            "bench: the open-file limit is {limit}; {clients} clients need more (ulimit -n {})",
            clients + 1000
        );
        std::process::exit(2);
    }

    let namespace = format!("bench{}", &Uuid::new_v4().simple().to_string()[..10]);
    let nats = async_nats::connect(&nats_url)
        .await
        .expect("NATS reachable at TEST_NATS_URL");
    let jetstream = async_nats::jetstream::new(nats.clone());
    let gateway = start_gateway(&nats_url, &namespace, clients);
    let client = reqwest::Client::new();
    let ready_url = format!("http://127.0.0.1:{}/readyz", gateway.port);
    let mut ready = false;
    for _ in 0..300 {
        if let Ok(response) = client.get(&ready_url).send().await
            && response.status() == 200
        {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ready, "the gateway became ready");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let pid = gateway.child.id();
    let rss_before = rss_kb(pid);

    // The clients: person subscriptions first, then departments, then everyone.
    let persons = (clients.saturating_sub(DEPARTMENTS * PER_DEPARTMENT + EVERYONE)) / PER_PERSON;
    let person_ids: Vec<Uuid> = (0..persons.max(1)).map(|_| Uuid::new_v4()).collect();
    let subscriptions: Vec<Subscription> = (0..clients)
        .map(|i| {
            let departments_from = persons * PER_PERSON;
            if i < departments_from {
                Subscription::Person(i / PER_PERSON)
            } else if i < departments_from + DEPARTMENTS * PER_DEPARTMENT {
                Subscription::Department((i - departments_from) % DEPARTMENTS)
            } else {
                Subscription::Everyone
            }
        })
        .collect();
    let keys = JwtKeys::new(&faceattend_service::auth::testing::issuer());
    let token = keys
        .mint(
            "bench",
            &["attendance:read".to_owned()],
            Duration::from_secs(3600),
        )
        .expect("a token");

    // 0: the target's scenario; 1: everyone hears everything; 2: stop.
    let (phase_tx, phase_rx) = tokio::sync::watch::channel(0usize);
    let connected = Arc::new(AtomicU64::new(0));
    let connecting = Arc::new(Semaphore::new(64));
    let started_connecting = Instant::now();
    let mut tasks = Vec::with_capacity(clients);
    for (i, subscription) in subscriptions.iter().enumerate() {
        let query = match subscription {
            Subscription::Person(p) => format!("person_id={}", person_ids[*p]),
            Subscription::Department(d) => format!("department=dept-{d}"),
            Subscription::Everyone => String::new(),
        };
        let url = format!(
            "ws://127.0.0.1:{}/api/v1/attendance/ws/bench-{i}?{query}",
            gateway.port
        );
        let token = token.clone();
        let (mut phase, connected, connecting) =
            (phase_rx.clone(), connected.clone(), connecting.clone());
        tasks.push(tokio::spawn(async move {
            let mut seen = Seen::default();
            let permit = connecting.acquire_owned().await.expect("semaphore");
            let mut request = url.into_client_request().expect("request");
            request.headers_mut().insert(
                "Authorization",
                HeaderValue::from_str(&format!("Bearer {token}")).expect("header"),
            );
            let mut config = WebSocketConfig::default();
            config.read_buffer_size = 4096;
            config.write_buffer_size = 0;
            let mut ws = loop {
                match tokio_tungstenite::connect_async_with_config(
                    request.clone(),
                    Some(config),
                    true,
                )
                .await
                {
                    Ok((ws, _)) => break ws,
                    Err(error) => {
                        eprintln!("bench: client {i} failed to connect: {error}; retrying");
                        tokio::time::sleep(Duration::from_millis(200)).await;
                    }
                }
            };
            drop(permit);
            connected.fetch_add(1, Ordering::Relaxed);
            let mut current = 0usize;
            loop {
                let frame = tokio::select! {
                    frame = ws.next() => frame,
                    changed = phase.changed() => {
                        current = *phase.borrow_and_update();
                        if changed.is_err() || current >= 2 {
                            break;
                        }
                        // Phase 2: hear everyone.
                        let _ = ws
                            .send(Message::Text(r#"{"type":"subscribe"}"#.into()))
                            .await;
                        continue;
                    }
                };
                let received = Utc::now();
                match frame {
                    Some(Ok(Message::Text(text))) => {
                        let Ok(message) = serde_json::from_str::<Incoming>(&text) else {
                            continue;
                        };
                        match message.kind.as_str() {
                            "attendance_event" => {
                                let phase = current;
                                if phase < 2 {
                                    seen.events[phase] += 1;
                                    if let Some(at) = message.event_timestamp {
                                        let micros = (received - at)
                                            .num_microseconds()
                                            .unwrap_or(i64::MAX)
                                            .clamp(0, i64::from(u32::MAX));
                                        seen.latencies[phase].push(micros as u32);
                                    }
                                }
                            }
                            "ping" => {
                                let _ = ws.send(Message::Text(r#"{"type":"pong"}"#.into())).await;
                            }
                            _ => {}
                        }
                    }
                    Some(Ok(Message::Close(frame))) => {
                        seen.closed = Some(frame.map_or(1005, |f| u16::from(f.code)));
                        break;
                    }
                    Some(Ok(_)) => {}
                    Some(Err(_)) | None => {
                        seen.closed.get_or_insert(1006);
                        break;
                    }
                }
            }
            seen
        }));
    }
    while connected.load(Ordering::Relaxed) < clients as u64 {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let connect_seconds = started_connecting.elapsed().as_secs_f64();
    // Let every session send its first messages and settle.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let rss_idle = rss_kb(pid);
    let per_connection_kb = (rss_idle.saturating_sub(rss_before)) as f64 / clients as f64;

    // Phase 1: events at `rate` for `seconds`, each for one person of one department.
    let publish = |person: usize, phase_no: u64| {
        let jetstream = jetstream.clone();
        let subject = format!("{namespace}.attendance.v1.checked_in");
        let person_id = person_ids[person];
        async move {
            let now = Utc::now();
            let ts = prost_types::Timestamp {
                seconds: now.timestamp(),
                nanos: now.timestamp_subsec_nanos() as i32,
            };
            let event = wire::CheckedIn {
                event_id: Uuid::new_v4().to_string(),
                occurred_at: Some(ts),
                subject: Some(wire::Subject {
                    attendance_id: Uuid::new_v4().to_string(),
                    person_id: person_id.to_string(),
                    person_name: format!("Person {person}"),
                    department: Some(format!("dept-{}", person % DEPARTMENTS)),
                    attendance_date: now.date_naive().to_string(),
                }),
                check_in: Some(wire::Mark {
                    at: Some(ts),
                    source: wire::MarkSource::Auto as i32,
                    confidence: Some(0.93),
                    detection_id: Some(Uuid::new_v4().to_string()),
                    camera_id: Some(format!("gate-{}", phase_no)),
                }),
                status: wire::AttendanceStatus::Present as i32,
            };
            let mut headers = HeaderMap::new();
            headers.insert("Nats-Msg-Id", Uuid::new_v4().to_string().as_str());
            jetstream
                .publish_with_headers(subject, headers, Bytes::from(event.encode_to_vec()))
                .await
                .expect("publish")
        }
    };
    let mut published_persons = Vec::new();
    let mut acks = Vec::new();
    let mut ticker = tokio::time::interval(Duration::from_micros(1_000_000 / rate.max(1)));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let load_before = load_average();
    let phase1_started = Instant::now();
    for n in 0..rate * seconds {
        ticker.tick().await;
        // Spread over persons deterministically (a stride co-prime with most counts).
        let person = (n as usize * 7919) % person_ids.len();
        published_persons.push(person);
        acks.push(publish(person, 1).await);
    }
    let phase1_seconds = phase1_started.elapsed().as_secs_f64();
    let load_after = load_average();
    for ack in acks.drain(..) {
        ack.await.expect("stored");
    }
    tokio::time::sleep(Duration::from_secs(2)).await;

    // Phase 2: everyone hears everything.
    let _ = phase_tx.send(1);
    tokio::time::sleep(Duration::from_secs(3)).await;
    let broadcast_events = broadcast_rate * 10;
    let mut ticker =
        tokio::time::interval(Duration::from_micros(1_000_000 / broadcast_rate.max(1)));
    for n in 0..broadcast_events {
        ticker.tick().await;
        acks.push(publish(n as usize % person_ids.len(), 2).await);
    }
    for ack in acks.drain(..) {
        ack.await.expect("stored");
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let _ = phase_tx.send(2);

    let mut expected_by_person = vec![0u64; person_ids.len()];
    let mut expected_by_department = [0u64; DEPARTMENTS];
    for person in &published_persons {
        expected_by_person[*person] += 1;
        expected_by_department[person % DEPARTMENTS] += 1;
    }
    let total_phase1 = published_persons.len() as u64;
    let mut latencies: [Vec<u32>; 2] = [Vec::new(), Vec::new()];
    let (mut delivered, mut expected, mut missing, mut closed_slow, mut closed_other) =
        ([0u64; 2], [0u64; 2], [0u64; 2], 0u64, 0u64);
    let mut lagging_clients = 0u64;
    for (task, subscription) in tasks.into_iter().zip(&subscriptions) {
        let seen = task.await.expect("client task");
        let wanted = [
            match subscription {
                Subscription::Person(p) => expected_by_person[*p],
                Subscription::Department(d) => expected_by_department[*d],
                Subscription::Everyone => total_phase1,
            },
            broadcast_events,
        ];
        match seen.closed {
            Some(1008) => closed_slow += 1,
            Some(_) => closed_other += 1,
            None => {}
        }
        let mut lagged = false;
        for phase in 0..2 {
            delivered[phase] += seen.events[phase];
            expected[phase] += wanted[phase];
            if seen.events[phase] < wanted[phase] {
                missing[phase] += wanted[phase] - seen.events[phase];
                lagged = true;
            }
            latencies[phase].extend_from_slice(&seen.latencies[phase]);
        }
        lagging_clients += u64::from(lagged);
    }
    for list in &mut latencies {
        list.sort_unstable();
    }
    drop(gateway);
    let _ = jetstream
        .delete_stream(format!("{}_ATTENDANCE", namespace.to_uppercase()))
        .await;

    let p99 = percentile(&latencies[0], 0.99);
    let drops = closed_slow + closed_other + missing[0] + missing[1];
    let yes = |ok: bool| if ok { "yes" } else { "NO" };
    println!();
    println!(
        "realtime-gateway fan-out: {clients} WebSocket clients ({} by person, {} by department, {} everyone), gateway in its own process",
        persons * PER_PERSON,
        DEPARTMENTS * PER_DEPARTMENT,
        clients - persons * PER_PERSON - DEPARTMENTS * PER_DEPARTMENT
    );
    println!(
        "{} cores, load average {load_before} before and {load_after} after phase 1 (other work on the machine shows in the tail)",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!(
        "connected in {connect_seconds:.1} s; phase 1: {} events in {phase1_seconds:.1} s ({:.0}/s), {} attendance_event deliveries ({:.0}/s, plus as many status updates)",
        total_phase1,
        total_phase1 as f64 / phase1_seconds,
        delivered[0],
        delivered[0] as f64 / phase1_seconds
    );
    println!();
    println!("| measure | value | target | met |");
    println!("|---|---|---|---|");
    println!(
        "| delivery latency p50 (publish → client) | {:.1} ms | | |",
        percentile(&latencies[0], 0.50)
    );
    println!(
        "| delivery latency p99 | {p99:.1} ms | ≤ 50 ms | {} |",
        yes(p99 <= 50.0)
    );
    println!(
        "| delivery latency max | {:.1} ms | | |",
        latencies[0]
            .last()
            .map_or(f64::NAN, |m| f64::from(*m) / 1000.0)
    );
    println!(
        "| memory per idle connection (gateway RSS {} MB → {} MB) | {per_connection_kb:.1} KB | ≤ 20 KB | {} |",
        rss_before / 1024,
        rss_idle / 1024,
        yes(per_connection_kb <= 20.0)
    );
    println!(
        "| drops (clients closed: {closed_slow} slow, {closed_other} other; events missing: {}) | {drops} | 0 | {} |",
        missing[0] + missing[1],
        yes(drops == 0)
    );
    println!(
        "| deliveries / expected | {} / {} | | |",
        delivered[0], expected[0]
    );
    println!();
    println!(
        "beyond the target, every client subscribed to everyone: {broadcast_events} events at {broadcast_rate}/s, each to {clients} clients: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; {} / {} delivered; {lagging_clients} clients missed events",
        percentile(&latencies[1], 0.50),
        percentile(&latencies[1], 0.99),
        latencies[1]
            .last()
            .map_or(f64::NAN, |m| f64::from(*m) / 1000.0),
        delivered[1],
        expected[1],
    );
}
