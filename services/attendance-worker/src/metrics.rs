//! The worker's own Prometheus metrics, registered next to the HTTP ones so `/metrics`
//! serves both.

use prometheus::{IntCounterVec, Opts, Registry};

/// Counters of what became of each consumed message.
#[derive(Clone, Debug)]
pub struct WorkerMetrics {
    /// Detections by outcome: `attended`, `review`, `ignored` (below the review threshold or
    /// nothing to record), `unknown` (no matched person), `deleted_person`, `retried`,
    /// `dead_lettered`.
    pub detections: IntCounterVec,
    /// Person events by outcome: `applied`, `stale`, `retried`, `dead_lettered`.
    pub persons: IntCounterVec,
    /// Attendance events enqueued, by subject.
    pub events: IntCounterVec,
}

impl WorkerMetrics {
    pub fn register(registry: &Registry) -> Result<Self, prometheus::Error> {
        let detections = IntCounterVec::new(
            Opts::new(
                "attendance_detections_total",
                "Detections consumed, by outcome.",
            ),
            &["outcome"],
        )?;
        let persons = IntCounterVec::new(
            Opts::new(
                "attendance_person_events_total",
                "persons.v1 events consumed, by outcome.",
            ),
            &["outcome"],
        )?;
        let events = IntCounterVec::new(
            Opts::new(
                "attendance_events_enqueued_total",
                "attendance.v1 events written to the outbox, by subject.",
            ),
            &["subject"],
        )?;
        registry.register(Box::new(detections.clone()))?;
        registry.register(Box::new(persons.clone()))?;
        registry.register(Box::new(events.clone()))?;
        Ok(Self {
            detections,
            persons,
            events,
        })
    }
}
