//! An Odoo for the tests: `hr.employee` and `hr.attendance` in memory, answering `/jsonrpc`
//! (`common.authenticate`, `object.execute_kw`) and Odoo 19's `/json/2/<model>/<method>` as
//! Odoo documents and does:
//!
//! - JSON-RPC errors are HTTP 200 with `{"error": {"code": 200, "message": "Odoo Server
//!   Error", "data": {"name", "message", "arguments", "context", "debug"}}}`;
//! - JSON-2 errors are the same `data` object as the body, with the exception's status
//!   (`UserError`/`ValidationError` 422, `MissingError` 404, `AccessError` 403, a refused
//!   bearer key 401 `werkzeug.exceptions.Unauthorized` "Invalid apikey");
//! - `authenticate` answers the uid, or `false` for a wrong login or key; `execute_kw` with a
//!   uid/key pair that does not match is `odoo.exceptions.AccessDenied`;
//! - `hr.attendance`'s rules, as `_check_validity` and `_check_validity_check_in_check_out`
//!   enforce them: one open record per employee ("hasn't checked out since"), no overlap
//!   ("was already checked in on"), `check_out` not before `check_in`; an `employee_id` that
//!   is no employee is the foreign-key `ValidationError`; `write` on a missing id is
//!   `MissingError`; `hr.employee`'s archived records are hidden unless `active_test` is off
//!   (Odoo itself records attendance of archived employees).
//!
//! Every request is kept (path, headers that matter, JSON body) for the tests to assert
//! field by field; `fail_next` answers the next request with a given reply instead.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};

use actix_web::http::StatusCode;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use chrono::NaiveDateTime;
use serde_json::{Value, json};

pub const DATABASE: &str = "faceattend-test";
pub const LOGIN: &str = "attendance-bot";
pub const API_KEY: &str = "6578616d706c65206a736f6e20617069206b6579";
const FORMAT: &str = "%Y-%m-%d %H:%M:%S";

#[derive(Debug, Clone)]
pub struct Recorded {
    pub path: String,
    pub authorization: Option<String>,
    pub database: Option<String>,
    pub content_type: Option<String>,
    pub body: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Attendance {
    pub id: i64,
    pub employee_id: i64,
    pub check_in: NaiveDateTime,
    pub check_out: Option<NaiveDateTime>,
}

struct Employee {
    name: String,
    active: bool,
}

struct State {
    uid: i64,
    employees: BTreeMap<i64, Employee>,
    attendances: Vec<Attendance>,
    next_id: i64,
    requests: Vec<Recorded>,
    fail_next: VecDeque<Canned>,
}

/// A reply given instead of the system's own: status, headers, body.
type Canned = (u16, Vec<(String, String)>, String);

type Shared = Arc<Mutex<State>>;

pub struct OdooServer {
    pub url: String,
    state: Shared,
    handle: actix_web::dev::ServerHandle,
}

impl OdooServer {
    pub async fn start() -> Self {
        let state = Arc::new(Mutex::new(State {
            uid: 2,
            employees: BTreeMap::new(),
            attendances: Vec::new(),
            next_id: 1,
            requests: Vec::new(),
            fail_next: VecDeque::new(),
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
        .expect("bind the Odoo test server");
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
        self.state.lock().expect("the Odoo server's state")
    }

    pub fn add_employee(&self, id: i64, name: &str, active: bool) {
        self.state().employees.insert(
            id,
            Employee {
                name: name.to_owned(),
                active,
            },
        );
    }

    /// An attendance already in Odoo (made by hand, or by an earlier delivery).
    pub fn add_attendance(&self, employee_id: i64, check_in: &str, check_out: Option<&str>) -> i64 {
        let mut state = self.state();
        let id = state.next_id;
        state.next_id += 1;
        state.attendances.push(Attendance {
            id,
            employee_id,
            check_in: parse(check_in),
            check_out: check_out.map(parse),
        });
        id
    }

    pub fn delete_attendance(&self, id: i64) {
        self.state().attendances.retain(|a| a.id != id);
    }

    pub fn attendances(&self) -> Vec<Attendance> {
        self.state().attendances.clone()
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.state().requests.clone()
    }

    pub fn clear_requests(&self) {
        self.state().requests.clear();
    }

    /// The API user's id changes, as after a database is restored from another server.
    pub fn set_uid(&self, uid: i64) {
        self.state().uid = uid;
    }

    /// Answers the next request with this status, headers and body instead of Odoo's.
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

impl Drop for OdooServer {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        tokio::spawn(async move { handle.stop(false).await });
    }
}

pub fn parse(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, FORMAT).expect("an Odoo datetime")
}

/// An Odoo exception as `serialize_exception` writes it.
struct OdooError {
    name: &'static str,
    message: String,
    status: u16,
}

impl OdooError {
    fn validation(message: String) -> Self {
        Self {
            name: "odoo.exceptions.ValidationError",
            message,
            status: 422,
        }
    }

    fn data(&self) -> Value {
        json!({
            "name": self.name,
            "message": self.message,
            "arguments": [self.message],
            "context": {},
            "debug": format!("Traceback (most recent call last):\n  File \"/opt/odoo/odoo/http.py\", line 2212, in _transactioning\n{}: {}\n", self.name, self.message),
        })
    }
}

fn header(request: &HttpRequest, name: &str) -> Option<String> {
    request
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

async fn handle(request: HttpRequest, body: web::Bytes, state: web::Data<Shared>) -> HttpResponse {
    let parsed: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let mut state = state.lock().expect("the Odoo server's state");
    state.requests.push(Recorded {
        path: request.path().to_owned(),
        authorization: header(&request, "authorization"),
        database: header(&request, "x-odoo-database"),
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
    let path = request.path().to_owned();
    if path == "/jsonrpc" {
        return jsonrpc(&mut state, &parsed);
    }
    if let Some(rest) = path.strip_prefix("/json/2/") {
        return json2(&mut state, &request, rest, parsed);
    }
    HttpResponse::NotFound()
        .content_type("text/html")
        .body("<h1>Not Found</h1>")
}

fn jsonrpc(state: &mut State, body: &Value) -> HttpResponse {
    let id = body.get("id").cloned().unwrap_or(Value::Null);
    let reply = |outcome: Result<Value, OdooError>| match outcome {
        Ok(result) => {
            HttpResponse::Ok().json(json!({ "jsonrpc": "2.0", "id": id, "result": result }))
        }
        Err(error) => HttpResponse::Ok().json(json!({
            "jsonrpc": "2.0",
            "id": id,
            "error": { "code": 200, "message": "Odoo Server Error", "data": error.data() },
        })),
    };
    let params = &body["params"];
    let args = params["args"].as_array().cloned().unwrap_or_default();
    match (params["service"].as_str(), params["method"].as_str()) {
        (Some("common"), Some("authenticate")) => {
            if args.first().and_then(Value::as_str) != Some(DATABASE) {
                return reply(Err(OdooError {
                    name: "psycopg2.OperationalError",
                    message: "FATAL:  database does not exist".into(),
                    status: 500,
                }));
            }
            let ok = args.get(1).and_then(Value::as_str) == Some(LOGIN)
                && args.get(2).and_then(Value::as_str) == Some(API_KEY);
            reply(Ok(if ok { json!(state.uid) } else { json!(false) }))
        }
        (Some("object"), Some("execute_kw")) => {
            let authorised = args.first().and_then(Value::as_str) == Some(DATABASE)
                && args.get(1).and_then(Value::as_i64) == Some(state.uid)
                && args.get(2).and_then(Value::as_str) == Some(API_KEY);
            if !authorised {
                return reply(Err(OdooError {
                    name: "odoo.exceptions.AccessDenied",
                    message: "Access Denied".into(),
                    status: 403,
                }));
            }
            let model = args
                .get(3)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            let method = args
                .get(4)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            let positional = args
                .get(5)
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let kwargs = args.get(6).cloned().unwrap_or_else(|| json!({}));
            // execute_kw's positional arguments, named as JSON-2 names them.
            let (ids, named) = match method.as_str() {
                "search_read" => {
                    let mut named = kwargs.clone();
                    named["domain"] = positional.first().cloned().unwrap_or_else(|| json!([]));
                    (vec![], named)
                }
                "create" => {
                    // A dict answers the id, a list answers the ids.
                    let vals = positional.first().cloned().unwrap_or(Value::Null);
                    let single = vals.is_object();
                    let named = json!({ "vals_list": if single { json!([vals]) } else { vals } });
                    return reply(
                        orm(state, &model, "create", &[], &named)
                            .map(|ids| if single { ids[0].clone() } else { ids }),
                    );
                }
                "write" => {
                    let ids = positional
                        .first()
                        .and_then(Value::as_array)
                        .cloned()
                        .unwrap_or_default();
                    let ids = ids.iter().filter_map(Value::as_i64).collect();
                    (
                        ids,
                        json!({ "vals": positional.get(1).cloned().unwrap_or(Value::Null) }),
                    )
                }
                _ => (vec![], kwargs),
            };
            reply(orm(state, &model, &method, &ids, &named))
        }
        _ => reply(Err(OdooError {
            name: "werkzeug.exceptions.NotFound",
            message: "404: Not Found".into(),
            status: 404,
        })),
    }
}

fn json2(state: &mut State, request: &HttpRequest, rest: &str, body: Value) -> HttpResponse {
    let error = |e: OdooError| {
        HttpResponse::build(StatusCode::from_u16(e.status).expect("a status")).json(e.data())
    };
    let key = header(request, "authorization").and_then(|h| {
        h.strip_prefix("bearer ")
            .or_else(|| h.strip_prefix("Bearer "))
            .map(str::to_owned)
    });
    if key.as_deref() != Some(API_KEY) {
        return error(OdooError {
            name: "werkzeug.exceptions.Unauthorized",
            message: "Invalid apikey".into(),
            status: 401,
        });
    }
    if header(request, "x-odoo-database").as_deref() != Some(DATABASE) {
        return error(OdooError {
            name: "werkzeug.exceptions.NotFound",
            message: "404: Not Found".into(),
            status: 404,
        });
    }
    let Some((model, method)) = rest.split_once('/') else {
        return error(OdooError {
            name: "werkzeug.exceptions.NotFound",
            message: "404: Not Found".into(),
            status: 404,
        });
    };
    let ids: Vec<i64> = body
        .get("ids")
        .and_then(Value::as_array)
        .map(|ids| ids.iter().filter_map(Value::as_i64).collect())
        .unwrap_or_default();
    match orm(state, model, method, &ids, &body) {
        Ok(result) => HttpResponse::Ok().json(result),
        Err(e) => error(e),
    }
}

/// The ORM: `search_read`, `create` and `write` on the two models, with named arguments.
fn orm(
    state: &mut State,
    model: &str,
    method: &str,
    ids: &[i64],
    named: &Value,
) -> Result<Value, OdooError> {
    let active_test = named["context"]["active_test"].as_bool().unwrap_or(true);
    match (model, method) {
        ("hr.employee", "search_read") => {
            let domain = named["domain"].as_array().cloned().unwrap_or_default();
            let mut rows = Vec::new();
            for (id, employee) in &state.employees {
                if active_test && !employee.active {
                    continue;
                }
                let row = json!({ "id": id, "name": employee.name, "active": employee.active });
                if matches(&domain, &row)? {
                    rows.push(select(&row, &named["fields"]));
                }
            }
            Ok(Value::Array(rows))
        }
        ("hr.attendance", "search_read") => {
            let domain = named["domain"].as_array().cloned().unwrap_or_default();
            let mut rows = Vec::new();
            let mut records = state.attendances.clone();
            records.sort_by_key(|a| std::cmp::Reverse(a.check_in));
            for record in records {
                let row = attendance_row(state, &record);
                if matches(&domain, &row)? {
                    rows.push(select(&row, &named["fields"]));
                }
            }
            Ok(Value::Array(rows))
        }
        ("hr.attendance", "create") => {
            let vals_list = named["vals_list"].as_array().cloned().unwrap_or_default();
            let mut made = Vec::new();
            for vals in vals_list {
                let employee_id = vals["employee_id"].as_i64().unwrap_or_default();
                if !state.employees.contains_key(&employee_id) {
                    return Err(OdooError::validation(
                        "The operation cannot be completed: another model requires the record being deleted. If possible, archive it instead.\n\nModel: Attendance (hr.attendance)\nConstraint: hr_attendance_employee_id_fkey".into(),
                    ));
                }
                let record = Attendance {
                    id: state.next_id,
                    employee_id,
                    check_in: datetime(&vals["check_in"])?.ok_or_else(|| {
                        OdooError::validation("The operation cannot be completed:\n- Create/update: a mandatory field is not set.".into())
                    })?,
                    check_out: datetime(&vals["check_out"])?,
                };
                check_validity(state, &record)?;
                state.next_id += 1;
                made.push(json!(record.id));
                state.attendances.push(record);
            }
            Ok(Value::Array(made))
        }
        ("hr.attendance", "write") => {
            let vals = &named["vals"];
            for id in ids {
                let Some(mut record) = state.attendances.iter().find(|a| a.id == *id).cloned()
                else {
                    return Err(OdooError {
                        name: "odoo.exceptions.MissingError",
                        message: format!(
                            "Record does not exist or has been deleted.\n(Record: hr.attendance({id},), User: {})",
                            state.uid
                        ),
                        status: 404,
                    });
                };
                if vals.get("check_in").is_some() {
                    record.check_in = datetime(&vals["check_in"])?
                        .ok_or_else(|| OdooError::validation("check_in is required".into()))?;
                }
                if vals.get("check_out").is_some() {
                    record.check_out = datetime(&vals["check_out"])?;
                }
                check_validity(state, &record)?;
                if let Some(kept) = state.attendances.iter_mut().find(|a| a.id == *id) {
                    *kept = record;
                }
            }
            Ok(json!(true))
        }
        _ => Err(OdooError {
            name: "werkzeug.exceptions.NotFound",
            message: "404: Not Found".into(),
            status: 404,
        }),
    }
}

fn datetime(value: &Value) -> Result<Option<NaiveDateTime>, OdooError> {
    match value {
        Value::Null | Value::Bool(false) => Ok(None),
        Value::String(text) => NaiveDateTime::parse_from_str(text, FORMAT)
            .map(Some)
            .map_err(|_| OdooError {
                name: "builtins.ValueError",
                message: format!("time data '{text}' does not match format '%Y-%m-%d %H:%M:%S'"),
                status: 500,
            }),
        _ => Err(OdooError {
            name: "builtins.ValueError",
            message: format!("{value} is not a datetime"),
            status: 500,
        }),
    }
}

fn shown(at: NaiveDateTime) -> String {
    at.format("%m/%d/%Y %H:%M:%S").to_string()
}

/// `hr.attendance`'s constraints, in the order Odoo checks them.
fn check_validity(state: &State, record: &Attendance) -> Result<(), OdooError> {
    let name = state
        .employees
        .get(&record.employee_id)
        .map(|e| e.name.clone())
        .unwrap_or_default();
    if let Some(check_out) = record.check_out
        && check_out < record.check_in
    {
        return Err(OdooError::validation(
            "\"Check Out\" time cannot be earlier than \"Check In\" time.".into(),
        ));
    }
    let others: Vec<&Attendance> = state
        .attendances
        .iter()
        .filter(|a| a.employee_id == record.employee_id && a.id != record.id)
        .collect();
    let latest = |filter: &dyn Fn(&Attendance) -> bool| {
        others
            .iter()
            .filter(|a| filter(a))
            .max_by_key(|a| a.check_in)
            .copied()
    };
    let before_check_in = latest(&|a| a.check_in <= record.check_in);
    if let Some(last) = before_check_in
        && last.check_out.is_some_and(|out| out > record.check_in)
    {
        return Err(OdooError::validation(format!(
            "Cannot create new attendance record for {name}, the employee was already checked in on {}",
            shown(record.check_in)
        )));
    }
    match record.check_out {
        None => {
            if let Some(open) = latest(&|a| a.check_out.is_none()) {
                return Err(OdooError::validation(format!(
                    "Cannot create new attendance record for {name}, the employee hasn't checked out since {}",
                    shown(open.check_in)
                )));
            }
        }
        Some(check_out) => {
            let before_check_out = latest(&|a| a.check_in < check_out);
            if before_check_out.is_some()
                && before_check_out.map(|a| a.id) != before_check_in.map(|a| a.id)
            {
                return Err(OdooError::validation(format!(
                    "Cannot create new attendance record for {name}, the employee was already checked in on {}",
                    shown(before_check_out.map(|a| a.check_in).unwrap_or_default())
                )));
            }
        }
    }
    Ok(())
}

fn attendance_row(state: &State, record: &Attendance) -> Value {
    let name = state
        .employees
        .get(&record.employee_id)
        .map(|e| e.name.clone())
        .unwrap_or_default();
    json!({
        "id": record.id,
        // A many2one reads as [id, display name]; domains compare it by id.
        "employee_id": [record.employee_id, name],
        "check_in": record.check_in.format(FORMAT).to_string(),
        "check_out": record.check_out.map(|t| json!(t.format(FORMAT).to_string())).unwrap_or(json!(false)),
    })
}

fn select(row: &Value, fields: &Value) -> Value {
    let Some(fields) = fields.as_array() else {
        return row.clone();
    };
    let mut out = serde_json::Map::new();
    out.insert("id".into(), row["id"].clone());
    for field in fields.iter().filter_map(Value::as_str) {
        if let Some(value) = row.get(field) {
            out.insert(field.to_owned(), value.clone());
        }
    }
    Value::Object(out)
}

/// Odoo's prefix-notation domains: leaves `[field, "=" | "!=", value]` and the operators
/// `"&"`, `"|"` and `"!"`, terms joined by an implicit `&`.
fn matches(domain: &[Value], row: &Value) -> Result<bool, OdooError> {
    let mut position = 0;
    let mut all = true;
    while position < domain.len() {
        all &= term(domain, &mut position, row)?;
    }
    Ok(all)
}

fn term(domain: &[Value], position: &mut usize, row: &Value) -> Result<bool, OdooError> {
    let bad =
        || OdooError::validation(format!("Invalid domain: {}", Value::Array(domain.to_vec())));
    let item = domain.get(*position).ok_or_else(bad)?;
    *position += 1;
    match item {
        Value::String(op) if op == "&" || op == "|" => {
            let a = term(domain, position, row)?;
            let b = term(domain, position, row)?;
            Ok(if op == "&" { a && b } else { a || b })
        }
        Value::String(op) if op == "!" => Ok(!term(domain, position, row)?),
        Value::Array(leaf) if leaf.len() == 3 => {
            let field = leaf[0].as_str().ok_or_else(bad)?;
            let mut value = row.get(field).cloned().ok_or_else(bad)?;
            if let Value::Array(pair) = &value {
                value = pair[0].clone();
            }
            match leaf[1].as_str() {
                Some("=") => Ok(value == leaf[2]),
                Some("!=") => Ok(value != leaf[2]),
                _ => Err(bad()),
            }
        }
        _ => Err(bad()),
    }
}
