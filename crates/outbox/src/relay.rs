//! The task that drains the outbox into JetStream.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use faceattend_bus::{Bus, KvSpec, OutgoingMessage, StreamSpec};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Statement, TransactionTrait,
};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::{OutboxError, entity};

/// Chosen once; any constant works as long as nothing else in the database uses it.
const RELAY_LOCK_KEY: i64 = 0x6661_6365_6f75_7462; // "faceoutb"

#[derive(Debug, Clone)]
pub struct RelayConfig {
    /// Events published per transaction.
    pub batch_size: u64,
    /// How often to look for events committed by other replicas; events from this process
    /// are relayed at once through [`OutboxRelay::notifier`].
    pub poll_interval: Duration,
    /// Upper bound of the wait between retries while NATS is unreachable.
    pub max_backoff: Duration,
}

impl Default for RelayConfig {
    fn default() -> Self {
        Self {
            batch_size: 256,
            poll_interval: Duration::from_secs(1),
            max_backoff: Duration::from_secs(5),
        }
    }
}

/// Publishes outbox events to JetStream until shut down.
pub struct OutboxRelay {
    db: DatabaseConnection,
    bus: Bus,
    streams: Vec<StreamSpec>,
    buckets: Vec<KvSpec>,
    config: RelayConfig,
    wake: Arc<Notify>,
}

impl OutboxRelay {
    /// `streams` are created (or updated) before the first publish and again after a failure,
    /// so the relay also repairs a stream someone deleted.
    pub fn new(
        db: DatabaseConnection,
        bus: Bus,
        streams: Vec<StreamSpec>,
        config: RelayConfig,
    ) -> Self {
        Self {
            db,
            bus,
            streams,
            buckets: Vec::new(),
            config,
            wake: Arc::new(Notify::new()),
        }
    }

    /// Key-value buckets the outbox writes to (events on `$KV.<bucket>.<key>`), created like
    /// the streams.
    pub fn with_buckets(mut self, buckets: Vec<KvSpec>) -> Self {
        self.buckets = buckets;
        self
    }

    /// Call `notify_one()` on this after committing a transaction that enqueued events.
    pub fn notifier(&self) -> Arc<Notify> {
        self.wake.clone()
    }

    /// Runs until `shutdown` is cancelled. A batch in flight is finished first: its events
    /// are either deleted after their acknowledgement or left for the next run.
    pub async fn run(self, shutdown: CancellationToken) {
        let mut streams_ready = false;
        let mut backoff = Duration::from_millis(100);
        loop {
            if shutdown.is_cancelled() {
                break;
            }
            let outcome = async {
                if !streams_ready {
                    for spec in &self.streams {
                        self.bus.ensure_stream(spec).await?;
                    }
                    for spec in &self.buckets {
                        self.bus.key_value(spec).await?;
                    }
                    streams_ready = true;
                }
                self.relay_batch().await
            }
            .await;
            let wait = match outcome {
                Ok(relayed) => {
                    backoff = Duration::from_millis(100);
                    if relayed as u64 >= self.config.batch_size {
                        continue;
                    }
                    self.config.poll_interval
                }
                Err(error) => {
                    streams_ready = false;
                    tracing::warn!(%error, retry_in = ?backoff, "outbox relay could not publish; will retry");
                    let wait = backoff;
                    backoff = (backoff * 2).min(self.config.max_backoff);
                    wait
                }
            };
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(wait) => {}
            }
        }
        tracing::info!("outbox relay stopped");
    }

    /// Publishes one batch in order and deletes what JetStream acknowledged. Returns how many
    /// events were relayed.
    ///
    /// On PostgreSQL the batch is read and deleted in one transaction holding an advisory
    /// lock, so replicas take turns. SQLite has one writer for the whole file: holding a
    /// transaction while waiting for NATS would stall every API write, so there the batch is
    /// read without one and the acknowledged events are deleted in a short write transaction.
    pub async fn relay_batch(&self) -> Result<usize, OutboxError> {
        if self.db.get_database_backend() == DatabaseBackend::Postgres {
            let txn = self.db.begin().await?;
            let locked = txn
                .query_one_raw(Statement::from_sql_and_values(
                    DatabaseBackend::Postgres,
                    "SELECT pg_try_advisory_xact_lock($1) AS locked",
                    [RELAY_LOCK_KEY.into()],
                ))
                .await?
                .map(|row| row.try_get::<bool>("", "locked"))
                .transpose()?
                .unwrap_or(false);
            if !locked {
                // Another replica is relaying; it will take these events too.
                return Ok(0);
            }
            let batch = self.next_batch(&txn).await?;
            let (acknowledged, failure) = self.publish(&batch).await;
            record_outcome(&txn, &batch, &acknowledged, failure.as_ref()).await?;
            txn.commit().await?;
            failure.map_or(Ok(acknowledged.len()), Err)
        } else {
            let batch = self.next_batch(&self.db).await?;
            if batch.is_empty() {
                return Ok(0);
            }
            let (acknowledged, failure) = self.publish(&batch).await;
            let txn = crate::begin_write(&self.db).await?;
            record_outcome(&txn, &batch, &acknowledged, failure.as_ref()).await?;
            txn.commit().await?;
            failure.map_or(Ok(acknowledged.len()), Err)
        }
    }

    async fn next_batch<C: ConnectionTrait>(&self, conn: &C) -> Result<Vec<entity::Model>, DbErr> {
        entity::Entity::find()
            .order_by_asc(entity::Column::Seq)
            .limit(self.config.batch_size)
            .all(conn)
            .await
    }

    /// Sends the whole batch, then awaits the acknowledgements in order: one round trip for
    /// the batch instead of one per event. Returns the acknowledged sequence numbers, a
    /// prefix of the batch, and the failure that ended it early, if any.
    async fn publish(&self, batch: &[entity::Model]) -> (Vec<i64>, Option<OutboxError>) {
        let mut pending = Vec::with_capacity(batch.len());
        let mut failure = None;
        for event in batch {
            let headers: Vec<(String, String)> =
                serde_json::from_value(event.headers.clone()).unwrap_or_default();
            let message = OutgoingMessage {
                subject: event.subject.clone(),
                msg_id: event.id.to_string(),
                content_type: event.content_type.clone(),
                headers,
                payload: Bytes::from(event.payload.clone()),
            };
            match self.bus.publish_async(message).await {
                Ok(ack) => pending.push((event.seq, ack)),
                Err(error) => {
                    failure = Some(OutboxError::from(error));
                    break;
                }
            }
        }
        let mut acknowledged = Vec::with_capacity(pending.len());
        for (seq, ack) in pending {
            match ack.await {
                Ok(_) => acknowledged.push(seq),
                Err(error) => {
                    failure.get_or_insert(OutboxError::Bus(faceattend_bus::BusError::Publish {
                        subject: String::from("outbox"),
                        reason: error.to_string(),
                    }));
                    // Later ones may have been stored, but deleting them before this one would
                    // break the order; they are republished and deduplicated.
                    break;
                }
            }
        }
        (acknowledged, failure)
    }
}

/// Deletes the acknowledged events and notes the failure on the first one left.
async fn record_outcome<C: ConnectionTrait>(
    conn: &C,
    batch: &[entity::Model],
    acknowledged: &[i64],
    failure: Option<&OutboxError>,
) -> Result<(), DbErr> {
    if !acknowledged.is_empty() {
        entity::Entity::delete_many()
            .filter(entity::Column::Seq.is_in(acknowledged.iter().copied()))
            .exec(conn)
            .await?;
    }
    if let Some(error) = failure
        && let Some(first_failed) = batch.iter().find(|e| !acknowledged.contains(&e.seq))
    {
        entity::Entity::update_many()
            .col_expr(
                entity::Column::Attempts,
                Expr::col(entity::Column::Attempts).add(1),
            )
            .col_expr(entity::Column::LastError, Expr::value(error.to_string()))
            .filter(entity::Column::Seq.eq(first_failed.seq))
            .exec(conn)
            .await?;
    }
    Ok(())
}
