//! The HTTP/1.1 front, spoken byte by byte over raw TCP: what browsers, proxies and attackers
//! can send that a WebSocket library never would. Pipelined requests (and a WebSocket frame
//! sent in the same packet as its upgrade), a half-closed socket, a body framed two ways at
//! once, folded header lines, a head over the limit and a head sent too slowly.

use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::Role;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::helpers::{WsClient, spawn_app, spawn_app_with, token};

/// How long a read may wait before the test fails instead of hanging.
const READ_WAIT: Duration = Duration::from_secs(10);

/// One response as it came over the wire.
#[derive(Debug)]
struct RawResponse {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl RawResponse {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!("a JSON body ({e}): {}", String::from_utf8_lossy(&self.body))
        })
    }
}

/// A TCP connection to the gateway: bytes written by hand, responses parsed as they arrive.
struct RawClient {
    stream: TcpStream,
    /// Bytes read and not yet taken by a response.
    buffer: Vec<u8>,
}

impl RawClient {
    async fn connect(port: u16) -> Self {
        let stream = TcpStream::connect(("127.0.0.1", port))
            .await
            .expect("connect to the gateway");
        Self {
            stream,
            buffer: Vec::new(),
        }
    }

    async fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).await.expect("write");
    }

    /// Reads more bytes; false at the end of the stream (a reset counts as an end).
    async fn fill(&mut self) -> bool {
        let mut chunk = [0u8; 4096];
        let read = tokio::time::timeout(READ_WAIT, self.stream.read(&mut chunk))
            .await
            .expect("the gateway answers or closes within 10 s");
        match read {
            Ok(0) | Err(_) => false,
            Ok(read) => {
                self.buffer.extend_from_slice(&chunk[..read]);
                true
            }
        }
    }

    /// The next response (head, and the body its Content-Length announces); `None` when the
    /// connection ends first.
    async fn response(&mut self) -> Option<RawResponse> {
        let head_end = loop {
            if let Some(at) = self.buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                break at + 4;
            }
            if !self.fill().await {
                assert!(
                    self.buffer.is_empty(),
                    "the connection ended inside a response: {:?}",
                    String::from_utf8_lossy(&self.buffer)
                );
                return None;
            }
        };
        let head = String::from_utf8(self.buffer[..head_end].to_vec()).expect("an ASCII head");
        let mut lines = head.split("\r\n");
        let status_line = lines.next().expect("a status line");
        let status = status_line
            .strip_prefix("HTTP/1.1 ")
            .and_then(|rest| rest.get(..3))
            .and_then(|code| code.parse().ok())
            .unwrap_or_else(|| panic!("an HTTP/1.1 status line: {status_line:?}"));
        let headers: Vec<(String, String)> = lines
            .filter(|line| !line.is_empty())
            .map(|line| {
                let (name, value) = line.split_once(':').expect("a header line");
                (name.trim().to_owned(), value.trim().to_owned())
            })
            .collect();
        self.buffer.drain(..head_end);
        let length: usize = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
            .map(|(_, v)| v.parse().expect("a numeric Content-Length"))
            .unwrap_or(0);
        while self.buffer.len() < length {
            assert!(self.fill().await, "the connection ended inside a body");
        }
        let body = self.buffer.drain(..length).collect();
        Some(RawResponse {
            status,
            headers,
            body,
        })
    }

    /// Asserts the gateway closes the connection with nothing more to say.
    async fn expect_end(&mut self) {
        if let Some(extra) = self.response().await {
            panic!("expected the connection to end, got another response: {extra:?}");
        }
    }
}

fn get(path: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: gateway.test\r\n\r\n")
}

fn upgrade_head(port: u16, key: &str, token: &str) -> String {
    format!(
        "GET /api/v1/attendance/ws/raw-client HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\
         Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\
         Sec-WebSocket-Key: {key}\r\nAuthorization: Bearer {token}\r\n\r\n"
    )
}

/// A client's text frame: clients must mask what they send (RFC 6455 §5.3).
fn masked_text_frame(text: &str) -> Vec<u8> {
    let payload = text.as_bytes();
    assert!(payload.len() < 126, "a short frame");
    let mask = [0x37, 0xfa, 0x21, 0x3d];
    let mut frame = vec![0x81, 0x80 | payload.len() as u8];
    frame.extend_from_slice(&mask);
    frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    frame
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipelined_requests_are_answered_in_order_on_one_connection() {
    let app = spawn_app().await;
    let mut client = RawClient::connect(app.port).await;
    // Three requests in one write, before any answer: each is answered, in order.
    let requests = [get("/healthz"), get("/metrics"), get("/nowhere")].concat();
    client.send(requests.as_bytes()).await;

    let health = client.response().await.expect("the first answer");
    assert_eq!(health.status, 200);
    assert_eq!(health.json()["status"], "ok");
    let metrics = client.response().await.expect("the second answer");
    assert_eq!(metrics.status, 200);
    assert!(
        String::from_utf8_lossy(&metrics.body).contains("gateway_connections"),
        "{metrics:?}"
    );
    let missing = client.response().await.expect("the third answer");
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json()["error"]["code"], "route_not_found");

    // The connection is kept alive for the next request.
    client.send(get("/healthz").as_bytes()).await;
    let again = client.response().await.expect("a fourth answer");
    assert_eq!(again.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upgrade_pipelined_with_a_probe_and_its_first_frame_loses_nothing() {
    let app = spawn_app().await;
    let mut client = RawClient::connect(app.port).await;
    let key = "dGhlIHNhbXBsZSBub25jZQ==";
    // A probe, the upgrade, and the session's first frame, all in one write: the frame
    // arrives before the `101` is sent and must reach the session, not be dropped with the
    // HTTP buffers.
    let mut bytes = get("/healthz").into_bytes();
    bytes.extend_from_slice(upgrade_head(app.port, key, &token(&["attendance:read"])).as_bytes());
    bytes.extend_from_slice(&masked_text_frame("not json"));
    client.send(&bytes).await;

    let health = client.response().await.expect("the probe's answer");
    assert_eq!(health.status, 200);
    let switched = client.response().await.expect("the upgrade's answer");
    assert_eq!(switched.status, 101, "{switched:?}");
    assert_eq!(
        switched.header("sec-websocket-accept"),
        Some(derive_accept_key(key.as_bytes()).as_str())
    );

    let ws = WebSocketStream::from_partially_read(
        MaybeTlsStream::Plain(client.stream),
        client.buffer,
        Role::Client,
        None,
    )
    .await;
    let mut session = WsClient { ws, protocol: None };
    session.expect("connection_established").await;
    let error = session.expect("error").await;
    assert_eq!(error["code"], "invalid_message", "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_half_closed_client_still_gets_its_answer() {
    let app = spawn_app().await;
    let mut client = RawClient::connect(app.port).await;
    // The request, then the client's side shut (as `curl` through some proxies, or a
    // script's `printf ... | nc -N`, do): the gateway must still answer before it closes.
    client.send(get("/readyz").as_bytes()).await;
    client.stream.shutdown().await.expect("shut the write side");

    let ready = client
        .response()
        .await
        .expect("an answer after the half-close");
    assert_eq!(ready.status, 200);
    assert_eq!(ready.json()["status"], "ready");
    client.expect_end().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_framed_by_both_content_length_and_transfer_encoding_is_refused() {
    let app = spawn_app().await;
    for route in ["/healthz", "/api/v1/attendance/ws/raw-client"] {
        let mut client = RawClient::connect(app.port).await;
        // Read by its Content-Length, the body is "0\r\n\r\n" and a second request follows;
        // read as chunked, the "second request" is part of the body. A front and a back that
        // disagree is request smuggling: the request is refused and the connection closed, so
        // the bytes after it are never taken for a request.
        let smuggled = format!(
            "GET {route} HTTP/1.1\r\nHost: gateway.test\r\nContent-Length: 5\r\n\
             Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n{}",
            get("/nowhere")
        );
        client.send(smuggled.as_bytes()).await;
        let refused = client.response().await.expect("an answer");
        assert_eq!(refused.status, 400, "{route}: {refused:?}");
        assert_eq!(
            refused.json()["error"]["code"],
            "request_body_not_allowed",
            "{route}"
        );
        assert_eq!(
            refused.header("connection").map(str::to_ascii_lowercase),
            Some("close".to_owned())
        );
        client.expect_end().await;
    }
    // The upgrade route counts the refusal as a bad request.
    assert_eq!(
        app.metric("gateway_upgrades_total{outcome=\"bad_request\"")
            .await,
        1.0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn folded_header_lines_are_refused() {
    let app = spawn_app().await;
    let mut client = RawClient::connect(app.port).await;
    // obs-fold (RFC 9112 §5.2): a line starting with white space continues the previous
    // header. Servers that unfold and proxies that do not disagree about the headers; it
    // must be refused.
    client
        .send(b"GET /healthz HTTP/1.1\r\nHost: gateway.test\r\nX-Note: first\r\n  second\r\n\r\n")
        .await;
    let refused = client.response().await.expect("an answer");
    assert_eq!(refused.status, 400, "{refused:?}");
    client.expect_end().await;

    // A token folded onto a second line is no token either.
    let mut client = RawClient::connect(app.port).await;
    let folded = format!(
        "GET /api/v1/attendance/ws/raw-client HTTP/1.1\r\nHost: gateway.test\r\n\
         Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nAuthorization: Bearer\r\n\t{}\r\n\r\n",
        token(&["attendance:read"])
    );
    client.send(folded.as_bytes()).await;
    let refused = client.response().await.expect("an answer");
    assert_eq!(refused.status, 400, "{refused:?}");
    client.expect_end().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_head_over_the_limit_is_answered_431() {
    let app = spawn_app().await;
    // Just under the 8 KB limit: answered.
    let mut client = RawClient::connect(app.port).await;
    let near = format!(
        "GET /healthz HTTP/1.1\r\nHost: gateway.test\r\nX-Padding: {}\r\n\r\n",
        "a".repeat(7 * 1024)
    );
    client.send(near.as_bytes()).await;
    assert_eq!(client.response().await.expect("an answer").status, 200);

    // One long header line.
    let mut client = RawClient::connect(app.port).await;
    let long = format!(
        "GET /healthz HTTP/1.1\r\nHost: gateway.test\r\nX-Padding: {}\r\n\r\n",
        "a".repeat(9 * 1024)
    );
    client.send(long.as_bytes()).await;
    let refused = client.response().await.expect("an answer");
    assert_eq!(refused.status, 431, "{refused:?}");
    client.expect_end().await;

    // A head that never ends: refused once past the limit, not buffered without end.
    let mut client = RawClient::connect(app.port).await;
    let endless = format!(
        "GET /healthz HTTP/1.1\r\nHost: gateway.test\r\nX-Padding: {}",
        "a".repeat(16 * 1024)
    );
    client.send(endless.as_bytes()).await;
    let refused = client.response().await.expect("an answer");
    assert_eq!(refused.status, 431, "{refused:?}");
    client.expect_end().await;

    // More header lines than the 48 allowed, each short.
    let mut client = RawClient::connect(app.port).await;
    let many: String = (0..60).map(|i| format!("X-Line-{i}: {i}\r\n")).collect();
    let many = format!("GET /healthz HTTP/1.1\r\nHost: gateway.test\r\n{many}\r\n");
    client.send(many.as_bytes()).await;
    let refused = client.response().await.expect("an answer");
    assert_eq!(refused.status, 431, "{refused:?}");
    client.expect_end().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_head_sent_too_slowly_is_timed_out() {
    let timeout = Duration::from_secs(1);
    let app = spawn_app_with(|s| s.handshake_timeout = timeout).await;

    // A slowloris client: a byte now and then, never the end of the head. Each write
    // arrives well within the timeout, so only a deadline on the whole head closes it.
    let mut client = RawClient::connect(app.port).await;
    let started = Instant::now();
    client.send(b"GET /healthz HTTP/1.1\r\n").await;
    let trickle = async {
        for i in 0.. {
            tokio::time::sleep(Duration::from_millis(200)).await;
            if client
                .stream
                .write_all(format!("X-Slow-{i}: x\r\n").as_bytes())
                .await
                .is_err()
            {
                return;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(5), trickle)
        .await
        .expect("the gateway closes a head that takes longer than its timeout");
    let elapsed = started.elapsed();
    assert!(
        elapsed >= timeout.mul_f64(0.9),
        "closed after {elapsed:?}, before the timeout"
    );
    client.expect_end().await;

    // A connection that sends nothing at all, and one left idle after an answer, are
    // closed the same way.
    let mut silent = RawClient::connect(app.port).await;
    let started = Instant::now();
    silent.expect_end().await;
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );

    let mut idle = RawClient::connect(app.port).await;
    idle.send(get("/healthz").as_bytes()).await;
    assert_eq!(idle.response().await.expect("an answer").status, 200);
    let started = Instant::now();
    idle.expect_end().await;
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
}
