//! Exceptions: holidays for everyone, leave for one person created pending, approval and
//! rejection once, filters, duplicates, and a decided exception's content frozen.

use serde_json::{Value, json};

use crate::helpers::{Backend, Seed, assert_error, spawn_app};
use crate::on_both_backends;

on_both_backends!(
    holidays_count_at_once_and_leave_waits_for_approval,
    a_decision_is_made_once,
    exceptions_are_listed_by_person_date_type_and_approval,
    bad_exceptions_are_refused_by_field,
    duplicates_and_unknown_persons_are_refused,
    an_organisation_s_holiday_is_a_day_off_for_its_persons_only,
    exceptions_are_listed_by_approval_status_and_organisation,
);

fn codes(body: &Value) -> Vec<(String, String)> {
    body["error"]["details"]
        .as_array()
        .expect("details")
        .iter()
        .map(|d| {
            (
                d["field"].as_str().unwrap().to_owned(),
                d["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn pair(field: &str, code: &str) -> (String, String) {
    (field.to_owned(), code.to_owned())
}

const EXCEPTIONS: &str = "/api/v1/attendance/exceptions";

async fn holidays_count_at_once_and_leave_waits_for_approval(backend: Backend) {
    let app = spawn_app(backend).await;
    let ada = app.seed_person("Ada", Some("Eng"), "active", false).await;
    let holiday = app
        .post_data(
            EXCEPTIONS,
            &json!({"exception_date": "2024-12-25", "exception_type": "holiday",
                    "reason": "Christmas"}),
            201,
        )
        .await;
    assert_eq!(holiday["person_id"], Value::Null);
    assert_eq!(holiday["requires_approval"], false);
    assert_eq!(holiday["approval_status"], "not_required");
    let leave = app
        .post_data(
            EXCEPTIONS,
            &json!({"person_id": ada, "exception_date": "2024-12-27",
                    "exception_type": "leave", "reason": "Family"}),
            201,
        )
        .await;
    assert_eq!(leave["requires_approval"], true);
    assert_eq!(leave["approved"], false);
    assert_eq!(leave["approval_status"], "pending");
    assert_eq!(leave["approved_by"], Value::Null);
    // A special event that asks for approval waits too.
    let event = app
        .post_data(
            EXCEPTIONS,
            &json!({"exception_date": "2024-12-20", "exception_type": "special_event",
                    "reason": "Offsite", "requires_approval": true}),
            201,
        )
        .await;
    assert_eq!(event["approval_status"], "pending");

    let id = leave["id"].as_str().unwrap();
    let approved = app
        .post_data(&format!("{EXCEPTIONS}/{id}/approve"), &json!({}), 200)
        .await;
    assert_eq!(approved["approved"], true);
    assert_eq!(approved["approved_by"], "test");
    assert!(approved["approved_at"].is_string());
    assert_eq!(approved["approval_status"], "approved");
    assert_eq!(
        app.get_ok(&format!("{EXCEPTIONS}/{id}")).await["data"],
        approved
    );
    let audit = app.audit_of("attendance_exception", id).await;
    let actions: Vec<&str> = audit.iter().map(|a| a.0.as_str()).collect();
    assert_eq!(actions, ["create", "approve"]);
    assert_eq!((&audit[1].2, &audit[1].3), (&leave, &approved));

    // Only holidays and approved leave take the day off in a person's statistics: the
    // 25th and 27th are off, 23 weekdays of December less two.
    let stats = app
        .get_ok(&format!(
            "/api/v1/attendance/{ada}/statistics?from_date=2024-12-01&to_date=2024-12-31"
        ))
        .await;
    assert_eq!(stats["data"]["total_working_days"], 20);
}

async fn a_decision_is_made_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let ada = app.seed_person("Ada", None, "active", false).await;
    let leave = |date: &str| {
        json!({"person_id": ada, "exception_date": date,
                                    "exception_type": "leave", "reason": "Rest"})
    };
    let first = app.post_data(EXCEPTIONS, &leave("2024-03-01"), 201).await;
    let second = app.post_data(EXCEPTIONS, &leave("2024-03-04"), 201).await;
    let (first, second) = (
        first["id"].as_str().unwrap(),
        second["id"].as_str().unwrap(),
    );

    let rejected = app
        .post_data(&format!("{EXCEPTIONS}/{first}/reject"), &json!({}), 200)
        .await;
    assert_eq!(rejected["approved"], false);
    assert_eq!(rejected["approved_by"], "test");
    assert_eq!(rejected["approval_status"], "rejected");
    for action in ["approve", "reject"] {
        let response = app
            .post(&format!("{EXCEPTIONS}/{first}/{action}"), &json!({}))
            .await;
        assert_error(response, 409, "exception_already_decided").await;
    }
    app.post_data(&format!("{EXCEPTIONS}/{second}/approve"), &json!({}), 200)
        .await;
    let response = app
        .post(&format!("{EXCEPTIONS}/{second}/reject"), &json!({}))
        .await;
    assert_error(response, 409, "exception_already_decided").await;

    // Decided: the reason may still change, nothing else.
    let response = app
        .patch(
            &format!("{EXCEPTIONS}/{second}"),
            &json!({"exception_date": "2024-03-05"}),
        )
        .await;
    assert_error(response, 409, "exception_already_decided").await;
    let response = app
        .patch(
            &format!("{EXCEPTIONS}/{second}"),
            &json!({"reason": "Rest, approved"}),
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);

    let holiday = app
        .post_data(
            EXCEPTIONS,
            &json!({"exception_date": "2024-01-01", "exception_type": "holiday",
                    "reason": "New year"}),
            201,
        )
        .await;
    let holiday = holiday["id"].as_str().unwrap();
    let response = app
        .post(&format!("{EXCEPTIONS}/{holiday}/approve"), &json!({}))
        .await;
    assert_error(response, 409, "approval_not_required").await;
    let missing = uuid::Uuid::now_v7();
    for action in ["approve", "reject"] {
        let response = app
            .post(&format!("{EXCEPTIONS}/{missing}/{action}"), &json!({}))
            .await;
        assert_error(response, 404, "exception_not_found").await;
    }
    // A pending exception's content may change: a holiday moved is still a holiday.
    let response = app
        .patch(
            &format!("{EXCEPTIONS}/{holiday}"),
            &json!({"exception_date": "2024-01-02"}),
        )
        .await;
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["data"]["exception_date"], "2024-01-02");
    assert_eq!(
        app.delete(&format!("{EXCEPTIONS}/{holiday}"))
            .await
            .status()
            .as_u16(),
        204
    );
    let actions: Vec<String> = app
        .audit_of("attendance_exception", holiday)
        .await
        .into_iter()
        .map(|a| a.0)
        .collect();
    assert_eq!(actions, ["create", "update", "delete"]);
    assert_error(
        app.get(&format!("{EXCEPTIONS}/{holiday}")).await,
        404,
        "exception_not_found",
    )
    .await;
}

async fn exceptions_are_listed_by_person_date_type_and_approval(backend: Backend) {
    let app = spawn_app(backend).await;
    let ada = app.seed_person("Ada", None, "active", false).await;
    let bob = app.seed_person("Bob", None, "active", false).await;
    for (person, date, kind) in [
        (None, "2024-05-01", "holiday"),
        (Some(ada), "2024-05-02", "leave"),
        (Some(ada), "2024-06-03", "leave"),
        (Some(bob), "2024-05-02", "leave"),
        (Some(bob), "2024-05-10", "special_event"),
    ] {
        app.post_data(
            EXCEPTIONS,
            &json!({"person_id": person, "exception_date": date, "exception_type": kind,
                    "reason": "r"}),
            201,
        )
        .await;
    }
    let listed = app.get_ok(&format!("{EXCEPTIONS}?person_id={ada}")).await;
    let ids: Vec<&str> = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["exception_date"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["2024-06-03", "2024-05-02"], "latest first");
    let approve_id = listed["data"][1]["id"].as_str().unwrap().to_owned();
    app.post_data(
        &format!("{EXCEPTIONS}/{approve_id}/approve"),
        &json!({}),
        200,
    )
    .await;

    let total = |query: &str| {
        let app = &app;
        let query = query.to_owned();
        async move { app.get_ok(&format!("{EXCEPTIONS}?{query}")).await["meta"]["total"].clone() }
    };
    assert_eq!(total("").await, 5);
    assert_eq!(total("exception_type=leave").await, 3);
    assert_eq!(total("from_date=2024-05-02&to_date=2024-05-31").await, 3);
    assert_eq!(total("approved=true").await, 1);
    assert_eq!(total(&format!("approved=false&person_id={bob}")).await, 2);
    assert_eq!(total("exception_type=holiday&to_date=2024-04-30").await, 0);
    let page = app
        .get_ok(&format!("{EXCEPTIONS}?page=3&page_size=2"))
        .await;
    assert_eq!(page["data"].as_array().unwrap().len(), 1);
    assert_eq!(page["meta"]["totalPages"], 3);

    for (query, expected) in [
        ("person_id=ada", pair("person_id", "invalid_uuid")),
        ("from_date=2024-13-01", pair("from_date", "invalid_date")),
        (
            "from_date=2024-02-01&to_date=2024-01-01",
            pair("from_date", "invalid_range"),
        ),
        (
            "exception_type=vacation",
            pair("exception_type", "unknown_exception_type"),
        ),
        ("approved=maybe", pair("approved", "invalid_boolean")),
        ("page_size=101", pair("page_size", "out_of_range")),
    ] {
        let response = app.get(&format!("{EXCEPTIONS}?{query}")).await;
        let body = assert_error(response, 400, "invalid_parameters").await;
        assert_eq!(codes(&body), [expected], "{query}");
    }
}

async fn bad_exceptions_are_refused_by_field(backend: Backend) {
    let app = spawn_app(backend).await;
    let ada = app.seed_person("Ada", None, "active", false).await;
    let cases = [
        (
            json!({"person_id": ada, "exception_date": "2024-12-25", "exception_type": "holiday",
                   "reason": "x"}),
            vec![pair("person_id", "not_allowed")],
        ),
        (
            json!({"exception_date": "2024-12-25", "exception_type": "leave", "reason": "x"}),
            vec![pair("person_id", "required")],
        ),
        (
            json!({"person_id": ada, "exception_date": "2024-12-25", "exception_type": "leave",
                   "reason": "x", "requires_approval": false}),
            vec![pair("requires_approval", "approval_required")],
        ),
        (
            json!({"person_id": "ada", "exception_date": "25/12/2024",
                   "exception_type": "vacation", "reason": " "}),
            vec![
                pair("person_id", "invalid_uuid"),
                pair("exception_date", "invalid_date"),
                pair("exception_type", "unknown_exception_type"),
                pair("reason", "required"),
            ],
        ),
        (
            json!({"exception_date": "2024-12-25", "exception_type": "holiday"}),
            vec![pair("reason", "required")],
        ),
    ];
    for (body, expected) in cases {
        let response = app.post(EXCEPTIONS, &body).await;
        let error = assert_error(response, 422, "validation_failed").await;
        assert_eq!(codes(&error), expected, "{body}");
    }
    let holiday = app
        .post_data(
            EXCEPTIONS,
            &json!({"exception_date": "2024-12-25", "exception_type": "holiday", "reason": "x"}),
            201,
        )
        .await;
    // Turning a holiday into leave needs a person.
    let path = format!("{EXCEPTIONS}/{}", holiday["id"].as_str().unwrap());
    let response = app.patch(&path, &json!({"exception_type": "leave"})).await;
    let error = assert_error(response, 422, "validation_failed").await;
    assert_eq!(codes(&error), [pair("person_id", "required")]);
    // With one, it becomes leave that waits for approval.
    let response = app
        .patch(&path, &json!({"exception_type": "leave", "person_id": ada}))
        .await;
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["data"]["approval_status"], "pending", "{body}");
}

async fn duplicates_and_unknown_persons_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let ada = app.seed_person("Ada", None, "active", false).await;
    let gone = app.seed_person("Gone", None, "active", true).await;
    let holiday = json!({"exception_date": "2024-12-25", "exception_type": "holiday",
                         "reason": "Christmas"});
    app.post_data(EXCEPTIONS, &holiday, 201).await;
    assert_error(
        app.post(EXCEPTIONS, &holiday).await,
        409,
        "exception_exists",
    )
    .await;
    let leave = json!({"person_id": ada, "exception_date": "2024-12-25",
                       "exception_type": "leave", "reason": "x"});
    // Leave on a holiday is another exception.
    app.post_data(EXCEPTIONS, &leave, 201).await;
    assert_error(app.post(EXCEPTIONS, &leave).await, 409, "exception_exists").await;
    for person in [gone, uuid::Uuid::now_v7()] {
        let response = app
            .post(
                EXCEPTIONS,
                &json!({"person_id": person, "exception_date": "2024-12-26",
                        "exception_type": "leave", "reason": "x"}),
            )
            .await;
        assert_error(response, 404, "person_not_found").await;
    }
    let missing = uuid::Uuid::now_v7();
    let response = app
        .patch(&format!("{EXCEPTIONS}/{missing}"), &json!({"reason": "x"}))
        .await;
    assert_error(response, 404, "exception_not_found").await;
    assert_error(
        app.delete(&format!("{EXCEPTIONS}/{missing}")).await,
        404,
        "exception_not_found",
    )
    .await;
}

async fn an_organisation_s_holiday_is_a_day_off_for_its_persons_only(backend: Backend) {
    let app = spawn_app(backend).await;
    let ada = app.seed_person("Ada", None, "active", false).await;
    let bob = app.seed_person("Bob", None, "active", false).await;
    app.set_person_details(ada, Some("ACME"), None).await;
    app.set_person_details(bob, Some("Globex"), None).await;
    // Both recorded absent on Monday 23 December, before ACME's holiday was entered.
    for person in [ada, bob] {
        app.seed_record(Seed {
            check_in: None,
            check_out: None,
            ..Seed::new(person, "2024-12-23", "absent")
        })
        .await;
    }

    let holiday = app
        .post_data(
            EXCEPTIONS,
            &json!({"exception_date": "2024-12-23", "exception_type": "holiday",
                    "reason": "ACME's founding day", "organization": "  ACME "}),
            201,
        )
        .await;
    assert_eq!(holiday["organization"], "ACME");
    assert_eq!(holiday["person_id"], Value::Null);
    assert_eq!(holiday["approval_status"], "not_required");

    // The day is decided again: ACME's person was not expected, so no absence is left;
    // Globex's still is.
    let day = |person: uuid::Uuid| {
        let app = &app;
        async move {
            app.get_ok(&format!(
                "/api/v1/attendance/{person}?from_date=2024-12-23&to_date=2024-12-23"
            ))
            .await["data"]
                .clone()
        }
    };
    assert_eq!(day(ada).await, json!([]));
    assert_eq!(day(bob).await[0]["status"], "absent");

    // A person's statistics lose the day only in the organisation: 22 weekdays in December.
    let working_days = |person: uuid::Uuid| {
        let app = &app;
        async move {
            app.get_ok(&format!(
                "/api/v1/attendance/{person}/statistics?from_date=2024-12-01&to_date=2024-12-31"
            ))
            .await["data"]["total_working_days"]
                .clone()
        }
    };
    assert_eq!(working_days(ada).await, 21);
    assert_eq!(working_days(bob).await, 22);

    // The same day may have a holiday of another organisation, but not a second of ACME's.
    app.post_data(
        EXCEPTIONS,
        &json!({"exception_date": "2024-12-23", "exception_type": "holiday",
                "reason": "Globex too", "organization": "Globex"}),
        201,
    )
    .await;
    assert_eq!(working_days(bob).await, 21);
    let response = app
        .post(
            EXCEPTIONS,
            &json!({"exception_date": "2024-12-23", "exception_type": "holiday",
                    "reason": "again", "organization": "ACME"}),
        )
        .await;
    assert_error(response, 409, "exception_exists").await;

    // Made everyone's: the organisation is cleared by `null`.
    let id = holiday["id"].as_str().unwrap();
    let everyone = app
        .patch(
            &format!("{EXCEPTIONS}/{id}"),
            &json!({"organization": null}),
        )
        .await;
    let body: Value = everyone.json().await.expect("json");
    assert_eq!(body["data"]["organization"], Value::Null, "{body}");

    // An organisation's exception names no person; leave is a person's.
    let response = app
        .post(
            EXCEPTIONS,
            &json!({"person_id": ada, "exception_date": "2024-12-24", "exception_type": "leave",
                    "reason": "r", "organization": "ACME"}),
        )
        .await;
    let body = assert_error(response, 422, "validation_failed").await;
    assert_eq!(codes(&body), [pair("organization", "not_allowed")]);
    let response = app
        .post(
            EXCEPTIONS,
            &json!({"exception_date": "2024-12-24", "exception_type": "holiday",
                    "reason": "r", "organization": ""}),
        )
        .await;
    let body = assert_error(response, 422, "validation_failed").await;
    assert_eq!(codes(&body), [pair("organization", "required")]);
}

async fn exceptions_are_listed_by_approval_status_and_organisation(backend: Backend) {
    let app = spawn_app(backend).await;
    let ada = app.seed_person("Ada", None, "active", false).await;
    let mut leave = Vec::new();
    for date in ["2024-05-02", "2024-05-03", "2024-05-06"] {
        let created = app
            .post_data(
                EXCEPTIONS,
                &json!({"person_id": ada, "exception_date": date, "exception_type": "leave",
                        "reason": "r"}),
                201,
            )
            .await;
        leave.push(created["id"].as_str().unwrap().to_owned());
    }
    app.post_data(
        &format!("{EXCEPTIONS}/{}/approve", leave[0]),
        &json!({}),
        200,
    )
    .await;
    app.post_data(
        &format!("{EXCEPTIONS}/{}/reject", leave[1]),
        &json!({}),
        200,
    )
    .await;
    app.post_data(
        EXCEPTIONS,
        &json!({"exception_date": "2024-05-01", "exception_type": "holiday", "reason": "May day",
                "organization": "ACME"}),
        201,
    )
    .await;

    let listed = |query: &str| {
        let app = &app;
        let query = query.to_owned();
        async move {
            let body = app.get_ok(&format!("{EXCEPTIONS}?{query}")).await;
            body["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["exception_date"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    // `approved=false` cannot tell pending from rejected or from needing no approval.
    assert_eq!(listed("approved=false").await.len(), 3);
    assert_eq!(listed("approval_status=pending").await, ["2024-05-06"]);
    assert_eq!(listed("approval_status=approved").await, ["2024-05-02"]);
    assert_eq!(listed("approval_status=rejected").await, ["2024-05-03"]);
    assert_eq!(listed("approval_status=not_required").await, ["2024-05-01"]);
    assert_eq!(listed("organization=ACME").await, ["2024-05-01"]);
    assert!(listed("organization=Globex").await.is_empty());

    let response = app
        .get(&format!("{EXCEPTIONS}?approval_status=waiting"))
        .await;
    let body = assert_error(response, 400, "invalid_parameters").await;
    assert_eq!(
        codes(&body),
        [pair("approval_status", "unknown_approval_status")]
    );
}
