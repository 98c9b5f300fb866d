//! Hostile and broken requests: each gets a 4xx error envelope, never a 500 or a panic, and
//! nothing is stored.

use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, assert_error, person_body, spawn_app};
use crate::on_both_backends;

on_both_backends!(
    malformed_json_is_400,
    wrong_shapes_are_422_with_the_field,
    oversized_bodies_are_413,
    non_json_content_types_are_415,
    invalid_ids_in_paths_are_400,
    unknown_routes_and_methods_have_envelopes,
);

async fn raw(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> reqwest::Response {
    let mut request = app
        .client
        .request(method, app.url(path))
        .bearer_auth(app.admin_token())
        .body(body);
    if let Some(content_type) = content_type {
        request = request.header("Content-Type", content_type);
    }
    request.send().await.expect("request sent")
}

async fn assert_nothing_stored(app: &TestApp) {
    let summary: Value = app
        .get("/api/v1/persons/summary")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(summary["data"]["total_persons"], 0);
}

async fn malformed_json_is_400(backend: Backend) {
    let app = spawn_app(backend).await;
    let bodies: [&[u8]; 7] = [
        b"{",
        b"{\"first_name\": }",
        b"",
        b"   ",
        b"nul",
        b"{\"first_name\":\"a\",\"last_name\":\"b\",\"email\":\"a@b.co\"} {\"b\":2}",
        b"\xff\xfe{}",
    ];
    for body in bodies {
        let response = raw(
            &app,
            reqwest::Method::POST,
            "/api/v1/persons",
            Some("application/json"),
            body.to_vec(),
        )
        .await;
        assert_error(response, 400, "malformed_json").await;
    }
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let response = raw(
        &app,
        reqwest::Method::POST,
        "/api/v1/persons",
        Some("application/json"),
        deep.into_bytes(),
    )
    .await;
    assert!(
        response.status().is_client_error(),
        "deep nesting: {}",
        response.status()
    );
    assert_nothing_stored(&app).await;
}

async fn wrong_shapes_are_422_with_the_field(backend: Backend) {
    let app = spawn_app(backend).await;
    let cases = [
        (
            json!({"first_name": 1, "last_name": "x", "email": "a@b.co"}),
            "first_name",
            "invalid_type",
        ),
        (
            json!({"first_name": "a", "last_name": ["x"], "email": "a@b.co"}),
            "last_name",
            "invalid_type",
        ),
        (
            json!({"first_name": "a", "last_name": "b", "email": "a@b.co", "is_admin": true}),
            "is_admin",
            "unknown_field",
        ),
        (
            json!({"last_name": "b", "email": "a@b.co"}),
            "first_name",
            "required",
        ),
        // Every body is an object: an array is refused whole, not read as the fields in order.
        (json!([1, 2, 3]), "body", "invalid_type"),
        (json!("text"), "body", "invalid_type"),
    ];
    for (body, field, code) in cases {
        let response = app.post_json("/api/v1/persons", &body).await;
        let error = assert_error(response, 422, "validation_failed").await;
        assert_eq!(error["error"]["details"][0]["field"], field, "{body}");
        assert_eq!(error["error"]["details"][0]["code"], code, "{body}");
    }
    let person = app.create_person(person_body("x")).await;
    let path = format!("/api/v1/persons/{}", person["id"].as_str().unwrap());
    let error = assert_error(
        app.put_json(&path, &json!({"status": 3})).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(error["error"]["details"][0]["field"], "status");
    let error = assert_error(
        app.put_json(&format!("{path}/metadata"), &json!({"preferences": [1]}))
            .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(error["error"]["details"][0]["field"], "preferences");
}

async fn oversized_bodies_are_413(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut body = person_body("big");
    body["department"] = json!("x".repeat(200_000));
    assert_error(
        app.post_json("/api/v1/persons", &body).await,
        413,
        "payload_too_large",
    )
    .await;
    // Also when the size is only known while streaming.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        (0..100).map(|_| Ok(vec![b' '; 4096])).collect();
    let response = app
        .client
        .post(app.url("/api/v1/persons"))
        .bearer_auth(app.admin_token())
        .header("Content-Type", "application/json")
        .body(reqwest::Body::wrap_stream(futures::stream::iter(chunks)))
        .send()
        .await
        .unwrap();
    assert_error(response, 413, "payload_too_large").await;
    assert_nothing_stored(&app).await;
}

async fn non_json_content_types_are_415(backend: Backend) {
    let app = spawn_app(backend).await;
    let body = serde_json::to_vec(&person_body("a")).unwrap();
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data"),
    ] {
        let response = raw(
            &app,
            reqwest::Method::POST,
            "/api/v1/persons",
            content_type,
            body.clone(),
        )
        .await;
        assert_error(response, 415, "unsupported_media_type").await;
    }
    let ok = raw(
        &app,
        reqwest::Method::POST,
        "/api/v1/persons",
        Some("application/json; charset=utf-8"),
        body,
    )
    .await;
    assert_eq!(ok.status().as_u16(), 201);
}

async fn invalid_ids_in_paths_are_400(backend: Backend) {
    let app = spawn_app(backend).await;
    for id in [
        "not-a-uuid",
        "123",
        "01a20ffa-264e-7538-8418-1273547a9d8",
        "%00",
        "' OR 1=1 --",
    ] {
        let id = id.replace(' ', "%20").replace('\'', "%27");
        assert_error(
            app.get(&format!("/api/v1/persons/{id}")).await,
            400,
            "invalid_path_parameter",
        )
        .await;
        assert_error(
            app.put_json(&format!("/api/v1/persons/{id}"), &json!({}))
                .await,
            400,
            "invalid_path_parameter",
        )
        .await;
        assert_error(
            app.delete(&format!("/api/v1/persons/{id}")).await,
            400,
            "invalid_path_parameter",
        )
        .await;
        assert_error(
            app.get(&format!("/api/v1/persons/{id}/metadata")).await,
            400,
            "invalid_path_parameter",
        )
        .await;
    }
}

async fn unknown_routes_and_methods_have_envelopes(backend: Backend) {
    let app = spawn_app(backend).await;
    assert_error(
        app.get("/api/v1/nothing-here").await,
        404,
        "route_not_found",
    )
    .await;
    assert_error(app.get("/").await, 404, "route_not_found").await;
    let response = app
        .client
        .patch(app.url("/api/v1/persons"))
        .bearer_auth(app.admin_token())
        .send()
        .await
        .unwrap();
    assert_error(response, 405, "method_not_allowed").await;
    let response = app
        .client
        .post(app.url("/api/v1/persons/summary"))
        .bearer_auth(app.admin_token())
        .send()
        .await
        .unwrap();
    assert_error(response, 405, "method_not_allowed").await;
}
