//! End to end: attendance events published on ATTENDANCE reach the test's webhook
//! receiver, signed; replays send nothing twice; failures are retried on schedule, with
//! every attempt logged; 429 Retry-After is honoured and 410 disables; one person's marks
//! stay in order while others go on; unmapped persons are reported, then delivered; filters
//! apply; a poison event is dead-lettered without blocking the rest.

use std::time::Duration;

use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Backend, Mark, Rule, assert_signed, spawn_app, spawn_app_with};
use crate::on_both_backends;

on_both_backends!(
    two_replicas_send_each_delivery_once,
    a_check_in_reaches_the_receiver_signed,
    a_failing_receiver_is_retried_and_every_attempt_logged,
    one_persons_check_out_waits_for_their_check_in_while_others_go_on,
);

async fn two_replicas_send_each_delivery_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let _replica = app.spawn_replica().await;
    let (_, secret) = app.create_webhook("Shared", json!({})).await;
    let mut sent = Vec::new();
    for _ in 0..12 {
        let mark = Mark::check_in(Uuid::new_v4());
        sent.push(app.publish_mark(&mark).await.to_string());
        sent.push(app.publish_mark(&mark.check_out()).await.to_string());
    }
    app.receiver.wait_for_accepted(sent.len()).await;
    // Time for a second send of anything, had two workers held one delivery.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let received = app.receiver.received();
    let mut ids: Vec<String> = received.iter().map(|r| r.webhook_id.clone()).collect();
    ids.sort();
    let mut expected = sent.clone();
    expected.sort();
    assert_eq!(
        ids, expected,
        "each event exactly once across both replicas"
    );
    for request in &received {
        assert_signed(request, &secret);
    }
    // Each person's check-out came after their check-in.
    for pair in sent.chunks(2) {
        let position = |id: &str| received.iter().position(|r| r.webhook_id == id);
        assert!(
            position(&pair[0]) < position(&pair[1]),
            "out of order: {pair:?}"
        );
    }
}

async fn a_check_in_reaches_the_receiver_signed(backend: Backend) {
    let app = spawn_app(backend).await;
    let (destination, secret) = app.create_webhook("Hook", json!({})).await;
    let person = Uuid::new_v4();
    let mark = Mark::check_in(person);
    let event_id = app.publish_mark(&mark).await;

    let received = app.receiver.wait_for_accepted(1).await;
    let request = &received[0];
    assert_signed(request, &secret);
    assert_eq!(request.webhook_id, event_id.to_string());
    let body = &request.body;
    assert_eq!(body["type"], "attendance.check_in");
    assert_eq!(body["id"], event_id.to_string());
    assert_eq!(
        body["data"]["attendance_id"],
        mark.attendance_id.to_string()
    );
    assert_eq!(body["data"]["person"]["id"], person.to_string());
    assert_eq!(body["data"]["person"]["employee_key"], person.to_string());
    assert_eq!(body["data"]["camera_id"], "gate");
    assert_eq!(body["data"]["confidence"], 0.93);
    assert_eq!(body["data"]["source"], "auto");

    let delivered = app
        .wait_for_deliveries(&format!("destination_id={destination}&status=delivered"), 1)
        .await;
    assert_eq!(delivered[0]["attempts"], 1);
    assert_eq!(delivered[0]["last_status_code"], 200);
    let id = delivered[0]["id"].as_str().expect("id");
    let detail = app.get_ok(&format!("/api/v1/deliveries/{id}")).await;
    assert_eq!(detail["data"]["attempt_log"][0]["outcome"], "delivered");
    assert_eq!(detail["data"]["payload"]["type"], "attendance.check_in");

    // The same event again (a replay, under another message id): nothing is sent twice.
    app.publish_mark(&Mark {
        event_id: Some(event_id),
        ..mark.clone()
    })
    .await;
    // A second check-in of the same record is a correction of it.
    let correction = app
        .publish_mark(&Mark {
            at: mark.at + chrono::Duration::minutes(5),
            ..mark.clone()
        })
        .await;
    let received = app.receiver.wait_for_accepted(2).await;
    assert_eq!(received.len(), 2, "the replay was sent again: {received:?}");
    assert_eq!(received[1].webhook_id, correction.to_string());
    assert_eq!(received[1].body["type"], "attendance.check_in.corrected");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(app.receiver.received().len(), 2);

    // A redelivery asked by an operator sends it again, with the same webhook-id.
    let redelivered = app
        .post(&format!("/api/v1/deliveries/{id}/redeliver"), None)
        .await;
    assert_eq!(redelivered.status().as_u16(), 200);
    let received = app.receiver.wait_for_accepted(3).await;
    assert_eq!(received[2].webhook_id, event_id.to_string());
    assert_signed(&received[2], &secret);

    // During a rotation's overlap both secrets sign.
    let rotated: Value = app
        .post(
            &format!("/api/v1/destinations/{destination}/rotate-secret"),
            None,
        )
        .await
        .json()
        .await
        .expect("json");
    let new_secret = rotated["data"]["secret"]
        .as_str()
        .expect("secret")
        .to_owned();
    app.publish_mark(&Mark::check_in(Uuid::new_v4())).await;
    let received = app.receiver.wait_for_accepted(4).await;
    assert_eq!(received[3].signatures.len(), 2);
    assert_signed(&received[3], &new_secret);
    assert_signed(&received[3], &secret);
}

async fn a_failing_receiver_is_retried_and_every_attempt_logged(backend: Backend) {
    let app = spawn_app(backend).await;
    let (destination, _) = app.create_webhook("Flaky", json!({})).await;
    app.receiver.script(Rule {
        person: None,
        status: 503,
        retry_after: None,
        times: 2,
    });
    app.publish_mark(&Mark::check_in(Uuid::new_v4())).await;
    let received = app.receiver.wait_for_accepted(1).await;
    assert_eq!(
        received.iter().map(|r| r.answered).collect::<Vec<_>>(),
        [503, 503, 200]
    );
    // The schedule's first waits (200 ms, 400 ms, ±10 %) separate the attempts.
    assert!(received[1].at - received[0].at >= Duration::from_millis(170));
    assert!(received[2].at - received[1].at >= Duration::from_millis(350));
    let delivered = app.wait_for_deliveries("status=delivered", 1).await;
    let detail = app
        .get_ok(&format!(
            "/api/v1/deliveries/{}",
            delivered[0]["id"].as_str().expect("id")
        ))
        .await;
    let outcomes: Vec<&str> = detail["data"]["attempt_log"]
        .as_array()
        .expect("attempts")
        .iter()
        .filter_map(|a| a["outcome"].as_str())
        .collect();
    assert_eq!(outcomes, ["retry", "retry", "delivered"]);
    assert_eq!(detail["data"]["attempt_log"][0]["status_code"], 503);
    assert_eq!(detail["data"]["attempts"], 3);
    let got = app
        .get_ok(&format!("/api/v1/destinations/{destination}"))
        .await;
    assert_eq!(
        got["data"]["failing_since"],
        Value::Null,
        "a delivery ends the streak"
    );

    // Every attempt failing: after the schedule's last wait the delivery has failed.
    app.receiver.script(Rule {
        person: None,
        status: 500,
        retry_after: None,
        times: 10,
    });
    app.publish_mark(&Mark::check_in(Uuid::new_v4())).await;
    let failed = app.wait_for_deliveries("status=failed", 1).await;
    assert_eq!(failed[0]["attempts"], 4, "the first try and three retries");
    let got = app
        .get_ok(&format!("/api/v1/destinations/{destination}"))
        .await;
    assert!(got["data"]["failing_since"].is_string(), "{got}");
}

async fn one_persons_check_out_waits_for_their_check_in_while_others_go_on(backend: Backend) {
    let app = spawn_app(backend).await;
    app.create_webhook("Ordered", json!({})).await;
    let (ada, bob) = (Uuid::new_v4(), Uuid::new_v4());
    // Ada's check-in fails three times (about 1.4 s of retries).
    app.receiver.script(Rule {
        person: Some(ada),
        status: 500,
        retry_after: None,
        times: 3,
    });
    let ada_in = Mark::check_in(ada);
    let ada_in_id = app.publish_mark(&ada_in).await;
    let ada_out_id = app.publish_mark(&ada_in.check_out()).await;
    let bob_in_id = app.publish_mark(&Mark::check_in(bob)).await;
    let received = app.receiver.wait_for_accepted(3).await;
    let accepted: Vec<&str> = received
        .iter()
        .filter(|r| r.answered == 200)
        .map(|r| r.webhook_id.as_str())
        .collect();
    let (ada_in_id, ada_out_id, bob_in_id) = (
        ada_in_id.to_string(),
        ada_out_id.to_string(),
        bob_in_id.to_string(),
    );
    assert_eq!(
        accepted[0], bob_in_id,
        "Bob is not held up by Ada: {accepted:?}"
    );
    assert_eq!(accepted[1..], [ada_in_id.as_str(), ada_out_id.as_str()]);
    // Ada's check-out was never even tried before her check-in was delivered.
    let first_out = received
        .iter()
        .position(|r| r.webhook_id == ada_out_id)
        .expect("sent");
    assert!(
        received[..first_out]
            .iter()
            .any(|r| r.webhook_id == ada_in_id && r.answered == 200)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_is_honoured_and_410_disables_the_destination() {
    let app = spawn_app(Backend::Postgres).await;
    let (destination, _) = app.create_webhook("Busy", json!({})).await;
    app.receiver.script(Rule {
        person: None,
        status: 429,
        retry_after: Some("2"),
        times: 1,
    });
    app.publish_mark(&Mark::check_in(Uuid::new_v4())).await;
    let received = app.receiver.wait_for_accepted(1).await;
    assert_eq!(received[0].answered, 429);
    assert!(
        received[1].at - received[0].at >= Duration::from_millis(1900),
        "retried {:?} after a Retry-After of 2 s",
        received[1].at - received[0].at
    );

    app.receiver.script(Rule {
        person: None,
        status: 410,
        retry_after: None,
        times: 1,
    });
    app.publish_mark(&Mark::check_in(Uuid::new_v4())).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let got = loop {
        let got = app
            .get_ok(&format!("/api/v1/destinations/{destination}"))
            .await;
        if got["data"]["enabled"] == false || std::time::Instant::now() > deadline {
            break got;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(got["data"]["enabled"], false, "{got}");
    assert!(
        got["data"]["disabled_reason"]
            .as_str()
            .unwrap_or_default()
            .contains("410"),
        "{got}"
    );
    // The delivery waits for the destination, and goes out once it is enabled again.
    let waiting = app.deliveries("status=pending").await;
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0]["last_status_code"], 410);
    app.post(&format!("/api/v1/destinations/{destination}/enable"), None)
        .await;
    app.receiver.wait_for_accepted(2).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unmapped_person_is_reported_then_delivered_once_mapped() {
    let app = spawn_app(Backend::Postgres).await;
    let (destination, _) = app
        .create_webhook("Payroll", json!({"mapping_field": "id_number"}))
        .await;
    let person = Uuid::new_v4();
    app.publish_person(person, None, false).await;
    // The directory knows them before the mark arrives (one consumer each: wait for it).
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let unmapped = app
            .get_ok(&format!("/api/v1/destinations/{destination}/unmapped"))
            .await;
        if unmapped["data"].as_array().is_some_and(|a| !a.is_empty()) {
            assert_eq!(unmapped["data"][0]["id"], person.to_string());
            assert_eq!(unmapped["data"][0]["name"], "Ada Lovelace");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the person never reached the directory"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    app.publish_mark(&Mark::check_in(person)).await;
    let unmapped = app.wait_for_deliveries("status=unmapped", 1).await;
    assert_eq!(unmapped[0]["person_id"], person.to_string());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(app.receiver.received().is_empty(), "sent without a key");

    app.publish_person(person, Some("E-1042"), true).await;
    let received = app.receiver.wait_for_accepted(1).await;
    assert_eq!(received[0].body["data"]["person"]["employee_key"], "E-1042");
    app.wait_for_deliveries("status=delivered", 1).await;
    let unmapped = app
        .get_ok(&format!("/api/v1/destinations/{destination}/unmapped"))
        .await;
    assert_eq!(unmapped["data"], json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_choose_event_types_departments_and_cameras() {
    let app = spawn_app(Backend::Postgres).await;
    let (outs, _) = app
        .create_webhook("Check-outs", json!({"event_types": ["check_out"]}))
        .await;
    let (sales, _) = app
        .create_webhook("Sales", json!({"departments": ["Sales"]}))
        .await;
    let (gate, _) = app
        .create_webhook("Gate", json!({"cameras": ["gate"]}))
        .await;
    let mark = Mark::check_in(Uuid::new_v4());
    app.publish_mark(&mark).await;
    app.publish_mark(&Mark {
        camera: Some("lobby".into()),
        ..mark.check_out()
    })
    .await;
    app.receiver.wait_for_accepted(2).await;
    let of = |id: Uuid| format!("destination_id={id}");
    let gate_log = app.wait_for_deliveries(&of(gate), 1).await;
    assert_eq!(gate_log[0]["event_type"], "attendance.check_in");
    let outs_log = app.wait_for_deliveries(&of(outs), 1).await;
    assert_eq!(outs_log[0]["event_type"], "attendance.check_out");
    assert!(app.deliveries(&of(sales)).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poison_event_is_dead_lettered_and_blocks_nothing() {
    let app = spawn_app(Backend::Postgres).await;
    app.create_webhook("Hook", json!({})).await;
    app.publish("attendance.v1.checked_in", b"\xff\x00garbage".to_vec())
        .await;
    let event_id = app.publish_mark(&Mark::check_in(Uuid::new_v4())).await;
    let received = app.receiver.wait_for_accepted(1).await;
    assert_eq!(received[0].webhook_id, event_id.to_string());
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let dead = app.stream_messages("DEAD_LETTERS").await;
        if let Some(message) = dead.first() {
            assert!(
                message
                    .subject
                    .ends_with("deadletter.v1.attendance.v1.checked_in"),
                "{}",
                message.subject
            );
            let reason = message
                .headers
                .get("Dead-Letter-Reason")
                .map(|v| v.to_string())
                .unwrap_or_default();
            assert!(
                reason.contains("not an attendance.v1.checked_in event"),
                "{reason}"
            );
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "nothing dead-lettered"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_test_event_reports_what_the_destination_answered() {
    let mut app = spawn_app(Backend::Postgres).await;
    let (destination, secret) = app.create_webhook("Hook", json!({})).await;
    let answer: Value = app
        .post(&format!("/api/v1/destinations/{destination}/test"), None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(answer["data"]["outcome"], "delivered", "{answer}");
    assert_eq!(answer["data"]["status_code"], 200);
    let received = app.receiver.received();
    assert_eq!(received[0].body["type"], "attendance.test");
    assert_signed(&received[0], &secret);
    app.receiver.script(Rule {
        person: None,
        status: 410,
        retry_after: None,
        times: 1,
    });
    let answer: Value = app
        .post(&format!("/api/v1/destinations/{destination}/test"), None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(answer["data"]["outcome"], "disable");
    let got = app
        .get_ok(&format!("/api/v1/destinations/{destination}"))
        .await;
    assert_eq!(got["data"]["enabled"], true, "a test changes nothing");
    assert!(app.deliveries("").await.is_empty());
    assert!(app.stop().await, "stops cleanly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_destination_failing_for_too_long_is_disabled_and_reported() {
    // 5 days in production; 500 ms here, inside the test schedule's 1.4 s of retries.
    let app = spawn_app_with(Backend::Postgres, |settings| {
        settings.dispatcher.disable_after = Duration::from_millis(500);
    })
    .await;
    let (destination, _) = app.create_webhook("Down", json!({})).await;
    app.receiver.script(Rule {
        person: None,
        status: 503,
        retry_after: None,
        times: 100,
    });
    app.publish_mark(&Mark::check_in(Uuid::new_v4())).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let got = loop {
        let got = app
            .get_ok(&format!("/api/v1/destinations/{destination}"))
            .await;
        if got["data"]["enabled"] == false || std::time::Instant::now() > deadline {
            break got;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(
        got["data"]["enabled"],
        false,
        "{got} {:?}",
        app.deliveries("").await
    );
    let reason = got["data"]["disabled_reason"].as_str().unwrap_or_default();
    assert!(reason.starts_with("failing continuously since"), "{reason}");
    assert!(got["data"]["failing_since"].is_string());
    let metrics = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("text");
    let disabled = metrics.lines().any(|line| {
        line.starts_with("integrations_destinations_disabled_total{")
            && line.contains(&format!("destination=\"{destination}\""))
            && line.contains("reason=\"failing\"")
            && line.ends_with(" 1")
    });
    assert!(disabled, "{metrics}");
    // Nothing more is sent while it is disabled.
    let sent = app.receiver.received().len();
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(app.receiver.received().len(), sent);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_published_while_the_service_is_down_are_delivered_after_it_restarts() {
    let mut app = spawn_app(Backend::Postgres).await;
    let (_, secret) = app.create_webhook("Hook", json!({})).await;
    let first = app.publish_mark(&Mark::check_in(Uuid::new_v4())).await;
    app.receiver.wait_for_accepted(1).await;
    assert!(app.stop().await, "stops cleanly");
    let mark = Mark::check_in(Uuid::new_v4());
    let second = app.publish_mark(&mark).await;
    let third = app.publish_mark(&mark.check_out()).await;
    // The same database and durable consumers: what was published meanwhile waits for it.
    let _restarted = app.spawn_replica().await;
    let received = app.receiver.wait_for_accepted(3).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let ids: Vec<String> = app
        .receiver
        .received()
        .iter()
        .map(|r| r.webhook_id.clone())
        .collect();
    assert_eq!(
        ids,
        [first.to_string(), second.to_string(), third.to_string()]
    );
    assert_signed(&received[2], &secret);
}
