//! `face.v1.embed` and `face.v1.identify` over NATS.

use bytes::Bytes;
use faceattend_proto::faces::v1 as wire;
use prost::Message;
use uuid::Uuid;

use crate::helpers::{cleanup, faceless_png, faces_dir, new_namespace, photo, spawn_embedder};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embed_returns_every_face_with_a_unit_embedding() {
    let Some(faces) = faces_dir() else { return };
    let namespace = new_namespace();
    let embedder = spawn_embedder(&namespace).await;

    let reply = embedder
        .embed(photo(&faces, "person01/img1.jpg"))
        .await
        .expect("embedded");
    assert_eq!(reply.faces.len(), 1, "one face in a portrait");
    let face = &reply.faces[0];
    let embedding = face.embedding.as_ref().expect("an embedding");
    assert_eq!(embedding.model, "mobilefacenet-expo-1.0.24");
    assert_eq!(embedding.dimension, 192);
    let norm: f32 = embedding.values.iter().map(|v| v * v).sum::<f32>().sqrt();
    assert!((norm - 1.0).abs() < 1e-3, "unit length, got {norm}");
    assert_eq!(face.keypoints.len(), 5);
    let quality = face.quality.as_ref().expect("quality");
    assert!((0.0..=1.0).contains(&quality.score));
    assert!(reply.image_width > 0 && reply.image_height > 0);

    // No face: an empty list, not an error.
    let reply = embedder.embed(faceless_png()).await.expect("decodable");
    assert!(reply.faces.is_empty());

    cleanup(&namespace).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_coded_errors() {
    let namespace = new_namespace();
    let embedder = spawn_embedder(&namespace).await;

    let (status, text) = embedder
        .embed(Bytes::from_static(b"definitely not an image"))
        .await
        .expect_err("refused");
    assert_eq!(status, 422);
    assert!(text.starts_with("unsupported_image:"), "{text}");

    // A truncated PNG: the header is right, the pixels are missing.
    let png = faceless_png();
    let (status, text) = embedder
        .embed(png.slice(..png.len() / 3))
        .await
        .expect_err("refused");
    assert_eq!(status, 422);
    assert!(text.starts_with("undecodable_image:"), "{text}");

    let (status, text) = embedder
        .request("face.v1.embed", vec![0xff, 0xff, 0xff])
        .await
        .expect_err("not protobuf");
    assert_eq!(status, 400, "{text}");

    let empty = wire::IdentifyRequest::default().encode_to_vec();
    let (status, _) = embedder
        .request("face.v1.identify", empty)
        .await
        .expect_err("no probe");
    assert_eq!(status, 400);

    // A vector of another model is never compared.
    let foreign = wire::IdentifyRequest {
        probe: Some(wire::identify_request::Probe::Embedding(wire::Embedding {
            model: "dlib-resnet-128".to_owned(),
            dimension: 128,
            values: vec![0.1; 128],
        })),
        top_k: 1,
        min_confidence: 0.0,
    }
    .encode_to_vec();
    let (status, text) = embedder
        .request("face.v1.identify", foreign)
        .await
        .expect_err("other model");
    assert_eq!(status, 422);
    assert!(text.starts_with("model_mismatch:"), "{text}");

    cleanup(&namespace).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identify_recognises_enrolled_people_and_rejects_strangers() {
    let Some(faces) = faces_dir() else { return };
    let namespace = new_namespace();
    let embedder = spawn_embedder(&namespace).await;
    let (alice, bob) = (Uuid::new_v4(), Uuid::new_v4());
    embedder
        .enrol(
            alice,
            &[
                photo(&faces, "person01/img1.jpg"),
                photo(&faces, "person01/img2.jpg"),
            ],
        )
        .await;
    embedder
        .enrol(bob, &[photo(&faces, "person03/img8.jpg")])
        .await;
    let gallery_has = |n: usize| {
        let embedder = &embedder;
        async move {
            embedder.metrics().await.contains(&format!(
                "face_gallery_encodings{{service=\"face-embedder\"}} {n}"
            ))
        }
    };
    assert!(
        crate::helpers::eventually(std::time::Duration::from_secs(5), || gallery_has(3)).await,
        "the gallery syncs"
    );

    // Another photo of each enrolled person is matched, with a calibrated confidence.
    for (file, person) in [("person01/img7.jpg", alice), ("person03/img9.jpg", bob)] {
        let reply = embedder
            .identify(photo(&faces, file))
            .await
            .expect("identified");
        assert_eq!(reply.gallery_size, 3);
        let face = &reply.faces[0];
        assert_eq!(face.decision, wire::Decision::Match as i32, "{file}");
        let best = face.best.as_ref().expect("best");
        assert_eq!(best.person_id, person.to_string(), "{file}");
        assert!(
            best.confidence >= 0.6 && best.confidence <= 1.0,
            "{file}: {best:?}"
        );
    }
    // Someone never enrolled is unknown.
    let reply = embedder
        .identify(photo(&faces, "person05/img16.jpg"))
        .await
        .expect("identified");
    let face = &reply.faces[0];
    assert_eq!(face.decision, wire::Decision::Unknown as i32, "{face:?}");
    assert!(face.best.is_none());

    cleanup(&namespace).await;
}
