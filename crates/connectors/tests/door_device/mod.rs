//! An HTTP server in the test that stands in for a door device on the LAN: it records every
//! request with its arrival time and answers through a handler that plays the device's
//! documented API (Shelly Gen1/Gen2, Hikvision ISAPI). Shared by tests/door.rs and
//! benches/door.rs.

#![allow(dead_code)]

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use md5::Md5;
use sha2::{Digest as _, Sha256};
use tokio::net::TcpListener;
use tokio::time::Instant;

/// One request as the device received it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub headers: HashMap<String, String>,
    pub body: Bytes,
    pub arrived: Instant,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    /// The request-target as Digest hashes it.
    pub fn target(&self) -> String {
        match &self.query {
            Some(q) => format!("{}?{q}", self.path),
            None => self.path.clone(),
        }
    }
}

/// What the device answers, after `delay`.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub delay: Duration,
}

impl Reply {
    pub fn new(status: u16, content_type: &str, body: impl Into<String>) -> Self {
        Reply {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: body.into(),
            delay: Duration::ZERO,
        }
    }
    pub fn json(status: u16, body: impl Into<String>) -> Self {
        Reply::new(status, "application/json", body)
    }
    pub fn xml(status: u16, body: impl Into<String>) -> Self {
        Reply::new(status, "application/xml", body)
    }
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
    pub fn after(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

type Handler = dyn Fn(&Recorded) -> Reply + Send + Sync;

pub struct Device {
    pub addr: SocketAddr,
    log: Arc<Mutex<Vec<Recorded>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Device {
    /// Listens on 127.0.0.1 (a free port) and answers every request with `handler`.
    pub async fn start(handler: impl Fn(&Recorded) -> Reply + Send + Sync + 'static) -> Device {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the device's port");
        let addr = listener.local_addr().expect("the device's address");
        let log: Arc<Mutex<Vec<Recorded>>> = Arc::default();
        let handler: Arc<Handler> = Arc::new(handler);
        let task = tokio::spawn({
            let log = log.clone();
            async move {
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        continue;
                    };
                    let log = log.clone();
                    let handler = handler.clone();
                    tokio::spawn(async move {
                        let service =
                            service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                                let log = log.clone();
                                let handler = handler.clone();
                                async move {
                                    let arrived = Instant::now();
                                    let (parts, body) = request.into_parts();
                                    let body = body
                                        .collect()
                                        .await
                                        .map(|b| b.to_bytes())
                                        .unwrap_or_default();
                                    let recorded = Recorded {
                                        method: parts.method.to_string(),
                                        path: parts.uri.path().to_string(),
                                        query: parts.uri.query().map(str::to_string),
                                        headers: parts
                                            .headers
                                            .iter()
                                            .map(|(k, v)| {
                                                (
                                                    k.as_str().to_string(),
                                                    v.to_str().unwrap_or("").to_string(),
                                                )
                                            })
                                            .collect(),
                                        body,
                                        arrived,
                                    };
                                    let reply = handler(&recorded);
                                    log.lock().unwrap().push(recorded);
                                    if !reply.delay.is_zero() {
                                        tokio::time::sleep(reply.delay).await;
                                    }
                                    let mut response =
                                        hyper::Response::builder().status(reply.status);
                                    for (name, value) in &reply.headers {
                                        response = response.header(name, value);
                                    }
                                    Ok::<_, Infallible>(
                                        response
                                            .body(Full::new(Bytes::from(reply.body)))
                                            .expect("a valid reply"),
                                    )
                                }
                            });
                        let _ = http1::Builder::new()
                            .serve_connection(TokioIo::new(stream), service)
                            .await;
                    });
                }
            }
        });
        Device { addr, log, task }
    }

    /// `127.0.0.1:<port>`, as a site would enter the device's address.
    pub fn host(&self) -> String {
        self.addr.to_string()
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.log.lock().unwrap().clone()
    }
}

impl Drop for Device {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The server side of RFC 7616 Digest (`qop=auth`), as the devices do it: issues nonces,
/// checks the response hash against the real password, refuses a replayed `nc`, and can
/// expire a nonce so the next use gets `stale=true`.
pub struct DigestServer {
    pub realm: String,
    pub algorithm: DigestAlgorithm,
    pub user: String,
    pub password: String,
    state: Mutex<DigestState>,
}

#[derive(Default)]
struct DigestState {
    issued: u32,
    /// Live nonces and the highest nc seen with each.
    live: HashMap<String, u32>,
    expired: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigestAlgorithm {
    Md5,
    Sha256,
}

/// Why a request's Authorization was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DigestVerdict {
    Accepted,
    /// No Authorization, or a wrong one: answer 401 with a fresh challenge.
    Challenge,
    /// A correct answer to an expired nonce: 401 with `stale=true`.
    Stale,
}

impl DigestServer {
    pub fn new(realm: &str, algorithm: DigestAlgorithm, user: &str, password: &str) -> Self {
        DigestServer {
            realm: realm.into(),
            algorithm,
            user: user.into(),
            password: password.into(),
            state: Mutex::default(),
        }
    }

    fn hash(&self, text: &str) -> String {
        match self.algorithm {
            DigestAlgorithm::Md5 => hex::encode(Md5::digest(text.as_bytes())),
            DigestAlgorithm::Sha256 => hex::encode(Sha256::digest(text.as_bytes())),
        }
    }

    /// A new nonce, as the `WWW-Authenticate` value the device sends.
    pub fn challenge(&self, stale: bool) -> String {
        let mut state = self.state.lock().unwrap();
        state.issued += 1;
        let nonce = hex::encode(Sha256::digest(format!("{}-{}", self.realm, state.issued)))[..32]
            .to_string();
        state.live.insert(nonce.clone(), 0);
        match self.algorithm {
            // Shelly Gen2: `algorithm=SHA-256`, realm the device id.
            DigestAlgorithm::Sha256 => format!(
                r#"Digest qop="auth", realm="{}", nonce="{nonce}", algorithm=SHA-256{}"#,
                self.realm,
                if stale { ", stale=true" } else { "" }
            ),
            // Hikvision: no algorithm (MD5), `stale="FALSE"` spelled out.
            DigestAlgorithm::Md5 => format!(
                r#"Digest qop="auth", realm="{}", nonce="{nonce}", stale="{}""#,
                self.realm,
                if stale { "TRUE" } else { "FALSE" }
            ),
        }
    }

    /// Expires every nonce issued so far: their next use is answered `stale=true`.
    pub fn expire_nonces(&self) {
        let mut state = self.state.lock().unwrap();
        let live: Vec<String> = state.live.drain().map(|(nonce, _)| nonce).collect();
        state.expired.extend(live);
    }

    pub fn nonces_issued(&self) -> u32 {
        self.state.lock().unwrap().issued
    }

    /// Checks a request's `Authorization: Digest …` field by field and by its hash.
    pub fn verify(&self, request: &Recorded) -> DigestVerdict {
        let Some(header) = request.header("authorization") else {
            return DigestVerdict::Challenge;
        };
        let Some(params) = header.strip_prefix("Digest ") else {
            return DigestVerdict::Challenge;
        };
        let params = parse_params(params);
        let get = |k: &str| params.get(k).map(String::as_str).unwrap_or("");
        let expected_algorithm = match self.algorithm {
            DigestAlgorithm::Md5 => "MD5",
            DigestAlgorithm::Sha256 => "SHA-256",
        };
        if get("username") != self.user
            || get("realm") != self.realm
            || get("uri") != request.target()
            || get("qop") != "auth"
            || get("cnonce").is_empty()
            || !get("algorithm").eq_ignore_ascii_case(expected_algorithm)
        {
            return DigestVerdict::Challenge;
        }
        let Ok(nc) = u32::from_str_radix(get("nc"), 16) else {
            return DigestVerdict::Challenge;
        };
        let ha1 = self.hash(&format!("{}:{}:{}", self.user, self.realm, self.password));
        let ha2 = self.hash(&format!("{}:{}", request.method, request.target()));
        let expected = self.hash(&format!(
            "{ha1}:{}:{}:{}:auth:{ha2}",
            get("nonce"),
            get("nc"),
            get("cnonce")
        ));
        if get("response") != expected {
            return DigestVerdict::Challenge;
        }
        let mut state = self.state.lock().unwrap();
        if state.expired.iter().any(|n| n == get("nonce")) {
            return DigestVerdict::Stale;
        }
        match state.live.get_mut(get("nonce")) {
            // A replayed or reused count is refused, as RFC 7616 §3.3 lets a server do.
            Some(highest) if nc > *highest => {
                *highest = nc;
                DigestVerdict::Accepted
            }
            _ => DigestVerdict::Challenge,
        }
    }
}

/// `key=value, key="value"` pairs of an Authorization header.
fn parse_params(text: &str) -> HashMap<String, String> {
    let mut params = HashMap::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        let Some(eq) = rest.find('=') else { break };
        let key = rest[..eq]
            .trim()
            .trim_start_matches(',')
            .trim()
            .to_ascii_lowercase();
        rest = rest[eq + 1..].trim_start();
        let value;
        if let Some(quoted) = rest.strip_prefix('"') {
            let end = quoted.find('"').unwrap_or(quoted.len());
            value = quoted[..end].to_string();
            rest = quoted.get(end + 1..).unwrap_or("");
        } else {
            let end = rest.find(',').unwrap_or(rest.len());
            value = rest[..end].trim().to_string();
            rest = &rest[end..];
        }
        rest = rest.trim_start().trim_start_matches(',').trim_start();
        params.insert(key, value);
    }
    params
}
