//! Enrolled faces in the database: photos, encodings, the person's face counters, and the
//! gallery entry that face-embedder replicas search.
//!
//! The gallery (the FACE_GALLERY key-value bucket, one key per person) is written through the
//! outbox like every other event: the change to the database and the new gallery value commit
//! together, and the relay publishes `$KV.<bucket>.<person id>` once NATS takes it. A person's
//! value is always recomputed from every encoding they have, so a replay or a late delivery
//! can never leave a stale encoding behind; a person without encodings is purged (their
//! vectors' history erased too).
//!
//! Photos are erased from the object store *after* the transaction that deleted their rows:
//! the transaction records each path in `object_deletions`, and the janitor removes the
//! objects and then the records, retrying until the store has done it.

use chrono::{DateTime, Utc};
use faceattend_domain::events::PersonEvent;
use faceattend_domain::person::Person;
use faceattend_outbox::OutboxMessage;
use faceattend_proto::faces::v1 as wire;
use prost::{Message, Name};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use super::{Facet, PersonStore, adjust_facet, enqueue, find_for_update, now, to_active_model};
use crate::db::entities::{object_deletion, person, person_face_encoding, person_image};
use crate::error::PersonApiError;

/// A face to enrol, as face-embedder analysed it and the object store keeps its photo.
#[derive(Debug, Clone)]
pub struct NewEnrolment {
    pub person_id: Uuid,
    pub image_id: Uuid,
    pub image_path: String,
    pub content_type: String,
    pub file_size: i64,
    pub sha256: String,
    pub width: u32,
    pub height: u32,
    pub is_primary: bool,
    pub quality_score: f32,
    pub detector_score: f32,
    pub face_location: serde_json::Value,
    pub embedding: wire::Embedding,
}

/// What an enrolment produced.
#[derive(Debug, Clone)]
pub struct Enrolled {
    pub encoding_id: Uuid,
    pub person: Person,
    pub is_primary: bool,
}

/// An encoding with its photo's details, as `GET /persons/{id}/faces` lists it.
#[derive(Debug, Clone)]
pub struct FaceRecord {
    pub encoding: person_face_encoding::Model,
    pub image: Option<person_image::Model>,
}

/// Names for search results.
#[derive(Debug, Clone, sea_orm::FromQueryResult)]
pub struct PersonName {
    pub id: Uuid,
    pub first_name: String,
    pub last_name: String,
}

impl PersonStore {
    /// Records an enrolled face: photo row, encoding row, counters, gallery entry and
    /// `persons.v1.updated`, in one transaction. The person must still exist.
    pub async fn enroll(&self, new: NewEnrolment) -> Result<Enrolled, PersonApiError> {
        let gallery_subject = self.gallery_subject(new.person_id);
        self.write(async |txn| {
            let mut person = find_for_update(txn, new.person_id).await?;
            let before = Facet::of(&person);
            let at = now();
            let first_face = person.face_encoding_count == 0;
            // The first face is the primary one whatever the request says.
            let is_primary = new.is_primary || first_face;
            if is_primary && !first_face {
                clear_primary(txn, person.id).await?;
            }
            person_image::ActiveModel {
                id: Set(new.image_id),
                person_id: Set(person.id),
                image_path: Set(new.image_path.clone()),
                content_type: Set(new.content_type.clone()),
                file_size: Set(new.file_size),
                sha256: Set(new.sha256.clone()),
                width: Set(new.width as i32),
                height: Set(new.height as i32),
                is_primary: Set(is_primary),
                quality_score: Set(new.quality_score),
                face_location: Set(new.face_location.clone()),
                created_at: Set(at),
            }
            .insert(txn)
            .await?;
            let encoding_id = Uuid::now_v7();
            person_face_encoding::ActiveModel {
                id: Set(encoding_id),
                person_id: Set(person.id),
                image_id: Set(Some(new.image_id)),
                model: Set(new.embedding.model.clone()),
                dimension: Set(new.embedding.dimension as i32),
                encoding: Set(encode_vector(&new.embedding.values)),
                confidence: Set(new.detector_score),
                quality_score: Set(new.quality_score),
                is_primary: Set(is_primary),
                source: Set("enrollment".to_owned()),
                created_at: Set(at),
            }
            .insert(txn)
            .await?;
            person.face_encoding_count += 1;
            person.enrolled_at.get_or_insert(at);
            person.last_face_enrolled = Some(at);
            person.updated_at = at;
            save_face_change(txn, &person, &before).await?;
            let mut fields = vec!["face_encoding_count", "last_face_enrolled"];
            if first_face {
                fields.push("enrolled_at");
            }
            enqueue(
                txn,
                PersonEvent::updated(
                    person.clone(),
                    fields.into_iter().map(str::to_owned).collect(),
                ),
            )
            .await?;
            enqueue_gallery(txn, &gallery_subject, person.id, at).await?;
            Ok(Enrolled {
                encoding_id,
                person: person.clone(),
                is_primary,
            })
        })
        .await
    }

    /// Every encoding of a person, oldest first, with its photo's details.
    pub async fn faces(&self, person_id: Uuid) -> Result<Vec<FaceRecord>, PersonApiError> {
        self.ensure_exists(person_id).await?;
        let encodings = person_face_encoding::Entity::find()
            .filter(person_face_encoding::Column::PersonId.eq(person_id))
            .order_by_asc(person_face_encoding::Column::CreatedAt)
            .order_by_asc(person_face_encoding::Column::Id)
            .all(&self.db)
            .await?;
        let images = person_image::Entity::find()
            .filter(person_image::Column::PersonId.eq(person_id))
            .all(&self.db)
            .await?;
        Ok(encodings
            .into_iter()
            .map(|encoding| {
                let image = images
                    .iter()
                    .find(|i| Some(i.id) == encoding.image_id)
                    .cloned();
                FaceRecord { encoding, image }
            })
            .collect())
    }

    /// The photo row an encoding of this person was computed from. An encoding of another
    /// person is `face_not_found`, exactly like an unknown one, so an id guessed or copied
    /// from elsewhere never reaches someone else's photo.
    pub async fn face_image(
        &self,
        person_id: Uuid,
        encoding_id: Uuid,
    ) -> Result<person_image::Model, PersonApiError> {
        let encoding = person_face_encoding::Entity::find_by_id(encoding_id)
            .filter(person_face_encoding::Column::PersonId.eq(person_id))
            .one(&self.db)
            .await?;
        let Some(encoding) = encoding else {
            // Only when the encoding is not found does it matter which of the two is missing.
            self.ensure_exists(person_id).await?;
            return Err(PersonApiError::FaceNotFound(encoding_id));
        };
        let image_id = encoding
            .image_id
            .ok_or(PersonApiError::FaceImageNotFound(encoding_id))?;
        person_image::Entity::find_by_id(image_id)
            .filter(person_image::Column::PersonId.eq(person_id))
            .one(&self.db)
            .await?
            .ok_or(PersonApiError::FaceImageNotFound(encoding_id))
    }

    /// Deletes one encoding (and its photo when no other encoding uses it).
    pub async fn delete_face(
        &self,
        person_id: Uuid,
        encoding_id: Uuid,
    ) -> Result<Person, PersonApiError> {
        let gallery_subject = self.gallery_subject(person_id);
        let person = self
            .write(async |txn| {
                let mut person = find_for_update(txn, person_id).await?;
                let before = Facet::of(&person);
                let encoding = person_face_encoding::Entity::find_by_id(encoding_id)
                    .filter(person_face_encoding::Column::PersonId.eq(person_id))
                    .one(txn)
                    .await?
                    .ok_or(PersonApiError::FaceNotFound(encoding_id))?;
                person_face_encoding::Entity::delete_by_id(encoding_id)
                    .exec(txn)
                    .await?;
                if let Some(image_id) = encoding.image_id {
                    let still_used = person_face_encoding::Entity::find()
                        .filter(person_face_encoding::Column::ImageId.eq(image_id))
                        .count(txn)
                        .await?;
                    if still_used == 0 {
                        erase_images(
                            txn,
                            person_image::Entity::find_by_id(image_id).all(txn).await?,
                        )
                        .await?;
                    }
                }
                let at = now();
                if encoding.is_primary {
                    promote_newest(txn, person_id).await?;
                }
                person.face_encoding_count = person.face_encoding_count.saturating_sub(1);
                person.updated_at = at;
                save_face_change(txn, &person, &before).await?;
                enqueue(
                    txn,
                    PersonEvent::updated(person.clone(), vec!["face_encoding_count".to_owned()]),
                )
                .await?;
                enqueue_gallery(txn, &gallery_subject, person_id, at).await?;
                Ok(person)
            })
            .await?;
        self.janitor_wake.notify_one();
        Ok(person)
    }

    /// Within a person's deletion: every photo to the erasure queue, the gallery entry purged.
    /// The rows themselves go with the person (foreign keys cascade).
    pub(super) async fn erase_faces_of(
        &self,
        txn: &DatabaseTransaction,
        person_id: Uuid,
    ) -> Result<(), DbErr> {
        let images = person_image::Entity::find()
            .filter(person_image::Column::PersonId.eq(person_id))
            .all(txn)
            .await?;
        erase_images(txn, images).await?;
        // Encodings whose photo was deleted above went with it (foreign key); this takes
        // the rest.
        person_face_encoding::Entity::delete_many()
            .filter(person_face_encoding::Column::PersonId.eq(person_id))
            .exec(txn)
            .await?;
        enqueue_gallery(txn, &self.gallery_subject(person_id), person_id, now()).await
    }

    /// First and last names of the given persons (those that still exist).
    pub async fn names(&self, ids: &[Uuid]) -> Result<Vec<PersonName>, PersonApiError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        Ok(person::Entity::find()
            .select_only()
            .columns([
                person::Column::Id,
                person::Column::FirstName,
                person::Column::LastName,
            ])
            .filter(person::Column::Id.is_in(ids.iter().copied()))
            .into_model::<PersonName>()
            .all(&self.db)
            .await?)
    }

    /// Photo paths whose erasure is pending, oldest first.
    pub async fn pending_object_deletions(&self, limit: u64) -> Result<Vec<String>, DbErr> {
        Ok(object_deletion::Entity::find()
            .order_by_asc(object_deletion::Column::RequestedAt)
            .limit(limit)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|d| d.path)
            .collect())
    }

    pub async fn object_deleted(&self, path: &str) -> Result<(), DbErr> {
        object_deletion::Entity::delete_by_id(path.to_owned())
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// One page of photos in id order after `after`: a re-embedding walks them all, and can
    /// resume from the last one it finished.
    pub async fn images_page(
        &self,
        after: Option<Uuid>,
        limit: u64,
    ) -> Result<Vec<person_image::Model>, DbErr> {
        let mut query = person_image::Entity::find()
            .order_by_asc(person_image::Column::Id)
            .limit(limit);
        if let Some(after) = after {
            query = query.filter(person_image::Column::Id.gt(after));
        }
        query.all(&self.db).await
    }

    /// Whether a photo lacks an encoding of `model` (or has one of another model).
    pub async fn needs_reembedding(&self, image_id: Uuid, model: &str) -> Result<bool, DbErr> {
        let encodings = person_face_encoding::Entity::find()
            .filter(person_face_encoding::Column::ImageId.eq(image_id))
            .all(&self.db)
            .await?;
        Ok(encodings.is_empty() || encodings.iter().any(|e| e.model != model))
    }

    /// Replaces a photo's encodings with one computed by the current model, keeping the
    /// primary flag, and republishes the person's gallery entry.
    pub async fn replace_image_encoding(
        &self,
        image: &person_image::Model,
        embedding: wire::Embedding,
        detector_score: f32,
        quality_score: f32,
    ) -> Result<Uuid, PersonApiError> {
        let gallery_subject = self.gallery_subject(image.person_id);
        self.write(async |txn| {
            // The person row is locked so a concurrent enrolment or deletion waits.
            find_for_update(txn, image.person_id).await?;
            let old = person_face_encoding::Entity::find()
                .filter(person_face_encoding::Column::ImageId.eq(image.id))
                .all(txn)
                .await?;
            let was_primary = old.iter().any(|e| e.is_primary) || image.is_primary;
            let created_at = old
                .iter()
                .map(|e| e.created_at)
                .min()
                .unwrap_or(image.created_at);
            person_face_encoding::Entity::delete_many()
                .filter(person_face_encoding::Column::ImageId.eq(image.id))
                .exec(txn)
                .await?;
            let encoding_id = Uuid::now_v7();
            person_face_encoding::ActiveModel {
                id: Set(encoding_id),
                person_id: Set(image.person_id),
                image_id: Set(Some(image.id)),
                model: Set(embedding.model.clone()),
                dimension: Set(embedding.dimension as i32),
                encoding: Set(encode_vector(&embedding.values)),
                confidence: Set(detector_score),
                quality_score: Set(quality_score),
                is_primary: Set(was_primary),
                source: Set("enrollment".to_owned()),
                created_at: Set(created_at),
            }
            .insert(txn)
            .await?;
            if old.is_empty() {
                // A photo that had lost its encoding gets one back: the count follows.
                let mut person = find_for_update(txn, image.person_id).await?;
                let before = Facet::of(&person);
                person.face_encoding_count += 1;
                save_face_change(txn, &person, &before).await?;
            }
            enqueue_gallery(txn, &gallery_subject, image.person_id, now()).await?;
            Ok(encoding_id)
        })
        .await
    }

    fn gallery_subject(&self, person_id: Uuid) -> String {
        format!("{}.{person_id}", self.gallery_subject_prefix)
    }
}

/// Persists the person's face counters and keeps `has_faces` facet counts exact.
async fn save_face_change(
    txn: &DatabaseTransaction,
    person: &Person,
    before: &Facet,
) -> Result<(), DbErr> {
    to_active_model(person).reset_all().update(txn).await?;
    let after = Facet::of(person);
    if after != *before {
        adjust_facet(txn, before, -1).await?;
        adjust_facet(txn, &after, 1).await?;
    }
    Ok(())
}

async fn clear_primary(txn: &DatabaseTransaction, person_id: Uuid) -> Result<(), DbErr> {
    person_face_encoding::Entity::update_many()
        .col_expr(
            person_face_encoding::Column::IsPrimary,
            sea_orm::sea_query::Expr::value(false),
        )
        .filter(person_face_encoding::Column::PersonId.eq(person_id))
        .exec(txn)
        .await?;
    person_image::Entity::update_many()
        .col_expr(
            person_image::Column::IsPrimary,
            sea_orm::sea_query::Expr::value(false),
        )
        .filter(person_image::Column::PersonId.eq(person_id))
        .exec(txn)
        .await?;
    Ok(())
}

/// After the primary face is deleted, the newest remaining one takes its place.
async fn promote_newest(txn: &DatabaseTransaction, person_id: Uuid) -> Result<(), DbErr> {
    let newest = person_face_encoding::Entity::find()
        .filter(person_face_encoding::Column::PersonId.eq(person_id))
        .order_by_desc(person_face_encoding::Column::CreatedAt)
        .order_by_desc(person_face_encoding::Column::Id)
        .one(txn)
        .await?;
    if let Some(newest) = newest {
        let image_id = newest.image_id;
        let mut active: person_face_encoding::ActiveModel = newest.into();
        active.is_primary = Set(true);
        active.update(txn).await?;
        if let Some(image_id) = image_id {
            person_image::Entity::update_many()
                .col_expr(
                    person_image::Column::IsPrimary,
                    sea_orm::sea_query::Expr::value(true),
                )
                .filter(person_image::Column::Id.eq(image_id))
                .exec(txn)
                .await?;
        }
    }
    Ok(())
}

/// Deletes photo rows and queues their objects for erasure.
async fn erase_images(
    txn: &DatabaseTransaction,
    images: Vec<person_image::Model>,
) -> Result<(), DbErr> {
    let at = now();
    for image in images {
        object_deletion::Entity::insert(object_deletion::ActiveModel {
            path: Set(image.image_path.clone()),
            requested_at: Set(at),
        })
        .on_conflict_do_nothing()
        .exec_without_returning(txn)
        .await?;
        person_image::Entity::delete_by_id(image.id)
            .exec(txn)
            .await?;
    }
    Ok(())
}

/// Queues the person's gallery entry, recomputed from their encodings: a put with every
/// encoding, or a purge when none is left.
async fn enqueue_gallery(
    txn: &DatabaseTransaction,
    subject: &str,
    person_id: Uuid,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    let encodings = person_face_encoding::Entity::find()
        .filter(person_face_encoding::Column::PersonId.eq(person_id))
        .order_by_asc(person_face_encoding::Column::Id)
        .all(txn)
        .await?;
    let (payload, headers) = if encodings.is_empty() {
        (
            Vec::new(),
            vec![
                (
                    faceattend_bus::headers::KV_OPERATION.to_owned(),
                    "PURGE".to_owned(),
                ),
                (faceattend_bus::headers::ROLLUP.to_owned(), "sub".to_owned()),
            ],
        )
    } else {
        let value = wire::GalleryPerson {
            person_id: person_id.to_string(),
            encodings: encodings
                .iter()
                .map(|e| wire::GalleryEncoding {
                    encoding_id: e.id.to_string(),
                    embedding: Some(wire::Embedding {
                        model: e.model.clone(),
                        dimension: e.dimension as u32,
                        values: decode_vector(&e.encoding),
                    }),
                    quality: e.quality_score,
                })
                .collect(),
            updated_at: Some(prost_types::Timestamp {
                seconds: at.timestamp(),
                nanos: at.timestamp_subsec_nanos() as i32,
            }),
        };
        (value.encode_to_vec(), Vec::new())
    };
    let mut headers = headers;
    headers.extend(faceattend_bus::current_trace_headers());
    faceattend_outbox::enqueue(
        txn,
        OutboxMessage {
            id: Uuid::now_v7(),
            subject: subject.to_owned(),
            content_type: format!(
                "application/protobuf; proto={}",
                wire::GalleryPerson::full_name()
            ),
            headers,
            payload,
        },
    )
    .await
}

/// Unit vectors are stored as little-endian f32, 4 bytes per dimension.
pub fn encode_vector(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

pub fn decode_vector(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors_round_trip_through_bytes() {
        let values = vec![0.25f32, -1.0, 3.5e-8, f32::MIN_POSITIVE];
        let bytes = encode_vector(&values);
        assert_eq!(bytes.len(), 16);
        assert_eq!(decode_vector(&bytes), values);
    }
}
