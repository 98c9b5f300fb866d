//! `TestApp`: a real person-api on a random port, with its own database and bus namespace.
//!
//! PostgreSQL and NATS are the real servers named by `TEST_DATABASE_URL` and `TEST_NATS_URL`
//! (`make test` sets them; the defaults are the local standard ports). Each app gets a fresh
//! database (PostgreSQL: `CREATE DATABASE test_<uuid>`; SQLite: a file in a temp dir) and a
//! unique namespace for its subjects and streams; both are removed when the `TestApp` drops.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use faceattend_database::testing::TestDatabase;
use faceattend_service::auth::{AuthConfig, Claims, JwtKeys};
use faceattend_service::config::LogFormat;
use person_api::config::Settings;
use person_api::startup::Application;
use reqwest::Response;
use secrecy::SecretString;
use serde_json::Value;
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

pub use faceattend_database::testing::Backend;

/// Generates one `#[tokio::test]` per backend for each listed `async fn name(Backend)`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::helpers::Backend::Postgres).await
                }
            )+
        }
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::helpers::Backend::Sqlite).await
                }
            )+
        }
    };
}

pub fn test_nats_url() -> String {
    std::env::var("TEST_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".to_owned())
}

pub struct TestApp {
    pub address: String,
    /// Resolves when the application has stopped.
    stopped: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    pub client: reqwest::Client,
    pub keys: JwtKeys,
    pub namespace: String,
    pub nats: async_nats::Client,
    shutdown: CancellationToken,
    /// Held for its drop, which removes the database.
    _database: TestDatabase,
    /// The object store's directory (photos).
    pub images: tempfile::TempDir,
    /// The app's own database.
    pub database_url: String,
    /// The face-embedder beside the app, when spawned with `faces`.
    embedder: Option<(
        CancellationToken,
        tokio::task::JoinHandle<std::io::Result<()>>,
    )>,
}

/// Options for unusual tests.
#[derive(Default)]
pub struct Spawn {
    /// The app talks to NATS through this URL instead of the real one (a proxy).
    pub nats_url: Option<String>,
    pub max_body_bytes: Option<usize>,
    /// Also run a face-embedder in the same namespace (enrolment and search by face).
    pub faces: bool,
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, Spawn::default()).await
}

pub async fn spawn_app_with(backend: Backend, options: Spawn) -> TestApp {
    faceattend_service::telemetry::init_for_tests();
    let suffix = Uuid::new_v4().simple().to_string();
    let database = TestDatabase::create(backend, "test_person_api").await;
    let database_url = database.url().to_owned();
    let namespace = format!("t{}", &suffix[..16]);
    let images = tempfile::tempdir().expect("temp dir for photos");
    let settings = Settings {
        database_url: SecretString::from(database_url.clone()),
        database_max_connections: 5,
        run_migrations: true,
        nats_url: options.nats_url.unwrap_or_else(test_nats_url),
        bus_namespace: namespace.clone(),
        bind_address: "127.0.0.1:0".to_owned(),
        auth: auth_config(),
        max_body_bytes: options.max_body_bytes.unwrap_or(64 * 1024),
        max_image_bytes: 7 * 1024 * 1024,
        object_store_url: format!("file://{}", images.path().display()),
        face_service_timeout: Duration::from_secs(15),
        http_workers: 1,
        shutdown_timeout: Duration::from_secs(5),
        log_format: LogFormat::Pretty,
    };
    let application = Application::build(settings)
        .await
        .expect("person-api starts");
    let address = format!("http://127.0.0.1:{}", application.port());
    let shutdown = application.shutdown_token();
    let stopped = Some(tokio::spawn(application.run_until_stopped()));
    let nats = async_nats::connect(test_nats_url())
        .await
        .expect("test NATS reachable");
    let embedder = if options.faces {
        Some(spawn_embedder(&namespace).await)
    } else {
        None
    };
    TestApp {
        address,
        stopped,
        client: reqwest::Client::new(),
        keys: faceattend_service::auth::testing::keys(),
        namespace,
        nats,
        shutdown,
        _database: database,
        images,
        database_url,
        embedder,
    }
}

/// A real face-embedder (project models) in `namespace`, ready to answer.
async fn spawn_embedder(
    namespace: &str,
) -> (
    CancellationToken,
    tokio::task::JoinHandle<std::io::Result<()>>,
) {
    let models_dir = std::env::var("FACEATTEND_MODELS_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| {
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models")
        });
    let settings = face_embedder::config::Settings {
        nats_url: test_nats_url(),
        bus_namespace: namespace.to_owned(),
        models_dir,
        inference_threads: 1,
        inference_spin: false,
        inference_workers: 1,
        max_image_bytes: 7 * 1024 * 1024,
        match_margin: 0.05,
        approximate_above: 50_000,
        queue_group: "face-embedder".to_owned(),
        consume_captures: false,
        captures_consumer: "face-embedder".to_owned(),
        captures_batch: 1,
        captures_max_deliver: 1,
        bind_address: "127.0.0.1:0".to_owned(),
        shutdown_timeout: Duration::from_secs(5),
        log_format: LogFormat::Pretty,
    };
    let application = face_embedder::startup::Application::build(settings)
        .await
        .expect("face-embedder starts (run `make models` first)");
    let port = application.port();
    let token = application.shutdown_token();
    let handle = tokio::spawn(application.run_until_stopped());
    let client = reqwest::Client::new();
    for _ in 0..200 {
        if let Ok(response) = client
            .get(format!("http://127.0.0.1:{port}/readyz"))
            .send()
            .await
            && response.status() == 200
        {
            return (token, handle);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("face-embedder never became ready");
}

fn auth_config() -> AuthConfig {
    faceattend_service::auth::testing::verifier()
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.shutdown.cancel();
        if let Some((token, _)) = &self.embedder {
            token.cancel();
        }
        let prefix = self.namespace.to_uppercase();
        let streams: Vec<String> = ["PERSONS", "FACES", "DETECTIONS", "DEAD_LETTERS"]
            .iter()
            .map(|base| format!("{prefix}_{base}"))
            .chain([format!("KV_{prefix}_FACE_GALLERY")])
            .collect();
        let nats = self.nats.clone();
        // Drop cannot await, and the test's runtime may be shutting down: clean up on a
        // runtime of our own.
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                let jetstream = async_nats::jetstream::new(nats);
                for stream in &streams {
                    let _ = jetstream.delete_stream(stream).await;
                }
            });
        })
        .join()
        .ok();
    }
}

impl TestApp {
    /// Asks the application to stop, as SIGTERM does; true when it stopped cleanly within
    /// its shutdown timeout.
    pub async fn stop(&mut self) -> bool {
        self.shutdown.cancel();
        match self.stopped.take() {
            Some(handle) => matches!(
                tokio::time::timeout(Duration::from_secs(10), handle).await,
                Ok(Ok(Ok(())))
            ),
            None => true,
        }
    }

    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub fn token(&self, permissions: &[&str]) -> String {
        let permissions: Vec<String> = permissions.iter().map(|p| p.to_string()).collect();
        self.keys
            .mint("test", &permissions, Duration::from_secs(600))
            .expect("token")
    }

    pub fn admin_token(&self) -> String {
        self.token(&["persons:read", "persons:write"])
    }

    pub fn expired_token(&self, permissions: &[&str]) -> String {
        let now = chrono::Utc::now().timestamp();
        self.keys
            .sign(&Claims {
                sub: "test".into(),
                iss: "faceattend".into(),
                aud: "faceattend".into(),
                iat: now - 7200,
                exp: now - 3600,
                perms: permissions.iter().map(|p| p.to_string()).collect(),
            })
            .expect("token")
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client
            .get(self.url(path))
            .bearer_auth(self.admin_token())
            .send()
            .await
            .expect("request sent")
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> Response {
        self.client
            .post(self.url(path))
            .bearer_auth(self.admin_token())
            .json(body)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn put_json(&self, path: &str, body: &Value) -> Response {
        self.client
            .put(self.url(path))
            .bearer_auth(self.admin_token())
            .json(body)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn delete(&self, path: &str) -> Response {
        self.client
            .delete(self.url(path))
            .bearer_auth(self.admin_token())
            .send()
            .await
            .expect("request sent")
    }

    /// Creates a person and returns its JSON (`data`).
    pub async fn create_person(&self, body: Value) -> Value {
        let response = self.post_json("/api/v1/persons", &body).await;
        let status = response.status().as_u16();
        let json: Value = response.json().await.expect("json body");
        assert_eq!(status, 201, "create failed: {json}");
        json["data"].clone()
    }

    /// Creates `n` people named `{prefix}{i}` with distinct emails; returns their ids.
    pub async fn create_people(&self, prefix: &str, n: usize) -> Vec<String> {
        let mut ids = Vec::with_capacity(n);
        for i in 0..n {
            let person = self
                .create_person(person_body(&format!("{prefix}{i}")))
                .await;
            ids.push(person["id"].as_str().unwrap().to_owned());
        }
        ids
    }

    /// The PERSONS stream of this app's namespace.
    pub fn persons_stream(&self) -> String {
        format!("{}_PERSONS", self.namespace.to_uppercase())
    }

    /// Waits until the PERSONS stream holds at least `count` messages, then returns all of
    /// them in order as (subject, headers, payload).
    pub async fn persons_events(
        &self,
        count: usize,
        within: Duration,
    ) -> Vec<async_nats::jetstream::message::StreamMessage> {
        let jetstream = async_nats::jetstream::new(self.nats.clone());
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Ok(mut stream) = jetstream.get_stream(self.persons_stream()).await
                && let Ok(info) = stream.info().await
                && info.state.messages as usize >= count
            {
                let mut messages = Vec::new();
                for seq in info.state.first_sequence..=info.state.last_sequence {
                    messages.push(stream.get_raw_message(seq).await.expect("stored message"));
                }
                return messages;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "fewer than {count} events on {} within {within:?}",
                self.persons_stream()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// A valid create body for a person whose names and email derive from `key`.
pub fn person_body(key: &str) -> Value {
    serde_json::json!({
        "first_name": format!("First{key}"),
        "last_name": format!("Last{key}"),
        "email": format!("{}@example.com", key.to_lowercase()),
    })
}

/// Asserts a response is the error envelope with this status and code; returns the body.
pub async fn assert_error(response: Response, status: u16, code: &str) -> Value {
    let actual = response.status().as_u16();
    let body: Value = response.json().await.expect("error responses are JSON");
    assert_eq!(actual, status, "unexpected status, body: {body}");
    assert_eq!(body["success"], false, "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(body["error"]["message"].is_string(), "{body}");
    body
}

/// A TCP proxy in front of NATS that a test can cut and restore, to make NATS unreachable
/// for the app without touching the shared server.
pub struct CuttableProxy {
    pub url: String,
    enabled: Arc<AtomicBool>,
    connections: Arc<std::sync::Mutex<CancellationToken>>,
    stop: CancellationToken,
}

impl CuttableProxy {
    pub async fn start(target: &str) -> Self {
        let target = target.trim_start_matches("nats://").to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("proxy binds");
        let url = format!("nats://{}", listener.local_addr().unwrap());
        let enabled = Arc::new(AtomicBool::new(true));
        let connections = Arc::new(std::sync::Mutex::new(CancellationToken::new()));
        let stop = CancellationToken::new();
        let (accept_enabled, accept_connections, accept_stop) =
            (enabled.clone(), connections.clone(), stop.clone());
        tokio::spawn(async move {
            loop {
                let (mut inbound, _) = tokio::select! {
                    _ = accept_stop.cancelled() => return,
                    accepted = listener.accept() => match accepted { Ok(a) => a, Err(_) => continue },
                };
                if !accept_enabled.load(Ordering::SeqCst) {
                    drop(inbound);
                    continue;
                }
                let cut = accept_connections.lock().unwrap().clone();
                let target = target.clone();
                tokio::spawn(async move {
                    let Ok(mut outbound) = TcpStream::connect(&target).await else {
                        return;
                    };
                    tokio::select! {
                        _ = cut.cancelled() => {}
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                    }
                });
            }
        });
        Self {
            url,
            enabled,
            connections,
            stop,
        }
    }

    /// Closes every proxied connection and refuses new ones.
    pub fn cut(&self) {
        self.enabled.store(false, Ordering::SeqCst);
        let mut token = self.connections.lock().unwrap();
        token.cancel();
        *token = CancellationToken::new();
    }

    pub fn restore(&self) {
        self.enabled.store(true, Ordering::SeqCst);
    }
}

impl Drop for CuttableProxy {
    fn drop(&mut self) {
        self.stop.cancel();
        self.connections.lock().unwrap().cancel();
    }
}

/// Waits until `check` holds, for at most `limit`.
pub async fn eventually<F, Fut>(limit: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        if check().await {
            return true;
        }
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}
