//! The gateway's reading of the ATTENDANCE stream.
//!
//! Each replica reads the whole stream through an ordered consumer of its own: ephemeral,
//! no acks, recreated by the client on a gap. A shared durable consumer would split the
//! events between replicas, and a client connected to one replica would miss what another
//! received. On start the feed replays from the start of yesterday (site zone) to build the
//! [`StatusBoard`]; the gateway is ready once it has caught up. A session that resumes is
//! served from the latest deliveries the feed keeps when they reach back far enough, and
//! otherwise opens a [`Replay`]: a short-lived ordered consumer from its last sequence.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use async_nats::jetstream::consumer::DeliverPolicy;
use async_nats::jetstream::consumer::pull::{Ordered, OrderedConfig};
use chrono::Utc;
use faceattend_bus::{Bus, StreamSpec};
use futures::StreamExt;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use crate::GatewayError;
use crate::events::{Delivery, StreamEvent, Undecodable};
use crate::hub::Hub;
use crate::metrics::GatewayMetrics;
use crate::status::StatusBoard;

const SUBJECTS: &str = "attendance.v1.>";

/// How long a replay waits for the next stored message before giving up on the rest.
const REPLAY_PATIENCE: Duration = Duration::from_secs(5);

/// Where the feed is: shared with readiness and sessions.
#[derive(Default)]
pub struct FeedPosition {
    caught_up: AtomicBool,
    last_seq: AtomicU64,
}

impl FeedPosition {
    /// The start-up replay is done: `initial_status` answers are complete.
    pub fn is_caught_up(&self) -> bool {
        self.caught_up.load(Ordering::Acquire)
    }

    /// The sequence of the last event relayed.
    pub fn last_seq(&self) -> u64 {
        self.last_seq.load(Ordering::Acquire)
    }
}

#[derive(Clone)]
pub struct Feed {
    bus: Bus,
    hub: Arc<Hub>,
    board: Arc<StatusBoard>,
    metrics: GatewayMetrics,
    position: Arc<FeedPosition>,
    /// The latest deliveries, as rendered for the live clients: most resumes (a redeploy
    /// reconnects every client at once) are served from here instead of a JetStream consumer
    /// each. Filled from the start-up replay too.
    recent: Arc<RwLock<VecDeque<Arc<Delivery>>>>,
    recent_capacity: usize,
}

impl Feed {
    pub fn new(
        bus: Bus,
        hub: Arc<Hub>,
        board: Arc<StatusBoard>,
        metrics: GatewayMetrics,
        recent_capacity: usize,
    ) -> Self {
        Self {
            bus,
            hub,
            board,
            metrics,
            position: Arc::default(),
            recent: Arc::default(),
            recent_capacity,
        }
    }

    /// The deliveries after `after_seq` when the recent ones cover them all (nothing between
    /// `after_seq` and the oldest kept is missing); `None` sends the caller to JetStream.
    pub fn recent_after(&self, after_seq: u64) -> Option<Vec<Arc<Delivery>>> {
        let recent = self.recent.read().unwrap_or_else(|e| e.into_inner());
        let covered = match recent.front() {
            Some(oldest) => after_seq.saturating_add(1) >= oldest.seq,
            None => false,
        } || after_seq >= self.position.last_seq();
        covered.then(|| {
            let start = recent.partition_point(|d| d.seq <= after_seq);
            recent.range(start..).cloned().collect()
        })
    }

    pub fn position(&self) -> Arc<FeedPosition> {
        self.position.clone()
    }

    /// Follows the stream until `shutdown`; after an error it starts again where it was.
    pub async fn run(self, shutdown: CancellationToken) {
        loop {
            let outcome = tokio::select! {
                _ = shutdown.cancelled() => return,
                outcome = self.follow() => outcome,
            };
            if let Err(error) = outcome {
                tracing::warn!(%error, "ATTENDANCE feed interrupted; resuming in 1s");
            }
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            }
        }
    }

    async fn follow(&self) -> Result<(), GatewayError> {
        let last = self.position.last_seq();
        let deliver_policy = if last == 0 {
            let from = self.board.replay_from(Utc::now());
            let start_time = async_nats::datetime::parse_rfc3339(&from.to_rfc3339())
                .map_err(|e| GatewayError::Stream(e.to_string()))?;
            DeliverPolicy::ByStartTime { start_time }
        } else {
            DeliverPolicy::ByStartSequence {
                start_sequence: last + 1,
            }
        };
        let (mut messages, pending) = self.open(deliver_policy).await?;
        if pending == 0 {
            self.mark_caught_up();
        }
        while let Some(message) = messages.next().await {
            let message = message.map_err(|e| GatewayError::Stream(e.to_string()))?;
            let info = message
                .info()
                .map_err(|e| GatewayError::Stream(e.to_string()))?;
            let (seq, pending) = (info.stream_sequence, info.pending);
            let span = tracing::info_span!("attendance_event", seq, subject = %message.subject);
            if let Some(headers) = &message.headers {
                let _ = span.set_parent(faceattend_bus::extract_trace_context(headers));
            }
            async {
                match StreamEvent::decode(seq, message.subject.as_str(), &message.payload) {
                    Ok(event) => self.relay(&event),
                    Err(Undecodable(reason)) => {
                        self.metrics
                            .events
                            .with_label_values(&["undecodable"])
                            .inc();
                        tracing::warn!(%reason, "skipping an undecodable attendance event");
                    }
                }
            }
            .instrument(span)
            .await;
            self.position.last_seq.store(seq, Ordering::Release);
            if pending == 0 {
                self.mark_caught_up();
            }
        }
        Err(GatewayError::Stream("the consumer ended".to_owned()))
    }

    fn relay(&self, event: &StreamEvent) {
        let after = self.board.apply(event);
        let delivery = Arc::new(Delivery::render(event, &after, Utc::now()));
        if self.recent_capacity > 0 {
            let mut recent = self.recent.write().unwrap_or_else(|e| e.into_inner());
            if recent.len() >= self.recent_capacity {
                recent.pop_front();
            }
            recent.push_back(delivery.clone());
        }
        let clients = self.hub.publish(delivery);
        self.metrics.events.with_label_values(&["relayed"]).inc();
        tracing::debug!(clients, "attendance event relayed");
    }

    fn mark_caught_up(&self) {
        if !self.position.caught_up.swap(true, Ordering::AcqRel) {
            tracing::info!(
                last_seq = self.position.last_seq(),
                "ATTENDANCE feed caught up"
            );
        }
    }

    /// An ordered consumer of every attendance subject, and the messages it has pending.
    async fn open(&self, deliver_policy: DeliverPolicy) -> Result<(Ordered, u64), GatewayError> {
        let fail = |e: &dyn std::fmt::Display| GatewayError::Stream(e.to_string());
        let stream = self
            .bus
            .jetstream()
            .get_stream(self.bus.stream_name(StreamSpec::ATTENDANCE.base_name))
            .await
            .map_err(|e| fail(&e))?;
        let consumer = stream
            .create_consumer(OrderedConfig {
                filter_subject: self.bus.subject(SUBJECTS),
                deliver_policy,
                ..Default::default()
            })
            .await
            .map_err(|e| fail(&e))?;
        let pending = consumer.cached_info().num_pending;
        let messages = consumer.messages().await.map_err(|e| fail(&e))?;
        Ok((messages, pending))
    }

    /// The stored events after `after_seq`, up to the stream's end when asked, at most
    /// `limit` of them (the latest); see [`Replay`].
    pub async fn replay(&self, after_seq: u64, limit: u64) -> Result<Replay, GatewayError> {
        let fail = |e: &dyn std::fmt::Display| GatewayError::Stream(e.to_string());
        let stream = self
            .bus
            .jetstream()
            .get_stream(self.bus.stream_name(StreamSpec::ATTENDANCE.base_name))
            .await
            .map_err(|e| fail(&e))?;
        let state = stream.get_info().await.map_err(|e| fail(&e))?.state;
        let upto = state.last_sequence;
        let mut start = after_seq.saturating_add(1);
        let mut skipped = 0;
        if upto < start || state.messages == 0 {
            return Ok(Replay {
                messages: None,
                upto,
                skipped,
            });
        }
        if start < state.first_sequence {
            // Older than the stream keeps (30 days), or removed.
            skipped += state.first_sequence - start;
            start = state.first_sequence;
        }
        let wanted = upto - start + 1;
        if wanted > limit {
            skipped += wanted - limit;
            start = upto + 1 - limit;
        }
        let (messages, _) = self
            .open(DeliverPolicy::ByStartSequence {
                start_sequence: start,
            })
            .await?;
        Ok(Replay {
            messages: Some(messages),
            upto,
            skipped,
        })
    }
}

/// A resuming session's catch-up: the stored events from its last sequence to the end of
/// the stream as it was when the replay began (later events reach the session live).
pub struct Replay {
    messages: Option<Ordered>,
    /// The stream's last sequence when the replay began.
    pub upto: u64,
    /// Events missed that the replay cannot give (older than the stream keeps, or beyond
    /// the resume limit).
    pub skipped: u64,
}

impl Replay {
    /// The next stored event, `None` once at `upto` (or when the stream stops answering).
    pub async fn next(&mut self) -> Option<Result<StreamEvent, Undecodable>> {
        let messages = self.messages.as_mut()?;
        let message = match tokio::time::timeout(REPLAY_PATIENCE, messages.next()).await {
            Ok(Some(Ok(message))) => message,
            Ok(Some(Err(error))) => {
                tracing::warn!(%error, "replay interrupted");
                self.messages = None;
                return None;
            }
            Ok(None) | Err(_) => {
                self.messages = None;
                return None;
            }
        };
        let Ok(info) = message.info() else {
            self.messages = None;
            return None;
        };
        let seq = info.stream_sequence;
        if seq >= self.upto {
            self.messages = None;
        }
        if seq > self.upto {
            return None;
        }
        Some(StreamEvent::decode(
            seq,
            message.subject.as_str(),
            &message.payload,
        ))
    }
}
