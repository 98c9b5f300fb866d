//! The gateway's Prometheus metrics, registered in the service's registry so `/metrics`
//! serves them with the `service` label every faceattend service carries.

use prometheus::{IntCounterVec, IntGauge, Opts, Registry};

#[derive(Clone, Debug)]
pub struct GatewayMetrics {
    /// Open WebSocket sessions.
    pub connections: IntGauge,
    /// Upgrade attempts by outcome: `accepted`, or why one was refused (`unauthorized`,
    /// `forbidden`, `origin`, `limit`, `bad_request`).
    pub upgrades: IntCounterVec,
    /// Messages written to clients, by type.
    pub messages_sent: IntCounterVec,
    /// Sessions the gateway ended, by reason: `slow_client` (queue full), `send_timeout`,
    /// `idle`, `too_big`, `token_expired`, `shutdown`.
    pub drops: IntCounterVec,
    /// ATTENDANCE messages read by the feed, by outcome: `relayed`, `undecodable`.
    pub events: IntCounterVec,
}

impl GatewayMetrics {
    pub fn register(registry: &Registry) -> Result<Self, prometheus::Error> {
        let connections = IntGauge::new("gateway_connections", "Open WebSocket sessions.")?;
        let upgrades = IntCounterVec::new(
            Opts::new(
                "gateway_upgrades_total",
                "WebSocket upgrade attempts, by outcome.",
            ),
            &["outcome"],
        )?;
        let messages_sent = IntCounterVec::new(
            Opts::new(
                "gateway_messages_sent_total",
                "Messages written to WebSocket clients, by type.",
            ),
            &["type"],
        )?;
        let drops = IntCounterVec::new(
            Opts::new(
                "gateway_drops_total",
                "WebSocket sessions closed by the gateway, by reason.",
            ),
            &["reason"],
        )?;
        let events = IntCounterVec::new(
            Opts::new(
                "gateway_events_total",
                "attendance.v1 messages read from the ATTENDANCE stream, by outcome.",
            ),
            &["outcome"],
        )?;
        registry.register(Box::new(connections.clone()))?;
        registry.register(Box::new(upgrades.clone()))?;
        registry.register(Box::new(messages_sent.clone()))?;
        registry.register(Box::new(drops.clone()))?;
        registry.register(Box::new(events.clone()))?;
        Ok(Self {
            connections,
            upgrades,
            messages_sent,
            drops,
            events,
        })
    }
}
