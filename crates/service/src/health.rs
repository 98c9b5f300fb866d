//! `/healthz` (the process is up), `/readyz` (its dependencies answer) and `/metrics`.

use std::sync::Arc;

use actix_web::{HttpResponse, web};
use futures::future::{BoxFuture, join_all};
use serde_json::json;

use crate::metrics::HttpMetrics;

/// The version every service reports in `/healthz` and `/readyz` (the workspace's, which every
/// crate shares), so an operator can see which build answers.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// A dependency whose failure makes the service not ready (database, NATS).
pub trait ReadinessCheck: Send + Sync {
    fn name(&self) -> &'static str;
    fn check(&self) -> BoxFuture<'_, Result<(), String>>;
}

/// Every readiness check of a service.
#[derive(Clone, Default)]
pub struct Readiness {
    checks: Vec<Arc<dyn ReadinessCheck>>,
}

impl Readiness {
    pub fn with(mut self, check: impl ReadinessCheck + 'static) -> Self {
        self.checks.push(Arc::new(check));
        self
    }

    /// A check from a closure, for dependencies that need no state of their own.
    pub fn with_fn<F>(self, name: &'static str, check: F) -> Self
    where
        F: Fn() -> BoxFuture<'static, Result<(), String>> + Send + Sync + 'static,
    {
        self.with(FnCheck { name, check })
    }
}

struct FnCheck<F> {
    name: &'static str,
    check: F,
}

impl<F> ReadinessCheck for FnCheck<F>
where
    F: Fn() -> BoxFuture<'static, Result<(), String>> + Send + Sync,
{
    fn name(&self) -> &'static str {
        self.name
    }
    fn check(&self) -> BoxFuture<'_, Result<(), String>> {
        (self.check)()
    }
}

/// Mounts the three operational routes. They need no token: probes and scrapers have none,
/// and they reveal nothing about persons.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz))
        .route("/metrics", web::get().to(metrics));
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok", "version": VERSION }))
}

impl Readiness {
    /// Runs every check (each bounded to 2 s) and returns whether all passed, with the
    /// `/readyz` body: `{"status": "ready"|"not_ready", "version", "checks": {name:
    /// "ok"|{"error"}}}`.
    pub async fn report(&self) -> (bool, serde_json::Value) {
        let results = join_all(self.checks.iter().map(|check| async move {
            let outcome = tokio::time::timeout(std::time::Duration::from_secs(2), check.check())
                .await
                .unwrap_or_else(|_| Err("timed out after 2s".to_owned()));
            (check.name(), outcome)
        }))
        .await;
        let ready = results.iter().all(|(_, outcome)| outcome.is_ok());
        let checks: serde_json::Map<String, serde_json::Value> = results
            .into_iter()
            .map(|(name, outcome)| {
                let value = match outcome {
                    Ok(()) => json!("ok"),
                    Err(reason) => json!({ "error": reason }),
                };
                (name.to_owned(), value)
            })
            .collect();
        let body = json!({
            "status": if ready { "ready" } else { "not_ready" },
            "version": VERSION,
            "checks": checks,
        });
        (ready, body)
    }
}

async fn readyz(readiness: web::Data<Readiness>) -> HttpResponse {
    let (ready, body) = readiness.report().await;
    if ready {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

async fn metrics(metrics: web::Data<HttpMetrics>) -> HttpResponse {
    match metrics.render() {
        Ok(text) => HttpResponse::Ok()
            .content_type("text/plain; version=0.0.4; charset=utf-8")
            .body(text),
        Err(error) => HttpResponse::InternalServerError().body(error),
    }
}
