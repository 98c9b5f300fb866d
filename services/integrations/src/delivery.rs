//! Sending one delivery to its destination and saying what became of it.
//!
//! Every request goes through the connectors' SSRF-guarded client (no private, loopback
//! or link-local address unless the destination allows it, no redirects, a timeout); one
//! client per policy, each keeping its connection pool. Webhooks are signed per Standard
//! Webhooks with each of the destination's current secrets (two during a rotation's
//! overlap); the event id is the `webhook-id`, so a receiver can drop a redelivery.
//!
//! Odoo and Frappe get the mark itself ([`AttendanceMark`]), made from the stored event
//! body, with the record an earlier delivery of the same day record and kind made there
//! (`external_record`), so that a correction rewrites that record. One [`OdooConnector`]
//! is kept per destination (it caches the JSON-RPC uid), made again when the destination
//! changes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use faceattend_connectors::door::{self, DoorAction, DoorClient, DoorOutcome};
use faceattend_connectors::frappe::FrappeDestination;
use faceattend_connectors::guard::{GuardError, OutboundClient, OutboundPolicy};
use faceattend_connectors::odoo::{OdooConnector, OdooDestination};
use faceattend_connectors::webhook::{self, WebhookRequest, WebhookSecret};
use faceattend_connectors::{AttendanceMark, DeliveryOutcome, Refusal};
use uuid::Uuid;

use crate::error::IntegrationsError;
use crate::events::parse_mark_kind;
use crate::events::with_employee_key;
use crate::model::{DestinationKind, DoorConfig, FrappeConfig, OdooConfig, WebhookConfig};
use crate::store::{DeliveryRow, Destination};

/// Sends deliveries; cheap to clone.
#[derive(Clone)]
pub struct Sender {
    public: OutboundClient,
    private: OutboundClient,
    /// Odoo connectors by destination, with the `updated_at` they were made for.
    odoo: Arc<Mutex<OdooConnectors>>,
    doors: DoorClient,
}

/// Odoo connectors by destination id, each with the destination's `updated_at` it was made
/// for (a changed destination gets a new one).
type OdooConnectors = HashMap<Uuid, (DateTime<Utc>, Arc<OdooConnector>)>;

impl Sender {
    pub fn new(timeout: Duration) -> Result<Self, IntegrationsError> {
        let client = |allow_private: bool| {
            OutboundClient::new(&OutboundPolicy {
                allow_private,
                timeout,
                verify_tls: true,
            })
            .map_err(|e| IntegrationsError::Client(e.to_string()))
        };
        Ok(Self {
            public: client(false)?,
            private: client(true)?,
            odoo: Arc::default(),
            doors: DoorClient::new().map_err(|e| IntegrationsError::Client(e.to_string()))?,
        })
    }

    fn client(&self, destination: &Destination) -> &OutboundClient {
        if destination.allow_private {
            &self.private
        } else {
            &self.public
        }
    }

    /// Refuses a URL the guard would never send to under this policy (a loopback or
    /// private address without `allow_private`), so the mistake shows when the
    /// destination is saved rather than at its first delivery.
    pub fn check_url(&self, url: &str, allow_private: bool) -> Result<(), GuardError> {
        let client = if allow_private {
            &self.private
        } else {
            &self.public
        };
        client.check_url(url).map(|_| ())
    }

    /// Sends a logged delivery, its person's key at the destination filled in;
    /// `external_record` is what an earlier delivery of its day record and kind made there.
    pub async fn send(
        &self,
        destination: &Destination,
        delivery: &DeliveryRow,
        employee_key: &str,
        external_record: Option<String>,
        at: DateTime<Utc>,
    ) -> DeliveryOutcome {
        let payload = match serde_json::from_str::<serde_json::Value>(&delivery.payload) {
            Ok(payload) => payload,
            Err(error) => {
                return DeliveryOutcome::Refused {
                    status: None,
                    refusal: Refusal::Rejected,
                    reason: format!("the stored payload is unreadable: {error}"),
                    response: String::new(),
                };
            }
        };
        let event = with_employee_key(payload, employee_key);
        self.send_event(destination, delivery.event_id, &event, external_record, at)
            .await
    }

    /// Sends one event body as `event_id` at `at`.
    pub async fn send_event(
        &self,
        destination: &Destination,
        event_id: Uuid,
        event: &serde_json::Value,
        external_record: Option<String>,
        at: DateTime<Utc>,
    ) -> DeliveryOutcome {
        match destination.kind {
            DestinationKind::Webhook => {
                let config: WebhookConfig = match serde_json::from_value(destination.config.clone())
                {
                    Ok(config) => config,
                    Err(error) => {
                        return DeliveryOutcome::Disable {
                            status: None,
                            reason: format!("the webhook's stored config is unreadable: {error}"),
                            response: String::new(),
                        };
                    }
                };
                let body = match serde_json::to_vec(event) {
                    Ok(body) => body,
                    Err(error) => {
                        return DeliveryOutcome::Refused {
                            status: None,
                            refusal: Refusal::Rejected,
                            reason: format!("cannot serialise the event: {error}"),
                            response: String::new(),
                        };
                    }
                };
                let secrets = destination.secrets.signing(at);
                send_webhook(
                    self.client(destination),
                    &config.url,
                    event_id,
                    at,
                    &secrets,
                    body,
                )
                .await
            }
            DestinationKind::Odoo => {
                let mark = match mark_of(event_id, event, external_record) {
                    Ok(mark) => mark,
                    Err(outcome) => return outcome,
                };
                let connector = match self.odoo_connector(destination) {
                    Ok(connector) => connector,
                    Err(outcome) => return outcome,
                };
                connector.deliver(self.client(destination), &mark).await
            }
            DestinationKind::Frappe => {
                let mark = match mark_of(event_id, event, external_record) {
                    Ok(mark) => mark,
                    Err(outcome) => return outcome,
                };
                let frappe = match frappe_destination(destination) {
                    Ok(frappe) => frappe,
                    Err(outcome) => return outcome,
                };
                frappe.deliver(self.client(destination), &mark).await
            }
            // Doors are opened through `open_door` with their deadline; a test of one
            // would open it.
            DestinationKind::Door => DeliveryOutcome::Refused {
                status: None,
                refusal: Refusal::Rejected,
                reason: "a door is not opened by a test".to_owned(),
                response: String::new(),
            },
        }
    }

    /// Opens a door for a logged delivery before its deadline (the decision, i.e. the
    /// event's `timestamp`, plus the door's `deadline_ms`); once that has passed nothing
    /// is sent: a late open lets the wrong person in.
    pub async fn open_door(
        &self,
        destination: &Destination,
        delivery: &DeliveryRow,
        employee_key: &str,
    ) -> DoorOutcome {
        let refused = |reason: String| DoorOutcome::Refused {
            status: None,
            refusal: door::DoorRefusal::Rejected,
            reason,
            attempts: 0,
            response: String::new(),
        };
        let event = match serde_json::from_str::<serde_json::Value>(&delivery.payload) {
            Ok(payload) => with_employee_key(payload, employee_key),
            Err(error) => return refused(format!("the stored payload is unreadable: {error}")),
        };
        let config: DoorConfig = match serde_json::from_value(destination.config.clone()) {
            Ok(config) => config,
            Err(error) => {
                return refused(format!("the door's stored config is unreadable: {error}"));
            }
        };
        let action = match DoorAction::shelly_gen1(&config.host, config.relay, config.open_seconds)
        {
            Ok(action) => action.with_allow_private(destination.allow_private),
            Err(error) => return refused(error.to_string()),
        };
        let mark = match mark_of(delivery.event_id, &event, None) {
            Ok(mark) => mark,
            Err(_) => return refused("the event is not a check-in or check-out".to_owned()),
        };
        let decided = event["timestamp"]
            .as_str()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map_or(mark.at, |t| t.with_timezone(&Utc));
        let deadline_at = decided
            + chrono::Duration::milliseconds(i64::try_from(config.deadline_ms).unwrap_or(0));
        let Ok(left) = (deadline_at - Utc::now()).to_std() else {
            return DoorOutcome::Missed {
                reason: format!("its deadline passed at {deadline_at} before it was taken up"),
                attempts: 0,
            };
        };
        door::open(
            &self.doors,
            &action,
            &mark,
            tokio::time::Instant::now() + left,
        )
        .await
    }

    /// The destination's Odoo connector, kept while the destination is unchanged (so its
    /// JSON-RPC uid is reused).
    fn odoo_connector(
        &self,
        destination: &Destination,
    ) -> Result<Arc<OdooConnector>, DeliveryOutcome> {
        let mut cache = self
            .odoo
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((updated_at, connector)) = cache.get(&destination.id)
            && *updated_at == destination.updated_at
        {
            return Ok(connector.clone());
        }
        let config: OdooConfig = serde_json::from_value(destination.config.clone())
            .map_err(|e| unreadable("Odoo", e.to_string()))?;
        let odoo = OdooDestination::new(
            &config.url,
            &config.database,
            &config.login,
            destination.secrets.api_key.as_deref().unwrap_or_default(),
            config.protocol,
        )
        .map_err(|e| unreadable("Odoo", e.to_string()))?;
        let connector = Arc::new(OdooConnector::new(odoo));
        cache.insert(destination.id, (destination.updated_at, connector.clone()));
        Ok(connector)
    }
}

fn unreadable(kind: &str, error: String) -> DeliveryOutcome {
    DeliveryOutcome::Disable {
        status: None,
        reason: format!("the {kind} destination's stored settings are unusable: {error}"),
        response: String::new(),
    }
}

fn frappe_destination(destination: &Destination) -> Result<FrappeDestination, DeliveryOutcome> {
    let config: FrappeConfig = serde_json::from_value(destination.config.clone())
        .map_err(|e| unreadable("Frappe", e.to_string()))?;
    let time_zone = config
        .time_zone
        .parse::<chrono_tz::Tz>()
        .map_err(|e| unreadable("Frappe", e.to_string()))?;
    FrappeDestination::new(
        &config.url,
        destination.secrets.api_key.as_deref().unwrap_or_default(),
        destination
            .secrets
            .api_secret
            .as_deref()
            .unwrap_or_default(),
        Some(&config.employee_fieldname),
        time_zone,
    )
    .map_err(|e| unreadable("Frappe", e.to_string()))
}

/// The mark an event body (as [`crate::events`] writes it, the key filled in) describes.
/// Status changes and absences carry none: they are never enqueued for Odoo or Frappe.
fn mark_of(
    event_id: Uuid,
    event: &serde_json::Value,
    external_record: Option<String>,
) -> Result<AttendanceMark, DeliveryOutcome> {
    let refused = |what: &str| DeliveryOutcome::Refused {
        status: None,
        refusal: Refusal::Rejected,
        reason: format!("the event is not a check-in or check-out: {what}"),
        response: String::new(),
    };
    let data = &event["data"];
    let uuid = |value: &serde_json::Value| value.as_str().and_then(|s| Uuid::parse_str(s).ok());
    let time = |value: &serde_json::Value| {
        value
            .as_str()
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
            .map(|t| t.with_timezone(&Utc))
    };
    Ok(AttendanceMark {
        event_id,
        attendance_id: uuid(&data["attendance_id"]).ok_or_else(|| refused("no attendance_id"))?,
        person_id: uuid(&data["person"]["id"]).ok_or_else(|| refused("no person id"))?,
        employee: data["person"]["employee_key"]
            .as_str()
            .ok_or_else(|| refused("no employee key"))?
            .to_owned(),
        kind: data["kind"]
            .as_str()
            .and_then(parse_mark_kind)
            .ok_or_else(|| refused("no mark kind"))?,
        at: time(&data["at"]).ok_or_else(|| refused("no mark time"))?,
        check_in_at: time(&data["check_in_at"]),
        camera_id: data["camera_id"].as_str().map(str::to_owned),
        external_record,
    })
}

async fn send_webhook(
    client: &OutboundClient,
    url: &str,
    message_id: Uuid,
    at: DateTime<Utc>,
    secrets: &[String],
    body: Vec<u8>,
) -> DeliveryOutcome {
    let secrets = match secrets
        .iter()
        .map(|s| WebhookSecret::parse(s))
        .collect::<Result<Vec<_>, _>>()
    {
        Ok(secrets) => secrets,
        Err(error) => return error.outcome(),
    };
    let request = WebhookRequest {
        url: url.to_owned(),
        secrets,
        message_id,
        timestamp: at,
        body: Bytes::from(body),
        extra_headers: Vec::new(),
    };
    webhook::send(client, &request).await
}
