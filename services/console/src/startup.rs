//! Building and running the console.
//!
//! [`Application::build`] connects to the database, migrates, binds the listener and returns
//! before serving, so a test can read the bound [`Application::port`].
//! [`Application::run_until_stopped`] serves until SIGTERM/Ctrl-C or until its shutdown token
//! is cancelled, then drains in-flight requests.

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use faceattend_bus::{Bus, BusConfig};
use faceattend_service::auth::JwtKeys;
use faceattend_service::health::Readiness;
use faceattend_service::metrics::{self, HttpMetrics};
use faceattend_service::object_storage::ObjectStorage;
use faceattend_service::telemetry::TracedRootSpan;
use faceattend_service::{health, json, listener, shutdown};
use secrecy::ExposeSecret;
use tokio_util::sync::CancellationToken;
use tracing_actix_web::TracingLogger;
use utoipa::OpenApi;

use crate::config::Settings;
use crate::kiosk::frames::KioskSettings;
use crate::live::{self, LiveFeedSettings};
use crate::openapi::ApiDoc;
use crate::password::{PasswordError, PasswordHasher};
use crate::proxy::{self, Upstream};
use crate::state::ConsoleState;
use crate::store::ConsoleStore;
use crate::system::SystemProbe;
use crate::{assets, routes};

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot connect to or migrate the database: {0}")]
    Database(#[source] sea_orm::DbErr),
    #[error("cannot prepare password hashing: {0}")]
    Password(#[from] PasswordError),
    #[error("cannot build the upstream HTTP client: {0}")]
    Upstream(#[from] reqwest::Error),
    #[error("cannot set up the bus: {0}")]
    Bus(#[from] faceattend_bus::BusError),
    #[error("SNAPSHOTS_URL: {0}")]
    Snapshots(#[from] faceattend_service::object_storage::ObjectStorageError),
    #[error("cannot listen on {address}: {source}")]
    Bind {
        address: String,
        #[source]
        source: std::io::Error,
    },
}

pub struct Application {
    port: u16,
    server: Server,
    shutdown: CancellationToken,
}

impl Application {
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        let store = ConsoleStore::open(
            settings.database_url.expose_secret(),
            settings.database_max_connections,
            settings.run_migrations,
        )
        .await
        .map_err(StartupError::Database)?;
        let upstream = Upstream::new(settings.upstreams.clone())?;
        // Connects in the background: the console serves its pages while NATS is down.
        let bus = Bus::connect(&BusConfig {
            url: settings.nats_url.clone(),
            namespace: settings.bus_namespace.clone(),
            client_name: "console".to_owned(),
        })
        .await?;
        let system = SystemProbe::new(
            &settings.system,
            &settings.upstreams,
            store.clone(),
            bus.clone(),
        )?;
        let snapshots = settings
            .snapshots_url
            .as_deref()
            .map(ObjectStorage::from_url)
            .transpose()?;
        let kiosks = KioskSettings::new(snapshots, settings.kiosk_result_timeout);
        let shutdown = CancellationToken::new();
        // One subscription for every kiosk's results, for the console's whole life.
        tokio::spawn(kiosks.results.clone().run(bus.clone(), shutdown.clone()));
        let state = web::Data::new(ConsoleState {
            store: store.clone(),
            hasher: PasswordHasher::new()?,
            keys: JwtKeys::new(&settings.auth),
            cookie: settings.cookie,
            lifetime: settings.session_lifetime,
            origins: settings.public_origins.clone(),
            trust_proxy_headers: settings.trust_proxy_headers,
            account_throttle: settings.account_throttle,
            client_throttle: settings.client_throttle,
            upstream: upstream.clone(),
            bus,
            system,
            token_ttl: settings.upstream_token_ttl,
            live: LiveFeedSettings {
                session_check: settings.live_session_check,
            },
            kiosks,
            shutdown: shutdown.clone(),
        });
        let readiness = web::Data::new(readiness(store, upstream));
        let http_metrics = web::Data::new(HttpMetrics::new("console"));
        let (listener, port) =
            listener::bind(&settings.bind_address).map_err(|source| StartupError::Bind {
                address: settings.bind_address.clone(),
                source,
            })?;
        let openapi = ApiDoc::openapi();
        let max_body_bytes = settings.max_body_bytes;
        let max_proxy_body_bytes = settings.max_proxy_body_bytes;
        let server = HttpServer::new(move || {
            App::new()
                .wrap(from_fn(metrics::record))
                .wrap(TracingLogger::<TracedRootSpan>::new())
                .app_data(state.clone())
                .app_data(http_metrics.clone())
                .app_data(readiness.clone())
                .configure(|cfg| json::configure_extractors(cfg, max_body_bytes))
                .configure(health::configure)
                .configure(|cfg| routes::configure(cfg, openapi.clone()))
                .configure(live::configure)
                .configure(|cfg| proxy::configure(cfg, max_proxy_body_bytes))
                .default_service(web::to(assets::serve))
        })
        .listen(listener)
        .map_err(|source| StartupError::Bind {
            address: settings.bind_address.clone(),
            source,
        })?
        .workers(settings.http_workers)
        .shutdown_timeout(settings.shutdown_timeout.as_secs())
        .disable_signals()
        .run();
        if !assets::is_built() {
            tracing::warn!(
                "the web app is not built into this binary: pages answer 503 until it is (make build)"
            );
        }
        Ok(Self {
            port,
            server,
            shutdown,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Cancelling this token stops the application as SIGTERM would.
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let handle = self.server.handle();
        let token = self.shutdown.clone();
        let watcher = tokio::spawn(async move {
            tokio::select! {
                _ = shutdown::signal() => {}
                _ = token.cancelled() => {}
            }
            // Live feeds close first (1001, so pages reconnect to another replica), then the
            // listener stops and in-flight requests finish (up to the shutdown timeout).
            token.cancel();
            handle.stop(true).await;
        });
        let served = self.server.await;
        watcher.abort();
        tracing::info!("console stopped");
        served
    }
}

/// The console is ready when its database and every service it forwards to are.
fn readiness(store: ConsoleStore, upstream: Upstream) -> Readiness {
    let urls = upstream.urls().clone();
    let mut readiness = Readiness::default().with_fn("database", move || {
        let store = store.clone();
        Box::pin(async move { store.ping().await.map_err(|e| e.to_string()) })
    });
    for (name, base) in [
        ("person_api", urls.person_api),
        ("attendance_api", urls.attendance_api),
        ("realtime_gateway", urls.realtime_gateway),
    ] {
        let upstream = upstream.clone();
        readiness = readiness.with_fn(name, move || {
            let upstream = upstream.clone();
            let base = base.clone();
            Box::pin(async move { upstream.ready(&base).await })
        });
    }
    readiness
}
