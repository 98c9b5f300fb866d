//! The agent's Prometheus metrics, registered next to the HTTP ones so `/metrics` serves both:
//! per camera what was decoded, analysed and published and how often it reconnected, and per
//! stage where the time goes (the figures `make bench` reports).

use prometheus::{
    Histogram, HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts, Registry,
};

#[derive(Clone, Debug)]
pub struct AgentMetrics {
    /// Frames grabbed from the source.
    pub frames_decoded: IntCounterVec,
    /// Sampled frames searched for faces.
    pub frames_analysed: IntCounterVec,
    /// Sampled frames left out because analysis was still busy (live sources only).
    pub frames_skipped: IntCounterVec,
    pub faces_detected: IntCounterVec,
    /// Captures stored by JetStream.
    pub captures_published: IntCounterVec,
    /// Captures given up (NATS unreachable, queue full).
    pub captures_dropped: IntCounterVec,
    pub reconnects: IntCounterVec,
    /// 1 while the camera delivers frames.
    pub up: IntGaugeVec,
    /// Seconds per stage: `decode` (grab to RGB), `detect`, `quality`, `encode`, `publish`.
    pub stage_seconds: HistogramVec,
    /// From decoding the frame that decided a capture (the one after the person left, or the
    /// one that made a lingering track old enough) to JetStream's acknowledgement: the
    /// agent's own latency, without the tracking policy's deliberate wait.
    pub capture_latency: Histogram,
    /// Frames kept as evidence in the snapshot store, and those that could not be.
    pub snapshots_stored: IntCounterVec,
    pub snapshots_failed: IntCounterVec,
}

impl AgentMetrics {
    pub fn register(registry: &Registry) -> Result<Self, prometheus::Error> {
        let counter =
            |name: &str, help: &str| IntCounterVec::new(Opts::new(name, help), &["camera"]);
        let metrics = Self {
            frames_decoded: counter("camera_frames_decoded_total", "Frames grabbed, per camera.")?,
            frames_analysed: counter(
                "camera_frames_analysed_total",
                "Sampled frames searched for faces, per camera.",
            )?,
            frames_skipped: counter(
                "camera_frames_skipped_total",
                "Sampled frames skipped because analysis was busy, per camera.",
            )?,
            faces_detected: counter("camera_faces_detected_total", "Faces found, per camera.")?,
            captures_published: counter(
                "camera_captures_published_total",
                "Face captures stored on faces.v1.<camera>, per camera.",
            )?,
            captures_dropped: counter(
                "camera_captures_dropped_total",
                "Face captures given up, per camera.",
            )?,
            reconnects: counter(
                "camera_reconnects_total",
                "Times a camera was reopened after a failure, per camera.",
            )?,
            up: IntGaugeVec::new(
                Opts::new("camera_up", "1 while the camera delivers frames."),
                &["camera"],
            )?,
            stage_seconds: HistogramVec::new(
                HistogramOpts::new("camera_stage_seconds", "Seconds per pipeline stage.")
                    .buckets(prometheus::exponential_buckets(0.0005, 2.0, 14)?),
                &["stage"],
            )?,
            capture_latency: Histogram::with_opts(
                HistogramOpts::new(
                    "camera_capture_latency_seconds",
                    "From decoding the frame that decided a capture to JetStream's acknowledgement.",
                )
                .buckets(prometheus::exponential_buckets(0.001, 2.0, 14)?),
            )?,
            snapshots_stored: counter(
                "camera_snapshots_stored_total",
                "Frames of captures kept in the snapshot store, per camera.",
            )?,
            snapshots_failed: counter(
                "camera_snapshots_failed_total",
                "Frames of captures the snapshot store refused (the capture went without), per camera.",
            )?,
        };
        registry.register(Box::new(metrics.frames_decoded.clone()))?;
        registry.register(Box::new(metrics.frames_analysed.clone()))?;
        registry.register(Box::new(metrics.frames_skipped.clone()))?;
        registry.register(Box::new(metrics.faces_detected.clone()))?;
        registry.register(Box::new(metrics.captures_published.clone()))?;
        registry.register(Box::new(metrics.captures_dropped.clone()))?;
        registry.register(Box::new(metrics.reconnects.clone()))?;
        registry.register(Box::new(metrics.up.clone()))?;
        registry.register(Box::new(metrics.stage_seconds.clone()))?;
        registry.register(Box::new(metrics.capture_latency.clone()))?;
        registry.register(Box::new(metrics.snapshots_stored.clone()))?;
        registry.register(Box::new(metrics.snapshots_failed.clone()))?;
        Ok(metrics)
    }
}
