//! The APIs through the console: each role can do what its permissions allow, the upstream
//! sees the operator, and the browser never sees a token.

use console::operators::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Backend, Browser, Spawn, TestApp, error_code, spawn_app, spawn_app_with};

async fn with_upstreams() -> TestApp {
    let mut options = Spawn::new(Backend::Postgres);
    options.upstreams = true;
    spawn_app_with(options).await
}

fn new_person(email: &str) -> Value {
    json!({
        "first_name": "Grace",
        "last_name": "Hopper",
        "email": email,
        "person_type": "employee",
        "department": "Engineering",
    })
}

/// What each role gets, route by route: (method, path, body, the statuses that mean "allowed").
/// Every route the console forwards is in the matrix with a request the upstream would take
/// from a permitted operator; a refused one is 403 `forbidden` from the upstream itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_role_does_what_its_permissions_allow() {
    let app = with_upstreams().await;
    let mut browsers: Vec<(Role, Browser)> = Vec::new();
    for role in [Role::Admin, Role::Hr, Role::Reception, Role::Viewer] {
        let email = format!("{role}@example.com");
        app.operator(&email, role).await;
        browsers.push((role, app.sign_in(&email).await));
    }
    let unknown_person = uuid::Uuid::now_v7();
    // (method, path, body, allowed roles)
    let routes: Vec<(Method, String, Value, &[Role])> = vec![
        (
            Method::GET,
            "/api/v1/persons".into(),
            json!(null),
            &[Role::Admin, Role::Hr, Role::Reception, Role::Viewer],
        ),
        (
            Method::GET,
            "/api/v1/persons/search?q=grace".into(),
            json!(null),
            &[Role::Admin, Role::Hr, Role::Reception, Role::Viewer],
        ),
        (
            Method::POST,
            "/api/v1/persons".into(),
            json!("new person"),
            &[Role::Admin, Role::Hr],
        ),
        (
            Method::DELETE,
            format!("/api/v1/persons/{unknown_person}"),
            json!(null),
            &[Role::Admin, Role::Hr],
        ),
        (
            Method::GET,
            "/api/v1/attendance".into(),
            json!(null),
            &[Role::Admin, Role::Hr, Role::Reception, Role::Viewer],
        ),
        (
            Method::GET,
            "/api/v1/attendance/reports/daily".into(),
            json!(null),
            &[Role::Admin, Role::Hr, Role::Reception, Role::Viewer],
        ),
        (
            Method::POST,
            "/api/v1/attendance/check-in".into(),
            json!({"person_id": unknown_person}),
            &[Role::Admin, Role::Hr, Role::Reception],
        ),
        (
            Method::POST,
            "/api/v1/attendance/check-out".into(),
            json!({"person_id": unknown_person}),
            &[Role::Admin, Role::Hr, Role::Reception],
        ),
        (
            Method::POST,
            "/api/v1/attendance/corrections".into(),
            json!({}),
            &[Role::Admin, Role::Hr],
        ),
        (
            Method::POST,
            "/api/v1/attendance/rules".into(),
            json!({}),
            &[Role::Admin, Role::Hr],
        ),
        (
            Method::GET,
            "/api/v1/attendance/review".into(),
            json!(null),
            &[Role::Admin, Role::Hr, Role::Reception, Role::Viewer],
        ),
    ];
    let mut created = 0;
    for (method, path, body, allowed) in &routes {
        for (role, browser) in &browsers {
            let mut request = app.page_request(method.clone(), path, browser);
            if *body == json!("new person") {
                created += 1;
                request = request.json(&new_person(&format!("p{created}@example.com")));
            } else if !body.is_null() {
                request = request.json(body);
            }
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            if allowed.contains(role) {
                assert!(
                    status != 401 && status != 403 && status < 500,
                    "{role} {method} {path}: {status} {}",
                    response.text().await.unwrap_or_default()
                );
            } else {
                assert_eq!(status, 403, "{role} {method} {path}");
                assert_eq!(
                    error_code(response).await,
                    "forbidden",
                    "{role} {method} {path}"
                );
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_upstream_sees_the_operator_and_answers_come_back_whole() {
    let app = with_upstreams().await;
    let hr = app.operator("hr@example.com", Role::Hr).await;
    let browser = app.sign_in("hr@example.com").await;

    let created = app
        .page_request(Method::POST, "/api/v1/persons", &browser)
        .json(&new_person("grace@example.com"))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let body: Value = created.json().await.unwrap();
    assert_eq!(body["data"]["email"], "grace@example.com");
    // The same person straight from person-api: the console changed nothing on the way.
    let id = body["data"]["id"].as_str().unwrap();
    let through = app
        .page_request(Method::GET, &format!("/api/v1/persons/{id}?x=1"), &browser)
        .send()
        .await
        .unwrap();
    assert_eq!(through.status(), 200);
    assert!(through.headers().get("set-cookie").is_none());
    let page: Value = app
        .page_request(Method::GET, "/api/v1/persons?page=1&page_size=1", &browser)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["meta"]["total"], 1);
    // An upstream's refusal is passed through as it is.
    let invalid = app
        .page_request(Method::POST, "/api/v1/persons", &browser)
        .json(&json!({"first_name": ""}))
        .send()
        .await
        .unwrap();
    assert_eq!(invalid.status(), 422);
    assert_eq!(error_code(invalid).await, "validation_failed");

    // A job run records who asked: the operator's id, from the token the console minted.
    let run = app
        .page_request(
            Method::POST,
            "/api/v1/attendance/jobs/cleanup/runs",
            &browser,
        )
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(run.status(), 202);
    let run: Value = run.json().await.unwrap();
    assert_eq!(
        run["data"]["requested_by"],
        hr.id.to_string(),
        "the run: {run}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_is_forwarded_without_a_session() {
    let app = with_upstreams().await;
    for path in ["/api/v1/persons", "/api/v1/attendance/reports/daily"] {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 401, "{path}");
        assert_eq!(error_code(response).await, "not_signed_in");
        // Not even with a token the console would not take from a browser.
        let response = app
            .client
            .get(app.url(path))
            .bearer_auth("anything")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401, "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upstream_that_is_down_is_a_quick_503() {
    let app = spawn_app(Backend::Sqlite).await;
    app.operator("viewer@example.com", Role::Viewer).await;
    let browser = app.sign_in("viewer@example.com").await;
    let started = std::time::Instant::now();
    let response = app
        .page_request(Method::GET, "/api/v1/persons", &browser)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
    assert_eq!(error_code(response).await, "upstream_unavailable");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}

/// A 204 comes back as a 204 without a body (not an empty chunked one, which some clients,
/// Node's among them, refuse).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_no_content_answer_has_no_body() {
    let app = with_upstreams().await;
    app.operator("hr@example.com", Role::Hr).await;
    let browser = app.sign_in("hr@example.com").await;
    let response = app
        .page_request(Method::POST, "/api/v1/attendance/sessions", &browser)
        .json(&json!({"name": "Day", "start_time": "09:00", "end_time": "17:00"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.unwrap();
    let id = created["data"]["id"].as_str().expect("an id").to_owned();
    let response = app
        .page_request(
            Method::DELETE,
            &format!("/api/v1/attendance/sessions/{id}"),
            &browser,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    assert!(
        response.headers().get("transfer-encoding").is_none(),
        "{:?}",
        response.headers()
    );
    assert!(response.bytes().await.unwrap().is_empty());
}
