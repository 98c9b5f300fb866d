//! The writes of the attendance policy: shifts, rules and exceptions (holidays, leave,
//! special events), and the approval of exceptions.
//!
//! Every write is one transaction holding the change and its audit row (who, when, the
//! entity before and after), so the log never misses a change nor records one that did not
//! happen. On PostgreSQL each transaction first locks its table against other writers
//! (reads go on): the checks that span rows — a name used once, one active rule, no
//! duplicate exception — then hold against concurrent requests; on SQLite the write
//! transaction is already exclusive. A change to an exception also recomputes the days it
//! decides, in the same transaction (see `Policies::exception_changed`); shifts and rules
//! apply from their change on (the reconcile job, or a person's decision, recomputes a past
//! day under them).

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use faceattend_attendance_store::entities::{
    attendance, attendance_exception, attendance_rule, attendance_session, person_directory,
};
use faceattend_attendance_store::events::Cause;
use faceattend_attendance_store::policy::PolicyDefaults;
use faceattend_attendance_store::{AttendanceStore, AuditEntry, audit, now};
use faceattend_domain::attendance::DayKey;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseBackend,
    DatabaseTransaction, EntityTrait, IntoActiveModel, QueryFilter, QuerySelect,
};
use serde::Serialize;
use tokio::sync::Notify;
use uuid::Uuid;

use crate::decisions::recompute_keys;
use crate::dto::policies::{
    ExceptionFields, ExceptionResponse, RuleFields, RuleInput, RuleResponse, SessionFields,
    SessionInput, SessionResponse, UpdateExceptionRequest, UpdateRuleRequest, UpdateSessionRequest,
};
use crate::error::AttendanceApiError;

type Result<T> = std::result::Result<T, AttendanceApiError>;

/// The audit log's `entity` of each table.
const SESSION: &str = "attendance_session";
const RULE: &str = "attendance_rule";
const EXCEPTION: &str = "attendance_exception";

#[derive(Clone, Debug)]
pub struct Policies {
    store: AttendanceStore,
    defaults: PolicyDefaults,
    /// Wakes the outbox relay after a commit that enqueued events.
    relay_wake: Arc<Notify>,
}

impl Policies {
    pub fn new(store: AttendanceStore, defaults: PolicyDefaults, relay_wake: Arc<Notify>) -> Self {
        Self {
            store,
            defaults,
            relay_wake,
        }
    }

    /// Recomputes the days an exception decides (its person's day, or the recorded day of
    /// everyone, or of its organisation's persons, for a holiday), before and after a change, in the change's transaction: a leave
    /// approved after the fact takes back a lateness or an absence; a holiday withdrawn
    /// brings lateness back (absences of that day are concluded again only by the day-end
    /// job run for it).
    async fn exception_changed(
        &self,
        txn: &DatabaseTransaction,
        rows: &[&attendance_exception::Model],
        actor: &str,
    ) -> Result<()> {
        let mut keys = BTreeSet::new();
        for row in rows {
            match row.person_id {
                Some(person_id) => {
                    keys.insert(DayKey {
                        person_id,
                        date: row.exception_date,
                    });
                }
                None => {
                    let mut query = attendance::Entity::find()
                        .select_only()
                        .column(attendance::Column::PersonId)
                        .filter(attendance::Column::AttendanceDate.eq(row.exception_date));
                    if let Some(organization) = &row.organization {
                        query = query.filter(
                            attendance::Column::PersonId.in_subquery(
                                sea_orm::sea_query::Query::select()
                                    .column(person_directory::Column::PersonId)
                                    .from(person_directory::Entity)
                                    .and_where(
                                        person_directory::Column::Organization
                                            .eq(organization.as_str()),
                                    )
                                    .to_owned(),
                            ),
                        );
                    }
                    let recorded: Vec<Uuid> = query.into_tuple().all(txn).await?;
                    keys.extend(recorded.into_iter().map(|person_id| DayKey {
                        person_id,
                        date: row.exception_date,
                    }));
                }
            }
        }
        let cause = Cause::decision(Uuid::now_v7(), actor);
        recompute_keys(txn, &self.defaults, &keys, &cause).await
    }

    /// A write transaction with `table` locked against other writers (PostgreSQL).
    async fn begin(&self, table: &str) -> Result<DatabaseTransaction> {
        let txn = self.store.begin_write().await?;
        if txn.get_database_backend() == DatabaseBackend::Postgres {
            // SHARE ROW EXCLUSIVE conflicts with itself and with every row write, not with
            // reads.
            txn.execute_unprepared(&format!("LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE"))
                .await?;
        }
        Ok(txn)
    }

    // -----------------------------------------------------------------------------------
    // Shifts

    pub async fn create_session(
        &self,
        fields: SessionFields,
        actor: &str,
    ) -> Result<attendance_session::Model> {
        let at = now();
        let txn = self.begin("attendance_sessions").await?;
        session_name_free(&txn, &fields.name, None).await?;
        let row = attendance_session::Model {
            id: Uuid::now_v7(),
            name: fields.name,
            start_time: fields.start_time,
            end_time: fields.end_time,
            expected_duration_minutes: fields.expected_duration_minutes,
            grace_period_minutes: fields.grace_period_minutes,
            early_leave_grace_minutes: fields.early_leave_grace_minutes,
            is_active: fields.is_active,
            organization: fields.organization,
            created_at: at,
            updated_at: at,
        };
        attendance_session::Entity::insert(row.clone().into_active_model())
            .exec_without_returning(&txn)
            .await?;
        let after = session_json(&row);
        log(
            &txn,
            actor,
            "create",
            SESSION,
            row.id,
            at,
            None,
            Some(after),
        )
        .await?;
        txn.commit().await?;
        Ok(row)
    }

    pub async fn update_session(
        &self,
        id: Uuid,
        patch: UpdateSessionRequest,
        actor: &str,
    ) -> Result<attendance_session::Model> {
        let at = now();
        let txn = self.begin("attendance_sessions").await?;
        let before = attendance_session::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or(AttendanceApiError::SessionNotFound(id))?;
        let fields = SessionInput::validate(patch.apply(&before))
            .map_err(AttendanceApiError::InvalidBody)?;
        session_name_free(&txn, &fields.name, Some(id)).await?;
        let mut row = before.clone().into_active_model();
        row.name = Set(fields.name);
        row.start_time = Set(fields.start_time);
        row.end_time = Set(fields.end_time);
        row.expected_duration_minutes = Set(fields.expected_duration_minutes);
        row.grace_period_minutes = Set(fields.grace_period_minutes);
        row.early_leave_grace_minutes = Set(fields.early_leave_grace_minutes);
        row.is_active = Set(fields.is_active);
        row.organization = Set(fields.organization);
        row.updated_at = Set(at);
        let after = row.update(&txn).await?;
        let (b, a) = (session_json(&before), session_json(&after));
        log(&txn, actor, "update", SESSION, id, at, Some(b), Some(a)).await?;
        txn.commit().await?;
        Ok(after)
    }

    pub async fn delete_session(&self, id: Uuid, actor: &str) -> Result<()> {
        let at = now();
        let txn = self.begin("attendance_sessions").await?;
        let before = attendance_session::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or(AttendanceApiError::SessionNotFound(id))?;
        attendance_session::Entity::delete_by_id(id)
            .exec(&txn)
            .await?;
        let b = session_json(&before);
        log(&txn, actor, "delete", SESSION, id, at, Some(b), None).await?;
        txn.commit().await?;
        Ok(())
    }

    // -----------------------------------------------------------------------------------
    // Rules

    /// Creates a rule; an active one deactivates every other.
    pub async fn create_rule(
        &self,
        fields: RuleFields,
        actor: &str,
    ) -> Result<attendance_rule::Model> {
        let at = now();
        let txn = self.begin("attendance_rules").await?;
        rule_name_free(&txn, &fields.name, None).await?;
        let id = Uuid::now_v7();
        if fields.is_active {
            deactivate_other_rules(&txn, id, actor, at).await?;
        }
        let working_days = working_days_json(&fields);
        let row = attendance_rule::Model {
            id,
            name: fields.name,
            working_days,
            start_time: fields.start_time,
            end_time: fields.end_time,
            min_presence_percentage: fields.min_presence_percentage,
            auto_check_in_threshold: fields.thresholds.auto().value(),
            manual_review_threshold: fields.thresholds.review().value(),
            is_active: fields.is_active,
            created_at: at,
            updated_at: at,
        };
        attendance_rule::Entity::insert(row.clone().into_active_model())
            .exec_without_returning(&txn)
            .await?;
        let after = rule_json(&row)?;
        log(&txn, actor, "create", RULE, id, at, None, Some(after)).await?;
        txn.commit().await?;
        Ok(row)
    }

    /// Updates a rule; activating it deactivates every other.
    pub async fn update_rule(
        &self,
        id: Uuid,
        patch: UpdateRuleRequest,
        actor: &str,
    ) -> Result<attendance_rule::Model> {
        let at = now();
        let txn = self.begin("attendance_rules").await?;
        let before = attendance_rule::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or(AttendanceApiError::RuleNotFound(id))?;
        let stored_days = stored_working_days(&before)?;
        let fields = RuleInput::validate(patch.apply(&before, stored_days))
            .map_err(AttendanceApiError::InvalidBody)?;
        rule_name_free(&txn, &fields.name, Some(id)).await?;
        if fields.is_active {
            deactivate_other_rules(&txn, id, actor, at).await?;
        }
        let mut row = before.clone().into_active_model();
        row.working_days = Set(working_days_json(&fields));
        row.name = Set(fields.name);
        row.start_time = Set(fields.start_time);
        row.end_time = Set(fields.end_time);
        row.min_presence_percentage = Set(fields.min_presence_percentage);
        row.auto_check_in_threshold = Set(fields.thresholds.auto().value());
        row.manual_review_threshold = Set(fields.thresholds.review().value());
        row.is_active = Set(fields.is_active);
        row.updated_at = Set(at);
        let after = row.update(&txn).await?;
        let (b, a) = (rule_json(&before)?, rule_json(&after)?);
        log(&txn, actor, "update", RULE, id, at, Some(b), Some(a)).await?;
        txn.commit().await?;
        Ok(after)
    }

    /// Deletes a rule; deleting the active one leaves the site on the defaults (Monday to
    /// Friday, the spec's thresholds) until another is activated.
    pub async fn delete_rule(&self, id: Uuid, actor: &str) -> Result<()> {
        let at = now();
        let txn = self.begin("attendance_rules").await?;
        let before = attendance_rule::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or(AttendanceApiError::RuleNotFound(id))?;
        attendance_rule::Entity::delete_by_id(id).exec(&txn).await?;
        let b = rule_json(&before)?;
        log(&txn, actor, "delete", RULE, id, at, Some(b), None).await?;
        txn.commit().await?;
        Ok(())
    }

    // -----------------------------------------------------------------------------------
    // Exceptions

    /// Creates an exception; one that requires approval (leave always does) is pending.
    pub async fn create_exception(
        &self,
        fields: ExceptionFields,
        actor: &str,
    ) -> Result<attendance_exception::Model> {
        let at = now();
        let txn = self.begin("attendance_exceptions").await?;
        person_known(&txn, fields.person_id).await?;
        exception_unique(&txn, &fields, None).await?;
        let row = attendance_exception::Model {
            id: Uuid::now_v7(),
            person_id: fields.person_id,
            exception_date: fields.exception_date,
            exception_type: fields.exception_type.as_str().to_owned(),
            reason: fields.reason,
            requires_approval: fields.requires_approval,
            approved: false,
            approved_by: None,
            approved_at: None,
            created_at: at,
            organization: fields.organization,
        };
        attendance_exception::Entity::insert(row.clone().into_active_model())
            .exec_without_returning(&txn)
            .await?;
        let after = exception_json(&row);
        log(
            &txn,
            actor,
            "create",
            EXCEPTION,
            row.id,
            at,
            None,
            Some(after),
        )
        .await?;
        self.exception_changed(&txn, &[&row], actor).await?;
        txn.commit().await?;
        self.relay_wake.notify_one();
        Ok(row)
    }

    /// Updates an exception. Once decided (approved or rejected), only its reason may
    /// change: anything else would change what was decided on.
    pub async fn update_exception(
        &self,
        id: Uuid,
        patch: UpdateExceptionRequest,
        actor: &str,
    ) -> Result<attendance_exception::Model> {
        let at = now();
        let txn = self.begin("attendance_exceptions").await?;
        let before = attendance_exception::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or(AttendanceApiError::ExceptionNotFound(id))?;
        if before.approved_by.is_some() && patch.changes_more_than_reason() {
            return Err(AttendanceApiError::ExceptionAlreadyDecided(id));
        }
        let fields = patch
            .apply(&before)
            .validate()
            .map_err(AttendanceApiError::InvalidBody)?;
        if fields.person_id != before.person_id {
            person_known(&txn, fields.person_id).await?;
        }
        exception_unique(&txn, &fields, Some(id)).await?;
        let mut row = before.clone().into_active_model();
        row.person_id = Set(fields.person_id);
        row.exception_date = Set(fields.exception_date);
        row.exception_type = Set(fields.exception_type.as_str().to_owned());
        row.reason = Set(fields.reason);
        row.requires_approval = Set(fields.requires_approval);
        row.organization = Set(fields.organization);
        let after = row.update(&txn).await?;
        let (b, a) = (exception_json(&before), exception_json(&after));
        log(&txn, actor, "update", EXCEPTION, id, at, Some(b), Some(a)).await?;
        self.exception_changed(&txn, &[&before, &after], actor)
            .await?;
        txn.commit().await?;
        self.relay_wake.notify_one();
        Ok(after)
    }

    pub async fn delete_exception(&self, id: Uuid, actor: &str) -> Result<()> {
        let at = now();
        let txn = self.begin("attendance_exceptions").await?;
        let before = attendance_exception::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or(AttendanceApiError::ExceptionNotFound(id))?;
        attendance_exception::Entity::delete_by_id(id)
            .exec(&txn)
            .await?;
        let b = exception_json(&before);
        log(&txn, actor, "delete", EXCEPTION, id, at, Some(b), None).await?;
        self.exception_changed(&txn, &[&before], actor).await?;
        txn.commit().await?;
        self.relay_wake.notify_one();
        Ok(())
    }

    /// Approves (`approve`) or rejects a pending exception, once.
    pub async fn decide_exception(
        &self,
        id: Uuid,
        approve: bool,
        actor: &str,
    ) -> Result<attendance_exception::Model> {
        let at = now();
        let txn = self.begin("attendance_exceptions").await?;
        let before = attendance_exception::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or(AttendanceApiError::ExceptionNotFound(id))?;
        if !before.requires_approval {
            return Err(AttendanceApiError::ApprovalNotRequired(id));
        }
        if before.approved_by.is_some() {
            return Err(AttendanceApiError::ExceptionAlreadyDecided(id));
        }
        let mut row = before.clone().into_active_model();
        row.approved = Set(approve);
        row.approved_by = Set(Some(actor.to_owned()));
        row.approved_at = Set(Some(at));
        let after = row.update(&txn).await?;
        let action = if approve { "approve" } else { "reject" };
        let (b, a) = (exception_json(&before), exception_json(&after));
        log(&txn, actor, action, EXCEPTION, id, at, Some(b), Some(a)).await?;
        self.exception_changed(&txn, &[&after], actor).await?;
        txn.commit().await?;
        self.relay_wake.notify_one();
        Ok(after)
    }
}

#[allow(clippy::too_many_arguments)]
async fn log(
    txn: &DatabaseTransaction,
    actor: &str,
    action: &str,
    entity: &str,
    id: Uuid,
    at: DateTime<Utc>,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> Result<()> {
    audit::record(
        txn,
        &AuditEntry {
            actor: actor.to_owned(),
            action: action.to_owned(),
            entity: entity.to_owned(),
            entity_id: id.to_string(),
            at,
            before,
            after,
        },
    )
    .await?;
    Ok(())
}

/// The API's view of a row is every column of it: what the audit log keeps.
fn json(value: impl Serialize) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}

fn session_json(row: &attendance_session::Model) -> serde_json::Value {
    json(SessionResponse::from(row.clone()))
}

fn rule_json(row: &attendance_rule::Model) -> Result<serde_json::Value> {
    Ok(json(RuleResponse::new(
        row.clone(),
        stored_working_days(row)?,
    )))
}

fn exception_json(row: &attendance_exception::Model) -> serde_json::Value {
    json(ExceptionResponse::from(row.clone()))
}

/// A rule's stored weekday indices (a JSON array).
pub fn stored_working_days(row: &attendance_rule::Model) -> Result<Vec<u8>> {
    serde_json::from_str(&row.working_days)
        .map_err(|e| AttendanceApiError::Corrupt(format!("rule {} working_days: {e}", row.id)))
}

fn working_days_json(fields: &RuleFields) -> String {
    json(fields.working_days.indices()).to_string()
}

async fn session_name_free(
    txn: &DatabaseTransaction,
    name: &str,
    except: Option<Uuid>,
) -> Result<()> {
    let mut query =
        attendance_session::Entity::find().filter(attendance_session::Column::Name.eq(name));
    if let Some(id) = except {
        query = query.filter(attendance_session::Column::Id.ne(id));
    }
    match query.one(txn).await? {
        Some(_) => Err(AttendanceApiError::SessionNameTaken(name.to_owned())),
        None => Ok(()),
    }
}

async fn rule_name_free(txn: &DatabaseTransaction, name: &str, except: Option<Uuid>) -> Result<()> {
    let mut query = attendance_rule::Entity::find().filter(attendance_rule::Column::Name.eq(name));
    if let Some(id) = except {
        query = query.filter(attendance_rule::Column::Id.ne(id));
    }
    match query.one(txn).await? {
        Some(_) => Err(AttendanceApiError::RuleNameTaken(name.to_owned())),
        None => Ok(()),
    }
}

/// Deactivates every active rule but `keep`, each change audited: the site has one rule.
async fn deactivate_other_rules(
    txn: &DatabaseTransaction,
    keep: Uuid,
    actor: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    let active = attendance_rule::Entity::find()
        .filter(attendance_rule::Column::IsActive.eq(true))
        .filter(attendance_rule::Column::Id.ne(keep))
        .all(txn)
        .await?;
    if active.is_empty() {
        return Ok(());
    }
    attendance_rule::Entity::update_many()
        .col_expr(attendance_rule::Column::IsActive, Expr::value(false))
        .col_expr(attendance_rule::Column::UpdatedAt, Expr::value(at))
        .filter(attendance_rule::Column::Id.is_in(active.iter().map(|r| r.id)))
        .exec(txn)
        .await?;
    for before in active {
        let mut after = before.clone();
        after.is_active = false;
        after.updated_at = at;
        let (b, a) = (rule_json(&before)?, rule_json(&after)?);
        log(
            txn,
            actor,
            "deactivate",
            RULE,
            before.id,
            at,
            Some(b),
            Some(a),
        )
        .await?;
    }
    Ok(())
}

/// An exception of a person needs a person the directory knows and has not deleted.
async fn person_known(txn: &DatabaseTransaction, person_id: Option<Uuid>) -> Result<()> {
    let Some(person_id) = person_id else {
        return Ok(());
    };
    match person_directory::Entity::find_by_id(person_id)
        .one(txn)
        .await?
    {
        Some(entry) if !entry.deleted => Ok(()),
        _ => Err(AttendanceApiError::PersonNotFound(person_id)),
    }
}

/// One exception per date, type and person (or organisation, or everyone).
async fn exception_unique(
    txn: &DatabaseTransaction,
    fields: &ExceptionFields,
    except: Option<Uuid>,
) -> Result<()> {
    let mut query = attendance_exception::Entity::find()
        .select_only()
        .column(attendance_exception::Column::Id)
        .filter(attendance_exception::Column::ExceptionDate.eq(fields.exception_date))
        .filter(attendance_exception::Column::ExceptionType.eq(fields.exception_type.as_str()));
    query = match fields.person_id {
        Some(person_id) => query.filter(attendance_exception::Column::PersonId.eq(person_id)),
        None => query.filter(attendance_exception::Column::PersonId.is_null()),
    };
    query = match &fields.organization {
        Some(organization) => {
            query.filter(attendance_exception::Column::Organization.eq(organization.as_str()))
        }
        None => query.filter(attendance_exception::Column::Organization.is_null()),
    };
    if let Some(id) = except {
        query = query.filter(attendance_exception::Column::Id.ne(id));
    }
    match query.into_tuple::<Uuid>().one(txn).await? {
        Some(existing) => Err(AttendanceApiError::ExceptionExists(existing)),
        None => Ok(()),
    }
}
