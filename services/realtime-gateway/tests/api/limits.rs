//! The limits that protect the gateway and its other clients: a slow client is closed
//! without delaying anyone, silent and oversized clients are closed, the connection count is
//! capped, and shutdown says "going away".

use std::time::Duration;

use chrono::Utc;
use serde_json::Value;
use tokio::net::TcpSocket;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use uuid::Uuid;

use crate::helpers::{Event, WsClient, spawn_app, spawn_app_with, token, token_expiring_in};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_client_is_closed_and_never_delays_the_others() {
    let app = spawn_app_with(|s| s.client_queue = 32).await;
    let person = Uuid::new_v4();
    let mut fast = app.connect("").await;
    fast.expect("connection_established").await;

    // A client that stops reading, with a small receive window so the kernel buffers
    // little on its behalf.
    let socket = TcpSocket::new_v4().expect("socket");
    socket
        .set_recv_buffer_size(4096)
        .expect("small receive buffer");
    let stream = socket
        .connect(format!("127.0.0.1:{}", app.port).parse().expect("address"))
        .await
        .expect("connect");
    let mut request = app
        .ws_url("slow", "")
        .into_client_request()
        .expect("request");
    request.headers_mut().insert(
        "Authorization",
        HeaderValue::from_str(&format!("Bearer {}", token(&["attendance:read"]))).expect("header"),
    );
    let stream = tokio_tungstenite::MaybeTlsStream::Plain(stream);
    let (slow, _) = tokio_tungstenite::client_async(request, stream)
        .await
        .expect("the slow client connects");
    let mut slow = WsClient {
        ws: slow,
        protocol: None,
    };

    // Large names make large messages: the slow client's buffers fill quickly.
    let event = Event::of(person).named(&"n".repeat(30_000));
    // How many events the fast client has read, for the publisher's pace.
    let (read_tx, mut read_rx) = tokio::sync::watch::channel(0usize);
    let reader = tokio::spawn(async move {
        let mut seqs = Vec::new();
        while seqs.len() < 200 {
            let message: Value = fast.next_json().await;
            if message["type"] == "attendance_event" {
                seqs.push(message["seq"].as_u64().expect("seq"));
                read_tx.send_replace(seqs.len());
            }
        }
        seqs
    });
    // A steady pace that never runs more than 8 events ahead of the fast client, so a busy
    // machine that starves the test's reader for a while cannot make *it* a slow consumer;
    // the slow one's kernel buffers (a few MB) fill after some 70 events, then its queue of
    // 32.
    let publish = async {
        let mut published = Vec::new();
        for i in 0..200 {
            read_rx
                .wait_for(|read| read + 8 >= i)
                .await
                .expect("the fast client reads on");
            published.push(app.checked_in(&event, Utc::now(), Some(0.9), "gate").await);
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        published
    };
    // Once evicted, the slow client reads again: it finds what was in flight, then the
    // reason. It must read while publishing goes on: the gateway waits only briefly for a
    // close frame to get through to a client that does not read, then drops the connection.
    let evicted = async {
        for _ in 0..600 {
            if app
                .metric("gateway_drops_total{reason=\"slow_client\"")
                .await
                >= 1.0
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        slow.expect_close().await
    };
    let (published, frame) = tokio::join!(publish, evicted);
    let received = tokio::time::timeout(Duration::from_secs(30), reader)
        .await
        .expect("the fast client keeps up")
        .expect("reader task");
    assert_eq!(
        received, published,
        "every event, in order, to the fast client"
    );
    assert_eq!(u16::from(frame.code), 1008);
    assert!(
        frame.reason.as_str().starts_with("slow consumer"),
        "{frame}"
    );
    assert_eq!(
        app.metric("gateway_drops_total{reason=\"slow_client\"")
            .await,
        1.0,
        "only the slow client was dropped"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_ends_when_its_token_expires() {
    let app = spawn_app().await;
    let mut lasting = app.connect("").await;
    lasting.expect("connection_established").await;
    let mut expiring = app
        .connect_with(
            "",
            &[("Authorization", format!("Bearer {}", token_expiring_in(2)))],
        )
        .await
        .expect("a token valid for 2 more seconds is accepted");
    expiring.expect("connection_established").await;

    let frame = expiring.expect_close().await;
    assert_eq!(u16::from(frame.code), 1008);
    assert!(
        frame.reason.as_str().starts_with("token expired"),
        "{frame}"
    );
    assert_eq!(
        app.metric("gateway_drops_total{reason=\"token_expired\"")
            .await,
        1.0
    );
    // The other session, on a lasting token, still hears events.
    let person = uuid::Uuid::new_v4();
    let seq = app
        .checked_in(&Event::of(person), Utc::now(), Some(0.9), "gate")
        .await;
    let event = lasting.expect("attendance_event").await;
    assert_eq!(event["seq"].as_u64(), Some(seq));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_clients_are_closed_and_answering_ones_stay() {
    let app = spawn_app_with(|s| {
        s.ping_interval = Duration::from_millis(200);
        s.idle_timeout = Duration::from_secs(1);
    })
    .await;
    let mut silent = app.connect("").await;
    let mut polite = app.connect("").await;
    silent.expect("connection_established").await;
    polite.expect("connection_established").await;
    let answering = tokio::spawn(async move {
        let started = tokio::time::Instant::now();
        while started.elapsed() < Duration::from_millis(2500) {
            let message = polite.next_json().await;
            assert_eq!(message["type"], "ping", "{message}");
            polite.send_json(serde_json::json!({"type": "pong"})).await;
        }
        polite
    });
    let frame = silent.expect_close().await;
    assert_eq!(u16::from(frame.code), 1008);
    assert!(frame.reason.as_str().starts_with("idle"), "{frame}");
    let mut polite = answering.await.expect("the answering client stays");
    assert_eq!(polite.next_json().await["type"], "ping");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_messages_close_with_1009() {
    let app = spawn_app_with(|s| s.max_message_bytes = 1024).await;
    let mut client = app.connect("").await;
    client.expect("connection_established").await;
    client.send_text(&"x".repeat(2000)).await;
    let frame = client.expect_close().await;
    assert_eq!(u16::from(frame.code), 1009);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_the_limit_are_refused() {
    let app = spawn_app_with(|s| s.max_connections = 2).await;
    let mut first = app.connect("").await;
    let mut second = app.connect("").await;
    first.expect("connection_established").await;
    second.expect("connection_established").await;
    let authorization = vec![(
        "Authorization",
        format!("Bearer {}", token(&["attendance:read"])),
    )];
    let (status, body) = app.refused(&app.ws_url("third", ""), &authorization).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (503, Some("too_many_connections"))
    );
    drop(first);
    // The slot frees once the gateway sees the close.
    for _ in 0..100 {
        if app.metric("gateway_connections{").await < 2.0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut third = app.connect("").await;
    third.expect("connection_established").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_closes_sessions_with_going_away() {
    let mut app = spawn_app().await;
    let mut client = app.connect(&format!("person_id={}", Uuid::new_v4())).await;
    client.expect("connection_established").await;
    let stopping = tokio::spawn(async move {
        let clean = app.stop().await;
        (app, clean)
    });
    let frame = client.expect_close().await;
    assert_eq!(u16::from(frame.code), 1001);
    assert!(frame.reason.as_str().starts_with("going away"), "{frame}");
    let (_app, clean) = stopping.await.expect("stop task");
    assert!(clean, "the gateway stops cleanly");
}
