//! End-to-end latency, camera frame → WebSocket, and where the time goes per stage (issue 7).
//!
//! Every service runs as its real release binary (person-api, face-embedder, camera-agent,
//! attendance-worker, attendance-api, realtime-gateway) on the NATS JetStream and PostgreSQL
//! named by `TEST_NATS_URL` and `TEST_DATABASE_URL`, as in the camera journey
//! (`tests/journeys/camera_to_attendance.rs`). Up to `BENCH_PEOPLE` (default 12) people from
//! the development photos (`FACEATTEND_FACES_DIR`; folders with at least three photos) are
//! enrolled through person-api with two photos each; a third photo of each, one person-api
//! matches to them, is what the camera films. The video (1280×720, 10 fps) shows them walking
//! past one after another, `BENCH_ROUNDS` (default 20) rounds, and camera-agent plays it in
//! real time (`realtime: true`, so its clock is the wall clock) at 5 sampled frames/s as a
//! `both` camera. A shift for everybody (00:00–23:59) and `DUPLICATE_CHECK_WINDOW=0` make the
//! first appearance of a person a check-in and every later one a check-out update: one
//! `attendance_event` per appearance.
//!
//! For each `attendance_event` a WebSocket client of realtime-gateway hears: end to end is
//! its arrival minus its `timestamp` (the published face's frame); from the appearance is its
//! arrival minus the moment the person entered the video (the video's schedule on the wall
//! clock of the camera's start). The stages come from JetStream's own publish times on the
//! FACES, DETECTIONS and ATTENDANCE streams, followed by id: capture → detection → mark →
//! WebSocket event.
//!
//! `JOURNEY_TRACKING` picks camera-agent's publishing policy: `early` (the default: the first
//! face past the quality gate is published from the frame it is seen in, then only clearly
//! better ones) or `legacy` (the policy before: the best face so far 1.5 s into the appearance,
//! emulated with a gate no face passes). `make bench` runs both, one after the other, so the
//! two are compared on the same machine in the same state.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use async_nats::jetstream;
use base64::Engine;
use camera_agent::sample_video::{SampleVideo, load_photo};
use chrono::{DateTime, Utc};
use faceattend_proto::attendance::v1 as attendance_wire;
use faceattend_proto::faces::v1 as wire;
use faceattend_service::auth::JwtKeys;
use prost::Message;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

#[path = "../support/live_feed.rs"]
mod live_feed;
#[path = "../support/service.rs"]
mod service;
use live_feed::{HeardEvent, LiveFeed};
use service::Service;

const BINARIES: [&str; 6] = [
    "person-api",
    "face-embedder",
    "camera-agent",
    "attendance-worker",
    "attendance-api",
    "realtime-gateway",
];
const STAY: Duration = Duration::from_secs(2);
const GAP: Duration = Duration::from_millis(1500);
const VIDEO_FPS: f64 = 10.0;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn faces_dir() -> Option<PathBuf> {
    let dir = std::env::var("FACEATTEND_FACES_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/faces")
        });
    dir.join("person01").is_dir().then_some(dir)
}

/// Where the release binaries are: the bench runs from `target/release/deps`.
fn release_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("bench binary path");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps")
        .to_owned();
    for name in BINARIES {
        assert!(
            dir.join(name).is_file(),
            "{} missing: build the services first (cargo build --release --bins -p {name} …; \
             `BENCH_ONLY=journey make bench` does)",
            dir.join(name).display()
        );
    }
    dir
}

/// The photos of one folder, in their numbers' order (img2 before img10).
fn photos_of(folder: &Path) -> Vec<PathBuf> {
    let mut photos: Vec<PathBuf> = std::fs::read_dir(folder)
        .map(|entries| entries.filter_map(|e| Some(e.ok()?.path())).collect())
        .unwrap_or_default();
    photos.retain(|p| {
        p.extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| ["jpg", "jpeg", "png", "webp"].contains(&e.to_lowercase().as_str()))
    });
    let number = |p: &PathBuf| -> u64 {
        let stem = p.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
        stem.chars()
            .filter(char::is_ascii_digit)
            .collect::<String>()
            .parse()
            .unwrap_or(u64::MAX)
    };
    photos.sort_by_key(|p| (number(p), p.clone()));
    photos
}

/// One `attendance_event` as the WebSocket client heard it.
#[derive(Debug, Clone)]
struct Heard {
    event_id: String,
    person_id: String,
    action: String,
    /// The event's `timestamp`: the frame of the published face.
    at: DateTime<Utc>,
    received: DateTime<Utc>,
}

impl Heard {
    /// The fields the bench follows, from an `attendance_event`; `None` without a timestamp.
    fn from_event(event: &HeardEvent) -> Option<Self> {
        let text = |field: &str| event.message[field].as_str().unwrap_or_default().to_owned();
        let at = DateTime::parse_from_rfc3339(&text("timestamp")).ok()?;
        Some(Heard {
            event_id: text("event_id"),
            person_id: text("person_id"),
            action: text("action"),
            at: at.with_timezone(&Utc),
            received: event.received,
        })
    }
}

/// Every message of a stream, with JetStream's publish time (Unix nanoseconds).
async fn stream_messages(js: &jetstream::Context, name: &str) -> Vec<(String, i128, Vec<u8>)> {
    let mut out = Vec::new();
    let Ok(mut stream) = js.get_stream(name).await else {
        return out;
    };
    let Ok(info) = stream.info().await else {
        return out;
    };
    let (first, last) = (info.state.first_sequence, info.state.last_sequence);
    for seq in first.max(1)..=last {
        if let Ok(message) = stream.get_raw_message(seq).await {
            out.push((
                message.subject.to_string(),
                message.time.unix_timestamp_nanos(),
                message.payload.to_vec(),
            ));
        }
    }
    out
}

fn nanos(at: DateTime<Utc>) -> i128 {
    i128::from(at.timestamp_nanos_opt().unwrap_or_default())
}

fn proto_nanos(seconds: i64, nanos: i32) -> i128 {
    i128::from(seconds) * 1_000_000_000 + i128::from(nanos)
}

fn ms(from: i128, to: i128) -> f64 {
    (to - from) as f64 / 1e6
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn row(name: &str, values: &[f64]) {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    println!(
        "{name:<52} {:>5} {:>9.1} {:>9.1} {:>9.1}",
        sorted.len(),
        percentile(&sorted, 50.0),
        percentile(&sorted, 99.0),
        sorted.last().copied().unwrap_or(f64::NAN),
    );
}

/// Sum and count of a histogram series in a Prometheus text page.
fn histogram_mean_ms(metrics: &str, name: &str, label: &str) -> (f64, f64) {
    let value = |suffix: &str| {
        metrics
            .lines()
            .filter(|l| l.starts_with(&format!("{name}{suffix}")) && l.contains(label))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum::<f64>()
    };
    let (sum, count) = (value("_sum"), value("_count"));
    (count, if count > 0.0 { sum / count * 1e3 } else { 0.0 })
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let Some(faces) = faces_dir() else {
        println!("journey_latency: skipped: no photos (set FACEATTEND_FACES_DIR)");
        return;
    };
    let bin = release_dir();
    let rounds: usize = env_or("BENCH_ROUNDS", 20);
    let tracking = std::env::var("JOURNEY_TRACKING").unwrap_or_else(|_| "early".to_owned());
    // The legacy policy: no face passes the gate, nothing is ever "clearly better", so each
    // appearance publishes its best face 1.5 s in (or when it ends), as before the gate.
    let tracking_env: Vec<(&str, String)> = match tracking.as_str() {
        // The tracker's knobs pass through, to try another gate or wait on the same video.
        "early" => [
            "TRACK_CAPTURE_QUALITY",
            "TRACK_IMPROVE_BY",
            "TRACK_FIRST_CAPTURE_AFTER",
        ]
        .into_iter()
        .filter_map(|name| std::env::var(name).ok().map(|value| (name, value)))
        .collect(),
        "legacy" => vec![
            ("TRACK_CAPTURE_QUALITY", "1".into()),
            ("TRACK_IMPROVE_BY", "1".into()),
            ("TRACK_MAX_CAPTURES", "3".into()),
            ("TRACK_FIRST_CAPTURE_AFTER", "1500ms".into()),
        ],
        other => panic!("JOURNEY_TRACKING must be early or legacy, not {other:?}"),
    };
    let max_people: usize = env_or("BENCH_PEOPLE", 12);
    let admin_url = std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let nats_url =
        std::env::var("TEST_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let models = std::env::var("FACEATTEND_MODELS_DIR")
        .unwrap_or_else(|_| format!("{}/../models", env!("CARGO_MANIFEST_DIR")));
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    let namespace = format!("b{}", &suffix[..16]);
    let databases = [
        format!("bench_journey_persons_{suffix}"),
        format!("bench_journey_attendance_{suffix}"),
    ];
    let admin = sea_orm::Database::connect(&admin_url)
        .await
        .expect("PostgreSQL");
    let mut urls = Vec::new();
    for name in &databases {
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
            .await
            .expect("database created");
        urls.push(format!(
            "{}/{name}",
            admin_url.rsplit_once('/').expect("admin URL").0
        ));
    }
    let (persons_url, attendance_url) = (urls[0].clone(), urls[1].clone());
    let work = tempfile::tempdir().expect("temp dir");
    let logs = work.path();

    let common = [
        ("NATS_URL", nats_url.clone()),
        ("BUS_NAMESPACE", namespace.clone()),
    ];
    let with = |extra: &[(&'static str, String)]| -> Vec<(&'static str, String)> {
        common
            .iter()
            .cloned()
            .chain(extra.iter().cloned())
            .collect()
    };
    let mut embedder = Service::start(
        &bin,
        "face-embedder",
        logs,
        &with(&[
            ("FACEATTEND_MODELS_DIR", models.clone()),
            ("INFERENCE_THREADS", "1".into()),
            ("INFERENCE_SPIN", "false".into()),
        ]),
    );
    let mut persons = Service::start(
        &bin,
        "person-api",
        logs,
        &with(&[
            ("DATABASE_URL", persons_url),
            (
                "JWT_PUBLIC_KEYS",
                faceattend_service::auth::testing::signing_key()
                    .public_key()
                    .to_config_value(),
            ),
            ("HTTP_WORKERS", "1".into()),
            ("MAX_BODY_BYTES", "8388608".into()),
            (
                "OBJECT_STORE_URL",
                format!("file://{}", work.path().join("images").display()),
            ),
        ]),
    );
    // A window of 0: every appearance after the first moves the check-out (one event each).
    let mut worker = Service::start(
        &bin,
        "attendance-worker",
        logs,
        &with(&[
            ("DATABASE_URL", attendance_url.clone()),
            ("DUPLICATE_CHECK_WINDOW", "0".into()),
            ("JOBS_ENABLED", "false".into()),
        ]),
    );
    let mut attendance = Service::start(
        &bin,
        "attendance-api",
        logs,
        &with(&[
            ("DATABASE_URL", attendance_url),
            (
                "JWT_PUBLIC_KEYS",
                faceattend_service::auth::testing::signing_key()
                    .public_key()
                    .to_config_value(),
            ),
            ("HTTP_WORKERS", "1".into()),
        ]),
    );
    let mut gateway = Service::start(
        &bin,
        "realtime-gateway",
        logs,
        &with(&[(
            "JWT_PUBLIC_KEYS",
            faceattend_service::auth::testing::signing_key()
                .public_key()
                .to_config_value(),
        )]),
    );
    for service in [
        &mut embedder,
        &mut persons,
        &mut worker,
        &mut attendance,
        &mut gateway,
    ] {
        service.wait_ready().await;
    }
    let auth = faceattend_service::auth::testing::issuer();
    let token = JwtKeys::new(&auth)
        .mint(
            "bench",
            &[
                "persons:read",
                "persons:write",
                "attendance:read",
                "attendance:write",
            ]
            .map(str::to_owned),
            Duration::from_secs(3600),
        )
        .expect("token");
    let http = reqwest::Client::new();
    let b64 = |path: &Path| {
        base64::engine::general_purpose::STANDARD.encode(std::fs::read(path).expect("photo"))
    };

    // A shift for everybody, all day: a `both` camera then checks in and out at any hour
    // (without one, the spec's time-of-day heuristic sends midday sightings to review).
    let shift = http
        .post(attendance.url("/api/v1/attendance/sessions"))
        .bearer_auth(&token)
        .json(&json!({"name": "Bench day", "start_time": "00:00", "end_time": "23:59"}))
        .send()
        .await
        .expect("create shift");
    assert!(
        shift.status().is_success(),
        "shift: {}",
        shift.text().await.unwrap_or_default()
    );

    // Enrol: two photos each; keep the rest as candidates for the video.
    let mut folders: Vec<PathBuf> = std::fs::read_dir(&faces)
        .expect("faces dir")
        .filter_map(|e| Some(e.ok()?.path()))
        .filter(|p| {
            p.is_dir()
                && p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("person"))
        })
        .collect();
    folders.sort();
    let mut enrolled: Vec<(String, String, Vec<PathBuf>)> = Vec::new(); // (folder, id, rest)
    let mut left_out = Vec::new();
    for folder in folders {
        let label = folder.file_name().unwrap().to_string_lossy().into_owned();
        let photos = photos_of(&folder);
        if enrolled.len() >= max_people || photos.len() < 3 {
            left_out.push(format!("{label} ({} photos)", photos.len()));
            continue;
        }
        let created: Value = http
            .post(persons.url("/api/v1/persons"))
            .bearer_auth(&token)
            .json(&json!({
                "first_name": "Bench", "last_name": label,
                "email": format!("{label}@bench.example.com"),
                "department": "Bench",
            }))
            .send()
            .await
            .expect("create")
            .json()
            .await
            .expect("created body");
        let id = created["data"]["id"].as_str().expect("id").to_owned();
        let mut enrolled_photos = 0;
        let mut rest = Vec::new();
        for photo in photos {
            if enrolled_photos == 2 {
                rest.push(photo);
                continue;
            }
            let response = http
                .post(persons.url(&format!("/api/v1/persons/{id}/enroll")))
                .bearer_auth(&token)
                .json(&json!({
                    "frame_data": b64(&photo),
                    "is_primary": enrolled_photos == 0,
                    "use_largest_face": true,
                }))
                .send()
                .await
                .expect("enrol");
            if response.status() == 200 {
                enrolled_photos += 1;
            }
        }
        if enrolled_photos == 2 && !rest.is_empty() {
            enrolled.push((label, id, rest));
        } else {
            left_out.push(format!("{label} (enrolment failed)"));
        }
    }
    // The video shows a photo person-api matches to its person (face-embedder's gallery
    // follows person-api through JetStream: give it a moment).
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut cast: Vec<(String, String, PathBuf)> = Vec::new(); // (folder, id, video photo)
    for (label, id, rest) in enrolled {
        let mut chosen = None;
        for photo in rest {
            let found: Value = http
                .post(persons.url("/api/v1/persons/search/by-face"))
                .bearer_auth(&token)
                .json(&json!({"frame_data": b64(&photo), "confidence_threshold": 0.7, "limit": 1}))
                .send()
                .await
                .expect("search by face")
                .json()
                .await
                .unwrap_or_default();
            if found["data"]["matched"] == true && found["data"]["best_match"]["person_id"] == *id {
                chosen = Some(photo);
                break;
            }
        }
        match chosen {
            Some(photo) => cast.push((label, id, photo)),
            None => left_out.push(format!("{label} (no other photo matches at 0.7)")),
        }
    }
    assert!(!cast.is_empty(), "nobody to film: {left_out:?}");

    // The video: everyone walks past, one after another, `rounds` times.
    let video_path = work.path().join("entrance.avi");
    let portraits: Vec<_> = cast
        .iter()
        .map(|(_, _, photo)| load_photo(photo).expect("photo"))
        .collect();
    let mut schedule_people = Vec::new();
    let mut photos = Vec::new();
    for _ in 0..rounds {
        for (index, portrait) in portraits.iter().enumerate() {
            photos.push(portrait.clone());
            schedule_people.push(cast[index].1.clone());
        }
    }
    let video = SampleVideo::sequence(photos, STAY, GAP, 1280, 720, VIDEO_FPS);
    let schedule: Vec<(String, Duration)> = schedule_people
        .into_iter()
        .zip(video.appearances.iter().map(|a| a.enter))
        .collect();
    let length = video.length;
    let writing = Instant::now();
    let frames = video.write(&video_path).expect("video written");
    drop(video);
    println!(
        "journey_latency: {} people ({}), {rounds} rounds: {} appearances, {frames} frames \
         ({:.0} s of 1280x720 at {VIDEO_FPS} fps, written in {:.1} s)",
        cast.len(),
        cast.iter()
            .map(|(l, _, p)| format!("{l}/{}", p.file_name().unwrap().to_string_lossy()))
            .collect::<Vec<_>>()
            .join(" "),
        schedule.len(),
        length.as_secs_f64(),
        writing.elapsed().as_secs_f64()
    );
    if !left_out.is_empty() {
        println!("journey_latency: left out: {}", left_out.join(", "));
    }

    let mut feed = LiveFeed::connect(gateway.port, "bench-dashboard", &token).await;
    let cameras = json!([{
        "id": "entrance", "source": video_path, "role": "both",
        "sample_fps": 5, "realtime": true,
    }])
    .to_string();
    let started = Utc::now();
    let mut camera = Service::start(
        &bin,
        "camera-agent",
        logs,
        &with(
            &[
                ("FACEATTEND_MODELS_DIR", models.clone()),
                ("INFERENCE_THREADS", "1".into()),
                ("CAMERAS", cameras),
            ]
            .into_iter()
            .chain(tracking_env.iter().cloned())
            .collect::<Vec<_>>(),
        ),
    );
    camera.wait_ready().await;
    // The video's clock starts when the camera opens it (its log says when).
    let mut video_start = None;
    for _ in 0..100 {
        let text = std::fs::read_to_string(&camera.log).unwrap_or_default();
        video_start = text
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .find(|l| l["message"] == "camera opened" || l["fields"]["message"] == "camera opened")
            .and_then(|l| DateTime::parse_from_rfc3339(l["timestamp"].as_str()?).ok())
            .map(|t| t.with_timezone(&Utc));
        if video_start.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let video_start = video_start.unwrap_or_else(|| {
        println!(
            "journey_latency: no 'camera opened' log line; the video clock is the camera's start"
        );
        started
    });

    // Wait for the video to play out, then for the last events (quiet for 15 s, or all in).
    let expected = schedule.len();
    let end = video_start + chrono::Duration::from_std(length).expect("length");
    let mut last_count = 0;
    let mut last_change = Instant::now();
    let mut reported = Instant::now();
    loop {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let count = feed.drain().len();
        if count != last_count {
            last_count = count;
            last_change = Instant::now();
        }
        if reported.elapsed() >= Duration::from_secs(30) {
            reported = Instant::now();
            println!(
                "journey_latency: {:.0}/{:.0} s of video, {count}/{expected} events heard",
                (Utc::now() - video_start)
                    .as_seconds_f64()
                    .min(length.as_secs_f64()),
                length.as_secs_f64()
            );
        }
        if Utc::now() > end
            && (count >= expected || last_change.elapsed() >= Duration::from_secs(15))
        {
            break;
        }
        if let Ok(Some(status)) = camera.child.try_wait() {
            panic!("camera-agent exited ({status}): {}", camera.log_tail());
        }
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let heard: Vec<Heard> = feed.drain().iter().filter_map(Heard::from_event).collect();
    drop(feed);
    let camera_metrics = match reqwest::get(camera.url("/metrics")).await {
        Ok(response) => response.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    };

    // JetStream's publish times, followed by id.
    let nats = async_nats::connect(&nats_url).await.expect("NATS");
    let js = jetstream::new(nats);
    let stream = |base: &str| format!("{}_{base}", namespace.to_uppercase());
    let mut captures: HashMap<String, (i128, i128)> = HashMap::new(); // id -> (frame, FACES)
    for (_, published, payload) in stream_messages(&js, &stream("FACES")).await {
        let Ok(capture) = wire::FaceCapture::decode(payload.as_slice()) else {
            continue;
        };
        if let Some(frame) = capture.captured_at.map(|t| proto_nanos(t.seconds, t.nanos)) {
            captures.insert(capture.capture_id, (frame, published));
        }
    }
    let mut detections: HashMap<String, (String, i128)> = HashMap::new(); // id -> (capture, DETECTIONS)
    let mut decisions: HashMap<i32, usize> = HashMap::new();
    for (_, published, payload) in stream_messages(&js, &stream("DETECTIONS")).await {
        let Ok(detection) = wire::Detection::decode(payload.as_slice()) else {
            continue;
        };
        *decisions.entry(detection.decision).or_default() += 1;
        detections.insert(detection.detection_id, (detection.capture_id, published));
    }
    let mut events: HashMap<String, (Option<String>, i128)> = HashMap::new(); // id -> (detection, ATTENDANCE)
    let mut kinds: HashMap<String, usize> = HashMap::new();
    for (subject, published, payload) in stream_messages(&js, &stream("ATTENDANCE")).await {
        let kind = subject.rsplit('.').next().unwrap_or_default().to_owned();
        let decoded = match kind.as_str() {
            "checked_in" => attendance_wire::CheckedIn::decode(payload.as_slice())
                .ok()
                .map(|e| (e.event_id, e.check_in.and_then(|m| m.detection_id))),
            "checked_out" => attendance_wire::CheckedOut::decode(payload.as_slice())
                .ok()
                .map(|e| (e.event_id, e.check_out.and_then(|m| m.detection_id))),
            "review_required" => attendance_wire::ReviewRequired::decode(payload.as_slice())
                .ok()
                .map(|e| (e.event_id, Some(e.detection_id))),
            _ => None,
        };
        *kinds.entry(kind).or_default() += 1;
        if let Some((event_id, detection)) = decoded {
            events.insert(event_id, (detection, published));
        }
    }

    // Per event heard: the stages, end to end, and from the appearance.
    let mut stages: [Vec<f64>; 8] = Default::default();
    let mut unmatched = 0;
    for event in &heard {
        let received = nanos(event.received);
        let frame = nanos(event.at);
        stages[6].push(ms(frame, received));
        // The appearance: this person's latest entry into the video before the frame.
        let entered = schedule
            .iter()
            .filter(|(person, _)| *person == event.person_id)
            .map(|(_, enter)| video_start + chrono::Duration::from_std(*enter).expect("enter"))
            .filter(|entered| *entered <= event.at)
            .max();
        if let Some(entered) = entered {
            stages[0].push(ms(nanos(entered), frame));
            stages[7].push(ms(nanos(entered), received));
        }
        let chain = events.get(&event.event_id).and_then(|(detection, att)| {
            let (capture, det) = detections.get(detection.as_ref()?)?;
            let (_, faces) = captures.get(capture)?;
            Some((*faces, *det, *att))
        });
        match chain {
            Some((faces, det, att)) => {
                if let Some(entered) = entered {
                    stages[1].push(ms(nanos(entered), faces));
                }
                stages[2].push(ms(frame, faces));
                stages[3].push(ms(faces, det));
                stages[4].push(ms(det, att));
                stages[5].push(ms(att, received));
            }
            None => unmatched += 1,
        }
    }
    let actions = heard
        .iter()
        .fold(HashMap::<&str, usize>::new(), |mut m, e| {
            *m.entry(e.action.as_str()).or_default() += 1;
            m
        });
    let decision = |d: wire::Decision| decisions.get(&(d as i32)).copied().unwrap_or(0);

    println!();
    println!(
        "end-to-end latency, camera frame -> WebSocket ({} appearances of {} people, \
         sample 5 fps, realtime, role both, tracking {tracking})",
        expected,
        cast.len()
    );
    println!(
        "  published: {} captures (FACES), {} detections (DETECTIONS: {} match, {} ambiguous, \
         {} unknown), ATTENDANCE: {} checked_in, {} checked_out, {} review_required, {} status_changed",
        captures.len(),
        detections.len(),
        decision(wire::Decision::Match),
        decision(wire::Decision::Ambiguous),
        decision(wire::Decision::Unknown),
        kinds.get("checked_in").unwrap_or(&0),
        kinds.get("checked_out").unwrap_or(&0),
        kinds.get("review_required").unwrap_or(&0),
        kinds.get("status_changed").unwrap_or(&0),
    );
    let mut heard_actions: Vec<_> = actions.into_iter().collect();
    heard_actions.sort();
    println!(
        "  WebSocket: {} attendance_event heard of {expected} appearances ({}); {} not followed to their capture",
        heard.len(),
        heard_actions
            .iter()
            .map(|(a, n)| format!("{n} {a}"))
            .collect::<Vec<_>>()
            .join(", "),
        unmatched
    );
    println!();
    println!(
        "{:<52} {:>5} {:>9} {:>9} {:>9}",
        "stage", "n", "p50 ms", "p99 ms", "max ms"
    );
    let names = [
        "appearance (first frame) -> published face's frame",
        "appearance (first frame) -> FACES (tracker)",
        "face's frame -> FACES       (camera-agent)",
        "FACES -> DETECTIONS         (face-embedder)",
        "DETECTIONS -> ATTENDANCE    (worker + outbox relay)",
        "ATTENDANCE -> WebSocket     (realtime-gateway)",
        "end to end: face's frame -> WebSocket",
        "end to end: appearance -> WebSocket",
    ];
    for (name, values) in names.iter().zip(&stages) {
        row(name, values);
    }
    println!();
    println!("camera-agent's own stage times (its /metrics, mean per call):");
    for stage in ["decode", "detect", "quality", "encode", "publish"] {
        let (count, mean) = histogram_mean_ms(
            &camera_metrics,
            "camera_stage_seconds",
            &format!("stage=\"{stage}\""),
        );
        println!("  {stage:<8} {mean:>8.1} ms  ({count:.0} calls)");
    }

    // Clean up: services, streams and buckets, databases.
    drop(camera);
    drop(gateway);
    drop(attendance);
    drop(worker);
    drop(persons);
    drop(embedder);
    for base in [
        "PERSONS",
        "FACES",
        "DETECTIONS",
        "ATTENDANCE",
        "DEAD_LETTERS",
        "FACE_GALLERY",
    ] {
        let _ = js.delete_stream(stream(base)).await;
        let _ = js.delete_key_value(stream(base)).await;
    }
    for name in &databases {
        let _ = admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
            .await;
    }
}
