//! The service's domain values, validated on construction: what a destination is, which
//! events it wants, how a person is known there, and the states of a delivery.

use chrono::{DateTime, Utc};
use faceattend_domain::FieldIssue;
use serde::{Deserialize, Serialize};

/// Where deliveries go. Doors are opened for automatic marks at their cameras only, before
/// a deadline, never retried after it. Odoo and Frappe get
/// check-ins and check-outs (and their corrections) only, never status changes or absences:
/// neither `hr.attendance` nor Employee Checkin has a place for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DestinationKind {
    Webhook,
    Odoo,
    Frappe,
    Door,
}

impl DestinationKind {
    pub const ALL: [DestinationKind; 4] = [Self::Webhook, Self::Odoo, Self::Frappe, Self::Door];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Webhook => "webhook",
            Self::Odoo => "odoo",
            Self::Frappe => "frappe",
            Self::Door => "door",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldIssue> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == raw)
            .ok_or_else(|| FieldIssue::new("invalid_kind", "must be webhook, odoo, frappe or door"))
    }
}

/// The kinds of attendance event a destination may ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventCategory {
    /// A first check-in of a day record.
    CheckIn,
    /// A first check-out of a day record.
    CheckOut,
    /// A later check-in or check-out of a record already marked, or its status changed.
    Correction,
    /// A day recorded absent.
    Absence,
}

impl EventCategory {
    pub const ALL: [EventCategory; 4] = [
        Self::CheckIn,
        Self::CheckOut,
        Self::Correction,
        Self::Absence,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::CheckIn => "check_in",
            Self::CheckOut => "check_out",
            Self::Correction => "correction",
            Self::Absence => "absence",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldIssue> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == raw)
            .ok_or_else(|| {
                FieldIssue::new(
                    "invalid_event_type",
                    "must be check_in, check_out, correction or absence",
                )
            })
    }
}

/// The person field that is the person's key at a destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MappingField {
    PersonId,
    IdNumber,
    Email,
}

impl MappingField {
    pub const ALL: [MappingField; 3] = [Self::PersonId, Self::IdNumber, Self::Email];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::PersonId => "person_id",
            Self::IdNumber => "id_number",
            Self::Email => "email",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldIssue> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == raw)
            .ok_or_else(|| {
                FieldIssue::new(
                    "invalid_mapping_field",
                    "must be person_id, id_number or email",
                )
            })
    }
}

/// What a destination wants: event kinds, and optionally only some departments or cameras.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventFilter {
    pub event_types: Vec<EventCategory>,
    /// `None`: every department (and persons without one).
    pub departments: Option<Vec<String>>,
    /// `None`: every camera (and manual entries).
    pub cameras: Option<Vec<String>>,
}

impl EventFilter {
    /// Whether an event of `category`, of a person in `department`, seen by `camera`, is
    /// wanted. A department or camera list excludes events that have none.
    pub fn matches(
        &self,
        category: EventCategory,
        department: Option<&str>,
        camera: Option<&str>,
    ) -> bool {
        self.event_types.contains(&category)
            && self
                .departments
                .as_ref()
                .is_none_or(|list| department.is_some_and(|d| list.iter().any(|x| x == d)))
            && self
                .cameras
                .as_ref()
                .is_none_or(|list| camera.is_some_and(|c| list.iter().any(|x| x == c)))
    }
}

/// A delivery's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Due at `next_attempt_at` (or waiting for an earlier mark of the same person).
    Pending,
    Delivered,
    /// The destination refused it for good (`refusal` says why).
    Refused,
    /// Every scheduled attempt failed.
    Failed,
    /// The person has no key at the destination yet; pending again once they have one.
    Unmapped,
    /// Given up on without a destination's answer (the destination was deleted).
    Dead,
}

impl DeliveryStatus {
    pub const ALL: [DeliveryStatus; 6] = [
        Self::Pending,
        Self::Delivered,
        Self::Refused,
        Self::Failed,
        Self::Unmapped,
        Self::Dead,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Refused => "refused",
            Self::Failed => "failed",
            Self::Unmapped => "unmapped",
            Self::Dead => "dead",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldIssue> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == raw)
            .ok_or_else(|| {
                FieldIssue::new(
                    "invalid_status",
                    "must be pending, delivered, refused, failed, unmapped or dead",
                )
            })
    }
}

/// A webhook destination's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookConfig {
    pub url: String,
}

/// Checks a webhook URL: absolute http(s) with a host, no credentials in it.
pub fn parse_webhook_url(raw: &str) -> Result<String, FieldIssue> {
    let url = reqwest::Url::parse(raw.trim())
        .map_err(|e| FieldIssue::new("invalid_url", format!("not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(FieldIssue::new(
            "invalid_url",
            "must be http:// or https://",
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(FieldIssue::new("invalid_url", "must name a host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(FieldIssue::new(
            "invalid_url",
            "must not carry credentials; the payload is signed instead",
        ));
    }
    if raw.len() > 2048 {
        return Err(FieldIssue::new("too_long", "at most 2048 characters"));
    }
    Ok(url.to_string())
}

/// An Odoo destination's settings as stored and shown; its API key is kept with the
/// secrets ([`Secrets::api_key`]), never here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OdooConfig {
    pub url: String,
    pub database: String,
    /// The API user's login (JSON-RPC authenticates with it; JSON-2 needs only the key).
    #[serde(default)]
    pub login: String,
    pub protocol: faceattend_connectors::odoo::OdooProtocol,
}

/// A Frappe HRMS destination's settings as stored and shown; its API key and secret are
/// kept with the secrets, never here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrappeConfig {
    pub url: String,
    /// The Employee field the mapped key is looked up in (HRMS's default:
    /// `attendance_device_id`).
    pub employee_fieldname: String,
    /// The site's time zone (IANA name): Frappe stores naive local times.
    pub time_zone: String,
}

/// A door destination's settings: its device template (Shelly Gen1 relay in this version)
/// and how long after the decision (the event's `occurred_at`) it may still be opened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoorConfig {
    /// `shelly_gen1`.
    pub template: String,
    pub host: String,
    pub relay: u8,
    pub open_seconds: u32,
    pub deadline_ms: u64,
}

/// Default door deadline after the decision.
pub const DOOR_DEADLINE_MS: u64 = 2_000;

/// A destination's secrets. Webhooks: the current signing secret, and during a rotation's
/// overlap the one it replaced (both sign until `previous_until`). Odoo: `api_key`.
/// Frappe: `api_key` and `api_secret`. None of them is ever returned by the API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Secrets {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_until: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_secret: Option<String>,
}

impl Secrets {
    /// The secrets that sign at `now`, current first.
    pub fn signing(&self, now: DateTime<Utc>) -> Vec<String> {
        let mut secrets: Vec<String> = self.current.iter().cloned().collect();
        if let (Some(previous), Some(until)) = (&self.previous, self.previous_until)
            && now < until
        {
            secrets.push(previous.clone());
        }
        secrets
    }
}

/// A new Standard Webhooks secret (`whsec_` and 32 random bytes in base64), from the
/// connectors' generator.
pub fn new_webhook_secret() -> Result<String, String> {
    faceattend_connectors::webhook::WebhookSecret::generate()
        .map(|secret| secret.expose())
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_by_kind_department_and_camera() {
        let filter = EventFilter {
            event_types: vec![EventCategory::CheckIn],
            departments: Some(vec!["Sales".into()]),
            cameras: None,
        };
        assert!(filter.matches(EventCategory::CheckIn, Some("Sales"), Some("gate")));
        assert!(!filter.matches(EventCategory::CheckOut, Some("Sales"), None));
        assert!(!filter.matches(EventCategory::CheckIn, Some("Ops"), None));
        assert!(!filter.matches(EventCategory::CheckIn, None, None));
        let cameras = EventFilter {
            event_types: vec![EventCategory::CheckIn],
            departments: None,
            cameras: Some(vec!["gate".into()]),
        };
        assert!(cameras.matches(EventCategory::CheckIn, None, Some("gate")));
        assert!(!cameras.matches(EventCategory::CheckIn, None, None));
    }

    #[test]
    fn webhook_urls_are_checked() {
        assert!(parse_webhook_url("https://example.com/hook").is_ok());
        assert_eq!(
            parse_webhook_url("ftp://x/").unwrap_err().code,
            "invalid_url"
        );
        assert_eq!(
            parse_webhook_url("https://u:p@x/").unwrap_err().code,
            "invalid_url"
        );
        assert_eq!(parse_webhook_url("nope").unwrap_err().code, "invalid_url");
    }

    #[test]
    fn a_rotated_secret_signs_until_its_overlap_ends() {
        let now = Utc::now();
        let secrets = Secrets {
            current: Some("whsec_new".into()),
            previous: Some("whsec_old".into()),
            previous_until: Some(now + chrono::Duration::hours(1)),
            ..Secrets::default()
        };
        assert_eq!(secrets.signing(now), ["whsec_new", "whsec_old"]);
        assert_eq!(
            secrets.signing(now + chrono::Duration::hours(2)),
            ["whsec_new"]
        );
        let secret = new_webhook_secret().unwrap_or_default();
        assert!(secret.starts_with("whsec_") && secret.len() > 40);
    }
}
