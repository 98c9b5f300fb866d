//! The evidence behind attendance: stored detections with what a reviewer needs to judge
//! them, the snapshot camera-agent kept of each capture's whole frame, the face cut out of
//! it, a record's sightings and history, and the unknown faces grouped by appearance.
//!
//! Snapshots are read from the object store camera-agent writes to (`SNAPSHOTS_URL`): this
//! service owns the evidence of the records it serves, so the console never reads storage
//! itself and every image passes the same permission check as the record. A detection of a
//! person deleted since is nobody's evidence any more: it answers 404, as if it were gone.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Cursor;

use bytes::Bytes;
use chrono::{DateTime, Duration, Utc};
use faceattend_attendance_store::entities::{
    attendance, audit_log, detection, person_directory, review_item,
};
use faceattend_attendance_store::policy::{PolicyBook, PolicyDefaults};
use faceattend_attendance_store::{FaceBox, FaceDecision};
use faceattend_service::object_storage::ObjectStorage;
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::error::AttendanceApiError;

type Result<T> = std::result::Result<T, AttendanceApiError>;

/// Margin around the face in a served crop, in face widths on each side: enough of the head
/// and hair to recognise someone by eye, and for person-api's detector when an operator
/// enrols the crop.
const CROP_MARGIN: f32 = 0.6;
/// The unknown detections a listing groups at most: the newest of the period. A period with
/// more strangers than this is listed from its newest sightings, never by reading them all.
pub const UNKNOWN_SCAN_LIMIT: u64 = 5_000;

/// A detection with the names of the persons it points to (from the directory).
#[derive(Debug, Clone)]
pub struct NamedDetection {
    pub detection: detection::Model,
    pub person_name: Option<String>,
    pub runner_up_name: Option<String>,
    pub has_snapshot: bool,
}

/// One appearance of a stranger: the unknown detections of one camera track.
#[derive(Debug, Clone)]
pub struct UnknownFaceGroup {
    pub camera_id: String,
    pub track_id: Option<String>,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub sightings: usize,
    /// The sighting to show and enrol from: the best quality one with a snapshot.
    pub best: NamedDetection,
}

/// A record with the evidence it rests on and what was done to it.
#[derive(Debug, Clone)]
pub struct RecordEvidence {
    pub record: attendance::Model,
    pub person: Option<person_directory::Model>,
    /// Every sighting of the person on the record's work day, oldest first.
    pub sightings: Vec<NamedDetection>,
    /// The review items of those sightings.
    pub review_items: Vec<review_item::Model>,
    /// The audit entries of the record, its sightings and their review items, oldest first.
    pub history: Vec<audit_log::Model>,
}

#[derive(Clone)]
pub struct Evidence {
    db: DatabaseConnection,
    snapshots: Option<ObjectStorage>,
    defaults: PolicyDefaults,
}

impl Evidence {
    pub fn new(
        db: DatabaseConnection,
        snapshots: Option<ObjectStorage>,
        defaults: PolicyDefaults,
    ) -> Self {
        Self {
            db,
            snapshots,
            defaults,
        }
    }

    /// A detection that is still somebody's evidence (or an unknown face's).
    pub async fn detection(&self, id: Uuid) -> Result<NamedDetection> {
        let row = detection::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .ok_or(AttendanceApiError::DetectionNotFound(id))?;
        let mut named = self.named(vec![row]).await?;
        named.pop().ok_or(AttendanceApiError::DetectionNotFound(id))
    }

    /// The whole frame the detection was seen in (JPEG, as camera-agent stored it).
    pub async fn snapshot(&self, id: Uuid) -> Result<Bytes> {
        let named = self.detection(id).await?;
        self.read_snapshot(&named.detection).await
    }

    /// The face of the detection cut out of its snapshot, with a margin (JPEG).
    pub async fn crop(&self, id: Uuid) -> Result<Vec<u8>> {
        let named = self.detection(id).await?;
        let face = FaceBox::of(&named.detection).ok_or(AttendanceApiError::EvidenceNotFound(id))?;
        let jpeg = self.read_snapshot(&named.detection).await?;
        tokio::task::spawn_blocking(move || crop_face(&jpeg, face))
            .await
            .map_err(|e| AttendanceApiError::EvidenceUnreadable(e.to_string()))?
    }

    async fn read_snapshot(&self, row: &detection::Model) -> Result<Bytes> {
        let (Some(store), Some(key)) = (&self.snapshots, row.snapshot_ref.as_deref()) else {
            return Err(AttendanceApiError::EvidenceNotFound(row.id));
        };
        store
            .get_if_exists(key)
            .await
            .map_err(|e| AttendanceApiError::EvidenceStorage(e.to_string()))?
            .ok_or(AttendanceApiError::EvidenceNotFound(row.id))
    }

    /// Names `rows` from the directory and drops those of deleted persons.
    pub async fn named(&self, rows: Vec<detection::Model>) -> Result<Vec<NamedDetection>> {
        let ids: BTreeSet<Uuid> = rows
            .iter()
            .flat_map(|d| [d.person_id, d.runner_up_person_id])
            .flatten()
            .collect();
        let directory = self.directory(&ids).await?;
        let name = |id: Option<Uuid>| {
            id.and_then(|id| directory.get(&id))
                .filter(|p| !p.deleted)
                .map(|p| p.name.clone())
        };
        Ok(rows
            .into_iter()
            .filter(|d| {
                d.person_id
                    .is_none_or(|id| directory.get(&id).is_none_or(|p| !p.deleted))
            })
            .map(|d| NamedDetection {
                person_name: name(d.person_id),
                runner_up_name: name(d.runner_up_person_id),
                has_snapshot: self.snapshots.is_some() && d.snapshot_ref.is_some(),
                detection: d,
            })
            .collect())
    }

    /// The directory entries of `ids`, by id.
    pub async fn directory(
        &self,
        ids: &BTreeSet<Uuid>,
    ) -> Result<HashMap<Uuid, person_directory::Model>> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        Ok(person_directory::Entity::find()
            .filter(person_directory::Column::PersonId.is_in(ids.iter().copied()))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|p| (p.person_id, p))
            .collect())
    }

    /// The detections `ids`, named, by id (those of deleted persons left out).
    pub async fn detections(&self, ids: &BTreeSet<Uuid>) -> Result<HashMap<Uuid, NamedDetection>> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let rows = detection::Entity::find()
            .filter(detection::Column::Id.is_in(ids.iter().copied()))
            .all(&self.db)
            .await?;
        Ok(self
            .named(rows)
            .await?
            .into_iter()
            .map(|d| (d.detection.id, d))
            .collect())
    }

    /// A record with its sightings, their review items and its history.
    pub async fn record(&self, attendance_id: Uuid) -> Result<RecordEvidence> {
        let record = attendance::Entity::find_by_id(attendance_id)
            .one(&self.db)
            .await?
            .ok_or(AttendanceApiError::AttendanceNotFound(attendance_id))?;
        let person = self
            .directory(&BTreeSet::from([record.person_id]))
            .await?
            .remove(&record.person_id);
        if person.as_ref().is_some_and(|p| p.deleted) {
            return Err(AttendanceApiError::AttendanceNotFound(attendance_id));
        }
        let organization = person.as_ref().and_then(|p| p.organization.as_deref());
        let date = record.attendance_date;
        let book = PolicyBook::load(
            &self.db,
            &self.defaults,
            (date - Duration::days(1))..=(date + Duration::days(1)),
        )
        .await?;
        let (from, to) = book.policy_for(organization).day_bounds(date);
        // The evidence the record names, even when a shift change moved it out of the day.
        let named: Vec<Uuid> = [
            record.check_in_detection_id,
            record.check_out_detection_id,
            record.status_evidence,
        ]
        .into_iter()
        .flatten()
        .collect();
        let rows = detection::Entity::find()
            .filter(
                Condition::any()
                    .add(
                        Condition::all()
                            .add(detection::Column::PersonId.eq(record.person_id))
                            .add(detection::Column::CapturedAt.gte(from))
                            .add(detection::Column::CapturedAt.lt(to)),
                    )
                    .add(detection::Column::Id.is_in(named)),
            )
            .order_by_asc(detection::Column::CapturedAt)
            .order_by_asc(detection::Column::Id)
            .all(&self.db)
            .await?;
        let sightings = self.named(rows).await?;
        let detection_ids: Vec<Uuid> = sightings.iter().map(|d| d.detection.id).collect();
        let review_items = review_item::Entity::find()
            .filter(review_item::Column::DetectionId.is_in(detection_ids.iter().copied()))
            .order_by_asc(review_item::Column::At)
            .all(&self.db)
            .await?;
        let mut entity_ids: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        entity_ids.insert("attendance", vec![record.id.to_string()]);
        entity_ids.insert(
            "detection",
            detection_ids.iter().map(Uuid::to_string).collect(),
        );
        entity_ids.insert(
            "review_item",
            review_items.iter().map(|r| r.id.to_string()).collect(),
        );
        let mut condition = Condition::any();
        for (entity, ids) in entity_ids {
            if !ids.is_empty() {
                condition = condition.add(
                    Condition::all()
                        .add(audit_log::Column::Entity.eq(entity))
                        .add(audit_log::Column::EntityId.is_in(ids)),
                );
            }
        }
        let history = audit_log::Entity::find()
            .filter(condition)
            .order_by_asc(audit_log::Column::At)
            .order_by_asc(audit_log::Column::Id)
            .all(&self.db)
            .await?;
        Ok(RecordEvidence {
            record,
            person,
            sightings,
            review_items,
            history,
        })
    }

    /// The strangers seen in `[from, to)`, one group per camera track, the most recently seen
    /// first. Rejected sightings ("not a person") are left out.
    pub async fn unknown_faces(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        camera_id: Option<&str>,
    ) -> Result<Vec<UnknownFaceGroup>> {
        let mut query = detection::Entity::find()
            .filter(detection::Column::Decision.eq(FaceDecision::Unknown.as_str()))
            .filter(detection::Column::CapturedAt.gte(from))
            .filter(detection::Column::CapturedAt.lt(to))
            .filter(detection::Column::Verdict.is_null());
        if let Some(camera) = camera_id {
            query = query.filter(detection::Column::CameraId.eq(camera));
        }
        let rows = query
            .order_by_desc(detection::Column::CapturedAt)
            .order_by_desc(detection::Column::Id)
            .limit(UNKNOWN_SCAN_LIMIT)
            .all(&self.db)
            .await?;
        let has_store = self.snapshots.is_some();
        // Keyed by (camera, track); a detection without a track is an appearance of its own.
        let mut groups: Vec<UnknownFaceGroup> = Vec::new();
        let mut index: HashMap<(String, String), usize> = HashMap::new();
        for row in rows {
            let key = (
                row.camera_id.clone(),
                row.track_id.clone().unwrap_or_else(|| row.id.to_string()),
            );
            let named = NamedDetection {
                person_name: None,
                runner_up_name: None,
                has_snapshot: has_store && row.snapshot_ref.is_some(),
                detection: row,
            };
            match index.get(&key) {
                Some(&at) => {
                    let group = &mut groups[at];
                    group.sightings += 1;
                    group.first_seen = group.first_seen.min(named.detection.captured_at);
                    if better_to_show(&named, &group.best) {
                        group.best = named;
                    }
                }
                None => {
                    index.insert(key, groups.len());
                    groups.push(UnknownFaceGroup {
                        camera_id: named.detection.camera_id.clone(),
                        track_id: named.detection.track_id.clone(),
                        first_seen: named.detection.captured_at,
                        last_seen: named.detection.captured_at,
                        sightings: 1,
                        best: named,
                    });
                }
            }
        }
        Ok(groups)
    }
}

/// Whether `candidate` is a better face to show than `current`: one that can be shown at
/// all (a snapshot and a box), then the sharper, larger, more frontal one (higher quality).
fn better_to_show(candidate: &NamedDetection, current: &NamedDetection) -> bool {
    let showable = |d: &NamedDetection| d.has_snapshot && FaceBox::of(&d.detection).is_some();
    match (showable(candidate), showable(current)) {
        (true, false) => true,
        (false, true) => false,
        _ => candidate.detection.quality > current.detection.quality,
    }
}

/// Cuts `face` with [`CROP_MARGIN`] out of the JPEG `snapshot` (clamped to the frame).
fn crop_face(snapshot: &[u8], face: FaceBox) -> Result<Vec<u8>> {
    let frame = image::load_from_memory(snapshot)
        .map_err(|e| AttendanceApiError::EvidenceUnreadable(e.to_string()))?
        .to_rgb8();
    let (width, height) = frame.dimensions();
    let margin = (face.x_max - face.x_min).max(face.y_max - face.y_min) * CROP_MARGIN;
    let clamp = |v: f32, max: u32| v.round().clamp(0.0, max as f32) as u32;
    let x0 = clamp(face.x_min - margin, width);
    let y0 = clamp(face.y_min - margin, height);
    let x1 = clamp(face.x_max + margin, width);
    let y1 = clamp(face.y_max + margin, height);
    if x1 <= x0 || y1 <= y0 {
        return Err(AttendanceApiError::EvidenceUnreadable(format!(
            "the face box lies outside the {width}×{height} snapshot"
        )));
    }
    let crop = image::imageops::crop_imm(&frame, x0, y0, x1 - x0, y1 - y0).to_image();
    let mut jpeg = Cursor::new(Vec::with_capacity(32 * 1024));
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 92)
        .encode_image(&crop)
        .map_err(|e| AttendanceApiError::EvidenceUnreadable(e.to_string()))?;
    Ok(jpeg.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg(width: u32, height: u32) -> Vec<u8> {
        let frame = image::RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
        });
        let mut out = Cursor::new(Vec::new());
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
            .encode_image(&frame)
            .expect("encodes");
        out.into_inner()
    }

    fn size(jpeg: &[u8]) -> (u32, u32) {
        let image = image::load_from_memory(jpeg).expect("a JPEG");
        (image.width(), image.height())
    }

    #[test]
    fn a_crop_is_the_face_with_its_margin_clamped_to_the_frame() {
        let frame = jpeg(640, 480);
        // 100 px face, 60 px margin on each side.
        let middle = FaceBox::new(200.0, 150.0, 300.0, 250.0).expect("a box");
        assert_eq!(
            size(&crop_face(&frame, middle).expect("a crop")),
            (220, 220)
        );
        // In a corner, the margin stops at the frame's edge.
        let corner = FaceBox::new(10.0, 20.0, 110.0, 120.0).expect("a box");
        assert_eq!(
            size(&crop_face(&frame, corner).expect("a crop")),
            (170, 180)
        );
    }

    #[test]
    fn a_box_outside_the_frame_or_a_broken_snapshot_is_refused() {
        let frame = jpeg(64, 48);
        let outside = FaceBox::new(500.0, 500.0, 600.0, 600.0).expect("a box");
        assert!(matches!(
            crop_face(&frame, outside),
            Err(AttendanceApiError::EvidenceUnreadable(_))
        ));
        let middle = FaceBox::new(10.0, 10.0, 20.0, 20.0).expect("a box");
        assert!(matches!(
            crop_face(b"not a jpeg", middle),
            Err(AttendanceApiError::EvidenceUnreadable(_))
        ));
    }
}
