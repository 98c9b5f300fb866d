//! The recognition core of face-embedder: image bytes in, faces with embeddings, matches and
//! open-set decisions out. The NATS endpoints and the camera consumer are thin wrappers.
//!
//! Inference is CPU-bound and synchronous, so it runs on tokio's blocking pool behind a
//! semaphore: at most `inference_workers` images are analysed at once, however many requests
//! arrive, and the async threads stay free to move messages.

use std::sync::{Arc, RwLock};
use std::time::Instant;

use faceattend_face::{
    Calibration, Candidate, DecodeError, DecodeLimits, Embedding, FacePipeline, Gallery,
    GalleryError, Identification, MatchRule, ModelError, ModelId, REVIEW_CONFIDENCE, decode_image,
};
use faceattend_proto::faces::v1 as wire;
use prometheus::{HistogramOpts, HistogramVec, IntCounterVec, IntGauge, Opts, Registry};
use tokio::sync::Semaphore;

/// Why a request could not be served. `code` is stable and machine-readable; `status` is
/// HTTP-like so callers can map it straight to a response.
#[derive(Debug, thiserror::Error)]
pub enum RecognizeError {
    #[error("{0}")]
    Decode(#[from] DecodeError),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Gallery(#[from] GalleryError),
    #[error("face models failed: {0}")]
    Model(#[from] ModelError),
    #[error("the service is shutting down")]
    Unavailable,
}

impl RecognizeError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Decode(DecodeError::Empty) => "empty_image",
            Self::Decode(DecodeError::TooLarge { .. }) => "image_too_large",
            Self::Decode(DecodeError::UnsupportedFormat(_)) => "unsupported_image",
            Self::Decode(DecodeError::TooManyPixels { .. }) => "image_too_large",
            Self::Decode(DecodeError::Corrupt(_)) => "undecodable_image",
            Self::BadRequest(_) => "invalid_request",
            Self::Gallery(_) => "model_mismatch",
            Self::Model(_) => "inference_failed",
            Self::Unavailable => "unavailable",
        }
    }

    pub fn status(&self) -> u16 {
        match self {
            Self::Decode(DecodeError::TooLarge { .. } | DecodeError::TooManyPixels { .. }) => 413,
            Self::Decode(_) | Self::Gallery(_) => 422,
            Self::BadRequest(_) => 400,
            Self::Model(_) => 500,
            Self::Unavailable => 503,
        }
    }

    /// Transient failures are worth a retry; the client's own mistakes are not.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Model(_) | Self::Unavailable)
    }
}

/// A face of an analysed image, in wire form, with its embedding kept for the search.
pub struct FoundFace {
    pub wire: wire::Face,
    pub embedding: Embedding,
}

/// A face with its search result.
pub struct IdentifiedFace {
    pub face: Option<FoundFace>,
    pub ranked: Vec<Candidate>,
    pub identification: Identification,
}

/// Counters and timings the service exposes at `/metrics`.
#[derive(Clone)]
pub struct RecognizerMetrics {
    pub images: IntCounterVec,
    pub faces: IntCounterVec,
    pub seconds: HistogramVec,
    pub gallery_encodings: IntGauge,
}

impl RecognizerMetrics {
    pub fn register(registry: &Registry) -> Self {
        let images = IntCounterVec::new(
            Opts::new("face_images_total", "Images analysed, by outcome"),
            &["outcome"],
        )
        .expect("static metric options are valid");
        let faces = IntCounterVec::new(
            Opts::new("face_faces_total", "Faces found, by decision"),
            &["decision"],
        )
        .expect("static metric options are valid");
        let seconds = HistogramVec::new(
            HistogramOpts::new("face_analysis_seconds", "Time per image, by stage").buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
            ]),
            &["stage"],
        )
        .expect("static metric options are valid");
        let gallery_encodings = IntGauge::new(
            "face_gallery_encodings",
            "Encodings in this replica's in-memory gallery",
        )
        .expect("static metric options are valid");
        for collector in [
            Box::new(images.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(faces.clone()),
            Box::new(seconds.clone()),
            Box::new(gallery_encodings.clone()),
        ] {
            registry
                .register(collector)
                .expect("first registration of a face metric");
        }
        Self {
            images,
            faces,
            seconds,
            gallery_encodings,
        }
    }
}

/// The embedding model has no measured distance → confidence calibration.
#[derive(Debug, thiserror::Error)]
#[error(
    "no confidence calibration is known for embedding model {model}: measure one with `faceattend calibrate` (docs/calibration.md) before serving it"
)]
pub struct UncalibratedModel {
    pub model: String,
}

pub struct Recognizer {
    pipeline: Arc<FacePipeline>,
    gallery: Arc<RwLock<Gallery>>,
    calibration: Calibration,
    rule: MatchRule,
    limits: DecodeLimits,
    permits: Semaphore,
    metrics: RecognizerMetrics,
}

/// What to do with a search: how many persons to rank and which to report.
#[derive(Debug, Clone, Copy)]
pub struct SearchOptions {
    pub top_k: usize,
    pub min_confidence: f32,
}

impl Recognizer {
    pub fn new(
        pipeline: Arc<FacePipeline>,
        gallery: Arc<RwLock<Gallery>>,
        min_margin: f32,
        limits: DecodeLimits,
        inference_workers: usize,
        metrics: RecognizerMetrics,
    ) -> Result<Self, UncalibratedModel> {
        let model = pipeline.embedder().model().clone();
        // Confidences of a model without measured knots would mean nothing, and 0.7 would no
        // longer be a false-accept rate of 1 in 1,000: refuse rather than borrow another
        // model's knots.
        let calibration = Calibration::for_model(&model).ok_or_else(|| UncalibratedModel {
            model: model.name.clone(),
        })?;
        let rule = MatchRule {
            max_distance: calibration.max_distance(REVIEW_CONFIDENCE),
            min_margin,
        };
        Ok(Self {
            pipeline,
            gallery,
            calibration,
            rule,
            limits,
            permits: Semaphore::new(inference_workers.max(1)),
            metrics,
        })
    }

    pub fn model(&self) -> &ModelId {
        self.pipeline.embedder().model()
    }

    pub fn calibration(&self) -> &Calibration {
        &self.calibration
    }

    pub fn metrics(&self) -> &RecognizerMetrics {
        &self.metrics
    }

    pub fn gallery(&self) -> &Arc<RwLock<Gallery>> {
        &self.gallery
    }

    /// Decodes and analyses one image: every face, largest first.
    pub async fn analyse(
        &self,
        image: bytes::Bytes,
    ) -> Result<(Vec<FoundFace>, (u32, u32)), RecognizeError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| RecognizeError::Unavailable)?;
        let pipeline = self.pipeline.clone();
        let limits = self.limits;
        let seconds = self.metrics.seconds.clone();
        let outcome = tokio::task::spawn_blocking(move || {
            let started = Instant::now();
            let decoded = decode_image(&image, &limits)?;
            seconds
                .with_label_values(&["decode"])
                .observe(started.elapsed().as_secs_f64());
            let started = Instant::now();
            let faces = pipeline.analyse(&decoded)?;
            seconds
                .with_label_values(&["analyse"])
                .observe(started.elapsed().as_secs_f64());
            Ok::<_, RecognizeError>((faces, decoded.dimensions()))
        })
        .await
        .map_err(|_| RecognizeError::Unavailable)?;
        let (mut faces, size) = match outcome {
            Ok(result) => {
                self.metrics.images.with_label_values(&["ok"]).inc();
                result
            }
            Err(error) => {
                self.metrics.images.with_label_values(&[error.code()]).inc();
                return Err(error);
            }
        };
        faces.sort_by(|a, b| b.detection.bbox.area().total_cmp(&a.detection.bbox.area()));
        let found = faces
            .into_iter()
            .map(|face| {
                let k = face.keypoints;
                let b = face.detection.bbox;
                FoundFace {
                    wire: wire::Face {
                        r#box: Some(wire::Box {
                            x_min: b.x_min,
                            y_min: b.y_min,
                            x_max: b.x_max,
                            y_max: b.y_max,
                        }),
                        keypoints: k.iter().map(|p| wire::Point { x: p.x, y: p.y }).collect(),
                        detector_score: face.detection.score,
                        quality: Some(wire::Quality {
                            score: face.quality.score,
                            issues: face
                                .quality
                                .issues
                                .iter()
                                .map(|i| i.code().to_owned())
                                .collect(),
                        }),
                        embedding: Some(embedding_to_wire(&face.embedding)),
                    },
                    embedding: face.embedding,
                }
            })
            .collect();
        Ok((found, size))
    }

    /// Ranks the gallery's persons for one embedding and decides.
    pub fn search(
        &self,
        embedding: &Embedding,
        top_k: usize,
    ) -> Result<(Vec<Candidate>, Identification), RecognizeError> {
        let started = Instant::now();
        let gallery = self.gallery.read().unwrap_or_else(|p| p.into_inner());
        // Two at least: the margin rule needs the runner-up.
        let ranked = if gallery.is_empty() {
            Vec::new()
        } else {
            gallery.search(embedding, top_k.max(2))?
        };
        drop(gallery);
        self.metrics
            .seconds
            .with_label_values(&["search"])
            .observe(started.elapsed().as_secs_f64());
        let identification = self.rule.decide(&ranked);
        let decision = match identification {
            Identification::Match(_) => "match",
            Identification::Ambiguous { .. } => "ambiguous",
            Identification::Unknown => "unknown",
        };
        self.metrics.faces.with_label_values(&[decision]).inc();
        Ok((ranked, identification))
    }

    /// Every face of an image, each with its ranked persons.
    pub async fn identify_image(
        &self,
        image: bytes::Bytes,
        top_k: usize,
    ) -> Result<Vec<IdentifiedFace>, RecognizeError> {
        let (faces, _) = self.analyse(image).await?;
        faces
            .into_iter()
            .map(|face| {
                let (ranked, identification) = self.search(&face.embedding, top_k)?;
                Ok(IdentifiedFace {
                    face: Some(face),
                    ranked,
                    identification,
                })
            })
            .collect()
    }

    /// One embedding sent by the caller; it must be of this service's model.
    pub fn identify_embedding(
        &self,
        embedding: &wire::Embedding,
        top_k: usize,
    ) -> Result<IdentifiedFace, RecognizeError> {
        let embedding = embedding_from_wire(embedding)?;
        if embedding.model() != self.model() {
            return Err(GalleryError::WrongModel {
                expected: self.model().name.clone(),
                actual: embedding.model().name.clone(),
            }
            .into());
        }
        let (ranked, identification) = self.search(&embedding, top_k)?;
        Ok(IdentifiedFace {
            face: None,
            ranked,
            identification,
        })
    }

    /// A candidate in wire form, with its calibrated confidence.
    pub fn to_match(&self, candidate: &Candidate) -> wire::Match {
        wire::Match {
            person_id: candidate.person_id.to_string(),
            encoding_id: candidate.encoding_id.to_string(),
            distance: candidate.distance,
            confidence: self.calibration.confidence(candidate.distance),
        }
    }

    /// The wire form of an identified face, keeping the matches at or above `min_confidence`.
    pub fn to_wire(&self, face: IdentifiedFace, options: SearchOptions) -> wire::IdentifiedFace {
        let (decision, best) = match face.identification {
            Identification::Match(best) => (wire::Decision::Match, Some(self.to_match(&best))),
            Identification::Ambiguous { best, .. } => {
                (wire::Decision::Ambiguous, Some(self.to_match(&best)))
            }
            Identification::Unknown => (wire::Decision::Unknown, None),
        };
        wire::IdentifiedFace {
            face: face.face.map(|f| f.wire),
            matches: face
                .ranked
                .iter()
                .take(options.top_k)
                .map(|c| self.to_match(c))
                .filter(|m| m.confidence >= options.min_confidence)
                .collect(),
            decision: decision as i32,
            best,
        }
    }
}

pub fn embedding_to_wire(embedding: &Embedding) -> wire::Embedding {
    wire::Embedding {
        model: embedding.model().name.clone(),
        dimension: embedding.model().dimension as u32,
        values: embedding.values().to_vec(),
    }
}

pub fn embedding_from_wire(embedding: &wire::Embedding) -> Result<Embedding, RecognizeError> {
    Embedding::new(
        ModelId {
            name: embedding.model.clone(),
            dimension: embedding.dimension as usize,
        },
        embedding.values.clone(),
    )
    .map_err(|e| RecognizeError::BadRequest(format!("invalid embedding: {e}")))
}
