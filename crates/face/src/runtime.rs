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

/// How ONNX Runtime runs the models: one pool of `threads` threads (the caller's included)
/// shared by every model of the process.
///
/// One shared pool, not one per model: the pipeline runs three models one after another, and
/// per-model pools either spin against each other (measured 3× slower) or, without spinning,
/// pay a thread wake-up on every operator — MobileFaceNet took 6.5 ms a face that way and
/// 2.6 ms on one spinning pool (`make bench`, 2 cores).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuntimeOptions {
    pub threads: usize,
    /// Whether idle pool threads busy-wait for the next operator instead of sleeping: faster
    /// while frames keep coming, at the price of a busy core for a moment after each run.
    pub spin: bool,
}

impl RuntimeOptions {
    pub fn new(threads: usize) -> Self {
        Self {
            threads: threads.max(1),
            spin: true,
        }
    }

    pub fn with_spin(self, spin: bool) -> Self {
        Self { spin, ..self }
    }
}

/// The loaded ONNX Runtime. ONNX Runtime allows one environment per process, so every
/// `Runtime` shares it: loading again with the same library returns the same environment,
/// and its thread pool keeps the options of the first load.
#[derive(Clone)]
pub struct Runtime {
    environment: Arc<ort::environment::Environment>,
}

static LOADED: OnceLock<Mutex<Option<(PathBuf, Runtime)>>> = OnceLock::new();

impl Runtime {
    pub fn load(library: &Path, options: RuntimeOptions) -> Result<Self, ModelError> {
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
        // `init_from` loads the library; the pool's options need it loaded.
        let builder = ort::init_from(&library).map_err(|e| unavailable(e.to_string()))?;
        let pool = ort::environment::GlobalThreadPoolOptions::default()
            .with_intra_threads(options.threads.max(1))
            .and_then(|pool| pool.with_inter_threads(1))
            .and_then(|pool| pool.with_spin_control(options.spin))
            .map_err(|e| unavailable(e.to_string()))?;
        let environment = builder
            .with_name("faceattend")
            .with_global_thread_pool(pool)
            .build()
            .map_err(|e| unavailable(e.to_string()))?;
        let runtime = Self {
            environment: Arc::new(environment),
        };
        *loaded = Some((library, runtime.clone()));
        Ok(runtime)
    }

    fn session(&self, model: &Path) -> Result<Session, ModelError> {
        let unavailable = |reason: String| ModelError::ModelUnavailable {
            path: model.to_owned(),
            reason,
        };
        if !model.is_file() {
            return Err(unavailable("no such file".to_owned()));
        }
        let builder =
            Session::builder(&self.environment).map_err(|e| unavailable(e.to_string()))?;
        // The session runs on the environment's shared pool (see `RuntimeOptions`).
        builder
            .with_optimization_level(ort::session::builder::GraphOptimizationLevel::All)
            .map_err(|e| unavailable(e.to_string()))?
            .commit_from_file(model)
            .map_err(|e| unavailable(e.to_string()))
    }
}

/// Writes an interleaved RGB image into three consecutive f32 planes (one NCHW image),
/// mapping each byte `v` to `(v - offset) / divisor`. `planes` holds 3 × the image's pixels.
pub(crate) fn fill_planes(rgb: &[u8], planes: &mut [f32], offset: f32, divisor: f32) {
    let pixels = rgb.len() / 3;
    debug_assert_eq!(planes.len(), 3 * pixels);
    let (r, rest) = planes.split_at_mut(pixels);
    let (g, b) = rest.split_at_mut(pixels);
    for (((r, g), b), pixel) in r.iter_mut().zip(g).zip(b).zip(rgb.chunks_exact(3)) {
        *r = (f32::from(pixel[0]) - offset) / divisor;
        *g = (f32::from(pixel[1]) - offset) / divisor;
        *b = (f32::from(pixel[2]) - offset) / divisor;
    }
}

/// One output tensor: its shape and its values in row-major order.
pub(crate) struct Output {
    pub shape: Vec<usize>,
    pub values: Vec<f32>,
}

/// A model's session. `Session::run` takes `&mut self`: one inference at a time per model,
/// with the runtime's shared pool doing the parallel work.
pub(crate) struct OnnxModel {
    session: Mutex<Session>,
}

impl OnnxModel {
    pub fn load(runtime: &Runtime, model: &Path) -> Result<Self, ModelError> {
        Ok(Self {
            session: Mutex::new(runtime.session(model)?),
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
                // Outputs are contiguous; copying the slice is a memcpy where the element
                // iterator took a tenth of a millisecond for the detector's 36,864 values.
                let values = match array.as_slice() {
                    Some(contiguous) => contiguous.to_vec(),
                    None => array.iter().copied().collect(),
                };
                Ok(Output {
                    shape: array.shape().to_vec(),
                    values,
                })
            })
            .collect()
    }
}
