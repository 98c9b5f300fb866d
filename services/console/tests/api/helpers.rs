//! `TestApp`: a real console on a random port with its own database, and, when a test needs
//! them, a real person-api and attendance-api behind it (their own databases, a unique NATS
//! namespace). PostgreSQL and NATS are the servers named by `TEST_DATABASE_URL` and
//! `TEST_NATS_URL` (`make test` sets them).

use std::time::Duration;

use console::accounts::{self, OperatorInput};
use console::config::{Settings, SystemSettings, Upstreams};
use console::csrf::PublicOrigins;
use console::operators::Role;
use console::password::PasswordHasher;
use console::session::{CookiePolicy, SessionLifetime};
use console::startup::Application;
use console::store::{ConsoleStore, Operator};
use console::system::HealthTarget;
use console::throttle::ThrottlePolicy;
use faceattend_database::testing::TestDatabase;
use faceattend_service::auth::AuthConfig;
use faceattend_service::config::LogFormat;
use reqwest::{Method, RequestBuilder, Response};
use secrecy::SecretString;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

pub use faceattend_database::testing::Backend;

/// Every operator the tests create has this password.
pub const PASSWORD: &str = "correct horse battery staple";

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

/// What a test may change about the console.
pub struct Spawn {
    pub backend: Backend,
    /// Run a real person-api and attendance-api behind the console.
    pub upstreams: bool,
    pub lifetime: SessionLifetime,
    pub account_throttle: ThrottlePolicy,
    pub client_throttle: ThrottlePolicy,
    pub public_origins: &'static str,
    pub cookie_secure: bool,
    /// Run a real realtime-gateway behind the console (its live feed).
    pub gateway: bool,
    pub live_session_check: Duration,
    /// `SYSTEM_HEALTH_URLS`: more services for the system page to probe.
    pub system_health_urls: Vec<HealthTarget>,
    /// How long the system page's probes are reused (none by default: each test sees now).
    pub system_cache: Duration,
    /// `SNAPSHOTS_URL`: where kiosk frames are kept as evidence (none by default).
    pub snapshots_url: Option<String>,
    /// `KIOSK_RESULT_TIMEOUT`.
    pub kiosk_result_timeout: Duration,
}

impl Spawn {
    pub fn new(backend: Backend) -> Self {
        Self {
            backend,
            upstreams: false,
            lifetime: SessionLifetime {
                idle_timeout: Duration::from_secs(30 * 60),
                absolute_lifetime: Duration::from_secs(12 * 3600),
            },
            account_throttle: ThrottlePolicy::ACCOUNT,
            client_throttle: ThrottlePolicy::CLIENT,
            public_origins: "",
            cookie_secure: false,
            gateway: false,
            live_session_check: Duration::from_secs(15),
            system_health_urls: Vec::new(),
            system_cache: Duration::ZERO,
            snapshots_url: None,
            kiosk_result_timeout: Duration::from_secs(3),
        }
    }
}

/// A service spawned in-process, stopped when dropped.
struct Running {
    shutdown: CancellationToken,
    _database: Option<TestDatabase>,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// The bus namespace of the console and its upstreams, and a NATS connection of the test's own
/// to publish on it as attendance-worker would; its streams are deleted when dropped.
pub struct Bus {
    pub namespace: String,
    pub nats: async_nats::Client,
}

impl Drop for Bus {
    fn drop(&mut self) {
        faceattend_bus::testing::delete_namespace_streams(&self.nats, &self.namespace);
    }
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub store: ConsoleStore,
    pub hasher: PasswordHasher,
    pub cookie_name: &'static str,
    /// The console's bus (its upstreams', when it has some): the test NATS, a namespace of its own.
    pub bus: Bus,
    /// attendance-api's database, when it runs: where a test writes what attendance-worker
    /// would (the person directory it keeps from `persons.v1.*`).
    pub attendance_database_url: Option<String>,
    shutdown: CancellationToken,
    _upstreams: Vec<Running>,
    _database: TestDatabase,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// What the upstreams verify with: the public half of the console's key.
fn auth_config() -> AuthConfig {
    faceattend_service::auth::testing::verifier()
}

/// An address nothing listens on: an upstream that is down.
pub async fn closed_address() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = format!("http://{}", listener.local_addr().expect("address"));
    drop(listener);
    address
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(Spawn::new(backend)).await
}

pub async fn spawn_app_with(options: Spawn) -> TestApp {
    faceattend_service::telemetry::init_for_tests();
    let mut upstreams = Vec::new();
    let namespace = format!("t{}", &Uuid::new_v4().simple().to_string()[..16]);
    let mut attendance_database_url = None;
    let (person_api, attendance_api) = if options.upstreams {
        let (person, running) = spawn_person_api(options.backend, &namespace).await;
        upstreams.push(running);
        let (attendance, running) = spawn_attendance_api(options.backend, &namespace).await;
        attendance_database_url = running._database.as_ref().map(|d| d.url().to_owned());
        upstreams.push(running);
        (Some(person), Some(attendance))
    } else {
        (None, None)
    };
    let gateway = if options.gateway {
        let (address, running) = spawn_gateway(&namespace).await;
        upstreams.push(running);
        Some(address)
    } else {
        None
    };
    let bus = Bus {
        namespace: namespace.clone(),
        nats: async_nats::connect(test_nats_url())
            .await
            .expect("test NATS reachable"),
    };
    let down = closed_address().await;
    let database = TestDatabase::create(options.backend, "test_console").await;
    let settings = Settings {
        database_url: SecretString::from(database.url().to_owned()),
        database_max_connections: 5,
        run_migrations: true,
        bind_address: "127.0.0.1:0".to_owned(),
        nats_url: test_nats_url(),
        bus_namespace: namespace.clone(),
        system: SystemSettings {
            health_urls: options.system_health_urls,
            probe_timeout: Duration::from_secs(2),
            cache_for: options.system_cache,
        },
        upstreams: Upstreams {
            person_api: person_api.clone().unwrap_or_else(|| down.clone()),
            attendance_api: attendance_api.clone().unwrap_or_else(|| down.clone()),
            realtime_gateway: gateway.unwrap_or_else(|| down.clone()),
            connect_timeout: Duration::from_secs(2),
            request_timeout: Duration::from_secs(30),
        },
        auth: faceattend_service::auth::testing::issuer(),
        upstream_token_ttl: Duration::from_secs(60),
        live_session_check: options.live_session_check,
        session_lifetime: options.lifetime,
        cookie: CookiePolicy {
            secure: options.cookie_secure,
        },
        public_origins: PublicOrigins::parse(options.public_origins).expect("origins"),
        trust_proxy_headers: false,
        account_throttle: options.account_throttle,
        client_throttle: options.client_throttle,
        snapshots_url: options.snapshots_url,
        kiosk_result_timeout: options.kiosk_result_timeout,
        max_body_bytes: 64 * 1024,
        max_proxy_body_bytes: 12 * 1024 * 1024,
        http_workers: 1,
        shutdown_timeout: Duration::from_secs(5),
        log_format: LogFormat::Pretty,
    };
    let application = Application::build(settings).await.expect("console starts");
    let address = format!("http://127.0.0.1:{}", application.port());
    let shutdown = application.shutdown_token();
    tokio::spawn(application.run_until_stopped());
    let store = ConsoleStore::open(database.url(), 2, false)
        .await
        .expect("test connects to the console's database");
    TestApp {
        address,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
        store,
        hasher: PasswordHasher::new().expect("hasher"),
        cookie_name: if options.cookie_secure {
            CookiePolicy::SECURE_NAME
        } else {
            CookiePolicy::PLAIN_NAME
        },
        bus,
        attendance_database_url,
        shutdown,
        _upstreams: upstreams,
        _database: database,
    }
}

async fn spawn_person_api(backend: Backend, namespace: &str) -> (String, Running) {
    let database = TestDatabase::create(backend, "test_console_person_api").await;
    let images = std::env::temp_dir().join(format!("console-test-images-{namespace}"));
    let settings = person_api::config::Settings {
        database_url: SecretString::from(database.url().to_owned()),
        database_max_connections: 3,
        run_migrations: true,
        nats_url: test_nats_url(),
        bus_namespace: namespace.to_owned(),
        bind_address: "127.0.0.1:0".to_owned(),
        auth: auth_config(),
        max_body_bytes: 64 * 1024,
        max_image_bytes: 7 * 1024 * 1024,
        object_store_url: format!("file://{}", images.display()),
        face_service_timeout: Duration::from_secs(5),
        http_workers: 1,
        shutdown_timeout: Duration::from_secs(5),
        log_format: LogFormat::Pretty,
    };
    let application = person_api::startup::Application::build(settings)
        .await
        .expect("person-api starts");
    let address = format!("http://127.0.0.1:{}", application.port());
    let shutdown = application.shutdown_token();
    tokio::spawn(application.run_until_stopped());
    (
        address,
        Running {
            shutdown,
            _database: Some(database),
        },
    )
}

async fn spawn_attendance_api(backend: Backend, namespace: &str) -> (String, Running) {
    let database = TestDatabase::create(backend, "test_console_attendance_api").await;
    let settings = attendance_api::config::Settings {
        database_url: SecretString::from(database.url().to_owned()),
        database_max_connections: 3,
        run_migrations: true,
        bind_address: "127.0.0.1:0".to_owned(),
        auth: auth_config(),
        site_zone: Default::default(),
        thresholds: Default::default(),
        duplicate_window: Default::default(),
        nats_url: test_nats_url(),
        bus_namespace: namespace.to_owned(),
        max_body_bytes: 64 * 1024,
        snapshots_url: None,
        http_workers: 1,
        shutdown_timeout: Duration::from_secs(5),
        log_format: LogFormat::Pretty,
    };
    let application = attendance_api::startup::Application::build(settings)
        .await
        .expect("attendance-api starts");
    let address = format!("http://127.0.0.1:{}", application.port());
    let shutdown = application.shutdown_token();
    tokio::spawn(application.run_until_stopped());
    (
        address,
        Running {
            shutdown,
            _database: Some(database),
        },
    )
}

async fn spawn_gateway(namespace: &str) -> (String, Running) {
    let settings = realtime_gateway::config::Settings {
        bind_address: "127.0.0.1:0".to_owned(),
        auth: auth_config(),
        nats_url: test_nats_url(),
        bus_namespace: namespace.to_owned(),
        site_zone: Default::default(),
        allowed_origins: realtime_gateway::config::AllowedOrigins::Listed(Vec::new()),
        max_connections: 100,
        max_message_bytes: 4096,
        client_queue: 64,
        ping_interval: Duration::from_secs(30),
        idle_timeout: Duration::from_secs(90),
        send_timeout: Duration::from_secs(10),
        handshake_timeout: Duration::from_secs(5),
        resume_limit: 1000,
        resume_buffer: 1000,
        read_buffer_bytes: 1024,
        shutdown_timeout: Duration::from_secs(5),
        log_format: LogFormat::Pretty,
    };
    let application = realtime_gateway::startup::Application::build(settings)
        .await
        .expect("realtime-gateway starts");
    let address = format!("http://127.0.0.1:{}", application.port());
    let shutdown = application.shutdown_token();
    tokio::spawn(application.run_until_stopped());
    // The gateway takes WebSockets once it has read the day so far.
    for _ in 0..200 {
        if let Ok(response) = reqwest::get(format!("{address}/readyz")).await
            && response.status() == 200
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    (
        address,
        Running {
            shutdown,
            _database: None,
        },
    )
}

/// A signed-in browser: the session cookie it holds.
#[derive(Debug, Clone)]
pub struct Browser {
    pub cookie: String,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// An operator with [`PASSWORD`].
    pub async fn operator(&self, email: &str, role: Role) -> Operator {
        accounts::create_operator(
            &self.store,
            &self.hasher,
            OperatorInput {
                email,
                display_name: email.split('@').next().unwrap_or(email),
                role,
                password: PASSWORD,
            },
            None,
            "by the test".to_owned(),
        )
        .await
        .expect("operator created")
    }

    /// A request as the console's own pages make it (with the CSRF header), from `browser`.
    pub fn page_request(&self, method: Method, path: &str, browser: &Browser) -> RequestBuilder {
        self.client
            .request(method, self.url(path))
            .header("Cookie", &browser.cookie)
            .header("X-Faceattend-Csrf", "1")
    }

    pub async fn sign_in_response(&self, email: &str, password: &str) -> Response {
        self.client
            .post(self.url("/console/api/v1/session"))
            .header("X-Faceattend-Csrf", "1")
            .json(&serde_json::json!({ "email": email, "password": password }))
            .send()
            .await
            .expect("request sent")
    }

    /// Signs in and returns the browser holding the session.
    pub async fn sign_in(&self, email: &str) -> Browser {
        let response = self.sign_in_response(email, PASSWORD).await;
        assert_eq!(response.status(), 200, "sign-in of {email} failed");
        Browser {
            cookie: self.session_cookie(&response).expect("a session cookie"),
        }
    }

    /// `name=value` of the session cookie a response sets, if any.
    pub fn session_cookie(&self, response: &Response) -> Option<String> {
        response
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with(&format!("{}=", self.cookie_name)))
            .and_then(|v| v.split(';').next())
            .map(str::to_owned)
    }

    /// The newest audit entries' event names, newest first.
    pub async fn audit_events(&self) -> Vec<String> {
        self.store
            .audit_log(None, 100)
            .await
            .expect("audit log")
            .into_iter()
            .map(|entry| entry.event)
            .collect()
    }
}

/// The `error.code` of an error envelope.
pub async fn error_code(response: Response) -> String {
    let body: serde_json::Value = response.json().await.expect("a JSON error envelope");
    body["error"]["code"]
        .as_str()
        .expect("error.code")
        .to_owned()
}
