//! Frappe HRMS's Employee Checkin: each mark is one log made by
//! `hrms.hr.doctype.employee_checkin.employee_checkin.add_log_based_on_employee_field`.
//!
//! HRMS finds the employee by a field of its Employee doctype (`attendance_device_id` by
//! default; any field the site chooses, e.g. a custom `faceattend_id`) and records a log with
//! `log_type` IN or OUT and the camera as `device_id`. Its auto-attendance then makes the
//! day's Attendance from the logs.
//!
//! Frappe stores naive datetimes in the site's time zone (System Settings → Time Zone), so the
//! destination carries that zone ([`FrappeDestination::time_zone`]) and marks are sent as
//! `YYYY-MM-DD HH:MM:SS` local time. A zone without daylight saving, such as a fixed offset,
//! is given as its IANA name (`Etc/GMT-3` is UTC+3).
//!
//! A correction of a delivered mark changes that log's `time`
//! (`PUT /api/resource/Employee Checkin/<name>`) instead of adding a second log.
//!
//! What HRMS answers, and what it becomes:
//! - `{"message": {…the checkin…}}`: delivered; the checkin's `name` is the `external_record`.
//! - HTTP 417 (`ValidationError`) "No Employee found for the given employee field value":
//!   `employee_not_found`; `InactiveEmployeeStatusError` ("Transactions cannot be created
//!   for an Inactive Employee"): `employee_inactive`; "This employee already has a log with
//!   the same timestamp": `duplicate`, which *counts as delivered*: the integrations service
//!   treats a duplicate as done (it is what a replay of a delivered mark meets); other
//!   validation errors: `rejected`.
//! - 401/403 (`AuthenticationError`, `PermissionError`): the destination is disabled until an
//!   operator fixes the key or the user's permissions; 404 on the method (HRMS not installed):
//!   disabled too.
//! - 429 (Frappe's rate limiter) with `Retry-After`, 5xx, network failures: retried.

use std::fmt;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use reqwest::{Url, header};
use serde_json::{Value, json};

use crate::guard::{GuardError, OutboundClient, classify_status, describe_error, read_limited};
use crate::odoo::base_url;
use crate::{AttendanceMark, DeliveryOutcome, MarkKind, Refusal, response_excerpt};

/// The whitelisted method that makes an Employee Checkin from an employee field's value.
pub const ADD_LOG_METHOD: &str =
    "hrms.hr.doctype.employee_checkin.employee_checkin.add_log_based_on_employee_field";

/// HRMS's default employee field: the biometric device's id of the employee.
pub const DEFAULT_EMPLOYEE_FIELDNAME: &str = "attendance_device_id";

const REPLY_LIMIT: usize = 1024 * 1024;

/// One Frappe site with HRMS that attendance is delivered to.
#[derive(Clone)]
pub struct FrappeDestination {
    url: Url,
    api_key: String,
    api_secret: String,
    employee_fieldname: String,
    time_zone: Tz,
}

impl FrappeDestination {
    /// `url` is the site's address; `api_key`/`api_secret` those of a user allowed to create
    /// and write Employee Checkin; `employee_fieldname` the Employee field the mapping's
    /// values are looked up in (`None`: [`DEFAULT_EMPLOYEE_FIELDNAME`]); `time_zone` the
    /// site's (System Settings → Time Zone).
    pub fn new(
        url: &str,
        api_key: &str,
        api_secret: &str,
        employee_fieldname: Option<&str>,
        time_zone: Tz,
    ) -> Result<Self, GuardError> {
        let url = base_url(url)?;
        let invalid = |field, reason: &str| GuardError::InvalidSetting {
            field,
            reason: reason.to_owned(),
        };
        let api_key = api_key.trim();
        let api_secret = api_secret.trim();
        // The two are joined with ':' in the Authorization header.
        if api_key.is_empty() || api_key.contains(':') {
            return Err(invalid(
                "api_key",
                "the Frappe API key is empty or holds ':'",
            ));
        }
        if api_secret.is_empty() {
            return Err(invalid("api_secret", "the Frappe API secret is empty"));
        }
        let employee_fieldname = employee_fieldname
            .map(str::trim)
            .unwrap_or(DEFAULT_EMPLOYEE_FIELDNAME);
        // A Frappe fieldname: lower-case letters, digits and underscores, not a digit first.
        let valid_fieldname = employee_fieldname
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
            && employee_fieldname
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !valid_fieldname {
            return Err(invalid(
                "employee_fieldname",
                "a Frappe fieldname is lower-case letters, digits and underscores",
            ));
        }
        Ok(Self {
            url,
            api_key: api_key.to_owned(),
            api_secret: api_secret.to_owned(),
            employee_fieldname: employee_fieldname.to_owned(),
            time_zone,
        })
    }

    pub fn url(&self) -> &Url {
        &self.url
    }

    pub fn employee_fieldname(&self) -> &str {
        &self.employee_fieldname
    }

    pub fn time_zone(&self) -> Tz {
        self.time_zone
    }

    /// A mark's time as the site stores it: naive, in its zone, to the second.
    pub fn local_timestamp(&self, at: DateTime<Utc>) -> String {
        at.with_timezone(&self.time_zone)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string()
    }

    /// Delivers one mark (see the module's documentation); never panics on what Frappe
    /// answers.
    pub async fn deliver(&self, http: &OutboundClient, mark: &AttendanceMark) -> DeliveryOutcome {
        let timestamp = self.local_timestamp(mark.at);
        let request = match &mark.external_record {
            Some(name) => {
                let mut url = self.url.clone();
                if let Ok(mut path) = url.path_segments_mut() {
                    path.pop_if_empty().extend([
                        "api",
                        "resource",
                        "Employee Checkin",
                        name.as_str(),
                    ]);
                }
                http.put(url.as_str())
                    .map(|r| r.json(&json!({ "time": timestamp })))
            }
            None => {
                let mut url = self.url.clone();
                if let Ok(mut path) = url.path_segments_mut() {
                    path.pop_if_empty()
                        .extend(["api", "method", ADD_LOG_METHOD]);
                }
                let mut body = json!({
                    "employee_field_value": mark.employee,
                    "timestamp": timestamp,
                    "log_type": match mark.kind { MarkKind::CheckIn => "IN", MarkKind::CheckOut => "OUT" },
                    "employee_fieldname": self.employee_fieldname,
                });
                if let Some(camera) = &mark.camera_id {
                    body["device_id"] = json!(camera);
                }
                http.post(url.as_str()).map(|r| r.json(&body))
            }
        };
        let request = match request {
            Ok(request) => request
                .header(
                    header::AUTHORIZATION,
                    format!("token {}:{}", self.api_key, self.api_secret),
                )
                .header(header::ACCEPT, "application/json"),
            Err(error) => return error.outcome(),
        };
        let request = match request.build() {
            Ok(request) => request,
            Err(error) => return GuardError::InvalidUrl(describe_error(&error)).outcome(),
        };
        let response = match http.execute(request).await {
            Ok(response) => response,
            Err(error) => return error.outcome(),
        };
        let status = response.status();
        let headers = response.headers().clone();
        let body = read_limited(response, REPLY_LIMIT).await;
        let text = response_excerpt(&body.bytes);
        let parsed = if body.truncated {
            None
        } else {
            serde_json::from_slice::<Value>(&body.bytes).ok()
        };
        let correction = mark.external_record.is_some();

        if status.is_success() {
            // add_log answers {"message": doc}; a resource PUT answers {"data": doc}.
            let doc = parsed
                .as_ref()
                .and_then(|v| v.get(if correction { "data" } else { "message" }));
            return match doc.and_then(|d| d.get("name")).and_then(Value::as_str) {
                Some(name) if !name.is_empty() => DeliveryOutcome::Delivered {
                    status: Some(status.as_u16()),
                    external_record: Some(name.to_owned()),
                    response: text,
                },
                _ => refused(
                    status.as_u16(),
                    Refusal::InvalidResponse,
                    "Frappe's reply holds no checkin name".into(),
                    text,
                ),
            };
        }

        let error = parsed
            .as_ref()
            .map(FrappeError::from_reply)
            .unwrap_or_default();
        let code = status.as_u16();
        match code {
            417 | 400 | 409 | 422 => {
                let refusal = if error
                    .message
                    .contains("No Employee found for the given employee field value")
                {
                    Refusal::EmployeeNotFound
                } else if error.exc_type == "InactiveEmployeeStatusError"
                    || error.message.contains("Inactive Employee")
                {
                    Refusal::EmployeeInactive
                } else if error
                    .message
                    .contains("already has a log with the same timestamp")
                {
                    Refusal::Duplicate
                } else {
                    Refusal::Rejected
                };
                refused(code, refusal, error.reason(code), text)
            }
            404 if correction => refused(
                code,
                Refusal::Rejected,
                format!(
                    "Frappe has no Employee Checkin {} any more ({})",
                    mark.external_record.as_deref().unwrap_or_default(),
                    error.reason(code)
                ),
                text,
            ),
            404 => DeliveryOutcome::Disable {
                status: Some(code),
                reason: format!("{} (is HRMS installed on the site?)", error.reason(code)),
                response: text,
            },
            401 | 403 => DeliveryOutcome::Disable {
                status: Some(code),
                reason: format!(
                    "{}: check the API key and secret, and that their user may create Employee Checkin",
                    error.reason(code)
                ),
                response: text,
            },
            _ => classify_status(status, &headers, text),
        }
    }
}

// The key pair is a password: it never reaches a log line through `{:?}`.
impl fmt::Debug for FrappeDestination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FrappeDestination")
            .field("url", &self.url.as_str())
            .field("api_key", &self.api_key)
            .field("api_secret", &"[redacted]")
            .field("employee_fieldname", &self.employee_fieldname)
            .field("time_zone", &self.time_zone)
            .finish()
    }
}

/// Frappe's error reply: `exc_type` (the exception's class), and `_server_messages`, a JSON
/// string holding a list of JSON strings, each a message object with its `message` text.
#[derive(Debug, Default, PartialEq)]
pub struct FrappeError {
    pub exc_type: String,
    pub message: String,
}

impl FrappeError {
    pub fn from_reply(reply: &Value) -> Self {
        let exc_type = reply
            .get("exc_type")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let mut messages = Vec::new();
        if let Some(list) = reply.get("_server_messages").and_then(Value::as_str) {
            for item in serde_json::from_str::<Vec<String>>(list).unwrap_or_default() {
                match serde_json::from_str::<Value>(&item) {
                    Ok(Value::Object(object)) => {
                        if let Some(text) = object.get("message").and_then(Value::as_str) {
                            messages.push(text.to_owned());
                        }
                    }
                    Ok(Value::String(text)) => messages.push(text),
                    _ => messages.push(item),
                }
            }
        }
        // `exception` ("module.Class: message") is there when tracebacks are allowed.
        if messages.is_empty()
            && let Some(exception) = reply.get("exception").and_then(Value::as_str)
        {
            messages.push(exception.to_owned());
        }
        Self {
            exc_type,
            message: messages.join(" | "),
        }
    }

    fn reason(&self, status: u16) -> String {
        match (self.exc_type.is_empty(), self.message.is_empty()) {
            (true, true) => format!("Frappe answered HTTP {status}"),
            (false, true) => format!("{} (HTTP {status})", self.exc_type),
            (true, false) => self.message.clone(),
            (false, false) => format!("{}: {}", self.exc_type, self.message),
        }
    }
}

fn refused(status: u16, refusal: Refusal, reason: String, response: String) -> DeliveryOutcome {
    DeliveryOutcome::Refused {
        status: Some(status),
        refusal,
        reason,
        response,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn destination(tz: Tz) -> FrappeDestination {
        FrappeDestination::new("https://hr.example.com", "key1", "s3cr3t", None, tz).expect("valid")
    }

    #[test]
    fn the_secret_never_prints() {
        let printed = format!("{:?}", destination(Tz::UTC));
        assert!(!printed.contains("s3cr3t"), "{printed}");
        assert!(printed.contains("attendance_device_id"));
    }

    #[test]
    fn timestamps_are_the_sites_local_time() {
        let at = DateTime::parse_from_rfc3339("2026-07-01T06:30:15.9Z")
            .expect("valid")
            .to_utc();
        assert_eq!(
            destination(chrono_tz::Asia::Kolkata).local_timestamp(at),
            "2026-07-01 12:00:15"
        );
        assert_eq!(
            destination(chrono_tz::Europe::Berlin).local_timestamp(at),
            "2026-07-01 08:30:15"
        );
        assert_eq!(
            destination(Tz::UTC).local_timestamp(at),
            "2026-07-01 06:30:15"
        );
    }

    #[test]
    fn settings_are_validated() {
        let field = |r: Result<FrappeDestination, GuardError>| match r {
            Err(GuardError::InvalidSetting { field, .. }) => field,
            other => panic!("expected a refused setting, got {other:?}"),
        };
        assert_eq!(
            field(FrappeDestination::new("https://h", "", "s", None, Tz::UTC)),
            "api_key"
        );
        assert_eq!(
            field(FrappeDestination::new(
                "https://h",
                "a:b",
                "s",
                None,
                Tz::UTC
            )),
            "api_key"
        );
        assert_eq!(
            field(FrappeDestination::new("https://h", "k", " ", None, Tz::UTC)),
            "api_secret"
        );
        assert_eq!(
            field(FrappeDestination::new(
                "https://h",
                "k",
                "s",
                Some("Device Id"),
                Tz::UTC
            )),
            "employee_fieldname"
        );
        assert!(
            FrappeDestination::new("https://h", "k", "s", Some("custom_faceattend_id"), Tz::UTC)
                .is_ok()
        );
    }

    #[test]
    fn server_messages_are_unwrapped() {
        let inner = json!({ "message": "This employee already has a log with the same timestamp.", "indicator": "red" });
        let reply = json!({
            "exc_type": "ValidationError",
            "_server_messages": serde_json::to_string(&vec![inner.to_string()]).expect("json"),
        });
        let error = FrappeError::from_reply(&reply);
        assert_eq!(error.exc_type, "ValidationError");
        assert_eq!(
            error.message,
            "This employee already has a log with the same timestamp."
        );
        assert_eq!(
            FrappeError::from_reply(&json!({"_server_messages": "not json"})),
            FrappeError::default()
        );
    }
}
