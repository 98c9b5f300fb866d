//! Building and running the attendance-api application.
//!
//! [`Application::build`] connects to the attendance database and NATS, migrates the
//! database (when asked) and binds the listener; it returns before serving so a test can read the bound
//! [`Application::port`]. [`Application::run_until_stopped`] serves until SIGTERM/Ctrl-C or
//! until its shutdown token is cancelled, then drains in-flight requests and, last, stops the
//! outbox relay, so the events of the final requests still go out. The OpenAPI document is
//! served at `/api/v1/openapi.json`, Swagger UI at `/docs/`.

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use faceattend_attendance_store::{AttendanceStore, StoreError};
use faceattend_bus::{Bus, BusConfig, StreamSpec};
use faceattend_outbox::{OutboxRelay, RelayConfig};
use faceattend_service::auth::JwtKeys;
use faceattend_service::health::{Readiness, ReadinessCheck};
use faceattend_service::metrics::{self, HttpMetrics};
use faceattend_service::object_storage::ObjectStorage;
use faceattend_service::telemetry::TracedRootSpan;
use faceattend_service::{health, json, listener, shutdown};
use futures::future::BoxFuture;
use sea_orm::DatabaseConnection;
use secrecy::ExposeSecret;
use tokio_util::sync::CancellationToken;
use tracing_actix_web::TracingLogger;
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

use crate::config::Settings;
use crate::decisions::Decisions;
use crate::evidence::Evidence;
use crate::manual::ManualEntries;
use crate::openapi::ApiDoc;
use crate::policies::Policies;
use crate::queries::AttendanceQueries;
use crate::routes;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot connect to the database: {0}")]
    Database(#[source] StoreError),
    #[error("cannot migrate the database: {0}")]
    Migration(#[source] StoreError),
    #[error("SNAPSHOTS_URL: {0}")]
    Snapshots(String),
    #[error("cannot reach NATS: {0}")]
    Bus(#[from] faceattend_bus::BusError),
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
    relay: OutboxRelay,
    shutdown: CancellationToken,
}

impl Application {
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        let store = AttendanceStore::connect(
            settings.database_url.expose_secret(),
            settings.database_max_connections,
        )
        .await
        .map_err(StartupError::Database)?;
        if settings.run_migrations {
            store.migrate().await.map_err(StartupError::Migration)?;
        }
        let db = store.connection().clone();
        let bus = Bus::connect(&BusConfig {
            url: settings.nats_url.clone(),
            namespace: settings.bus_namespace.clone(),
            client_name: "attendance-api".to_owned(),
        })
        .await?;
        bus.ensure_stream(&StreamSpec::ATTENDANCE).await?;
        // Decisions made here publish through the same outbox as the worker's; either
        // service's relay may send them (on PostgreSQL they take turns).
        let relay = OutboxRelay::new(
            db.clone(),
            bus.clone(),
            vec![StreamSpec::ATTENDANCE],
            RelayConfig::default(),
        );

        let (listener, port) =
            listener::bind(&settings.bind_address).map_err(|source| StartupError::Bind {
                address: settings.bind_address.clone(),
                source,
            })?;

        let keys = web::Data::new(JwtKeys::new(&settings.auth));
        let queries = web::Data::new(AttendanceQueries::new(db.clone()));
        let entries = web::Data::new(ManualEntries::new(
            store.clone(),
            settings.policy_defaults(),
        ));
        let decisions = web::Data::new(Decisions::new(
            store.clone(),
            settings.policy_defaults(),
            relay.notifier(),
        ));
        let policies = web::Data::new(Policies::new(
            store.clone(),
            settings.policy_defaults(),
            relay.notifier(),
        ));
        let snapshots = settings
            .snapshots_url
            .as_deref()
            .map(ObjectStorage::from_url)
            .transpose()
            .map_err(|e| StartupError::Snapshots(e.to_string()))?;
        let evidence = web::Data::new(Evidence::new(
            db.clone(),
            snapshots,
            settings.policy_defaults(),
        ));
        let zone = web::Data::new(settings.site_zone);
        // The jobs routes write and read job runs through the store.
        let store = web::Data::new(store);
        let http_metrics = web::Data::new(HttpMetrics::new("attendance-api"));
        let readiness = web::Data::new(Readiness::default().with(DatabaseReady(db)).with_fn(
            "nats",
            {
                let bus = bus.clone();
                move || {
                    let ready = bus.readiness();
                    Box::pin(async move { ready })
                }
            },
        ));
        let openapi = ApiDoc::openapi();
        let max_body_bytes = settings.max_body_bytes;
        let server = HttpServer::new(move || {
            App::new()
                .wrap(from_fn(metrics::record))
                .wrap(TracingLogger::<TracedRootSpan>::new())
                .app_data(keys.clone())
                .app_data(queries.clone())
                .app_data(entries.clone())
                .app_data(decisions.clone())
                .app_data(policies.clone())
                .app_data(zone.clone())
                .app_data(evidence.clone())
                .app_data(store.clone())
                .app_data(http_metrics.clone())
                .app_data(readiness.clone())
                .configure(|cfg| json::configure_extractors(cfg, max_body_bytes))
                .configure(health::configure)
                .configure(routes::configure)
                .service(web::redirect("/docs", "/docs/"))
                .service(
                    SwaggerUi::new("/docs/{_:.*}").url("/api/v1/openapi.json", openapi.clone()),
                )
                .default_service(web::to(json::route_not_found))
        })
        .listen(listener)
        .map_err(|source| StartupError::Bind {
            address: settings.bind_address.clone(),
            source,
        })?
        .workers(settings.http_workers)
        .shutdown_timeout(settings.shutdown_timeout.as_secs())
        // Signals are handled in `run_until_stopped`, together with the shutdown token.
        .disable_signals()
        .run();

        Ok(Self {
            port,
            server,
            relay,
            shutdown: CancellationToken::new(),
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
        let relay_token = CancellationToken::new();
        let relay = tokio::spawn(self.relay.run(relay_token.clone()));
        let handle = self.server.handle();
        let token = self.shutdown.clone();
        let watcher = tokio::spawn(async move {
            tokio::select! {
                _ = shutdown::signal() => {}
                _ = token.cancelled() => {}
            }
            // Stop accepting, let in-flight requests finish (up to the shutdown timeout).
            handle.stop(true).await;
        });
        let served = self.server.await;
        watcher.abort();
        self.shutdown.cancel();
        relay_token.cancel();
        if let Err(error) = relay.await {
            tracing::error!(%error, "outbox relay task failed");
        }
        tracing::info!("attendance-api stopped");
        served
    }
}

struct DatabaseReady(DatabaseConnection);

impl ReadinessCheck for DatabaseReady {
    fn name(&self) -> &'static str {
        "database"
    }
    fn check(&self) -> BoxFuture<'_, Result<(), String>> {
        Box::pin(async move { self.0.ping().await.map_err(|e| e.to_string()) })
    }
}
