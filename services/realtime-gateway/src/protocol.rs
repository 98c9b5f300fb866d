//! The WebSocket protocol: what a client may ask for and the messages the gateway sends,
//! field for field as the spec's examples show them (plus `seq`, the stream sequence a
//! client resumes from, and the fields the spec leaves out for departments and cameras).
//!
//! Parsing is split from the effect (the [`crate::session`] applies what is parsed here): a
//! client message is parsed and validated into [`ClientMessage`] or refused with an
//! [`ApiError`] whose code and message become an `error` message; the connection stays open.

use chrono::{DateTime, SecondsFormat, Utc};
use faceattend_domain::attendance::Confidence;
use faceattend_service::ApiError;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Longest department or camera name accepted in a subscription (the stores' limit).
const MAX_NAME_CHARS: usize = 255;

/// Whose events a client receives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subscription {
    /// Every event: dashboards and integrations.
    Everyone,
    /// One person's events, as in the spec.
    Person(Uuid),
    /// Events of persons of one department (as the person directory names it).
    Department(String),
    /// Events decided from one camera's detections (check-ins, check-outs, reviews).
    Camera(String),
}

impl Subscription {
    /// At most one of the three; none subscribes to everyone.
    pub fn from_parts(
        person_id: Option<&str>,
        department: Option<&str>,
        camera_id: Option<&str>,
    ) -> Result<Self, ApiError> {
        let given = [person_id, department, camera_id]
            .iter()
            .filter(|p| p.is_some())
            .count();
        if given > 1 {
            return Err(ApiError::bad_request(
                "ambiguous_subscription",
                "give at most one of person_id, department and camera_id",
            ));
        }
        let name = |field: &str, value: &str| {
            let value = value.trim();
            if value.is_empty() || value.chars().count() > MAX_NAME_CHARS {
                Err(ApiError::bad_request(
                    "invalid_subscription",
                    format!("{field} must be 1 to {MAX_NAME_CHARS} characters"),
                ))
            } else {
                Ok(value.to_owned())
            }
        };
        match (person_id, department, camera_id) {
            (Some(id), _, _) => Uuid::parse_str(id.trim()).map(Self::Person).map_err(|_| {
                ApiError::bad_request("invalid_person_id", "person_id must be a UUID")
            }),
            (_, Some(department), _) => name("department", department).map(Self::Department),
            (_, _, Some(camera)) => name("camera_id", camera).map(Self::Camera),
            _ => Ok(Self::Everyone),
        }
    }

    /// Whether an event about `person_id` (of `department`, seen by `camera_id`) is for
    /// this subscription; the hub's index answers the same question for live events.
    pub fn matches(
        &self,
        person_id: Uuid,
        department: Option<&str>,
        camera_id: Option<&str>,
    ) -> bool {
        match self {
            Self::Everyone => true,
            Self::Person(id) => *id == person_id,
            Self::Department(name) => department == Some(name.as_str()),
            Self::Camera(name) => camera_id == Some(name.as_str()),
        }
    }

    /// The spec's `subscribed_to`: the person's id, or null.
    pub fn subscribed_to(&self) -> Option<String> {
        match self {
            Self::Person(id) => Some(id.to_string()),
            _ => None,
        }
    }

    /// The subscription in full, for clients of the extensions.
    pub fn describe(&self) -> SubscriptionView {
        let (kind, value) = match self {
            Self::Everyone => ("all", None),
            Self::Person(id) => ("person", Some(id.to_string())),
            Self::Department(name) => ("department", Some(name.clone())),
            Self::Camera(name) => ("camera", Some(name.clone())),
        };
        SubscriptionView { kind, value }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SubscriptionView {
    pub kind: &'static str,
    pub value: Option<String>,
}

/// A subscription with the spec's confidence floor: an `attendance_event` whose confidence
/// is below it is not sent (manual entries carry none and always pass).
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    pub subscription: Subscription,
    pub min_confidence: Option<Confidence>,
}

impl Filter {
    pub fn passes(&self, confidence: Option<f32>) -> bool {
        match (self.min_confidence, confidence) {
            (Some(floor), Some(confidence)) => confidence >= floor.value(),
            _ => true,
        }
    }
}

/// `min_confidence` in [0, 1].
pub fn parse_min_confidence(raw: Option<f64>) -> Result<Option<Confidence>, ApiError> {
    raw.map(|value| {
        Confidence::new(value as f32).map_err(|_| {
            ApiError::bad_request(
                "invalid_min_confidence",
                "min_confidence must be a number between 0 and 1",
            )
        })
    })
    .transpose()
}

/// What a client can send.
#[derive(Debug, Clone, PartialEq)]
pub enum ClientMessage {
    /// Switch to another subscription; with `last_seq`, also receive the matching events
    /// stored after that sequence.
    Subscribe {
        filter: Filter,
        last_seq: Option<u64>,
    },
    /// The spec's "unsubscribe (disconnect)": the gateway closes the session normally.
    Unsubscribe,
    /// The answer to a `ping`.
    Pong,
    /// A client's own keep-alive; answered with `pong`.
    Ping,
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
enum WireClientMessage {
    Subscribe {
        #[serde(default)]
        person_id: Option<String>,
        #[serde(default)]
        department: Option<String>,
        #[serde(default)]
        camera_id: Option<String>,
        #[serde(default)]
        min_confidence: Option<f64>,
        #[serde(default)]
        last_seq: Option<u64>,
    },
    Unsubscribe {},
    Pong {
        #[serde(default)]
        #[allow(dead_code)]
        timestamp: Option<String>,
    },
    Ping {
        #[serde(default)]
        #[allow(dead_code)]
        timestamp: Option<String>,
    },
}

impl ClientMessage {
    pub fn parse(text: &str) -> Result<Self, ApiError> {
        let wire: WireClientMessage = serde_json::from_str(text).map_err(|e| {
            ApiError::bad_request(
                "invalid_message",
                format!(
                    "expected a JSON object with \"type\" subscribe, unsubscribe, ping or pong: {e}"
                ),
            )
        })?;
        Ok(match wire {
            WireClientMessage::Subscribe {
                person_id,
                department,
                camera_id,
                min_confidence,
                last_seq,
            } => Self::Subscribe {
                filter: Filter {
                    subscription: Subscription::from_parts(
                        person_id.as_deref(),
                        department.as_deref(),
                        camera_id.as_deref(),
                    )?,
                    min_confidence: parse_min_confidence(min_confidence)?,
                },
                last_seq,
            },
            WireClientMessage::Unsubscribe {} => Self::Unsubscribe,
            WireClientMessage::Pong { .. } => Self::Pong,
            WireClientMessage::Ping { .. } => Self::Ping,
        })
    }
}

/// Timestamps as every faceattend API writes them: UTC, RFC 3339, microseconds.
pub fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// `connection_established`.
#[derive(Debug, Serialize)]
pub struct ConnectionEstablished<'a> {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub client_id: &'a str,
    pub timestamp: String,
    pub subscribed_to: Option<String>,
    pub min_confidence: Option<f32>,
    pub subscription: SubscriptionView,
}

/// `subscribed`: the answer to a `subscribe`, sent before the new subscription's events.
#[derive(Debug, Serialize)]
pub struct Subscribed {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub timestamp: String,
    pub subscribed_to: Option<String>,
    pub min_confidence: Option<f32>,
    pub subscription: SubscriptionView,
}

impl<'a> ConnectionEstablished<'a> {
    pub fn new(client_id: &'a str, filter: &Filter, now: DateTime<Utc>) -> Self {
        Self {
            kind: "connection_established",
            client_id,
            timestamp: timestamp(now),
            subscribed_to: filter.subscription.subscribed_to(),
            min_confidence: filter.min_confidence.map(|c| c.value()),
            subscription: filter.subscription.describe(),
        }
    }
}

impl Subscribed {
    pub fn new(filter: &Filter, now: DateTime<Utc>) -> Self {
        Self {
            kind: "subscribed",
            timestamp: timestamp(now),
            subscribed_to: filter.subscription.subscribed_to(),
            min_confidence: filter.min_confidence.map(|c| c.value()),
            subscription: filter.subscription.describe(),
        }
    }
}

/// `ping`, and `pong` when a client pings.
#[derive(Debug, Serialize)]
pub struct Ping {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub timestamp: String,
}

/// `error`: a client message the gateway could not accept; the session goes on.
#[derive(Debug, Serialize)]
pub struct ErrorMessage<'a> {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub code: &'a str,
    pub message: &'a str,
}

impl<'a> From<&'a ApiError> for ErrorMessage<'a> {
    fn from(error: &'a ApiError) -> Self {
        Self {
            kind: "error",
            code: error.code,
            message: &error.message,
        }
    }
}

/// JSON text of a server message. Serialising these plain structs cannot fail.
pub fn to_text<T: Serialize>(message: &T) -> String {
    serde_json::to_string(message).unwrap_or_else(|_| "{}".to_owned())
}

/// Close codes and reasons the gateway uses.
pub mod close {
    /// Shutdown or redeploy: the client should reconnect (to any replica) with `last_seq`.
    pub const GOING_AWAY: u16 = 1001;
    /// The client asked to unsubscribe.
    pub const NORMAL: u16 = 1000;
    /// Too slow, silent too long: the client broke a rule of the session.
    pub const POLICY: u16 = 1008;
    /// A message larger than `MAX_MESSAGE_BYTES`.
    pub const TOO_BIG: u16 = 1009;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscribe_parses_each_kind_and_refuses_ambiguity() {
        let person = Uuid::new_v4();
        let parsed = ClientMessage::parse(&format!(
            r#"{{"type":"subscribe","person_id":"{person}","min_confidence":0.6}}"#
        ))
        .unwrap();
        let ClientMessage::Subscribe { filter, last_seq } = parsed else {
            panic!("a subscribe")
        };
        assert_eq!(filter.subscription, Subscription::Person(person));
        assert_eq!(filter.min_confidence.map(|c| c.value()), Some(0.6));
        assert_eq!(last_seq, None);

        let all = ClientMessage::parse(r#"{"type":"subscribe","last_seq":41}"#).unwrap();
        assert!(matches!(
            all,
            ClientMessage::Subscribe {
                filter: Filter {
                    subscription: Subscription::Everyone,
                    ..
                },
                last_seq: Some(41)
            }
        ));
        let department =
            ClientMessage::parse(r#"{"type":"subscribe","department":" Sales "}"#).unwrap();
        assert!(matches!(
            department,
            ClientMessage::Subscribe { filter: Filter { subscription: Subscription::Department(ref d), .. }, .. } if d == "Sales"
        ));

        for (text, code) in [
            (
                r#"{"type":"subscribe","department":"a","camera_id":"b"}"#,
                "ambiguous_subscription",
            ),
            (
                r#"{"type":"subscribe","person_id":"nobody"}"#,
                "invalid_person_id",
            ),
            (
                r#"{"type":"subscribe","min_confidence":1.5}"#,
                "invalid_min_confidence",
            ),
            (
                r#"{"type":"subscribe","camera_id":"  "}"#,
                "invalid_subscription",
            ),
            (r#"{"type":"dance"}"#, "invalid_message"),
            (r#"{"type":"subscribe","colour":"red"}"#, "invalid_message"),
            ("not json", "invalid_message"),
            ("[]", "invalid_message"),
        ] {
            assert_eq!(ClientMessage::parse(text).unwrap_err().code, code, "{text}");
        }
    }

    #[test]
    fn unsubscribe_and_pongs() {
        assert_eq!(
            ClientMessage::parse(r#"{"type":"unsubscribe"}"#).unwrap(),
            ClientMessage::Unsubscribe
        );
        assert_eq!(
            ClientMessage::parse(r#"{"type":"pong","timestamp":"x"}"#).unwrap(),
            ClientMessage::Pong
        );
        assert_eq!(
            ClientMessage::parse(r#"{"type":"ping"}"#).unwrap(),
            ClientMessage::Ping
        );
    }

    #[test]
    fn confidence_floor_lets_manual_entries_through() {
        let filter = Filter {
            subscription: Subscription::Everyone,
            min_confidence: parse_min_confidence(Some(0.7)).unwrap(),
        };
        assert!(filter.passes(Some(0.7)));
        assert!(!filter.passes(Some(0.69)));
        assert!(filter.passes(None));
    }

    #[test]
    fn connection_established_has_the_spec_fields() {
        let person = Uuid::new_v4();
        let filter = Filter {
            subscription: Subscription::Person(person),
            min_confidence: parse_min_confidence(Some(0.7)).unwrap(),
        };
        let now = DateTime::parse_from_rfc3339("2024-01-15T10:30:45.123456Z")
            .unwrap()
            .with_timezone(&Utc);
        let value: serde_json::Value = serde_json::from_str(&to_text(&ConnectionEstablished::new(
            "client123",
            &filter,
            now,
        )))
        .unwrap();
        assert_eq!(value["type"], "connection_established");
        assert_eq!(value["client_id"], "client123");
        assert_eq!(value["timestamp"], "2024-01-15T10:30:45.123456Z");
        assert_eq!(value["subscribed_to"], person.to_string());
        assert!((value["min_confidence"].as_f64().unwrap() - 0.7).abs() < 1e-6);
    }
}
