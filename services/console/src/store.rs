//! The console's data: operators, sessions, sign-in failure counters and the audit log (the
//! kiosks' are in [`crate::kiosk::store`]).
//!
//! Every change that must be audited writes its audit entry in the same transaction, so the
//! trail cannot miss a change that happened (nor record one that did not).

use chrono::{DateTime, Utc};
use faceattend_database::begin_write;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, SqlErr,
};
use uuid::Uuid;

use crate::db::entities::{audit_entry, operator, operator_session, sign_in_failure};
use crate::operators::{DisplayName, OperatorEmail, Role};
use crate::throttle::FailureCount;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("an operator with this email exists already")]
    EmailTaken,
    #[error("no such operator")]
    OperatorNotFound,
    #[error("the stored role {0:?} is not a role")]
    CorruptRole(String),
    #[error("a kiosk reports as this camera already")]
    KioskExists,
    #[error("no such kiosk")]
    KioskNotFound,
    #[error("the stored kiosk mode {0:?} is not a mode")]
    CorruptKioskMode(String),
    #[error(transparent)]
    Database(#[from] DbErr),
}

/// An operator as the console works with it (never with the password hash outside `store`
/// and the sign-in that verifies it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operator {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    pub last_sign_in_at: Option<DateTime<Utc>>,
}

impl TryFrom<operator::Model> for Operator {
    type Error = StoreError;

    fn try_from(row: operator::Model) -> Result<Self, StoreError> {
        Ok(Operator {
            role: Role::parse(&row.role).map_err(|_| StoreError::CorruptRole(row.role.clone()))?,
            id: row.id,
            email: row.email,
            display_name: row.display_name,
            disabled: row.disabled,
            created_at: row.created_at,
            last_sign_in_at: row.last_sign_in_at,
        })
    }
}

/// A session, with the operator it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub id_hash: String,
    pub operator: Operator,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
}

/// What happened, for the audit log. The names are stable: reports and alerts match on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditEvent {
    SignIn,
    SignInFailed,
    SignInThrottled,
    AccountLocked,
    SignOut,
    PasswordChanged,
    PasswordReset,
    SessionsRevoked,
    OperatorCreated,
    OperatorUpdated,
    KioskCreated,
    KioskUpdated,
    KioskDeleted,
    KioskPairingCreated,
    KioskPaired,
    KioskRevoked,
}

impl AuditEvent {
    pub const ALL: [AuditEvent; 16] = [
        AuditEvent::SignIn,
        AuditEvent::SignInFailed,
        AuditEvent::SignInThrottled,
        AuditEvent::AccountLocked,
        AuditEvent::SignOut,
        AuditEvent::PasswordChanged,
        AuditEvent::PasswordReset,
        AuditEvent::SessionsRevoked,
        AuditEvent::OperatorCreated,
        AuditEvent::OperatorUpdated,
        AuditEvent::KioskCreated,
        AuditEvent::KioskUpdated,
        AuditEvent::KioskDeleted,
        AuditEvent::KioskPairingCreated,
        AuditEvent::KioskPaired,
        AuditEvent::KioskRevoked,
    ];

    /// The event of its stable name.
    pub fn parse(name: &str) -> Option<AuditEvent> {
        Self::ALL.into_iter().find(|event| event.as_str() == name)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AuditEvent::SignIn => "sign_in",
            AuditEvent::SignInFailed => "sign_in_failed",
            AuditEvent::SignInThrottled => "sign_in_throttled",
            AuditEvent::AccountLocked => "account_locked",
            AuditEvent::SignOut => "sign_out",
            AuditEvent::PasswordChanged => "password_changed",
            AuditEvent::PasswordReset => "password_reset",
            AuditEvent::SessionsRevoked => "sessions_revoked",
            AuditEvent::OperatorCreated => "operator_created",
            AuditEvent::OperatorUpdated => "operator_updated",
            AuditEvent::KioskCreated => "kiosk_created",
            AuditEvent::KioskUpdated => "kiosk_updated",
            AuditEvent::KioskDeleted => "kiosk_deleted",
            AuditEvent::KioskPairingCreated => "kiosk_pairing_created",
            AuditEvent::KioskPaired => "kiosk_paired",
            AuditEvent::KioskRevoked => "kiosk_revoked",
        }
    }
}

/// Which audit entries to list: each field narrows, none means all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Entries about this operator.
    pub operator_id: Option<Uuid>,
    /// Entries of any of these events (empty: every event).
    pub events: Vec<AuditEvent>,
    /// From this instant on.
    pub from: Option<DateTime<Utc>>,
    /// Before this instant.
    pub to: Option<DateTime<Utc>>,
}

/// One entry of the audit log, as it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audit {
    pub event: AuditEvent,
    /// The operator the event is about (the one signing in, changed, revoked).
    pub operator_id: Option<Uuid>,
    /// The email as given, for events about an account that may not exist.
    pub email: Option<String>,
    pub client_address: Option<String>,
    /// Who did it, when another operator did (an admin), and what changed.
    pub detail: Option<String>,
}

impl Audit {
    pub fn new(event: AuditEvent) -> Self {
        Self {
            event,
            operator_id: None,
            email: None,
            client_address: None,
            detail: None,
        }
    }

    pub fn operator(mut self, id: Uuid) -> Self {
        self.operator_id = Some(id);
        self
    }

    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.email = Some(email.into());
        self
    }

    pub fn client(mut self, address: Option<String>) -> Self {
        self.client_address = address;
        self
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// Writes the entry, and the same facts to the log.
    pub(crate) async fn write<C: ConnectionTrait>(
        self,
        conn: &C,
        now: DateTime<Utc>,
    ) -> Result<(), DbErr> {
        tracing::info!(
            audit = self.event.as_str(),
            operator_id = self.operator_id.map(|id| id.to_string()),
            email = self.email.as_deref(),
            client = self.client_address.as_deref(),
            detail = self.detail.as_deref(),
            "console audit"
        );
        audit_entry::ActiveModel {
            id: Set(Uuid::now_v7()),
            occurred_at: Set(now),
            event: Set(self.event.as_str().to_owned()),
            operator_id: Set(self.operator_id),
            email: Set(self.email.map(|e| truncate(&e, 254))),
            client_address: Set(self.client_address.map(|a| truncate(&a, 64))),
            detail: Set(self.detail),
        }
        .insert(conn)
        .await?;
        Ok(())
    }
}

/// An audit entry as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub id: Uuid,
    pub occurred_at: DateTime<Utc>,
    pub event: String,
    pub operator_id: Option<Uuid>,
    pub email: Option<String>,
    pub client_address: Option<String>,
    pub detail: Option<String>,
}

fn truncate(value: &str, chars: usize) -> String {
    value.chars().take(chars).collect()
}

/// A new operator, validated.
#[derive(Debug)]
pub struct NewOperator {
    pub email: OperatorEmail,
    pub display_name: DisplayName,
    pub role: Role,
    /// Already hashed.
    pub password_hash: String,
}

/// A session a sign-in opens.
#[derive(Debug)]
pub struct NewSession {
    pub operator_id: Uuid,
    /// The hash of the token the browser gets ([`crate::session::SessionToken::hash`]).
    pub id_hash: String,
    /// The account's failure counter, cleared by the success.
    pub account_key: String,
    pub client_address: Option<String>,
    pub user_agent: Option<String>,
}

/// A change of an operator by an admin; `None` leaves a field as it is.
#[derive(Debug, Default)]
pub struct OperatorChange {
    pub display_name: Option<DisplayName>,
    pub role: Option<Role>,
    pub disabled: Option<bool>,
}

#[derive(Clone)]
pub struct ConsoleStore {
    pub(crate) db: DatabaseConnection,
}

impl ConsoleStore {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// Connects to the console's database (`postgres://…` or `sqlite://…`) and, when
    /// `migrate`, brings its schema up to date.
    pub async fn open(url: &str, max_connections: u32, migrate: bool) -> Result<Self, DbErr> {
        let db = crate::db::connect(url, max_connections).await?;
        if migrate {
            crate::db::migrate(&db).await?;
        }
        Ok(Self { db })
    }

    pub async fn operator_count(&self) -> Result<u64, StoreError> {
        Ok(operator::Entity::find().count(&self.db).await?)
    }

    pub async fn create_operator(
        &self,
        new: NewOperator,
        audit: Audit,
        now: DateTime<Utc>,
    ) -> Result<Operator, StoreError> {
        let txn = begin_write(&self.db).await?;
        let id = Uuid::now_v7();
        let row = operator::ActiveModel {
            id: Set(id),
            email: Set(new.email.as_str().to_owned()),
            display_name: Set(new.display_name.as_str().to_owned()),
            role: Set(new.role.as_str().to_owned()),
            password_hash: Set(new.password_hash),
            disabled: Set(false),
            created_at: Set(now),
            updated_at: Set(now),
            password_changed_at: Set(now),
            last_sign_in_at: Set(None),
        };
        let inserted = match row.insert(&txn).await {
            Ok(inserted) => inserted,
            Err(error) if matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                return Err(StoreError::EmailTaken);
            }
            Err(error) => return Err(error.into()),
        };
        audit
            .operator(id)
            .email(new.email.as_str())
            .write(&txn, now)
            .await?;
        txn.commit().await?;
        inserted.try_into()
    }

    pub async fn operator(&self, id: Uuid) -> Result<Operator, StoreError> {
        operator::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .ok_or(StoreError::OperatorNotFound)?
            .try_into()
    }

    /// The operator with this email and its password hash, for sign-in.
    pub async fn operator_for_sign_in(
        &self,
        email: &OperatorEmail,
    ) -> Result<Option<(Operator, String)>, StoreError> {
        let Some(row) = operator::Entity::find()
            .filter(operator::Column::Email.eq(email.as_str()))
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        let hash = row.password_hash.clone();
        Ok(Some((row.try_into()?, hash)))
    }

    pub async fn password_hash(&self, id: Uuid) -> Result<String, StoreError> {
        Ok(operator::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .ok_or(StoreError::OperatorNotFound)?
            .password_hash)
    }

    /// Every operator, in order of creation.
    pub async fn operators(&self) -> Result<Vec<Operator>, StoreError> {
        operator::Entity::find()
            .order_by_asc(operator::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(Operator::try_from)
            .collect()
    }

    /// Applies an admin's change. Disabling an operator, or changing their role, ends their
    /// sessions: what they may do must change now, not at their next sign-in.
    pub async fn update_operator(
        &self,
        id: Uuid,
        change: OperatorChange,
        audit: Audit,
        now: DateTime<Utc>,
    ) -> Result<Operator, StoreError> {
        let txn = begin_write(&self.db).await?;
        let current = operator::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or(StoreError::OperatorNotFound)?;
        let role_changed = change
            .role
            .is_some_and(|role| role.as_str() != current.role);
        let disabled_now = change.disabled == Some(true) && !current.disabled;
        let mut row: operator::ActiveModel = current.into();
        if let Some(name) = change.display_name {
            row.display_name = Set(name.as_str().to_owned());
        }
        if let Some(role) = change.role {
            row.role = Set(role.as_str().to_owned());
        }
        if let Some(disabled) = change.disabled {
            row.disabled = Set(disabled);
        }
        row.updated_at = Set(now);
        let updated = row.update(&txn).await?;
        if role_changed || disabled_now {
            delete_sessions(&txn, id, None).await?;
        }
        audit.operator(id).write(&txn, now).await?;
        txn.commit().await?;
        updated.try_into()
    }

    /// Sets a new password hash and ends every session of the operator but `keep` (the one
    /// that changed it, if any).
    pub async fn set_password(
        &self,
        id: Uuid,
        password_hash: String,
        keep: Option<&str>,
        audit: Audit,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let txn = begin_write(&self.db).await?;
        let current = operator::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or(StoreError::OperatorNotFound)?;
        let mut row: operator::ActiveModel = current.into();
        row.password_hash = Set(password_hash);
        row.password_changed_at = Set(now);
        row.updated_at = Set(now);
        row.update(&txn).await?;
        delete_sessions(&txn, id, keep).await?;
        audit.operator(id).write(&txn, now).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Replaces a hash made with weaker parameters, after a sign-in proved the password.
    pub async fn upgrade_password_hash(&self, id: Uuid, hash: String) -> Result<(), StoreError> {
        operator::Entity::update_many()
            .col_expr(
                operator::Column::PasswordHash,
                sea_orm::sea_query::Expr::value(hash),
            )
            .filter(operator::Column::Id.eq(id))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Opens a session for a successful sign-in: clears the account's failures, records the
    /// sign-in time, writes the audit entry.
    pub async fn open_session(
        &self,
        session: NewSession,
        audit: Audit,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let NewSession {
            operator_id,
            id_hash,
            account_key,
            client_address,
            user_agent,
        } = session;
        let txn = begin_write(&self.db).await?;
        operator_session::ActiveModel {
            id_hash: Set(id_hash),
            operator_id: Set(operator_id),
            created_at: Set(now),
            last_seen_at: Set(now),
            client_address: Set(client_address.map(|a| truncate(&a, 64))),
            user_agent: Set(user_agent.map(|a| truncate(&a, 256))),
        }
        .insert(&txn)
        .await?;
        operator::Entity::update_many()
            .col_expr(
                operator::Column::LastSignInAt,
                sea_orm::sea_query::Expr::value(Some(now)),
            )
            .filter(operator::Column::Id.eq(operator_id))
            .exec(&txn)
            .await?;
        sign_in_failure::Entity::delete_by_id(account_key)
            .exec(&txn)
            .await?;
        audit.operator(operator_id).write(&txn, now).await?;
        txn.commit().await?;
        Ok(())
    }

    /// The session with this id hash and its operator, if it exists.
    pub async fn session(&self, id_hash: &str) -> Result<Option<SessionRecord>, StoreError> {
        let Some(session) = operator_session::Entity::find_by_id(id_hash.to_owned())
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        let Some(row) = operator::Entity::find_by_id(session.operator_id)
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        Ok(Some(SessionRecord {
            id_hash: session.id_hash,
            operator: row.try_into()?,
            created_at: session.created_at,
            last_seen_at: session.last_seen_at,
        }))
    }

    /// Records that a session was used.
    pub async fn touch_session(&self, id_hash: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
        operator_session::Entity::update_many()
            .col_expr(
                operator_session::Column::LastSeenAt,
                sea_orm::sea_query::Expr::value(now),
            )
            .filter(operator_session::Column::IdHash.eq(id_hash))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Ends one session (sign-out, or found expired); the audit entry only when given.
    pub async fn close_session(
        &self,
        id_hash: &str,
        audit: Option<Audit>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let txn = begin_write(&self.db).await?;
        operator_session::Entity::delete_by_id(id_hash.to_owned())
            .exec(&txn)
            .await?;
        if let Some(audit) = audit {
            audit.write(&txn, now).await?;
        }
        txn.commit().await?;
        Ok(())
    }

    /// Ends every session of an operator; returns how many there were.
    pub async fn revoke_sessions(
        &self,
        operator_id: Uuid,
        keep: Option<&str>,
        audit: Audit,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let txn = begin_write(&self.db).await?;
        operator::Entity::find_by_id(operator_id)
            .one(&txn)
            .await?
            .ok_or(StoreError::OperatorNotFound)?;
        let ended = delete_sessions(&txn, operator_id, keep).await?;
        audit
            .operator(operator_id)
            .detail(format!("{ended} sessions ended"))
            .write(&txn, now)
            .await?;
        txn.commit().await?;
        Ok(ended)
    }

    /// How many sessions an operator has open.
    pub async fn session_count(&self, operator_id: Uuid) -> Result<u64, StoreError> {
        Ok(operator_session::Entity::find()
            .filter(operator_session::Column::OperatorId.eq(operator_id))
            .count(&self.db)
            .await?)
    }

    /// The stored failures of these keys.
    pub async fn failures(&self, keys: &[&str]) -> Result<Vec<(String, FailureCount)>, StoreError> {
        let rows = sign_in_failure::Entity::find()
            .filter(sign_in_failure::Column::Key.is_in(keys.iter().copied()))
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .map(|row| {
                (
                    row.key,
                    FailureCount {
                        failures: u32::try_from(row.failures).unwrap_or(0),
                        last_failure_at: row.last_failure_at,
                    },
                )
            })
            .collect())
    }

    /// Counts a failure against each key (restarting a count older than `forget_before`) and
    /// returns the new counts, in the order of `keys`. Concurrent failures of one key are all
    /// counted: the row is locked while it changes.
    pub async fn record_failure(
        &self,
        keys: &[&str],
        forget_before: &[DateTime<Utc>],
        audits: Vec<Audit>,
        now: DateTime<Utc>,
    ) -> Result<Vec<u32>, StoreError> {
        let txn = begin_write(&self.db).await?;
        let mut counts = Vec::with_capacity(keys.len());
        for (key, forget_before) in keys.iter().zip(forget_before) {
            // Make sure the row exists, so that it can be locked.
            sign_in_failure::Entity::insert(sign_in_failure::ActiveModel {
                key: Set((*key).to_owned()),
                failures: Set(0),
                last_failure_at: Set(now),
            })
            .on_conflict(
                OnConflict::column(sign_in_failure::Column::Key)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
            let row = sign_in_failure::Entity::find_by_id((*key).to_owned())
                .lock_exclusive()
                .one(&txn)
                .await?
                .ok_or_else(|| DbErr::RecordNotFound((*key).to_owned()))?;
            let failures = if row.failures > 0 && row.last_failure_at < *forget_before {
                1
            } else {
                row.failures.saturating_add(1)
            };
            let mut row: sign_in_failure::ActiveModel = row.into();
            row.failures = Set(failures);
            row.last_failure_at = Set(now);
            row.update(&txn).await?;
            counts.push(u32::try_from(failures).unwrap_or(0));
        }
        for audit in audits {
            audit.write(&txn, now).await?;
        }
        txn.commit().await?;
        Ok(counts)
    }

    /// Writes an audit entry on its own.
    pub async fn audit(&self, audit: Audit, now: DateTime<Utc>) -> Result<(), StoreError> {
        audit.write(&self.db, now).await?;
        Ok(())
    }

    /// The newest audit entries first, at most `limit`, optionally about one operator.
    pub async fn audit_log(
        &self,
        operator_id: Option<Uuid>,
        limit: u64,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        let mut query = audit_entry::Entity::find().order_by_desc(audit_entry::Column::Id);
        if let Some(id) = operator_id {
            query = query.filter(audit_entry::Column::OperatorId.eq(id));
        }
        Ok(query
            .limit(limit)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|row| AuditRecord {
                id: row.id,
                occurred_at: row.occurred_at,
                event: row.event,
                operator_id: row.operator_id,
                email: row.email,
                client_address: row.client_address,
                detail: row.detail,
            })
            .collect())
    }

    /// A page of the audit log, newest first, and how many entries match in all.
    pub async fn audit_page(
        &self,
        filter: &AuditFilter,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<AuditRecord>, u64), StoreError> {
        let mut query = audit_entry::Entity::find();
        if let Some(id) = filter.operator_id {
            query = query.filter(audit_entry::Column::OperatorId.eq(id));
        }
        if !filter.events.is_empty() {
            query = query
                .filter(audit_entry::Column::Event.is_in(filter.events.iter().map(|e| e.as_str())));
        }
        if let Some(from) = filter.from {
            query = query.filter(audit_entry::Column::OccurredAt.gte(from));
        }
        if let Some(to) = filter.to {
            query = query.filter(audit_entry::Column::OccurredAt.lt(to));
        }
        let total = query.clone().count(&self.db).await?;
        let records = query
            .order_by_desc(audit_entry::Column::Id)
            .offset(offset)
            .limit(limit)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|row| AuditRecord {
                id: row.id,
                occurred_at: row.occurred_at,
                event: row.event,
                operator_id: row.operator_id,
                email: row.email,
                client_address: row.client_address,
                detail: row.detail,
            })
            .collect();
        Ok((records, total))
    }

    pub async fn ping(&self) -> Result<(), DbErr> {
        self.db.ping().await
    }
}

async fn delete_sessions<C: ConnectionTrait>(
    conn: &C,
    operator_id: Uuid,
    keep: Option<&str>,
) -> Result<u64, DbErr> {
    let mut delete = operator_session::Entity::delete_many()
        .filter(operator_session::Column::OperatorId.eq(operator_id));
    if let Some(keep) = keep {
        delete = delete.filter(operator_session::Column::IdHash.ne(keep));
    }
    Ok(delete.exec(conn).await?.rows_affected)
}
