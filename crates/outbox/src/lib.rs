//! A transactional outbox: the database change and the event about it commit together.
//!
//! A service writes its change and [`enqueue`]s the event *in the same transaction*; the
//! [`OutboxRelay`] task later publishes pending events to JetStream, in order, and deletes
//! each one once JetStream has acknowledged it. So:
//! - if NATS is down, writes still succeed and events wait in the table until it is back;
//! - if the process dies between the acknowledgement and the delete, the event is published
//!   again with the same `Nats-Msg-Id`, and JetStream's duplicate window drops the repeat;
//! - with several replicas on PostgreSQL, an advisory lock lets one relay at a time drain the
//!   table, which keeps events in commit order.

mod entity;
pub mod migration;
mod relay;

use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, Set};
use uuid::Uuid;

pub use relay::{OutboxRelay, RelayConfig};

/// An event waiting in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMessage {
    /// Becomes `Nats-Msg-Id`.
    pub id: Uuid,
    /// Relative to the bus namespace.
    pub subject: String,
    pub content_type: String,
    /// Extra headers to send, typically the trace context of the request that caused it.
    pub headers: Vec<(String, String)>,
    pub payload: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    #[error("outbox database error: {0}")]
    Database(#[from] DbErr),
    #[error(transparent)]
    Bus(#[from] faceattend_bus::BusError),
}

/// The transaction for a change and its outbox events (see [`faceattend_database::begin_write`]).
pub use faceattend_database::begin_write;

/// Adds a message to the outbox on `conn`, which should be the transaction of the change the
/// message describes.
pub async fn enqueue<C: ConnectionTrait>(conn: &C, message: OutboxMessage) -> Result<(), DbErr> {
    row(message)?.insert(conn).await?;
    Ok(())
}

/// Adds messages to the outbox in as few statements as the database allows, in order (the
/// relay publishes them in the order of their sequence numbers).
pub async fn enqueue_many<C: ConnectionTrait>(
    conn: &C,
    messages: Vec<OutboxMessage>,
) -> Result<(), DbErr> {
    // Nine values a row: a few hundred rows stay well inside every backend's limit on
    // statement parameters.
    const ROWS_PER_STATEMENT: usize = 500;
    let mut rows = Vec::with_capacity(messages.len());
    for message in messages {
        rows.push(row(message)?);
    }
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<entity::ActiveModel> = rows.by_ref().take(ROWS_PER_STATEMENT).collect();
        entity::Entity::insert_many(chunk)
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

fn row(message: OutboxMessage) -> Result<entity::ActiveModel, DbErr> {
    let headers = serde_json::to_value(&message.headers)
        .map_err(|e| DbErr::Custom(format!("outbox headers: {e}")))?;
    Ok(entity::ActiveModel {
        seq: sea_orm::NotSet,
        id: Set(message.id),
        subject: Set(message.subject),
        content_type: Set(message.content_type),
        headers: Set(headers),
        payload: Set(message.payload),
        created_at: Set(chrono::Utc::now()),
        attempts: Set(0),
        last_error: Set(None),
    })
}

/// How many events are waiting to be published.
pub async fn pending_count<C: ConnectionTrait>(conn: &C) -> Result<u64, DbErr> {
    entity::Entity::find().count(conn).await
}
