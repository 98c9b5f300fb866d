//! What the REST API reads and writes: request bodies (parsed strictly, then validated into
//! the domain's values, every bad field reported at once) and responses.

use chrono::{DateTime, Utc};
use faceattend_connectors::door::DoorAction;
use faceattend_connectors::frappe::FrappeDestination;
use faceattend_connectors::guard::GuardError;
use faceattend_connectors::odoo::{OdooDestination, OdooProtocol};
use faceattend_domain::pagination::PageRequest;
use faceattend_domain::{FieldIssue, ValidationErrors};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::model::{
    DOOR_DEADLINE_MS, DeliveryStatus, DestinationKind, DoorConfig, EventCategory, EventFilter,
    FrappeConfig, MappingField, OdooConfig, WebhookConfig, parse_webhook_url,
};
use crate::store::{
    AttemptRow, DeliveryFilter, DeliveryRow, Destination, DestinationSpec, PersonRow,
};

/// Longest destination name.
pub const NAME_MAX: usize = 100;
/// Most departments or cameras in a filter.
pub const FILTER_MAX: usize = 100;

/// `POST /api/v1/destinations`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateDestinationRequest {
    /// 1 to 100 characters, unique.
    pub name: String,
    /// `webhook`, `odoo`, `frappe` or `door`.
    pub kind: String,
    /// Kind-specific settings. A webhook's: `{"url": "https://…"}`. Odoo's: `url`,
    /// `database`, `login`, `api_key`, `protocol` (`json_rpc`, default, or `json2`).
    /// Frappe's: `url`, `api_key`, `api_secret`, `employee_fieldname` (default
    /// `attendance_device_id`), `time_zone` (default `UTC`). Keys and secrets are stored
    /// apart and never shown again. A door's: `template` (`shelly_gen1`), `host`, `relay`
    /// (default 0), `open_seconds` (default 5), `deadline_ms` after the decision (default
    /// 2000); a door also needs `cameras`, and opens on the `check_in`/`check_out` of its
    /// `event_types`, for automatic marks only.
    #[schema(value_type = Object)]
    pub config: serde_json::Value,
    /// Default true.
    pub enabled: Option<bool>,
    /// Any of `check_in`, `check_out`, `correction`, `absence`; default the first three.
    pub event_types: Option<Vec<String>>,
    /// Only persons of these departments; absent or null for all.
    pub departments: Option<Vec<String>>,
    /// Only marks seen by these cameras; absent or null for all.
    pub cameras: Option<Vec<String>>,
    /// The person field that is the person's key there: `person_id` (default), `id_number`
    /// or `email`.
    pub mapping_field: Option<String>,
    /// Whether private, loopback and link-local addresses may be reached. Default false.
    pub allow_private: Option<bool>,
}

/// `PATCH /api/v1/destinations/{id}`: the fields given replace the stored ones.
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct UpdateDestinationRequest {
    pub name: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub config: Option<serde_json::Value>,
    pub event_types: Option<Vec<String>>,
    /// `null` clears the filter (every department).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Vec<String>>)]
    pub departments: Option<Option<Vec<String>>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Vec<String>>)]
    pub cameras: Option<Option<Vec<String>>>,
    pub mapping_field: Option<String>,
    pub allow_private: Option<bool>,
}

/// Tells an absent field (`None`) from an explicit `null` (`Some(None)`).
fn double_option<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// `POST /api/v1/destinations/{id}/disable`.
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct DisableRequest {
    /// Why; kept with the destination. Default "disabled by an operator".
    pub reason: Option<String>,
}

impl CreateDestinationRequest {
    pub fn validate(self) -> Result<DestinationSpec, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let name = errors.check("name", parse_name(&self.name));
        let kind = errors.check("kind", DestinationKind::parse(&self.kind));
        let config = kind.and_then(|kind| validate_config(kind, &self.config, None, &mut errors));
        let event_types = errors.check(
            "event_types",
            parse_event_types(self.event_types.as_deref()),
        );
        let departments = errors.check("departments", parse_list(self.departments));
        let cameras = errors.check("cameras", parse_list(self.cameras));
        let mapping_field = errors.check(
            "mapping_field",
            MappingField::parse(self.mapping_field.as_deref().unwrap_or("person_id")),
        );
        // A door opens for the people seen by its own cameras, never for every camera.
        if kind == Some(DestinationKind::Door) && matches!(cameras, Some(None)) {
            errors.push(
                FieldIssue::new("required", "a door names the cameras it opens for").at("cameras"),
            );
        }
        let spec = (|| {
            Some(DestinationSpec {
                name: name?,
                kind: kind?,
                enabled: self.enabled.unwrap_or(true),
                config: config.as_ref()?.0.clone(),
                credentials: config?.1,
                filter: EventFilter {
                    event_types: event_types?,
                    departments: departments?,
                    cameras: cameras?,
                },
                mapping_field: mapping_field?,
                allow_private: self.allow_private.unwrap_or(false),
            })
        })();
        match spec {
            Some(spec) if errors.is_empty() => Ok(spec),
            _ => Err(errors),
        }
    }
}

impl UpdateDestinationRequest {
    /// The stored destination's spec with this request's fields applied.
    pub fn apply(self, current: &Destination) -> Result<DestinationSpec, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let mut spec = DestinationSpec {
            name: current.name.clone(),
            kind: current.kind,
            enabled: current.enabled,
            config: current.config.clone(),
            credentials: None,
            filter: current.filter.clone(),
            mapping_field: current.mapping_field,
            allow_private: current.allow_private,
        };
        if let Some(name) = self.name
            && let Some(name) = errors.check("name", parse_name(&name))
        {
            spec.name = name;
        }
        if let Some(config) = self.config
            && let Some((config, credentials)) =
                validate_config(current.kind, &config, Some(&current.secrets), &mut errors)
        {
            spec.config = config;
            spec.credentials = credentials;
        }
        if let Some(types) = self.event_types
            && let Some(types) = errors.check("event_types", parse_event_types(Some(&types)))
        {
            spec.filter.event_types = types;
        }
        if let Some(departments) = self.departments
            && let Some(departments) = errors.check("departments", parse_list(departments))
        {
            spec.filter.departments = departments;
        }
        if let Some(cameras) = self.cameras
            && let Some(cameras) = errors.check("cameras", parse_list(cameras))
        {
            spec.filter.cameras = cameras;
        }
        if let Some(field) = self.mapping_field
            && let Some(field) = errors.check("mapping_field", MappingField::parse(&field))
        {
            spec.mapping_field = field;
        }
        if let Some(allow) = self.allow_private {
            spec.allow_private = allow;
        }
        errors.into_result(|| spec)
    }
}

fn parse_name(raw: &str) -> Result<String, FieldIssue> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(FieldIssue::new("required", "must not be blank"));
    }
    if name.chars().count() > NAME_MAX {
        return Err(FieldIssue::new(
            "too_long",
            format!("at most {NAME_MAX} characters"),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(FieldIssue::new(
            "invalid_characters",
            "must not contain control characters",
        ));
    }
    Ok(name.to_owned())
}

/// An Odoo or Frappe destination's credentials, kept with its secrets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub api_key: String,
    /// Frappe only.
    pub api_secret: Option<String>,
}

/// Checks a destination's `config` for its kind; returns what is stored as its config and,
/// for Odoo and Frappe, the credentials split off it (stored as secrets, never shown). On
/// update (`current` given) an omitted `api_key`/`api_secret` keeps the stored one.
fn validate_config(
    kind: DestinationKind,
    config: &serde_json::Value,
    current: Option<&crate::model::Secrets>,
    errors: &mut ValidationErrors,
) -> Option<(serde_json::Value, Option<Credentials>)> {
    let Some(object) = config.as_object() else {
        errors.push(FieldIssue::new("invalid_type", "must be an object").at("config"));
        return None;
    };
    let allowed: &[&str] = match kind {
        DestinationKind::Webhook => &["url"],
        DestinationKind::Odoo => &["url", "database", "login", "api_key", "protocol"],
        DestinationKind::Frappe => &[
            "url",
            "api_key",
            "api_secret",
            "employee_fieldname",
            "time_zone",
        ],
        DestinationKind::Door => &["template", "host", "relay", "open_seconds", "deadline_ms"],
    };
    if let Some(unknown) = object.keys().find(|k| !allowed.contains(&k.as_str())) {
        errors.push(
            FieldIssue::new(
                "unknown_field",
                format!("a {} config has only {}", kind.as_str(), allowed.join(", ")),
            )
            .at(format!("config.{unknown}")),
        );
        return None;
    }
    let text = |field: &str, errors: &mut ValidationErrors| -> Option<Option<String>> {
        match object.get(field) {
            None | Some(serde_json::Value::Null) => Some(None),
            Some(serde_json::Value::String(s)) => Some(Some(s.clone())),
            Some(_) => {
                errors.push(
                    FieldIssue::new("invalid_type", "must be a string")
                        .at(format!("config.{field}")),
                );
                None
            }
        }
    };
    let required = |value: Option<String>, field: &str, errors: &mut ValidationErrors| {
        let value = value.filter(|v| !v.trim().is_empty());
        if value.is_none() {
            errors.push(FieldIssue::new("required", "is required").at(format!("config.{field}")));
        }
        value
    };
    // A connector's own checks, reported at the field they name.
    let setting_error = |error: GuardError, errors: &mut ValidationErrors| {
        let field = match &error {
            GuardError::InvalidSetting { field, .. } => *field,
            _ => "url",
        };
        errors.push(FieldIssue::new(error.code(), error.to_string()).at(format!("config.{field}")));
    };
    match kind {
        DestinationKind::Webhook => {
            let url = required(text("url", errors)?, "url", errors)?;
            let url = errors.check("config.url", parse_webhook_url(&url))?;
            Some((serde_json::to_value(WebhookConfig { url }).ok()?, None))
        }
        DestinationKind::Odoo => {
            let url = required(text("url", errors)?, "url", errors)
                .and_then(|url| errors.check("config.url", parse_webhook_url(&url)));
            let database = required(text("database", errors)?, "database", errors);
            let login = text("login", errors)?.unwrap_or_default();
            let api_key =
                text("api_key", errors)?.or_else(|| current.and_then(|c| c.api_key.clone()));
            let api_key = required(api_key, "api_key", errors);
            let protocol = match text("protocol", errors)?.as_deref() {
                None | Some("json_rpc") => Some(OdooProtocol::JsonRpc),
                Some("json2") => Some(OdooProtocol::Json2),
                Some(_) => {
                    errors.push(
                        FieldIssue::new("invalid_protocol", "must be json_rpc or json2")
                            .at("config.protocol"),
                    );
                    None
                }
            };
            let (url, database, api_key, protocol) = (url?, database?, api_key?, protocol?);
            let checked = OdooDestination::new(&url, &database, &login, &api_key, protocol)
                .map_err(|e| setting_error(e, errors))
                .ok()?;
            let stored = OdooConfig {
                url: checked.url().to_string(),
                database: checked.database().to_owned(),
                login: checked.login().to_owned(),
                protocol,
            };
            Some((
                serde_json::to_value(stored).ok()?,
                Some(Credentials {
                    api_key: api_key.trim().to_owned(),
                    api_secret: None,
                }),
            ))
        }
        DestinationKind::Frappe => {
            let url = required(text("url", errors)?, "url", errors)
                .and_then(|url| errors.check("config.url", parse_webhook_url(&url)));
            let api_key =
                text("api_key", errors)?.or_else(|| current.and_then(|c| c.api_key.clone()));
            let api_key = required(api_key, "api_key", errors);
            let api_secret =
                text("api_secret", errors)?.or_else(|| current.and_then(|c| c.api_secret.clone()));
            let api_secret = required(api_secret, "api_secret", errors);
            let fieldname = text("employee_fieldname", errors)?;
            let zone = text("time_zone", errors)?.unwrap_or_else(|| "UTC".to_owned());
            let time_zone = match zone.trim().parse::<chrono_tz::Tz>() {
                Ok(tz) => Some(tz),
                Err(_) => {
                    errors.push(
                        FieldIssue::new("invalid_time_zone", "must be an IANA time zone name")
                            .at("config.time_zone"),
                    );
                    None
                }
            };
            let (url, api_key, api_secret, time_zone) = (url?, api_key?, api_secret?, time_zone?);
            let checked = FrappeDestination::new(
                &url,
                &api_key,
                &api_secret,
                fieldname.as_deref(),
                time_zone,
            )
            .map_err(|e| setting_error(e, errors))
            .ok()?;
            let stored = FrappeConfig {
                url: checked.url().to_string(),
                employee_fieldname: checked.employee_fieldname().to_owned(),
                time_zone: time_zone.name().to_owned(),
            };
            Some((
                serde_json::to_value(stored).ok()?,
                Some(Credentials {
                    api_key: api_key.trim().to_owned(),
                    api_secret: Some(api_secret.trim().to_owned()),
                }),
            ))
        }
        DestinationKind::Door => {
            let template = text("template", errors)?;
            if template.as_deref() != Some("shelly_gen1") {
                errors.push(
                    FieldIssue::new(
                        "invalid_template",
                        "must be shelly_gen1 (shelly_gen2, hikvision_isapi and custom are not \
                         delivered by this version)",
                    )
                    .at("config.template"),
                );
                return None;
            }
            let host = required(text("host", errors)?, "host", errors)?;
            let number = |field: &str, default: u64, errors: &mut ValidationErrors| match object
                .get(field)
            {
                None | Some(serde_json::Value::Null) => Some(default),
                Some(value) => value.as_u64().or_else(|| {
                    errors.push(
                        FieldIssue::new("invalid_type", "must be a non-negative integer")
                            .at(format!("config.{field}")),
                    );
                    None
                }),
            };
            let relay = number("relay", 0, errors)?;
            let open_seconds = number("open_seconds", 5, errors)?;
            let deadline_ms = number("deadline_ms", DOOR_DEADLINE_MS, errors)?;
            if !(1..=60_000).contains(&deadline_ms) {
                errors.push(
                    FieldIssue::new("out_of_range", "1 to 60000 ms").at("config.deadline_ms"),
                );
                return None;
            }
            let (Ok(relay), Ok(open_seconds)) = (u8::try_from(relay), u32::try_from(open_seconds))
            else {
                errors.push(FieldIssue::new("out_of_range", "too large").at("config.relay"));
                return None;
            };
            if let Err(error) = DoorAction::shelly_gen1(&host, relay, open_seconds) {
                errors.push(FieldIssue::new(error.code(), error.to_string()).at("config.host"));
                return None;
            }
            let stored = DoorConfig {
                template: "shelly_gen1".to_owned(),
                host: host.trim().to_owned(),
                relay,
                open_seconds,
                deadline_ms,
            };
            Some((serde_json::to_value(stored).ok()?, None))
        }
    }
}

fn parse_event_types(raw: Option<&[String]>) -> Result<Vec<EventCategory>, FieldIssue> {
    let Some(raw) = raw else {
        return Ok(vec![
            EventCategory::CheckIn,
            EventCategory::CheckOut,
            EventCategory::Correction,
        ]);
    };
    if raw.is_empty() {
        return Err(FieldIssue::new("required", "name at least one event type"));
    }
    let mut types = raw
        .iter()
        .map(|t| EventCategory::parse(t))
        .collect::<Result<Vec<_>, _>>()?;
    types.sort();
    types.dedup();
    Ok(types)
}

fn parse_list(raw: Option<Vec<String>>) -> Result<Option<Vec<String>>, FieldIssue> {
    let Some(raw) = raw else { return Ok(None) };
    if raw.is_empty() {
        return Err(FieldIssue::new(
            "required",
            "give at least one value, or null for all",
        ));
    }
    if raw.len() > FILTER_MAX {
        return Err(FieldIssue::new(
            "too_many",
            format!("at most {FILTER_MAX} values"),
        ));
    }
    let mut values = Vec::with_capacity(raw.len());
    for value in raw {
        let value = value.trim();
        if value.is_empty() || value.chars().count() > 100 || value.chars().any(char::is_control) {
            return Err(FieldIssue::new(
                "invalid_value",
                "each value is 1 to 100 characters",
            ));
        }
        values.push(value.to_owned());
    }
    values.sort();
    values.dedup();
    Ok(Some(values))
}

/// A destination as the API shows it: never its secrets.
#[derive(Debug, Serialize, ToSchema)]
pub struct DestinationResponse {
    pub id: Uuid,
    pub name: String,
    #[schema(example = "webhook")]
    pub kind: String,
    pub enabled: bool,
    /// Why it is disabled (an operator's reason, `HTTP 410 …`, `failing continuously since …`).
    pub disabled_reason: Option<String>,
    #[schema(value_type = Object)]
    pub config: serde_json::Value,
    pub event_types: Vec<String>,
    pub departments: Option<Vec<String>>,
    pub cameras: Option<Vec<String>>,
    pub mapping_field: String,
    pub allow_private: bool,
    /// Since when every attempt has failed; null while it answers.
    pub failing_since: Option<DateTime<Utc>>,
    /// Until when the secret replaced by the last rotation still signs too.
    pub previous_secret_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&Destination> for DestinationResponse {
    fn from(d: &Destination) -> Self {
        Self {
            id: d.id,
            name: d.name.clone(),
            kind: d.kind.as_str().to_owned(),
            enabled: d.enabled,
            disabled_reason: d.disabled_reason.clone(),
            config: d.config.clone(),
            event_types: d
                .filter
                .event_types
                .iter()
                .map(|t| t.as_str().to_owned())
                .collect(),
            departments: d.filter.departments.clone(),
            cameras: d.filter.cameras.clone(),
            mapping_field: d.mapping_field.as_str().to_owned(),
            allow_private: d.allow_private,
            failing_since: d.failing_since,
            previous_secret_until: d.secrets.previous_until.filter(|until| *until > Utc::now()),
            created_at: d.created_at,
            updated_at: d.updated_at,
        }
    }
}

/// A destination just created, with its signing secret: shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedDestinationResponse {
    #[serde(flatten)]
    pub destination: DestinationResponse,
    /// The webhook's `whsec_…` secret; null for other kinds.
    pub secret: Option<String>,
}

/// A rotated secret: shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct RotatedSecretResponse {
    pub secret: String,
    /// Until when the old secret signs too.
    pub previous_secret_until: DateTime<Utc>,
}

/// What a test delivery came to.
#[derive(Debug, Serialize, ToSchema)]
pub struct TestDeliveryResponse {
    /// `delivered`, `retry`, `refused` or `disable` (what a real delivery would have done;
    /// a test changes nothing).
    pub outcome: String,
    pub status_code: Option<u16>,
    pub reason: Option<String>,
    pub refusal: Option<String>,
    pub response: String,
    /// The sample event sent.
    #[schema(value_type = Object)]
    pub event: serde_json::Value,
}

/// `GET /api/v1/deliveries` filters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListDeliveriesQuery {
    pub destination_id: Option<String>,
    /// `pending`, `delivered`, `refused`, `failed`, `unmapped` or `dead`.
    pub status: Option<String>,
    pub person_id: Option<String>,
    /// Created at or after (RFC 3339).
    pub from: Option<String>,
    /// Created before (RFC 3339).
    pub to: Option<String>,
    /// 1-based page (default 1).
    pub page: Option<i64>,
    /// 1 to 100 (default 20).
    pub page_size: Option<i64>,
}

impl ListDeliveriesQuery {
    pub fn validate(self) -> Result<(DeliveryFilter, PageRequest), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let uuid = |raw: Option<String>| -> Result<Option<Uuid>, FieldIssue> {
            raw.map(|r| {
                Uuid::parse_str(r.trim())
                    .map_err(|_| FieldIssue::new("invalid_uuid", "must be a UUID"))
            })
            .transpose()
        };
        let time = |raw: Option<String>| -> Result<Option<DateTime<Utc>>, FieldIssue> {
            raw.map(|r| {
                DateTime::parse_from_rfc3339(r.trim())
                    .map(|t| t.with_timezone(&Utc))
                    .map_err(|_| {
                        FieldIssue::new("invalid_datetime", "must be RFC 3339 with an offset")
                    })
            })
            .transpose()
        };
        let destination_id = errors.check("destination_id", uuid(self.destination_id));
        let person_id = errors.check("person_id", uuid(self.person_id));
        let status = errors.check(
            "status",
            self.status
                .as_deref()
                .map(DeliveryStatus::parse)
                .transpose(),
        );
        let from = errors.check("from", time(self.from));
        let to = errors.check("to", time(self.to));
        if let (Some(Some(from)), Some(Some(to))) = (from, to)
            && from > to
        {
            errors.push(FieldIssue::new("invalid_range", "must not be before from").at("to"));
        }
        let page = errors.check("page", PageRequest::parse_page(self.page));
        let page_size = errors.check("page_size", PageRequest::parse_page_size(self.page_size));
        errors.into_result(|| {
            (
                DeliveryFilter {
                    destination_id: destination_id.flatten(),
                    status: status.flatten(),
                    person_id: person_id.flatten(),
                    from: from.flatten(),
                    to: to.flatten(),
                },
                PageRequest::new(page.unwrap_or(1), page_size.unwrap_or(20)),
            )
        })
    }
}

/// One delivery of the log.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryResponse {
    pub id: Uuid,
    pub event_id: Uuid,
    pub destination_id: Uuid,
    pub person_id: Uuid,
    pub attendance_id: Uuid,
    /// The webhook type (`attendance.check_in`, …).
    pub event_type: String,
    /// `check_in`, `check_out`, or null for a status change.
    pub mark_kind: Option<String>,
    /// Its ATTENDANCE stream sequence: one person's deliveries go out in this order.
    pub stream_sequence: i64,
    pub status: String,
    pub attempts: i32,
    /// When it is due next, while pending.
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_status_code: Option<i32>,
    pub last_response: Option<String>,
    pub last_error: Option<String>,
    pub refusal: Option<String>,
    pub external_record: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

impl From<&DeliveryRow> for DeliveryResponse {
    fn from(d: &DeliveryRow) -> Self {
        Self {
            id: d.id,
            event_id: d.event_id,
            destination_id: d.destination_id,
            person_id: d.person_id,
            attendance_id: d.attendance_id,
            event_type: d.event_type.clone(),
            mark_kind: d.mark_kind.clone(),
            stream_sequence: d.stream_sequence,
            status: d.status.clone(),
            attempts: d.attempts,
            next_attempt_at: (d.status == "pending").then_some(d.next_attempt_at),
            last_status_code: d.last_status_code,
            last_response: d.last_response.clone(),
            last_error: d.last_error.clone(),
            refusal: d.refusal.clone(),
            external_record: d.external_record.clone(),
            created_at: d.created_at,
            updated_at: d.updated_at,
            delivered_at: d.delivered_at,
        }
    }
}

/// One attempt of a delivery.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptResponse {
    pub n: i32,
    pub at: DateTime<Utc>,
    pub status_code: Option<i32>,
    pub response: Option<String>,
    pub duration_ms: i64,
    /// `delivered`, `retry`, `refused` or `disable`.
    pub outcome: String,
    pub error: Option<String>,
}

impl From<AttemptRow> for AttemptResponse {
    fn from(a: AttemptRow) -> Self {
        Self {
            n: a.n,
            at: a.at,
            status_code: a.status_code,
            response: a.response,
            duration_ms: a.duration_ms,
            outcome: a.outcome,
            error: a.error,
        }
    }
}

/// A delivery with its payload and every attempt.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryDetailResponse {
    #[serde(flatten)]
    pub delivery: DeliveryResponse,
    /// The event body (without the person's key, which is added when sent).
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    pub attempt_log: Vec<AttemptResponse>,
}

/// A person without a key at a destination.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnmappedPersonResponse {
    pub id: Uuid,
    pub name: String,
    pub department: Option<String>,
    pub status: String,
}

impl From<PersonRow> for UnmappedPersonResponse {
    fn from(p: PersonRow) -> Self {
        Self {
            id: p.id,
            name: p.name(),
            department: p.department,
            status: p.status,
        }
    }
}
