//! An admin sees the whole system on one page: every service ready or not (and why), their
//! versions, the database, NATS, the consumers' lag and the dead letters; every operator's
//! pages learn whether anything is not ready.

use std::time::Duration;

use console::operators::Role;
use console::system::HealthTarget;
use faceattend_bus::async_nats::jetstream;
use faceattend_bus::{BusConfig, OutgoingMessage, StreamSpec};
use reqwest::Method;
use serde_json::Value;

use crate::helpers::{
    Backend, Browser, Spawn, TestApp, closed_address, error_code, spawn_app, spawn_app_with,
};

const VERSION: &str = env!("CARGO_PKG_VERSION");

async fn admin(app: &TestApp) -> Browser {
    app.operator("admin@example.com", Role::Admin).await;
    app.sign_in("admin@example.com").await
}

async fn get(app: &TestApp, path: &str, browser: &Browser) -> Value {
    let response = app
        .page_request(Method::GET, path, browser)
        .send()
        .await
        .expect("request sent");
    assert_eq!(response.status(), 200, "{path}");
    let body: Value = response.json().await.expect("JSON");
    body["data"].clone()
}

fn service<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["services"]
        .as_array()
        .expect("services")
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("{name} missing from {report:#}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_service_is_reported_with_its_readiness_and_version_and_a_down_one_as_unreachable() {
    let down = closed_address().await;
    let app = spawn_app_with(Spawn {
        upstreams: true,
        gateway: true,
        system_health_urls: vec![HealthTarget {
            name: "face-embedder".to_owned(),
            url: down.clone(),
        }],
        ..Spawn::new(Backend::Postgres)
    })
    .await;
    let admin = admin(&app).await;

    let report = get(&app, "/console/api/v1/system", &admin).await;
    for name in ["person-api", "attendance-api", "realtime-gateway"] {
        let up = service(&report, name);
        assert_eq!(up["state"], "ready", "{up:#}");
        assert_eq!(up["version"], VERSION, "{up:#}");
        let checks = up["checks"].as_array().expect("checks");
        assert!(!checks.is_empty(), "{name} reports its checks");
        assert!(checks.iter().all(|c| c["ok"] == true), "{up:#}");
    }
    // The upstreams' own checks, as their /readyz names them.
    let person_api_checks: Vec<&str> = service(&report, "person-api")["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(
        person_api_checks.contains(&"database"),
        "{person_api_checks:?}"
    );

    let embedder = service(&report, "face-embedder");
    assert_eq!(embedder["state"], "unreachable");
    assert_eq!(embedder["url"], down.as_str());
    assert!(embedder["version"].is_null());
    assert!(
        embedder["error"]
            .as_str()
            .unwrap()
            .contains("cannot connect"),
        "{embedder:#}"
    );

    assert_eq!(report["console"]["version"], VERSION);
    assert_eq!(report["console"]["database"]["ok"], true);
    assert_eq!(report["nats"]["connected"], true);
    assert!(
        !report["nats"]["server_version"]
            .as_str()
            .unwrap()
            .is_empty(),
        "{:#}",
        report["nats"]
    );
    assert_eq!(report["nats"]["namespace"], app.bus.namespace.as_str());
    assert_eq!(report["ready"], false);
    let not_ready = report["not_ready"].as_array().unwrap();
    assert_eq!(not_ready.len(), 1, "{not_ready:#?}");
    assert_eq!(not_ready[0]["name"], "face-embedder");
    assert!(
        not_ready[0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("unreachable: cannot connect"),
        "{not_ready:#?}"
    );

    // The banner's summary says the same, to every signed-in operator.
    app.operator("viewer@example.com", Role::Viewer).await;
    let viewer = app.sign_in("viewer@example.com").await;
    let status = get(&app, "/console/api/v1/system/status", &viewer).await;
    assert_eq!(status["ready"], false);
    assert_eq!(status["not_ready"][0]["name"], "face-embedder");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_every_service_up_the_status_is_ready() {
    let app = spawn_app_with(Spawn {
        upstreams: true,
        gateway: true,
        ..Spawn::new(Backend::Sqlite)
    })
    .await;
    app.operator("hr@example.com", Role::Hr).await;
    let hr = app.sign_in("hr@example.com").await;
    let status = get(&app, "/console/api/v1/system/status", &hr).await;
    assert_eq!(status["ready"], true, "{status:#}");
    assert_eq!(status["not_ready"], serde_json::json!([]));
    assert!(status["checked_at"].is_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_names_each_unreachable_upstream() {
    // No upstreams: all three addresses refuse connections.
    let app = spawn_app(Backend::Postgres).await;
    app.operator("reception@example.com", Role::Reception).await;
    let reception = app.sign_in("reception@example.com").await;
    let status = get(&app, "/console/api/v1/system/status", &reception).await;
    assert_eq!(status["ready"], false);
    let names: Vec<&str> = status["not_ready"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["person-api", "attendance-api", "realtime-gateway"]);
    for entry in status["not_ready"].as_array().unwrap() {
        assert!(
            entry["reason"].as_str().unwrap().starts_with("unreachable"),
            "{entry:#}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_probes_are_reused_for_a_few_seconds() {
    let down = closed_address().await;
    let app = spawn_app_with(Spawn {
        system_cache: Duration::from_secs(60),
        system_health_urls: vec![HealthTarget {
            name: "attendance-worker".to_owned(),
            url: down,
        }],
        ..Spawn::new(Backend::Sqlite)
    })
    .await;
    let admin = admin(&app).await;
    let first = get(&app, "/console/api/v1/system/status", &admin).await;
    let second = get(&app, "/console/api/v1/system", &admin).await;
    assert_eq!(first["checked_at"], second["checked_at"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_durable_consumer_with_pending_messages_shows_its_lag() {
    let app = spawn_app(Backend::Sqlite).await;
    let admin = admin(&app).await;
    let namespace = &app.bus.namespace;
    let js = jetstream::new(app.bus.nats.clone());
    let stream_name = format!("{}_DETECTIONS", namespace.to_uppercase());
    let stream = js
        .create_stream(jetstream::stream::Config {
            name: stream_name.clone(),
            subjects: vec![format!("{namespace}.detections.v1.>")],
            ..Default::default()
        })
        .await
        .expect("stream created");
    for n in 0..3 {
        js.publish(
            format!("{namespace}.detections.v1.door-1"),
            format!("{n}").into(),
        )
        .await
        .expect("published")
        .await
        .expect("stored");
    }
    stream
        .create_consumer(jetstream::consumer::pull::Config {
            durable_name: Some("attendance-worker-detections".to_owned()),
            filter_subject: format!("{namespace}.detections.v1.>"),
            ..Default::default()
        })
        .await
        .expect("consumer created");
    // An ephemeral one is nobody's backlog: not listed.
    stream
        .create_consumer(jetstream::consumer::pull::Config::default())
        .await
        .expect("ephemeral consumer created");

    let report = get(&app, "/console/api/v1/system", &admin).await;
    assert!(report["consumers_error"].is_null(), "{report:#}");
    let consumers = report["consumers"].as_array().unwrap();
    assert_eq!(consumers.len(), 1, "{consumers:#?}");
    let consumer = &consumers[0];
    assert_eq!(consumer["stream"], stream_name.as_str());
    assert_eq!(consumer["name"], "attendance-worker-detections");
    assert_eq!(consumer["num_pending"], 3);
    assert_eq!(consumer["num_ack_pending"], 0);
    assert_eq!(consumer["num_redelivered"], 0);
    assert!(consumer["last_delivered_at"].is_null());
    assert_eq!(
        consumer["filter_subjects"],
        serde_json::json!([format!("{namespace}.detections.v1.>")])
    );

    // One taken and left unacknowledged: one less pending, one awaiting its ack.
    let pull: jetstream::consumer::PullConsumer = stream
        .get_consumer("attendance-worker-detections")
        .await
        .expect("consumer");
    let mut batch = pull
        .fetch()
        .max_messages(1)
        .messages()
        .await
        .expect("fetch");
    use futures::StreamExt;
    batch.next().await.expect("a message").expect("delivered");
    let report = get(&app, "/console/api/v1/system", &admin).await;
    let consumer = &report["consumers"][0];
    assert_eq!(consumer["num_pending"], 2);
    assert_eq!(consumer["num_ack_pending"], 1);
    assert!(consumer["last_delivered_at"].is_string(), "{consumer:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_letter_shows_with_its_reason() {
    let app = spawn_app(Backend::Sqlite).await;
    let admin = admin(&app).await;

    // No DEAD_LETTERS stream yet: nothing was ever given up.
    let report = get(&app, "/console/api/v1/system", &admin).await;
    assert_eq!(report["dead_letters"], serde_json::json!([]));
    assert!(report["dead_letters_error"].is_null(), "{report:#}");

    let bus = faceattend_bus::Bus::connect(&BusConfig {
        url: crate::helpers::test_nats_url(),
        namespace: app.bus.namespace.clone(),
        client_name: "console-test".to_owned(),
    })
    .await
    .expect("bus");
    bus.ensure_stream(&StreamSpec::DEAD_LETTERS)
        .await
        .expect("stream");
    let original = bus.subject("detections.v1.door-1");
    for (n, reason) in ["undecodable: invalid wire type", "no such camera: door-1"]
        .into_iter()
        .enumerate()
    {
        bus.publish(OutgoingMessage {
            subject: faceattend_bus::dead_letter_subject("detections.v1.door-1"),
            msg_id: format!("dead-{n}"),
            content_type: "application/protobuf; proto=faceattend.detections.v1.Detection"
                .to_owned(),
            headers: vec![
                ("Dead-Letter-Reason".to_owned(), reason.to_owned()),
                ("Dead-Letter-Subject".to_owned(), original.clone()),
            ],
            payload: vec![0u8; 10 + n].into(),
        })
        .await
        .expect("dead letter stored");
    }

    let report = get(&app, "/console/api/v1/system", &admin).await;
    let letters = report["dead_letters"].as_array().unwrap();
    assert_eq!(letters.len(), 2, "{letters:#?}");
    // Newest first.
    assert_eq!(letters[0]["reason"], "no such camera: door-1");
    assert_eq!(letters[0]["size_bytes"], 11);
    assert_eq!(letters[1]["reason"], "undecodable: invalid wire type");
    assert_eq!(letters[1]["size_bytes"], 10);
    assert_eq!(letters[0]["original_subject"], original.as_str());
    assert_eq!(
        letters[0]["subject"],
        bus.subject("deadletter.v1.detections.v1.door-1").as_str()
    );
    assert!(letters[0]["published_at"].is_string());
    assert!(
        letters[0]["content_type"]
            .as_str()
            .unwrap()
            .starts_with("application/protobuf")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_an_admin_sees_the_system_and_only_signed_in_operators_its_status() {
    let app = spawn_app(Backend::Sqlite).await;
    for (email, role) in [
        ("hr@example.com", Role::Hr),
        ("reception@example.com", Role::Reception),
        ("viewer@example.com", Role::Viewer),
    ] {
        app.operator(email, role).await;
        let browser = app.sign_in(email).await;
        let refused = app
            .page_request(Method::GET, "/console/api/v1/system", &browser)
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 403, "{email}");
        assert_eq!(error_code(refused).await, "forbidden");
    }
    for path in ["/console/api/v1/system", "/console/api/v1/system/status"] {
        let anonymous = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(anonymous.status(), 401, "{path}");
        assert_eq!(error_code(anonymous).await, "not_signed_in");
    }
}
