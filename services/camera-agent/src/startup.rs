//! Building and running camera-agent.
//!
//! [`Application::build`] loads the face detector (a missing model stops the agent here, with
//! the command that fetches it), connects to NATS, declares the FACES stream, opens the
//! camera registry (adding the `CAMERAS`/`CAMERAS_FILE` seed's cameras it lacks) and binds
//! the health/metrics listener; it returns before serving so a test can read the bound port.
//! [`Application::run_until_stopped`] follows the registry, running this agent's enabled
//! cameras ([`crate::supervisor`]), reporting their state and answering probes, until
//! SIGTERM/Ctrl-C or until the shutdown token is cancelled; then the cameras stop reading,
//! their tracks end, and the captures still pending are published before the agent exits.
//! With no camera of its own the agent idles, healthy.

use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpResponse, HttpServer, web};
use faceattend_bus::{Bus, BusConfig, StreamSpec};
use faceattend_face::RuntimeOptions;
use faceattend_service::health::Readiness;
use faceattend_service::metrics::{self, HttpMetrics};
use faceattend_service::object_storage::ObjectStorage;
use faceattend_service::telemetry::TracedRootSpan;
use faceattend_service::{health, json, listener, shutdown};
use serde_json::json;
use tokio_util::sync::CancellationToken;
use tracing_actix_web::TracingLogger;

use crate::analysis::FrameAnalyser;
use crate::camera::{CameraContext, CameraState};
use crate::config::Settings;
use crate::error::CameraAgentError;
use crate::metrics::AgentMetrics;
use crate::supervisor::{RunningSet, Supervisor};
use crate::{probe, supervisor};
use faceattend_camera_registry::CameraRegistry;

pub struct Application {
    port: u16,
    server: Server,
    bus: Bus,
    registry: CameraRegistry,
    agent_name: String,
    status_interval: std::time::Duration,
    cameras: RunningSet,
    context: CameraContext,
    shutdown: CancellationToken,
}

/// The running cameras' states, for the health routes.
#[derive(Clone)]
struct Cameras(RunningSet);

impl Application {
    pub async fn build(settings: Settings) -> Result<Self, CameraAgentError> {
        let models_dir = settings.models_dir.clone();
        let runtime = RuntimeOptions::new(settings.inference_threads);
        let analyser =
            tokio::task::spawn_blocking(move || FrameAnalyser::load(&models_dir, runtime))
                .await
                .expect("model loading does not panic")?;

        let bus = Bus::connect(&BusConfig {
            url: settings.nats_url.clone(),
            namespace: settings.bus_namespace.clone(),
            client_name: "camera-agent".to_owned(),
        })
        .await?;
        bus.ensure_stream(&StreamSpec::FACES).await?;
        let registry = CameraRegistry::open(&bus).await?;
        let added = registry
            .seed(
                &settings.seed_cameras,
                &format!("camera-agent:{}", settings.agent_name),
            )
            .await?;
        if !added.is_empty() {
            tracing::info!(cameras = ?added, "cameras added to the registry from CAMERAS");
        }

        let http_metrics = HttpMetrics::new("camera-agent");
        let metrics = AgentMetrics::register(http_metrics.registry())?;
        let cameras = RunningSet::default();
        let statuses = Cameras(cameras.clone());

        let (listener, port) =
            listener::bind(&settings.bind_address).map_err(|source| CameraAgentError::Bind {
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
                .with_fn("cameras", {
                    let statuses = statuses.clone();
                    move || {
                        let ready = statuses.readiness();
                        Box::pin(async move { ready })
                    }
                }),
        );
        let statuses = web::Data::new(statuses);
        let server = HttpServer::new(move || {
            App::new()
                .wrap(from_fn(metrics::record))
                .wrap(TracingLogger::<TracedRootSpan>::new())
                .app_data(http_metrics.clone())
                .app_data(readiness.clone())
                .app_data(statuses.clone())
                // Registered before the shared routes, so this /healthz (with the cameras)
                // is the one served.
                .route("/healthz", web::get().to(healthz))
                .configure(health::configure)
                .default_service(web::to(json::route_not_found))
        })
        .listen(listener)
        .map_err(|source| CameraAgentError::Bind {
            address: settings.bind_address.clone(),
            source,
        })?
        .workers(1)
        .shutdown_timeout(settings.shutdown_timeout.as_secs())
        .disable_signals()
        .run();

        let context = CameraContext {
            bus: bus.clone(),
            analyser: Arc::new(analyser),
            metrics,
            tracking: settings.tracking,
            reconnect_initial: settings.reconnect_initial,
            reconnect_max: settings.reconnect_max,
            stall_timeout: settings.stall_timeout,
            jpeg_quality: settings.jpeg_quality,
            snapshots: settings
                .snapshots_url
                .as_deref()
                .map(ObjectStorage::from_url)
                .transpose()?,
            registry: registry.clone(),
        };
        Ok(Self {
            port,
            server,
            bus,
            registry,
            agent_name: settings.agent_name.clone(),
            status_interval: settings.status_interval,
            cameras,
            context,
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

    pub async fn run_until_stopped(self) -> Result<(), CameraAgentError> {
        let token = self.shutdown.clone();
        tracing::info!(agent = %self.agent_name, "following the camera registry");
        let followed = faceattend_camera_registry::follow(&self.registry, token.clone());
        let supervisor = tokio::spawn(
            Supervisor::new(
                self.agent_name.clone(),
                self.context.clone(),
                self.registry.clone(),
                self.cameras.clone(),
            )
            .run(followed, token.clone()),
        );
        let reporter = tokio::spawn(supervisor::report_status(
            self.agent_name.clone(),
            self.registry.clone(),
            self.cameras.clone(),
            self.status_interval,
            token.clone(),
        ));
        let prober = tokio::spawn(probe::serve(
            self.bus.clone(),
            self.agent_name.clone(),
            token.clone(),
        ));
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
        // The supervisor stops every camera and waits for their pending captures.
        let _ = supervisor.await;
        let _ = reporter.await;
        let _ = prober.await;
        // Captures still buffered in the client go out before we exit.
        if let Err(error) = self.bus.client().flush().await {
            tracing::warn!(%error, "cannot flush NATS on shutdown");
        }
        tracing::info!("camera-agent stopped");
        served.map_err(|source| CameraAgentError::Bind {
            address: "health listener".to_owned(),
            source,
        })
    }
}

impl Cameras {
    /// Ready unless cameras are configured and none of them delivers (or has delivered) its
    /// video: one broken camera shows in `/healthz` and the metrics, but the agent keeps
    /// serving the others.
    fn readiness(&self) -> Result<(), String> {
        let snapshots: Vec<_> = self.0.snapshots().into_iter().map(|(s, _)| s).collect();
        if snapshots.is_empty() {
            return Ok(());
        }
        if snapshots
            .iter()
            .any(|s| matches!(s.state, CameraState::Streaming | CameraState::Ended))
        {
            return Ok(());
        }
        Err(snapshots
            .iter()
            .map(|s| {
                format!(
                    "{}: {:?}{}",
                    s.id,
                    s.state,
                    s.last_error
                        .as_ref()
                        .map(|e| format!(" ({e})"))
                        .unwrap_or_default()
                )
            })
            .collect::<Vec<_>>()
            .join("; "))
    }
}

/// Liveness, with every camera's state: the process is up whatever its cameras do.
async fn healthz(cameras: web::Data<Cameras>) -> HttpResponse {
    let cameras: Vec<_> = cameras.0.snapshots().into_iter().map(|(s, _)| s).collect();
    HttpResponse::Ok().json(json!({ "status": "ok", "cameras": cameras }))
}
