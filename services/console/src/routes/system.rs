//! The system page's API: `GET /console/api/v1/system` (admins: every service's readiness and
//! version, the database, NATS, consumer lag, dead letters) and `GET /console/api/v1/system/status`
//! (every signed-in operator: whether anything is not ready, for the banner every page shows).

use actix_web::HttpResponse;
use actix_web::web;
use chrono::{DateTime, Utc};
use faceattend_service::envelope;
use serde::Serialize;
use utoipa::ToSchema;

use super::ErrorEnvelope;
use crate::error::ConsoleError;
use crate::state::{ConsoleState, SignedIn};
use crate::system::{ConsoleHealth, ConsumerLag, DeadLetter, NatsHealth, NotReady, ServiceHealth};

type Result<T> = std::result::Result<T, ConsoleError>;

/// Everything the system page shows.
#[derive(Debug, Serialize, ToSchema)]
pub struct SystemReport {
    /// When the services were probed (the probes are reused for a few seconds).
    pub checked_at: DateTime<Utc>,
    /// Whether every service, the console's database and NATS are ready.
    pub ready: bool,
    /// What is not ready, with why.
    pub not_ready: Vec<NotReady>,
    pub services: Vec<ServiceHealth>,
    pub console: ConsoleHealth,
    pub nats: NatsHealth,
    /// Every durable consumer of the namespace's streams, by stream and name.
    pub consumers: Vec<ConsumerLag>,
    /// Why the consumers could not be read (NATS down), when they could not.
    pub consumers_error: Option<String>,
    /// The newest dead letters (up to 50), newest first.
    pub dead_letters: Vec<DeadLetter>,
    /// Why the dead letters could not be read, when they could not.
    pub dead_letters_error: Option<String>,
}

/// Whether anything is not ready: what every page polls for its banner.
#[derive(Debug, Serialize, ToSchema)]
pub struct SystemStatus {
    pub checked_at: DateTime<Utc>,
    pub ready: bool,
    pub not_ready: Vec<NotReady>,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct SystemReportEnvelope {
    success: bool,
    data: SystemReport,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct SystemStatusEnvelope {
    success: bool,
    data: SystemStatus,
}

/// The whole system: services (readiness with the failing checks' reasons, version), the
/// console's database, NATS, every durable consumer's lag and the newest dead letters. A
/// service that does not answer is reported `unreachable`; this route still answers 200.
#[utoipa::path(
    get, path = "/console/api/v1/system", tag = "system",
    responses(
        (status = 200, description = "The system's state", body = SystemReportEnvelope),
        (status = 401, description = "Not signed in (`not_signed_in`, `session_expired`)", body = ErrorEnvelope),
        (status = 403, description = "Not an admin (`forbidden`)", body = ErrorEnvelope),
    ),
    security(("session" = []))
)]
pub async fn report(state: web::Data<ConsoleState>, signed_in: SignedIn) -> Result<HttpResponse> {
    if !signed_in.operator.role.manages_operators() {
        return Err(ConsoleError::AdminOnly);
    }
    let (health, consumers, dead_letters) = futures::join!(
        state.system.health(),
        state.system.consumers(),
        state.system.dead_letters(),
    );
    let not_ready = health.not_ready();
    let (consumers, consumers_error) = split(consumers);
    let (dead_letters, dead_letters_error) = split(dead_letters);
    Ok(envelope::ok(SystemReport {
        checked_at: health.checked_at,
        ready: not_ready.is_empty(),
        not_ready,
        services: health.services.clone(),
        console: health.console.clone(),
        nats: health.nats.clone(),
        consumers,
        consumers_error,
        dead_letters,
        dead_letters_error,
    }))
}

/// Whether everything is ready, and if not, what is not and why: for every signed-in operator,
/// whose pages show a banner meanwhile. Probes are reused for a few seconds.
#[utoipa::path(
    get, path = "/console/api/v1/system/status", tag = "system",
    responses(
        (status = 200, description = "Ready, or what is not", body = SystemStatusEnvelope),
        (status = 401, description = "Not signed in (`not_signed_in`, `session_expired`)", body = ErrorEnvelope),
    ),
    security(("session" = []))
)]
pub async fn status(state: web::Data<ConsoleState>, _signed_in: SignedIn) -> Result<HttpResponse> {
    let health = state.system.health().await;
    let not_ready = health.not_ready();
    Ok(envelope::ok(SystemStatus {
        checked_at: health.checked_at,
        ready: not_ready.is_empty(),
        not_ready,
    }))
}

fn split<T>(result: std::result::Result<Vec<T>, String>) -> (Vec<T>, Option<String>) {
    match result {
        Ok(items) => (items, None),
        Err(error) => (Vec::new(), Some(error)),
    }
}
