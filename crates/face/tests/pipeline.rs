//! The pipeline on real labelled photographs (`shared/data/faces` of the development set, or
//! `FACEATTEND_FACES_DIR`): decode → detect → align → embed, and same-person pairs come out
//! clearly closer than different-person pairs. Photos are read where they are, never copied
//! into the repository.

use std::path::{Path, PathBuf};

use faceattend_face::pipeline::{DETECTOR_FILE, EMBEDDER_FILE, RUNTIME_FILE};
use faceattend_face::{
    AnalysedFace, DecodeLimits, Detector, DetectorConfig, Embedder, Embedding, FacePipeline,
    Runtime, RuntimeOptions, align_face_coarse, decode_image, subject_face,
};
use image::RgbImage;

fn models_dir() -> PathBuf {
    std::env::var_os("FACEATTEND_MODELS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models"))
}

#[track_caller]
fn faces_dir() -> Option<PathBuf> {
    faceattend_face::photo_set::labelled_photos()
}

struct Pipeline {
    /// Detector and embedder alone, for the detector-keypoint baseline.
    detector: Detector,
    embedder: Embedder,
    /// The production path: FaceMesh-refined five points.
    full: FacePipeline,
}

impl Pipeline {
    fn load() -> Self {
        let runtime =
            Runtime::load(&models_dir().join(RUNTIME_FILE), RuntimeOptions::new(2)).unwrap();
        Self {
            detector: Detector::load(
                &runtime,
                &models_dir().join(DETECTOR_FILE),
                DetectorConfig::default(),
            )
            .unwrap(),
            embedder: Embedder::load(&runtime, &models_dir().join(EMBEDDER_FILE)).unwrap(),
            full: FacePipeline::load(&models_dir(), RuntimeOptions::new(2)).unwrap(),
        }
    }

    fn image(path: &Path) -> RgbImage {
        decode_image(&std::fs::read(path).unwrap(), &DecodeLimits::default()).unwrap()
    }

    /// The embedding of the most confident face, aligned on FaceMesh's five points.
    fn embed_refined(&self, path: &Path) -> Embedding {
        let faces = self.full.analyse(&Self::image(path)).unwrap();
        let face = faces
            .first()
            .unwrap_or_else(|| panic!("no face found in {}", path.display()));
        assert!(face.refined, "{}: FaceMesh sees a face", path.display());
        // Refined eye centres stay near the detector's eyes.
        let detected = face.detection.keypoints;
        let eye_distance = (detected[1].x - detected[0].x).hypot(detected[1].y - detected[0].y);
        for (eye, (r, d)) in face.keypoints.iter().zip(&detected).take(2).enumerate() {
            assert!(
                (r.x - d.x).hypot(r.y - d.y) < 0.35 * eye_distance,
                "{}: eye {eye} moved too far",
                path.display()
            );
        }
        face.embedding.clone()
    }

    /// The embedding of the most confident face, aligned on the detector's eyes, nose and
    /// mouth centre.
    fn embed(&self, path: &Path) -> Embedding {
        let image = Self::image(path);
        let faces = self.detector.detect(&image).unwrap();
        let face = faces
            .first()
            .unwrap_or_else(|| panic!("no face found in {}", path.display()));
        let k = face.keypoints;
        let crop = align_face_coarse(&image, &[k[0], k[1], k[2], k[3]]).unwrap();
        self.embedder.embed(&[crop]).unwrap().remove(0)
    }
}

#[test]
fn faces_are_found_where_faces_are() {
    let Some(dir) = faces_dir() else { return };
    let pipeline = Pipeline::load();
    for person in ["person01", "person02", "person03", "person04", "person05"] {
        let photo = std::fs::read_dir(dir.join(person))
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
        let image =
            decode_image(&std::fs::read(&photo).unwrap(), &DecodeLimits::default()).unwrap();
        let faces = pipeline.detector.detect(&image).unwrap();
        let face = faces
            .first()
            .unwrap_or_else(|| panic!("no face in {}", photo.display()));
        assert!(face.score > 0.7, "{}: {face:?}", photo.display());
        let [right_eye, left_eye, nose, mouth, ..] = face.keypoints;
        assert!(
            right_eye.x < left_eye.x,
            "{}: the subject's right eye is on the image's left",
            photo.display()
        );
        assert!(
            right_eye.y.max(left_eye.y) < nose.y && nose.y < mouth.y,
            "{}: eyes, nose, mouth top to bottom",
            photo.display()
        );
        assert!(
            face.bbox.x_min < nose.x && nose.x < face.bbox.x_max,
            "{}: the nose is inside the box",
            photo.display()
        );
        assert!(face.bbox.width() > 30.0);
    }
    let blank = image::RgbImage::from_pixel(640, 480, image::Rgb([120, 120, 120]));
    assert!(
        pipeline.detector.detect(&blank).unwrap().is_empty(),
        "no faces in a blank frame"
    );
}

#[test]
fn the_same_person_is_closer_than_another_person() {
    let Some(dir) = faces_dir() else { return };
    let pipeline = Pipeline::load();
    let pairs = std::fs::read_to_string(dir.join("pairs.csv")).unwrap();
    // (distance with detector keypoints, distance with FaceMesh keypoints)
    let (mut same, mut different) = (Vec::new(), Vec::new());
    for line in pairs.lines().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        let bucket = if fields[2].trim() == "1" {
            &mut same
        } else {
            &mut different
        };
        if bucket.len() < 15 {
            let (a, b) = (dir.join(fields[0]), dir.join(fields[1]));
            let coarse = pipeline.embed(&a).distance(&pipeline.embed(&b));
            let refined = pipeline
                .embed_refined(&a)
                .distance(&pipeline.embed_refined(&b));
            bucket.push((coarse, refined));
        }
        if same.len() == 15 && different.len() == 15 {
            break;
        }
    }
    let mean = |v: &[(f32, f32)], pick: fn(&(f32, f32)) -> f32| {
        v.iter().map(pick).sum::<f32>() / v.len() as f32
    };
    for (name, pick) in [
        (
            "detector 4-point",
            (|p: &(f32, f32)| p.0) as fn(&(f32, f32)) -> f32,
        ),
        ("FaceMesh 5-point", |p| p.1),
    ] {
        let (mean_same, mean_different) = (mean(&same, pick), mean(&different, pick));
        eprintln!(
            "{name}: mean distance same person {mean_same:.3}, different people {mean_different:.3}"
        );
        assert!(
            mean_same + 0.3 < mean_different,
            "{name}: same {same:?}\ndifferent {different:?}"
        );
    }
}

/// A photo of two people: one pasted large at the left edge, the other smaller at the centre.
/// The labelled person of such a photo is the central one ([`subject_face`]), whatever the
/// detector ranks first: the face chosen is the centre one, and it embeds as that person.
#[test]
fn in_a_photo_of_two_people_the_subject_is_the_one_nearest_the_centre() {
    let Some(dir) = faces_dir() else { return };
    let pipeline = Pipeline::load();
    let resized = |name: &str, height: u32| {
        let photo = Pipeline::image(&dir.join(name));
        let width = photo.width() * height / photo.height();
        image::imageops::resize(&photo, width, height, image::imageops::FilterType::Triangle)
    };
    let (edge_name, centre_name) = ("person01/img1.jpg", "person02/img12.jpg");
    let (edge, centre) = (resized(edge_name, 900), resized(centre_name, 560));
    let mut composed = RgbImage::from_pixel(2400, 1000, image::Rgb([128, 128, 128]));
    image::imageops::overlay(&mut composed, &edge, 0, 50);
    let centre_x = (composed.width() - centre.width()) / 2;
    image::imageops::overlay(&mut composed, &centre, centre_x.into(), 220);
    assert!(
        edge.width() < centre_x,
        "the two photos do not overlap: {} px, centre one from {centre_x}",
        edge.width()
    );

    let faces = pipeline.full.analyse(&composed).unwrap();
    assert_eq!(faces.len(), 2, "both faces found: {faces:?}");
    let subject = subject_face(&faces, composed.width(), composed.height()).unwrap();
    let other = faces.iter().find(|f| !std::ptr::eq(*f, subject)).unwrap();
    let middle = |f: &AnalysedFace| (f.detection.bbox.x_min + f.detection.bbox.x_max) / 2.0;
    assert!(
        (centre_x as f32..(centre_x + centre.width()) as f32).contains(&middle(subject)),
        "the subject is the central photo's face: {subject:?}"
    );
    assert!(
        subject.detection.bbox.area() < other.detection.bbox.area(),
        "nearest the centre wins over larger"
    );
    let alone = pipeline.embed_refined(&dir.join(centre_name));
    let edge_alone = pipeline.embed_refined(&dir.join(edge_name));
    assert!(
        subject.embedding.distance(&alone) < 0.5,
        "the subject embeds as the central person: {}",
        subject.embedding.distance(&alone)
    );
    assert!(subject.embedding.distance(&edge_alone) > 1.0);
}
