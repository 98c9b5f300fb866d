//! Embedding aligned faces with MobileFaceNet on ONNX Runtime.
//!
//! ONNX Runtime is loaded at run time from the library `make models` puts in
//! `models/onnxruntime/` (configured by path, e.g. `ORT_DYLIB_PATH`), so nothing is downloaded
//! at build time. A missing library or model is a typed error whose message says how to get it.
//! Crops are batched into one inference; vectors are L2-normalised and tagged with the model.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use image::RgbImage;
use ndarray::Array4;
use ort::session::Session;
use ort::value::TensorRef;

use crate::align::ALIGNED_SIZE;
use crate::gallery::{Embedding, ModelId};

/// The embedding model faceattend ships (see `models/MODELS.md`).
pub const MOBILEFACENET: &str = "mobilefacenet-expo-1.0.24";
pub const MOBILEFACENET_DIMENSION: usize = 192;

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error(
        "ONNX Runtime could not be loaded from {path}: {reason}. Run `make models` and point ORT_DYLIB_PATH at models/onnxruntime/libonnxruntime.so.1.32.0"
    )]
    RuntimeUnavailable { path: PathBuf, reason: String },
    #[error("model file {path} is missing or unreadable: {reason}. Run `make models`")]
    ModelUnavailable { path: PathBuf, reason: String },
    #[error("inference failed: {0}")]
    Inference(String),
    #[error("crop {index} is {width}x{height}; the embedder takes {size}x{size} aligned faces")]
    WrongCropSize {
        index: usize,
        width: u32,
        height: u32,
        size: u32,
    },
}

/// The loaded ONNX Runtime. ONNX Runtime allows one environment per process, so every
/// `Runtime` shares it: loading again with the same library returns the same environment.
#[derive(Clone)]
pub struct Runtime {
    environment: Arc<ort::environment::Environment>,
}

static LOADED: OnceLock<Mutex<Option<(PathBuf, Runtime)>>> = OnceLock::new();

impl Runtime {
    pub fn load(library: &Path) -> Result<Self, ModelError> {
        let unavailable = |reason: String| ModelError::RuntimeUnavailable {
            path: library.to_owned(),
            reason,
        };
        if !library.is_file() {
            return Err(unavailable("no such file".to_owned()));
        }
        let library = library
            .canonicalize()
            .map_err(|e| unavailable(e.to_string()))?;
        let mut loaded = LOADED
            .get_or_init(|| Mutex::new(None))
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some((path, runtime)) = loaded.as_ref() {
            return if *path == library {
                Ok(runtime.clone())
            } else {
                Err(unavailable(format!(
                    "this process already loaded ONNX Runtime from {}",
                    path.display()
                )))
            };
        }
        let environment = ort::init_from(&library)
            .map_err(|e| unavailable(e.to_string()))?
            .with_name("faceattend")
            .build()
            .map_err(|e| unavailable(e.to_string()))?;
        let runtime = Self {
            environment: Arc::new(environment),
        };
        *loaded = Some((library, runtime.clone()));
        Ok(runtime)
    }

    pub(crate) fn session(&self, model: &Path, threads: usize) -> Result<Session, ModelError> {
        let unavailable = |reason: String| ModelError::ModelUnavailable {
            path: model.to_owned(),
            reason,
        };
        if !model.is_file() {
            return Err(unavailable("no such file".to_owned()));
        }
        let builder =
            Session::builder(&self.environment).map_err(|e| unavailable(e.to_string()))?;
        builder
            .with_intra_threads(threads)
            .map_err(|e| unavailable(e.to_string()))?
            .commit_from_file(model)
            .map_err(|e| unavailable(e.to_string()))
    }
}

/// MobileFaceNet: 112×112 aligned RGB crops → 192-D unit vectors.
pub struct Embedder {
    // `Session::run` takes `&mut self`; one inference at a time per session, with the
    // session's own intra-op threads doing the parallel work.
    session: Mutex<Session>,
    model: ModelId,
}

impl Embedder {
    pub fn load(runtime: &Runtime, model: &Path, threads: usize) -> Result<Self, ModelError> {
        Ok(Self {
            session: Mutex::new(runtime.session(model, threads.max(1))?),
            model: ModelId {
                name: MOBILEFACENET.to_owned(),
                dimension: MOBILEFACENET_DIMENSION,
            },
        })
    }

    pub fn model(&self) -> &ModelId {
        &self.model
    }

    /// Embeds aligned crops in one batch, in order.
    pub fn embed(&self, crops: &[RgbImage]) -> Result<Vec<Embedding>, ModelError> {
        if crops.is_empty() {
            return Ok(Vec::new());
        }
        let size = ALIGNED_SIZE as usize;
        let mut input = Array4::<f32>::zeros((crops.len(), 3, size, size));
        for (n, crop) in crops.iter().enumerate() {
            if crop.dimensions() != (ALIGNED_SIZE, ALIGNED_SIZE) {
                return Err(ModelError::WrongCropSize {
                    index: n,
                    width: crop.width(),
                    height: crop.height(),
                    size: ALIGNED_SIZE,
                });
            }
            for (x, y, pixel) in crop.enumerate_pixels() {
                for c in 0..3 {
                    // MobileFaceNet's training normalisation.
                    input[[n, c, y as usize, x as usize]] = (pixel[c] as f32 - 127.5) / 128.0;
                }
            }
        }
        let inference = |e: ort::Error| ModelError::Inference(e.to_string());
        let mut session = self
            .session
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let tensor = TensorRef::from_array_view(&input).map_err(inference)?;
        let outputs = session.run(ort::inputs![tensor]).map_err(inference)?;
        let output = outputs[0].try_extract_array::<f32>().map_err(inference)?;
        let shape = output.shape().to_vec();
        if shape != [crops.len(), MOBILEFACENET_DIMENSION] {
            return Err(ModelError::Inference(format!(
                "unexpected output shape {shape:?}"
            )));
        }
        output
            .outer_iter()
            .map(|row| {
                Embedding::new(self.model.clone(), row.iter().copied().collect()).map_err(|e| {
                    ModelError::Inference(format!("the model produced an unusable vector: {e}"))
                })
            })
            .collect()
    }
}
