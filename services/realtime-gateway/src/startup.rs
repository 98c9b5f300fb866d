//! Building and running realtime-gateway.
//!
//! [`Application::build`] connects to NATS, ensures the ATTENDANCE stream and binds the
//! listener; it returns before serving so a test can read the bound port.
//! [`Application::run_until_stopped`] follows the stream and accepts connections until
//! SIGTERM/Ctrl-C or until the shutdown token is cancelled; then it stops accepting, closes
//! every session with 1001 "going away" and waits for them (up to the shutdown timeout).

use std::sync::Arc;

use faceattend_bus::{Bus, BusConfig, StreamSpec};
use faceattend_service::auth::JwtKeys;
use faceattend_service::health::Readiness;
use faceattend_service::metrics::HttpMetrics;
use faceattend_service::{listener, shutdown};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::Settings;
use crate::error::GatewayError;
use crate::feed::{Feed, FeedPosition};
use crate::http::HttpFront;
use crate::hub::Hub;
use crate::metrics::GatewayMetrics;
use crate::status::StatusBoard;

/// What every connection of the gateway shares.
pub struct Gateway {
    pub settings: Settings,
    pub keys: JwtKeys,
    pub hub: Arc<Hub>,
    pub board: Arc<StatusBoard>,
    pub feed: Feed,
    pub position: Arc<FeedPosition>,
    pub metrics: GatewayMetrics,
    pub http_metrics: HttpMetrics,
    pub readiness: Readiness,
    /// Cancelled on shutdown: sessions close with 1001.
    pub shutdown: CancellationToken,
}

pub struct Application {
    port: u16,
    listener: std::net::TcpListener,
    gateway: Arc<Gateway>,
    bus: Bus,
}

impl Application {
    pub async fn build(settings: Settings) -> Result<Self, GatewayError> {
        let bus = Bus::connect(&BusConfig {
            url: settings.nats_url.clone(),
            namespace: settings.bus_namespace.clone(),
            client_name: "realtime-gateway".to_owned(),
        })
        .await?;
        bus.ensure_stream(&StreamSpec::ATTENDANCE).await?;

        let http_metrics = HttpMetrics::new("realtime-gateway");
        let metrics = GatewayMetrics::register(http_metrics.registry())?;
        let hub = Hub::new(
            settings.max_connections,
            settings.client_queue,
            metrics.clone(),
        );
        let board = Arc::new(StatusBoard::new(settings.site_zone));
        let feed = Feed::new(
            bus.clone(),
            hub.clone(),
            board.clone(),
            metrics.clone(),
            settings.resume_buffer,
        );
        let position = feed.position();
        let readiness = Readiness::default()
            .with_fn("nats", {
                let bus = bus.clone();
                move || {
                    let ready = bus.readiness();
                    Box::pin(async move { ready })
                }
            })
            .with_fn("attendance_stream", {
                let position = position.clone();
                move || {
                    let ready = if position.is_caught_up() {
                        Ok(())
                    } else {
                        Err("replaying today's attendance events".to_owned())
                    };
                    Box::pin(async move { ready })
                }
            });

        let (listener, port) =
            listener::bind(&settings.bind_address).map_err(|source| GatewayError::Bind {
                address: settings.bind_address.clone(),
                source,
            })?;
        listener
            .set_nonblocking(true)
            .map_err(|source| GatewayError::Bind {
                address: settings.bind_address.clone(),
                source,
            })?;
        let keys = JwtKeys::new(&settings.auth);
        let gateway = Arc::new(Gateway {
            settings,
            keys,
            hub,
            board,
            feed,
            position,
            metrics,
            http_metrics,
            readiness,
            shutdown: CancellationToken::new(),
        });
        Ok(Self {
            port,
            listener,
            gateway,
            bus,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Cancelling this token stops the application as SIGTERM would.
    pub fn shutdown_token(&self) -> CancellationToken {
        self.gateway.shutdown.clone()
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let listener = TcpListener::from_std(self.listener)?;
        let gateway = self.gateway;
        let token = gateway.shutdown.clone();
        let feed_token = CancellationToken::new();
        let feed = tokio::spawn(gateway.feed.clone().run(feed_token.clone()));
        let signals = {
            let token = token.clone();
            tokio::spawn(async move {
                tokio::select! {
                    _ = shutdown::signal() => token.cancel(),
                    _ = token.cancelled() => {}
                }
            })
        };
        // Connections being served over HTTP, and WebSocket sessions: both are waited for.
        let connections = TaskTracker::new();
        let front = HttpFront::new(gateway.clone(), connections.clone());
        loop {
            let accepted = tokio::select! {
                _ = token.cancelled() => break,
                accepted = listener.accept() => accepted,
            };
            match accepted {
                Ok((stream, _)) => {
                    connections.spawn(front.clone().serve(stream));
                }
                Err(error) => {
                    // Out of file descriptors, typically: wait instead of spinning.
                    tracing::warn!(%error, "cannot accept a connection");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
            }
        }
        drop(listener);
        tracing::info!(
            sessions = gateway.hub.open_connections(),
            "realtime-gateway stopping: closing sessions"
        );
        connections.close();
        if tokio::time::timeout(gateway.settings.shutdown_timeout, connections.wait())
            .await
            .is_err()
        {
            tracing::warn!("sessions still open at the shutdown timeout");
        }
        feed_token.cancel();
        if let Err(error) = feed.await {
            tracing::error!(%error, "ATTENDANCE feed task failed");
        }
        signals.abort();
        if let Err(error) = self.bus.client().flush().await {
            tracing::debug!(%error, "cannot flush NATS on shutdown");
        }
        tracing::info!("realtime-gateway stopped");
        Ok(())
    }
}
