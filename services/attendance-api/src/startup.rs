//! Building and running the attendance-api application.
//!
//! [`Application::build`] connects to the attendance database, migrates it (when asked) and
//! binds the listener; it returns before serving so a test can read the bound
//! [`Application::port`]. [`Application::run_until_stopped`] serves until SIGTERM/Ctrl-C or
//! until its shutdown token is cancelled, then drains in-flight requests.

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use faceattend_attendance_store::{AttendanceStore, StoreError};
use faceattend_service::auth::JwtKeys;
use faceattend_service::health::{Readiness, ReadinessCheck};
use faceattend_service::metrics::{self, HttpMetrics};
use faceattend_service::telemetry::TracedRootSpan;
use faceattend_service::{health, json, listener, shutdown};
use futures::future::BoxFuture;
use sea_orm::DatabaseConnection;
use secrecy::ExposeSecret;
use tokio_util::sync::CancellationToken;
use tracing_actix_web::TracingLogger;

use crate::config::Settings;
use crate::manual::ManualEntries;
use crate::queries::AttendanceQueries;
use crate::routes;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot connect to the database: {0}")]
    Database(#[source] StoreError),
    #[error("cannot migrate the database: {0}")]
    Migration(#[source] StoreError),
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

        let (listener, port) =
            listener::bind(&settings.bind_address).map_err(|source| StartupError::Bind {
                address: settings.bind_address.clone(),
                source,
            })?;

        let keys = web::Data::new(JwtKeys::new(&settings.auth));
        let queries = web::Data::new(AttendanceQueries::new(db.clone()));
        let entries = web::Data::new(ManualEntries::new(store.clone(), settings.site_zone));
        let zone = web::Data::new(settings.site_zone);
        let http_metrics = web::Data::new(HttpMetrics::new("attendance-api"));
        let readiness = web::Data::new(Readiness::default().with(DatabaseReady(db)));
        let max_body_bytes = settings.max_body_bytes;
        let server = HttpServer::new(move || {
            App::new()
                .wrap(from_fn(metrics::record))
                .wrap(TracingLogger::<TracedRootSpan>::new())
                .app_data(keys.clone())
                .app_data(queries.clone())
                .app_data(entries.clone())
                .app_data(zone.clone())
                .app_data(http_metrics.clone())
                .app_data(readiness.clone())
                .configure(|cfg| json::configure_extractors(cfg, max_body_bytes))
                .configure(health::configure)
                .configure(routes::configure)
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
