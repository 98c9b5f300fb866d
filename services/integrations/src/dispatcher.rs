//! The dispatcher: N workers claim due deliveries, send them, and record what became of
//! each attempt.
//!
//! Claims are leased ([`Store::claim`]), so two workers or replicas never send one
//! delivery at once, and a replica that dies mid-send only delays it by the lease. A
//! delivery waits while an earlier one of the same person to the same destination is
//! undelivered, so a check-out never lands before its check-in; other persons go on.
//! Failed attempts are retried on the Standard Webhooks schedule (±10 % jitter), never
//! sooner than a `Retry-After` asked; after the last, the delivery has failed. A
//! destination that says it is gone (410) or refuses our credentials is disabled with the
//! reason, as is one failing continuously for longer than `disable_after` (5 days).
//!
//! Doors are claimed by a worker of their own, woken like the others as soon as the
//! consumer commits, so a door never waits behind a slow payroll send; a door is opened
//! once, before its deadline, and recorded delivered or refused (`missed`, `credentials`,
//! …), never retried.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use faceattend_connectors::door::DoorOutcome;
use faceattend_connectors::{DeliveryOutcome, Refusal};
use tokio::sync::Notify;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use crate::config::DispatcherSettings;
use crate::delivery::Sender;
use crate::error::IntegrationsError;
use crate::metrics::IntegrationsMetrics;
use crate::model::DestinationKind;
use crate::store::{AfterAttempt, AttemptRecord, DeliveryRow, Store, key_of};

#[derive(Clone)]
pub struct Dispatcher {
    pub store: Store,
    pub sender: Sender,
    pub settings: DispatcherSettings,
    pub metrics: IntegrationsMetrics,
    /// Notified when deliveries may have become due (an event consumed, a person mapped, a
    /// redelivery asked).
    pub wake: Arc<Notify>,
}

impl Dispatcher {
    /// Runs the workers until `shutdown`; each finishes the delivery in hand.
    pub async fn run(self, shutdown: CancellationToken) {
        let mut workers = JoinSet::new();
        for n in 0..self.settings.workers {
            let dispatcher = self.clone();
            let shutdown = shutdown.clone();
            workers.spawn(
                async move { dispatcher.work(shutdown, false).await }
                    .instrument(tracing::info_span!("dispatcher", worker = n)),
            );
        }
        // Doors have a lane of their own: woken with the others the moment the consumer
        // commits, they never queue behind a slow payroll system's send.
        {
            let dispatcher = self.clone();
            let shutdown = shutdown.clone();
            workers.spawn(
                async move { dispatcher.work(shutdown, true).await }
                    .instrument(tracing::info_span!("dispatcher", worker = "doors")),
            );
        }
        let gauge = {
            let dispatcher = self.clone();
            let shutdown = shutdown.clone();
            tokio::spawn(async move { dispatcher.watch_backlog(shutdown).await })
        };
        while let Some(result) = workers.join_next().await {
            if let Err(error) = result {
                tracing::error!(%error, "dispatcher worker failed");
            }
        }
        let _ = gauge.await;
        tracing::info!("dispatcher stopped");
    }

    async fn work(&self, shutdown: CancellationToken, doors: bool) {
        while !shutdown.is_cancelled() {
            // Registered before the claim, so a wake-up between the claim and the wait is
            // not lost.
            let woken = self.wake.notified();
            let claimed = match self.store.claim(1, self.settings.lease, doors).await {
                Ok(claimed) => claimed,
                Err(error) => {
                    tracing::warn!(%error, "cannot claim deliveries");
                    Vec::new()
                }
            };
            if claimed.is_empty() {
                tokio::select! {
                    _ = shutdown.cancelled() => break,
                    _ = woken => {}
                    _ = tokio::time::sleep(self.settings.poll_interval) => {}
                }
                continue;
            }
            for delivery in claimed {
                if let Err(error) = self.attempt(&delivery).await {
                    tracing::error!(%error, delivery = %delivery.id, "cannot record a delivery attempt");
                    // Its lease expires and another claim retries it.
                }
            }
            // The next of this person's deliveries may be due now.
            self.wake.notify_waiters();
        }
    }

    /// One attempt of `delivery`, recorded.
    async fn attempt(&self, delivery: &DeliveryRow) -> Result<(), IntegrationsError> {
        let destination = match self.store.destination(delivery.destination_id).await? {
            Some(destination) => destination,
            // Deleted meanwhile, with its deliveries.
            None => return Ok(()),
        };
        let label = destination.id.to_string();
        let person = self.store.person(delivery.person_id).await?;
        let at = Utc::now();
        let Some(key) = key_of(
            person.as_ref(),
            delivery.person_id,
            destination.mapping_field,
        ) else {
            // The key went away since the event was consumed (an id number removed).
            let record = AttemptRecord {
                at,
                duration: Duration::ZERO,
                status_code: None,
                response: None,
                error: Some(format!(
                    "the person has no {} for this destination",
                    destination.mapping_field.as_str()
                )),
                outcome: "unmapped",
            };
            self.store
                .record_attempt(
                    delivery,
                    &record,
                    &AfterAttempt::Unmapped,
                    self.settings.disable_after,
                )
                .await?;
            self.metrics
                .deliveries
                .with_label_values(&[&label, "unmapped"])
                .inc();
            return Ok(());
        };
        // A correction updates the record its first delivery made there.
        let external_record = match &delivery.mark_kind {
            Some(kind) if destination.kind != DestinationKind::Webhook => {
                self.store
                    .external_record(destination.id, delivery.attendance_id, kind)
                    .await?
            }
            _ => None,
        };
        let started = Instant::now();
        let (record, after) = if destination.kind == DestinationKind::Door {
            let outcome = self.sender.open_door(&destination, delivery, &key).await;
            door_judgement(outcome, at, started.elapsed())
        } else {
            let outcome = self
                .sender
                .send(&destination, delivery, &key, external_record, at)
                .await;
            self.judge(delivery, outcome, at, started.elapsed())
        };
        self.metrics
            .attempts
            .with_label_values(&[&label, record.outcome])
            .inc();
        match &after {
            AfterAttempt::Delivered { .. } => self
                .metrics
                .deliveries
                .with_label_values(&[&label, "delivered"])
                .inc(),
            AfterAttempt::Refused(_) => self
                .metrics
                .deliveries
                .with_label_values(&[&label, "refused"])
                .inc(),
            AfterAttempt::Failed => self
                .metrics
                .deliveries
                .with_label_values(&[&label, "failed"])
                .inc(),
            _ => {}
        }
        let gone = matches!(after, AfterAttempt::DestinationDisabled(_));
        if let Some(reason) = self
            .store
            .record_attempt(delivery, &record, &after, self.settings.disable_after)
            .await?
        {
            let kind = if gone {
                "refused_by_destination"
            } else {
                "failing"
            };
            tracing::warn!(destination = %destination.id, name = %destination.name, %reason, "destination disabled");
            self.metrics
                .disabled
                .with_label_values(&[&label, kind])
                .inc();
        }
        Ok(())
    }

    /// What an outcome makes of the delivery.
    fn judge(
        &self,
        delivery: &DeliveryRow,
        outcome: DeliveryOutcome,
        at: DateTime<Utc>,
        duration: Duration,
    ) -> (AttemptRecord, AfterAttempt) {
        let record = |status: Option<u16>,
                      response: String,
                      error: Option<String>,
                      outcome: &'static str| {
            AttemptRecord {
                at,
                duration,
                status_code: status,
                response: Some(response).filter(|r| !r.is_empty()),
                error,
                outcome,
            }
        };
        match outcome {
            DeliveryOutcome::Delivered {
                status,
                external_record,
                response,
            } => (
                record(status, response, None, "delivered"),
                AfterAttempt::Delivered {
                    external_record,
                    refusal: None,
                },
            ),
            // The destination holds it already: done.
            DeliveryOutcome::Refused {
                status,
                refusal: Refusal::Duplicate,
                reason,
                response,
            } => (
                record(status, response, Some(reason), "delivered"),
                AfterAttempt::Delivered {
                    external_record: None,
                    refusal: Some(Refusal::Duplicate.as_str()),
                },
            ),
            DeliveryOutcome::Refused {
                status,
                refusal,
                reason,
                response,
            } => (
                record(status, response, Some(reason), "refused"),
                AfterAttempt::Refused(refusal.as_str()),
            ),
            DeliveryOutcome::Disable {
                status,
                reason,
                response,
            } => (
                record(status, response, Some(reason.clone()), "disable"),
                AfterAttempt::DestinationDisabled(reason),
            ),
            DeliveryOutcome::Retry {
                status,
                retry_after,
                reason,
                response,
            } => {
                let after = match next_attempt(
                    &self.settings.retry_schedule,
                    delivery.retries,
                    retry_after,
                    jitter(),
                ) {
                    Some(wait) => AfterAttempt::RetryAt(
                        at + chrono::Duration::from_std(duration + wait)
                            .unwrap_or(chrono::Duration::MAX),
                    ),
                    None => AfterAttempt::Failed,
                };
                (record(status, response, Some(reason), "retry"), after)
            }
        }
    }

    /// Keeps the oldest-undelivered gauge current.
    async fn watch_backlog(&self, shutdown: CancellationToken) {
        loop {
            match self.store.oldest_undelivered().await {
                Ok(oldest) => self
                    .metrics
                    .oldest_undelivered_age
                    .set(oldest.map_or(0, |at| (Utc::now() - at).num_seconds().max(0))),
                Err(error) => {
                    tracing::debug!(%error, "cannot read the oldest undelivered delivery")
                }
            }
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = tokio::time::sleep(Duration::from_secs(5)) => {}
            }
        }
    }
}

/// What a door action makes of its delivery: delivered, or refused with why (`missed`,
/// `credentials`, `unknown_door`, …). Never retried: its deadline is over either way.
fn door_judgement(
    outcome: DoorOutcome,
    at: DateTime<Utc>,
    duration: Duration,
) -> (AttemptRecord, AfterAttempt) {
    let record =
        |status: Option<u16>, response: String, error: Option<String>, outcome| AttemptRecord {
            at,
            duration,
            status_code: status,
            response: Some(response).filter(|r| !r.is_empty()),
            error,
            outcome,
        };
    match outcome {
        DoorOutcome::Opened {
            status, response, ..
        } => (
            record(Some(status), response, None, "delivered"),
            AfterAttempt::Delivered {
                external_record: None,
                refusal: None,
            },
        ),
        DoorOutcome::Refused {
            status,
            refusal,
            reason,
            response,
            ..
        } => (
            record(status, response, Some(reason), "refused"),
            AfterAttempt::Refused(refusal.as_str()),
        ),
        DoorOutcome::Missed { reason, attempts } => (
            record(
                None,
                String::new(),
                Some(format!("missed after {attempts} attempts: {reason}")),
                "refused",
            ),
            AfterAttempt::Refused("missed"),
        ),
    }
}

/// The wait before the next attempt after `retries` failed ones of this round (0-based
/// index into `schedule`), jittered by `jitter` (a factor in [0.9, 1.1]) and never shorter
/// than `retry_after`; `None` once the schedule is spent.
pub fn next_attempt(
    schedule: &[Duration],
    retries: i32,
    retry_after: Option<Duration>,
    jitter: f64,
) -> Option<Duration> {
    let base = *schedule.get(usize::try_from(retries).ok()?)?;
    let jittered = base.mul_f64(jitter.clamp(0.9, 1.1));
    Some(retry_after.map_or(jittered, |asked| jittered.max(asked)))
}

/// A factor in [0.9, 1.1], so retries of many deliveries failed together spread out.
fn jitter() -> f64 {
    let mut byte = [0u8; 2];
    if getrandom::fill(&mut byte).is_err() {
        return 1.0;
    }
    0.9 + 0.2 * f64::from(u16::from_le_bytes(byte)) / f64::from(u16::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::STANDARD_RETRY_SCHEDULE;

    #[test]
    fn follows_the_schedule_with_jitter_and_retry_after() {
        let s = &STANDARD_RETRY_SCHEDULE;
        assert_eq!(next_attempt(s, 0, None, 1.0), Some(Duration::from_secs(5)));
        assert_eq!(
            next_attempt(s, 1, None, 1.1),
            Some(Duration::from_secs(330))
        );
        assert_eq!(
            next_attempt(s, 1, None, 0.9),
            Some(Duration::from_secs(270))
        );
        // Jitter is bounded whatever the factor.
        assert_eq!(
            next_attempt(s, 0, None, 5.0),
            Some(Duration::from_millis(5500))
        );
        assert_eq!(
            next_attempt(s, 0, Some(Duration::from_secs(60)), 1.0),
            Some(Duration::from_secs(60))
        );
        assert_eq!(
            next_attempt(s, 6, None, 1.0),
            Some(Duration::from_secs(36_000))
        );
        assert_eq!(next_attempt(s, 7, None, 1.0), None);
        assert_eq!(next_attempt(s, -1, None, 1.0), None);
        let j = jitter();
        assert!((0.9..=1.1).contains(&j));
    }
}
