//! Standard Webhooks: attendance delivered as a signed HTTP POST to a receiver's URL.
//!
//! Per the Standard Webhooks specification (v1.0.0), each delivery carries three headers:
//! `webhook-id` (the event's id, the same on every retry, so the receiver can drop
//! duplicates), `webhook-timestamp` (unix seconds of *this attempt*, so the receiver can
//! refuse replays) and `webhook-signature`: `v1,` and the base64 HMAC-SHA256 of
//! `{id}.{timestamp}.{body}` keyed with the destination's secret. While a secret is being
//! rotated the delivery is signed with each secret the destination holds, the signatures
//! space-separated, and a receiver accepts the request if any one verifies: it can switch to
//! the new secret at its own pace.
//!
//! Signing is HMAC-SHA256 from the RustCrypto crates rather than the `standardwebhooks`
//! crate, which signs with one key per call and pulls in a second base64 and a second HMAC;
//! the tests verify every delivery with that crate (the specification's reference Rust
//! implementation) and reproduce the published signature vectors, so the two cannot drift.
//!
//! Sending goes through the guarded [`OutboundClient`], and the answer is classified by
//! status code the way the specification suggests ([`crate::guard::classify_status`]).

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, USER_AGENT};
use secrecy::{ExposeSecret, SecretSlice};
use sha2::Sha256;
use uuid::Uuid;

use crate::DeliveryOutcome;
use crate::guard::{GuardError, OutboundClient};

/// The prefix that marks a Standard Webhooks symmetric secret.
pub const SECRET_PREFIX: &str = "whsec_";
/// The shortest secret the specification allows (192 bits).
pub const MIN_SECRET_BYTES: usize = 24;
/// The longest secret the specification allows (512 bits).
pub const MAX_SECRET_BYTES: usize = 64;
/// What [`WebhookSecret::generate`] makes: 256 bits, the HMAC-SHA256 block's natural key.
pub const GENERATED_SECRET_BYTES: usize = 32;

/// The `User-Agent` every delivery carries, so a receiver can tell faceattend's requests.
pub const USER_AGENT_VALUE: &str = concat!("faceattend-webhooks/", env!("CARGO_PKG_VERSION"));

pub const HEADER_ID: &str = "webhook-id";
pub const HEADER_TIMESTAMP: &str = "webhook-timestamp";
pub const HEADER_SIGNATURE: &str = "webhook-signature";

/// Secrets written by other tools sometimes drop base64's padding; both forms are the same key.
const SECRET_BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// A destination's signing secret: 24 to 64 random bytes, written `whsec_<base64>`.
///
/// Its `Debug` never shows the key, and it has no `Display`: the one way to the text is
/// [`WebhookSecret::expose`], called where the secret is meant to be shown (once, to the
/// operator who created or rotated it) or stored. The key is zeroed when dropped.
#[derive(Clone)]
pub struct WebhookSecret {
    key: SecretSlice<u8>,
}

impl WebhookSecret {
    /// Reads a `whsec_<base64>` secret, refusing anything else (a missing prefix, bad base64,
    /// fewer than 24 or more than 64 bytes) with [`GuardError::InvalidSecret`]. The error
    /// never repeats the text given.
    pub fn parse(text: &str) -> Result<WebhookSecret, GuardError> {
        let encoded = text.trim().strip_prefix(SECRET_PREFIX).ok_or_else(|| {
            GuardError::InvalidSecret(format!("it must start with {SECRET_PREFIX}"))
        })?;
        let key = SECRET_BASE64.decode(encoded).map_err(|_| {
            GuardError::InvalidSecret(format!("what follows {SECRET_PREFIX} is not base64"))
        })?;
        WebhookSecret::from_bytes(key)
    }

    /// A secret of exactly these bytes (24 to 64 of them).
    pub fn from_bytes(key: Vec<u8>) -> Result<WebhookSecret, GuardError> {
        if !(MIN_SECRET_BYTES..=MAX_SECRET_BYTES).contains(&key.len()) {
            return Err(GuardError::InvalidSecret(format!(
                "it holds {} bytes; a secret is {MIN_SECRET_BYTES} to {MAX_SECRET_BYTES} random bytes",
                key.len()
            )));
        }
        Ok(WebhookSecret {
            key: SecretSlice::from(key),
        })
    }

    /// A new random secret for a new destination (or a rotation), from the OS's generator.
    pub fn generate() -> Result<WebhookSecret, GuardError> {
        let mut key = vec![0u8; GENERATED_SECRET_BYTES];
        getrandom::fill(&mut key).map_err(|error| {
            GuardError::InvalidSecret(format!("the system's random generator failed: {error}"))
        })?;
        WebhookSecret::from_bytes(key)
    }

    /// The secret as `whsec_<base64>`: for the operator who asked for it, and for storage.
    pub fn expose(&self) -> String {
        format!(
            "{SECRET_PREFIX}{}",
            STANDARD.encode(self.key.expose_secret())
        )
    }

    /// `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">` under this secret.
    pub fn sign(&self, message_id: &str, timestamp: i64, body: &[u8]) -> String {
        // An HMAC accepts a key of any length; the length was validated anyway.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.key.expose_secret())
            .expect("HMAC takes keys of any length");
        mac.update(message_id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret(whsec_[redacted])")
    }
}

impl PartialEq for WebhookSecret {
    fn eq(&self, other: &Self) -> bool {
        self.key.expose_secret() == other.key.expose_secret()
    }
}

impl Eq for WebhookSecret {}

impl FromStr for WebhookSecret {
    type Err = GuardError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        WebhookSecret::parse(text)
    }
}

/// Stored as its `whsec_` text: the integrations service keeps destinations' secrets in its
/// database (which is why the serialised form is the only other way to the text).
impl serde::Serialize for WebhookSecret {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.expose())
    }
}

impl<'de> serde::Deserialize<'de> for WebhookSecret {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        WebhookSecret::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// The `webhook-signature` value: one `v1,` signature per secret, space-separated, in the
/// order given (the current secret first, by convention, then the one being retired).
pub fn signature_header(
    secrets: &[WebhookSecret],
    message_id: &str,
    timestamp: i64,
    body: &[u8],
) -> String {
    secrets
        .iter()
        .map(|secret| secret.sign(message_id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

/// One delivery attempt of one event to one webhook destination.
#[derive(Debug, Clone)]
pub struct WebhookRequest {
    /// The receiver's URL (checked by the guard when sent).
    pub url: String,
    /// The destination's secrets: one normally, two while one is being rotated out.
    pub secrets: Vec<WebhookSecret>,
    /// The event's id, sent as `webhook-id`: the same on every attempt, so the receiver can
    /// drop duplicates. A UUID, which cannot hold the `.` the signed text is delimited by.
    pub message_id: Uuid,
    /// When this attempt is made (not when the event happened): a retry is signed afresh.
    pub timestamp: DateTime<Utc>,
    /// The JSON body, signed exactly as sent.
    pub body: Bytes,
    /// Headers the destination was configured with (a gateway's API key, say). They may not
    /// replace the signature's headers or the content type: see [`extra_headers`].
    pub extra_headers: Vec<(String, String)>,
}

/// Headers a destination's configuration may not set: the signature's own, and the ones the
/// body and the client decide.
const RESERVED_HEADERS: &[&str] = &[
    HEADER_ID,
    HEADER_TIMESTAMP,
    HEADER_SIGNATURE,
    "content-type",
    "content-length",
    "transfer-encoding",
    "host",
    "connection",
];

/// A destination's extra headers, validated: names and values HTTP can carry, none of the
/// reserved ones. The integrations service calls this when a destination is saved, so a
/// mistake is refused then rather than at every delivery.
pub fn extra_headers(headers: &[(String, String)]) -> Result<HeaderMap, GuardError> {
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        let parsed = HeaderName::from_bytes(name.trim().as_bytes())
            .map_err(|_| GuardError::InvalidHeader(name.clone()))?;
        if RESERVED_HEADERS.contains(&parsed.as_str()) {
            return Err(GuardError::InvalidHeader(format!(
                "{name} (set by faceattend itself)"
            )));
        }
        let mut value = HeaderValue::from_str(value.trim())
            .map_err(|_| GuardError::InvalidHeader(name.clone()))?;
        // Configured headers are credentials more often than not: keep them out of any
        // debug output of the request.
        value.set_sensitive(true);
        map.append(parsed, value);
    }
    Ok(map)
}

/// Every header of a delivery: the extra ones, then the content type, the user agent and
/// the three Standard Webhooks headers.
pub fn delivery_headers(request: &WebhookRequest) -> Result<HeaderMap, GuardError> {
    if request.secrets.is_empty() {
        return Err(GuardError::InvalidSecret(
            "the destination has no signing secret".into(),
        ));
    }
    let mut headers = extra_headers(&request.extra_headers)?;
    let id = request.message_id.to_string();
    let timestamp = request.timestamp.timestamp();
    let signature = signature_header(&request.secrets, &id, timestamp, &request.body);
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(USER_AGENT, HeaderValue::from_static(USER_AGENT_VALUE));
    // A UUID, digits and base64 are always valid header values.
    let valid =
        |text: String| HeaderValue::from_str(&text).map_err(|_| GuardError::InvalidHeader(text));
    headers.insert(HEADER_ID, valid(id)?);
    headers.insert(HEADER_TIMESTAMP, valid(timestamp.to_string())?);
    headers.insert(HEADER_SIGNATURE, valid(signature)?);
    Ok(headers)
}

/// Delivers one attempt: a signed POST of the body through the guarded client, its answer
/// classified by status code (2xx delivered; 408, 425, 429 and 5xx retried after any
/// `Retry-After`; 410, 401 and 403 disable the destination; other 4xx refuse the event).
pub async fn send(client: &OutboundClient, request: &WebhookRequest) -> DeliveryOutcome {
    let headers = match delivery_headers(request) {
        Ok(headers) => headers,
        Err(error) => return error.outcome(),
    };
    let post = match client.post(&request.url) {
        Ok(post) => post,
        Err(error) => return error.outcome(),
    };
    client
        .send(post.headers(headers).body(request.body.clone()))
        .await
}
