//! The audit trail: every manual entry, approval, correction and rejection, with who did it,
//! when, and the value before and after. Append-only.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};
use uuid::Uuid;

use super::micros;
use crate::StoreError;
use crate::entities::audit_log;

/// One audited change. `before`/`after` are JSON documents of the entity; `None` when it did
/// not exist before, or no longer exists after.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    /// The token's subject.
    pub actor: String,
    /// e.g. "manual_check_in", "approve", "reject", "correct".
    pub action: String,
    /// The table or resource, e.g. "attendance", "review_item", "exception".
    pub entity: String,
    pub entity_id: String,
    pub at: DateTime<Utc>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

/// Appends `entry`. Call it in the transaction of the change it describes, so the change
/// and its record commit together.
pub async fn record<C: ConnectionTrait>(conn: &C, entry: &AuditEntry) -> Result<(), StoreError> {
    let row = audit_log::ActiveModel {
        id: Set(Uuid::now_v7()),
        actor: Set(entry.actor.clone()),
        action: Set(entry.action.clone()),
        entity: Set(entry.entity.clone()),
        entity_id: Set(entry.entity_id.clone()),
        at: Set(micros(entry.at)),
        before: Set(entry.before.as_ref().map(serde_json::Value::to_string)),
        after: Set(entry.after.as_ref().map(serde_json::Value::to_string)),
    };
    audit_log::Entity::insert(row)
        .exec_without_returning(conn)
        .await?;
    Ok(())
}
