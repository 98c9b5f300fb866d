//! `make bench` (issue 5): attendance-worker's throughput end to end on PostgreSQL.
//!
//! Creates a fresh database on the PostgreSQL named by `BENCH_DATABASE_URL` (else
//! `TEST_DATABASE_URL`) and a fresh bus namespace on the NATS named by `BENCH_NATS_URL` (else
//! `TEST_NATS_URL`), seeds the person directory, starts the real worker in this process
//! (release build; the worker's own knobs such as `DETECTIONS_CONCURRENCY` and
//! `DATABASE_MAX_CONNECTIONS` are read from the environment as in production), then publishes
//! `BENCH_DETECTIONS` detections (default 100,000) for up to `BENCH_PERSONS` people (default
//! 5,000; 20 sightings each over a working day, in capture order, as cameras report them) with
//! asynchronous JetStream publishes acknowledged in batches. It times the run until every
//! detection is committed (the `detections` row count), then measures the unloaded latency of
//! single detections (`BENCH_LATENCY_SAMPLES`, default 200: publish, poll for the committed
//! row). Prints the rates, day records, review items and whether the target is met; removes
//! the database and the streams.

use std::time::{Duration, Instant};

use async_nats::HeaderMap;
use async_nats::jetstream;
use attendance_worker::config::Settings;
use attendance_worker::startup::Application;
use bytes::Bytes;
use chrono::{DateTime, NaiveDate, Utc};
use faceattend_domain::attendance::SiteZone;
use faceattend_proto::faces::v1 as wire;
use faceattend_service::config::EnvReader;
use prost::Message as _;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use secrecy::SecretString;
use uuid::Uuid;

/// Issue 5's target on this machine.
const TARGET_PER_SECOND: f64 = 2_000.0;
/// Sightings of one person in a day, as the issue describes the load.
const SIGHTINGS_PER_PERSON: u64 = 20;
/// Publishes in flight before their acks are awaited.
const PUBLISH_BATCH: usize = 1_000;
/// Gate cameras see arrivals and departures; the others see people during the day.
const GATES: &[&str] = &["gate-north", "gate-south"];
const INSIDE: &[&str] = &["lobby", "floor-1", "floor-2", "floor-3", "canteen", "lab"];
const DEPARTMENTS: &[&str] = &["Engineering", "Sales", "Finance", "Operations", "Support"];

fn knob<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn first_env(names: &[&str], default: &str) -> String {
    names
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
        .unwrap_or_else(|| default.to_owned())
}

/// Cheap deterministic pseudo-random numbers (splitmix64), so runs are comparable.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn between(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.unit()
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }

    fn uuid(&mut self) -> Uuid {
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&self.next().to_le_bytes());
        bytes[8..].copy_from_slice(&self.next().to_le_bytes());
        uuid::Builder::from_random_bytes(bytes).into_uuid()
    }
}

/// A Tuesday in the past; the bench's site is in UTC.
fn workday() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 10).expect("valid date")
}

fn at_hours(hours: f64) -> DateTime<Utc> {
    let midnight = workday().and_hms_opt(0, 0, 0).expect("midnight").and_utc();
    midnight + chrono::Duration::milliseconds((hours * 3_600_000.0) as i64)
}

/// A detection as face-embedder publishes it: MATCH of `person` on `camera` at `at`.
fn detection(
    rng: &mut Rng,
    person: Uuid,
    camera: &str,
    at: DateTime<Utc>,
    confidence: f32,
) -> wire::Detection {
    let timestamp = |at: DateTime<Utc>| prost_types::Timestamp {
        seconds: at.timestamp(),
        nanos: i32::try_from(at.timestamp_subsec_nanos()).unwrap_or(0),
    };
    let id = rng.uuid();
    wire::Detection {
        detection_id: id.to_string(),
        capture_id: rng.uuid().to_string(),
        camera_id: camera.to_owned(),
        captured_at: Some(timestamp(at)),
        processed_at: Some(timestamp(at + chrono::Duration::milliseconds(150))),
        decision: wire::Decision::Match as i32,
        person_id: Some(person.to_string()),
        encoding_id: Some(rng.uuid().to_string()),
        distance: (1.0 - confidence) * 1.2,
        confidence,
        model: "mobilefacenet-v1".to_owned(),
        quality: Some(wire::Quality {
            score: rng.between(0.6, 0.98) as f32,
            issues: Vec::new(),
        }),
        snapshot_ref: format!("snapshots/{camera}/{id}.jpg"),
        ..Default::default()
    }
}

/// Mostly confident matches; about one in eight between the review and auto thresholds.
fn confidence(rng: &mut Rng) -> f32 {
    if rng.unit() < 0.12 {
        rng.between(0.60, 0.699) as f32
    } else {
        rng.between(0.70, 0.99) as f32
    }
}

/// `count` sightings of `person` over a working day: arrival through a gate between 07:30 and
/// 09:45, departure through a gate between 16:15 and 19:00, the rest in between inside.
fn day_of(rng: &mut Rng, person: Uuid, count: u64, out: &mut Vec<wire::Detection>) {
    let arrival = rng.between(7.5, 9.75);
    let departure = rng.between(16.25, 19.0);
    for k in 0..count {
        let (hours, camera) = if k == 0 {
            (arrival, rng.pick(GATES))
        } else if k == count - 1 {
            (departure, rng.pick(GATES))
        } else {
            (rng.between(arrival, departure), rng.pick(INSIDE))
        };
        let confidence = confidence(rng);
        out.push(detection(rng, person, camera, at_hours(hours), confidence));
    }
}

fn captured(detection: &wire::Detection) -> (i64, i32) {
    detection
        .captured_at
        .as_ref()
        .map_or((0, 0), |t| (t.seconds, t.nanos))
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index].as_secs_f64() * 1000.0
}

async fn count(db: &DatabaseConnection, sql: &str) -> Result<i64, String> {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .map_err(|e| format!("{sql}: {e}"))?
        .ok_or_else(|| format!("{sql}: no row"))?;
    row.try_get_by_index::<i64>(0)
        .map_err(|e| format!("{sql}: {e}"))
}

/// `url` with its database name replaced; plain TCP on loopback unless the URL says otherwise
/// (sqlx would negotiate TLS with sslmode=prefer).
fn database_url(url: &str, name: &str) -> String {
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let base = path.rsplit_once('/').map_or(path, |(base, _)| base);
    if query.contains("sslmode=") {
        format!("{base}/{name}?{query}")
    } else if query.is_empty() {
        format!("{base}/{name}?sslmode=disable")
    } else {
        format!("{base}/{name}?{query}&sslmode=disable")
    }
}

struct Knobs {
    detections: u64,
    persons: u64,
    latency_samples: usize,
    stall: Duration,
}

struct Bench {
    db: DatabaseConnection,
    nats: async_nats::Client,
    namespace: String,
}

impl Bench {
    /// Publishes `batch` asynchronously and waits for JetStream to store all of it.
    async fn publish(&self, batch: &[wire::Detection]) -> Result<(), String> {
        let js = jetstream::new(self.nats.clone());
        let mut acks = Vec::with_capacity(batch.len());
        for detection in batch {
            let mut headers = HeaderMap::new();
            headers.insert("Nats-Msg-Id", detection.detection_id.as_str());
            let subject = format!("{}.detections.v1.{}", self.namespace, detection.camera_id);
            let ack = js
                .publish_with_headers(subject, headers, Bytes::from(detection.encode_to_vec()))
                .await
                .map_err(|e| format!("publish: {e}"))?;
            acks.push(ack);
        }
        // The acks come back in publish order; awaiting them one after another costs no more
        // than the last one's round trip.
        for ack in acks {
            let ack = ack.await.map_err(|e| format!("publish ack: {e}"))?;
            if ack.duplicate {
                return Err("JetStream took a detection for a duplicate".to_owned());
            }
        }
        Ok(())
    }

    async fn seed_directory(&self, persons: &[Uuid]) -> Result<(), String> {
        for chunk in persons.chunks(1_000) {
            let rows: Vec<String> = chunk
                .iter()
                .enumerate()
                .map(|(i, id)| {
                    format!(
                        "('{id}', 'Person {}', 'employee', 'active', '{}', 'ACME Corp', false, now(), 1)",
                        id.simple(),
                        DEPARTMENTS[i % DEPARTMENTS.len()]
                    )
                })
                .collect();
            let sql = format!(
                "INSERT INTO person_directory (person_id, name, person_type, status, department, \
                 organization, deleted, updated_at, version) VALUES {}",
                rows.join(",")
            );
            self.db
                .execute_unprepared(&sql)
                .await
                .map_err(|e| format!("seed the person directory: {e}"))?;
        }
        Ok(())
    }

    async fn run(&self, knobs: &Knobs, concurrency: usize) -> Result<(), String> {
        // Everyone gets a working day of 20 sightings; a small run uses fewer people rather
        // than thinner days, a big one gives each person more sightings.
        let n = knobs.detections.max(1);
        let persons_used = knobs.persons.max(1).min(n.div_ceil(SIGHTINGS_PER_PERSON));
        let per_person = n.div_ceil(persons_used);
        let mut rng = Rng(0x5eed_fa11_0000_0005);
        let persons: Vec<Uuid> = (0..persons_used).map(|_| rng.uuid()).collect();
        let mut detections = Vec::with_capacity(n as usize);
        for person in &persons {
            let left = n - detections.len() as u64;
            day_of(&mut rng, *person, per_person.min(left), &mut detections);
        }
        // As the cameras report them: through the day, everyone interleaved.
        detections.sort_by_key(captured);
        self.seed_directory(&persons).await?;
        let low = detections.iter().filter(|d| d.confidence < 0.7).count();

        println!();
        println!(
            "attendance-worker on PostgreSQL: {} detections for {} people ({} sightings each, {:.1}% between 0.6 and 0.7), \
             DETECTIONS_CONCURRENCY={concurrency}",
            detections.len(),
            persons_used,
            per_person,
            100.0 * low as f64 / detections.len() as f64,
        );
        println!(
            "publisher, worker, PostgreSQL and NATS share this machine's {} cores",
            std::thread::available_parallelism().map_or(0, |n| n.get())
        );

        let started = Instant::now();
        let publisher = {
            let bench = Bench {
                db: self.db.clone(),
                nats: self.nats.clone(),
                namespace: self.namespace.clone(),
            };
            let detections = detections.clone();
            tokio::spawn(async move {
                for batch in detections.chunks(PUBLISH_BATCH) {
                    bench.publish(batch).await?;
                }
                Ok::<Duration, String>(Instant::now().duration_since(started))
            })
        };
        let total = detections.len() as i64;
        let mut published: Option<Duration> = None;
        let mut publisher = Some(publisher);
        let (mut last, mut last_change, mut last_report) = (0i64, Instant::now(), Instant::now());
        let committed_after = loop {
            if let Some(handle) = publisher.as_mut().filter(|h| h.is_finished()) {
                let result = handle.await.map_err(|e| format!("publisher: {e}"))?;
                published = Some(result?);
                publisher = None;
            }
            let done = count(&self.db, "SELECT count(*) FROM detections").await?;
            if done >= total {
                break started.elapsed();
            }
            if done != last {
                (last, last_change) = (done, Instant::now());
            } else if last_change.elapsed() > knobs.stall {
                return Err(format!(
                    "no progress for {:?}: {done} of {total} detections committed",
                    knobs.stall
                ));
            }
            if last_report.elapsed() > Duration::from_secs(10) {
                last_report = Instant::now();
                eprintln!(
                    "  {:>6.1} s: {done} committed ({:.0}/s so far)",
                    started.elapsed().as_secs_f64(),
                    done as f64 / started.elapsed().as_secs_f64()
                );
            }
            // A count of the whole table costs PostgreSQL a scan: four a second keep the
            // measurement's share of the cores small at a 0.25 s resolution.
            tokio::time::sleep(Duration::from_millis(250)).await;
        };
        if let Some(handle) = publisher {
            published = Some(handle.await.map_err(|e| format!("publisher: {e}"))??);
        }
        let published = published.unwrap_or(committed_after);

        let days = count(&self.db, "SELECT count(*) FROM attendance").await?;
        let reviews = count(&self.db, "SELECT count(*) FROM review_items").await?;
        let pending_events = count(&self.db, "SELECT count(*) FROM outbox_events").await?;
        let statuses = self
            .db
            .query_all_raw(Statement::from_string(
                self.db.get_database_backend(),
                "SELECT status, count(*) FROM attendance GROUP BY status ORDER BY status",
            ))
            .await
            .map_err(|e| format!("statuses: {e}"))?
            .into_iter()
            .filter_map(|row| {
                Some(format!(
                    "{} {}",
                    row.try_get_by_index::<String>(0).ok()?,
                    row.try_get_by_index::<i64>(1).ok()?
                ))
            })
            .collect::<Vec<_>>()
            .join(", ");

        // The outbox drains behind the commits; how far behind is worth knowing.
        let drain_started = Instant::now();
        let mut outbox_left = pending_events;
        while outbox_left > 0 && drain_started.elapsed() < Duration::from_secs(120) {
            tokio::time::sleep(Duration::from_millis(100)).await;
            outbox_left = count(&self.db, "SELECT count(*) FROM outbox_events").await?;
        }
        let drained_after = started.elapsed();
        let events_published = jetstream::new(self.nats.clone())
            .get_stream(format!("{}_ATTENDANCE", self.namespace.to_uppercase()))
            .await
            .map_err(|e| format!("ATTENDANCE stream: {e}"))?
            .get_info()
            .await
            .map_err(|e| format!("ATTENDANCE stream info: {e}"))?
            .state
            .messages;

        // Unloaded latency: one detection at a time, from the publish to its committed row.
        let mut latencies = Vec::with_capacity(knobs.latency_samples);
        for i in 0..knobs.latency_samples {
            let person = persons[(i * 7919) % persons.len()];
            let hours = 10.0 + 6.0 * (i as f64 / knobs.latency_samples.max(1) as f64);
            let probe = detection(&mut rng, person, "lobby", at_hours(hours), 0.9);
            let id: Uuid = probe.detection_id.parse().map_err(|_| "probe id")?;
            let sent = Instant::now();
            self.publish(std::slice::from_ref(&probe)).await?;
            let sql = format!("SELECT count(*) FROM detections WHERE id = '{id}'");
            loop {
                if count(&self.db, &sql).await? > 0 {
                    latencies.push(sent.elapsed());
                    break;
                }
                if sent.elapsed() > Duration::from_secs(30) {
                    return Err(format!("probe detection {id} not committed in 30 s"));
                }
                tokio::time::sleep(Duration::from_micros(500)).await;
            }
        }
        latencies.sort_unstable();

        let rate = total as f64 / committed_after.as_secs_f64();
        let publish_rate = total as f64 / published.as_secs_f64();
        println!();
        println!(
            "committed {total} detections in {:.2} s: {rate:.0} detections/s",
            committed_after.as_secs_f64()
        );
        println!(
            "published in {:.2} s: {publish_rate:.0} detections/s (async publish, acks awaited per {PUBLISH_BATCH})",
            published.as_secs_f64()
        );
        println!("day records: {days} ({statuses}); review items: {reviews}");
        println!(
            "attendance events: {events_published} on the stream; outbox {} at the last commit, {} after {:.2} s",
            pending_events,
            if outbox_left == 0 {
                "empty".to_owned()
            } else {
                format!("{outbox_left} still pending")
            },
            drained_after.as_secs_f64()
        );
        if !latencies.is_empty() {
            println!(
                "per-detection latency, one at a time (publish to committed row, {} samples): p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
                latencies.len(),
                percentile(&latencies, 0.50),
                percentile(&latencies, 0.99),
                percentile(&latencies, 1.0),
            );
        }
        println!(
            "target >= {TARGET_PER_SECOND:.0} detections/s: {}",
            if rate >= TARGET_PER_SECOND {
                "MET"
            } else {
                "NOT MET"
            }
        );
        if days != persons_used as i64 {
            println!("warning: {days} day records for {persons_used} people");
        }
        Ok(())
    }
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let admin_url = first_env(
        &["BENCH_DATABASE_URL", "TEST_DATABASE_URL"],
        "postgres://postgres@127.0.0.1:5432/postgres",
    );
    let nats_url = first_env(
        &["BENCH_NATS_URL", "TEST_NATS_URL"],
        "nats://127.0.0.1:4222",
    );
    let knobs = Knobs {
        detections: knob("BENCH_DETECTIONS", 100_000),
        persons: knob("BENCH_PERSONS", 5_000),
        latency_samples: knob("BENCH_LATENCY_SAMPLES", 200),
        stall: Duration::from_secs(knob("BENCH_STALL_SECS", 60)),
    };
    let suffix = Uuid::new_v4().simple().to_string();
    let database = format!("bench_attendance_worker_{}", &suffix[..12]);
    let namespace = format!("bench{}", &suffix[..12]);

    let admin = Database::connect(&admin_url)
        .await
        .expect("PostgreSQL reachable (BENCH_DATABASE_URL or TEST_DATABASE_URL)");
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{database}\""))
        .await
        .expect("create the bench database");
    let url = database_url(&admin_url, &database);

    // The worker as production configures it (DETECTIONS_CONCURRENCY, DATABASE_MAX_CONNECTIONS
    // and the thresholds from the environment), on the bench's database, namespace and site.
    let mut settings = Settings::from_reader(EnvReader::from_env()).expect("worker settings");
    settings.database_url = SecretString::from(url.clone());
    settings.nats_url = nats_url.clone();
    settings.bus_namespace = namespace.clone();
    settings.bind_address = "127.0.0.1:0".to_owned();
    settings.policy.zone = SiteZone::default();
    settings.shutdown_timeout = Duration::from_secs(10);
    // The detections path alone: no scheduled job (reconcile would run at start) competes.
    settings.jobs.enabled = false;
    let concurrency = settings.concurrency;

    let outcome = async {
        let application = Application::build(settings)
            .await
            .map_err(|e| format!("attendance-worker starts: {e}"))?;
        let stop = application.shutdown_token();
        let worker = tokio::spawn(application.run_until_stopped());
        let bench = Bench {
            db: Database::connect(&url)
                .await
                .map_err(|e| format!("bench database: {e}"))?,
            nats: async_nats::connect(&nats_url)
                .await
                .map_err(|e| format!("NATS ({nats_url}): {e}"))?,
            namespace: namespace.clone(),
        };
        let result = bench.run(&knobs, concurrency).await;
        stop.cancel();
        let _ = tokio::time::timeout(Duration::from_secs(30), worker).await;
        bench.db.close().await.ok();
        result
    }
    .await;

    // Clean up whatever happened above.
    if let Ok(nats) = async_nats::connect(&nats_url).await {
        let js = jetstream::new(nats);
        for base in ["PERSONS", "DETECTIONS", "ATTENDANCE", "DEAD_LETTERS"] {
            let _ = js
                .delete_stream(format!("{}_{base}", namespace.to_uppercase()))
                .await;
        }
    }
    if let Err(error) = admin
        .execute_unprepared(&format!(
            "DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)"
        ))
        .await
    {
        eprintln!("cannot drop the bench database {database}: {error}");
    }
    if let Err(error) = outcome {
        eprintln!("bench failed: {error}");
        std::process::exit(1);
    }
}
