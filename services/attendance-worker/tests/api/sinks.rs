//! Real notification sinks for the tests: an HTTP server that records the webhook's POSTs
//! (optionally failing the first ones, or answering slowly) and a minimal SMTP server that
//! speaks the dialogue lettre uses and keeps each message it is given.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpResponse, HttpServer, web};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

#[derive(Clone, Default)]
struct WebhookState {
    received: Arc<Mutex<Vec<Value>>>,
    /// Requests answered 503 before the first one accepted.
    failures_left: Arc<Mutex<usize>>,
    delay: Duration,
    attempts: Arc<Mutex<usize>>,
}

pub struct WebhookServer {
    pub url: String,
    state: WebhookState,
    handle: actix_web::dev::ServerHandle,
}

impl WebhookServer {
    pub async fn start(fail_first: usize, delay: Duration) -> Self {
        let state = WebhookState {
            failures_left: Arc::new(Mutex::new(fail_first)),
            delay,
            ..WebhookState::default()
        };
        let data = web::Data::new(state.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .route("/hook", web::post().to(receive))
        })
        .workers(1)
        .disable_signals()
        .bind(("127.0.0.1", 0))
        .expect("bind the webhook server");
        let port = server.addrs()[0].port();
        let server = server.run();
        let handle = server.handle();
        tokio::spawn(server);
        Self {
            url: format!("http://127.0.0.1:{port}/hook"),
            state,
            handle,
        }
    }

    /// The JSON bodies accepted so far.
    pub fn received(&self) -> Vec<Value> {
        self.state.received.lock().expect("lock").clone()
    }

    /// Requests made so far, refused ones included.
    pub fn attempts(&self) -> usize {
        *self.state.attempts.lock().expect("lock")
    }
}

impl Drop for WebhookServer {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        tokio::spawn(async move { handle.stop(false).await });
    }
}

async fn receive(state: web::Data<WebhookState>, body: web::Json<Value>) -> HttpResponse {
    *state.attempts.lock().expect("lock") += 1;
    tokio::time::sleep(state.delay).await;
    {
        let mut failures = state.failures_left.lock().expect("lock");
        if *failures > 0 {
            *failures -= 1;
            return HttpResponse::ServiceUnavailable().finish();
        }
    }
    state.received.lock().expect("lock").push(body.into_inner());
    HttpResponse::NoContent().finish()
}

/// One message as the SMTP server received it.
#[derive(Debug, Clone)]
pub struct Mail {
    pub from: String,
    pub to: Vec<String>,
    pub data: String,
}

pub struct SmtpServer {
    pub url: String,
    mails: Arc<Mutex<Vec<Mail>>>,
    task: tokio::task::JoinHandle<()>,
}

impl SmtpServer {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the SMTP server");
        let port = listener.local_addr().expect("address").port();
        let mails = Arc::new(Mutex::new(Vec::new()));
        let task = tokio::spawn({
            let mails = mails.clone();
            async move {
                while let Ok((stream, _)) = listener.accept().await {
                    tokio::spawn(session(stream, mails.clone()));
                }
            }
        });
        Self {
            url: format!("smtp://127.0.0.1:{port}"),
            mails,
            task,
        }
    }

    pub fn mails(&self) -> Vec<Mail> {
        self.mails.lock().expect("lock").clone()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The server side of one SMTP session (RFC 5321, no extensions).
async fn session(stream: tokio::net::TcpStream, mails: Arc<Mutex<Vec<Mail>>>) {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    let mut reply = async |text: &str| write.write_all(format!("{text}\r\n").as_bytes()).await;
    if reply("220 localhost test SMTP").await.is_err() {
        return;
    }
    let mut mail = Mail {
        from: String::new(),
        to: Vec::new(),
        data: String::new(),
    };
    while let Ok(Some(line)) = lines.next_line().await {
        let command = line.to_ascii_uppercase();
        let answer = if command.starts_with("EHLO") || command.starts_with("HELO") {
            "250 localhost"
        } else if command.starts_with("MAIL FROM:") {
            mail.from = line[10..].trim().to_owned();
            "250 OK"
        } else if command.starts_with("RCPT TO:") {
            mail.to.push(line[8..].trim().to_owned());
            "250 OK"
        } else if command == "DATA" {
            if reply("354 End data with <CR><LF>.<CR><LF>").await.is_err() {
                return;
            }
            while let Ok(Some(data)) = lines.next_line().await {
                if data == "." {
                    break;
                }
                mail.data.push_str(&data);
                mail.data.push('\n');
            }
            mails.lock().expect("lock").push(mail.clone());
            mail.to.clear();
            mail.data.clear();
            "250 OK queued"
        } else if command == "QUIT" {
            let _ = reply("221 Bye").await;
            return;
        } else {
            "250 OK"
        };
        if reply(answer).await.is_err() {
            return;
        }
    }
}
