//! The whole chain as a site meets it: HR enrols people's photos through person-api, a camera
//! films people walking past the entrance, and attendance records appear with their evidence.
//!
//! Every service runs as its real binary (person-api, face-embedder, camera-agent,
//! attendance-worker, attendance-api, realtime-gateway), talking over the real NATS JetStream
//! and PostgreSQL named by `TEST_NATS_URL` and `TEST_DATABASE_URL`. The camera plays a video
//! made at test time from the development photos (`shared/data/faces`, or
//! `FACEATTEND_FACES_DIR`): two enrolled people and a stranger appear one after another, each
//! from a photo other than the one enrolled. A WebSocket client of realtime-gateway watches
//! the check-ins arrive, and every service exports its spans to a collector here, so the test
//! sees one trace run from the camera to the WebSocket.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use async_nats::jetstream::{self, consumer::pull};
use base64::Engine;
use camera_agent::sample_video::{SampleVideo, load_photo};
use faceattend_proto::attendance::v1 as attendance_wire;
use faceattend_proto::faces::v1 as wire;
use faceattend_service::auth::JwtKeys;
use futures::StreamExt;
use prost::Message;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::live_feed::LiveFeed;
use crate::service::Service;
use crate::span_collector::SpanCollector;

/// The development photos, or `None` (with a note) where this checkout has none.
#[track_caller]
fn faces_dir() -> Option<PathBuf> {
    faceattend_face::photo_set::labelled_photos()
}

fn models_dir() -> PathBuf {
    std::env::var("FACEATTEND_MODELS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../models"))
}

/// Where cargo put the binaries of this build (the test binary lives in `<dir>/deps`).
fn binaries_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    exe.parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps")
        .to_owned()
}

/// Builds the services' binaries (a no-op when `cargo test --workspace` already did): the
/// journey runs the real programs, not their libraries.
fn build_binaries() -> PathBuf {
    let dir = binaries_dir();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| env!("CARGO").to_owned());
    let mut command = Command::new(cargo);
    command.args(["build", "--quiet", "--bins"]);
    for package in [
        "person-api",
        "face-embedder",
        "camera-agent",
        "attendance-worker",
        "attendance-api",
        "realtime-gateway",
    ] {
        command.args(["-p", package]);
    }
    if dir.file_name().is_some_and(|n| n == "release") {
        command.arg("--release");
    }
    let status = command
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .expect("cargo runs");
    assert!(status.success(), "the services build");
    dir
}

async fn create_database(
    admin: &sea_orm::DatabaseConnection,
    admin_url: &str,
    name: &str,
) -> String {
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .expect("database created");
    format!(
        "{}/{name}",
        admin_url.rsplit_once('/').expect("admin URL").0
    )
}

async fn drop_database(admin: &sea_orm::DatabaseConnection, name: &str) {
    let _ = admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_filmed_at_the_entrance_are_checked_in_with_evidence() {
    let Some(faces) = faces_dir() else { return };
    let bin = build_binaries();
    let admin_url = std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let nats_url =
        std::env::var("TEST_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    let namespace = format!("j{}", &suffix[..16]);
    let (persons_db, attendance_db) = (
        format!("test_journey_persons_{suffix}"),
        format!("test_journey_attendance_{suffix}"),
    );
    let admin = sea_orm::Database::connect(&admin_url)
        .await
        .expect("PostgreSQL");
    let persons_url = create_database(&admin, &admin_url, &persons_db).await;
    let attendance_url = create_database(&admin, &admin_url, &attendance_db).await;
    let work = tempfile::tempdir().expect("temp dir");

    // The video: an empty entrance, then two employees and a stranger, one after another.
    let video_path = work.path().join("entrance.avi");
    let in_video = [
        "person02/img3.jpg",
        "person06/img19.jpg",
        "person05/img16.jpg",
    ];
    SampleVideo::sequence(
        in_video
            .iter()
            .map(|p| load_photo(&faces.join(p)).expect("photo"))
            .collect(),
        Duration::from_secs(2),
        Duration::from_millis(1500),
        1280,
        720,
        10.0,
    )
    .write(&video_path)
    .expect("video written");

    let collector = SpanCollector::start();
    let common: [(&'static str, String); 4] = [
        ("NATS_URL", nats_url.clone()),
        ("BUS_NAMESPACE", namespace.clone()),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", collector.endpoint()),
        // Export every 200 ms, not every 5 s: the test waits for the spans.
        ("OTEL_BSP_SCHEDULE_DELAY", "200".into()),
    ];
    let with = |extra: &[(&'static str, String)]| -> Vec<(&'static str, String)> {
        common
            .iter()
            .cloned()
            .chain(extra.iter().cloned())
            .collect()
    };
    let logs = work.path();
    let models = models_dir().display().to_string();
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
            ("DATABASE_URL", persons_url.clone()),
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
    let mut worker = Service::start(
        &bin,
        "attendance-worker",
        logs,
        &with(&[("DATABASE_URL", attendance_url.clone())]),
    );
    let mut attendance = Service::start(
        &bin,
        "attendance-api",
        logs,
        &with(&[
            ("DATABASE_URL", attendance_url.clone()),
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
    embedder.wait_ready().await;
    persons.wait_ready().await;
    worker.wait_ready().await;
    attendance.wait_ready().await;
    gateway.wait_ready().await;

    let auth = faceattend_service::auth::testing::issuer();
    let token = JwtKeys::new(&auth)
        .mint(
            "hr",
            &[
                "persons:read".into(),
                "persons:write".into(),
                "attendance:read".into(),
                "attendance:write".into(),
            ],
            Duration::from_secs(600),
        )
        .expect("token");
    let http = reqwest::Client::new();

    // HR creates three people and enrols the faces of two, from photos not in the video.
    let mut ids = BTreeMap::new();
    for (name, enrol) in [
        ("Ada", &["person02/img12.jpg", "person02/img53.jpg"][..]),
        ("Grace", &["person06/img18.jpg", "person06/img67.jpg"][..]),
        ("Linus", &[][..]),
    ] {
        let created: Value = http
            .post(persons.url("/api/v1/persons"))
            .bearer_auth(&token)
            .json(&json!({
                "first_name": name, "last_name": "Journey",
                "email": format!("{}@journey.example.com", name.to_lowercase()),
                "department": "Engineering",
            }))
            .send()
            .await
            .expect("create")
            .json()
            .await
            .expect("created body");
        let id = created["data"]["id"].as_str().expect("id").to_owned();
        for (index, photo) in enrol.iter().enumerate() {
            let bytes = std::fs::read(faces.join(photo)).expect("photo");
            let response = http
                .post(persons.url(&format!("/api/v1/persons/{id}/enroll")))
                .bearer_auth(&token)
                .json(&json!({
                    "frame_data": base64::engine::general_purpose::STANDARD.encode(bytes),
                    "is_primary": index == 0,
                }))
                .send()
                .await
                .expect("enrol");
            let status = response.status().as_u16();
            assert_eq!(
                status,
                200,
                "{name}: {}",
                response.text().await.unwrap_or_default()
            );
        }
        ids.insert(name, id);
    }

    // Watch what attendance announces: on NATS, and as a dashboard does, on the WebSocket.
    let nats = async_nats::connect(&nats_url).await.expect("NATS");
    let js = jetstream::new(nats);
    let mut live = LiveFeed::connect(gateway.port, "journey-dashboard", &token).await;

    // The camera plays the video (as fast as it decodes: the clock is the video's).
    let cameras = json!([{
        "id": "entrance", "source": video_path, "role": "entry",
        "sample_fps": 5, "realtime": false,
    }])
    .to_string();
    let mut camera = Service::start(
        &bin,
        "camera-agent",
        logs,
        &with(&[
            ("FACEATTEND_MODELS_DIR", models.clone()),
            ("INFERENCE_THREADS", "1".into()),
            ("CAMERAS", cameras),
        ]),
    );
    camera.wait_ready().await;

    // Both employees get a check-in record for today, from the entrance camera.
    let mut records: Vec<Value> = Vec::new();
    for _ in 0..600 {
        let body: Value = http
            .get(attendance.url("/api/v1/attendance?page_size=100"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("list")
            .json()
            .await
            .expect("list body");
        records = body["data"].as_array().cloned().unwrap_or_default();
        // Seen, decided and checked in (a face in doubt would wait in the review queue).
        if records.len() >= 2 && records.iter().all(|r| r["check_in_time"].is_string()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let attended: BTreeSet<&str> = records
        .iter()
        .filter_map(|r| r["person_id"].as_str())
        .collect();
    let enrolled: BTreeSet<&str> = [ids["Ada"].as_str(), ids["Grace"].as_str()].into();
    assert_eq!(
        attended,
        enrolled,
        "the enrolled people are attended, nobody else: {records:?}\ncamera-agent: {}\nface-embedder: {}\nworker: {}",
        camera.log_tail(),
        embedder.log_tail(),
        worker.log_tail()
    );
    let today = chrono::Utc::now().date_naive().to_string();
    // The stranger walks past last: wait until their face was analysed too.
    let mut detections = published_detections(&js, &namespace).await;
    for _ in 0..150 {
        if detections
            .values()
            .any(|d| d.decision == wire::Decision::Unknown as i32)
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        detections = published_detections(&js, &namespace).await;
    }
    let seen: Vec<(String, Option<String>, f32)> = detections
        .values()
        .map(|d| (d.track_id.clone(), d.person_id.clone(), d.confidence))
        .collect();
    for record in &records {
        assert!(
            record["check_in_time"].is_string(),
            "{record}\ndetections (track, person, confidence): {seen:?}"
        );
        assert_eq!(record["attendance_date"], today.as_str(), "{record}");
        assert!(record["check_in_time"].is_string(), "{record}");
        assert!(
            record["check_in_confidence"].as_f64() >= Some(0.7),
            "{record}"
        );
        assert_eq!(record["is_manual"], false);
    }

    // The evidence: each check-in names the detection that made it, from this camera.
    let stream = js
        .get_stream(format!("{}_ATTENDANCE", namespace.to_uppercase()))
        .await
        .expect("ATTENDANCE stream");
    let consumer = stream
        .create_consumer(pull::Config {
            filter_subject: format!("{namespace}.attendance.v1.checked_in"),
            ..Default::default()
        })
        .await
        .expect("consumer");
    let mut checked_in = BTreeMap::new();
    let mut check_in_events: BTreeMap<String, usize> = BTreeMap::new();
    let mut traces = BTreeMap::new();
    let mut messages = consumer
        .fetch()
        .max_messages(100)
        .expires(Duration::from_secs(2))
        .messages()
        .await
        .expect("fetch");
    while let Some(Ok(message)) = messages.next().await {
        let event =
            attendance_wire::CheckedIn::decode(message.payload.as_ref()).expect("CheckedIn");
        let person = event
            .subject
            .as_ref()
            .map(|s| s.person_id.clone())
            .unwrap_or_default();
        // traceparent: 00-<trace id>-<span id>-<flags>
        let trace_id = message
            .headers
            .as_ref()
            .and_then(|headers| headers.get("traceparent"))
            .and_then(|value| value.as_str().split('-').nth(1).map(str::to_owned));
        traces.insert(person.clone(), trace_id);
        *check_in_events.entry(person.clone()).or_default() += 1;
        checked_in.insert(person, event.check_in.expect("a mark"));
    }
    assert_eq!(checked_in.len(), 2, "{checked_in:?}");
    // The early-capture rules: each appearance's first confident capture decided, once; its
    // later captures (same track) only became the record's evidence.
    for person in &enrolled {
        assert_eq!(check_in_events[*person], 1, "one check-in event per person");
        let mark = &checked_in[*person];
        let first = &detections[mark.detection_id.as_deref().expect("evidence")];
        let track: Vec<&wire::Detection> = detections
            .values()
            .filter(|d| d.track_id == first.track_id && !first.track_id.is_empty())
            .collect();
        let earliest_confident = track
            .iter()
            .filter(|d| d.person_id.as_deref() == Some(*person) && d.confidence >= 0.7)
            .filter_map(|d| d.captured_at)
            .min_by_key(|t| (t.seconds, t.nanos))
            .expect("a confident capture");
        // The database keeps microseconds.
        assert_eq!(
            mark.at.map(|t| (t.seconds, t.nanos / 1000)),
            Some((earliest_confident.seconds, earliest_confident.nanos / 1000)),
            "the check-in is the track's first confident capture: {track:?}"
        );
        let best = track
            .iter()
            .filter(|d| d.person_id.as_deref() == Some(*person))
            .map(|d| d.confidence)
            .fold(0.0f32, f32::max);
        // The worker may still be deciding the track's last captures: give it a moment.
        let mut record = Value::Null;
        for _ in 0..50 {
            let body: Value = http
                .get(attendance.url("/api/v1/attendance?page_size=100"))
                .bearer_auth(&token)
                .send()
                .await
                .expect("list")
                .json()
                .await
                .expect("list body");
            record = body["data"]
                .as_array()
                .and_then(|rows| rows.iter().find(|r| r["person_id"] == **person).cloned())
                .expect("their record");
            let stored = record["check_in_confidence"].as_f64().unwrap_or_default() as f32;
            if (stored - best).abs() < 1e-4 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let stored = record["check_in_confidence"].as_f64().unwrap_or_default() as f32;
        assert!(
            (stored - best).abs() < 1e-4,
            "the record's evidence is the track's best capture ({best}): {record}"
        );
    }
    for person in &enrolled {
        let mark = &checked_in[*person];
        assert_eq!(mark.camera_id.as_deref(), Some("entrance"));
        let evidence = mark.detection_id.as_deref().expect("evidence");
        // The detection face-embedder published from the camera's capture, matching them.
        let detection = detections
            .get(evidence)
            .unwrap_or_else(|| panic!("{evidence} published"));
        assert_eq!(detection.camera_id, "entrance");
        assert_eq!(detection.camera_role.as_deref(), Some("entry"));
        assert_eq!(detection.person_id.as_deref(), Some(*person));
        assert_eq!(detection.decision, wire::Decision::Match as i32);
    }
    // The stranger was seen but matched nobody: an unknown face, and no record.
    assert!(
        detections
            .values()
            .any(|d| d.decision == wire::Decision::Unknown as i32),
        "the stranger's face was detected: {detections:?}"
    );
    // …and got no record: the list still holds the two employees only.
    let after: Value = http
        .get(attendance.url("/api/v1/attendance?page_size=100"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("list body");
    assert_eq!(after["data"].as_array().map(Vec::len), Some(2), "{after}");

    // The daily report counts them.
    let report: Value = http
        .get(attendance.url(&format!("/api/v1/attendance/reports/daily?date={today}")))
        .bearer_auth(&token)
        .send()
        .await
        .expect("report")
        .json()
        .await
        .expect("report body");
    let data = &report["data"];
    let present = data["present"].as_u64().unwrap_or(0) + data["late"].as_u64().unwrap_or(0);
    assert_eq!(present, 2, "{report}");

    // The dashboard on the WebSocket heard both check-ins, live, and nobody else's.
    let heard = live.check_ins_of(&enrolled, Duration::from_secs(30)).await;
    for person in &enrolled {
        let event = &heard[*person];
        assert_eq!(event["camera_id"], "entrance", "{event}");
        assert_eq!(event["attendance_date"], today.as_str(), "{event}");
        assert_eq!(event["source"], "auto", "{event}");
        assert!(event["confidence"].as_f64() >= Some(0.7), "{event}");
        // …about the very record the API lists.
        let record = records
            .iter()
            .find(|r| r["person_id"] == *person)
            .expect("a record");
        assert_eq!(event["attendance_id"], record["id"], "{event}\n{record}");
    }
    let everyone_heard: BTreeSet<String> = live
        .drain()
        .iter()
        .filter_map(|event| event.message["person_id"].as_str().map(str::to_owned))
        .collect();
    assert!(
        everyone_heard.iter().all(|p| enrolled.contains(p.as_str())),
        "only the enrolled people are announced: {everyone_heard:?}"
    );

    // One trace per check-in runs from the camera to the WebSocket: the capture's span in
    // camera-agent, its matching in face-embedder, the decision in attendance-worker and the
    // relay to the dashboard in realtime-gateway.
    let hops: BTreeSet<String> = [
        "camera-agent",
        "face-embedder",
        "attendance-worker",
        "realtime-gateway",
    ]
    .map(str::to_owned)
    .into();
    for person in &enrolled {
        let trace = traces[*person]
            .as_deref()
            .unwrap_or_else(|| panic!("{person}'s check-in carries no traceparent"));
        let mut services = BTreeSet::new();
        for _ in 0..150 {
            services = collector.services_in(trace);
            if hops.is_subset(&services) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert!(
            hops.is_subset(&services),
            "the trace {trace} of {person}'s check-in reaches only {services:?}; spans: {:?}",
            collector
                .spans()
                .iter()
                .map(|s| (&s.service, &s.name, &s.trace_id))
                .collect::<Vec<_>>()
        );
        // …as one chain: the gateway's relay descends from the camera's capture.
        let mut chain = Vec::new();
        for _ in 0..50 {
            chain = collector.ancestry(trace, "realtime-gateway", "attendance_event");
            if chain
                .last()
                .is_some_and(|(service, _)| service == "camera-agent")
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let root = chain.last().cloned().unwrap_or_default();
        assert_eq!(
            root,
            ("camera-agent".to_owned(), "face_capture".to_owned()),
            "the relay of {person}'s check-in descends from {chain:?}"
        );
    }

    // `make demo`'s watcher prints every record a day can hold, here two camera check-ins and
    // a manual one (no confidence), and ends once the people it was told of are checked in.
    let manual = http
        .post(attendance.url("/api/v1/attendance/check-in"))
        .bearer_auth(&token)
        .json(&json!({"person_id": ids["Linus"]}))
        .send()
        .await
        .expect("manual check-in");
    assert!(
        manual.status().is_success(),
        "{}",
        manual.text().await.unwrap_or_default()
    );
    let demo_ids = tempfile::NamedTempFile::new().expect("ids file");
    std::fs::write(
        demo_ids.path(),
        format!("{}\n{}\n", ids["Ada"], ids["Grace"]),
    )
    .expect("ids");
    let watched = tokio::process::Command::new("python3")
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .arg("scripts/demo.py")
        .arg("watch")
        .arg(attendance.url(""))
        .arg(&token)
        .arg(demo_ids.path())
        .arg(persons.url(""))
        .output()
        .await
        .expect("python3 scripts/demo.py");
    let printed = String::from_utf8_lossy(&watched.stderr);
    assert!(watched.status.success(), "demo.py watch: {printed}");
    for name in ["Ada", "Grace"] {
        assert!(
            printed
                .lines()
                .any(|l| l.contains(&format!("{name} Journey")) && l.contains("confidence")),
            "{name}'s camera check-in is printed: {printed}"
        );
    }
    assert!(
        printed
            .lines()
            .any(|l| l.contains("Linus Journey") && l.contains("(manual)")),
        "the manual check-in is printed: {printed}"
    );
    assert!(!printed.contains("after 2 minutes"), "{printed}");

    drop(live);
    drop(camera);
    drop(gateway);
    drop(attendance);
    drop(worker);
    drop(persons);
    drop(embedder);
    let js_cleanup = js;
    for base in [
        "PERSONS",
        "FACES",
        "DETECTIONS",
        "ATTENDANCE",
        "DEAD_LETTERS",
        "FACE_GALLERY",
    ] {
        let name = format!("{}_{base}", namespace.to_uppercase());
        let _ = js_cleanup.delete_stream(&name).await;
        let _ = js_cleanup.delete_key_value(&name).await;
    }
    drop_database(&admin, &persons_db).await;
    drop_database(&admin, &attendance_db).await;
}

/// Every detection face-embedder published, by id.
async fn published_detections(
    js: &jetstream::Context,
    namespace: &str,
) -> BTreeMap<String, wire::Detection> {
    let stream = js
        .get_stream(format!("{}_DETECTIONS", namespace.to_uppercase()))
        .await
        .expect("DETECTIONS stream");
    let consumer = stream
        .create_consumer(pull::Config::default())
        .await
        .expect("consumer");
    let mut detections = BTreeMap::new();
    let mut messages = consumer
        .fetch()
        .max_messages(1000)
        .expires(Duration::from_secs(2))
        .messages()
        .await
        .expect("fetch");
    while let Some(Ok(message)) = messages.next().await {
        let detection = wire::Detection::decode(message.payload.as_ref()).expect("Detection");
        detections.insert(detection.detection_id.clone(), detection);
    }
    detections
}
