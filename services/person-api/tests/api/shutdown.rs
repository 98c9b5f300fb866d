//! Graceful shutdown: a request the server is already handling when the stop signal arrives
//! is answered in full; new connections are refused; then the application stops.

use std::time::Duration;

use futures::StreamExt;

use crate::helpers::{Backend, spawn_app};
use crate::on_both_backends;

on_both_backends!(an_in_flight_request_finishes_before_the_app_stops);

async fn an_in_flight_request_finishes_before_the_app_stops(backend: Backend) {
    let mut app = spawn_app(backend).await;

    // A create whose body arrives in two parts: the server has the request in hand (it is
    // reading the body) when the stop begins.
    let (release, released) = tokio::sync::oneshot::channel::<()>();
    let first = futures::stream::once(async {
        Ok::<_, std::io::Error>(br#"{"first_name": "Slow", "#.to_vec())
    });
    let rest = futures::stream::once(async move {
        let _ = released.await;
        Ok::<_, std::io::Error>(br#""last_name": "Request", "email": "slow@example.com"}"#.to_vec())
    });
    let request = app
        .client
        .post(app.url("/api/v1/persons"))
        .bearer_auth(app.admin_token())
        .header("Content-Type", "application/json")
        .body(reqwest::Body::wrap_stream(first.chain(rest)))
        .send();
    let in_flight = tokio::spawn(request);
    tokio::time::sleep(Duration::from_millis(300)).await;

    let stopping = tokio::spawn({
        let shutdown = app.shutdown_token();
        async move { shutdown.cancel() }
    });
    stopping.await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let refused = reqwest::Client::new().get(app.url("/healthz")).send().await;
    assert!(
        refused.is_err(),
        "no new connection is accepted once stopping"
    );

    release.send(()).unwrap();
    let response = in_flight
        .await
        .unwrap()
        .expect("the in-flight request is answered");
    assert_eq!(response.status().as_u16(), 201);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["data"]["first_name"], "Slow");

    assert!(
        app.stop().await,
        "the application stopped within its shutdown timeout"
    );
}
