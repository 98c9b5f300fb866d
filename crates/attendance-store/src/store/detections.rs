//! Stored detections: the evidence every attendance record points to, and the input from
//! which a person's day is recomputed.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use faceattend_domain::attendance::{
    AppearanceCapture, CameraRole, Confidence, Sighting, Verdict, appearance_key, superseded,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    TryInsertResult,
};
use uuid::Uuid;

use super::micros;
use crate::StoreError;
use crate::entities::detection;

/// A detection as the face-embedder reported it, with the role of its camera.
#[derive(Debug, Clone, PartialEq)]
pub struct NewDetection {
    /// The detection id (its `Nats-Msg-Id`).
    pub id: Uuid,
    pub camera_id: String,
    /// The camera's declared role when the detection arrived; `Both` for an undeclared one.
    pub camera_role: CameraRole,
    pub captured_at: DateTime<Utc>,
    /// `None` for an unknown face.
    pub person_id: Option<Uuid>,
    pub distance: f32,
    pub confidence: Confidence,
    pub model_id: String,
    pub quality: f32,
    pub snapshot_ref: Option<String>,
    pub received_at: DateTime<Utc>,
    pub evidence: DetectionEvidence,
}

/// What the face-embedder said of a detection beyond its person, kept for whoever reviews it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DetectionEvidence {
    pub decision: Option<FaceDecision>,
    /// The camera's track of the appearance.
    pub track_id: Option<String>,
    /// Where the face is in the snapshot, in its pixels.
    pub face_box: Option<FaceBox>,
    pub runner_up: Option<RunnerUp>,
}

/// The face-embedder's decision on a face (`faces.v1.Decision`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaceDecision {
    /// Near enough to one person.
    Match,
    /// Near two persons at once: the best is not evidence the person was there.
    Ambiguous,
    /// Near nobody enrolled.
    Unknown,
}

impl FaceDecision {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Match => "match",
            Self::Ambiguous => "ambiguous",
            Self::Unknown => "unknown",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "match" => Some(Self::Match),
            "ambiguous" => Some(Self::Ambiguous),
            "unknown" => Some(Self::Unknown),
            _ => None,
        }
    }
}

/// An axis-aligned box in image pixels; only a box with a positive area exists.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaceBox {
    pub x_min: f32,
    pub y_min: f32,
    pub x_max: f32,
    pub y_max: f32,
}

impl FaceBox {
    pub fn new(x_min: f32, y_min: f32, x_max: f32, y_max: f32) -> Option<Self> {
        let finite = [x_min, y_min, x_max, y_max].iter().all(|v| v.is_finite());
        (finite && x_min < x_max && y_min < y_max).then_some(Self {
            x_min,
            y_min,
            x_max,
            y_max,
        })
    }

    /// The stored box of a detection row, when it has a whole one.
    pub fn of(row: &detection::Model) -> Option<Self> {
        Self::new(
            row.face_x_min?,
            row.face_y_min?,
            row.face_x_max?,
            row.face_y_max?,
        )
    }
}

/// The second-nearest enrolled person of a face.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunnerUp {
    pub person_id: Uuid,
    pub distance: f32,
}

/// Stores each detection whose id is not stored yet, in one statement; repeats (within the
/// batch or of stored ones) change nothing.
pub async fn insert_many<C: ConnectionTrait>(
    conn: &C,
    batch: &[&NewDetection],
) -> Result<(), StoreError> {
    if batch.is_empty() {
        return Ok(());
    }
    let rows = batch.iter().map(|detection| row(detection));
    detection::Entity::insert_many(rows)
        .on_conflict_do_nothing_on([detection::Column::Id])
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

fn row(detection: &NewDetection) -> detection::ActiveModel {
    detection::ActiveModel {
        id: Set(detection.id),
        camera_id: Set(detection.camera_id.clone()),
        camera_role: Set(detection.camera_role.as_str().to_owned()),
        captured_at: Set(micros(detection.captured_at)),
        person_id: Set(detection.person_id),
        distance: Set(detection.distance),
        confidence: Set(detection.confidence.value()),
        model_id: Set(detection.model_id.clone()),
        quality: Set(detection.quality),
        snapshot_ref: Set(detection.snapshot_ref.clone()),
        received_at: Set(micros(detection.received_at)),
        verdict: Set(None),
        verdict_by: Set(None),
        verdict_at: Set(None),
        decision: Set(detection.evidence.decision.map(|d| d.as_str().to_owned())),
        track_id: Set(detection.evidence.track_id.clone()),
        face_x_min: Set(detection.evidence.face_box.map(|b| b.x_min)),
        face_y_min: Set(detection.evidence.face_box.map(|b| b.y_min)),
        face_x_max: Set(detection.evidence.face_box.map(|b| b.x_max)),
        face_y_max: Set(detection.evidence.face_box.map(|b| b.y_max)),
        runner_up_person_id: Set(detection.evidence.runner_up.map(|r| r.person_id)),
        runner_up_distance: Set(detection.evidence.runner_up.map(|r| r.distance)),
    }
}

/// Stores `detection` unless its id is already stored; `true` when it was new.
///
/// `ON CONFLICT DO NOTHING` rather than read-then-insert: two replicas handling the same
/// redelivered message race on the insert, and the loser must see "not new", not an error.
pub async fn insert<C: ConnectionTrait>(
    conn: &C,
    detection: &NewDetection,
) -> Result<bool, StoreError> {
    let row = row(detection);
    let result = detection::Entity::insert(row)
        .on_conflict_do_nothing()
        .exec_without_returning(conn)
        .await?;
    Ok(matches!(result, TryInsertResult::Inserted(rows) if rows > 0))
}

/// The detections of any of `persons` captured in `[from, to)`, as sightings in capture
/// order.
pub async fn sightings_of<C: ConnectionTrait>(
    conn: &C,
    persons: &BTreeSet<Uuid>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<Sighting>, StoreError> {
    if persons.is_empty() {
        return Ok(Vec::new());
    }
    let rows = detection::Entity::find()
        .filter(detection::Column::PersonId.is_in(persons.iter().copied()))
        .filter(detection::Column::CapturedAt.gte(from))
        .filter(detection::Column::CapturedAt.lt(to))
        .order_by_asc(detection::Column::CapturedAt)
        .order_by_asc(detection::Column::Id)
        .all(conn)
        .await?;
    to_sightings(conn, rows).await
}

/// The person's detections captured in `[from, to)`, as sightings in capture order.
pub async fn sightings<C: ConnectionTrait>(
    conn: &C,
    person_id: Uuid,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<Sighting>, StoreError> {
    let rows = detection::Entity::find()
        .filter(detection::Column::PersonId.eq(person_id))
        .filter(detection::Column::CapturedAt.gte(from))
        .filter(detection::Column::CapturedAt.lt(to))
        .order_by_asc(detection::Column::CapturedAt)
        .order_by_asc(detection::Column::Id)
        .all(conn)
        .await?;
    to_sightings(conn, rows).await
}

/// The person-days other than their own that a batch of detections can change: the days of
/// whoever the other captures of the same appearances name, as (detection of the batch, person,
/// capture time). A clearer capture that names someone else supersedes an earlier capture's
/// mark, so that earlier person's day is decided again.
pub async fn appearance_mates<C: ConnectionTrait>(
    conn: &C,
    batch: &[&NewDetection],
) -> Result<Vec<(Uuid, Uuid, DateTime<Utc>)>, StoreError> {
    let mut by_appearance: HashMap<String, Uuid> = HashMap::new();
    for detection in batch {
        let track = detection.evidence.track_id.as_deref().unwrap_or("");
        if let Some(key) = appearance_key(&detection.camera_id, track) {
            // The latest id of the appearance names the cause, whatever the batch's order.
            let cause = by_appearance.entry(key).or_insert(detection.id);
            *cause = (*cause).max(detection.id);
        }
    }
    if by_appearance.is_empty() {
        return Ok(Vec::new());
    }
    let tracks: BTreeSet<&str> = batch
        .iter()
        .filter_map(|d| d.evidence.track_id.as_deref())
        .collect();
    let mut mates = Vec::new();
    for (key, captures) in appearances(conn, tracks).await? {
        let Some(&cause) = by_appearance.get(&key) else {
            continue;
        };
        mates.extend(
            captures
                .into_iter()
                .filter_map(|c| Some((cause, c.person_id?, c.captured_at))),
        );
    }
    Ok(mates)
}

/// Every stored capture of the appearances on these tracks, whoever it names, by appearance
/// key (`appearance_key`: a track id is only unique within its camera).
async fn appearances<C: ConnectionTrait>(
    conn: &C,
    tracks: BTreeSet<&str>,
) -> Result<HashMap<String, Vec<detection::Model>>, StoreError> {
    let mut appearances: HashMap<String, Vec<detection::Model>> = HashMap::new();
    let tracks: Vec<&str> = tracks.into_iter().filter(|t| !t.is_empty()).collect();
    if tracks.is_empty() {
        return Ok(appearances);
    }
    let captures = detection::Entity::find()
        .filter(detection::Column::TrackId.is_in(tracks))
        .all(conn)
        .await?;
    for capture in captures {
        if let Some(key) = appearance_key(
            &capture.camera_id,
            capture.track_id.as_deref().unwrap_or(""),
        ) {
            appearances.entry(key).or_default().push(capture);
        }
    }
    Ok(appearances)
}

/// The detections as sightings, each weighed against the other captures of its appearance
/// (read in one query, whoever they name): see `faceattend_domain::attendance::superseded`.
async fn to_sightings<C: ConnectionTrait>(
    conn: &C,
    rows: Vec<detection::Model>,
) -> Result<Vec<Sighting>, StoreError> {
    let tracks: BTreeSet<&str> = rows
        .iter()
        .filter_map(|row| row.track_id.as_deref())
        .collect();
    let appearances: HashMap<String, Vec<AppearanceCapture>> = appearances(conn, tracks)
        .await?
        .into_iter()
        .map(|(key, captures)| {
            let weighed = captures
                .into_iter()
                .map(|capture| AppearanceCapture {
                    detection_id: capture.id,
                    person_id: capture.person_id,
                    quality: capture.quality,
                    rejected: capture.verdict.as_deref() == Some(Verdict::Rejected.as_str()),
                })
                .collect();
            (key, weighed)
        })
        .collect();
    rows.into_iter()
        .map(|row| {
            let appearance = appearance_key(&row.camera_id, row.track_id.as_deref().unwrap_or(""));
            let captures = appearance.as_ref().and_then(|key| appearances.get(key));
            let quality = row.quality;
            let mut sighting = to_sighting(row)?;
            sighting.superseded = captures.is_some_and(|captures| {
                superseded(sighting.detection_id, sighting.person_id, quality, captures)
            });
            sighting.appearance = appearance;
            Ok(sighting)
        })
        .collect()
}

fn to_sighting(row: detection::Model) -> Result<Sighting, StoreError> {
    let corrupt = |reason: String| StoreError::corrupt("detections", row.id, reason);
    Ok(Sighting {
        detection_id: row.id,
        person_id: row
            .person_id
            .ok_or_else(|| corrupt("an unknown face is no sighting".to_owned()))?,
        role: CameraRole::parse(&row.camera_role).map_err(|e| corrupt(e.to_string()))?,
        confidence: Confidence::new(row.confidence).map_err(|e| corrupt(e.to_string()))?,
        verdict: row
            .verdict
            .as_deref()
            .map(|raw| {
                Verdict::parse(raw).ok_or_else(|| corrupt(format!("unknown verdict {raw:?}")))
            })
            .transpose()?,
        camera_id: row.camera_id,
        at: row.captured_at,
        appearance: None,
        superseded: false,
    })
}
