//! The kiosks, their pairing codes and their devices' tokens, in the console's database.
//!
//! As for operators, every audited change writes its audit entry in the same transaction.
//! A device token is stored only as its hash; a token that stops opening its kiosk (revoked,
//! deleted, or replaced by a new pairing) is remembered as ended, so its device is told it
//! was disconnected rather than that it never paired.

use chrono::{DateTime, Utc};
use faceattend_database::begin_write;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, SqlErr,
};
use uuid::Uuid;

use super::{Kiosk, KioskMode, KioskName};
use crate::db::entities::{kiosk, kiosk_ended_session, kiosk_pairing};
use crate::store::{Audit, ConsoleStore, StoreError};

impl TryFrom<kiosk::Model> for Kiosk {
    type Error = StoreError;

    fn try_from(row: kiosk::Model) -> Result<Self, StoreError> {
        Ok(Kiosk {
            mode: KioskMode::parse(&row.mode)
                .map_err(|_| StoreError::CorruptKioskMode(row.mode.clone()))?,
            id: row.id,
            name: row.name,
            camera_id: row.camera_id,
            created_at: row.created_at,
            created_by: row.created_by,
            paired_at: row.paired_at,
            last_seen_at: row.last_seen_at,
            revoked_at: row.revoked_at,
            has_device: row.session_hash.is_some(),
        })
    }
}

/// A new kiosk, validated.
#[derive(Debug)]
pub struct NewKiosk {
    pub name: KioskName,
    /// Checked with [`faceattend_domain::camera::parse_camera_id`].
    pub camera_id: String,
    pub mode: KioskMode,
    pub created_by: Uuid,
}

/// A change of a kiosk; `None` leaves a field as it is.
#[derive(Debug, Default)]
pub struct KioskChange {
    pub name: Option<KioskName>,
    pub mode: Option<KioskMode>,
}

/// What a device's token opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceSession {
    /// The kiosk it is paired with.
    Paired(Kiosk),
    /// It was paired once; its kiosk was revoked, deleted or paired with another device.
    Ended,
    /// Nothing: never paired here.
    Unknown,
}

impl ConsoleStore {
    pub async fn create_kiosk(
        &self,
        new: NewKiosk,
        audit: Audit,
        now: DateTime<Utc>,
    ) -> Result<Kiosk, StoreError> {
        let txn = begin_write(&self.db).await?;
        let row = kiosk::ActiveModel {
            id: Set(Uuid::now_v7()),
            name: Set(new.name.as_str().to_owned()),
            camera_id: Set(new.camera_id.clone()),
            mode: Set(new.mode.as_str().to_owned()),
            created_at: Set(now),
            created_by: Set(new.created_by),
            paired_at: Set(None),
            last_seen_at: Set(None),
            revoked_at: Set(None),
            session_hash: Set(None),
        };
        let inserted = match row.insert(&txn).await {
            Ok(inserted) => inserted,
            Err(error) if matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                return Err(StoreError::KioskExists);
            }
            Err(error) => return Err(error.into()),
        };
        audit
            .detail(describe(&inserted.name, &inserted.camera_id))
            .write(&txn, now)
            .await?;
        txn.commit().await?;
        inserted.try_into()
    }

    /// Every kiosk, in order of creation.
    pub async fn kiosks(&self) -> Result<Vec<Kiosk>, StoreError> {
        kiosk::Entity::find()
            .order_by_asc(kiosk::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(Kiosk::try_from)
            .collect()
    }

    pub async fn kiosk(&self, id: Uuid) -> Result<Kiosk, StoreError> {
        kiosk::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .ok_or(StoreError::KioskNotFound)?
            .try_into()
    }

    pub async fn update_kiosk(
        &self,
        id: Uuid,
        change: KioskChange,
        audit: Audit,
        now: DateTime<Utc>,
    ) -> Result<Kiosk, StoreError> {
        let txn = begin_write(&self.db).await?;
        let current = find_locked(&txn, id).await?;
        let mut what = Vec::new();
        if let Some(name) = &change.name
            && name.as_str() != current.name
        {
            what.push(format!("name {:?} → {:?}", current.name, name.as_str()));
        }
        if let Some(mode) = change.mode
            && mode.as_str() != current.mode
        {
            what.push(format!("mode {} → {}", current.mode, mode.as_str()));
        }
        let mut row: kiosk::ActiveModel = current.clone().into();
        if let Some(name) = change.name {
            row.name = Set(name.as_str().to_owned());
        }
        if let Some(mode) = change.mode {
            row.mode = Set(mode.as_str().to_owned());
        }
        let updated = row.update(&txn).await?;
        let mut detail = describe(&updated.name, &updated.camera_id);
        if !what.is_empty() {
            detail.push_str(": ");
            detail.push_str(&what.join(", "));
        }
        audit.detail(detail).write(&txn, now).await?;
        txn.commit().await?;
        updated.try_into()
    }

    /// Removes a kiosk, its pairing codes and its device's access.
    pub async fn delete_kiosk(
        &self,
        id: Uuid,
        audit: Audit,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let txn = begin_write(&self.db).await?;
        let current = find_locked(&txn, id).await?;
        end_session(&txn, &current, now).await?;
        kiosk_pairing::Entity::delete_many()
            .filter(kiosk_pairing::Column::KioskId.eq(id))
            .exec(&txn)
            .await?;
        kiosk::Entity::delete_by_id(id).exec(&txn).await?;
        audit
            .detail(describe(&current.name, &current.camera_id))
            .write(&txn, now)
            .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Stores a new pairing code of a kiosk (by its hash); the kiosk's earlier unused codes
    /// stop working.
    pub async fn create_pairing(
        &self,
        id: Uuid,
        code_hash: String,
        expires_at: DateTime<Utc>,
        audit: Audit,
        now: DateTime<Utc>,
    ) -> Result<Kiosk, StoreError> {
        let txn = begin_write(&self.db).await?;
        let current = find_locked(&txn, id).await?;
        kiosk_pairing::Entity::delete_many()
            .filter(kiosk_pairing::Column::KioskId.eq(id))
            .filter(kiosk_pairing::Column::UsedAt.is_null())
            .exec(&txn)
            .await?;
        kiosk_pairing::ActiveModel {
            code_hash: Set(code_hash),
            kiosk_id: Set(id),
            created_at: Set(now),
            expires_at: Set(expires_at),
            used_at: Set(None),
        }
        .insert(&txn)
        .await?;
        audit
            .detail(format!(
                "{}: a code valid until {}",
                describe(&current.name, &current.camera_id),
                expires_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ))
            .write(&txn, now)
            .await?;
        txn.commit().await?;
        current.try_into()
    }

    /// Uses a pairing code: when it is known, unused and unexpired, the kiosk is paired with
    /// the device holding `session_hash` (replacing any earlier device, and lifting a
    /// revocation) and the code is spent. `None` for any other code.
    pub async fn redeem_pairing(
        &self,
        code_hash: &str,
        session_hash: String,
        audit: Audit,
        now: DateTime<Utc>,
    ) -> Result<Option<Kiosk>, StoreError> {
        let txn = begin_write(&self.db).await?;
        let Some(pairing) = kiosk_pairing::Entity::find_by_id(code_hash.to_owned())
            .lock_exclusive()
            .one(&txn)
            .await?
        else {
            return Ok(None);
        };
        if pairing.used_at.is_some() || pairing.expires_at <= now {
            return Ok(None);
        }
        let Some(current) = kiosk::Entity::find_by_id(pairing.kiosk_id)
            .lock_exclusive()
            .one(&txn)
            .await?
        else {
            return Ok(None);
        };
        end_session(&txn, &current, now).await?;
        let mut spent: kiosk_pairing::ActiveModel = pairing.into();
        spent.used_at = Set(Some(now));
        spent.update(&txn).await?;
        let mut row: kiosk::ActiveModel = current.into();
        row.session_hash = Set(Some(session_hash));
        row.paired_at = Set(Some(now));
        row.last_seen_at = Set(Some(now));
        row.revoked_at = Set(None);
        let paired = row.update(&txn).await?;
        audit
            .detail(describe(&paired.name, &paired.camera_id))
            .write(&txn, now)
            .await?;
        txn.commit().await?;
        Ok(Some(paired.try_into()?))
    }

    /// Revokes a kiosk: its device's next request is refused, until a new code is used.
    pub async fn revoke_kiosk(
        &self,
        id: Uuid,
        audit: Audit,
        now: DateTime<Utc>,
    ) -> Result<Kiosk, StoreError> {
        let txn = begin_write(&self.db).await?;
        let current = find_locked(&txn, id).await?;
        end_session(&txn, &current, now).await?;
        let detail = describe(&current.name, &current.camera_id);
        let mut row: kiosk::ActiveModel = current.into();
        row.session_hash = Set(None);
        row.revoked_at = Set(Some(now));
        let revoked = row.update(&txn).await?;
        audit.detail(detail).write(&txn, now).await?;
        txn.commit().await?;
        revoked.try_into()
    }

    /// What the device holding the token of hash `session_hash` may use.
    pub async fn device_session(&self, session_hash: &str) -> Result<DeviceSession, StoreError> {
        if let Some(row) = kiosk::Entity::find()
            .filter(kiosk::Column::SessionHash.eq(session_hash))
            .one(&self.db)
            .await?
        {
            return Ok(DeviceSession::Paired(row.try_into()?));
        }
        let ended = kiosk_ended_session::Entity::find_by_id(session_hash.to_owned())
            .one(&self.db)
            .await?;
        Ok(if ended.is_some() {
            DeviceSession::Ended
        } else {
            DeviceSession::Unknown
        })
    }

    /// Records that a kiosk's device was seen.
    pub async fn touch_kiosk(&self, id: Uuid, now: DateTime<Utc>) -> Result<(), StoreError> {
        kiosk::Entity::update_many()
            .col_expr(kiosk::Column::LastSeenAt, Expr::value(Some(now)))
            .filter(kiosk::Column::Id.eq(id))
            .exec(&self.db)
            .await?;
        Ok(())
    }
}

/// How audit entries name a kiosk.
fn describe(name: &str, camera_id: &str) -> String {
    format!("kiosk {name:?} (camera {camera_id})")
}

async fn find_locked<C: ConnectionTrait>(conn: &C, id: Uuid) -> Result<kiosk::Model, StoreError> {
    kiosk::Entity::find_by_id(id)
        .lock_exclusive()
        .one(conn)
        .await?
        .ok_or(StoreError::KioskNotFound)
}

/// Remembers the kiosk's current device token, if any, as ended.
async fn end_session<C: ConnectionTrait>(
    conn: &C,
    kiosk: &kiosk::Model,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let Some(hash) = &kiosk.session_hash else {
        return Ok(());
    };
    kiosk_ended_session::Entity::insert(kiosk_ended_session::ActiveModel {
        session_hash: Set(hash.clone()),
        kiosk_id: Set(kiosk.id),
        ended_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(kiosk_ended_session::Column::SessionHash)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    Ok(())
}
