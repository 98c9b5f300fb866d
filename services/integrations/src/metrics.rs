//! The service's own Prometheus metrics, registered next to the HTTP ones so `/metrics`
//! serves both.

use prometheus::{IntCounterVec, IntGauge, Opts, Registry};

#[derive(Clone, Debug)]
pub struct IntegrationsMetrics {
    /// Deliveries by destination and outcome: `enqueued`, `unmapped`, `delivered`,
    /// `refused`, `failed`.
    pub deliveries: IntCounterVec,
    /// Attempts by destination and outcome: `delivered`, `retry`, `refused`, `disable`.
    pub attempts: IntCounterVec,
    /// Destinations disabled by the dispatcher, by reason (`gone`: the destination said
    /// so; `failing`: failing for too long).
    pub disabled: IntCounterVec,
    /// Seconds since the oldest delivery not yet delivered (pending or unmapped) was
    /// created; 0 when there is none.
    pub oldest_undelivered_age: IntGauge,
    /// Bus messages consumed, by stream and outcome: `applied`, `stale`, `ignored`,
    /// `retried`, `dead_lettered`.
    pub messages: IntCounterVec,
}

impl IntegrationsMetrics {
    pub fn register(registry: &Registry) -> Result<Self, prometheus::Error> {
        let deliveries = IntCounterVec::new(
            Opts::new(
                "integrations_deliveries_total",
                "Deliveries by destination and outcome.",
            ),
            &["destination", "outcome"],
        )?;
        let attempts = IntCounterVec::new(
            Opts::new(
                "integrations_delivery_attempts_total",
                "Delivery attempts by destination and outcome.",
            ),
            &["destination", "outcome"],
        )?;
        let disabled = IntCounterVec::new(
            Opts::new(
                "integrations_destinations_disabled_total",
                "Destinations the dispatcher disabled, by reason.",
            ),
            &["destination", "reason"],
        )?;
        let oldest_undelivered_age = IntGauge::new(
            "integrations_oldest_undelivered_age_seconds",
            "Age of the oldest delivery not yet delivered (pending or unmapped).",
        )?;
        let messages = IntCounterVec::new(
            Opts::new(
                "integrations_messages_total",
                "Bus messages consumed, by stream and outcome.",
            ),
            &["stream", "outcome"],
        )?;
        registry.register(Box::new(deliveries.clone()))?;
        registry.register(Box::new(attempts.clone()))?;
        registry.register(Box::new(disabled.clone()))?;
        registry.register(Box::new(oldest_undelivered_age.clone()))?;
        registry.register(Box::new(messages.clone()))?;
        Ok(Self {
            deliveries,
            attempts,
            disabled,
            oldest_undelivered_age,
            messages,
        })
    }
}
