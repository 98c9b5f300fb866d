//! The person routes: create, read, update, delete, list, search, summary.

use serde_json::{Value, json};

use crate::helpers::{Backend, assert_error, person_body, spawn_app};
use crate::on_both_backends;

on_both_backends!(
    create_returns_the_spec_body,
    create_applies_defaults_and_normalises,
    create_reports_every_invalid_field,
    duplicate_email_is_a_conflict_regardless_of_case,
    duplicate_id_number_is_a_conflict,
    get_returns_the_person_and_404_for_unknown,
    update_changes_only_given_fields_and_null_clears,
    update_rejects_null_required_fields_and_conflicts,
    delete_erases_and_then_404s,
    list_paginates_in_a_stable_order,
    list_rejects_out_of_range_pages,
    list_combines_filters,
    search_matches_partial_name_email_and_id_number,
    search_needs_a_term_and_treats_wildcards_literally,
    summary_reflects_every_write_at_once,
    list_totals_stay_exact_through_changes,
);

fn full_person() -> Value {
    json!({
        "first_name": "John",
        "last_name": "Doe",
        "email": "john.doe@company.com",
        "phone": "+1234567890",
        "person_type": "employee",
        "id_number": "EMP123456",
        "id_type": "employee_id",
        "department": "Engineering",
        "organization": "ACME Corp",
        "status": "active"
    })
}

async fn create_returns_the_spec_body(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = app.post_json("/api/v1/persons", &full_person()).await;
    assert_eq!(response.status().as_u16(), 201);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["success"], true);
    assert_eq!(body["meta"], json!({"created": true}));
    let data = &body["data"];
    for (field, value) in full_person().as_object().unwrap() {
        assert_eq!(&data[field], value, "field {field}");
    }
    assert_eq!(data["face_encoding_count"], 0);
    assert_eq!(data["enrolled_at"], Value::Null);
    assert_eq!(data["last_face_enrolled"], Value::Null);
    assert!(uuid::Uuid::parse_str(data["id"].as_str().unwrap()).is_ok());
    let created = data["createdAt"].as_str().unwrap();
    assert!(
        chrono::DateTime::parse_from_rfc3339(created).is_ok(),
        "{created}"
    );
    assert_eq!(data["createdAt"], data["updatedAt"]);

    // What was returned is what is stored.
    let fetched: Value = app
        .get(&format!("/api/v1/persons/{}", data["id"].as_str().unwrap()))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(&fetched["data"], data);
}

async fn create_applies_defaults_and_normalises(backend: Backend) {
    let app = spawn_app(backend).await;
    let person = app
        .create_person(json!({
            "first_name": "  Ada ",
            "last_name": "Lovelace",
            "email": " Ada@Example.com ",
            "phone": "+44 (20) 7946-0958",
            "department": null
        }))
        .await;
    assert_eq!(person["first_name"], "Ada");
    assert_eq!(person["email"], "Ada@Example.com");
    assert_eq!(person["phone"], "+442079460958");
    assert_eq!(person["person_type"], "employee");
    assert_eq!(person["status"], "active");
    assert_eq!(person["department"], Value::Null);
}

async fn create_reports_every_invalid_field(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = app
        .post_json(
            "/api/v1/persons",
            &json!({
                "first_name": "",
                "last_name": "x".repeat(101),
                "email": "not-an-email",
                "phone": "12345",
                "person_type": "boss",
                "status": "deleted",
                "department": "   "
            }),
        )
        .await;
    let body = assert_error(response, 422, "validation_failed").await;
    let mut fields: Vec<(String, String)> = body["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["field"].as_str().unwrap().to_owned(),
                d["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    fields.sort();
    let expected = [
        ("department", "required"),
        ("email", "invalid_email"),
        ("first_name", "required"),
        ("last_name", "too_long"),
        ("person_type", "invalid_person_type"),
        ("phone", "invalid_phone"),
        ("status", "invalid_status"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(f, c)| (f.to_string(), c.to_string()))
        .collect();
    assert_eq!(fields, expected);

    let summary: Value = app
        .get("/api/v1/persons/summary")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        summary["data"]["total_persons"], 0,
        "nothing invalid was stored"
    );
}

async fn duplicate_email_is_a_conflict_regardless_of_case(backend: Backend) {
    let app = spawn_app(backend).await;
    app.create_person(full_person()).await;
    let mut twin = person_body("other");
    twin["email"] = json!("JOHN.DOE@Company.COM");
    assert_error(
        app.post_json("/api/v1/persons", &twin).await,
        409,
        "email_taken",
    )
    .await;
}

async fn duplicate_id_number_is_a_conflict(backend: Backend) {
    let app = spawn_app(backend).await;
    app.create_person(full_person()).await;
    let mut twin = person_body("other");
    twin["id_number"] = json!("EMP123456");
    assert_error(
        app.post_json("/api/v1/persons", &twin).await,
        409,
        "id_number_taken",
    )
    .await;
    // Several persons without an id number are fine.
    app.create_person(person_body("a")).await;
    app.create_person(person_body("b")).await;
}

async fn get_returns_the_person_and_404_for_unknown(backend: Backend) {
    let app = spawn_app(backend).await;
    let person = app.create_person(full_person()).await;
    let response = app
        .get(&format!(
            "/api/v1/persons/{}",
            person["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["data"]["email"], "john.doe@company.com");
    let unknown = uuid::Uuid::now_v7();
    assert_error(
        app.get(&format!("/api/v1/persons/{unknown}")).await,
        404,
        "person_not_found",
    )
    .await;
}

async fn update_changes_only_given_fields_and_null_clears(backend: Backend) {
    let app = spawn_app(backend).await;
    let person = app.create_person(full_person()).await;
    let path = format!("/api/v1/persons/{}", person["id"].as_str().unwrap());

    // The spec's example body.
    let response = app
        .put_json(&path, &json!({"department": "Sales", "status": "inactive"}))
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let updated: Value = response.json().await.unwrap();
    let updated = &updated["data"];
    assert_eq!(updated["department"], "Sales");
    assert_eq!(updated["status"], "inactive");
    assert_eq!(updated["first_name"], "John");
    assert_eq!(updated["phone"], "+1234567890");
    assert_eq!(updated["createdAt"], person["createdAt"]);
    assert_ne!(updated["updatedAt"], person["updatedAt"]);

    let cleared: Value = app
        .put_json(&path, &json!({"phone": null, "id_number": null}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(cleared["data"]["phone"], Value::Null);
    assert_eq!(cleared["data"]["id_number"], Value::Null);

    // An empty change is accepted and changes nothing.
    let same: Value = app.put_json(&path, &json!({})).await.json().await.unwrap();
    assert_eq!(same["data"], cleared["data"]);

    let unknown = uuid::Uuid::now_v7();
    assert_error(
        app.put_json(
            &format!("/api/v1/persons/{unknown}"),
            &json!({"status": "active"}),
        )
        .await,
        404,
        "person_not_found",
    )
    .await;
}

async fn update_rejects_null_required_fields_and_conflicts(backend: Backend) {
    let app = spawn_app(backend).await;
    let person = app.create_person(full_person()).await;
    let other = app.create_person(person_body("other")).await;
    let path = format!("/api/v1/persons/{}", other["id"].as_str().unwrap());

    let body = assert_error(
        app.put_json(&path, &json!({"first_name": null, "status": "gone"}))
            .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(body["error"]["details"].as_array().unwrap().len(), 2);

    assert_error(
        app.put_json(&path, &json!({"email": "John.Doe@company.com"}))
            .await,
        409,
        "email_taken",
    )
    .await;
    assert_error(
        app.put_json(&path, &json!({"id_number": "EMP123456"}))
            .await,
        409,
        "id_number_taken",
    )
    .await;

    // A person may keep (or re-case) their own email.
    let own = format!("/api/v1/persons/{}", person["id"].as_str().unwrap());
    let response = app
        .put_json(&own, &json!({"email": "JOHN.DOE@company.com"}))
        .await;
    assert_eq!(response.status().as_u16(), 200);
}

async fn delete_erases_and_then_404s(backend: Backend) {
    let app = spawn_app(backend).await;
    let person = app.create_person(full_person()).await;
    let path = format!("/api/v1/persons/{}", person["id"].as_str().unwrap());
    let saved = app
        .put_json(
            &format!("{path}/metadata"),
            &json!({"address": "1 Main St"}),
        )
        .await;
    assert_eq!(saved.status().as_u16(), 200);

    let response = app.delete(&path).await;
    assert_eq!(response.status().as_u16(), 204);
    assert!(response.bytes().await.unwrap().is_empty());
    assert_error(app.get(&path).await, 404, "person_not_found").await;
    assert_error(
        app.get(&format!("{path}/metadata")).await,
        404,
        "person_not_found",
    )
    .await;
    assert_error(app.delete(&path).await, 404, "person_not_found").await;

    // The email is free again.
    app.create_person(full_person()).await;
}

async fn list_paginates_in_a_stable_order(backend: Backend) {
    let app = spawn_app(backend).await;
    let ids = app.create_people("p", 25).await;

    let mut seen = Vec::new();
    for page in 1..=3 {
        let body: Value = app
            .get(&format!("/api/v1/persons?page={page}&page_size=10"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            body["meta"],
            json!({"page": page, "pageSize": 10, "total": 25, "totalPages": 3})
        );
        let items = body["data"].as_array().unwrap();
        assert_eq!(items.len(), if page < 3 { 10 } else { 5 });
        seen.extend(items.iter().map(|p| p["id"].as_str().unwrap().to_owned()));
    }
    assert_eq!(
        seen, ids,
        "pages follow creation order with no gap or repeat"
    );

    let beyond: Value = app
        .get("/api/v1/persons?page=4&page_size=10")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(beyond["data"], json!([]));
    assert_eq!(beyond["meta"]["total"], 25);

    let default: Value = app.get("/api/v1/persons").await.json().await.unwrap();
    assert_eq!(default["meta"]["pageSize"], 20);
    assert_eq!(default["data"].as_array().unwrap().len(), 20);

    let max: Value = app
        .get("/api/v1/persons?page_size=100")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(max["data"].as_array().unwrap().len(), 25);
}

async fn list_rejects_out_of_range_pages(backend: Backend) {
    let app = spawn_app(backend).await;
    for query in [
        "page=0",
        "page=-1",
        "page_size=0",
        "page_size=101",
        "status=retired",
        "person_type=robot",
    ] {
        assert_error(
            app.get(&format!("/api/v1/persons?{query}")).await,
            400,
            "invalid_parameters",
        )
        .await;
    }
    for query in ["page=abc", "page_size=1.5", "has_faces=maybe"] {
        assert_error(
            app.get(&format!("/api/v1/persons?{query}")).await,
            400,
            "invalid_query_parameter",
        )
        .await;
    }
}

async fn list_combines_filters(backend: Backend) {
    let app = spawn_app(backend).await;
    let people = [
        ("a", "employee", "active", "Engineering", "ACME"),
        ("b", "employee", "inactive", "Engineering", "ACME"),
        ("c", "visitor", "active", "Engineering", "ACME"),
        ("d", "employee", "active", "Sales", "ACME"),
        ("e", "employee", "active", "Engineering", "Globex"),
        ("f", "contractor", "archived", "Sales", "Globex"),
    ];
    for (key, person_type, status, department, organization) in people {
        let mut body = person_body(key);
        body["person_type"] = json!(person_type);
        body["status"] = json!(status);
        body["department"] = json!(department);
        body["organization"] = json!(organization);
        app.create_person(body).await;
    }
    let names = |body: Value| -> Vec<String> {
        body["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["first_name"].as_str().unwrap().to_owned())
            .collect()
    };
    let query = async |q: &str| -> Value {
        app.get(&format!("/api/v1/persons?{q}"))
            .await
            .json()
            .await
            .unwrap()
    };

    assert_eq!(
        names(
            query("status=active&person_type=employee&department=Engineering&organization=ACME")
                .await
        ),
        ["Firsta"]
    );
    assert_eq!(names(query("department=Sales").await), ["Firstd", "Firstf"]);
    assert_eq!(
        names(query("status=active&department=Engineering").await),
        ["Firsta", "Firstc", "Firste"]
    );
    assert_eq!(
        names(query("person_type=contractor&status=archived").await),
        ["Firstf"]
    );
    assert_eq!(
        names(query("has_faces=false&organization=Globex").await),
        ["Firste", "Firstf"]
    );
    let with_faces = query("has_faces=true").await;
    assert_eq!(with_faces["meta"]["total"], 0);
    assert_eq!(
        query("department=engineering").await["meta"]["total"],
        0,
        "filters are exact"
    );
}

async fn search_matches_partial_name_email_and_id_number(backend: Backend) {
    let app = spawn_app(backend).await;
    app.create_person(full_person()).await;
    app.create_person(json!({"first_name": "Johanna", "last_name": "Smith", "email": "jsmith@corp.example.org", "id_number": "X-998"})).await;
    app.create_person(json!({"first_name": "Ada", "last_name": "Lovelace", "email": "ada@analytical.example.com"})).await;

    let search = async |q: &str| -> Vec<String> {
        let body: Value = app
            .get(&format!("/api/v1/persons/search?q={q}"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(body["success"], true);
        assert_eq!(
            body["meta"]["total"].as_u64().unwrap() as usize,
            body["data"].as_array().unwrap().len()
        );
        body["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["last_name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(search("joh").await, ["Doe", "Smith"]);
    assert_eq!(search("JOHN").await, ["Doe"]);
    assert_eq!(search("ovel").await, ["Lovelace"]);
    assert_eq!(search("corp.example").await, ["Smith"]);
    assert_eq!(search("emp123").await, ["Doe"]);
    assert_eq!(search("x-99").await, ["Smith"]);
    assert_eq!(search("nobody").await, Vec::<String>::new());

    let paged: Value = app
        .get("/api/v1/persons/search?q=example&page=2&page_size=1")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        paged["meta"],
        json!({"page": 2, "pageSize": 1, "total": 2, "totalPages": 2})
    );
}

async fn search_needs_a_term_and_treats_wildcards_literally(backend: Backend) {
    let app = spawn_app(backend).await;
    app.create_person(full_person()).await;
    assert_error(
        app.get("/api/v1/persons/search").await,
        400,
        "invalid_parameters",
    )
    .await;
    assert_error(
        app.get("/api/v1/persons/search?q=%20%20").await,
        400,
        "invalid_parameters",
    )
    .await;
    for wildcard in ["%25", "_", "%5C"] {
        let body: Value = app
            .get(&format!("/api/v1/persons/search?q={wildcard}"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(body["meta"]["total"], 0, "{wildcard} must match literally");
    }
}

async fn summary_reflects_every_write_at_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let summary = async || -> Value {
        app.get("/api/v1/persons/summary")
            .await
            .json()
            .await
            .unwrap()
    };
    let empty = summary().await;
    assert_eq!(
        empty["data"],
        json!({
            "total_persons": 0, "active_persons": 0, "persons_with_faces": 0,
            "by_type": {"employee": 0, "visitor": 0, "contractor": 0},
            "by_status": {"active": 0, "inactive": 0, "archived": 0}
        })
    );
    let a = app.create_person(person_body("a")).await;
    let mut visitor = person_body("v");
    visitor["person_type"] = json!("visitor");
    app.create_person(visitor).await;
    let after_create = summary().await;
    assert_eq!(after_create["data"]["total_persons"], 2);
    assert_eq!(after_create["data"]["active_persons"], 2);
    assert_eq!(after_create["data"]["by_type"]["visitor"], 1);

    let path = format!("/api/v1/persons/{}", a["id"].as_str().unwrap());
    app.put_json(&path, &json!({"status": "inactive"})).await;
    let after_update = summary().await;
    assert_eq!(after_update["data"]["active_persons"], 1);
    assert_eq!(after_update["data"]["by_status"]["inactive"], 1);

    app.delete(&path).await;
    let after_delete = summary().await;
    assert_eq!(after_delete["data"]["total_persons"], 1);
    assert_eq!(after_delete["data"]["by_type"]["employee"], 0);
}

async fn list_totals_stay_exact_through_changes(backend: Backend) {
    let app = spawn_app(backend).await;
    let departments = [None, Some("Engineering"), Some("Sales")];
    let organizations = [None, Some("ACME"), Some("Globex")];
    let types = ["employee", "visitor", "contractor"];
    let statuses = ["active", "inactive", "archived"];
    let mut ids = Vec::new();
    for i in 0..24usize {
        let mut body = person_body(&format!("t{i}"));
        body["person_type"] = json!(types[i % 3]);
        body["status"] = json!(statuses[(i / 3) % 3]);
        body["department"] = json!(departments[i % 3]);
        body["organization"] = json!(organizations[(i / 2) % 3]);
        ids.push(
            app.create_person(body).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    // Move people between every kind of facet, clear fields, and delete some.
    for (i, id) in ids.iter().enumerate() {
        let path = format!("/api/v1/persons/{id}");
        match i % 6 {
            0 => assert_eq!(app.delete(&path).await.status().as_u16(), 204),
            1 => {
                app.put_json(&path, &json!({"department": null, "status": "archived"}))
                    .await;
            }
            2 => {
                app.put_json(
                    &path,
                    &json!({"organization": "Globex", "person_type": "visitor"}),
                )
                .await;
            }
            3 => {
                app.put_json(&path, &json!({"department": "Sales", "organization": null}))
                    .await;
            }
            4 => {
                app.put_json(&path, &json!({"status": "active"})).await;
            }
            _ => {}
        }
    }
    let mut queries = vec![String::new()];
    for status in statuses {
        queries.push(format!("status={status}"));
        for department in ["Engineering", "Sales"] {
            queries.push(format!("status={status}&department={department}"));
        }
    }
    for person_type in types {
        for organization in ["ACME", "Globex"] {
            queries.push(format!(
                "person_type={person_type}&organization={organization}&has_faces=false"
            ));
        }
    }
    for query in queries {
        let body: Value = app
            .get(&format!("/api/v1/persons?page_size=100&{query}"))
            .await
            .json()
            .await
            .unwrap();
        let listed = body["data"].as_array().unwrap().len() as u64;
        assert_eq!(
            body["meta"]["total"].as_u64().unwrap(),
            listed,
            "total for ?{query}"
        );
    }
    let summary: Value = app
        .get("/api/v1/persons/summary")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(summary["data"]["total_persons"], 20);
}
