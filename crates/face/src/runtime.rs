//! ONNX Runtime, loaded at run time, and the models that run on it.
//!
//! The library comes from `make models` (`models/onnxruntime/`), so nothing is downloaded at
//! build time. A missing library or model is a typed error whose message says how to get it.
//! [`OnnxModel`] is what every model of the pipeline shares: a session, one inference at a
//! time, float tensors in and out.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use ndarray::Array4;
use ort::session::Session;
use ort::value::TensorRef;

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

    fn session(&self, model: &Path, threads: usize) -> Result<Session, ModelError> {
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
            // Each model has its own pool; spinning workers would burn the cores the other
            // models (and the decoder) need between runs: measured 3x slower with 2 threads.
            .with_optimization_level(ort::session::builder::GraphOptimizationLevel::All)
            .map_err(|e| unavailable(e.to_string()))?
            .with_intra_op_spinning(false)
            .map_err(|e| unavailable(e.to_string()))?
            .with_inter_op_spinning(false)
            .map_err(|e| unavailable(e.to_string()))?
            .commit_from_file(model)
            .map_err(|e| unavailable(e.to_string()))
    }
}

/// One output tensor: its shape and its values in row-major order.
pub(crate) struct Output {
    pub shape: Vec<usize>,
    pub values: Vec<f32>,
}

/// A model's session. `Session::run` takes `&mut self`: one inference at a time per model,
/// with the session's own intra-op threads doing the parallel work.
pub(crate) struct OnnxModel {
    session: Mutex<Session>,
}

impl OnnxModel {
    pub fn load(runtime: &Runtime, model: &Path, threads: usize) -> Result<Self, ModelError> {
        Ok(Self {
            session: Mutex::new(runtime.session(model, threads.max(1))?),
        })
    }

    /// Runs the model on one NCHW float tensor and returns every output.
    pub fn run(&self, input: &Array4<f32>) -> Result<Vec<Output>, ModelError> {
        let inference = |e: ort::Error| ModelError::Inference(e.to_string());
        let mut session = self
            .session
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let tensor = TensorRef::from_array_view(input).map_err(inference)?;
        let outputs = session.run(ort::inputs![tensor]).map_err(inference)?;
        outputs
            .iter()
            .map(|(_, value)| {
                let array = value.try_extract_array::<f32>().map_err(inference)?;
                Ok(Output {
                    shape: array.shape().to_vec(),
                    values: array.iter().copied().collect(),
                })
            })
            .collect()
    }
}
