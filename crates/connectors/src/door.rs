//! Door actions: one HTTP request to a door controller or relay when a confident check-in or
//! check-out is decided at a door's camera, sent within a deadline or not at all.
//!
//! Unlike a payroll delivery, a door that opens a minute late is worse than one that does not
//! open: the person has walked away and the next one walks in. So [`open`] takes a deadline
//! (the integrations service gives it [`DEFAULT_DEADLINE`] from the decision), retries network
//! errors and 5xx with a short backoff only while time remains, cuts every attempt's timeout to
//! the time left, and once the deadline has passed answers [`DoorOutcome::Missed`] without
//! sending anything more. A device's documented refusal (wrong credentials, an unknown door) is
//! [`DoorOutcome::Refused`] at once: trying again cannot help.
//!
//! A [`DoorAction`] is any HTTP request (method, URL, headers, body, timeout, TLS verification,
//! Basic or Digest authentication) whose URL and body are templates filled from the mark:
//! `{person_id}`, `{employee}`, `{camera_id}`, `{kind}` (`check_in`/`check_out`), `{at}`
//! (RFC 3339) and `{event_id}`. Ready templates cover the devices sites use most: Shelly Gen1
//! and Gen2 relays ([`DoorAction::shelly_gen1`], [`DoorAction::shelly_gen2`]) and Hikvision
//! access-control terminals over ISAPI ([`DoorAction::hikvision_isapi`]).
//!
//! Digest authentication (RFC 7616: MD5 and SHA-256, `qop=auth`) is the `digest_auth` crate's;
//! [`DoorClient`] keeps each device's last challenge, so after the first open every later one
//! is a single request (a fresh `nc` and `cnonce` on the same nonce) until the device says the
//! nonce is stale.
//!
//! Requests go through the outbound guard ([`crate::guard`]) like every connector's: a door on
//! the site's LAN is reached only when its action allows private addresses
//! ([`DoorAction::with_allow_private`]), and redirects are never followed.
//!
//! Secrets (passwords, header values) never appear in `Debug` output or in logs.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::SecondsFormat;
use digest_auth::{AuthContext, HttpMethod, WwwAuthenticateHeader};
use reqwest::header::{
    AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, WWW_AUTHENTICATE,
};
use reqwest::{Method, StatusCode, Url};
use secrecy::{ExposeSecret, SecretString};
use tokio::time::Instant;

use crate::guard::{GuardError, OutboundClient, OutboundPolicy, SendError};
use crate::{AttendanceMark, DeliveryOutcome, MarkKind, Refusal, response_excerpt};

/// How long one request to a door may take unless its action says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1);
/// How long after the decision a door may still be opened (issue 20: 2 s).
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(2);
/// The waits between attempts; the last repeats. Short, because the whole budget is seconds.
const BACKOFF: [Duration; 3] = [
    Duration::from_millis(50),
    Duration::from_millis(100),
    Duration::from_millis(200),
];
/// The longest per-request timeout an action may ask for: longer than any deadline is useless.
const MAX_TIMEOUT: Duration = Duration::from_secs(30);
/// The longest a relay may be asked to stay on (a day): longer is surely a typo.
const MAX_OPEN_SECONDS: u32 = 86_400;

/// Why a door action could not be built. Each has a stable [`DoorError::code`] for the API.
#[derive(Debug, thiserror::Error)]
pub enum DoorError {
    #[error(
        "unknown placeholder {{{name}}} in the {part}; the known ones are {{person_id}}, \
         {{employee}}, {{camera_id}}, {{kind}}, {{at}} and {{event_id}}"
    )]
    UnknownPlaceholder { part: &'static str, name: String },
    #[error("the URL is not usable: {0}")]
    InvalidUrl(String),
    #[error("{0:?} is not an HTTP method")]
    InvalidMethod(String),
    #[error("the header {name:?} is not valid: {reason}")]
    InvalidHeader { name: String, reason: String },
    #[error("the body is not valid: {0}")]
    InvalidBody(String),
    #[error("the timeout must be between 1 ms and {max:?}, not {given:?}", max = MAX_TIMEOUT)]
    InvalidTimeout { given: Duration },
    #[error("the device setting is not valid: {0}")]
    InvalidDevice(String),
    #[error("the HTTP client could not be built: {0}")]
    Client(String),
}

impl DoorError {
    /// A stable, machine-readable code for the API's error envelope.
    pub fn code(&self) -> &'static str {
        match self {
            DoorError::UnknownPlaceholder { .. } => "door_unknown_placeholder",
            DoorError::InvalidUrl(_) => "door_invalid_url",
            DoorError::InvalidMethod(_) => "door_invalid_method",
            DoorError::InvalidHeader { .. } => "door_invalid_header",
            DoorError::InvalidBody(_) => "door_invalid_body",
            DoorError::InvalidTimeout { .. } => "door_invalid_timeout",
            DoorError::InvalidDevice(_) => "door_invalid_device",
            DoorError::Client(_) => "door_client",
        }
    }
}

/// How a door action authenticates. Passwords are [`SecretString`]s: never printed.
#[derive(Clone, Default)]
pub enum DoorAuth {
    #[default]
    None,
    /// RFC 7617 Basic (Shelly Gen1's restricted login).
    Basic { user: String, pass: SecretString },
    /// RFC 7616 Digest, MD5 or SHA-256 as the device's challenge says (Shelly Gen2, Hikvision).
    Digest { user: String, pass: SecretString },
}

impl fmt::Debug for DoorAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DoorAuth::None => f.write_str("None"),
            DoorAuth::Basic { user, .. } => f
                .debug_struct("Basic")
                .field("user", user)
                .field("pass", &"<redacted>")
                .finish(),
            DoorAuth::Digest { user, .. } => f
                .debug_struct("Digest")
                .field("user", user)
                .field("pass", &"<redacted>")
                .finish(),
        }
    }
}

/// Which device's documented reply a door action reads, to tell an open door from a refusal
/// that came back as `200 OK`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceReply {
    /// Any 2xx is an open door.
    #[default]
    Generic,
    /// `{"ison":true,"has_timer":true,...}`: the relay must report it is on.
    ShellyGen1,
    /// A JSON-RPC frame: `result` is an open door, `error` `{code,message}` a refusal.
    ShellyGen2,
    /// ISAPI's `<ResponseStatus>`: `statusCode` 1 is an open door.
    HikvisionIsapi,
}

/// Everything a site configures for a door, as plain values; [`DoorAction::new`] validates it.
#[derive(Clone)]
pub struct DoorActionSpec {
    pub method: String,
    pub url_template: String,
    /// Sent as given (no placeholders): a token header's value is a secret and never printed.
    pub headers: Vec<(String, String)>,
    /// Needs a `Content-Type` header, which says how values are escaped into it: JSON strings
    /// for `…json`, XML text for `…xml`, percent-encoding for a form, as they are otherwise.
    pub body_template: Option<String>,
    /// Per request; every attempt is also cut to the time left before the deadline.
    pub timeout: Duration,
    pub verify_tls: bool,
    /// Whether the device may be on a private, loopback or link-local address: a door on the
    /// site's LAN. Off unless the site turns it on, as for every destination (see [`crate::guard`]).
    pub allow_private: bool,
    pub auth: DoorAuth,
    pub reply: DeviceReply,
}

impl DoorActionSpec {
    /// A bodiless request with the defaults: 1 s timeout, TLS verified, no authentication.
    pub fn new(method: impl Into<String>, url_template: impl Into<String>) -> Self {
        DoorActionSpec {
            method: method.into(),
            url_template: url_template.into(),
            headers: Vec::new(),
            body_template: None,
            timeout: DEFAULT_TIMEOUT,
            verify_tls: true,
            allow_private: false,
            auth: DoorAuth::None,
            reply: DeviceReply::Generic,
        }
    }
}

impl fmt::Debug for DoorActionSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let header_names: Vec<&str> = self.headers.iter().map(|(name, _)| name.as_str()).collect();
        f.debug_struct("DoorActionSpec")
            .field("method", &self.method)
            .field("url_template", &self.url_template)
            .field("headers", &header_names)
            .field("body_template", &self.body_template)
            .field("timeout", &self.timeout)
            .field("verify_tls", &self.verify_tls)
            .field("allow_private", &self.allow_private)
            .field("auth", &self.auth)
            .field("reply", &self.reply)
            .finish()
    }
}

/// A validated door action: its templates name only known placeholders, its URL is an
/// `http(s)` URL without credentials in it, its headers are valid, a JSON body stays JSON.
#[derive(Clone)]
pub struct DoorAction {
    method: Method,
    url: Template,
    headers: HeaderMap,
    body: Option<(Template, Escape)>,
    timeout: Duration,
    verify_tls: bool,
    allow_private: bool,
    auth: DoorAuth,
    reply: DeviceReply,
}

impl fmt::Debug for DoorAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let header_names: Vec<&str> = self.headers.keys().map(HeaderName::as_str).collect();
        f.debug_struct("DoorAction")
            .field("method", &self.method)
            .field("url_template", &self.url.source)
            .field("headers", &header_names)
            .field("body_template", &self.body.as_ref().map(|(t, _)| &t.source))
            .field("timeout", &self.timeout)
            .field("verify_tls", &self.verify_tls)
            .field("allow_private", &self.allow_private)
            .field("auth", &self.auth)
            .field("reply", &self.reply)
            .finish()
    }
}

impl DoorAction {
    pub fn new(spec: DoorActionSpec) -> Result<Self, DoorError> {
        let method = Method::from_bytes(spec.method.trim().to_ascii_uppercase().as_bytes())
            .map_err(|_| DoorError::InvalidMethod(spec.method.clone()))?;
        let url = Template::parse("URL", &spec.url_template)?;
        // Rendered with sample values, the URL must be one we can send to.
        let sample = url.render(&sample_mark(), Escape::Url);
        let parsed = Url::parse(&sample).map_err(|e| DoorError::InvalidUrl(e.to_string()))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(DoorError::InvalidUrl(format!(
                "the scheme must be http or https, not {}",
                parsed.scheme()
            )));
        }
        if parsed.host().is_none() {
            return Err(DoorError::InvalidUrl("the URL names no host".into()));
        }
        // Credentials in a URL end up in logs and delivery records: they belong in `auth`.
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(DoorError::InvalidUrl(
                "credentials belong in the action's authentication, not in the URL".into(),
            ));
        }

        let mut headers = HeaderMap::new();
        for (name, value) in &spec.headers {
            let header = HeaderName::from_bytes(name.trim().as_bytes()).map_err(|e| {
                DoorError::InvalidHeader {
                    name: name.clone(),
                    reason: e.to_string(),
                }
            })?;
            let mut value =
                HeaderValue::from_str(value.trim()).map_err(|e| DoorError::InvalidHeader {
                    name: name.clone(),
                    reason: e.to_string(),
                })?;
            value.set_sensitive(true);
            headers.append(header, value);
        }

        let body = match &spec.body_template {
            None => None,
            Some(source) => {
                let Some(content_type) = headers.get(CONTENT_TYPE) else {
                    return Err(DoorError::InvalidBody(
                        "a body needs a Content-Type header, which says how values are escaped"
                            .into(),
                    ));
                };
                let escape = Escape::for_content_type(content_type.to_str().unwrap_or(""));
                let template = Template::parse("body", source)?;
                if escape == Escape::Json {
                    let rendered = template.render(&sample_mark(), Escape::Json);
                    serde_json::from_str::<serde_json::Value>(&rendered).map_err(|e| {
                        DoorError::InvalidBody(format!("a JSON body must stay JSON: {e}"))
                    })?;
                }
                Some((template, escape))
            }
        };

        let action = DoorAction {
            method,
            url,
            headers,
            body,
            timeout: DEFAULT_TIMEOUT,
            verify_tls: spec.verify_tls,
            allow_private: spec.allow_private,
            auth: spec.auth,
            reply: spec.reply,
        };
        action.with_timeout(spec.timeout)
    }

    /// Shelly Gen1 relay: `GET http://<host>/relay/<relay>?turn=on&timer=<open_seconds>`, which
    /// turns the relay on and back off after the timer; replies `{"ison":true,...}`.
    /// Add Basic credentials with [`DoorAction::with_auth`] when the device's login is on.
    /// <https://shelly-api-docs.shelly.cloud/gen1/#shelly1-shelly1pm-relay-index>
    pub fn shelly_gen1(host: &str, relay: u8, open_seconds: u32) -> Result<Self, DoorError> {
        let base = device_base(host, false)?;
        check_open_seconds(open_seconds)?;
        let mut spec = DoorActionSpec::new(
            "GET",
            format!("{base}/relay/{relay}?turn=on&timer={open_seconds}"),
        );
        spec.reply = DeviceReply::ShellyGen1;
        DoorAction::new(spec)
    }

    /// Shelly Gen2+ switch over HTTP RPC: `POST http://<host>/rpc` with
    /// `{"id":1,"method":"Switch.Set","params":{"id":<switch>,"on":true,"toggle_after":<s>}}`;
    /// replies `{"id":1,"src":..,"result":{"was_on":false}}` or an `error` `{code,message}`.
    /// With a password, SHA-256 Digest as user `admin` (the realm is the device id).
    /// <https://shelly-api-docs.shelly.cloud/gen2/ComponentsAndServices/Switch#switchset>,
    /// <https://shelly-api-docs.shelly.cloud/gen2/General/Authentication>
    pub fn shelly_gen2(
        host: &str,
        switch_id: u8,
        open_seconds: u32,
        password: Option<SecretString>,
    ) -> Result<Self, DoorError> {
        let base = device_base(host, false)?;
        check_open_seconds(open_seconds)?;
        let mut spec = DoorActionSpec::new("POST", format!("{base}/rpc"));
        spec.headers
            .push(("Content-Type".into(), "application/json".into()));
        spec.body_template = Some(format!(
            r#"{{"id":1,"method":"Switch.Set","params":{{"id":{switch_id},"on":true,"toggle_after":{open_seconds}}}}}"#
        ));
        if let Some(pass) = password {
            spec.auth = DoorAuth::Digest {
                user: "admin".into(),
                pass,
            };
        }
        spec.reply = DeviceReply::ShellyGen2;
        DoorAction::new(spec)
    }

    /// Hikvision access-control terminal or controller over ISAPI:
    /// `PUT /ISAPI/AccessControl/RemoteControl/door/<door_no>` with
    /// `<RemoteControlDoor …><cmd>open</cmd></RemoteControlDoor>`, MD5 Digest (`qop=auth`);
    /// replies `<ResponseStatus>` with `statusCode` 1 and `statusString` OK, or an error with
    /// `subStatusCode`. `host` may start with `https://` (then see [`DoorAction::with_verify_tls`]
    /// for a device's self-signed certificate); without a scheme it is `http://`.
    /// ISAPI Developer Guide, Access Control, "Remotely control the door"
    /// (<https://open.hikvision.com/hardware/v2/08%E5%8D%8F%E8%AE%AE%E9%80%8F%E4%BC%A0/%E6%98%8E%E7%9C%B8%E9%97%A8%E7%A6%81.html>).
    pub fn hikvision_isapi(
        host: &str,
        door_no: u16,
        user: &str,
        pass: SecretString,
    ) -> Result<Self, DoorError> {
        let base = device_base(host, true)?;
        if door_no == 0 {
            return Err(DoorError::InvalidDevice(
                "Hikvision doors are numbered from 1".into(),
            ));
        }
        if user.trim().is_empty() {
            return Err(DoorError::InvalidDevice(
                "a Hikvision door needs a user name".into(),
            ));
        }
        let mut spec = DoorActionSpec::new(
            "PUT",
            format!("{base}/ISAPI/AccessControl/RemoteControl/door/{door_no}"),
        );
        spec.headers
            .push(("Content-Type".into(), "application/xml".into()));
        spec.body_template = Some(HIKVISION_OPEN_BODY.into());
        spec.auth = DoorAuth::Digest {
            user: user.trim().into(),
            pass,
        };
        spec.reply = DeviceReply::HikvisionIsapi;
        DoorAction::new(spec)
    }

    /// The same action with another per-request timeout (1 ms to 30 s).
    pub fn with_timeout(mut self, timeout: Duration) -> Result<Self, DoorError> {
        if timeout.is_zero() || timeout > MAX_TIMEOUT {
            return Err(DoorError::InvalidTimeout { given: timeout });
        }
        self.timeout = timeout;
        Ok(self)
    }

    /// The same action with TLS certificates verified or not (a device's self-signed one).
    pub fn with_verify_tls(mut self, verify_tls: bool) -> Self {
        self.verify_tls = verify_tls;
        self
    }

    /// The same action allowed (or not) to reach a private, loopback or link-local address.
    pub fn with_allow_private(mut self, allow_private: bool) -> Self {
        self.allow_private = allow_private;
        self
    }

    /// The same action with other credentials.
    pub fn with_auth(mut self, auth: DoorAuth) -> Self {
        self.auth = auth;
        self
    }

    pub fn method(&self) -> &Method {
        &self.method
    }
    pub fn url_template(&self) -> &str {
        &self.url.source
    }
    pub fn body_template(&self) -> Option<&str> {
        self.body.as_ref().map(|(t, _)| t.source.as_str())
    }
    pub fn timeout(&self) -> Duration {
        self.timeout
    }
    pub fn verify_tls(&self) -> bool {
        self.verify_tls
    }
    pub fn allow_private(&self) -> bool {
        self.allow_private
    }
    pub fn reply(&self) -> DeviceReply {
        self.reply
    }
}

/// ISAPI's remote door control body: `open` (not `alwaysOpen`), so the door locks again by
/// itself after the terminal's own open duration.
const HIKVISION_OPEN_BODY: &str = r#"<RemoteControlDoor version="2.0" xmlns="http://www.isapi.org/ver20/XMLSchema"><cmd>open</cmd></RemoteControlDoor>"#;

/// `scheme://host[:port]` from a site's device address, refusing anything but a bare host:
/// the ready templates add the path themselves.
fn device_base(host: &str, https_allowed: bool) -> Result<String, DoorError> {
    let host = host.trim().trim_end_matches('/');
    let with_scheme = if host.contains("://") {
        host.to_string()
    } else {
        format!("http://{host}")
    };
    let url = Url::parse(&with_scheme)
        .map_err(|e| DoorError::InvalidDevice(format!("{host:?} is not a device address: {e}")))?;
    let scheme_ok = url.scheme() == "http" || (https_allowed && url.scheme() == "https");
    if !scheme_ok
        || url.host_str().is_none()
        || url.path() != "/"
        || url.query().is_some()
        || !url.username().is_empty()
        || url.password().is_some()
    {
        return Err(DoorError::InvalidDevice(format!(
            "{host:?} must be a host name or address, with a port if needed{}",
            if https_allowed {
                " (and http:// or https://)"
            } else {
                ""
            }
        )));
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}

fn check_open_seconds(open_seconds: u32) -> Result<(), DoorError> {
    if open_seconds == 0 || open_seconds > MAX_OPEN_SECONDS {
        return Err(DoorError::InvalidDevice(format!(
            "the door's open time must be 1 to {MAX_OPEN_SECONDS} seconds, not {open_seconds}"
        )));
    }
    Ok(())
}

/// A value of the mark a template can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    PersonId,
    Employee,
    CameraId,
    Kind,
    At,
    EventId,
}

impl Field {
    fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "person_id" => Field::PersonId,
            "employee" => Field::Employee,
            "camera_id" => Field::CameraId,
            "kind" => Field::Kind,
            "at" => Field::At,
            "event_id" => Field::EventId,
            _ => return None,
        })
    }

    fn value(self, mark: &AttendanceMark) -> Cow<'_, str> {
        match self {
            Field::PersonId => Cow::Owned(mark.person_id.to_string()),
            Field::Employee => Cow::Borrowed(&mark.employee),
            Field::CameraId => Cow::Borrowed(mark.camera_id.as_deref().unwrap_or("")),
            Field::Kind => Cow::Borrowed(match mark.kind {
                MarkKind::CheckIn => "check_in",
                MarkKind::CheckOut => "check_out",
            }),
            Field::At => Cow::Owned(mark.at.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
            Field::EventId => Cow::Owned(mark.event_id.to_string()),
        }
    }
}

/// How a value is written into its place: what makes it data, never syntax.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Escape {
    /// Percent-encoded: everything but RFC 3986's unreserved characters.
    Url,
    /// The inside of a JSON string (the template writes the quotes).
    Json,
    Xml,
    /// As it is: a plain-text body.
    Raw,
}

impl Escape {
    fn for_content_type(content_type: &str) -> Self {
        let essence = content_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if essence.ends_with("json") {
            Escape::Json
        } else if essence.ends_with("xml") {
            Escape::Xml
        } else if essence == "application/x-www-form-urlencoded" {
            Escape::Url
        } else {
            Escape::Raw
        }
    }

    fn write(self, out: &mut String, value: &str) {
        match self {
            Escape::Url => {
                for byte in value.bytes() {
                    if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
                        out.push(byte as char);
                    } else {
                        out.push_str(&format!("%{byte:02X}"));
                    }
                }
            }
            Escape::Json => {
                // serde_json's string escaping, without the quotes the template already has.
                let quoted = serde_json::Value::String(value.to_owned()).to_string();
                out.push_str(&quoted[1..quoted.len() - 1]);
            }
            Escape::Xml => out.push_str(&quick_xml::escape::escape(value)),
            Escape::Raw => out.push_str(value),
        }
    }
}

#[derive(Debug, Clone)]
enum Segment {
    Literal(String),
    Field(Field),
}

/// A URL or body with `{name}` placeholders. A `{` that does not start `{identifier}` is
/// literal, so a JSON body is written as it is, without doubled braces.
#[derive(Debug, Clone)]
struct Template {
    source: String,
    segments: Vec<Segment>,
}

impl Template {
    fn parse(part: &'static str, source: &str) -> Result<Self, DoorError> {
        let mut segments = Vec::new();
        let mut literal = String::new();
        let mut rest = source;
        while let Some(open) = rest.find('{') {
            literal.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let name_len = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            if name_len > 0 && after[name_len..].starts_with('}') {
                let name = &after[..name_len];
                let field = Field::parse(name).ok_or_else(|| DoorError::UnknownPlaceholder {
                    part,
                    name: name.to_string(),
                })?;
                if !literal.is_empty() {
                    segments.push(Segment::Literal(std::mem::take(&mut literal)));
                }
                segments.push(Segment::Field(field));
                rest = &after[name_len + 1..];
            } else {
                literal.push('{');
                rest = after;
            }
        }
        literal.push_str(rest);
        if !literal.is_empty() {
            segments.push(Segment::Literal(literal));
        }
        Ok(Template {
            source: source.to_string(),
            segments,
        })
    }

    fn render(&self, mark: &AttendanceMark, escape: Escape) -> String {
        let mut out = String::with_capacity(self.source.len() + 64);
        for segment in &self.segments {
            match segment {
                Segment::Literal(text) => out.push_str(text),
                Segment::Field(field) => escape.write(&mut out, &field.value(mark)),
            }
        }
        out
    }
}

/// A mark whose employee key has every character that needs escaping, to prove a template
/// still renders to a valid URL and a valid JSON body whatever the destination's keys are.
fn sample_mark() -> AttendanceMark {
    AttendanceMark {
        event_id: uuid::Uuid::nil(),
        attendance_id: uuid::Uuid::nil(),
        person_id: uuid::Uuid::nil(),
        employee: "a \"b\"\\/&?#<c>{d}\n".into(),
        kind: MarkKind::CheckIn,
        at: chrono::DateTime::UNIX_EPOCH,
        check_in_at: None,
        camera_id: Some("door cam/1".into()),
        external_record: None,
    }
}

/// What became of one door action.
#[derive(Debug, Clone, PartialEq)]
pub enum DoorOutcome {
    /// The device took the request. `elapsed` is from the call to [`open`] to the reply.
    Opened {
        status: u16,
        attempts: u32,
        elapsed: Duration,
        response: String,
    },
    /// The device refused in a way another attempt cannot change; nothing was retried.
    Refused {
        status: Option<u16>,
        refusal: DoorRefusal,
        reason: String,
        attempts: u32,
        response: String,
    },
    /// No attempt succeeded before the deadline; nothing was or will be sent after it.
    Missed { reason: String, attempts: u32 },
}

impl DoorOutcome {
    /// `opened`, `refused` or `missed`, for the delivery log and metrics.
    pub fn code(&self) -> &'static str {
        match self {
            DoorOutcome::Opened { .. } => "opened",
            DoorOutcome::Refused { .. } => "refused",
            DoorOutcome::Missed { .. } => "missed",
        }
    }

    pub fn attempts(&self) -> u32 {
        match self {
            DoorOutcome::Opened { attempts, .. }
            | DoorOutcome::Refused { attempts, .. }
            | DoorOutcome::Missed { attempts, .. } => *attempts,
        }
    }

    /// The delivery log's view of it. Nothing about a door is ever retried later: a missed
    /// door is over (a late open would let the next person in), so it is `Refused` like a
    /// device's refusal; wrong credentials `Disable` the door until an operator looks, as for
    /// every destination.
    pub fn delivery(&self) -> DeliveryOutcome {
        match self {
            DoorOutcome::Opened {
                status, response, ..
            } => DeliveryOutcome::Delivered {
                status: Some(*status),
                external_record: None,
                response: response.clone(),
            },
            DoorOutcome::Refused {
                status,
                refusal: DoorRefusal::Credentials,
                reason,
                response,
                ..
            } => DeliveryOutcome::Disable {
                status: *status,
                reason: reason.clone(),
                response: response.clone(),
            },
            DoorOutcome::Refused {
                status,
                refusal,
                reason,
                response,
                ..
            } => DeliveryOutcome::Refused {
                status: *status,
                refusal: match refusal {
                    DoorRefusal::BlockedAddress => Refusal::BlockedAddress,
                    DoorRefusal::InvalidResponse => Refusal::InvalidResponse,
                    _ => Refusal::Rejected,
                },
                reason: format!("{}: {reason}", refusal.as_str()),
                response: response.clone(),
            },
            DoorOutcome::Missed { reason, attempts } => DeliveryOutcome::Refused {
                status: None,
                refusal: Refusal::Rejected,
                reason: format!("missed the deadline after {attempts} attempts: {reason}"),
                response: String::new(),
            },
        }
    }
}

/// Why a door refused, as a stable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DoorRefusal {
    /// 401/403, or a Digest answer the device did not accept: wrong user or password.
    Credentials,
    /// 404, or the device says the relay, switch or door does not exist.
    UnknownDoor,
    /// The device answered with its documented error (Shelly RPC `error`, ISAPI status).
    DeviceError,
    /// Another 4xx, a redirect (never followed), or a request that could not be made.
    Rejected,
    /// The reply was not the device's documented one.
    InvalidResponse,
    /// The device's address is private, loopback or link-local and the action does not allow
    /// it (the outbound guard's refusal).
    BlockedAddress,
}

impl DoorRefusal {
    pub fn as_str(self) -> &'static str {
        match self {
            DoorRefusal::Credentials => "credentials",
            DoorRefusal::UnknownDoor => "unknown_door",
            DoorRefusal::DeviceError => "device_error",
            DoorRefusal::Rejected => "rejected",
            DoorRefusal::InvalidResponse => "invalid_response",
            DoorRefusal::BlockedAddress => "blocked_address",
        }
    }
}

/// What door actions send through: the outbound guard's clients, one per policy a door can
/// have (private addresses allowed or not, TLS verified or not), and each device's last Digest
/// challenge. One per process, shared by every door; cheap to clone.
#[derive(Clone)]
pub struct DoorClient {
    /// Indexed by [`DoorClient::policy_index`].
    clients: [OutboundClient; 4],
    challenges: Arc<Mutex<HashMap<ChallengeKey, WwwAuthenticateHeader>>>,
}

/// A device and the user that answers its challenges: one nonce each.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct ChallengeKey {
    origin: String,
    user: String,
}

impl DoorClient {
    /// The guard's clients follow no redirect (one could point a door's credentials anywhere)
    /// and keep connections to devices open, so an open after the first skips the handshake.
    /// Their own timeout is the longest an action may have; each request's is cut shorter.
    pub fn new() -> Result<Self, DoorError> {
        let build = |index: usize| {
            let (allow_private, verify_tls) = (index & 1 == 1, index & 2 == 0);
            OutboundClient::new(&OutboundPolicy {
                allow_private,
                timeout: MAX_TIMEOUT,
                verify_tls,
            })
            .map_err(|e| DoorError::Client(e.to_string()))
        };
        Ok(DoorClient {
            clients: [build(0)?, build(1)?, build(2)?, build(3)?],
            challenges: Arc::new(Mutex::new(HashMap::new())),
        })
    }

    fn policy_index(allow_private: bool, verify_tls: bool) -> usize {
        usize::from(allow_private) | (usize::from(!verify_tls) << 1)
    }

    fn http(&self, action: &DoorAction) -> &OutboundClient {
        &self.clients[DoorClient::policy_index(action.allow_private, action.verify_tls)]
    }

    /// An `Authorization` for this request from the device's remembered challenge, if any.
    fn cached_authorization(
        &self,
        key: &ChallengeKey,
        request: &Rendered,
        pass: &SecretString,
    ) -> Option<String> {
        let mut challenges = self.challenges.lock().unwrap_or_else(|e| e.into_inner());
        let challenge = challenges.get_mut(key)?;
        match answer(challenge, &key.user, pass, request) {
            Some(header) => Some(header),
            None => {
                challenges.remove(key);
                None
            }
        }
    }

    /// Remembers a device's new challenge and answers it.
    fn answer_challenge(
        &self,
        key: &ChallengeKey,
        mut challenge: WwwAuthenticateHeader,
        request: &Rendered,
        pass: &SecretString,
    ) -> Option<String> {
        let header = answer(&mut challenge, &key.user, pass, request)?;
        let mut challenges = self.challenges.lock().unwrap_or_else(|e| e.into_inner());
        challenges.insert(key.clone(), challenge);
        Some(header)
    }
}

/// Answers a challenge for one request; the challenge's `nc` counts up, a new `cnonce` each.
fn answer(
    challenge: &mut WwwAuthenticateHeader,
    user: &str,
    pass: &SecretString,
    request: &Rendered,
) -> Option<String> {
    let context = AuthContext::new_with_method(
        user,
        pass.expose_secret(),
        request.digest_uri.as_str(),
        Option::<&[u8]>::None,
        HttpMethod(Cow::Borrowed(request.method.as_str())),
    );
    challenge
        .respond(&context)
        .ok()
        .map(|header| header.to_header_string())
}

/// One action's request, rendered once for all its attempts.
struct Rendered {
    method: Method,
    url: Url,
    /// The request-target Digest hashes: path and query.
    digest_uri: String,
    body: Option<bytes::Bytes>,
}

/// Sends `action` for `mark`, retrying while `deadline` allows; see the module's doc.
pub async fn open(
    client: &DoorClient,
    action: &DoorAction,
    mark: &AttendanceMark,
    deadline: Instant,
) -> DoorOutcome {
    let started = Instant::now();
    let url = match Url::parse(&action.url.render(mark, Escape::Url)) {
        Ok(url) => url,
        Err(e) => {
            return DoorOutcome::Refused {
                status: None,
                refusal: DoorRefusal::Rejected,
                reason: format!("the URL rendered for this mark is not valid: {e}"),
                attempts: 0,
                response: String::new(),
            };
        }
    };
    let digest_uri = match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_string(),
    };
    let request = Rendered {
        method: action.method.clone(),
        url,
        digest_uri,
        body: action
            .body
            .as_ref()
            .map(|(t, escape)| bytes::Bytes::from(t.render(mark, *escape))),
    };

    let mut attempts = 0u32;
    let mut last_reason = String::from("the deadline had passed before the first attempt");
    loop {
        let now = Instant::now();
        if now >= deadline {
            return missed(last_reason, attempts);
        }
        attempts += 1;
        let attempt_deadline = deadline.min(now + action.timeout);
        let result = tokio::time::timeout_at(
            attempt_deadline,
            attempt(client, action, &request, attempt_deadline),
        )
        .await;
        let reason = match result {
            Ok(Attempt::Opened { status, response }) => {
                return DoorOutcome::Opened {
                    status,
                    attempts,
                    elapsed: started.elapsed(),
                    response,
                };
            }
            Ok(Attempt::Refused {
                status,
                refusal,
                reason,
                response,
            }) => {
                tracing::warn!(
                    event_id = %mark.event_id,
                    camera_id = mark.camera_id.as_deref().unwrap_or(""),
                    refusal = refusal.as_str(),
                    %reason,
                    "door refused"
                );
                return DoorOutcome::Refused {
                    status,
                    refusal,
                    reason,
                    attempts,
                    response,
                };
            }
            Ok(Attempt::Retry(reason)) => reason,
            Err(_) => format!("no reply within {:?}", attempt_deadline - now),
        };
        tracing::debug!(event_id = %mark.event_id, attempts, %reason, "door attempt failed");
        let wait = BACKOFF[(attempts as usize - 1).min(BACKOFF.len() - 1)];
        // Waiting past the deadline would only end in a request sent late: stop now.
        if Instant::now() + wait >= deadline {
            return missed(reason, attempts);
        }
        last_reason = reason;
        tokio::time::sleep(wait).await;
    }
}

fn missed(reason: String, attempts: u32) -> DoorOutcome {
    tracing::warn!(attempts, %reason, "door action missed its deadline");
    DoorOutcome::Missed { reason, attempts }
}

/// What one attempt (with its Digest round trip) came to.
enum Attempt {
    Opened {
        status: u16,
        response: String,
    },
    Refused {
        status: Option<u16>,
        refusal: DoorRefusal,
        reason: String,
        response: String,
    },
    Retry(String),
}

async fn attempt(
    client: &DoorClient,
    action: &DoorAction,
    request: &Rendered,
    attempt_deadline: Instant,
) -> Attempt {
    let http = client.http(action);
    let digest = match &action.auth {
        DoorAuth::Digest { user, pass } => Some((
            ChallengeKey {
                origin: request.url.origin().ascii_serialization(),
                user: user.clone(),
            },
            pass,
        )),
        _ => None,
    };
    let mut authorization = digest
        .as_ref()
        .and_then(|(key, pass)| client.cached_authorization(key, request, pass));
    // Whether the Authorization sent answers a challenge this attempt received: a 401 to
    // that (not marked stale) means the credentials are wrong. A remembered challenge may just
    // have expired on a device that does not say `stale`, so it earns one fresh challenge.
    let mut answered_fresh = false;
    // At most: a remembered nonce, a fresh challenge, a stale one.
    for _ in 0..3 {
        let left = attempt_deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Attempt::Retry("no time left in this attempt".into());
        }
        let mut builder = match http.request(request.method.clone(), request.url.as_str()) {
            Ok(builder) => builder.headers(action.headers.clone()).timeout(left),
            Err(e) => return guard_refused(e),
        };
        if let Some(body) = &request.body {
            builder = builder.body(body.clone());
        }
        match (&action.auth, &authorization) {
            (DoorAuth::Basic { user, pass }, _) => {
                builder = builder.basic_auth(user, Some(pass.expose_secret()));
            }
            (DoorAuth::Digest { .. }, Some(header)) => {
                builder = builder.header(AUTHORIZATION, header.as_str());
            }
            _ => {}
        }
        let sent = match builder.build() {
            Ok(built) => http.execute(built).await,
            Err(e) => return guard_refused(GuardError::InvalidUrl(error_chain(&e))),
        };
        let response = match sent {
            Ok(response) => response,
            Err(SendError::Guard(e)) => return guard_refused(e),
            Err(e @ SendError::Transport(_)) => return Attempt::Retry(e.to_string()),
        };
        let status = response.status();
        if status == StatusCode::UNAUTHORIZED
            && let Some((key, pass)) = &digest
        {
            let challenge = response
                .headers()
                .get_all(WWW_AUTHENTICATE)
                .iter()
                .filter_map(|value| value.to_str().ok())
                .find(|value| {
                    value
                        .trim_start()
                        .to_ascii_lowercase()
                        .starts_with("digest")
                })
                .and_then(|value| WwwAuthenticateHeader::parse(value).ok());
            let Some(challenge) = challenge else {
                return refused_credentials(
                    status,
                    "the device answered 401 without a Digest challenge",
                );
            };
            if answered_fresh && !challenge.stale {
                return refused_credentials(status, "the device refused the Digest credentials");
            }
            authorization = client.answer_challenge(key, challenge, request, pass);
            if authorization.is_none() {
                return Attempt::Refused {
                    status: Some(status.as_u16()),
                    refusal: DoorRefusal::InvalidResponse,
                    reason: "the device's Digest challenge could not be answered".into(),
                    response: String::new(),
                };
            }
            answered_fresh = true;
            continue;
        }
        let body = match response.bytes().await {
            Ok(body) => body,
            Err(e) => return Attempt::Retry(format!("reading the reply: {}", error_chain(&e))),
        };
        return classify(action.reply, status, &body);
    }
    refused_credentials(
        StatusCode::UNAUTHORIZED,
        "the device kept asking for Digest credentials",
    )
}

/// The guard refused the device's address (private without `allow_private`) or the URL: no
/// attempt can change that. A name that does not resolve may be DNS starting up: tried again.
fn guard_refused(error: GuardError) -> Attempt {
    match error {
        GuardError::Unresolvable(_) => Attempt::Retry(error.to_string()),
        GuardError::BlockedAddress { .. } => Attempt::Refused {
            status: None,
            refusal: DoorRefusal::BlockedAddress,
            reason: error.to_string(),
            response: String::new(),
        },
        _ => Attempt::Refused {
            status: None,
            refusal: DoorRefusal::Rejected,
            reason: error.to_string(),
            response: String::new(),
        },
    }
}

fn refused_credentials(status: StatusCode, reason: &str) -> Attempt {
    Attempt::Refused {
        status: Some(status.as_u16()),
        refusal: DoorRefusal::Credentials,
        reason: reason.into(),
        response: String::new(),
    }
}

/// Reads a device's reply as its documentation says.
fn classify(reply: DeviceReply, status: StatusCode, body: &[u8]) -> Attempt {
    let response = response_excerpt(body);
    let code = status.as_u16();
    let refused = |refusal: DoorRefusal, reason: String| Attempt::Refused {
        status: Some(code),
        refusal,
        reason,
        response: response.clone(),
    };

    // Shelly Gen2 answers an RPC error as an `error` frame, whatever the HTTP status.
    if reply == DeviceReply::ShellyGen2
        && let Ok(frame) = serde_json::from_slice::<ShellyRpcFrame>(body)
    {
        if let Some(error) = frame.error {
            return match error.code {
                // -104 deadline exceeded, -114 unavailable: the device is busy, not refusing.
                -104 | -114 => Attempt::Retry(format!(
                    "Shelly RPC error {}: {}",
                    error.code, error.message
                )),
                -105 => refused(
                    DoorRefusal::UnknownDoor,
                    format!("Shelly RPC error -105: {}", error.message),
                ),
                -401 => refused(
                    DoorRefusal::Credentials,
                    format!("Shelly RPC error -401: {}", error.message),
                ),
                other => refused(
                    DoorRefusal::DeviceError,
                    format!("Shelly RPC error {other}: {}", error.message),
                ),
            };
        }
        if status.is_success() && frame.result.is_some() {
            return Attempt::Opened {
                status: code,
                response,
            };
        }
    }
    // ISAPI's ResponseStatus: statusCode 2 is "Device Busy"; 1 is OK.
    if reply == DeviceReply::HikvisionIsapi
        && let Ok(isapi) =
            quick_xml::de::from_str::<IsapiResponseStatus>(&String::from_utf8_lossy(body))
        && let Some(status_code) = isapi.status_code
    {
        if status_code == 1 && status.is_success() {
            return Attempt::Opened {
                status: code,
                response,
            };
        }
        let reason = format!(
            "ISAPI statusCode {status_code} {}, subStatusCode {}{}",
            isapi.status_string.as_deref().unwrap_or(""),
            isapi.sub_status_code.as_deref().unwrap_or("none"),
            isapi
                .error_msg
                .as_deref()
                .map(|m| format!(": {m}"))
                .unwrap_or_default(),
        );
        if status_code == 2 || status.is_server_error() {
            return Attempt::Retry(reason);
        }
        let refusal = match (code, isapi.sub_status_code.as_deref()) {
            (401, _) => DoorRefusal::Credentials,
            (404, _) | (_, Some("invalidID" | "notSupport")) => DoorRefusal::UnknownDoor,
            _ => DoorRefusal::DeviceError,
        };
        return refused(refusal, reason);
    }

    if status.is_success() {
        return match reply {
            DeviceReply::Generic => Attempt::Opened {
                status: code,
                response,
            },
            DeviceReply::ShellyGen1 => match serde_json::from_slice::<ShellyGen1Relay>(body) {
                Ok(ShellyGen1Relay { ison: true }) => Attempt::Opened {
                    status: code,
                    response,
                },
                Ok(_) => refused(
                    DoorRefusal::DeviceError,
                    "the relay reports it is off".into(),
                ),
                Err(e) => refused(
                    DoorRefusal::InvalidResponse,
                    format!("not a Shelly relay status: {e}"),
                ),
            },
            DeviceReply::ShellyGen2 => refused(
                DoorRefusal::InvalidResponse,
                "not a Shelly RPC reply frame".into(),
            ),
            DeviceReply::HikvisionIsapi => refused(
                DoorRefusal::InvalidResponse,
                "not an ISAPI ResponseStatus".into(),
            ),
        };
    }
    match status {
        StatusCode::REQUEST_TIMEOUT | StatusCode::TOO_MANY_REQUESTS => {
            Attempt::Retry(format!("HTTP {code}"))
        }
        s if s.is_server_error() => Attempt::Retry(format!("HTTP {code}")),
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => refused(
            DoorRefusal::Credentials,
            format!("HTTP {code}: the device refused the credentials"),
        ),
        StatusCode::NOT_FOUND => refused(
            DoorRefusal::UnknownDoor,
            "HTTP 404: no such relay or door".into(),
        ),
        s if s.is_redirection() => refused(
            DoorRefusal::Rejected,
            format!("HTTP {code}: redirects are not followed"),
        ),
        _ => refused(DoorRefusal::Rejected, format!("HTTP {code}")),
    }
}

/// Shelly Gen1's `/relay/<n>` status: only `ison` matters here.
#[derive(serde::Deserialize)]
struct ShellyGen1Relay {
    ison: bool,
}

/// A Shelly Gen2 JSON-RPC response frame.
#[derive(serde::Deserialize)]
struct ShellyRpcFrame {
    result: Option<serde_json::Value>,
    error: Option<ShellyRpcError>,
}

#[derive(serde::Deserialize)]
struct ShellyRpcError {
    code: i64,
    #[serde(default)]
    message: String,
}

/// ISAPI's `<ResponseStatus>`.
#[derive(serde::Deserialize)]
struct IsapiResponseStatus {
    #[serde(rename = "statusCode")]
    status_code: Option<u32>,
    #[serde(rename = "statusString")]
    status_string: Option<String>,
    #[serde(rename = "subStatusCode")]
    sub_status_code: Option<String>,
    #[serde(rename = "errorMsg")]
    error_msg: Option<String>,
}

/// An error with its causes ("error sending request" alone says nothing), without the URL.
fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mark(employee: &str) -> AttendanceMark {
        AttendanceMark {
            employee: employee.into(),
            ..sample_mark()
        }
    }

    #[test]
    fn an_unknown_placeholder_is_refused_with_its_code() {
        let err = DoorAction::new(DoorActionSpec::new(
            "GET",
            "http://door.local/open?who={badge}",
        ))
        .unwrap_err();
        assert_eq!(err.code(), "door_unknown_placeholder");
        assert!(err.to_string().contains("{badge}"), "{err}");
    }

    #[test]
    fn values_are_percent_encoded_in_the_url_and_json_escaped_in_a_json_body() {
        let mut spec =
            DoorActionSpec::new("POST", "http://door.local/open/{employee}?cam={camera_id}");
        spec.headers.push((
            "Content-Type".into(),
            "application/json; charset=utf-8".into(),
        ));
        spec.body_template = Some(r#"{"who":"{employee}","kind":"{kind}","at":"{at}"}"#.into());
        let action = DoorAction::new(spec).unwrap();
        let m = mark("Zoë \"Z\"/7&x=1");
        assert_eq!(
            action.url.render(&m, Escape::Url),
            "http://door.local/open/Zo%C3%AB%20%22Z%22%2F7%26x%3D1?cam=door%20cam%2F1"
        );
        let (body, escape) = action.body.as_ref().unwrap();
        let json: serde_json::Value = serde_json::from_str(&body.render(&m, *escape)).unwrap();
        assert_eq!(json["who"], "Zoë \"Z\"/7&x=1");
        assert_eq!(json["kind"], "check_in");
        assert_eq!(json["at"], "1970-01-01T00:00:00Z");
    }

    #[test]
    fn a_json_body_that_a_value_would_break_is_refused() {
        let mut spec = DoorActionSpec::new("POST", "http://door.local/");
        spec.headers
            .push(("Content-Type".into(), "application/json".into()));
        spec.body_template = Some(r#"{"who":{employee}}"#.into());
        assert_eq!(
            DoorAction::new(spec).unwrap_err().code(),
            "door_invalid_body"
        );
    }

    #[test]
    fn urls_with_credentials_or_other_schemes_are_refused() {
        for url in [
            "http://admin:pw@door.local/",
            "ftp://door.local/",
            "door.local/open",
        ] {
            let err = DoorAction::new(DoorActionSpec::new("GET", url)).unwrap_err();
            assert_eq!(err.code(), "door_invalid_url", "{url}");
        }
    }

    #[test]
    fn secrets_stay_out_of_debug() {
        let mut spec = DoorActionSpec::new("GET", "http://door.local/");
        spec.headers.push(("X-Api-Key".into(), "token-123".into()));
        spec.auth = DoorAuth::Basic {
            user: "admin".into(),
            pass: "hunter2".into(),
        };
        let spec_debug = format!("{spec:?}");
        let action_debug = format!("{:?}", DoorAction::new(spec).unwrap());
        for text in [spec_debug, action_debug] {
            assert!(
                !text.contains("hunter2") && !text.contains("token-123"),
                "{text}"
            );
            assert!(
                text.contains("X-Api-Key") || text.contains("x-api-key"),
                "{text}"
            );
        }
    }

    #[test]
    fn device_templates_refuse_paths_zero_doors_and_zero_timers() {
        assert_eq!(
            DoorAction::shelly_gen1("10.0.0.5/relay", 0, 5)
                .unwrap_err()
                .code(),
            "door_invalid_device"
        );
        assert_eq!(
            DoorAction::shelly_gen1("10.0.0.5", 0, 0)
                .unwrap_err()
                .code(),
            "door_invalid_device"
        );
        assert_eq!(
            DoorAction::hikvision_isapi("10.0.0.6", 0, "admin", "pw".into())
                .unwrap_err()
                .code(),
            "door_invalid_device"
        );
        let hik =
            DoorAction::hikvision_isapi("https://10.0.0.6:8443", 2, "admin", "pw".into()).unwrap();
        assert_eq!(
            hik.url_template(),
            "https://10.0.0.6:8443/ISAPI/AccessControl/RemoteControl/door/2"
        );
        assert_eq!(
            DoorAction::shelly_gen2("shelly.local", 0, 5, None)
                .unwrap()
                .url_template(),
            "http://shelly.local/rpc"
        );
    }

    #[test]
    fn outcomes_map_to_deliveries_that_are_never_retried() {
        let opened = DoorOutcome::Opened {
            status: 200,
            attempts: 1,
            elapsed: Duration::from_millis(3),
            response: "{}".into(),
        };
        assert!(matches!(
            opened.delivery(),
            DeliveryOutcome::Delivered {
                status: Some(200),
                ..
            }
        ));
        let credentials = DoorOutcome::Refused {
            status: Some(401),
            refusal: DoorRefusal::Credentials,
            reason: "wrong".into(),
            attempts: 1,
            response: String::new(),
        };
        assert!(matches!(
            credentials.delivery(),
            DeliveryOutcome::Disable {
                status: Some(401),
                ..
            }
        ));
        let unknown = DoorOutcome::Refused {
            status: Some(404),
            refusal: DoorRefusal::UnknownDoor,
            reason: "no such relay".into(),
            attempts: 1,
            response: String::new(),
        };
        let DeliveryOutcome::Refused {
            refusal: Refusal::Rejected,
            reason,
            ..
        } = unknown.delivery()
        else {
            panic!("{:?}", unknown.delivery())
        };
        assert!(reason.starts_with("unknown_door"), "{reason}");
        let missed = DoorOutcome::Missed {
            reason: "no reply".into(),
            attempts: 3,
        };
        let DeliveryOutcome::Refused { reason, .. } = missed.delivery() else {
            panic!()
        };
        assert!(
            reason.contains("missed the deadline after 3 attempts"),
            "{reason}"
        );
    }

    #[test]
    fn timeouts_outside_the_range_are_refused() {
        let action = DoorAction::shelly_gen1("10.0.0.5", 0, 5).unwrap();
        assert_eq!(
            action
                .clone()
                .with_timeout(Duration::ZERO)
                .unwrap_err()
                .code(),
            "door_invalid_timeout"
        );
        assert_eq!(
            action
                .with_timeout(Duration::from_secs(31))
                .unwrap_err()
                .code(),
            "door_invalid_timeout"
        );
    }
}
