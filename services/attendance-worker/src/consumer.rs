//! What both consumers share: pulling from a durable consumer with bounded concurrency until
//! shutdown, and settling each message (ack, nak with backoff, or dead letter).
//!
//! A message is acknowledged only after its effect committed; one that can never succeed
//! goes to `deadletter.v1.<its subject>` with the reason at once, one that keeps failing for
//! a transient reason after its last delivery. Nothing is dropped silently, and a poison
//! message never blocks the others.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::consumer::PullConsumer;
use async_nats::jetstream::{AckKind, Message};
use faceattend_bus::{Bus, OutgoingMessage, headers};
use futures::StreamExt;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

/// Header on dead letters: why the message was given up.
pub const DEAD_LETTER_REASON: &str = "Dead-Letter-Reason";
/// Header on dead letters: the subject the message was consumed from.
pub const DEAD_LETTER_SUBJECT: &str = "Dead-Letter-Subject";

/// What processing made of a message.
#[derive(Debug)]
pub enum Outcome {
    Done,
    /// Worth another delivery.
    Retry(String),
    /// Never going to work: dead-letter it.
    Reject(String),
}

/// What became of a message once settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settled {
    Acked,
    Retrying,
    DeadLettered,
    /// Not even the dead-letter stream took it: left to redelivery.
    Unsettled,
}

/// Acknowledges messages according to their outcome.
#[derive(Clone)]
pub struct Settler {
    pub bus: Bus,
    /// Deliveries before a transiently failing message is dead-lettered.
    pub max_deliver: i64,
    /// Wait before the first redelivery; doubles with each further one.
    pub backoff: Duration,
}

impl Settler {
    pub async fn settle(&self, message: &Message, outcome: Outcome) -> Settled {
        let deliveries = message.info().map(|i| i.delivered).unwrap_or(1);
        let (result, settled) = match outcome {
            Outcome::Done => (message.ack().await, Settled::Acked),
            Outcome::Retry(reason) if deliveries < self.max_deliver => {
                let delay = retry_delay(self.backoff, deliveries);
                tracing::warn!(%reason, ?delay, "message failed; it will be redelivered");
                (
                    message.ack_with(AckKind::Nak(Some(delay))).await,
                    Settled::Retrying,
                )
            }
            Outcome::Retry(reason) | Outcome::Reject(reason) => {
                match self.dead_letter(message, &reason).await {
                    Ok(()) => (message.ack_with(AckKind::Term).await, Settled::DeadLettered),
                    Err(error) => {
                        tracing::error!(%error, "cannot dead-letter a message");
                        (
                            message.ack_with(AckKind::Nak(Some(self.backoff))).await,
                            Settled::Unsettled,
                        )
                    }
                }
            }
        };
        if let Err(error) = result {
            tracing::warn!(%error, "cannot acknowledge a message; it will be redelivered");
        }
        settled
    }

    async fn dead_letter(&self, message: &Message, reason: &str) -> Result<(), String> {
        let info = message.info().map_err(|e| e.to_string())?;
        tracing::warn!(%reason, subject = %message.subject, "message dead-lettered");
        let relative = strip_namespace(&message.subject, &self.bus).unwrap_or(&message.subject);
        self.bus
            .publish(OutgoingMessage {
                subject: faceattend_bus::dead_letter_subject(relative),
                msg_id: format!("{}:{}", info.stream, info.stream_sequence),
                content_type: message
                    .headers
                    .as_ref()
                    .and_then(|h| h.get(headers::CONTENT_TYPE))
                    .map(|v| v.to_string())
                    .unwrap_or_default(),
                headers: vec![
                    (DEAD_LETTER_REASON.to_owned(), sanitize_header(reason)),
                    (DEAD_LETTER_SUBJECT.to_owned(), message.subject.to_string()),
                ],
                payload: message.payload.clone(),
            })
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

/// Handles one message, settling it itself.
pub type Handler = Arc<dyn Fn(Message) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

/// Pulls from `consumer` and runs `handler` on at most `concurrency` messages at once until
/// `shutdown`; then stops pulling and waits for the messages in hand, so their acks are not
/// lost to a redelivery. [`run_batches`] with batches of one.
pub async fn run(
    name: &'static str,
    consumer: PullConsumer,
    concurrency: usize,
    handler: Handler,
    shutdown: CancellationToken,
) {
    let one_by_one: BatchHandler = Arc::new(move |batch: Vec<Message>| {
        let handler = handler.clone();
        Box::pin(async move {
            for message in batch {
                handler(message).await;
            }
        })
    });
    run_batches(name, consumer, 1, concurrency, one_by_one, shutdown).await
}

/// Handles a batch of messages, settling each itself.
pub type BatchHandler =
    Arc<dyn Fn(Vec<Message>) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

/// Pulls from `consumer` until `shutdown` and hands `handler` every message already
/// delivered, up to `batch_size` at once, with at most `concurrency` batches in hand; then
/// stops pulling and waits for those, so their acks are not lost to a redelivery: under load a batch fills up and one transaction decides many detections; on a
/// quiet stream a batch is the one message that arrived, with no waiting to fill it.
pub async fn run_batches(
    name: &'static str,
    consumer: PullConsumer,
    batch_size: usize,
    concurrency: usize,
    handler: BatchHandler,
    shutdown: CancellationToken,
) {
    let concurrency = concurrency.max(1);
    let permits = Arc::new(Semaphore::new(concurrency));
    let mut attempt = 0u32;
    while !shutdown.is_cancelled() {
        let messages = match consumer.messages().await {
            Ok(messages) => messages,
            Err(error) => {
                attempt = attempt.saturating_add(1);
                tracing::warn!(%error, consumer = name, "cannot pull messages; retrying");
                tokio::select! {
                    _ = shutdown.cancelled() => break,
                    _ = tokio::time::sleep(Duration::from_millis(200 * 2u64.pow(attempt.min(5)))) => continue,
                }
            }
        };
        attempt = 0;
        let mut batches = messages.ready_chunks(batch_size.max(1));
        loop {
            let permit = tokio::select! {
                _ = shutdown.cancelled() => break,
                permit = permits.clone().acquire_owned() => match permit {
                    Ok(permit) => permit,
                    Err(_) => break,
                },
            };
            let batch = tokio::select! {
                _ = shutdown.cancelled() => break,
                batch = batches.next() => batch,
            };
            let Some(batch) = batch else { break };
            let mut ready = Vec::with_capacity(batch.len());
            for message in batch {
                match message {
                    Ok(message) => ready.push(message),
                    Err(error) => {
                        tracing::debug!(%error, consumer = name, "message stream hiccup");
                    }
                }
            }
            if ready.is_empty() {
                continue;
            }
            let work = handler(ready);
            tokio::spawn(async move {
                work.await;
                drop(permit);
            });
        }
    }
    let all = u32::try_from(concurrency).unwrap_or(u32::MAX);
    let _ = permits.acquire_many(all).await;
    tracing::info!(consumer = name, "consumer stopped");
}

/// The wait before the delivery after delivery number `delivered` (1-based): the base,
/// doubled for each retry already made (30 s, 60 s, … with the default base).
pub fn retry_delay(base: Duration, delivered: i64) -> Duration {
    let doublings = u32::try_from((delivered - 1).clamp(0, 10)).unwrap_or(0);
    base.saturating_mul(2u32.pow(doublings))
}

/// The subject relative to the bus namespace.
pub fn strip_namespace<'a>(subject: &'a str, bus: &Bus) -> Option<&'a str> {
    if bus.namespace().is_empty() {
        Some(subject)
    } else {
        subject.strip_prefix(&format!("{}.", bus.namespace()))
    }
}

/// Header values cannot carry line breaks.
fn sanitize_header(value: &str) -> String {
    value
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(512)
        .collect()
}
