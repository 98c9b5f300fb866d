//! A Frappe site with HRMS for the tests: Employees and Employee Checkins in memory, answering
//! `POST /api/method/hrms.hr.doctype.employee_checkin.employee_checkin.add_log_based_on_employee_field`
//! and `PUT /api/resource/Employee Checkin/<name>` as Frappe and HRMS do:
//!
//! - `Authorization: token <api_key>:<api_secret>`; a wrong pair is HTTP 401
//!   `AuthenticationError`; a user without permission on Employee Checkin is 403
//!   `PermissionError`;
//! - `add_log_based_on_employee_field`'s own checks: both values required, "No Employee found
//!   for the given employee field value. '<field>': <value>"; then the checkin's
//!   `validate`: an Inactive employee is `InactiveEmployeeStatusError` ("Transactions cannot
//!   be created for an Inactive Employee …"), the same employee, time and log type again is
//!   "This employee already has a log with the same timestamp."; `log_type` is IN, OUT or
//!   empty; a time change on a checkin linked to an Attendance is "Cannot Modify Time";
//! - validation errors are HTTP 417 with `exc_type`, `exception` and `_server_messages` (a
//!   JSON string of a list of JSON strings, each `{"message": …}`); a missing document is 404
//!   `DoesNotExistError`; success is `{"message": doc}` for a method, `{"data": doc}` for a
//!   resource.
//!
//! Every request is kept (method, path, headers that matter, JSON body) for the tests.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use actix_web::http::StatusCode;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use serde_json::{Value, json};

pub const API_KEY: &str = "a1b2c3d4e5f6a7b";
pub const API_SECRET: &str = "0f9e8d7c6b5a4f3";
pub const ADD_LOG: &str =
    "/api/method/hrms.hr.doctype.employee_checkin.employee_checkin.add_log_based_on_employee_field";

#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    /// Percent-decoded.
    pub path: String,
    pub authorization: Option<String>,
    pub content_type: Option<String>,
    pub body: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Checkin {
    pub name: String,
    pub employee: String,
    pub time: String,
    pub log_type: Option<String>,
    pub device_id: Option<String>,
    pub attendance: Option<String>,
}

struct Employee {
    name: String,
    employee_name: String,
    fields: Vec<(String, String)>,
    status: String,
}

struct State {
    employees: Vec<Employee>,
    checkins: Vec<Checkin>,
    requests: Vec<Recorded>,
    fail_next: VecDeque<Canned>,
    may_create: bool,
}

/// A reply given instead of the system's own: status, headers, body.
type Canned = (u16, Vec<(String, String)>, String);

type Shared = Arc<Mutex<State>>;

pub struct FrappeServer {
    pub url: String,
    state: Shared,
    handle: actix_web::dev::ServerHandle,
}

impl FrappeServer {
    pub async fn start() -> Self {
        let state = Arc::new(Mutex::new(State {
            employees: Vec::new(),
            checkins: Vec::new(),
            requests: Vec::new(),
            fail_next: VecDeque::new(),
            may_create: true,
        }));
        let data = web::Data::new(state.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .default_service(web::to(handle))
        })
        .workers(1)
        .disable_signals()
        .bind(("127.0.0.1", 0))
        .expect("bind the Frappe test server");
        let port = server.addrs()[0].port();
        let server = server.run();
        let handle = server.handle();
        tokio::spawn(server);
        Self {
            url: format!("http://127.0.0.1:{port}"),
            state,
            handle,
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().expect("the Frappe server's state")
    }

    /// An Employee (`HR-EMP-…`) with its status and the fields it can be found by.
    pub fn add_employee(
        &self,
        name: &str,
        employee_name: &str,
        status: &str,
        fields: &[(&str, &str)],
    ) {
        self.state().employees.push(Employee {
            name: name.to_owned(),
            employee_name: employee_name.to_owned(),
            fields: fields
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            status: status.to_owned(),
        });
    }

    pub fn checkins(&self) -> Vec<Checkin> {
        self.state().checkins.clone()
    }

    /// HRMS's auto-attendance linked this checkin to an Attendance.
    pub fn link_attendance(&self, checkin: &str, attendance: &str) {
        for c in self
            .state()
            .checkins
            .iter_mut()
            .filter(|c| c.name == checkin)
        {
            c.attendance = Some(attendance.to_owned());
        }
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.state().requests.clone()
    }

    pub fn clear_requests(&self) {
        self.state().requests.clear();
    }

    /// The API user loses its permission to create Employee Checkin.
    pub fn deny_permission(&self) {
        self.state().may_create = false;
    }

    pub fn fail_next(&self, status: u16, headers: &[(&str, &str)], body: &str) {
        let headers = headers
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        self.state()
            .fail_next
            .push_back((status, headers, body.to_owned()));
    }
}

impl Drop for FrappeServer {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        tokio::spawn(async move { handle.stop(false).await });
    }
}

/// Frappe's error reply: `frappe.throw(message, exc)` as the API answers it.
fn thrown(status: u16, exc_type: &str, module: &str, message: &str) -> HttpResponse {
    let server_message =
        json!({ "message": message, "title": "Message", "indicator": "red", "raise_exception": 1 });
    let server_messages = serde_json::to_string(&vec![server_message.to_string()]).expect("json");
    HttpResponse::build(StatusCode::from_u16(status).expect("a status")).json(json!({
        "exception": format!("{module}.{exc_type}: {message}"),
        "exc_type": exc_type,
        "_server_messages": server_messages,
    }))
}

fn validation(message: &str) -> HttpResponse {
    thrown(417, "ValidationError", "frappe.exceptions", message)
}

fn header(request: &HttpRequest, name: &str) -> Option<String> {
    request
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn percent_decoded(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = path.get(i + 1..i + 3)
            && let Ok(byte) = u8::from_str_radix(hex, 16)
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

async fn handle(request: HttpRequest, body: web::Bytes, state: web::Data<Shared>) -> HttpResponse {
    let parsed: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let path = percent_decoded(request.path());
    let mut state = state.lock().expect("the Frappe server's state");
    state.requests.push(Recorded {
        method: request.method().to_string(),
        path: path.clone(),
        authorization: header(&request, "authorization"),
        content_type: header(&request, "content-type"),
        body: parsed.clone(),
    });
    if let Some((status, headers, body)) = state.fail_next.pop_front() {
        let mut reply = HttpResponse::build(StatusCode::from_u16(status).expect("a status"));
        for (name, value) in headers {
            reply.insert_header((name, value));
        }
        return reply.body(body);
    }
    if header(&request, "authorization") != Some(format!("token {API_KEY}:{API_SECRET}")) {
        return HttpResponse::Unauthorized().json(json!({ "exc_type": "AuthenticationError", "exception": "frappe.exceptions.AuthenticationError" }));
    }
    if !state.may_create {
        return thrown(
            403,
            "PermissionError",
            "frappe.exceptions",
            "User <strong>attendance-bot@example.com</strong> does not have doctype access via role permission for document <strong>Employee Checkin</strong>",
        );
    }
    match (request.method().as_str(), path.as_str()) {
        ("POST", ADD_LOG) => add_log(&mut state, &parsed),
        ("PUT", resource) if resource.starts_with("/api/resource/Employee Checkin/") => {
            let name = resource
                .trim_start_matches("/api/resource/Employee Checkin/")
                .to_owned();
            update(&mut state, &name, &parsed)
        }
        _ => thrown(
            404,
            "DoesNotExistError",
            "frappe.exceptions",
            "Page not found",
        ),
    }
}

fn text(body: &Value, field: &str) -> Option<String> {
    match &body[field] {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn add_log(state: &mut State, body: &Value) -> HttpResponse {
    let (Some(value), Some(timestamp)) =
        (text(body, "employee_field_value"), text(body, "timestamp"))
    else {
        return validation("'employee_field_value' and 'timestamp' are required.");
    };
    let fieldname =
        text(body, "employee_fieldname").unwrap_or_else(|| "attendance_device_id".into());
    let Some(employee) = state
        .employees
        .iter()
        .find(|e| e.fields.iter().any(|(k, v)| *k == fieldname && *v == value))
    else {
        return validation(&format!(
            "No Employee found for the given employee field value. '{fieldname}': {value}"
        ));
    };
    let (employee, employee_name, status) = (
        employee.name.clone(),
        employee.employee_name.clone(),
        employee.status.clone(),
    );
    let checkin = Checkin {
        name: format!("EMP-CKIN-12-2026-{:06}", state.checkins.len() + 1),
        employee,
        time: timestamp,
        log_type: text(body, "log_type"),
        device_id: text(body, "device_id"),
        attendance: None,
    };
    if let Err(reply) = validate(state, &checkin, &status) {
        return *reply;
    }
    let doc = doc(&checkin, &employee_name);
    state.checkins.push(checkin);
    HttpResponse::Ok().json(json!({ "message": doc }))
}

fn update(state: &mut State, name: &str, body: &Value) -> HttpResponse {
    let Some(current) = state.checkins.iter().find(|c| c.name == name).cloned() else {
        return thrown(
            404,
            "DoesNotExistError",
            "frappe.exceptions",
            &format!("Employee Checkin {name} not found"),
        );
    };
    let mut changed = current.clone();
    if let Some(time) = text(body, "time") {
        changed.time = time;
    }
    if changed.attendance.is_some() && changed.time != current.time {
        return validation(
            "An attendance record is linked to this checkin. Please cancel the attendance before modifying time.",
        );
    }
    let status = state
        .employees
        .iter()
        .find(|e| e.name == changed.employee)
        .map(|e| e.status.clone())
        .unwrap_or_default();
    if let Err(reply) = validate(state, &changed, &status) {
        return *reply;
    }
    let employee_name = state
        .employees
        .iter()
        .find(|e| e.name == changed.employee)
        .map(|e| e.employee_name.clone())
        .unwrap_or_default();
    let doc = doc(&changed, &employee_name);
    if let Some(kept) = state.checkins.iter_mut().find(|c| c.name == name) {
        *kept = changed;
    }
    HttpResponse::Ok().json(json!({ "data": doc }))
}

/// Employee Checkin's `validate`: the active employee, the duplicate log, the log type.
fn validate(state: &State, checkin: &Checkin, status: &str) -> Result<(), Box<HttpResponse>> {
    if status == "Inactive" {
        return Err(Box::new(thrown(
            417,
            "InactiveEmployeeStatusError",
            "hrms.hr.utils",
            &format!(
                "Transactions cannot be created for an Inactive Employee <a href=\"/app/employee/{0}\">{0}</a>.",
                checkin.employee
            ),
        )));
    }
    if let Some(other) = state.checkins.iter().find(|c| {
        c.name != checkin.name
            && c.employee == checkin.employee
            && c.time == checkin.time
            && c.log_type == checkin.log_type
    }) {
        return Err(Box::new(validation(&format!(
            "This employee already has a log with the same timestamp.<Br><a href=\"/app/employee-checkin/{0}\">{0}</a>",
            other.name
        ))));
    }
    if let Some(log_type) = &checkin.log_type
        && log_type != "IN"
        && log_type != "OUT"
    {
        return Err(Box::new(validation(&format!(
            "Log Type cannot be \"{log_type}\". It should be one of \"\", \"IN\", \"OUT\""
        ))));
    }
    Ok(())
}

fn doc(checkin: &Checkin, employee_name: &str) -> Value {
    json!({
        "name": checkin.name,
        "owner": "attendance-bot@example.com",
        "docstatus": 0,
        "doctype": "Employee Checkin",
        "employee": checkin.employee,
        "employee_name": employee_name,
        "log_type": checkin.log_type,
        "time": checkin.time,
        "device_id": checkin.device_id,
        "skip_auto_attendance": 0,
        "attendance": checkin.attendance,
        "offshift": 1,
    })
}
