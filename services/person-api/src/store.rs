//! The person directory's storage: every read and write of persons and their metadata.
//!
//! Each write runs in one transaction with the outbox insert of the event describing it,
//! then wakes the relay. Reads never cache: the summary and search see a write at once.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, SubsecRound, Utc};
use faceattend_domain::events::PersonEvent;
use faceattend_domain::person::{NewPerson, Person, PersonChanges, PersonStatus, PersonType};
use faceattend_domain::{PageMeta, PageRequest};
use faceattend_outbox::OutboxMessage;
use sea_orm::sea_query::{
    Alias, Expr, ExprTrait as _, LikeExpr, OnConflict, Query, SubQueryStatement,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, DatabaseConnection,
    DatabaseTransaction, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    Select, Set, Statement,
};
use tokio::sync::Notify;
use uuid::Uuid;

use crate::db::entities::{person, person_metadata};
use crate::db::migration::PersonFacets;
use crate::dto::{MetadataChanges, MetadataResponse, PersonSummary};
use crate::error::PersonApiError;

mod faces;

pub use faces::{FaceRecord, NewEnrolment, PersonName, decode_vector};

/// Filters of the person list; all optional, combined with AND.
#[derive(Debug, Clone, Default)]
pub struct PersonFilter {
    pub status: Option<PersonStatus>,
    pub person_type: Option<PersonType>,
    pub department: Option<String>,
    pub organization: Option<String>,
    pub has_faces: Option<bool>,
}

#[derive(Clone)]
pub struct PersonStore {
    db: DatabaseConnection,
    relay_wake: Arc<Notify>,
    /// Wakes the janitor that erases deleted photos from the object store.
    janitor_wake: Arc<Notify>,
    /// `$KV.<gallery bucket>`: gallery entries are published on `<prefix>.<person id>`.
    gallery_subject_prefix: String,
}

impl PersonStore {
    pub fn new(
        db: DatabaseConnection,
        relay_wake: Arc<Notify>,
        janitor_wake: Arc<Notify>,
        gallery_subject_prefix: String,
    ) -> Self {
        Self {
            db,
            relay_wake,
            janitor_wake,
            gallery_subject_prefix,
        }
    }

    /// Runs `work` in a write transaction, commits, and wakes the outbox relay.
    async fn write<T>(
        &self,
        work: impl AsyncFnOnce(&DatabaseTransaction) -> Result<T, PersonApiError>,
    ) -> Result<T, PersonApiError> {
        let txn = faceattend_outbox::begin_write(&self.db).await?;
        let value = work(&txn).await?;
        txn.commit().await?;
        self.relay_wake.notify_one();
        Ok(value)
    }

    pub async fn create(&self, new: NewPerson) -> Result<Person, PersonApiError> {
        let person = new.into_person(Uuid::now_v7(), now());
        self.write(async |txn| {
            to_active_model(&person).insert(txn).await?;
            adjust_facet(txn, &Facet::of(&person), 1).await?;
            enqueue(txn, PersonEvent::created(person.clone())).await?;
            Ok(person.clone())
        })
        .await
    }

    pub async fn get(&self, id: Uuid) -> Result<Person, PersonApiError> {
        let model = select_persons()
            .filter(person::Column::Id.eq(id))
            .into_model::<PersonRow>()
            .one(&self.db)
            .await?
            .ok_or(PersonApiError::PersonNotFound(id))?;
        from_model(model)
    }

    /// Applies `changes`; publishes `persons.v1.updated` only when something changed.
    pub async fn update(&self, id: Uuid, changes: PersonChanges) -> Result<Person, PersonApiError> {
        self.write(async |txn| {
            let mut person = find_for_update(txn, id).await?;
            let before = Facet::of(&person);
            let changed = person.apply(changes, now());
            if !changed.is_empty() {
                to_active_model(&person).reset_all().update(txn).await?;
                let after = Facet::of(&person);
                if after != before {
                    adjust_facet(txn, &before, -1).await?;
                    adjust_facet(txn, &after, 1).await?;
                }
                let fields = changed.into_iter().map(str::to_owned).collect();
                enqueue(txn, PersonEvent::updated(person.clone(), fields)).await?;
            }
            Ok(person)
        })
        .await
    }

    /// Erases the person and everything this service holds about them: metadata, face
    /// encodings, photos (queued for the object store) and their gallery entry.
    pub async fn delete(&self, id: Uuid) -> Result<(), PersonApiError> {
        self.write(async |txn| {
            let person = find_for_update(txn, id).await?;
            self.erase_faces_of(txn, id).await?;
            person_metadata::Entity::delete_many()
                .filter(person_metadata::Column::PersonId.eq(id))
                .exec(txn)
                .await?;
            person::Entity::delete_by_id(id).exec(txn).await?;
            adjust_facet(txn, &Facet::of(&person), -1).await?;
            enqueue(txn, PersonEvent::deleted(id, now())).await?;
            Ok(())
        })
        .await?;
        self.janitor_wake.notify_one();
        Ok(())
    }

    pub async fn list(
        &self,
        filter: &PersonFilter,
        page: PageRequest,
    ) -> Result<(Vec<Person>, PageMeta), PersonApiError> {
        let mut persons = Condition::all();
        let mut facets = Condition::all();
        let facet = |column: PersonFacets| Expr::col((PersonFacets::Table, column));
        if let Some(status) = filter.status {
            persons = persons.add(person::Column::Status.eq(status.as_str()));
            facets = facets.add(facet(PersonFacets::Status).eq(status.as_str()));
        }
        if let Some(person_type) = filter.person_type {
            persons = persons.add(person::Column::PersonType.eq(person_type.as_str()));
            facets = facets.add(facet(PersonFacets::PersonType).eq(person_type.as_str()));
        }
        if let Some(department) = &filter.department {
            persons = persons.add(person::Column::Department.eq(department.as_str()));
            facets = facets.add(facet(PersonFacets::Department).eq(department.as_str()));
        }
        if let Some(organization) = &filter.organization {
            persons = persons.add(person::Column::Organization.eq(organization.as_str()));
            facets = facets.add(facet(PersonFacets::Organization).eq(organization.as_str()));
        }
        if let Some(has_faces) = filter.has_faces {
            persons = persons.add(if has_faces {
                person::Column::FaceEncodingCount.gt(0)
            } else {
                person::Column::FaceEncodingCount.eq(0)
            });
            facets = facets.add(facet(PersonFacets::HasFaces).eq(has_faces));
        }
        let count = Query::select()
            .expr_as(
                Expr::cust("CAST(COALESCE(SUM(total), 0) AS BIGINT)"),
                Alias::new("total"),
            )
            .from(PersonFacets::Table)
            .cond_where(facets)
            .to_owned();
        // The page and its total in one round trip; the total alone only when the page is
        // past the end and so has no row to carry it.
        let rows = select_persons()
            .filter(persons)
            .expr_as(
                Expr::SubQuery(
                    None,
                    Box::new(SubQueryStatement::SelectStatement(count.clone())),
                ),
                "total_matches",
            )
            .order_by_asc(person::Column::Id)
            .offset(page.offset())
            .limit(page.page_size())
            .into_model::<PersonWithTotal>()
            .all(&self.db)
            .await?;
        let total = match rows.first() {
            Some(row) => u64::try_from(row.total_matches).unwrap_or(0),
            None => self
                .db
                .query_one(&count)
                .await?
                .map(|row| row.try_get::<i64>("", "total"))
                .transpose()?
                .map_or(0, |total| u64::try_from(total).unwrap_or(0)),
        };
        let items = rows
            .into_iter()
            .map(|row| from_model(row.person))
            .collect::<Result<_, _>>()?;
        Ok((items, page.meta(total)))
    }

    /// Case-insensitive substring search over names, email and id number. The page and the
    /// number of matches come from one scan (`COUNT(*) OVER ()`).
    pub async fn search(
        &self,
        term: &str,
        page: PageRequest,
    ) -> Result<(Vec<Person>, PageMeta), PersonApiError> {
        let pattern = format!("%{}%", escape_like(&term.to_lowercase()));
        let matches = person::Entity::find().filter(
            Expr::col(person::Column::SearchText).like(LikeExpr::new(pattern).escape('\\')),
        );
        let rows = matches
            .clone()
            .column_as(Expr::cust("COUNT(*) OVER ()"), "total_matches")
            .order_by_asc(person::Column::Id)
            .offset(page.offset())
            .limit(page.page_size())
            .into_model::<PersonWithTotal>()
            .all(&self.db)
            .await?;
        let total = match rows.first() {
            Some(row) => u64::try_from(row.total_matches).unwrap_or(0),
            // Past the last page: the window had no row to report on.
            None => matches.count(&self.db).await?,
        };
        let persons = rows
            .into_iter()
            .map(|row| from_model(row.person))
            .collect::<Result<_, _>>()?;
        Ok((persons, page.meta(total)))
    }

    /// Counts by type, status and faces from the facet counts, which every write keeps exact.
    pub async fn summary(&self) -> Result<PersonSummary, PersonApiError> {
        let backend = self.db.get_database_backend();
        let rows = self
            .db
            .query_all_raw(Statement::from_string(
                backend,
                "SELECT person_type, status, CAST(SUM(total) AS BIGINT) AS total, \
                 CAST(SUM(CASE WHEN has_faces THEN total ELSE 0 END) AS BIGINT) AS with_faces \
                 FROM person_facets GROUP BY person_type, status",
            ))
            .await?;
        let mut summary = PersonSummary {
            total_persons: 0,
            active_persons: 0,
            persons_with_faces: 0,
            by_type: PersonType::ALL
                .iter()
                .map(|t| (t.as_str().to_owned(), 0))
                .collect(),
            by_status: PersonStatus::ALL
                .iter()
                .map(|s| (s.as_str().to_owned(), 0))
                .collect::<BTreeMap<_, _>>(),
        };
        for row in rows {
            let person_type: String = row.try_get("", "person_type")?;
            let status: String = row.try_get("", "status")?;
            let total = row.try_get::<i64>("", "total")? as u64;
            let with_faces = row.try_get::<i64>("", "with_faces")? as u64;
            summary.total_persons += total;
            summary.persons_with_faces += with_faces;
            if status == PersonStatus::Active.as_str() {
                summary.active_persons += total;
            }
            *summary.by_type.entry(person_type).or_default() += total;
            *summary.by_status.entry(status).or_default() += total;
        }
        Ok(summary)
    }

    pub async fn metadata(&self, person_id: Uuid) -> Result<MetadataResponse, PersonApiError> {
        self.ensure_exists(person_id).await?;
        let model = person_metadata::Entity::find()
            .filter(person_metadata::Column::PersonId.eq(person_id))
            .one(&self.db)
            .await?;
        Ok(metadata_response(person_id, model))
    }

    /// Saves metadata changes; publishes `persons.v1.updated` with `changed_fields = ["metadata"]`.
    pub async fn update_metadata(
        &self,
        person_id: Uuid,
        changes: MetadataChanges,
    ) -> Result<MetadataResponse, PersonApiError> {
        self.write(async |txn| {
            let mut person = find_for_update(txn, person_id).await?;
            let existing = person_metadata::Entity::find()
                .filter(person_metadata::Column::PersonId.eq(person_id))
                .one(txn)
                .await?;
            let at = now();
            let empty = || serde_json::Value::Object(Default::default());
            let mut model = existing.clone().unwrap_or_else(|| person_metadata::Model {
                id: Uuid::now_v7(),
                person_id,
                address: None,
                emergency_contact: None,
                emergency_phone: None,
                preferences: empty(),
                custom_fields: empty(),
                created_at: at,
                updated_at: at,
            });
            let before = model.clone();
            if let Some(v) = changes.address {
                model.address = v;
            }
            if let Some(v) = changes.emergency_contact {
                model.emergency_contact = v;
            }
            if let Some(v) = changes.emergency_phone {
                model.emergency_phone = v;
            }
            if let Some(v) = changes.preferences {
                model.preferences = v;
            }
            if let Some(v) = changes.custom_fields {
                model.custom_fields = v;
            }
            let changed = model != before || existing.is_none();
            if changed {
                model.updated_at = at;
                let active: person_metadata::ActiveModel = model.clone().into();
                if existing.is_some() {
                    active.reset_all().update(txn).await?;
                } else {
                    active.reset_all().insert(txn).await?;
                }
                person.updated_at = at;
                person::ActiveModel {
                    id: Set(person.id),
                    updated_at: Set(at),
                    ..Default::default()
                }
                .update(txn)
                .await?;
                enqueue(
                    txn,
                    PersonEvent::updated(person, vec!["metadata".to_owned()]),
                )
                .await?;
            }
            Ok(metadata_response(person_id, Some(model)))
        })
        .await
    }

    async fn ensure_exists(&self, id: Uuid) -> Result<(), PersonApiError> {
        let found = person::Entity::find_by_id(id)
            .select_only()
            .column(person::Column::Id)
            .into_tuple::<Uuid>()
            .one(&self.db)
            .await?;
        found.map(|_| ()).ok_or(PersonApiError::PersonNotFound(id))
    }
}

/// The combination of list filters a person falls under, as `person_facets` keys it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Facet {
    person_type: &'static str,
    status: &'static str,
    department: String,
    organization: String,
    has_faces: bool,
}

impl Facet {
    fn of(person: &Person) -> Self {
        Self {
            person_type: person.person_type.as_str(),
            status: person.status.as_str(),
            department: person.department.clone().unwrap_or_default(),
            organization: person.organization.clone().unwrap_or_default(),
            has_faces: person.face_encoding_count > 0,
        }
    }
}

/// Adds `delta` to the count of `facet`, creating its row on first use.
async fn adjust_facet(txn: &DatabaseTransaction, facet: &Facet, delta: i64) -> Result<(), DbErr> {
    let keys = || {
        [
            PersonFacets::PersonType,
            PersonFacets::Status,
            PersonFacets::Department,
            PersonFacets::Organization,
            PersonFacets::HasFaces,
        ]
    };
    let upsert = Query::insert()
        .into_table(PersonFacets::Table)
        .columns(keys().into_iter().chain([PersonFacets::Total]))
        .values_panic([
            facet.person_type.into(),
            facet.status.into(),
            facet.department.as_str().into(),
            facet.organization.as_str().into(),
            facet.has_faces.into(),
            delta.into(),
        ])
        .on_conflict(
            OnConflict::columns(keys())
                .value(
                    PersonFacets::Total,
                    Expr::col((PersonFacets::Table, PersonFacets::Total)).add(delta),
                )
                .to_owned(),
        )
        .to_owned();
    txn.execute(&upsert).await?;
    Ok(())
}

/// A search row: the person and the number of matches of the whole search.
struct PersonWithTotal {
    person: PersonRow,
    total_matches: i64,
}

impl sea_orm::FromQueryResult for PersonWithTotal {
    fn from_query_result(row: &sea_orm::QueryResult, prefix: &str) -> Result<Self, DbErr> {
        Ok(Self {
            person: PersonRow::from_query_result(row, prefix)?,
            total_matches: row.try_get(prefix, "total_matches")?,
        })
    }
}

/// Timestamps are stored with microsecond precision on both backends; truncating here keeps
/// what the API returns equal to what a later read returns.
fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// Reads a person inside a write transaction, locking the row on PostgreSQL.
async fn find_for_update(txn: &DatabaseTransaction, id: Uuid) -> Result<Person, PersonApiError> {
    let mut query = select_persons().filter(person::Column::Id.eq(id));
    if txn.get_database_backend() == DatabaseBackend::Postgres {
        query = query.lock_exclusive();
    }
    let model = query
        .into_model::<PersonRow>()
        .one(txn)
        .await?
        .ok_or(PersonApiError::PersonNotFound(id))?;
    from_model(model)
}

async fn enqueue(txn: &DatabaseTransaction, event: PersonEvent) -> Result<(), DbErr> {
    let wire = event.to_wire();
    faceattend_outbox::enqueue(
        txn,
        OutboxMessage {
            id: wire.id,
            subject: wire.subject.to_owned(),
            content_type: wire.content_type,
            headers: faceattend_bus::current_trace_headers(),
            payload: wire.payload,
        },
    )
    .await
}

fn escape_like(term: &str) -> String {
    let mut escaped = String::with_capacity(term.len());
    for c in term.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

fn to_active_model(p: &Person) -> person::ActiveModel {
    person::ActiveModel {
        id: Set(p.id),
        first_name: Set(p.first_name.clone()),
        last_name: Set(p.last_name.clone()),
        email: Set(p.email.clone()),
        email_normalized: Set(p.email.to_lowercase()),
        phone: Set(p.phone.clone()),
        person_type: Set(p.person_type.as_str().to_owned()),
        id_number: Set(p.id_number.clone()),
        id_type: Set(p.id_type.clone()),
        department: Set(p.department.clone()),
        organization: Set(p.organization.clone()),
        status: Set(p.status.as_str().to_owned()),
        face_encoding_count: Set(p.face_encoding_count as i32),
        enrolled_at: Set(p.enrolled_at),
        last_face_enrolled: Set(p.last_face_enrolled),
        search_text: Set(p.search_text()),
        created_at: Set(p.created_at),
        updated_at: Set(p.updated_at),
    }
}

/// Rows were validated on the way in, so an unknown enum value means the database was edited
/// by hand: that row fails loudly rather than being shown as something it is not.
/// A person row as the API needs it: every column but the ones kept only for the database's
/// own use (`search_text`, `email_normalized`), which would be read and sent for nothing.
#[derive(Debug, sea_orm::FromQueryResult)]
struct PersonRow {
    id: Uuid,
    first_name: String,
    last_name: String,
    email: String,
    phone: Option<String>,
    person_type: String,
    id_number: Option<String>,
    id_type: Option<String>,
    department: Option<String>,
    organization: Option<String>,
    status: String,
    face_encoding_count: i32,
    enrolled_at: Option<DateTime<Utc>>,
    last_face_enrolled: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

fn select_persons() -> Select<person::Entity> {
    use person::Column as C;
    person::Entity::find().select_only().columns([
        C::Id,
        C::FirstName,
        C::LastName,
        C::Email,
        C::Phone,
        C::PersonType,
        C::IdNumber,
        C::IdType,
        C::Department,
        C::Organization,
        C::Status,
        C::FaceEncodingCount,
        C::EnrolledAt,
        C::LastFaceEnrolled,
        C::CreatedAt,
        C::UpdatedAt,
    ])
}

fn from_model(m: PersonRow) -> Result<Person, PersonApiError> {
    let corrupt = |field: &str, value: &str| {
        PersonApiError::Database(DbErr::Custom(format!(
            "person {} has an invalid {field} {value:?}",
            m.id
        )))
    };
    let person_type =
        PersonType::parse(&m.person_type).map_err(|_| corrupt("person_type", &m.person_type))?;
    let status = PersonStatus::parse(&m.status).map_err(|_| corrupt("status", &m.status))?;
    Ok(Person {
        id: m.id,
        first_name: m.first_name,
        last_name: m.last_name,
        email: m.email,
        phone: m.phone,
        person_type,
        id_number: m.id_number,
        id_type: m.id_type,
        department: m.department,
        organization: m.organization,
        status,
        face_encoding_count: u32::try_from(m.face_encoding_count).unwrap_or(0),
        enrolled_at: m.enrolled_at,
        last_face_enrolled: m.last_face_enrolled,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

fn metadata_response(person_id: Uuid, model: Option<person_metadata::Model>) -> MetadataResponse {
    match model {
        Some(m) => MetadataResponse {
            person_id,
            address: m.address,
            emergency_contact: m.emergency_contact,
            emergency_phone: m.emergency_phone,
            preferences: m.preferences,
            custom_fields: m.custom_fields,
            created_at: Some(m.created_at),
            updated_at: Some(m.updated_at),
        },
        None => MetadataResponse {
            person_id,
            address: None,
            emergency_contact: None,
            emergency_phone: None,
            preferences: serde_json::Value::Object(Default::default()),
            custom_fields: serde_json::Value::Object(Default::default()),
            created_at: None,
            updated_at: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::escape_like;

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(escape_like("50%_off\\"), "50\\%\\_off\\\\");
        assert_eq!(escape_like("john"), "john");
    }
}
