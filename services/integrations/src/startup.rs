//! Building and running integrations.
//!
//! [`Application::build`] connects to and migrates the database, connects to NATS,
//! ensures the streams and the durable consumers, and binds the listener; it returns
//! before serving so a test can read the bound port. [`Application::run_until_stopped`]
//! runs the two consumers, the dispatcher and the REST API until SIGTERM/Ctrl-C or until
//! the shutdown token is cancelled, then stops pulling, lets the message and the deliveries
//! in hand finish, and drains in-flight requests. The OpenAPI document is served at
//! `/api/v1/openapi.json`, Swagger UI at `/docs/`.

use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use async_nats::jetstream::consumer::PullConsumer;
use faceattend_bus::{Bus, BusConfig, ConsumerSpec, StreamSpec};
use faceattend_service::auth::JwtKeys;
use faceattend_service::health::Readiness;
use faceattend_service::metrics::{self, HttpMetrics};
use faceattend_service::telemetry::TracedRootSpan;
use faceattend_service::{health, json, listener, shutdown};
use sea_orm::DatabaseConnection;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tracing_actix_web::TracingLogger;
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

use crate::config::Settings;
use crate::consumer::{self, AttendanceIngest, DirectorySync, Settler};
use crate::db;
use crate::delivery::Sender;
use crate::dispatcher::Dispatcher;
use crate::error::IntegrationsError;
use crate::metrics::IntegrationsMetrics;
use crate::openapi::ApiDoc;
use crate::routes::{self, ApiState};
use crate::store::Store;

pub struct Application {
    port: u16,
    server: Server,
    bus: Bus,
    attendance: (PullConsumer, Arc<AttendanceIngest>),
    persons: (PullConsumer, Arc<DirectorySync>),
    dispatcher: Dispatcher,
    shutdown: CancellationToken,
}

impl Application {
    pub async fn build(settings: Settings) -> Result<Self, IntegrationsError> {
        let db: DatabaseConnection =
            db::connect(settings.database_url(), settings.database_max_connections).await?;
        db::migrate(&db).await?;
        let store = Store::new(db.clone());
        let bus = Bus::connect(&BusConfig {
            url: settings.nats_url.clone(),
            namespace: settings.bus_namespace.clone(),
            client_name: "integrations".to_owned(),
        })
        .await?;
        for stream in [
            StreamSpec::ATTENDANCE,
            StreamSpec::PERSONS,
            StreamSpec::DEAD_LETTERS,
        ] {
            bus.ensure_stream(&stream).await?;
        }
        let consumer_spec = |name: &str| ConsumerSpec {
            max_deliver: settings.max_deliver,
            ack_wait: settings.ack_wait,
            ..ConsumerSpec::new(name)
        };
        let attendance_consumer = attendance_consumer(&bus, &settings).await?;
        let persons_consumer = bus
            .durable_consumer(
                &StreamSpec::PERSONS,
                &consumer_spec(&settings.persons_consumer),
            )
            .await?;

        let http_metrics = HttpMetrics::new("integrations");
        let metrics = IntegrationsMetrics::register(http_metrics.registry())?;
        let wake = Arc::new(Notify::new());
        let settler = Settler {
            bus: bus.clone(),
            max_deliver: settings.max_deliver,
            metrics: metrics.clone(),
        };
        let sender = Sender::new(settings.dispatcher.request_timeout)?;
        let dispatcher = Dispatcher {
            store: store.clone(),
            sender: sender.clone(),
            settings: settings.dispatcher.clone(),
            metrics: metrics.clone(),
            wake: wake.clone(),
        };
        let attendance = AttendanceIngest {
            store: store.clone(),
            settler: settler.clone(),
            metrics: metrics.clone(),
            wake: wake.clone(),
        };
        let persons = DirectorySync {
            store: store.clone(),
            settler,
            wake: wake.clone(),
        };

        let (listener, port) =
            listener::bind(&settings.bind_address).map_err(|source| IntegrationsError::Bind {
                address: settings.bind_address.clone(),
                source,
            })?;
        let keys = web::Data::new(JwtKeys::new(&settings.auth));
        let state = web::Data::new(ApiState {
            store: store.clone(),
            sender,
            settings: settings.dispatcher.clone(),
            wake,
        });
        let http_metrics = web::Data::new(http_metrics);
        let readiness = web::Data::new(
            Readiness::default()
                .with_fn("nats", {
                    let bus = bus.clone();
                    move || {
                        let ready = bus.readiness();
                        Box::pin(async move { ready })
                    }
                })
                .with_fn("database", {
                    let db = db.clone();
                    move || {
                        let db = db.clone();
                        Box::pin(async move { db.ping().await.map_err(|e| e.to_string()) })
                    }
                }),
        );
        let openapi = ApiDoc::openapi();
        let max_body_bytes = settings.max_body_bytes;
        let server = HttpServer::new(move || {
            App::new()
                .wrap(from_fn(metrics::record))
                .wrap(TracingLogger::<TracedRootSpan>::new())
                .app_data(keys.clone())
                .app_data(state.clone())
                .app_data(http_metrics.clone())
                .app_data(readiness.clone())
                .configure(|cfg| json::configure_extractors(cfg, max_body_bytes))
                .configure(health::configure)
                // Before the `/api/v1` scope, which would take the document's path for
                // one of its own.
                .service(web::redirect("/docs", "/docs/"))
                .service(
                    SwaggerUi::new("/docs/{_:.*}").url("/api/v1/openapi.json", openapi.clone()),
                )
                .configure(routes::configure)
                .default_service(web::to(json::route_not_found))
        })
        .listen(listener)
        .map_err(|source| IntegrationsError::Bind {
            address: settings.bind_address.clone(),
            source,
        })?
        .workers(settings.http_workers)
        .shutdown_timeout(settings.shutdown_timeout.as_secs())
        .disable_signals()
        .run();

        Ok(Self {
            port,
            server,
            bus,
            attendance: (attendance_consumer, Arc::new(attendance)),
            persons: (persons_consumer, Arc::new(persons)),
            dispatcher,
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
        let token = self.shutdown.clone();
        let (attendance_consumer, ingest) = self.attendance;
        let attendance = tokio::spawn(consumer::run(
            "attendance",
            attendance_consumer,
            token.clone(),
            move |message| {
                let ingest = ingest.clone();
                async move { ingest.handle(message).await }
            },
        ));
        let (persons_consumer, sync) = self.persons;
        let persons = tokio::spawn(consumer::run(
            "persons",
            persons_consumer,
            token.clone(),
            move |message| {
                let sync = sync.clone();
                async move { sync.handle(message).await }
            },
        ));
        let dispatcher = tokio::spawn(self.dispatcher.run(self.shutdown.clone()));
        let handle = self.server.handle();
        let watcher = {
            let token = self.shutdown.clone();
            tokio::spawn(async move {
                tokio::select! {
                    _ = shutdown::signal() => {}
                    _ = token.cancelled() => {}
                }
                token.cancel();
                handle.stop(true).await;
            })
        };
        let served = self.server.await;
        self.shutdown.cancel();
        let _ = watcher.await;
        for (name, task) in [
            ("attendance consumer", attendance),
            ("persons consumer", persons),
            ("dispatcher", dispatcher),
        ] {
            if let Err(error) = task.await {
                tracing::error!(%error, task = name, "integrations task failed");
            }
        }
        if let Err(error) = self.bus.client().flush().await {
            tracing::warn!(%error, "cannot flush NATS on shutdown");
        }
        tracing::info!("integrations stopped");
        served
    }
}

/// The durable consumer of ATTENDANCE, with at most one message unacknowledged across every
/// replica: a person's deliveries are ordered by stream sequence, so a later event must
/// not be recorded (and sent) while an earlier one is still in another replica's hands.
/// (`faceattend-bus`'s `ConsumerSpec` has no such limit; the rest of its policy is the same.)
async fn attendance_consumer(
    bus: &Bus,
    settings: &Settings,
) -> Result<PullConsumer, IntegrationsError> {
    use async_nats::jetstream::consumer::{AckPolicy, DeliverPolicy, pull};
    let stream_name = bus.stream_name(StreamSpec::ATTENDANCE.base_name);
    let fail = |reason: String| {
        IntegrationsError::Bus(faceattend_bus::BusError::Consumer {
            stream: stream_name.clone(),
            consumer: settings.attendance_consumer.clone(),
            reason,
        })
    };
    let stream = bus
        .jetstream()
        .get_stream(&stream_name)
        .await
        .map_err(|e| fail(e.to_string()))?;
    stream
        .get_or_create_consumer(
            &settings.attendance_consumer,
            pull::Config {
                durable_name: Some(settings.attendance_consumer.clone()),
                ack_policy: AckPolicy::Explicit,
                deliver_policy: DeliverPolicy::All,
                ack_wait: settings.ack_wait,
                max_deliver: settings.max_deliver,
                max_ack_pending: 1,
                ..Default::default()
            },
        )
        .await
        .map_err(|e| fail(e.to_string()))
}
