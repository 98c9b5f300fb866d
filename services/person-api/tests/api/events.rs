//! Every change reaches the PERSONS stream through the outbox: in order, exactly once,
//! also across a NATS outage.

use std::collections::HashSet;
use std::time::Duration;

use faceattend_proto::persons::v1 as wire;
use prost::Message;
use serde_json::json;

use crate::helpers::{
    Backend, CuttableProxy, Spawn, TestApp, person_body, spawn_app, spawn_app_with, test_nats_url,
};
use crate::on_both_backends;

on_both_backends!(
    create_update_delete_publish_in_order,
    unchanged_updates_publish_nothing,
    events_carry_the_trace_of_the_request_that_caused_them,
    outbox_delivers_every_event_once_across_a_nats_outage,
);

fn header(message: &async_nats::jetstream::message::StreamMessage, name: &str) -> String {
    message
        .headers
        .get(name)
        .map(|v| v.as_str().to_owned())
        .unwrap_or_default()
}

async fn create_update_delete_publish_in_order(backend: Backend) {
    let app = spawn_app(backend).await;
    let person = app.create_person(json!({
        "first_name": "John", "last_name": "Doe", "email": "john@company.com", "department": "Engineering"
    })).await;
    let id = person["id"].as_str().unwrap();
    let path = format!("/api/v1/persons/{id}");
    app.put_json(&path, &json!({"department": "Sales", "status": "inactive"}))
        .await;
    app.put_json(
        &format!("{path}/metadata"),
        &json!({"address": "1 Main St"}),
    )
    .await;
    assert_eq!(app.delete(&path).await.status().as_u16(), 204);

    let events = app.persons_events(4, Duration::from_secs(15)).await;
    assert_eq!(events.len(), 4);
    let subjects: Vec<&str> = events.iter().map(|m| m.subject.as_str()).collect();
    let ns = &app.namespace;
    assert_eq!(
        subjects,
        [
            format!("{ns}.persons.v1.created"),
            format!("{ns}.persons.v1.updated"),
            format!("{ns}.persons.v1.updated"),
            format!("{ns}.persons.v1.deleted"),
        ]
    );

    let created = wire::PersonCreated::decode(events[0].payload.clone()).unwrap();
    assert_eq!(header(&events[0], "Nats-Msg-Id"), created.event_id);
    assert_eq!(
        header(&events[0], "Content-Type"),
        "application/protobuf; proto=faceattend.persons.v1.PersonCreated"
    );
    let p = created.person.unwrap();
    assert_eq!(
        (p.id.as_str(), p.first_name.as_str(), p.email.as_str()),
        (id, "John", "john@company.com")
    );
    assert_eq!(p.department.as_deref(), Some("Engineering"));
    assert_eq!(
        (p.person_type.as_str(), p.status.as_str()),
        ("employee", "active")
    );

    let updated = wire::PersonUpdated::decode(events[1].payload.clone()).unwrap();
    assert_eq!(updated.changed_fields, ["department", "status"]);
    assert_eq!(updated.person.unwrap().status, "inactive");
    let metadata = wire::PersonUpdated::decode(events[2].payload.clone()).unwrap();
    assert_eq!(metadata.changed_fields, ["metadata"]);

    let deleted = wire::PersonDeleted::decode(events[3].payload.clone()).unwrap();
    assert_eq!(deleted.person_id, id);

    let ids: HashSet<String> = events.iter().map(|m| header(m, "Nats-Msg-Id")).collect();
    assert_eq!(ids.len(), 4, "every event has its own id");
}

async fn unchanged_updates_publish_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let person = app.create_person(person_body("same")).await;
    let path = format!("/api/v1/persons/{}", person["id"].as_str().unwrap());
    app.put_json(&path, &json!({})).await;
    app.put_json(&path, &json!({"first_name": "Firstsame"}))
        .await;
    app.put_json(&path, &json!({"status": "inactive"})).await;
    let events = app.persons_events(2, Duration::from_secs(15)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let events_later = app.persons_events(2, Duration::from_secs(1)).await;
    assert_eq!(events.len(), 2);
    assert_eq!(
        events_later.len(),
        2,
        "no event for changes that change nothing"
    );
}

async fn wait_for_readiness(app: &TestApp, ready: bool) {
    for _ in 0..200 {
        let status = app
            .client
            .get(app.url("/readyz"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
        if (status == 200) == ready {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("readiness never became {ready}");
}

async fn outbox_delivers_every_event_once_across_a_nats_outage(backend: Backend) {
    let proxy = CuttableProxy::start(&test_nats_url()).await;
    // The service starts while NATS is unreachable: it must still serve writes.
    proxy.cut();
    let app = spawn_app_with(
        backend,
        Spawn {
            nats_url: Some(proxy.url.clone()),
            ..Default::default()
        },
    )
    .await;
    wait_for_readiness(&app, false).await;
    let first = app.create_people("before", 5).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let jetstream = async_nats::jetstream::new(app.nats.clone());
    let stored = match jetstream.get_stream(app.persons_stream()).await {
        Ok(mut stream) => stream.info().await.unwrap().state.messages,
        Err(_) => 0,
    };
    assert_eq!(
        stored, 0,
        "nothing can be published while NATS is unreachable"
    );

    proxy.restore();
    wait_for_readiness(&app, true).await;
    app.persons_events(5, Duration::from_secs(30)).await;

    // A second outage, now with an established connection that breaks mid-flight.
    proxy.cut();
    wait_for_readiness(&app, false).await;
    let second = app.create_people("during", 5).await;
    let person = &second[0];
    let response = app
        .put_json(
            &format!("/api/v1/persons/{person}"),
            &json!({"department": "Ops"}),
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
    proxy.restore();

    let events = app.persons_events(11, Duration::from_secs(30)).await;
    // Give any duplicate time to show up before counting.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let events_later = app.persons_events(11, Duration::from_secs(1)).await;
    assert_eq!(events.len(), 11);
    assert_eq!(events_later.len(), 11, "no event is delivered twice");

    let mut created_ids = Vec::new();
    for event in &events {
        if event.subject.ends_with("created") {
            let created = wire::PersonCreated::decode(event.payload.clone()).unwrap();
            created_ids.push(created.person.unwrap().id);
        }
    }
    let expected: Vec<String> = first.iter().chain(second.iter()).cloned().collect();
    assert_eq!(
        created_ids, expected,
        "every created event, once, in commit order"
    );
    assert!(events[10].subject.ends_with("updated"));
    let msg_ids: HashSet<String> = events.iter().map(|m| header(m, "Nats-Msg-Id")).collect();
    assert_eq!(msg_ids.len(), 11);
}

async fn events_carry_the_trace_of_the_request_that_caused_them(backend: Backend) {
    let app = spawn_app(backend).await;
    let trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
    let response = app
        .client
        .post(app.url("/api/v1/persons"))
        .bearer_auth(app.admin_token())
        .header("traceparent", format!("00-{trace_id}-00f067aa0ba902b7-01"))
        .json(&person_body("traced"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 201);
    app.create_person(person_body("untraced")).await;

    let events = app.persons_events(2, Duration::from_secs(15)).await;
    let traced = header(&events[0], "traceparent");
    assert!(
        traced.starts_with(&format!("00-{trace_id}-")),
        "the caller's trace continues on the bus: {traced:?}"
    );
    assert!(
        !traced.contains("00f067aa0ba902b7"),
        "the event names the service's own span as parent"
    );
    let untraced = header(&events[1], "traceparent");
    assert!(
        !untraced.is_empty() && !untraced.contains(trace_id),
        "a request without a trace starts its own: {untraced:?}"
    );
}
