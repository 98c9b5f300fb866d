//! Building and running the person-api application.
//!
//! [`Application::build`] connects to the database and the bus, migrates, binds the listener
//! and starts the outbox relay; it returns before serving so a test can read the bound
//! [`Application::port`]. [`Application::run_until_stopped`] serves until SIGTERM/Ctrl-C or
//! until its shutdown token is cancelled, then drains in-flight requests and stops the relay.

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use std::sync::Arc;
use std::time::Duration;

use faceattend_bus::{Bus, BusConfig, KvSpec, StreamSpec};
use faceattend_outbox::{OutboxRelay, RelayConfig};
use faceattend_service::auth::JwtKeys;
use faceattend_service::health::{Readiness, ReadinessCheck};
use faceattend_service::metrics::{self, HttpMetrics};
use faceattend_service::telemetry::TracedRootSpan;
use faceattend_service::{health, json, listener, shutdown};
use futures::future::BoxFuture;
use sea_orm::DatabaseConnection;
use secrecy::ExposeSecret;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tracing_actix_web::TracingLogger;
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

use crate::config::Settings;
use crate::face_client::FaceClient;
use crate::images::ImageStore;
use crate::janitor::ObjectJanitor;
use crate::openapi::ApiDoc;
use crate::store::PersonStore;
use crate::{db, routes};

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot connect to the database: {0}")]
    Database(#[source] sea_orm::DbErr),
    #[error("cannot migrate the database: {0}")]
    Migration(#[source] sea_orm::DbErr),
    #[error(transparent)]
    Bus(#[from] faceattend_bus::BusError),
    #[error(transparent)]
    ImageStore(#[from] crate::images::ImageStoreError),
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
    relay: JoinHandle<()>,
    janitor: JoinHandle<()>,
    shutdown: CancellationToken,
}

impl Application {
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        let Components {
            db,
            bus,
            images,
            relay,
            store,
            janitor_wake,
        } = Components::connect(&settings, "person-api").await?;
        let shutdown = CancellationToken::new();
        let relay = tokio::spawn(relay.run(shutdown.clone()));
        let janitor = tokio::spawn(
            ObjectJanitor {
                store: store.clone(),
                images: images.clone(),
                wake: janitor_wake,
                interval: Duration::from_secs(60),
            }
            .run(shutdown.clone()),
        );
        let face_client =
            web::Data::new(FaceClient::new(bus.clone(), settings.face_service_timeout));

        let (listener, port) =
            listener::bind(&settings.bind_address).map_err(|source| StartupError::Bind {
                address: settings.bind_address.clone(),
                source,
            })?;

        let keys = web::Data::new(JwtKeys::new(&settings.auth));
        let store = web::Data::new(store);
        let http_metrics = web::Data::new(HttpMetrics::new("person-api"));
        let readiness = web::Data::new(
            Readiness::default()
                .with(DatabaseReady(db.clone()))
                .with_fn("nats", {
                    let bus = bus.clone();
                    move || {
                        let ready = bus.readiness();
                        Box::pin(async move { ready })
                    }
                })
                .with_fn("object_store", {
                    let images = images.clone();
                    move || {
                        let images = images.clone();
                        Box::pin(async move { images.check().await.map_err(|e| e.to_string()) })
                    }
                }),
        );
        let images = web::Data::new(images);
        let photo_limits = web::Data::new(routes::faces::PhotoLimits {
            max_image_bytes: settings.max_image_bytes,
        });
        // A photo travels base64-encoded in JSON: four bytes for every three, plus the fields.
        let max_image_body_bytes = settings.max_image_bytes / 3 * 4 + 64 * 1024;
        let openapi = ApiDoc::openapi();
        let max_body_bytes = settings.max_body_bytes;
        let server = HttpServer::new(move || {
            App::new()
                .wrap(from_fn(metrics::record))
                .wrap(TracingLogger::<TracedRootSpan>::new())
                .app_data(keys.clone())
                .app_data(store.clone())
                .app_data(face_client.clone())
                .app_data(images.clone())
                .app_data(photo_limits.clone())
                .app_data(http_metrics.clone())
                .app_data(readiness.clone())
                .configure(|cfg| json::configure_extractors(cfg, max_body_bytes))
                .configure(health::configure)
                .configure(|cfg| routes::configure(cfg, max_image_body_bytes))
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
        // Signals are handled below, so that the relay stops after the server has drained.
        .disable_signals()
        .run();

        Ok(Self {
            port,
            server,
            relay,
            janitor,
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
            // Stop accepting, let in-flight requests finish (up to the shutdown timeout).
            handle.stop(true).await;
        });
        let served = self.server.await;
        watcher.abort();
        self.shutdown.cancel();
        if let Err(error) = self.relay.await {
            tracing::error!(%error, "outbox relay task failed");
        }
        if let Err(error) = self.janitor.await {
            tracing::error!(%error, "photo janitor task failed");
        }
        tracing::info!("person-api stopped");
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

/// `faceattend reembed`: recomputes every encoding with face-embedder's current model (see
/// [`crate::reembed`]), then publishes the gallery entries it queued before returning, so the
/// new gallery is live when the command ends even if no person-api is running.
pub async fn reembed(
    settings: Settings,
) -> Result<crate::reembed::ReembedReport, Box<dyn std::error::Error + Send + Sync>> {
    let Components {
        db,
        bus,
        images,
        relay,
        store,
        ..
    } = Components::connect(&settings, "faceattend-reembed").await?;
    let faces = FaceClient::new(bus.clone(), settings.face_service_timeout);
    let report = crate::reembed::reembed_all(&store, &images, &faces).await?;
    bus.ensure_stream(&StreamSpec::PERSONS).await?;
    bus.key_value(&KvSpec::FACE_GALLERY).await?;
    while faceattend_outbox::pending_count(&db).await? > 0 {
        relay.relay_batch().await?;
    }
    Ok(report)
}

/// What the server and the re-embedding command both stand on: the migrated database, the
/// bus, the object store, the outbox relay (not yet running) and the store that feeds it.
struct Components {
    db: DatabaseConnection,
    bus: Bus,
    images: ImageStore,
    relay: OutboxRelay,
    store: PersonStore,
    janitor_wake: Arc<tokio::sync::Notify>,
}

impl Components {
    async fn connect(settings: &Settings, client_name: &str) -> Result<Self, StartupError> {
        let db = db::connect(
            settings.database_url.expose_secret(),
            settings.database_max_connections,
        )
        .await
        .map_err(StartupError::Database)?;
        if settings.run_migrations {
            db::migrate(&db).await.map_err(StartupError::Migration)?;
        }
        let bus = Bus::connect(&BusConfig {
            url: settings.nats_url.clone(),
            namespace: settings.bus_namespace.clone(),
            client_name: client_name.to_owned(),
        })
        .await?;
        let images = ImageStore::from_url(&settings.object_store_url)?;
        let relay = OutboxRelay::new(
            db.clone(),
            bus.clone(),
            vec![StreamSpec::PERSONS],
            RelayConfig::default(),
        )
        .with_buckets(vec![KvSpec::FACE_GALLERY]);
        let janitor_wake = Arc::new(tokio::sync::Notify::new());
        let store = PersonStore::new(
            db.clone(),
            relay.notifier(),
            janitor_wake.clone(),
            bus.kv_subject_prefix(&KvSpec::FACE_GALLERY),
        );
        Ok(Self {
            db,
            bus,
            images,
            relay,
            store,
            janitor_wake,
        })
    }
}
