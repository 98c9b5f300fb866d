//! Face pipeline benchmark: milliseconds per stage on 1280×720 camera frames, embedding
//! throughput with batching, and the speed-up over dlib's `face_recognition` measured in the
//! same run.
//!
//! Every labelled photo (`shared/data/faces`, or `FACEATTEND_FACES_DIR`) is scaled to fit a
//! 1280×720 mid-grey (128) canvas and centred, as `scripts/dlib_baseline.py speed` builds its
//! frames (bilinear, aspect ratio kept, sizes rounded half to even like Python's `round`). After
//! a warm-up pass, each repeat times, per photo and its frame:
//!
//! - decode: [`decode_image`] of the original file's bytes (full resolution), per photo;
//! - detect: [`Detector::detect`] on the frame, per frame;
//! - landmarks: [`LandmarkModel::refine`] (FaceMesh), per face;
//! - align: [`align_face`] to 112×112 (or [`align_face_coarse`] when FaceMesh's presence is
//!   below 0.5, as [`FacePipeline::analyse`] does), per face;
//! - embed: [`Embedder::embed`] of the frame's crops in one batch, divided by its faces;
//! - detect + landmarks + align + embed of the frame divided by its faces (the issue's "per face
//!   on a 1280×720 frame", and dlib's `frame_total`);
//!
//! then the embedder's throughput (faces/s) on the aligned crops in batches of 1, 4, 8 and 16,
//! and last [`FacePipeline::analyse`] per face on the same frames, as a cross-check that the
//! stages add up to the production path (both share the process's one ONNX Runtime pool, see
//! `RuntimeOptions`). Medians and nearest-rank p90s are printed. With `DLIB_BASELINE_JSON`
//! set to the output of `scripts/dlib-baseline.sh speed ... --json FILE`, the speed-up ratios
//! are printed too.
//!
//! ```text
//! cargo bench -p faceattend-face --bench pipeline
//! BENCH_THREADS=2 BENCH_REPEAT=3 DLIB_BASELINE_JSON=.local/bench/dlib-speed.json \
//!     cargo bench -p faceattend-face --bench pipeline
//! ```
//!
//! `make bench` (scripts/bench.sh) runs the dlib baseline first and then this bench with its
//! JSON, so the ratios come from one run. Other knobs: `FACEATTEND_MODELS_DIR` (default
//! `models/`), `BENCH_EMBED_FACES` (faces embedded per batch size, default 320).
//!
//! Times are wall clock, and the targets are judged on them. On a busy machine wall time
//! includes waiting for a core, so each stage also shows the process's CPU time (every thread,
//! ONNX Runtime's pools included; the clock Python's `time.process_time` reads) and CPU/wall, as
//! the dlib script does: a CPU/wall well below the thread count means other work on the machine
//! inflated the wall times. With more than one thread the CPU time includes ONNX Runtime's
//! spin-waiting, so it is a cost, not an idle-machine latency.

use std::env;
use std::error::Error;
use std::fs;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Instant;

use cpu_time::ProcessTime;
use faceattend_face::pipeline::{DETECTOR_FILE, EMBEDDER_FILE, LANDMARKS_FILE, RUNTIME_FILE};
use faceattend_face::{
    DecodeLimits, Detector, DetectorConfig, Embedder, FacePipeline, LandmarkModel, ModelError,
    Runtime, RuntimeOptions, align_face, align_face_coarse, decode_image,
};
use image::imageops::{self, FilterType};
use image::{Rgb, RgbImage};

const FRAME_WIDTH: u32 = 1280;
const FRAME_HEIGHT: u32 = 720;
/// The issue's targets: detect + landmarks + align + embed per face, and the speed-up over dlib.
const TARGET_MS_PER_FACE: f64 = 12.0;
const TARGET_SPEEDUP: f64 = 25.0;
const BATCH_SIZES: [usize; 4] = [1, 4, 8, 16];
/// FaceMesh presence below which `FacePipeline::analyse` aligns on the detector's points.
const MIN_PRESENCE: f32 = 0.5;
const IMAGE_EXTENSIONS: [&str; 4] = ["jpg", "jpeg", "png", "webp"];

type BenchResult<T> = Result<T, Box<dyn Error>>;

fn main() -> BenchResult<()> {
    let threads: usize = env_or("BENCH_THREADS", 2)?;
    let repeat: usize = env_or("BENCH_REPEAT", 3)?;
    let embed_faces: usize = env_or("BENCH_EMBED_FACES", 320)?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let models_dir = env::var_os("FACEATTEND_MODELS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models"));
    let faces_dir = env::var_os("FACEATTEND_FACES_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/faces")
        });
    let paths = list_images(&faces_dir);
    if paths.is_empty() {
        println!(
            "pipeline bench skipped: no photos under {} (set FACEATTEND_FACES_DIR)",
            faces_dir.display()
        );
        return Ok(());
    }

    let limits = DecodeLimits::default();
    let mut photos = Vec::with_capacity(paths.len());
    for path in paths {
        let bytes = fs::read(&path)?;
        let image =
            decode_image(&bytes, &limits).map_err(|e| format!("{}: {e}", path.display()))?;
        let frame = place_on_frame(&image, FRAME_WIDTH, FRAME_HEIGHT);
        photos.push(Photo { bytes, frame });
    }

    // The stages' models first, then the pipeline; every session runs on the process's one
    // ONNX Runtime pool, so the two sets never compete for threads.
    let models = Models::load(&models_dir, threads)?;
    // Warm-up: every frame once (ONNX Runtime's first runs allocate and plan; a frame with
    // several faces is a new embedder batch shape).
    for photo in &photos {
        black_box(models.frame(&photo.frame)?);
    }

    let load_before = load_average();
    let whole = Stopwatch::start();
    let mut samples = Samples::default();
    let mut faces_per_repeat = 0;
    let mut refined_per_repeat = 0;
    let mut crops = Vec::new();
    for round in 0..repeat {
        for photo in &photos {
            let t = Stopwatch::start();
            black_box(decode_image(&photo.bytes, &limits)?);
            samples.decode.push(t.stop());

            let frame = models.frame(&photo.frame)?;
            samples.detect.push(frame.detect);
            samples.landmarks.extend(&frame.landmarks);
            samples.align.extend(&frame.align);
            let faces = frame.crops.len();
            if faces > 0 {
                let per_face = 1.0 / faces as f64;
                samples.embed.push(frame.embed.scaled(per_face));
                let after_detect = frame
                    .landmarks
                    .iter()
                    .chain(&frame.align)
                    .fold(frame.embed, |sum, s| sum.plus(*s));
                samples.after_detect.push(after_detect.scaled(per_face));
                let total = frame.detect.plus(after_detect);
                samples.total.push(total.scaled(per_face));
                samples.total_faces += faces;
                samples.total_wall_ms += total.wall;
            }

            if round == 0 {
                faces_per_repeat += faces;
                refined_per_repeat += frame.refined;
                crops.extend(frame.crops);
            }
        }
    }
    let whole = whole.stop();
    let batches = embedding_throughput(&models.embedder, &crops, embed_faces)?;
    drop(models);

    let pipeline = FacePipeline::load(&models_dir, RuntimeOptions::new(threads))?;
    for photo in &photos {
        black_box(pipeline.analyse(&photo.frame)?);
    }
    for _ in 0..repeat {
        for photo in &photos {
            let t = Stopwatch::start();
            let analysed = pipeline.analyse(&photo.frame)?;
            let elapsed = t.stop();
            if !analysed.is_empty() {
                samples
                    .analyse
                    .push(elapsed.scaled(1.0 / analysed.len() as f64));
            }
        }
    }
    drop(pipeline);
    let load_after = load_average();

    println!(
        "face pipeline bench: {} photos from {} on {FRAME_WIDTH}x{FRAME_HEIGHT} grey frames, \
         {repeat} repeats, {threads} ONNX Runtime threads, {cores} cores; load {} -> {}, \
         cores busy in the timed loop {}",
        photos.len(),
        faces_dir.display(),
        fmt_opt(load_before, 2),
        fmt_opt(load_after, 2),
        fmt_opt(whole.cpu_per_wall(), 2),
    );
    if load_before.is_some_and(|l| l > cores as f64 * 0.75)
        || whole
            .cpu_per_wall()
            .is_some_and(|busy| busy < threads.min(cores) as f64 * 0.9)
    {
        println!(
            "warning: the machine is busy: wall times include waiting for a core (see cpu/wall)"
        );
    }
    println!(
        "faces found: {faces_per_repeat} in {} frames per repeat ({refined_per_repeat} refined by \
         FaceMesh, {} aligned on the detector's points)",
        photos.len(),
        faces_per_repeat - refined_per_repeat
    );
    println!();
    println!(
        "{:<48} {:>5} {:>10} {:>9} {:>12} {:>9}",
        "stage", "n", "median ms", "p90 ms", "median cpu", "cpu/wall"
    );
    let rows: [(&str, &[Sample]); 7] = [
        (
            "decode (original file, full size, per photo)",
            &samples.decode,
        ),
        ("detect (BlazeFace, per 1280x720 frame)", &samples.detect),
        ("landmarks (FaceMesh refine, per face)", &samples.landmarks),
        ("align (112x112 warp, per face)", &samples.align),
        (
            "embed (frame's faces in one batch, per face)",
            &samples.embed,
        ),
        ("detect+landmarks+align+embed, per face", &samples.total),
        (
            "FacePipeline::analyse, per face (cross-check)",
            &samples.analyse,
        ),
    ];
    for (label, values) in rows {
        match Summary::of(values) {
            Some(s) => println!(
                "{label:<48} {:>5} {:>10.2} {:>9.2} {:>12} {:>9}",
                s.n,
                s.median,
                s.p90,
                fmt_opt(s.median_cpu, 2),
                fmt_opt(s.cpu_per_wall, 2)
            ),
            None => println!(
                "{label:<48} {:>5} {:>10} {:>9} {:>12} {:>9}",
                0, "-", "-", "-", "-"
            ),
        }
    }
    let per_face = Summary::of(&samples.total);
    if samples.total_wall_ms > 0.0 {
        println!(
            "end to end (detect+landmarks+align+embed, one frame at a time): {:.1} faces/s",
            samples.total_faces as f64 / samples.total_wall_ms * 1e3
        );
    }

    println!();
    print_throughput(&batches, crops.len(), embed_faces);

    println!();
    let speedup = match env::var_os("DLIB_BASELINE_JSON").filter(|p| !p.is_empty()) {
        Some(path) => compare_with_dlib(Path::new(&path), &samples)?,
        None => {
            println!("dlib comparison skipped: set DLIB_BASELINE_JSON to the JSON of");
            println!(
                "  scripts/dlib-baseline.sh speed --images DIR --frame-size 1280x720 --cpus 2 --json FILE"
            );
            None
        }
    };

    println!();
    println!("targets:");
    let all_stages = [
        &samples.decode,
        &samples.detect,
        &samples.landmarks,
        &samples.align,
        &samples.embed,
    ]
    .iter()
    .all(|s| !s.is_empty());
    println!(
        "  ms per stage (decode, detect, align, embed) and faces/s with batching: {}",
        if all_stages && !batches.is_empty() {
            "measured (above)"
        } else {
            "NOT measured (no face found)"
        }
    );
    match per_face {
        Some(s) => println!(
            "  detect+landmarks+align+embed <= {TARGET_MS_PER_FACE} ms per face on a \
             {FRAME_WIDTH}x{FRAME_HEIGHT} frame: {:.2} ms median ({:.2} p90): {}",
            s.median,
            s.p90,
            met(s.median <= TARGET_MS_PER_FACE)
        ),
        None => println!("  <= {TARGET_MS_PER_FACE} ms per face: NOT measured (no face found)"),
    }
    match speedup {
        Some(ratio) => println!(
            "  >= {TARGET_SPEEDUP}x dlib (frame total per face, median / median): {ratio:.1}x: {}",
            met(ratio >= TARGET_SPEEDUP)
        ),
        None => println!("  >= {TARGET_SPEEDUP}x dlib: not measured in this run"),
    }
    Ok(())
}

struct Photo {
    bytes: Vec<u8>,
    frame: RgbImage,
}

/// The pipeline's models loaded one by one, so each stage can be timed.
struct Models {
    detector: Detector,
    landmarks: LandmarkModel,
    embedder: Embedder,
}

impl Models {
    fn load(dir: &Path, threads: usize) -> Result<Self, ModelError> {
        let runtime = Runtime::load(&dir.join(RUNTIME_FILE), RuntimeOptions::new(threads))?;
        Ok(Self {
            detector: Detector::load(
                &runtime,
                &dir.join(DETECTOR_FILE),
                DetectorConfig::default(),
            )?,
            landmarks: LandmarkModel::load(&runtime, &dir.join(LANDMARKS_FILE))?,
            embedder: Embedder::load(&runtime, &dir.join(EMBEDDER_FILE))?,
        })
    }

    /// `FacePipeline::analyse`'s steps on one frame, each timed.
    fn frame(&self, frame: &RgbImage) -> Result<FrameTimes, ModelError> {
        let t = Stopwatch::start();
        let detections = self.detector.detect(frame)?;
        let detect = t.stop();
        let mut times = FrameTimes {
            detect,
            landmarks: Vec::with_capacity(detections.len()),
            align: Vec::with_capacity(detections.len()),
            embed: Sample::default(),
            refined: 0,
            crops: Vec::with_capacity(detections.len()),
        };
        for detection in &detections {
            let t = Stopwatch::start();
            let refined = self
                .landmarks
                .refine(frame, detection)?
                .filter(|r| r.presence >= MIN_PRESENCE);
            times.landmarks.push(t.stop());

            let t = Stopwatch::start();
            let aligned = match &refined {
                Some(r) => align_face(frame, &r.points),
                None => {
                    let k = detection.keypoints;
                    align_face_coarse(frame, &[k[0], k[1], k[2], k[3]])
                }
            };
            times.align.push(t.stop());
            if let Some(crop) = aligned {
                times.refined += usize::from(refined.is_some());
                times.crops.push(crop);
            }
        }
        if !times.crops.is_empty() {
            let t = Stopwatch::start();
            black_box(self.embedder.embed(&times.crops)?);
            times.embed = t.stop();
        }
        Ok(times)
    }
}

struct FrameTimes {
    detect: Sample,
    landmarks: Vec<Sample>,
    align: Vec<Sample>,
    /// The whole batch of the frame's crops.
    embed: Sample,
    refined: usize,
    crops: Vec<RgbImage>,
}

#[derive(Default)]
struct Samples {
    decode: Vec<Sample>,
    detect: Vec<Sample>,
    landmarks: Vec<Sample>,
    align: Vec<Sample>,
    embed: Vec<Sample>,
    /// Landmarks + align + embed of a frame, per face: the counterpart of dlib's per-face
    /// encode, which includes its 5-point shape predictor and crop.
    after_detect: Vec<Sample>,
    total: Vec<Sample>,
    analyse: Vec<Sample>,
    total_faces: usize,
    total_wall_ms: f64,
}

/// The embedder on batches of one size.
struct BatchRow {
    size: usize,
    batches: usize,
    summary: Summary,
}

impl BatchRow {
    fn faces_per_second(&self) -> f64 {
        (self.batches * self.size) as f64 / self.summary.total_wall * 1e3
    }
}

/// Embeds `faces` crops (cycling through `crops`) in batches of each size.
fn embedding_throughput(
    embedder: &Embedder,
    crops: &[RgbImage],
    faces: usize,
) -> BenchResult<Vec<BatchRow>> {
    let mut rows = Vec::new();
    if crops.is_empty() {
        return Ok(rows);
    }
    for size in BATCH_SIZES {
        let batches = (faces / size).max(1);
        let batch = |k: usize| -> Vec<RgbImage> {
            (0..size)
                .map(|i| crops[(k * size + i) % crops.len()].clone())
                .collect()
        };
        let prepared: Vec<Vec<RgbImage>> = (0..batches).map(batch).collect();
        for warm in prepared.iter().take(2) {
            black_box(embedder.embed(warm)?);
        }
        let mut times = Vec::with_capacity(batches);
        for crops in &prepared {
            let t = Stopwatch::start();
            black_box(embedder.embed(crops)?);
            times.push(t.stop());
        }
        rows.push(BatchRow {
            size,
            batches,
            summary: Summary::of(&times).ok_or("no batch timed")?,
        });
    }
    Ok(rows)
}

fn print_throughput(rows: &[BatchRow], distinct: usize, faces: usize) {
    let Some(single) = rows.first().map(BatchRow::faces_per_second) else {
        println!("embedding throughput skipped: no aligned crops");
        return;
    };
    println!(
        "embedding throughput ({distinct} distinct aligned crops, {faces} faces per batch size):"
    );
    println!(
        "{:>6} {:>8} {:>13} {:>9} {:>9} {:>9} {:>9}",
        "batch", "batches", "ms/batch p50", "p90", "ms/face", "faces/s", "cpu/wall"
    );
    for row in rows {
        let s = &row.summary;
        let rate = row.faces_per_second();
        println!(
            "{:>6} {:>8} {:>13.2} {:>9.2} {:>9.2} {rate:>9.1} {:>9}  ({:.2}x batch 1)",
            row.size,
            row.batches,
            s.median,
            s.p90,
            s.total_wall / (row.batches * row.size) as f64,
            fmt_opt(s.cpu_per_wall, 2),
            rate / single,
        );
    }
}

/// Prints our figures against the dlib script's; returns the frame-total speed-up (medians of
/// wall time).
fn compare_with_dlib(path: &Path, samples: &Samples) -> BenchResult<Option<f64>> {
    let text = fs::read_to_string(path)
        .map_err(|e| format!("DLIB_BASELINE_JSON={}: {e}", path.display()))?;
    let json: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| format!("DLIB_BASELINE_JSON={}: {e}", path.display()))?;
    let stage = |name: &str, field: &str| json["stages"][name][field].as_f64();
    let frame_size: Vec<u64> = json["frame_size"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_u64()).collect())
        .unwrap_or_default();
    println!(
        "dlib baseline ({}): dlib {} face_recognition {}, {} images x {}, {} CPUs, frame {}, \
         {} faces in the frames per repeat, load {} -> {}",
        path.display(),
        json["versions"]["dlib"].as_str().unwrap_or("?"),
        json["versions"]["face_recognition"].as_str().unwrap_or("?"),
        json["images"],
        json["repeat"],
        json["cpus_allowed"],
        frame_size
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join("x"),
        json["faces_in_frames"],
        fmt_opt(json["load_average_before"].as_f64(), 2),
        fmt_opt(json["load_average_after"].as_f64(), 2),
    );
    if frame_size != [u64::from(FRAME_WIDTH), u64::from(FRAME_HEIGHT)] {
        println!(
            "warning: dlib's frames are not {FRAME_WIDTH}x{FRAME_HEIGHT}: the ratios compare \
             different work"
        );
    }
    println!(
        "{:<42} {:>9} {:>9} {:>8} | {:>9} {:>9} {:>8}",
        "dlib stage / ours", "dlib p50", "ours p50", "speed-up", "dlib cpu", "ours cpu", "cpu x"
    );
    let rows: [(&str, &str, &[Sample]); 5] = [
        ("decode, per photo", "decode", &samples.decode),
        (
            "HOG detect / detect, per frame",
            "detect_frame",
            &samples.detect,
        ),
        (
            "encode / landmarks+align+embed, per face",
            "encode_frame_face",
            &samples.after_detect,
        ),
        (
            "encode / embed alone, per face",
            "encode_frame_face",
            &samples.embed,
        ),
        (
            "frame total per face (detect+...+embed)",
            "frame_total",
            &samples.total,
        ),
    ];
    let ratio = |dlib: Option<f64>, ours: Option<f64>| dlib.zip(ours).map(|(d, o)| d / o);
    let times = |r: Option<f64>| r.map_or("-".into(), |r| format!("{r:.1}x"));
    let mut frame_ratio = None;
    for (label, name, values) in rows {
        let ours = Summary::of(values);
        let (dlib_wall, dlib_cpu) = (stage(name, "median_ms"), stage(name, "median_cpu_ms"));
        let ours_wall = ours.as_ref().map(|s| s.median);
        let ours_cpu = ours.as_ref().and_then(|s| s.median_cpu);
        let wall_ratio = ratio(dlib_wall, ours_wall);
        println!(
            "{label:<42} {:>9} {:>9} {:>8} | {:>9} {:>9} {:>8}",
            fmt_opt(dlib_wall, 2),
            fmt_opt(ours_wall, 2),
            times(wall_ratio),
            fmt_opt(dlib_cpu, 2),
            fmt_opt(ours_cpu, 2),
            times(ratio(dlib_cpu, ours_cpu)),
        );
        if name == "frame_total" {
            frame_ratio = wall_ratio;
        }
    }
    println!("(p50: median wall ms; cpu: median process CPU ms, every thread)");
    Ok(frame_ratio)
}

/// One timing: wall clock and the CPU time of all the process's threads, in ms (`cpu` is NaN
/// where the process CPU clock is unavailable).
#[derive(Debug, Clone, Copy, Default)]
struct Sample {
    wall: f64,
    cpu: f64,
}

impl Sample {
    fn plus(self, other: Sample) -> Sample {
        Sample {
            wall: self.wall + other.wall,
            cpu: self.cpu + other.cpu,
        }
    }

    fn scaled(self, factor: f64) -> Sample {
        Sample {
            wall: self.wall * factor,
            cpu: self.cpu * factor,
        }
    }

    fn cpu_per_wall(&self) -> Option<f64> {
        (self.cpu.is_finite() && self.wall > 0.0).then(|| self.cpu / self.wall)
    }
}

struct Stopwatch {
    cpu: Option<ProcessTime>,
    wall: Instant,
}

impl Stopwatch {
    fn start() -> Self {
        Self {
            cpu: ProcessTime::try_now().ok(),
            wall: Instant::now(),
        }
    }

    fn stop(&self) -> Sample {
        let wall = self.wall.elapsed().as_secs_f64() * 1e3;
        let cpu = self
            .cpu
            .and_then(|start| start.try_elapsed().ok())
            .map_or(f64::NAN, |elapsed| elapsed.as_secs_f64() * 1e3);
        Sample { wall, cpu }
    }
}

struct Summary {
    n: usize,
    median: f64,
    p90: f64,
    total_wall: f64,
    median_cpu: Option<f64>,
    cpu_per_wall: Option<f64>,
}

impl Summary {
    /// Medians (the mean of the middle two for an even count, as Python's
    /// `statistics.median`) and the wall-clock p90 by nearest rank (an observed timing), as the
    /// dlib script computes them.
    fn of(samples: &[Sample]) -> Option<Self> {
        if samples.is_empty() {
            return None;
        }
        let sorted = |value: fn(&Sample) -> f64| {
            let mut values: Vec<f64> = samples.iter().map(value).collect();
            values.sort_by(f64::total_cmp);
            values
        };
        let median = |values: &[f64]| {
            let n = values.len();
            if n % 2 == 1 {
                values[n / 2]
            } else {
                (values[n / 2 - 1] + values[n / 2]) / 2.0
            }
        };
        let wall = sorted(|s| s.wall);
        let cpu = sorted(|s| s.cpu);
        let n = wall.len();
        let rank = (0.9 * n as f64).ceil() as usize;
        let sum = samples
            .iter()
            .fold(Sample::default(), |sum, s| sum.plus(*s));
        Some(Self {
            n,
            median: median(&wall),
            p90: wall[rank.saturating_sub(1)],
            total_wall: sum.wall,
            median_cpu: sum.cpu.is_finite().then(|| median(&cpu)),
            cpu_per_wall: sum.cpu_per_wall(),
        })
    }
}

/// `place_on_frame` of scripts/dlib_baseline.py: scaled to fit inside, aspect ratio kept,
/// bilinear (PIL's BILINEAR widens its support when shrinking, as `FilterType::Triangle`
/// does), centred on grey 128.
fn place_on_frame(image: &RgbImage, width: u32, height: u32) -> RgbImage {
    let (w, h) = image.dimensions();
    let scale = (f64::from(width) / f64::from(w)).min(f64::from(height) / f64::from(h));
    // Python's round() rounds half to even.
    let fit = |side: u32| ((f64::from(side) * scale).round_ties_even() as u32).max(1);
    let (new_w, new_h) = (fit(w), fit(h));
    let scaled = imageops::resize(image, new_w, new_h, FilterType::Triangle);
    let mut frame = RgbImage::from_pixel(width, height, Rgb([128, 128, 128]));
    let (top, left) = ((height - new_h) / 2, (width - new_w) / 2);
    imageops::replace(&mut frame, &scaled, i64::from(left), i64::from(top));
    frame
}

/// Image files under `dir`, recursively, sorted.
fn list_images(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(folder) = pending.pop() {
        let Ok(entries) = fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
                IMAGE_EXTENSIONS
                    .iter()
                    .any(|known| e.eq_ignore_ascii_case(known))
            }) {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

fn load_average() -> Option<f64> {
    fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

fn fmt_opt(value: Option<f64>, decimals: usize) -> String {
    value.map_or("?".into(), |v| format!("{v:.decimals$}"))
}

fn met(ok: bool) -> &'static str {
    if ok { "met" } else { "NOT met" }
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> BenchResult<T> {
    match env::var(name) {
        Ok(value) => value
            .trim()
            .parse()
            .map_err(|_| format!("{name}={value:?} is not a valid number").into()),
        Err(_) => Ok(default),
    }
}
