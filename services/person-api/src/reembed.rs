//! Re-embedding: recompute every stored encoding from its original photo with the model
//! face-embedder runs now.
//!
//! Run after deploying a new embedding model (`faceattend reembed`). Encodings of different
//! models are never compared, so until a person's photos are re-embedded the new gallery
//! simply does not know them; the command walks every photo in id order, asks face-embedder
//! for the face (the one that overlaps the stored face location best), replaces the photo's
//! encodings in one transaction and republishes the person's gallery entry. Photos already
//! encoded by the current model are skipped, so an interrupted run just starts again.

use faceattend_proto::faces::v1 as wire;

use crate::error::PersonApiError;
use crate::face_client::FaceClient;
use crate::images::ImageStore;
use crate::store::PersonStore;

/// What a run did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ReembedReport {
    pub photos: u64,
    pub reembedded: u64,
    pub already_current: u64,
    /// Photos that could not be re-embedded (missing object, no face found), with the reason.
    pub failed: Vec<(uuid::Uuid, String)>,
    pub model: String,
}

pub async fn reembed_all(
    store: &PersonStore,
    images: &ImageStore,
    faces: &FaceClient,
) -> Result<ReembedReport, PersonApiError> {
    let mut report = ReembedReport::default();
    let mut after = None;
    loop {
        let page = store.images_page(after, 100).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        for image in page {
            report.photos += 1;
            // The model is whatever face-embedder answers with; learnt from the first reply.
            if !report.model.is_empty() && !store.needs_reembedding(image.id, &report.model).await?
            {
                report.already_current += 1;
                continue;
            }
            let bytes = match images.get(&image.image_path).await {
                Ok(bytes) => bytes,
                Err(error) => {
                    report
                        .failed
                        .push((image.id, format!("photo unreadable: {error}")));
                    continue;
                }
            };
            let reply = match faces.embed(bytes).await {
                Ok(reply) => reply,
                Err(crate::face_client::FaceServiceError::Rejected { message, .. }) => {
                    report.failed.push((image.id, message));
                    continue;
                }
                Err(error) => return Err(error.into()),
            };
            let Some(face) = best_overlap(&reply.faces, &image.face_location) else {
                report
                    .failed
                    .push((image.id, "no face found any more".to_owned()));
                continue;
            };
            let Some(embedding) = face.embedding.clone() else {
                report
                    .failed
                    .push((image.id, "no embedding returned".to_owned()));
                continue;
            };
            if report.model.is_empty() {
                report.model = embedding.model.clone();
                if !store.needs_reembedding(image.id, &report.model).await? {
                    report.already_current += 1;
                    continue;
                }
            }
            let quality = face.quality.as_ref().map_or(0.0, |q| q.score);
            store
                .replace_image_encoding(&image, embedding, face.detector_score, quality)
                .await?;
            report.reembedded += 1;
        }
    }
    Ok(report)
}

/// The face whose box overlaps the stored location most (the largest when none does).
fn best_overlap<'a>(
    faces: &'a [wire::Face],
    location: &serde_json::Value,
) -> Option<&'a wire::Face> {
    let coordinate = |key: &str| location.get(key).and_then(|v| v.as_f64()).map(|v| v as f32);
    let stored = (|| {
        Some((
            coordinate("x_min")?,
            coordinate("y_min")?,
            coordinate("x_max")?,
            coordinate("y_max")?,
        ))
    })();
    let iou = |face: &wire::Face| -> f32 {
        let (Some(b), Some((x0, y0, x1, y1))) = (face.r#box, stored) else {
            return 0.0;
        };
        let w = (b.x_max.min(x1) - b.x_min.max(x0)).max(0.0);
        let h = (b.y_max.min(y1) - b.y_min.max(y0)).max(0.0);
        let inter = w * h;
        let union = (b.x_max - b.x_min) * (b.y_max - b.y_min) + (x1 - x0) * (y1 - y0) - inter;
        if union > 0.0 { inter / union } else { 0.0 }
    };
    faces
        .iter()
        .max_by(|a, b| iou(a).total_cmp(&iou(b)))
        .filter(|f| iou(f) > 0.0)
        .or_else(|| faces.first())
}
