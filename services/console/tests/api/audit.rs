//! An admin reads the sign-in audit a page at a time, narrowed to an outcome, an operator or a
//! time range.

use chrono::{Duration, Utc};
use console::operators::Role;
use reqwest::Method;
use serde_json::Value;

use crate::helpers::{Backend, Browser, PASSWORD, TestApp, error_code, spawn_app};
use crate::on_both_backends;

async fn audit(app: &TestApp, admin: &Browser, query: &str) -> (Vec<Value>, Value) {
    let response = app
        .page_request(
            Method::GET,
            &format!("/console/api/v1/audit?{query}"),
            admin,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{query}");
    let body: Value = response.json().await.unwrap();
    (
        body["data"].as_array().expect("entries").clone(),
        body["meta"].clone(),
    )
}

fn events(entries: &[Value]) -> Vec<&str> {
    entries
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect()
}

async fn the_audit_filters_by_outcome_operator_and_time_and_pages(backend: Backend) {
    let app = spawn_app(backend).await;
    // Before anything was audited (to the millisecond, as the query gives it).
    let before = Utc::now() - Duration::milliseconds(1);
    app.operator("admin@example.com", Role::Admin).await;
    let viewer = app.operator("viewer@example.com", Role::Viewer).await;
    // Two failed sign-ins of the viewer, one of an email that is no account, then the viewer
    // and the admin in.
    for _ in 0..2 {
        let refused = app
            .sign_in_response("viewer@example.com", "not the password at all")
            .await;
        assert_eq!(refused.status(), 401);
    }
    let refused = app.sign_in_response("nobody@example.com", PASSWORD).await;
    assert_eq!(refused.status(), 401);
    app.sign_in("viewer@example.com").await;
    let admin = app.sign_in("admin@example.com").await;

    // Everything, newest first, with the total.
    let (all, meta) = audit(&app, &admin, "").await;
    let total = meta["total"].as_u64().unwrap();
    assert_eq!(total as usize, all.len());
    assert_eq!(meta["offset"], 0);
    assert_eq!(meta["limit"], 100);
    assert_eq!(all[0]["event"], "sign_in");
    assert_eq!(all[0]["email"], "admin@example.com");

    // The failures only: three, the unknown email's among them.
    let (failed, meta) = audit(&app, &admin, "event=sign_in_failed").await;
    assert_eq!(meta["total"], 3);
    assert_eq!(events(&failed), ["sign_in_failed"; 3]);
    assert!(
        failed
            .iter()
            .any(|e| e["email"] == "nobody@example.com" && e["operator_id"].is_null())
    );
    // Several events at once.
    let (outcomes, _) = audit(&app, &admin, "event=sign_in,sign_in_failed").await;
    assert_eq!(outcomes.len(), 5);
    assert!(
        events(&outcomes)
            .iter()
            .all(|e| *e == "sign_in" || *e == "sign_in_failed")
    );

    // One operator's entries: the viewer's two failures and sign-in.
    let (viewers, meta) = audit(
        &app,
        &admin,
        &format!("operator_id={}&event=sign_in,sign_in_failed", viewer.id),
    )
    .await;
    assert_eq!(meta["total"], 3);
    assert_eq!(
        events(&viewers),
        ["sign_in", "sign_in_failed", "sign_in_failed"]
    );

    // Pages: two at a time, in order, without overlap.
    let (first, meta) = audit(&app, &admin, "event=sign_in,sign_in_failed&limit=2").await;
    let (second, _) = audit(
        &app,
        &admin,
        "event=sign_in,sign_in_failed&limit=2&offset=2",
    )
    .await;
    let (third, _) = audit(
        &app,
        &admin,
        "event=sign_in,sign_in_failed&limit=2&offset=4",
    )
    .await;
    assert_eq!(meta["total"], 5);
    assert_eq!((first.len(), second.len(), third.len()), (2, 2, 1));
    let ids: Vec<&Value> = first
        .iter()
        .chain(&second)
        .chain(&third)
        .map(|e| &e["id"])
        .collect();
    let expected: Vec<&Value> = outcomes.iter().map(|e| &e["id"]).collect();
    assert_eq!(ids, expected);

    // A time range: everything was after `before`; nothing before it.
    let from = before.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let (since, _) = audit(
        &app,
        &admin,
        &format!("event=sign_in_failed&from={}", urlencode(&from)),
    )
    .await;
    assert_eq!(since.len(), 3);
    let (earlier, meta) = audit(&app, &admin, &format!("to={}", urlencode(&from))).await;
    assert!(earlier.is_empty(), "{earlier:?}");
    assert_eq!(meta["total"], 0);
}

fn urlencode(text: &str) -> String {
    text.replace('+', "%2B").replace(':', "%3A")
}

async fn bad_audit_filters_are_refused_with_their_field(backend: Backend) {
    let app = spawn_app(backend).await;
    app.operator("admin@example.com", Role::Admin).await;
    let admin = app.sign_in("admin@example.com").await;
    for (query, field) in [
        ("event=sign_in,teleported", "event"),
        ("event=", "event"),
        ("event=sign_in,,sign_out", "event"),
        ("offset=1000001", "offset"),
        ("limit=1001", "limit"),
        (
            "from=2026-12-07T10%3A00%3A00Z&to=2026-12-07T09%3A00%3A00Z",
            "from",
        ),
    ] {
        let response = app
            .page_request(
                Method::GET,
                &format!("/console/api/v1/audit?{query}"),
                &admin,
            )
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{query}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "invalid_parameters", "{query}");
        assert_eq!(body["error"]["details"][0]["field"], field, "{query}");
    }
    let response = app
        .page_request(Method::GET, "/console/api/v1/audit?from=yesterday", &admin)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(error_code(response).await, "invalid_query_parameter");
}

on_both_backends!(
    the_audit_filters_by_outcome_operator_and_time_and_pages,
    bad_audit_filters_are_refused_with_their_field,
);
