//! The REST API: destinations managed, secrets shown only once, bad input refused with
//! stable codes, permissions enforced.

use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Backend, spawn_app};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn destinations_are_managed_and_secrets_shown_once() {
    let app = spawn_app(Backend::Postgres).await;
    let (id, secret) = app
        .create_webhook(
            "Payroll",
            json!({"departments": ["Engineering"], "mapping_field": "id_number"}),
        )
        .await;
    assert!(secret.starts_with("whsec_"));
    let got = app.get_ok(&format!("/api/v1/destinations/{id}")).await;
    let text = got.to_string();
    assert!(!text.contains(&secret), "a read shows the secret: {text}");
    assert_eq!(got["data"]["name"], "Payroll");
    assert_eq!(got["data"]["mapping_field"], "id_number");
    assert_eq!(got["data"]["departments"], json!(["Engineering"]));
    assert_eq!(got["data"]["enabled"], true);

    let listed = app.get_ok("/api/v1/destinations").await;
    assert_eq!(listed["data"].as_array().map(Vec::len), Some(1));
    assert!(!listed.to_string().contains(&secret));

    let patched = app
        .client
        .patch(app.url(&format!("/api/v1/destinations/{id}")))
        .bearer_auth(app.token(&["attendance:write"]))
        .json(&json!({"name": "Payroll EU", "departments": null}))
        .send()
        .await
        .expect("sent");
    assert_eq!(patched.status().as_u16(), 200);
    let patched: Value = patched.json().await.expect("json");
    assert_eq!(patched["data"]["name"], "Payroll EU");
    assert_eq!(patched["data"]["departments"], Value::Null);

    let disabled = app
        .post(
            &format!("/api/v1/destinations/{id}/disable"),
            Some(json!({"reason": "maintenance"})),
        )
        .await;
    let disabled: Value = disabled.json().await.expect("json");
    assert_eq!(disabled["data"]["enabled"], false);
    assert_eq!(disabled["data"]["disabled_reason"], "maintenance");
    let enabled: Value = app
        .post(&format!("/api/v1/destinations/{id}/enable"), None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(enabled["data"]["enabled"], true);
    assert_eq!(enabled["data"]["disabled_reason"], Value::Null);

    let rotated: Value = app
        .post(&format!("/api/v1/destinations/{id}/rotate-secret"), None)
        .await
        .json()
        .await
        .expect("json");
    let new_secret = rotated["data"]["secret"].as_str().expect("new secret");
    assert!(new_secret.starts_with("whsec_") && new_secret != secret);
    let got = app.get_ok(&format!("/api/v1/destinations/{id}")).await;
    assert!(got["data"]["previous_secret_until"].is_string(), "{got}");
    assert!(!got.to_string().contains(new_secret));

    let deleted = app
        .client
        .delete(app.url(&format!("/api/v1/destinations/{id}")))
        .bearer_auth(app.token(&["attendance:write"]))
        .send()
        .await
        .expect("sent");
    assert_eq!(deleted.status().as_u16(), 204);
    assert_eq!(
        app.get(&format!("/api/v1/destinations/{id}"))
            .await
            .status()
            .as_u16(),
        404
    );
}

async fn error_of(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let body: Value = response.json().await.expect("error envelope");
    assert_eq!(body["success"], false, "{body}");
    (status, body["error"].clone())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_a_4xx_with_a_stable_code() {
    let app = spawn_app(Backend::Postgres).await;
    let (status, error) = error_of(
        app.post(
            "/api/v1/destinations",
            Some(
                json!({"name": " ", "kind": "webhook", "config": {"url": "ftp://x"},
                        "event_types": ["check_in", "lunch"], "mapping_field": "badge"}),
            ),
        )
        .await,
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(error["code"], "validation_failed");
    let fields: Vec<&str> = error["details"]
        .as_array()
        .expect("details")
        .iter()
        .filter_map(|d| d["field"].as_str())
        .collect();
    for field in ["name", "config.url", "event_types", "mapping_field"] {
        assert!(fields.contains(&field), "{field} not in {fields:?}");
    }
    let (status, error) = error_of(
        app.post(
            "/api/v1/destinations",
            Some(json!({"name": "Gate", "kind": "door", "cameras": ["gate"],
                        "config": {"template": "custom"}})),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, error["code"].as_str()),
        (422, Some("validation_failed"))
    );
    assert_eq!(error["details"][0]["field"], "config.template");
    let (status, error) = error_of(
        app.post(
            "/api/v1/destinations",
            Some(json!({"name": "x", "kind": "webhook", "config": {}, "surprise": 1})),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, error["code"].as_str()),
        (422, Some("validation_failed"))
    );
    let malformed = app
        .client
        .post(app.url("/api/v1/destinations"))
        .bearer_auth(app.token(&["attendance:write"]))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("sent");
    assert_eq!(error_of(malformed).await.0, 400);

    // Loopback without allow_private: refused when saved, not at the first delivery.
    let (status, error) = error_of(
        app.post(
            "/api/v1/destinations",
            Some(json!({"name": "Local", "kind": "webhook", "config": {"url": "http://127.0.0.1:9/h"}})),
        )
        .await,
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(error["details"][0]["field"], "config.url");
    assert_eq!(error["details"][0]["code"], "blocked_address");

    app.create_webhook("Same", json!({})).await;
    let (status, error) = error_of(
        app.post(
            "/api/v1/destinations",
            Some(json!({"name": "Same", "kind": "webhook", "config": {"url": "https://example.com/h"}})),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, error["code"].as_str()),
        (409, Some("destination_name_taken"))
    );

    let (status, _) = error_of(app.get("/api/v1/destinations/not-a-uuid").await).await;
    assert!((400..500).contains(&status), "a bad id is a 4xx: {status}");
    let (status, error) = error_of(
        app.get(&format!("/api/v1/destinations/{}", Uuid::new_v4()))
            .await,
    )
    .await;
    assert_eq!(
        (status, error["code"].as_str()),
        (404, Some("destination_not_found"))
    );
    let (status, error) = error_of(
        app.get("/api/v1/deliveries?status=lost&from=yesterday")
            .await,
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        error["details"].as_array().map(Vec::len),
        Some(2),
        "{error}"
    );
    let (status, error) = error_of(app.get("/api/v1/deliveries?page_size=1000").await).await;
    assert_eq!(
        (status, error["details"][0]["field"].as_str()),
        (400, Some("page_size"))
    );
    let (status, error) = error_of(
        app.post(
            &format!("/api/v1/deliveries/{}/redeliver", Uuid::new_v4()),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, error["code"].as_str()),
        (404, Some("delivery_not_found"))
    );
    let (status, _) = error_of(
        app.client
            .put(app.url("/api/v1/deliveries"))
            .bearer_auth(app.token(&["attendance:write"]))
            .send()
            .await
            .expect("sent"),
    )
    .await;
    assert_eq!(status, 405);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_need_attendance_read_and_changes_attendance_write() {
    let app = spawn_app(Backend::Postgres).await;
    let anonymous = app
        .client
        .get(app.url("/api/v1/destinations"))
        .send()
        .await
        .expect("sent");
    assert_eq!(anonymous.status().as_u16(), 401);
    let reader = app
        .client
        .post(app.url("/api/v1/destinations"))
        .bearer_auth(app.token(&["attendance:read"]))
        .json(&json!({"name": "x", "kind": "webhook", "config": {"url": "https://example.com/h"}}))
        .send()
        .await
        .expect("sent");
    assert_eq!(reader.status().as_u16(), 403);
    let writer_reads = app
        .client
        .get(app.url("/api/v1/deliveries"))
        .bearer_auth(app.token(&["persons:read"]))
        .send()
        .await
        .expect("sent");
    assert_eq!(writer_reads.status().as_u16(), 403);
    assert_eq!(app.get("/api/v1/deliveries").await.status().as_u16(), 200);
    let openapi = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .expect("sent");
    assert_eq!(openapi.status().as_u16(), 200);
    let document: Value = openapi.json().await.expect("json");
    assert!(document["paths"]["/api/v1/deliveries/{id}/redeliver"].is_object());
    let health = app
        .client
        .get(app.url("/readyz"))
        .send()
        .await
        .expect("sent");
    assert_eq!(health.status().as_u16(), 200);
}
