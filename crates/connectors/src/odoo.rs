//! Odoo `hr.attendance` over JSON-RPC (`/jsonrpc`, `execute_kw`) or Odoo 19's JSON-2
//! (`POST /json/2/<model>/<method>`), chosen per destination.
//!
//! Odoo keeps one `hr.attendance` record per stay: a check-in creates it, the check-out fills
//! its `check_out`. Both protocols share one algorithm ([`OdooConnector::deliver`]); only the
//! way a call is framed and an error is reported differs ([`OdooProtocol`]).
//!
//! - **Check-in**: look for the employee's open record or one with this exact `check_in`
//!   (`search_read` with `[["employee_id","=",e],"|",["check_out","=",false],["check_in","=",t]]`).
//!   The same `check_in` is a replay: delivered, nothing created. Another open record means
//!   Odoo would refuse (one open record per employee): refused as `already_checked_in`. None:
//!   the employee is looked up (`hr.employee` with `active_test` off, so that an unknown id is
//!   `employee_not_found` and an archived employee `employee_inactive` before anything is
//!   made), then `create` `{"employee_id", "check_in"}`; the new id is the mark's
//!   `external_record`.
//! - **Check-out**: the record with the stay's `check_in` (or else the open record) gets
//!   `write` `{"check_out"}`, unless it already holds this very `check_out` (a replay:
//!   delivered, nothing written); with neither record, a closed one is created with both
//!   times (`mark.check_in_at`).
//! - **Correction** (`mark.external_record` present): `write` the changed field on that record.
//!   Writing a value already there is harmless, so replays are idempotent too.
//!
//! Datetimes go as Odoo's RPC marshals them: naive UTC, `YYYY-MM-DD HH:MM:SS`.
//!
//! Refusals never turn into endless retries. Odoo's `_check_validity` constraint says "the
//! employee hasn't checked out since …" for a second open record (`already_checked_in`) and
//! "the employee was already checked in on …" for a record overlapping another
//! (`overlapping`: that is the text Odoo uses for an overlap). An unknown employee id (a
//! `MissingError`, or the foreign-key `ValidationError` Odoo makes of a bad `employee_id`) is
//! `employee_not_found`; other validation errors are `rejected`. A refused login
//! (`authenticate` answering `false`, `AccessDenied`, HTTP 401) or missing rights
//! (`AccessError`, HTTP 403) disables the destination. Network failures, 5xx and server-side
//! exceptions outside `odoo.exceptions` are retried; 429 honours `Retry-After`.
//!
//! JSON-RPC needs the user's id: [`OdooConnector`] authenticates once and keeps the uid, and
//! authenticates again when Odoo answers `AccessDenied` (a restored database, a renamed user).

use std::fmt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};
use reqwest::{Url, header};
use serde_json::{Value, json};

use crate::guard::{GuardError, OutboundClient, classify_status, read_limited};
use crate::{AttendanceMark, DeliveryOutcome, MarkKind, Refusal, response_excerpt};

/// The most of a reply parsed: far more than any answer of the calls made here.
const REPLY_LIMIT: usize = 1024 * 1024;

/// How a destination's Odoo is spoken to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OdooProtocol {
    /// `POST /jsonrpc` with `common.authenticate` and `object.execute_kw` (API keys since
    /// Odoo 14; deprecated in 19, to be removed in 22). Errors come back as HTTP 200 with an
    /// `error` member.
    JsonRpc,
    /// Odoo 19's `POST /json/2/<model>/<method>` with `Authorization: bearer <key>`. Errors are
    /// HTTP 4xx/5xx with `{"name", "message", "arguments", "context", "debug"}`.
    Json2,
}

/// One Odoo database attendance is delivered to.
#[derive(Clone)]
pub struct OdooDestination {
    url: Url,
    database: String,
    login: String,
    api_key: String,
    protocol: OdooProtocol,
}

impl OdooDestination {
    /// `url` is the server's base address (`https://erp.example.com`, or with a path prefix
    /// behind a proxy); `login` is the API user's login (JSON-RPC authenticates with it;
    /// JSON-2 needs only the key).
    pub fn new(
        url: &str,
        database: &str,
        login: &str,
        api_key: &str,
        protocol: OdooProtocol,
    ) -> Result<Self, GuardError> {
        let url = base_url(url)?;
        let invalid = |field, reason: &str| GuardError::InvalidSetting {
            field,
            reason: reason.to_owned(),
        };
        let database = database.trim();
        if database.is_empty() {
            return Err(invalid("database", "the Odoo database name is empty"));
        }
        let login = login.trim();
        if login.is_empty() && protocol == OdooProtocol::JsonRpc {
            return Err(invalid(
                "login",
                "JSON-RPC authenticates with the API user's login; it is empty",
            ));
        }
        if api_key.trim().is_empty() {
            return Err(invalid("api_key", "the Odoo API key is empty"));
        }
        Ok(Self {
            url,
            database: database.to_owned(),
            login: login.to_owned(),
            api_key: api_key.trim().to_owned(),
            protocol,
        })
    }

    pub fn url(&self) -> &Url {
        &self.url
    }

    pub fn database(&self) -> &str {
        &self.database
    }

    pub fn login(&self) -> &str {
        &self.login
    }

    pub fn protocol(&self) -> OdooProtocol {
        self.protocol
    }
}

// The API key is a password: it never reaches a log line through `{:?}`.
impl fmt::Debug for OdooDestination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OdooDestination")
            .field("url", &self.url.as_str())
            .field("database", &self.database)
            .field("login", &self.login)
            .field("api_key", &"[redacted]")
            .field("protocol", &self.protocol)
            .finish()
    }
}

/// A destination with what the service keeps between deliveries to it: the JSON-RPC uid.
#[derive(Debug)]
pub struct OdooConnector {
    destination: OdooDestination,
    uid: Mutex<Option<i64>>,
    request_id: AtomicU64,
}

/// Odoo's datetime as its RPC marshals it: naive UTC to the second.
pub fn odoo_datetime(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S").to_string()
}

impl OdooConnector {
    pub fn new(destination: OdooDestination) -> Self {
        Self {
            destination,
            uid: Mutex::new(None),
            request_id: AtomicU64::new(1),
        }
    }

    pub fn destination(&self) -> &OdooDestination {
        &self.destination
    }

    /// Delivers one mark, as the module's documentation describes; never panics on what Odoo
    /// answers.
    pub async fn deliver(&self, http: &OutboundClient, mark: &AttendanceMark) -> DeliveryOutcome {
        match self.try_deliver(http, mark).await {
            Ok(outcome) | Err(outcome) => outcome,
        }
    }

    async fn try_deliver(
        &self,
        http: &OutboundClient,
        mark: &AttendanceMark,
    ) -> Result<DeliveryOutcome, DeliveryOutcome> {
        let Some(employee) = parse_employee_id(&mark.employee) else {
            return Err(refused(
                None,
                Refusal::EmployeeNotFound,
                format!(
                    "{:?} is not an Odoo employee id (a positive integer)",
                    mark.employee
                ),
                String::new(),
            ));
        };
        let at = odoo_datetime(mark.at);
        let field = match mark.kind {
            MarkKind::CheckIn => "check_in",
            MarkKind::CheckOut => "check_out",
        };

        if let Some(record) = &mark.external_record {
            let Some(id) = parse_employee_id(record) else {
                return Err(refused(
                    None,
                    Refusal::Rejected,
                    format!("{record:?} is not an hr.attendance id"),
                    String::new(),
                ));
            };
            let reply = self
                .call(
                    http,
                    &Op::Write {
                        id,
                        vals: json!({ field: at }),
                    },
                )
                .await?;
            return Ok(delivered(reply.status, id, reply.body));
        }

        let stay_check_in = match mark.kind {
            MarkKind::CheckIn => Some(at.clone()),
            MarkKind::CheckOut => mark.check_in_at.map(odoo_datetime),
        };
        let mut domain = vec![json!(["employee_id", "=", employee])];
        match &stay_check_in {
            Some(check_in) => {
                domain.push(json!("|"));
                domain.push(json!(["check_out", "=", false]));
                domain.push(json!(["check_in", "=", check_in]));
            }
            None => domain.push(json!(["check_out", "=", false])),
        }
        let reply = self
            .call(
                http,
                &Op::SearchRead {
                    model: "hr.attendance",
                    domain: Value::Array(domain),
                    fields: &["id", "check_in", "check_out"],
                    archived_too: false,
                },
            )
            .await?;
        let records = attendance_records(&reply)?;
        let same_stay = records
            .iter()
            .find(|r| stay_check_in.as_deref() == Some(r.check_in.as_str()));
        let open = records.iter().find(|r| r.check_out.is_none());

        match mark.kind {
            MarkKind::CheckIn => {
                if let Some(record) = same_stay {
                    return Ok(delivered(reply.status, record.id, reply.body));
                }
                if let Some(record) = open {
                    return Err(refused(
                        Some(reply.status),
                        Refusal::AlreadyCheckedIn,
                        format!(
                            "Odoo holds attendance {} for employee {employee}, open since {} UTC",
                            record.id, record.check_in
                        ),
                        reply.body,
                    ));
                }
                self.check_employee(http, employee).await?;
                let reply = self
                    .call(
                        http,
                        &Op::Create {
                            vals: json!({ "employee_id": employee, "check_in": at }),
                        },
                    )
                    .await?;
                let id = created_id(&reply)?;
                Ok(delivered(reply.status, id, reply.body))
            }
            MarkKind::CheckOut => {
                if let Some(record) = same_stay.or(open) {
                    if record.check_out.as_deref() == Some(at.as_str()) {
                        return Ok(delivered(reply.status, record.id, reply.body));
                    }
                    let id = record.id;
                    let reply = self
                        .call(
                            http,
                            &Op::Write {
                                id,
                                vals: json!({ "check_out": at }),
                            },
                        )
                        .await?;
                    return Ok(delivered(reply.status, id, reply.body));
                }
                let Some(check_in) = stay_check_in else {
                    return Err(refused(
                        Some(reply.status),
                        Refusal::Rejected,
                        format!(
                            "employee {employee} has no open attendance in Odoo and the check-out \
                             came without its check-in: Odoo needs both to record the stay"
                        ),
                        reply.body,
                    ));
                };
                self.check_employee(http, employee).await?;
                let vals =
                    json!({ "employee_id": employee, "check_in": check_in, "check_out": at });
                let reply = self.call(http, &Op::Create { vals }).await?;
                let id = created_id(&reply)?;
                Ok(delivered(reply.status, id, reply.body))
            }
        }
    }

    /// Refuses a mark for an employee Odoo does not know or has archived, before creating a
    /// record for them (Odoo itself accepts attendance of an archived employee).
    async fn check_employee(
        &self,
        http: &OutboundClient,
        employee: i64,
    ) -> Result<(), DeliveryOutcome> {
        let reply = self
            .call(
                http,
                &Op::SearchRead {
                    model: "hr.employee",
                    domain: json!([["id", "=", employee]]),
                    fields: &["id", "active"],
                    archived_too: true,
                },
            )
            .await?;
        let Some(rows) = reply.result.as_array() else {
            return Err(invalid(
                reply.status,
                "hr.employee search_read did not answer a list",
                reply.body,
            ));
        };
        match rows.first() {
            None => Err(refused(
                Some(reply.status),
                Refusal::EmployeeNotFound,
                format!("Odoo has no employee {employee}"),
                reply.body,
            )),
            Some(row) if row.get("active") == Some(&Value::Bool(false)) => Err(refused(
                Some(reply.status),
                Refusal::EmployeeInactive,
                format!("Odoo's employee {employee} is archived"),
                reply.body,
            )),
            Some(_) => Ok(()),
        }
    }

    /// One ORM call, framed for the destination's protocol; for JSON-RPC, authenticates first
    /// when no uid is kept, and once more when Odoo answers `AccessDenied` to a kept uid.
    async fn call(&self, http: &OutboundClient, op: &Op) -> Result<Reply, DeliveryOutcome> {
        match self.destination.protocol {
            OdooProtocol::Json2 => self
                .call_json2(http, op)
                .await
                .map_err(|e| e.outcome(Some(op))),
            OdooProtocol::JsonRpc => {
                let kept = *self
                    .uid
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
                let uid = match kept {
                    Some(uid) => uid,
                    None => self.authenticate(http).await?,
                };
                match self.execute_kw(http, uid, op).await {
                    Err(CallError::Odoo { name, .. })
                        if kept.is_some() && is_access_denied(&name) =>
                    {
                        *self.uid.lock().unwrap_or_else(|p| p.into_inner()) = None;
                        let uid = self.authenticate(http).await?;
                        self.execute_kw(http, uid, op)
                            .await
                            .map_err(|e| e.outcome(Some(op)))
                    }
                    other => other.map_err(|e| e.outcome(Some(op))),
                }
            }
        }
    }

    async fn authenticate(&self, http: &OutboundClient) -> Result<i64, DeliveryOutcome> {
        let d = &self.destination;
        let params = json!({
            "service": "common",
            "method": "authenticate",
            "args": [d.database, d.login, d.api_key, {}],
        });
        let reply = self
            .jsonrpc(http, params)
            .await
            .map_err(|e| e.outcome(None))?;
        if let Some(uid) = reply.result.as_i64().filter(|uid| *uid > 0) {
            *self.uid.lock().unwrap_or_else(|p| p.into_inner()) = Some(uid);
            return Ok(uid);
        }
        match &reply.result {
            Value::Bool(false) => Err(DeliveryOutcome::Disable {
                status: Some(reply.status),
                reason: format!(
                    "Odoo refused the login {:?} with this API key on database {:?}",
                    d.login, d.database
                ),
                response: reply.body,
            }),
            _ => Err(invalid(
                reply.status,
                "common.authenticate answered neither a uid nor false",
                reply.body,
            )),
        }
    }

    async fn execute_kw(
        &self,
        http: &OutboundClient,
        uid: i64,
        op: &Op,
    ) -> Result<Reply, CallError> {
        let d = &self.destination;
        let (model, method, args, kwargs) = match op {
            Op::SearchRead {
                model,
                domain,
                fields,
                archived_too,
            } => {
                let mut kwargs = json!({ "fields": fields });
                if *archived_too {
                    kwargs["context"] = json!({ "active_test": false });
                }
                (*model, "search_read", json!([domain]), kwargs)
            }
            // A single dict makes `create` answer the new id, not a list.
            Op::Create { vals } => ("hr.attendance", "create", json!([vals]), json!({})),
            Op::Write { id, vals } => ("hr.attendance", "write", json!([[id], vals]), json!({})),
        };
        let params = json!({
            "service": "object",
            "method": "execute_kw",
            "args": [d.database, uid, d.api_key, model, method, args, kwargs],
        });
        self.jsonrpc(http, params).await
    }

    async fn jsonrpc(&self, http: &OutboundClient, params: Value) -> Result<Reply, CallError> {
        let mut url = self.destination.url.clone();
        push_segments(&mut url, &["jsonrpc"]);
        let id = self.request_id.fetch_add(1, Ordering::Relaxed);
        let body = json!({ "jsonrpc": "2.0", "method": "call", "params": params, "id": id });
        let request = http
            .post(url.as_str())
            .map_err(|e| CallError::Outcome(e.outcome()))?
            .json(&body);
        let (status, headers, bytes) = send(http, request).await?;
        let text = response_excerpt(&bytes);
        if status != 200 {
            return Err(CallError::Outcome(classify_status(
                status_code(status),
                &headers,
                text,
            )));
        }
        let Ok(reply) = serde_json::from_slice::<Value>(&bytes) else {
            return Err(CallError::Unparseable { status, body: text });
        };
        if let Some(error) = reply.get("error") {
            let data = error.get("data");
            let name = data
                .and_then(|d| d.get("name"))
                .and_then(Value::as_str)
                .unwrap_or_default();
            let message = data
                .and_then(|d| d.get("message"))
                .or_else(|| error.get("message"))
                .and_then(Value::as_str)
                .unwrap_or_default();
            return Err(CallError::Odoo {
                status,
                name: name.to_owned(),
                message: message.to_owned(),
                body: text,
            });
        }
        match reply.get("result") {
            Some(result) => Ok(Reply {
                status,
                result: result.clone(),
                body: text,
            }),
            None => Err(CallError::Unparseable { status, body: text }),
        }
    }

    async fn call_json2(&self, http: &OutboundClient, op: &Op) -> Result<Reply, CallError> {
        let d = &self.destination;
        let (model, method, body) = match op {
            Op::SearchRead {
                model,
                domain,
                fields,
                archived_too,
            } => {
                let mut body = json!({ "domain": domain, "fields": fields });
                if *archived_too {
                    body["context"] = json!({ "active_test": false });
                }
                (*model, "search_read", body)
            }
            Op::Create { vals } => ("hr.attendance", "create", json!({ "vals_list": [vals] })),
            Op::Write { id, vals } => (
                "hr.attendance",
                "write",
                json!({ "ids": [id], "vals": vals }),
            ),
        };
        let mut url = d.url.clone();
        push_segments(&mut url, &["json", "2", model, method]);
        let request = http
            .post(url.as_str())
            .map_err(|e| CallError::Outcome(e.outcome()))?
            .header(header::AUTHORIZATION, format!("bearer {}", d.api_key))
            .header("X-Odoo-Database", &d.database)
            .json(&body);
        let (status, headers, bytes) = send(http, request).await?;
        let text = response_excerpt(&bytes);
        let parsed = serde_json::from_slice::<Value>(&bytes);
        if (200..300).contains(&status) {
            return match parsed {
                Ok(result) => Ok(Reply {
                    status,
                    result,
                    body: text,
                }),
                Err(_) => Err(CallError::Unparseable { status, body: text }),
            };
        }
        let error = parsed
            .ok()
            .filter(|v| v.get("name").is_some_and(Value::is_string));
        match error {
            Some(error) if status != 429 && status < 500 => Err(CallError::Odoo {
                status,
                name: error["name"].as_str().unwrap_or_default().to_owned(),
                message: error
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                body: text,
            }),
            _ => Err(CallError::Outcome(classify_status(
                status_code(status),
                &headers,
                text,
            ))),
        }
    }
}

/// The ORM calls the algorithm makes, each framed by both protocols.
enum Op {
    SearchRead {
        model: &'static str,
        domain: Value,
        fields: &'static [&'static str],
        archived_too: bool,
    },
    Create {
        vals: Value,
    },
    Write {
        id: i64,
        vals: Value,
    },
}

struct Reply {
    status: u16,
    result: Value,
    body: String,
}

enum CallError {
    /// Already decided: no answer (the network, the guard), or a reply that is not Odoo's
    /// error shape (a proxy's 502, a 429, an HTML page) judged by its status.
    Outcome(DeliveryOutcome),
    /// Odoo's error: the Python exception's qualified name and message.
    Odoo {
        status: u16,
        name: String,
        message: String,
        body: String,
    },
    Unparseable {
        status: u16,
        body: String,
    },
}

impl CallError {
    /// What an Odoo error means for the mark, per the module's documentation.
    fn outcome(self, op: Option<&Op>) -> DeliveryOutcome {
        match self {
            CallError::Outcome(outcome) => outcome,
            CallError::Unparseable { status, body } if status >= 500 => DeliveryOutcome::Retry {
                status: Some(status),
                retry_after: None,
                reason: format!("Odoo answered HTTP {status}"),
                response: body,
            },
            CallError::Unparseable { status, body } => {
                invalid(status, "Odoo's reply is not the documented JSON", body)
            }
            CallError::Odoo {
                status,
                name,
                message,
                body,
            } => odoo_error_outcome(status, &name, &message, body, op),
        }
    }
}

fn odoo_error_outcome(
    status: u16,
    name: &str,
    message: &str,
    body: String,
    op: Option<&Op>,
) -> DeliveryOutcome {
    let short = name.rsplit('.').next().unwrap_or(name);
    let reason = if message.is_empty() {
        name.to_owned()
    } else {
        format!("{short}: {message}")
    };
    let status = Some(status);
    match short {
        "AccessDenied" | "Unauthorized" | "AccessError" | "Forbidden" => DeliveryOutcome::Disable {
            status,
            reason,
            response: body,
        },
        "MissingError" => match op {
            Some(Op::Write { id, .. }) => refused(
                status,
                Refusal::Rejected,
                format!("Odoo's attendance {id} no longer exists ({reason})"),
                body,
            ),
            _ => refused(status, Refusal::EmployeeNotFound, reason, body),
        },
        "ValidationError" | "UserError" => {
            let refusal = if message.contains("hasn't checked out since") {
                Refusal::AlreadyCheckedIn
            } else if message.contains("was already checked in on") {
                Refusal::Overlapping
            } else if message.contains("employee_id") || message.contains("another model requires")
            {
                // The foreign-key violation Odoo reports for an `employee_id` it does not have.
                Refusal::EmployeeNotFound
            } else {
                Refusal::Rejected
            };
            refused(status, refusal, reason, body)
        }
        // werkzeug's NotFound: no such model or method (hr_attendance not installed).
        "NotFound" => DeliveryOutcome::Disable {
            status,
            reason: format!("{reason} (is the Attendances app installed?)"),
            response: body,
        },
        "BadRequest" => refused(status, Refusal::Rejected, reason, body),
        // Anything else is the server failing (a database error, a worker killed): try later.
        _ => DeliveryOutcome::Retry {
            status,
            retry_after: None,
            reason,
            response: body,
        },
    }
}

fn is_access_denied(name: &str) -> bool {
    name.rsplit('.').next() == Some("AccessDenied")
}

/// Sends one request through the guard: its status, headers and (bounded) body. A body cut
/// at the bound cannot be parsed, so it is reported as such.
async fn send(
    http: &OutboundClient,
    request: reqwest::RequestBuilder,
) -> Result<(u16, header::HeaderMap, bytes::Bytes), CallError> {
    let request = request.build().map_err(|e| {
        CallError::Outcome(GuardError::InvalidUrl(crate::guard::describe_error(&e)).outcome())
    })?;
    let response = http
        .execute(request)
        .await
        .map_err(|e| CallError::Outcome(e.outcome()))?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = read_limited(response, REPLY_LIMIT).await;
    if body.truncated {
        return Err(CallError::Unparseable {
            status,
            body: response_excerpt(&body.bytes),
        });
    }
    Ok((status, headers, body.bytes))
}

fn status_code(status: u16) -> reqwest::StatusCode {
    reqwest::StatusCode::from_u16(status).unwrap_or(reqwest::StatusCode::BAD_GATEWAY)
}

/// A destination's base URL: http(s) with a host; the guard judges its address at send time.
pub(crate) fn base_url(url: &str) -> Result<Url, GuardError> {
    let parsed = Url::parse(url.trim()).map_err(|e| GuardError::InvalidUrl(e.to_string()))?;
    match parsed.scheme() {
        "http" | "https" => {}
        other => return Err(GuardError::UnsupportedScheme(other.to_owned())),
    }
    if parsed.host_str().is_none() {
        return Err(GuardError::InvalidUrl("the URL has no host".into()));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(GuardError::InvalidUrl(
            "a base URL takes no query or fragment".into(),
        ));
    }
    Ok(parsed)
}

fn push_segments(url: &mut Url, segments: &[&str]) {
    if let Ok(mut path) = url.path_segments_mut() {
        path.pop_if_empty().extend(segments);
    }
}

fn parse_employee_id(text: &str) -> Option<i64> {
    text.trim().parse::<i64>().ok().filter(|id| *id > 0)
}

struct AttendanceRecord {
    id: i64,
    check_in: String,
    check_out: Option<String>,
}

fn attendance_records(reply: &Reply) -> Result<Vec<AttendanceRecord>, DeliveryOutcome> {
    let bad = || {
        invalid(
            reply.status,
            "hr.attendance search_read did not answer records",
            reply.body.clone(),
        )
    };
    let rows = reply.result.as_array().ok_or_else(bad)?;
    rows.iter()
        .map(|row| {
            let id = row.get("id").and_then(Value::as_i64).ok_or_else(bad)?;
            let check_in = row
                .get("check_in")
                .and_then(Value::as_str)
                .ok_or_else(bad)?
                .to_owned();
            // Odoo marshals an empty datetime as `false`.
            let check_out = row
                .get("check_out")
                .and_then(Value::as_str)
                .map(str::to_owned);
            Ok(AttendanceRecord {
                id,
                check_in,
                check_out,
            })
        })
        .collect()
}

/// `create`'s id: an integer over JSON-RPC (one dict given), a one-element list over JSON-2.
fn created_id(reply: &Reply) -> Result<i64, DeliveryOutcome> {
    let id = match &reply.result {
        Value::Number(n) => n.as_i64(),
        Value::Array(ids) if ids.len() == 1 => ids[0].as_i64(),
        _ => None,
    };
    id.filter(|id| *id > 0).ok_or_else(|| {
        invalid(
            reply.status,
            "create did not answer the new record's id",
            reply.body.clone(),
        )
    })
}

fn delivered(status: u16, id: i64, response: String) -> DeliveryOutcome {
    DeliveryOutcome::Delivered {
        status: Some(status),
        external_record: Some(id.to_string()),
        response,
    }
}

fn refused(
    status: Option<u16>,
    refusal: Refusal,
    reason: String,
    response: String,
) -> DeliveryOutcome {
    DeliveryOutcome::Refused {
        status,
        refusal,
        reason,
        response,
    }
}

fn invalid(status: u16, reason: &str, response: String) -> DeliveryOutcome {
    refused(
        Some(status),
        Refusal::InvalidResponse,
        reason.to_owned(),
        response,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_api_key_never_prints() {
        let d = OdooDestination::new(
            "https://erp.example.com",
            "prod",
            "bot",
            "s3cr3t-key",
            OdooProtocol::Json2,
        )
        .expect("valid");
        let printed = format!("{d:?}");
        assert!(!printed.contains("s3cr3t-key"), "{printed}");
        assert!(printed.contains("[redacted]"));
    }

    #[test]
    fn destinations_are_validated() {
        let field = |result: Result<OdooDestination, GuardError>| match result {
            Err(GuardError::InvalidSetting { field, .. }) => field,
            Err(GuardError::UnsupportedScheme(_)) => "url",
            other => panic!("expected a refusal, got {other:?}"),
        };
        assert_eq!(
            field(OdooDestination::new(
                "ftp://erp",
                "prod",
                "bot",
                "k",
                OdooProtocol::Json2
            )),
            "url"
        );
        assert_eq!(
            field(OdooDestination::new(
                "https://erp",
                " ",
                "bot",
                "k",
                OdooProtocol::Json2
            )),
            "database"
        );
        assert_eq!(
            field(OdooDestination::new(
                "https://erp",
                "db",
                "",
                "k",
                OdooProtocol::JsonRpc
            )),
            "login"
        );
        assert_eq!(
            field(OdooDestination::new(
                "https://erp",
                "db",
                "bot",
                "",
                OdooProtocol::JsonRpc
            )),
            "api_key"
        );
        // JSON-2 needs no login.
        assert!(OdooDestination::new("https://erp", "db", "", "k", OdooProtocol::Json2).is_ok());
    }

    #[test]
    fn datetimes_are_naive_utc_to_the_second() {
        let at = DateTime::parse_from_rfc3339("2026-03-02T08:05:09.750+01:00")
            .expect("valid")
            .to_utc();
        assert_eq!(odoo_datetime(at), "2026-03-02 07:05:09");
    }

    /// Odoo's own messages (`hr_attendance._check_validity`, the ORM's foreign-key and
    /// missing-record errors, `odoo.exceptions`) and what each becomes.
    #[test]
    fn odoo_errors_map_to_outcomes() {
        let refusal = |name: &str, message: &str| match odoo_error_outcome(
            422,
            name,
            message,
            String::new(),
            None,
        ) {
            DeliveryOutcome::Refused { refusal, .. } => Some(refusal),
            _ => None,
        };
        let v = "odoo.exceptions.ValidationError";
        assert_eq!(
            refusal(
                v,
                "Cannot create new attendance record for Ada, the employee hasn't checked out since 03/02/2026 08:00:00"
            ),
            Some(Refusal::AlreadyCheckedIn)
        );
        assert_eq!(
            refusal(
                v,
                "Cannot create new attendance record for Ada, the employee was already checked in on 03/02/2026 08:00:00"
            ),
            Some(Refusal::Overlapping)
        );
        assert_eq!(
            refusal(
                v,
                "The operation cannot be completed: another model requires the record being deleted. If possible, archive it instead.\n\nModel: Attendance (hr.attendance)\nConstraint: hr_attendance_employee_id_fkey"
            ),
            Some(Refusal::EmployeeNotFound)
        );
        assert_eq!(
            refusal(
                v,
                "\"Check Out\" time cannot be earlier than \"Check In\" time."
            ),
            Some(Refusal::Rejected)
        );
        assert_eq!(
            refusal(
                "odoo.exceptions.MissingError",
                "Record does not exist or has been deleted."
            ),
            Some(Refusal::EmployeeNotFound)
        );
        let write = Op::Write {
            id: 5,
            vals: json!({}),
        };
        assert!(matches!(
            odoo_error_outcome(
                404,
                "odoo.exceptions.MissingError",
                "gone",
                String::new(),
                Some(&write)
            ),
            DeliveryOutcome::Refused {
                refusal: Refusal::Rejected,
                ..
            }
        ));
        for name in [
            "odoo.exceptions.AccessDenied",
            "odoo.exceptions.AccessError",
            "werkzeug.exceptions.Unauthorized",
        ] {
            assert!(
                matches!(
                    odoo_error_outcome(403, name, "no", String::new(), None),
                    DeliveryOutcome::Disable { .. }
                ),
                "{name}"
            );
        }
        assert!(matches!(
            odoo_error_outcome(
                200,
                "psycopg2.OperationalError",
                "the server closed the connection",
                String::new(),
                None
            ),
            DeliveryOutcome::Retry { .. }
        ));
    }

    #[test]
    fn urls_keep_a_path_prefix() {
        let mut url = Url::parse("https://proxy.example.com/odoo/").expect("valid");
        push_segments(&mut url, &["json", "2", "hr.attendance", "create"]);
        assert_eq!(
            url.as_str(),
            "https://proxy.example.com/odoo/json/2/hr.attendance/create"
        );
    }
}
