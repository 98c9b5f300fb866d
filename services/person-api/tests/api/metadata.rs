//! PersonMetadata: address, emergency contact, preferences, custom fields.

use serde_json::{Value, json};

use crate::helpers::{Backend, assert_error, person_body, spawn_app};
use crate::on_both_backends;

on_both_backends!(
    metadata_is_created_changed_and_cleared,
    metadata_is_validated
);

async fn metadata_is_created_changed_and_cleared(backend: Backend) {
    let app = spawn_app(backend).await;
    let person = app.create_person(person_body("m")).await;
    let path = format!(
        "/api/v1/persons/{}/metadata",
        person["id"].as_str().unwrap()
    );

    let empty: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(
        empty["data"],
        json!({
            "person_id": person["id"], "address": null, "emergency_contact": null, "emergency_phone": null,
            "preferences": {}, "custom_fields": {}, "createdAt": null, "updatedAt": null
        })
    );

    let saved: Value = app
        .put_json(
            &path,
            &json!({
                "address": "1 Main St, Springfield",
                "emergency_contact": "Jane Doe",
                "emergency_phone": "+1 555 010 9999",
                "preferences": {"notify": {"email": true, "sms": false}},
                "custom_fields": {"badge": 42, "shift": "night"}
            }),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(saved["data"]["emergency_phone"], "+15550109999");
    assert!(saved["data"]["createdAt"].is_string());

    let partial: Value = app
        .put_json(
            &path,
            &json!({"address": null, "custom_fields": {"badge": 43}}),
        )
        .await
        .json()
        .await
        .unwrap();
    let data = &partial["data"];
    assert_eq!(data["address"], Value::Null);
    assert_eq!(data["emergency_contact"], "Jane Doe");
    assert_eq!(data["custom_fields"], json!({"badge": 43}));
    assert_eq!(
        data["preferences"],
        json!({"notify": {"email": true, "sms": false}})
    );
    assert_eq!(data["createdAt"], saved["data"]["createdAt"]);

    let fetched: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(fetched["data"], partial["data"]);
}

async fn metadata_is_validated(backend: Backend) {
    let app = spawn_app(backend).await;
    let person = app.create_person(person_body("m")).await;
    let path = format!(
        "/api/v1/persons/{}/metadata",
        person["id"].as_str().unwrap()
    );
    let cases = [
        (json!({"emergency_phone": "555-0100"}), "emergency_phone"),
        (json!({"preferences": "dark-mode"}), "preferences"),
        (json!({"custom_fields": 7}), "custom_fields"),
        (
            json!({"custom_fields": {"blob": "x".repeat(40_000)}}),
            "custom_fields",
        ),
        (json!({"address": "a".repeat(501)}), "address"),
        (json!({"nickname": "Jo"}), "nickname"),
        // U+0000 cannot be stored in PostgreSQL's jsonb: refused, in a key or in a string at
        // any depth (it was a 500 once).
        (json!({"custom_fields": {"a\u{0}b": 1}}), "custom_fields"),
        (
            json!({"preferences": {"theme": [{"name": "dark\u{0}"}]}}),
            "preferences",
        ),
    ];
    for (body, field) in cases {
        let error = assert_error(app.put_json(&path, &body).await, 422, "validation_failed").await;
        assert_eq!(error["error"]["details"][0]["field"], field, "{body}");
    }
    let error = assert_error(
        app.put_json(&path, &json!({"custom_fields": {"k": "\u{0}"}}))
            .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(error["error"]["details"][0]["code"], "invalid_characters");
    // Everything else JSON can say is kept as sent, on both backends.
    let odd = json!({"": {}, "\u{1}\u{b7}": [[], {"x": null}], "n": -2.2250738585e-300, "big": 49076784155_i64});
    let saved: Value = app
        .put_json(&path, &json!({"custom_fields": odd}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(saved["data"]["custom_fields"], odd);
    let unknown = format!("/api/v1/persons/{}/metadata", uuid::Uuid::now_v7());
    assert_error(app.get(&unknown).await, 404, "person_not_found").await;
    assert_error(
        app.put_json(&unknown, &json!({"address": "x"})).await,
        404,
        "person_not_found",
    )
    .await;
}
