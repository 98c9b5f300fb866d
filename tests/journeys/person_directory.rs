//! HR manages the person directory over REST while an integration (as attendance will) keeps
//! its own copy of the directory from the `persons.v1.*` events alone. At the end, the copy
//! and the API agree, for a consumer that followed along and for one that joined late.

use std::collections::BTreeMap;
use std::time::Duration;

use async_nats::jetstream::{self, consumer::pull};
use faceattend_proto::persons::v1 as wire;
use faceattend_service::auth::JwtKeys;
use faceattend_service::config::LogFormat;
use futures::StreamExt;
use person_api::config::Settings;
use person_api::startup::Application;
use prost::Message;
use sea_orm::ConnectionTrait;
use secrecy::SecretString;
use serde_json::{Value, json};

/// The copy of the directory an event consumer keeps: id → (name, department, status).
type Directory = BTreeMap<String, (String, Option<String>, String)>;

fn apply(directory: &mut Directory, subject: &str, payload: &[u8]) {
    let person_row = |p: wire::Person| {
        (
            p.id.clone(),
            (
                format!("{} {}", p.first_name, p.last_name),
                p.department,
                p.status,
            ),
        )
    };
    if subject.ends_with(".persons.v1.created") {
        let (id, row) = person_row(
            wire::PersonCreated::decode(payload)
                .unwrap()
                .person
                .unwrap(),
        );
        directory.insert(id, row);
    } else if subject.ends_with(".persons.v1.updated") {
        let (id, row) = person_row(
            wire::PersonUpdated::decode(payload)
                .unwrap()
                .person
                .unwrap(),
        );
        directory.insert(id, row);
    } else if subject.ends_with(".persons.v1.deleted") {
        directory.remove(&wire::PersonDeleted::decode(payload).unwrap().person_id);
    } else {
        panic!("unexpected subject {subject}");
    }
}

/// Reads every message of a durable pull consumer until `expected` were applied.
async fn follow(
    consumer: &jetstream::consumer::Consumer<pull::Config>,
    directory: &mut Directory,
    expected: usize,
) {
    let mut applied = 0;
    while applied < expected {
        let mut batch = consumer
            .fetch()
            .max_messages(100)
            .expires(Duration::from_secs(1))
            .messages()
            .await
            .unwrap();
        while let Some(message) = batch.next().await {
            let message = message.unwrap();
            apply(directory, &message.subject, &message.payload);
            message.ack().await.unwrap();
            applied += 1;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_consumer_keeps_an_exact_copy_of_the_directory() {
    faceattend_service::telemetry::init_for_tests();
    let admin_url = std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let nats_url =
        std::env::var("TEST_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    let database = format!("test_journey_{suffix}");
    let namespace = format!("j{}", &suffix[..16]);
    let admin = sea_orm::Database::connect(&admin_url).await.unwrap();
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{database}\""))
        .await
        .unwrap();

    let auth = faceattend_service::auth::testing::issuer();
    let images = tempfile::tempdir().unwrap();
    let app = Application::build(Settings {
        database_url: SecretString::from(format!(
            "{}/{database}",
            admin_url.rsplit_once('/').unwrap().0
        )),
        database_max_connections: 5,
        run_migrations: true,
        nats_url: nats_url.clone(),
        bus_namespace: namespace.clone(),
        bind_address: "127.0.0.1:0".into(),
        auth: auth.clone(),
        max_body_bytes: 64 * 1024,
        max_image_bytes: 7 * 1024 * 1024,
        object_store_url: format!("file://{}", images.path().display()),
        face_service_timeout: Duration::from_secs(15),
        http_workers: 1,
        shutdown_timeout: Duration::from_secs(5),
        log_format: LogFormat::Pretty,
    })
    .await
    .unwrap();
    let base = format!("http://127.0.0.1:{}/api/v1/persons", app.port());
    let stop = app.shutdown_token();
    let server = tokio::spawn(app.run_until_stopped());
    let token = JwtKeys::new(&auth)
        .mint(
            "hr",
            &["persons:read".into(), "persons:write".into()],
            Duration::from_secs(600),
        )
        .unwrap();
    let http = reqwest::Client::new();

    let nats = async_nats::connect(&nats_url).await.unwrap();
    let js = jetstream::new(nats.clone());
    let stream_name = format!("{}_PERSONS", namespace.to_uppercase());

    // HR loads twenty people, reorganises, and some leave.
    let mut ids = Vec::new();
    for i in 0..20 {
        let body = json!({
            "first_name": format!("Person{i}"), "last_name": "Journey",
            "email": format!("person{i}@journey.example.com"),
            "department": if i % 2 == 0 { "Engineering" } else { "Sales" },
        });
        let created: Value = http
            .post(&base)
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        ids.push(created["data"]["id"].as_str().unwrap().to_owned());
    }
    // The stream exists once the relay published the first event.
    let mut stream = loop {
        if let Ok(stream) = js.get_stream(&stream_name).await {
            break stream;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let live = stream
        .create_consumer(pull::Config {
            durable_name: Some("live".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let mut live_copy = Directory::new();
    follow(&live, &mut live_copy, 20).await;

    for id in &ids[..5] {
        let response = http
            .put(format!("{base}/{id}"))
            .bearer_auth(&token)
            .json(&json!({"department": "Operations", "status": "inactive"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
    }
    for id in &ids[15..] {
        assert_eq!(
            http.delete(format!("{base}/{id}"))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16(),
            204
        );
    }
    follow(&live, &mut live_copy, 10).await;

    // A consumer created now replays the whole history.
    let late = stream
        .create_consumer(pull::Config {
            durable_name: Some("late".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let mut late_copy = Directory::new();
    follow(&late, &mut late_copy, 30).await;

    // What the API says.
    let listed: Value = http
        .get(format!("{base}?page_size=100"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut api_view = Directory::new();
    for p in listed["data"].as_array().unwrap() {
        api_view.insert(
            p["id"].as_str().unwrap().to_owned(),
            (
                format!(
                    "{} {}",
                    p["first_name"].as_str().unwrap(),
                    p["last_name"].as_str().unwrap()
                ),
                p["department"].as_str().map(str::to_owned),
                p["status"].as_str().unwrap().to_owned(),
            ),
        );
    }
    assert_eq!(api_view.len(), 15);
    assert_eq!(
        live_copy, api_view,
        "the live consumer's copy matches the API"
    );
    assert_eq!(
        late_copy, api_view,
        "a late consumer rebuilds the same directory"
    );
    assert_eq!(
        stream.info().await.unwrap().state.messages,
        30,
        "one event per change, no repeats"
    );

    stop.cancel();
    server.await.unwrap().unwrap();
    js.delete_stream(&stream_name).await.unwrap();
    admin
        .execute_unprepared(&format!("DROP DATABASE \"{database}\" WITH (FORCE)"))
        .await
        .unwrap();
}
