//! Sending one delivery to its destination and saying what became of it.
//!
//! Every request goes through the connectors' SSRF-guarded client (no private, loopback
//! or link-local address unless the destination allows it, no redirects, a timeout); one
//! client per policy, each keeping its connection pool. Webhooks are signed per Standard
//! Webhooks with each of the destination's current secrets (two during a rotation's
//! overlap); the event id is the `webhook-id`, so a receiver can drop a redelivery.

use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use faceattend_connectors::guard::{GuardError, OutboundClient, OutboundPolicy};
use faceattend_connectors::webhook::{self, WebhookRequest, WebhookSecret};
use faceattend_connectors::{DeliveryOutcome, Refusal};
use uuid::Uuid;

use crate::error::IntegrationsError;
use crate::events::with_employee_key;
use crate::model::{DestinationKind, WebhookConfig};
use crate::store::{DeliveryRow, Destination};

/// Sends deliveries; cheap to clone.
#[derive(Clone)]
pub struct Sender {
    public: OutboundClient,
    private: OutboundClient,
}

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

    /// Sends a logged delivery, its person's key at the destination filled in.
    pub async fn send(
        &self,
        destination: &Destination,
        delivery: &DeliveryRow,
        employee_key: &str,
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
        self.send_event(destination, delivery.event_id, &event, at)
            .await
    }

    /// Sends one event body as `event_id` at `at`.
    pub async fn send_event(
        &self,
        destination: &Destination,
        event_id: Uuid,
        event: &serde_json::Value,
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
            // Not creatable through the API yet: their connectors are wired in next.
            kind => DeliveryOutcome::Disable {
                status: None,
                reason: format!(
                    "{} destinations are not delivered by this version",
                    kind.as_str()
                ),
                response: String::new(),
            },
        }
    }
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
