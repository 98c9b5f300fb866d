//! Upgrades the gateway refuses, with the status and stable code of the error envelope; the
//! three ways to present a token; the probes and metrics on the same listener.

use faceattend_service::config::EnvReader;
use realtime_gateway::config::{AllowedOrigins, Settings};
use serde_json::Value;
use uuid::Uuid;

use crate::helpers::{expired_token, spawn_app, spawn_app_with, token};

type Headers = Vec<(&'static str, String)>;

fn bearer(token: &str) -> Vec<(&'static str, String)> {
    vec![("Authorization", format!("Bearer {token}"))]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_are_required_with_attendance_read() {
    let app = spawn_app().await;
    let url = app.ws_url("client123", "");
    let cases: Vec<(Headers, u16, &str)> = vec![
        (vec![], 401, "missing_token"),
        (bearer("not.a.token"), 401, "invalid_token"),
        (
            vec![("Authorization", "Basic abc".to_owned())],
            401,
            "invalid_token",
        ),
        (bearer(&expired_token()), 401, "token_expired"),
        (bearer(&token(&["persons:read"])), 403, "forbidden"),
    ];
    for (headers, status, code) in cases {
        let (got, body) = app.refused(&url, &headers).await;
        assert_eq!(
            (got, body["error"]["code"].as_str()),
            (status, Some(code)),
            "{body}"
        );
        assert_eq!(body["success"], false);
    }
    assert_eq!(
        app.metric("gateway_upgrades_total{outcome=\"unauthorized\"")
            .await,
        4.0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browsers_pass_the_token_in_the_query_or_a_subprotocol() {
    let app = spawn_app().await;
    let reader = token(&["attendance:read"]);
    let mut by_query = app
        .connect_with(&format!("token={reader}"), &[])
        .await
        .expect("a token in the query");
    by_query.expect("connection_established").await;

    let mut by_protocol = app
        .connect_with(
            "",
            &[(
                "Sec-WebSocket-Protocol",
                format!("faceattend.v1, bearer.{reader}"),
            )],
        )
        .await
        .expect("a token as a subprotocol");
    assert_eq!(by_protocol.protocol.as_deref(), Some("faceattend.v1"));
    by_protocol.expect("connection_established").await;

    let (status, body) = app
        .refused(&app.ws_url("client123", "token=garbage"), &[])
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("invalid_token"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_queries_paths_and_plain_requests_are_4xx() {
    let app = spawn_app().await;
    let reader = bearer(&token(&["attendance:read"]));
    for (url, status, code) in [
        (
            app.ws_url("client123", "person_id=nobody"),
            400,
            "invalid_person_id",
        ),
        (
            app.ws_url("client123", "min_confidence=high"),
            400,
            "invalid_min_confidence",
        ),
        (
            app.ws_url("client123", "min_confidence=1.2"),
            400,
            "invalid_min_confidence",
        ),
        (
            app.ws_url("client123", "last_seq=-1"),
            400,
            "invalid_last_seq",
        ),
        (
            app.ws_url(
                "client123",
                &format!("person_id={}&department=x", Uuid::new_v4()),
            ),
            400,
            "ambiguous_subscription",
        ),
        (app.ws_url("bad%20id", ""), 400, "invalid_client_id"),
        (
            format!("ws://127.0.0.1:{}/api/v1/attendance/ws/", app.port),
            400,
            "invalid_client_id",
        ),
        (
            format!("ws://127.0.0.1:{}/elsewhere", app.port),
            404,
            "route_not_found",
        ),
    ] {
        let (got, body) = app.refused(&url, &reader).await;
        assert_eq!(
            (got, body["error"]["code"].as_str()),
            (status, Some(code)),
            "{url}: {body}"
        );
    }
    // A plain GET of the WebSocket route.
    let response = app.get("/api/v1/attendance/ws/client123").await;
    assert_eq!(response.status(), 426);
    let body: Value = response.json().await.expect("envelope");
    assert_eq!(body["error"]["code"], "websocket_upgrade_required");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn origins_outside_the_allowed_list_are_refused() {
    let app = spawn_app_with(|s| {
        s.allowed_origins =
            AllowedOrigins::parse("https://dash.example.com").expect("a valid origin list")
    })
    .await;
    let mut headers = bearer(&token(&["attendance:read"]));
    headers.push(("Origin", "https://evil.example.com".to_owned()));
    let (status, body) = app.refused(&app.ws_url("client123", ""), &headers).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("origin_not_allowed"))
    );
    headers.pop();
    headers.push(("Origin", "https://dash.example.com".to_owned()));
    let mut client = app
        .connect_with("", &headers)
        .await
        .expect("an allowed origin");
    client.expect("connection_established").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn by_default_only_the_gateway_s_own_origin_and_non_browsers_connect() {
    // ALLOWED_ORIGINS unset, as a production deployment that names no console.
    let defaults = Settings::from_reader(EnvReader::from_pairs([(
        "JWT_PUBLIC_KEYS",
        faceattend_service::auth::testing::signing_key()
            .public_key()
            .to_config_value()
            .as_str(),
    )]))
    .unwrap_or_else(|e| panic!("{e}"));
    let app = spawn_app_with(|s| s.allowed_origins = defaults.allowed_origins).await;
    let reader = bearer(&token(&["attendance:read"]));
    let url = app.ws_url("client123", "");
    // Another site's page, a page on another port of the same host, a sandboxed page: all
    // cross-origin, so another site cannot ride a user's token (cross-site WebSocket
    // hijacking).
    let cross_origin = [
        "https://evil.example.com".to_owned(),
        format!("http://localhost:{}", app.port),
        "http://127.0.0.1:1".to_owned(),
        "null".to_owned(),
    ];
    for origin in &cross_origin {
        let mut headers = reader.clone();
        headers.push(("Origin", origin.clone()));
        let (status, body) = app.refused(&url, &headers).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (403, Some("origin_not_allowed")),
            "{origin}: {body}"
        );
    }
    assert_eq!(
        app.metric("gateway_upgrades_total{outcome=\"origin\"")
            .await,
        cross_origin.len() as f64
    );

    // Same origin: a page served by the gateway's own host and port (the client connects to
    // 127.0.0.1:<port>, its Host).
    let mut headers = reader.clone();
    headers.push(("Origin", format!("http://127.0.0.1:{}", app.port)));
    let mut same_origin = app
        .connect_with("", &headers)
        .await
        .expect("the gateway's own origin");
    same_origin.expect("connection_established").await;

    // No Origin: not a browser (a service, a script), which no page can drive.
    let mut no_origin = app.connect_with("", &reader).await.expect("no Origin");
    no_origin.expect("connection_established").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probes_and_metrics_share_the_listener() {
    let app = spawn_app().await;
    let health = app.get("/healthz").await;
    assert_eq!(health.status(), 200);
    let ready: Value = app.get("/readyz").await.json().await.expect("readiness");
    assert_eq!(ready["status"], "ready");
    assert_eq!(ready["checks"]["nats"], "ok");
    assert_eq!(ready["checks"]["attendance_stream"], "ok");
    let mut client = app.connect("").await;
    client.expect("connection_established").await;
    let metrics = app.get("/metrics").await.text().await.expect("metrics");
    assert!(
        metrics.contains("gateway_connections{service=\"realtime-gateway\"} 1"),
        "{metrics}"
    );
    assert!(metrics.contains("gateway_messages_sent_total{type=\"connection_established\",service=\"realtime-gateway\"} 1"), "{metrics}");
    assert_eq!(app.get("/nowhere").await.status(), 404);
}
