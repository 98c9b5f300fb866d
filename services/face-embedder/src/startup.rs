//! Building and running face-embedder.
//!
//! [`Application::build`] loads the models (a missing model stops the service here, with the
//! command that fetches it), connects to NATS, declares the streams and the gallery bucket,
//! and binds the health/metrics listener; it returns before serving so a test can read the
//! bound port. [`Application::run_until_stopped`] runs the gallery watch, the service
//! endpoints and the capture consumer until SIGTERM/Ctrl-C or until the shutdown token is
//! cancelled, then stops taking work and lets the work in hand finish.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use faceattend_bus::{Bus, BusConfig, ConsumerSpec, KvSpec, StreamSpec};
use faceattend_face::{DecodeLimits, FacePipeline, Gallery, GalleryConfig, RuntimeOptions};
use faceattend_service::health::Readiness;
use faceattend_service::metrics::{self, HttpMetrics};
use faceattend_service::telemetry::TracedRootSpan;
use faceattend_service::{health, json, listener, shutdown};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing_actix_web::TracingLogger;

use crate::captures::CaptureProcessor;
use crate::config::Settings;
use crate::gallery_sync::{GallerySync, SyncStatus};
use crate::recognizer::{Recognizer, RecognizerMetrics};
use crate::service_api;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Models(#[from] faceattend_face::ModelError),
    #[error(transparent)]
    Uncalibrated(#[from] crate::recognizer::UncalibratedModel),
    #[error(transparent)]
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
    bus: Bus,
    settings: Settings,
    recognizer: Arc<Recognizer>,
    gallery_sync: GallerySync,
    captures: Option<CaptureProcessor>,
    serving: Arc<AtomicBool>,
    shutdown: CancellationToken,
}

impl Application {
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        let models_dir = settings.models_dir.clone();
        let runtime =
            RuntimeOptions::new(settings.inference_threads).with_spin(settings.inference_spin);
        let pipeline =
            tokio::task::spawn_blocking(move || FacePipeline::load(&models_dir, runtime))
                .await
                .expect("model loading does not panic")?;
        let model = pipeline.embedder().model().clone();
        tracing::info!(model = %model.name, dimension = model.dimension, "face models loaded");

        let bus = Bus::connect(&BusConfig {
            url: settings.nats_url.clone(),
            namespace: settings.bus_namespace.clone(),
            client_name: "face-embedder".to_owned(),
        })
        .await?;
        for stream in [
            StreamSpec::FACES,
            StreamSpec::DETECTIONS,
            StreamSpec::DEAD_LETTERS,
        ] {
            bus.ensure_stream(&stream).await?;
        }
        let store = bus.key_value(&KvSpec::FACE_GALLERY).await?;

        let http_metrics = HttpMetrics::new("face-embedder");
        let recognizer_metrics = RecognizerMetrics::register(http_metrics.registry());
        let gallery = Arc::new(RwLock::new(Gallery::new(
            model,
            GalleryConfig {
                approximate_above: settings.approximate_above,
                // `GallerySync` builds the graph beside the searches, not inside a change.
                build_on_change: false,
                ..GalleryConfig::default()
            },
        )));
        let status = SyncStatus::default();
        let gallery_sync = GallerySync::new(
            store,
            gallery.clone(),
            status.clone(),
            recognizer_metrics.gallery_encodings.clone(),
        );
        let recognizer = Arc::new(Recognizer::new(
            Arc::new(pipeline),
            gallery,
            settings.match_margin,
            DecodeLimits {
                max_bytes: settings.max_image_bytes,
                ..DecodeLimits::default()
            },
            settings.inference_workers,
            recognizer_metrics,
        )?);
        let captures = if settings.consume_captures {
            let consumer = bus
                .durable_consumer(
                    &StreamSpec::FACES,
                    &ConsumerSpec {
                        max_deliver: settings.captures_max_deliver,
                        ..ConsumerSpec::new(settings.captures_consumer.clone())
                    },
                )
                .await?;
            Some(CaptureProcessor {
                bus: bus.clone(),
                recognizer: recognizer.clone(),
                consumer,
                concurrency: settings.captures_batch,
                max_deliver: settings.captures_max_deliver,
            })
        } else {
            None
        };

        let (listener, port) =
            listener::bind(&settings.bind_address).map_err(|source| StartupError::Bind {
                address: settings.bind_address.clone(),
                source,
            })?;
        let http_metrics = web::Data::new(http_metrics);
        let serving = Arc::new(AtomicBool::new(false));
        let readiness = web::Data::new(
            Readiness::default()
                .with_fn("nats", {
                    let bus = bus.clone();
                    move || {
                        let ready = bus.readiness();
                        Box::pin(async move { ready })
                    }
                })
                // Before the gallery caught up, a replica would call enrolled people unknown.
                .with_fn("gallery", move || {
                    let ready = if status.is_caught_up() {
                        Ok(())
                    } else {
                        Err("catching up with the FACE_GALLERY bucket".to_owned())
                    };
                    Box::pin(async move { ready })
                })
                // Before the endpoints are subscribed, a request finds no responder.
                .with_fn("endpoints", {
                    let serving = serving.clone();
                    move || {
                        let ready = if serving.load(Ordering::Acquire) {
                            Ok(())
                        } else {
                            Err("face.v1 endpoints not subscribed".to_owned())
                        };
                        Box::pin(async move { ready })
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
        .map_err(|source| StartupError::Bind {
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
            settings,
            recognizer,
            gallery_sync,
            captures,
            serving,
            shutdown: CancellationToken::new(),
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
        let mut tasks = JoinSet::new();
        tasks.spawn(self.gallery_sync.run(token.clone()));
        {
            let (bus, recognizer, group, serving, token) = (
                self.bus.clone(),
                self.recognizer.clone(),
                self.settings.queue_group.clone(),
                self.serving.clone(),
                token.clone(),
            );
            tasks.spawn(async move {
                if let Err(error) =
                    service_api::serve(bus, recognizer, group, serving, token.clone()).await
                {
                    tracing::error!(%error, "face service endpoints stopped; shutting down");
                    token.cancel();
                }
            });
        }
        if let Some(captures) = self.captures {
            tasks.spawn(captures.run(token.clone()));
        }
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
        while let Some(result) = tasks.join_next().await {
            if let Err(error) = result {
                tracing::error!(%error, "face-embedder task failed");
            }
        }
        // Replies and detections still buffered in the client go out before we exit.
        if let Err(error) = self.bus.client().flush().await {
            tracing::warn!(%error, "cannot flush NATS on shutdown");
        }
        tracing::info!("face-embedder stopped");
        served
    }
}
