//! The embedder on the real MobileFaceNet and ONNX Runtime built by `make models` (which
//! `make test` runs first). `FACEATTEND_MODELS_DIR` points elsewhere if needed.

use std::path::PathBuf;

use faceattend_face::ModelError;
use faceattend_face::embed::MOBILEFACENET_DIMENSION;
use faceattend_face::{Embedder, Runtime, RuntimeOptions};
use image::{Rgb, RgbImage};

fn models_dir() -> PathBuf {
    std::env::var_os("FACEATTEND_MODELS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models"))
}

fn embedder() -> Embedder {
    let dir = models_dir();
    let runtime = Runtime::load(
        &dir.join("onnxruntime/libonnxruntime.so.1.32.0"),
        RuntimeOptions::new(2),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    Embedder::load(&runtime, &dir.join("mobilefacenet.onnx")).unwrap_or_else(|e| panic!("{e}"))
}

/// Deterministic, varied 112×112 pictures.
fn crop(seed: u32) -> RgbImage {
    RgbImage::from_fn(112, 112, |x, y| {
        let v =
            |k: u32| ((x * (3 + seed + k) + y * (5 + 2 * seed + k) + seed * 31 * k) % 256) as u8;
        Rgb([v(1), v(2), v(3)])
    })
}

#[test]
fn a_missing_runtime_or_model_says_how_to_get_it() {
    let error = Runtime::load(
        std::path::Path::new("/nonexistent/libonnxruntime.so"),
        RuntimeOptions::new(1),
    )
    .err()
    .unwrap();
    assert!(matches!(error, ModelError::RuntimeUnavailable { .. }));
    assert!(error.to_string().contains("make models"), "{error}");

    let runtime = Runtime::load(
        &models_dir().join("onnxruntime/libonnxruntime.so.1.32.0"),
        RuntimeOptions::new(1),
    )
    .unwrap();
    let error = Embedder::load(&runtime, &models_dir().join("no-such-model.onnx"))
        .err()
        .unwrap();
    assert!(matches!(error, ModelError::ModelUnavailable { .. }));
    assert!(error.to_string().contains("make models"), "{error}");
}

#[test]
fn embeddings_are_unit_vectors_and_batching_changes_nothing() {
    let embedder = embedder();
    assert_eq!(embedder.model().dimension, MOBILEFACENET_DIMENSION);
    let crops: Vec<RgbImage> = (0..5).map(crop).collect();
    let batch = embedder.embed(&crops).unwrap();
    assert_eq!(batch.len(), 5);
    for (i, single_crop) in crops.iter().enumerate() {
        let single = embedder.embed(std::slice::from_ref(single_crop)).unwrap();
        let norm: f32 = batch[i].values().iter().map(|v| v * v).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-4);
        assert_eq!(batch[i].values().len(), MOBILEFACENET_DIMENSION);
        assert!(
            batch[i].distance(&single[0]) < 1e-3,
            "crop {i}: batched and single inference agree"
        );
    }
    // Different pictures give different vectors; the same picture the same vector.
    assert!(batch[0].distance(&batch[1]) > 0.05);
    assert!(embedder.embed(&crops[..1]).unwrap()[0].distance(&batch[0]) < 1e-3);
    assert!(embedder.embed(&[]).unwrap().is_empty());
}

#[test]
fn a_small_change_of_light_moves_the_vector_less_than_another_picture() {
    let embedder = embedder();
    let original = crop(7);
    let brighter = RgbImage::from_fn(112, 112, |x, y| {
        let p = original.get_pixel(x, y);
        Rgb([
            p[0].saturating_add(12),
            p[1].saturating_add(12),
            p[2].saturating_add(12),
        ])
    });
    let vectors = embedder.embed(&[original, brighter, crop(8)]).unwrap();
    assert!(vectors[0].distance(&vectors[1]) < vectors[0].distance(&vectors[2]));
}

#[test]
fn crops_of_the_wrong_size_are_refused() {
    let error = embedder().embed(&[RgbImage::new(100, 112)]).err().unwrap();
    assert!(matches!(
        error,
        ModelError::WrongCropSize {
            index: 0,
            width: 100,
            ..
        }
    ));
}
