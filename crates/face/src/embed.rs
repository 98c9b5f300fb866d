//! Embedding aligned faces with MobileFaceNet: 112×112 crops in one batch, 192-D unit
//! vectors out, tagged with the model so vectors of different models are never compared.

use std::path::Path;

use image::RgbImage;
use ndarray::Array4;

use crate::align::ALIGNED_SIZE;
use crate::gallery::{Embedding, ModelId};
use crate::runtime::{ModelError, OnnxModel, Runtime, fill_planes};

/// The embedding model faceattend ships (see `models/MODELS.md`).
pub const MOBILEFACENET: &str = "mobilefacenet-expo-1.0.24";
pub const MOBILEFACENET_DIMENSION: usize = 192;

/// MobileFaceNet: 112×112 aligned RGB crops → 192-D unit vectors.
pub struct Embedder {
    onnx: OnnxModel,
    model: ModelId,
}

impl Embedder {
    pub fn load(runtime: &Runtime, model: &Path) -> Result<Self, ModelError> {
        Ok(Self {
            onnx: OnnxModel::load(runtime, model)?,
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
        }
        let planes = input.as_slice_mut().expect("a new array is contiguous");
        for (crop, planes) in crops.iter().zip(planes.chunks_exact_mut(3 * size * size)) {
            // MobileFaceNet's training normalisation.
            fill_planes(crop.as_raw(), planes, 127.5, 128.0);
        }
        let outputs = self.onnx.run(&input)?;
        let output = outputs
            .first()
            .ok_or_else(|| ModelError::Inference("no output".into()))?;
        if output.shape != [crops.len(), MOBILEFACENET_DIMENSION] {
            return Err(ModelError::Inference(format!(
                "unexpected output shape {:?}",
                output.shape
            )));
        }
        output
            .values
            .chunks_exact(MOBILEFACENET_DIMENSION)
            .map(|row| {
                Embedding::new(self.model.clone(), row.to_vec()).map_err(|e| {
                    ModelError::Inference(format!("the model produced an unusable vector: {e}"))
                })
            })
            .collect()
    }
}
