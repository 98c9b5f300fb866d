//! Odoo and Frappe HRMS destinations end to end: the service's deliveries reach a server
//! started in the test that answers as each system's documented API does (Odoo 19's JSON-2
//! `hr.attendance`/`hr.employee` calls, Frappe HRMS's `add_log_based_on_employee_field` and
//! resource `PUT`), request bodies asserted field by field.

use std::sync::{Arc, Mutex};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Backend, Mark, spawn_app};

/// One `hr.attendance` record as the fake Odoo keeps it.
#[derive(Debug, Clone, PartialEq)]
struct Attendance {
    id: i64,
    employee_id: i64,
    check_in: String,
    check_out: Option<String>,
}

#[derive(Default)]
struct OdooState {
    attendances: Vec<Attendance>,
    /// Every (model/method, body) called.
    calls: Vec<(String, Value)>,
}

/// Odoo 19 answering JSON-2 for one API key and the employees 7 (active) only.
#[derive(Clone)]
struct Odoo {
    port: u16,
    state: Arc<Mutex<OdooState>>,
}

const ODOO_KEY: &str = "odoo-api-key-1";

async fn odoo_call(
    request: HttpRequest,
    body: web::Json<Value>,
    state: web::Data<Arc<Mutex<OdooState>>>,
) -> HttpResponse {
    let auth = request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if auth != format!("bearer {ODOO_KEY}") {
        return HttpResponse::Unauthorized().json(json!({
            "name": "werkzeug.exceptions.Unauthorized",
            "message": "Invalid apikey", "arguments": ["Invalid apikey", 401],
            "context": {}, "debug": "",
        }));
    }
    let path = request.path().trim_start_matches("/json/2/").to_owned();
    let body = body.into_inner();
    let mut state = state.lock().expect("odoo state");
    state.calls.push((path.clone(), body.clone()));
    let employee_of = |domain: &Value| domain[0][2].as_i64().unwrap_or_default();
    match path.as_str() {
        "hr.employee/search_read" => {
            assert_eq!(body["context"]["active_test"], false, "{body}");
            let id = employee_of(&body["domain"]);
            let found: Vec<Value> = [7]
                .iter()
                .filter(|e| **e == id)
                .map(|e| json!({"id": e, "active": true}))
                .collect();
            HttpResponse::Ok().json(found)
        }
        "hr.attendance/search_read" => {
            let domain = &body["domain"];
            assert_eq!(domain[0][0], "employee_id", "{body}");
            let employee = employee_of(domain);
            let check_in = domain
                .as_array()
                .and_then(|d| d.iter().find(|t| t[0] == "check_in"))
                .and_then(|t| t[2].as_str())
                .map(str::to_owned);
            let records: Vec<Value> = state
                .attendances
                .iter()
                .filter(|a| {
                    a.employee_id == employee
                        && (a.check_out.is_none() || Some(&a.check_in) == check_in.as_ref())
                })
                .map(|a| {
                    json!({"id": a.id, "check_in": a.check_in,
                           "check_out": a.check_out.clone().map_or(json!(false), Value::from)})
                })
                .collect();
            HttpResponse::Ok().json(records)
        }
        "hr.attendance/create" => {
            let vals = &body["vals_list"][0];
            let id = i64::try_from(state.attendances.len()).unwrap_or_default() + 1;
            state.attendances.push(Attendance {
                id,
                employee_id: vals["employee_id"].as_i64().expect("employee_id"),
                check_in: vals["check_in"].as_str().expect("check_in").to_owned(),
                check_out: vals["check_out"].as_str().map(str::to_owned),
            });
            HttpResponse::Ok().json(json!([id]))
        }
        "hr.attendance/write" => {
            let id = body["ids"][0].as_i64().expect("ids");
            let Some(record) = state.attendances.iter_mut().find(|a| a.id == id) else {
                return HttpResponse::NotFound().json(json!({
                    "name": "odoo.exceptions.MissingError",
                    "message": "Record does not exist or has been deleted.",
                    "arguments": [], "context": {}, "debug": "",
                }));
            };
            if let Some(at) = body["vals"]["check_in"].as_str() {
                record.check_in = at.to_owned();
            }
            if let Some(at) = body["vals"]["check_out"].as_str() {
                record.check_out = Some(at.to_owned());
            }
            HttpResponse::Ok().json(true)
        }
        other => panic!("unexpected Odoo call {other}"),
    }
}

impl Odoo {
    fn start() -> Self {
        let state = Arc::new(Mutex::new(OdooState::default()));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind odoo");
        let port = listener.local_addr().expect("address").port();
        let data = web::Data::new(state.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .route("/json/2/{model}/{method}", web::post().to(odoo_call))
        })
        .listen(listener)
        .expect("odoo listens")
        .workers(1)
        .disable_signals()
        .run();
        tokio::spawn(server);
        Self { port, state }
    }

    fn attendances(&self) -> Vec<Attendance> {
        self.state.lock().expect("odoo state").attendances.clone()
    }
}

fn odoo_time(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S").to_string()
}

#[tokio::test]
async fn odoo_gets_one_attendance_per_stay_corrections_rewrite_it_unknown_employees_are_refused() {
    let app = spawn_app(Backend::Sqlite).await;
    let odoo = Odoo::start();

    // Its settings are checked on the way in, every bad field named.
    let bad = app
        .post(
            "/api/v1/destinations",
            Some(json!({"name": "ERP", "kind": "odoo", "allow_private": true,
                        "config": {"url": "ftp://erp", "database": " ", "protocol": "soap"}})),
        )
        .await;
    assert_eq!(bad.status().as_u16(), 422);
    let bad: Value = bad.json().await.expect("json");
    let text = bad.to_string();
    for field in [
        "config.url",
        "config.database",
        "config.api_key",
        "config.protocol",
    ] {
        assert!(text.contains(field), "{field} not reported: {text}");
    }

    let created = app
        .post(
            "/api/v1/destinations",
            Some(json!({
                "name": "ERP", "kind": "odoo", "allow_private": true,
                "mapping_field": "id_number",
                "event_types": ["check_in", "check_out", "correction", "absence"],
                "config": {"url": format!("http://127.0.0.1:{}", odoo.port), "database": "prod",
                           "api_key": ODOO_KEY, "protocol": "json2"},
            })),
        )
        .await;
    assert_eq!(created.status().as_u16(), 201);
    let created: Value = created.json().await.expect("json");
    assert!(
        !created.to_string().contains(ODOO_KEY),
        "the key is shown: {created}"
    );
    assert_eq!(created["data"]["secret"], Value::Null);
    assert_eq!(created["data"]["config"]["database"], "prod");
    let destination = created["data"]["id"].as_str().expect("id").to_owned();

    let person = Uuid::new_v4();
    app.publish_person(person, Some("7"), false).await;
    let check_in = Mark::check_in(person);
    app.publish_mark(&check_in).await;
    app.publish_mark(&check_in.check_out()).await;
    let delivered = app
        .wait_for_deliveries(&format!("destination_id={destination}&status=delivered"), 2)
        .await;
    let attendances = odoo.attendances();
    assert_eq!(
        attendances,
        vec![Attendance {
            id: 1,
            employee_id: 7,
            check_in: odoo_time(check_in.at),
            check_out: Some(odoo_time(check_in.check_out().at)),
        }],
        "one hr.attendance with both times"
    );
    assert!(delivered.iter().all(|d| d["external_record"] == "1"));

    // A later check-in of the same day record rewrites the same record's check_in.
    let corrected_at = check_in.at + chrono::Duration::minutes(5);
    app.publish_mark(&Mark {
        at: corrected_at,
        event_id: None,
        ..check_in.clone()
    })
    .await;
    app.wait_for_deliveries(&format!("destination_id={destination}&status=delivered"), 3)
        .await;
    let attendances = odoo.attendances();
    assert_eq!(attendances.len(), 1, "{attendances:?}");
    assert_eq!(attendances[0].check_in, odoo_time(corrected_at));
    let writes: Vec<Value> = odoo
        .state
        .lock()
        .expect("odoo state")
        .calls
        .iter()
        .filter(|(path, _)| path == "hr.attendance/write")
        .map(|(_, body)| body.clone())
        .collect();
    assert_eq!(
        writes.last(),
        Some(&json!({"ids": [1], "vals": {"check_in": odoo_time(corrected_at)}}))
    );

    // An employee Odoo does not know: refused, with its code, in the log; nothing made.
    let stranger = Uuid::new_v4();
    app.publish_person(stranger, Some("99"), false).await;
    app.publish_mark(&Mark::check_in(stranger)).await;
    let refused = app
        .wait_for_deliveries(
            &format!("destination_id={destination}&status=refused&person_id={stranger}"),
            1,
        )
        .await;
    assert_eq!(refused[0]["refusal"], "employee_not_found");
    assert_eq!(odoo.attendances().len(), 1);

    // An hr.employee id must be an integer: refused, never sent.
    let named = Uuid::new_v4();
    app.publish_person(named, Some("E-12"), false).await;
    app.publish_mark(&Mark::check_in(named)).await;
    let refused = app
        .wait_for_deliveries(
            &format!("destination_id={destination}&status=refused&person_id={named}"),
            1,
        )
        .await;
    assert_eq!(refused[0]["refusal"], "employee_not_found");
}

#[derive(Default)]
struct FrappeState {
    logs: Vec<Value>,
    updates: Vec<(String, Value)>,
}

const FRAPPE_AUTH: &str = "token fk:fs";

async fn frappe_add_log(
    request: HttpRequest,
    body: web::Json<Value>,
    state: web::Data<Arc<Mutex<FrappeState>>>,
) -> HttpResponse {
    assert_eq!(
        request
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok()),
        Some(FRAPPE_AUTH)
    );
    let body = body.into_inner();
    if body["employee_field_value"] != "EMP-1" {
        let message = json!({"message": "No Employee found for the given employee field value. 'attendance_device_id': EMP-X", "title": "Message"});
        return HttpResponse::build(actix_web::http::StatusCode::EXPECTATION_FAILED).json(json!({
            "exc_type": "ValidationError",
            "_server_messages": serde_json::to_string(&[message.to_string()]).unwrap_or_default(),
        }));
    }
    let mut state = state.lock().expect("frappe state");
    state.logs.push(body.clone());
    let name = format!("EMP-CKIN-{:05}", state.logs.len());
    HttpResponse::Ok().json(json!({"message": {
        "name": name, "doctype": "Employee Checkin", "employee": "HR-EMP-00001",
        "log_type": body["log_type"], "time": body["timestamp"],
    }}))
}

async fn frappe_update(
    name: web::Path<(String,)>,
    body: web::Json<Value>,
    state: web::Data<Arc<Mutex<FrappeState>>>,
) -> HttpResponse {
    let name = name.into_inner().0;
    let body = body.into_inner();
    state
        .lock()
        .expect("frappe state")
        .updates
        .push((name.clone(), body.clone()));
    HttpResponse::Ok()
        .json(json!({"data": {"name": name, "doctype": "Employee Checkin", "time": body["time"]}}))
}

#[tokio::test]
async fn frappe_gets_an_employee_checkin_per_mark_and_corrections_update_it() {
    let app = spawn_app(Backend::Sqlite).await;
    let state = Arc::new(Mutex::new(FrappeState::default()));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind frappe");
    let port = listener.local_addr().expect("address").port();
    let data = web::Data::new(state.clone());
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .route(
                "/api/method/hrms.hr.doctype.employee_checkin.employee_checkin.add_log_based_on_employee_field",
                web::post().to(frappe_add_log),
            )
            .route(
                "/api/resource/Employee Checkin/{name}",
                web::put().to(frappe_update),
            )
    })
    .listen(listener)
    .expect("frappe listens")
    .workers(1)
    .disable_signals()
    .run();
    tokio::spawn(server);

    let bad = app
        .post(
            "/api/v1/destinations",
            Some(
                json!({"name": "HR", "kind": "frappe", "allow_private": true,
                        "config": {"url": format!("http://127.0.0.1:{port}"), "api_key": "fk",
                                   "time_zone": "Mars/Olympus"}}),
            ),
        )
        .await;
    assert_eq!(bad.status().as_u16(), 422);
    let text = bad.text().await.expect("text");
    assert!(
        text.contains("config.api_secret") && text.contains("config.time_zone"),
        "{text}"
    );

    let created = app
        .post(
            "/api/v1/destinations",
            Some(json!({
                "name": "HR", "kind": "frappe", "allow_private": true,
                "mapping_field": "id_number",
                "event_types": ["check_in", "check_out", "correction", "absence"],
                "config": {"url": format!("http://127.0.0.1:{port}"), "api_key": "fk",
                           "api_secret": "fs", "time_zone": "Asia/Kolkata"},
            })),
        )
        .await;
    assert_eq!(created.status().as_u16(), 201);
    let created: Value = created.json().await.expect("json");
    assert!(!created.to_string().contains("\"fs\""), "{created}");
    let destination = created["data"]["id"].as_str().expect("id").to_owned();

    let person = Uuid::new_v4();
    app.publish_person(person, Some("EMP-1"), false).await;
    let check_in = Mark::check_in(person);
    app.publish_mark(&check_in).await;
    app.wait_for_deliveries(&format!("destination_id={destination}&status=delivered"), 1)
        .await;
    let local = |at: chrono::DateTime<chrono::Utc>| {
        at.with_timezone(&chrono_tz::Asia::Kolkata)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string()
    };
    assert_eq!(
        state.lock().expect("frappe state").logs,
        vec![json!({
            "employee_field_value": "EMP-1",
            "timestamp": local(check_in.at),
            "log_type": "IN",
            "employee_fieldname": "attendance_device_id",
            "device_id": "gate",
        })]
    );

    // A correction of the check-in updates the checkin made for it.
    let corrected_at = check_in.at + chrono::Duration::minutes(3);
    app.publish_mark(&Mark {
        at: corrected_at,
        event_id: None,
        ..check_in.clone()
    })
    .await;
    app.wait_for_deliveries(&format!("destination_id={destination}&status=delivered"), 2)
        .await;
    assert_eq!(
        state.lock().expect("frappe state").updates,
        vec![(
            "EMP-CKIN-00001".to_owned(),
            json!({"time": local(corrected_at)})
        )]
    );

    // No employee with that value: refused and logged.
    let stranger = Uuid::new_v4();
    app.publish_person(stranger, Some("EMP-X"), false).await;
    app.publish_mark(&Mark::check_in(stranger)).await;
    let refused = app
        .wait_for_deliveries(
            &format!("destination_id={destination}&status=refused&person_id={stranger}"),
            1,
        )
        .await;
    assert_eq!(refused[0]["refusal"], "employee_not_found");
}
