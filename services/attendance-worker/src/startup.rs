//! Building and running attendance-worker.
//!
//! [`Application::build`] connects to and migrates the database, connects to NATS, ensures
//! the streams and the durable consumers, and binds the health/metrics listener; it returns
//! before serving so a test can read the bound port. [`Application::run_until_stopped`] runs
//! the detections and persons consumers, the outbox relay and the job scheduler until
//! SIGTERM/Ctrl-C or until the shutdown token is cancelled, then stops pulling, lets the
//! messages in hand finish, stops the jobs at their next safe point, and stops the relay.

use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use async_nats::jetstream::consumer::PullConsumer;
use faceattend_attendance_store::AttendanceStore;
use faceattend_bus::{Bus, BusConfig, ConsumerSpec, StreamSpec};
use faceattend_outbox::{OutboxRelay, RelayConfig};
use faceattend_service::health::Readiness;
use faceattend_service::metrics::{self, HttpMetrics};
use faceattend_service::telemetry::TracedRootSpan;
use faceattend_service::{health, json, listener, shutdown};
use sea_orm::ConnectionTrait;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::camera_roles::CameraRoles;
use tracing_actix_web::TracingLogger;

use crate::config::Settings;
use crate::consumer::{self, BatchHandler, Handler, Settler};
use crate::detections::DetectionProcessor;
use crate::error::WorkerError;
use crate::jobs::{JobRunner, Scheduler};
use crate::metrics::WorkerMetrics;
use crate::persons::PersonDirectorySync;

pub struct Application {
    port: u16,
    server: Server,
    bus: Bus,
    relay: OutboxRelay,
    detections: (PullConsumer, Arc<DetectionProcessor>),
    persons: (PullConsumer, Arc<PersonDirectorySync>),
    /// `None` when `JOBS_ENABLED=false`.
    scheduler: Option<Scheduler>,
    concurrency: usize,
    batch_size: usize,
    shutdown: CancellationToken,
}

impl Application {
    pub async fn build(settings: Settings) -> Result<Self, WorkerError> {
        let store =
            AttendanceStore::connect(settings.database_url(), settings.database_max_connections)
                .await?;
        store.migrate().await?;
        let bus = Bus::connect(&BusConfig {
            url: settings.nats_url.clone(),
            namespace: settings.bus_namespace.clone(),
            client_name: "attendance-worker".to_owned(),
        })
        .await?;
        for stream in [
            StreamSpec::DETECTIONS,
            StreamSpec::PERSONS,
            StreamSpec::ATTENDANCE,
            StreamSpec::DEAD_LETTERS,
        ] {
            bus.ensure_stream(&stream).await?;
        }
        let consumer_spec = |name: &str| ConsumerSpec {
            max_deliver: settings.max_deliver,
            ack_wait: settings.ack_wait,
            ..ConsumerSpec::new(name)
        };
        let detections_consumer = bus
            .durable_consumer(
                &StreamSpec::DETECTIONS,
                &consumer_spec(&settings.detections_consumer),
            )
            .await?;
        let persons_consumer = bus
            .durable_consumer(
                &StreamSpec::PERSONS,
                &consumer_spec(&settings.persons_consumer),
            )
            .await?;
        let relay = OutboxRelay::new(
            store.connection().clone(),
            bus.clone(),
            vec![StreamSpec::ATTENDANCE],
            RelayConfig::default(),
        );

        let http_metrics = HttpMetrics::new("attendance-worker");
        let worker_metrics = WorkerMetrics::register(http_metrics.registry())?;
        let settler = Settler {
            bus: bus.clone(),
            max_deliver: settings.max_deliver,
            backoff: settings.retry_backoff,
        };
        let scheduler = if settings.jobs.enabled {
            let runner = JobRunner::new(
                store.clone(),
                settings.policy,
                settings.jobs.clone(),
                worker_metrics.clone(),
            )?;
            Some(Scheduler::new(Arc::new(runner)))
        } else {
            None
        };
        // Created here, not at the end: the registry follower below runs until it fires.
        let shutdown = CancellationToken::new();
        let registry = faceattend_camera_registry::CameraRegistry::open(&bus).await?;
        let mut cameras = faceattend_camera_registry::follow(&registry, shutdown.clone());
        // Detections are read the registry's way from the first one on: wait (briefly) for
        // its first replay; past that, detections go on with CAMERA_ROLES until it arrives.
        let replayed = tokio::time::timeout(
            std::time::Duration::from_secs(5),
            cameras.wait_for(|set| set.caught_up),
        )
        .await
        .is_ok_and(|r| r.is_ok());
        if !replayed {
            tracing::warn!("the camera registry is not read yet; CAMERA_ROLES apply until it is");
        }
        let camera_roles = CameraRoles::with_registry(settings.camera_roles.clone(), cameras);
        let detections = Arc::new(DetectionProcessor {
            store: store.clone(),
            policy: settings.policy,
            camera_roles,
            settler: settler.clone(),
            metrics: worker_metrics.clone(),
            relay_wake: relay.notifier(),
        });
        let persons = Arc::new(PersonDirectorySync {
            store: store.clone(),
            settler,
            metrics: worker_metrics,
        });

        let (listener, port) =
            listener::bind(&settings.bind_address).map_err(|source| WorkerError::Bind {
                address: settings.bind_address.clone(),
                source,
            })?;
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
                    let store = store.clone();
                    move || {
                        let store = store.clone();
                        Box::pin(async move {
                            store
                                .connection()
                                .execute_unprepared("SELECT 1")
                                .await
                                .map(|_| ())
                                .map_err(|e| format!("attendance database: {e}"))
                        })
                    }
                }),
        );
        let server = HttpServer::new(move || {
            App::new()
                .wrap(from_fn(metrics::record))
                .wrap(TracingLogger::<TracedRootSpan>::new())
                .app_data(http_metrics.clone())
                .app_data(readiness.clone())
                .configure(health::configure)
                .default_service(web::to(json::route_not_found))
        })
        .listen(listener)
        .map_err(|source| WorkerError::Bind {
            address: settings.bind_address.clone(),
            source,
        })?
        .workers(1)
        .shutdown_timeout(settings.shutdown_timeout.as_secs())
        .disable_signals()
        .run();

        Ok(Self {
            port,
            server,
            bus,
            relay,
            detections: (detections_consumer, detections),
            persons: (persons_consumer, persons),
            scheduler,
            concurrency: settings.concurrency,
            batch_size: settings.batch_size,
            shutdown,
        })
    }

    /// Port of the health and metrics listener.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Cancelling this token stops the application as SIGTERM would.
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let token = self.shutdown.clone();
        // The relay outlives the consumers, so the events of their last commits still go out.
        let relay_token = CancellationToken::new();
        let relay = tokio::spawn(self.relay.run(relay_token.clone()));
        let mut consumers = JoinSet::new();
        {
            let (consumer_handle, processor) = self.detections;
            let handler: BatchHandler = Arc::new(move |messages| {
                let processor = processor.clone();
                Box::pin(processor.handle_batch(messages))
            });
            consumers.spawn(consumer::run_batches(
                "detections",
                consumer_handle,
                self.batch_size,
                self.concurrency,
                handler,
                token.clone(),
            ));
        }
        {
            let (consumer_handle, sync) = self.persons;
            let handler: Handler = Arc::new(move |message| {
                let sync = sync.clone();
                Box::pin(sync.handle(message))
            });
            // One at a time: events of one person apply in stream order.
            consumers.spawn(consumer::run(
                "persons",
                consumer_handle,
                1,
                handler,
                token.clone(),
            ));
        }
        let scheduler = self
            .scheduler
            .map(|scheduler| tokio::spawn(scheduler.run(token.clone())));
        let handle = self.server.handle();
        let watcher = {
            let token = token.clone();
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
        token.cancel();
        let _ = watcher.await;
        while let Some(result) = consumers.join_next().await {
            if let Err(error) = result {
                tracing::error!(%error, "attendance-worker consumer failed");
            }
        }
        if let Some(scheduler) = scheduler
            && let Err(error) = scheduler.await
        {
            tracing::error!(%error, "job scheduler failed");
        }
        relay_token.cancel();
        if let Err(error) = relay.await {
            tracing::error!(%error, "outbox relay task failed");
        }
        if let Err(error) = self.bus.client().flush().await {
            tracing::warn!(%error, "cannot flush NATS on shutdown");
        }
        tracing::info!("attendance-worker stopped");
        served
    }
}
