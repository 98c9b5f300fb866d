//! The worker's own Prometheus metrics, registered next to the HTTP ones so `/metrics`
//! serves both.

use prometheus::{IntCounterVec, IntGaugeVec, Opts, Registry};

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
    /// Job runs this replica finished, by job and outcome (`succeeded`, `failed`).
    pub job_runs: IntCounterVec,
    /// When each job last succeeded on this replica (Unix seconds).
    pub job_last_success: IntGaugeVec,
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
        let job_runs = IntCounterVec::new(
            Opts::new(
                "attendance_job_runs_total",
                "Job runs finished by this replica, by job and outcome.",
            ),
            &["job", "outcome"],
        )?;
        let job_last_success = IntGaugeVec::new(
            Opts::new(
                "attendance_job_last_success_timestamp_seconds",
                "When each job last succeeded on this replica (Unix time).",
            ),
            &["job"],
        )?;
        registry.register(Box::new(detections.clone()))?;
        registry.register(Box::new(job_runs.clone()))?;
        registry.register(Box::new(job_last_success.clone()))?;
        registry.register(Box::new(persons.clone()))?;
        registry.register(Box::new(events.clone()))?;
        Ok(Self {
            detections,
            persons,
            events,
            job_runs,
            job_last_success,
        })
    }
}
