//! `faceattend`: the operators' command line.
//!
//! `faceattend token` mints an access token signed with the deployment's `JWT_SIGNING_KEY`
//! (Ed25519), so an operator can call the APIs (or hand a token to an integration) without
//! any user store; `faceattend keys generate` makes such a key and prints its public half,
//! which every service verifies with.
//! `faceattend eval` measures the face pipeline on labelled pairs of photos.
//! `faceattend jobs` runs attendance-worker's jobs in this process and lists their runs.
//! `faceattend operator` creates the console's operators and resets their passwords.

mod jobs;
mod operators;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use faceattend_face::evaluation::{self, ScoredPair};
use faceattend_face::{
    AnalysedFace, DecodeLimits, Embedding, FacePipeline, RuntimeOptions, decode_image, subject_face,
};
use faceattend_service::auth::{ALL_PERMISSIONS, AuthConfig, JwtKeys, SigningKey};
use faceattend_service::config::EnvReader;
use secrecy::ExposeSecret;

#[derive(Parser)]
#[command(name = "faceattend", version, about = "faceattend administration")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Mint a bearer token. Prints only the token, so `TOKEN=$(faceattend token ...)` works.
    Token {
        /// Comma-separated permissions, e.g. persons:read,persons:write; `all` for every one.
        #[arg(long = "perm", value_delimiter = ',', required = true)]
        permissions: Vec<String>,
        /// Lifetime, e.g. 30m, 1h, 7d.
        #[arg(long, default_value = "1h", value_parser = humantime::parse_duration)]
        ttl: Duration,
        /// Who the token is for; shows in logs and audit trails.
        #[arg(long, default_value = "admin")]
        subject: String,
        #[arg(long, env = "JWT_ISSUER", default_value = "faceattend")]
        issuer: String,
        #[arg(long, env = "JWT_AUDIENCE", default_value = "faceattend")]
        audience: String,
    },
    /// Verification accuracy of the face pipeline on labelled pairs: a CSV `img_x,img_y,same`
    /// with image paths relative to the CSV. Downloads nothing.
    Eval {
        #[arg(long)]
        pairs: PathBuf,
        /// The folder `make models` builds.
        #[arg(long, env = "FACEATTEND_MODELS_DIR", default_value = "models")]
        models: PathBuf,
        #[arg(long, default_value_t = 2)]
        threads: usize,
        /// Writes each image's aligned 112×112 crop here as PNG: what the embedder saw.
        #[arg(long)]
        crops: Option<PathBuf>,
        /// Experiment: embed each face as the sum of its crop's and its mirror image's
        /// embeddings (not what the services do).
        #[arg(long)]
        mirror: bool,
    },
    /// Recomputes every stored face encoding from its original photo with the model
    /// face-embedder runs now (after a model change). Reads person-api's configuration from
    /// the environment (DATABASE_URL, OBJECT_STORE_URL, NATS_URL, BUS_NAMESPACE, JWT_PUBLIC_KEYS);
    /// a face-embedder must be running. Safe to interrupt and run again.
    Reembed,
    /// attendance-worker's jobs: run one now against DATABASE_URL, or list recent runs.
    Jobs {
        #[command(subcommand)]
        command: jobs::JobsCommand,
    },
    /// Token signing keys: `faceattend keys generate` makes an Ed25519 key pair.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// The web console's operator accounts: create, reset-password, bootstrap.
    Operator {
        #[command(subcommand)]
        command: operators::OperatorCommand,
    },
    /// Measures the distance → confidence calibration on a folder of labelled photos (one
    /// sub-folder per person), comparing every photo with every other, and prints the knots
    /// and the false-/true-accept rates at the spec's confidence thresholds.
    Calibrate {
        #[arg(long)]
        faces: PathBuf,
        #[arg(long, env = "FACEATTEND_MODELS_DIR", default_value = "models")]
        models: PathBuf,
        #[arg(long, default_value_t = 2)]
        threads: usize,
        /// Experiment: as `eval --mirror`.
        #[arg(long)]
        mirror: bool,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// A new Ed25519 key pair, printed as two lines of configuration:
    /// `JWT_SIGNING_KEY=<kid>:<seed>` (a secret, for the console and this CLI only) and
    /// `JWT_PUBLIC_KEYS=<kid>:<public key>` (for every service). To rotate, add the new public
    /// key to every service's JWT_PUBLIC_KEYS (comma-separated), then give the issuers the new
    /// signing key, and drop the old public key once its tokens have expired.
    Generate {
        /// The key id tokens will name (default: fa-<today>-<random>).
        #[arg(long)]
        kid: Option<String>,
    },
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Eval {
            pairs,
            models,
            threads,
            crops,
            mirror,
        } => eval(&pairs, &models, threads, crops.as_deref(), mirror),
        Command::Calibrate {
            faces,
            models,
            threads,
            mirror,
        } => calibrate(&faces, &models, threads, mirror),
        Command::Reembed => reembed(),
        Command::Jobs { command } => jobs::run(command),
        Command::Operator { command } => operators::run(command),
        Command::Keys {
            command: KeysCommand::Generate { kid },
        } => {
            let kid = match kid {
                Some(kid) => kid,
                None => {
                    let mut random = [0u8; 3];
                    getrandom::fill(&mut random).context("no randomness")?;
                    format!(
                        "fa-{}-{}",
                        chrono::Utc::now().format("%Y%m%d"),
                        hex::encode(random)
                    )
                }
            };
            let key = SigningKey::generate(&kid).context("cannot generate the key")?;
            println!("JWT_SIGNING_KEY={}", key.to_config_value().expose_secret());
            println!("JWT_PUBLIC_KEYS={}", key.public_key().to_config_value());
            Ok(())
        }
        Command::Token {
            permissions,
            ttl,
            subject,
            issuer,
            audience,
        } => {
            let permissions: Vec<String> = if permissions.iter().any(|p| p == "all") {
                ALL_PERMISSIONS.iter().map(|p| p.to_string()).collect()
            } else {
                permissions
                    .into_iter()
                    .map(|p| p.trim().to_owned())
                    .collect()
            };
            // JWT_SIGNING_KEY (or, where a deployment kept it, JWT_HS256 with JWT_SECRET).
            let mut env = EnvReader::from_env();
            let mut config = AuthConfig::from_env(&mut env, true);
            env.finish()?;
            config.issuer = issuer;
            config.audience = audience;
            let keys = JwtKeys::new(&config);
            let token = keys
                .mint(&subject, &permissions, ttl)
                .context("cannot mint the token")?;
            println!("{token}");
            Ok(())
        }
    }
}

/// What `embed_images` found: each image's embedding (`None` where no face was found) and the
/// images in which the detector found more than one face.
struct EmbeddedImages {
    embeddings: HashMap<String, Option<Embedding>>,
    several_faces: Vec<String>,
}

/// The embedding of the face each labelled image is about ([`subject_face`]: the one nearest
/// the centre, of two equally near the larger). With `crops`, its aligned crop is written there
/// too, named after the image's path. With `mirror`, the embedding is that of the crop plus
/// that of its mirror image, renormalised (an experiment: see `--mirror`).
fn embed_images(
    pipeline: &FacePipeline,
    root: &Path,
    images: &[String],
    crops: Option<&Path>,
    mirror: bool,
) -> anyhow::Result<EmbeddedImages> {
    if let Some(dir) = crops {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let mut embedded = EmbeddedImages {
        embeddings: HashMap::new(),
        several_faces: Vec::new(),
    };
    for name in images {
        let bytes =
            std::fs::read(root.join(name)).with_context(|| format!("cannot read {name}"))?;
        let image = decode_image(&bytes, &DecodeLimits::default())
            .with_context(|| format!("cannot decode {name}"))?;
        let faces = pipeline.analyse(&image)?;
        if faces.len() > 1 {
            embedded.several_faces.push(name.clone());
        }
        let face = subject_face(&faces, image.width(), image.height());
        if let (Some(dir), Some(face)) = (crops, face) {
            let file = dir.join(format!("{}.png", name.replace(['/', '\\'], "_")));
            face.aligned
                .save(&file)
                .with_context(|| format!("cannot write {}", file.display()))?;
        }
        let embedding = match face {
            Some(face) if mirror => Some(with_mirror(pipeline, face)?),
            Some(face) => Some(face.embedding.clone()),
            None => None,
        };
        embedded.embeddings.insert(name.clone(), embedding);
    }
    Ok(embedded)
}

/// The sum of the embeddings of a face's aligned crop and of its mirror image, made unit length.
fn with_mirror(pipeline: &FacePipeline, face: &AnalysedFace) -> anyhow::Result<Embedding> {
    let mirrored = image::imageops::flip_horizontal(&face.aligned);
    let [flipped] = <[Embedding; 1]>::try_from(pipeline.embedder().embed(&[mirrored])?)
        .map_err(|_| anyhow::anyhow!("the embedder returned no embedding"))?;
    let sum = face
        .embedding
        .values()
        .iter()
        .zip(flipped.values())
        .map(|(a, b)| a + b)
        .collect();
    Ok(Embedding::new(face.embedding.model().clone(), sum)?)
}

/// One line for the images with several faces: how many, and which.
fn several_faces_line(embedded: &EmbeddedImages) -> String {
    let several = &embedded.several_faces;
    if several.is_empty() {
        "images with several faces: 0".to_owned()
    } else {
        format!(
            "images with several faces: {} (the face nearest the centre was used): {}",
            several.len(),
            several.join(", ")
        )
    }
}

fn eval(
    pairs_file: &Path,
    models: &Path,
    threads: usize,
    crops: Option<&Path>,
    mirror: bool,
) -> anyhow::Result<()> {
    let root = pairs_file.parent().unwrap_or(Path::new("."));
    let text = std::fs::read_to_string(pairs_file)
        .with_context(|| format!("cannot read {}", pairs_file.display()))?;
    let mut labelled = Vec::new();
    for (number, line) in text.lines().enumerate().skip(1) {
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        let [a, b, same] = fields.as_slice() else {
            bail!("line {}: expected img_x,img_y,same", number + 1);
        };
        let same = match *same {
            "1" | "true" | "True" => true,
            "0" | "false" | "False" => false,
            other => bail!("line {}: same must be 1 or 0, got {other:?}", number + 1),
        };
        labelled.push((a.to_string(), b.to_string(), same));
    }
    let mut images: Vec<String> = labelled
        .iter()
        .flat_map(|(a, b, _)| [a.clone(), b.clone()])
        .collect();
    images.sort();
    images.dedup();

    let pipeline = FacePipeline::load(models, RuntimeOptions::new(threads))?;
    let started = Instant::now();
    let embedded = embed_images(&pipeline, root, &images, crops, mirror)?;
    let embeddings = &embedded.embeddings;
    let elapsed = started.elapsed();
    let missing: Vec<&String> = images.iter().filter(|i| embeddings[*i].is_none()).collect();
    let scored: Vec<ScoredPair> = labelled
        .iter()
        .filter_map(|(a, b, same)| {
            let (a, b) = (embeddings[a].as_ref()?, embeddings[b].as_ref()?);
            Some(ScoredPair {
                distance: a.distance(b),
                same: *same,
            })
        })
        .collect();
    let genuine = scored.iter().filter(|p| p.same).count();

    println!(
        "pairs: {} ({} same, {} different), images: {}",
        labelled.len(),
        labelled.iter().filter(|p| p.2).count(),
        labelled.iter().filter(|p| !p.2).count(),
        images.len()
    );
    println!(
        "pipeline: {} (BlazeFace full range → FaceMesh 5 points → MobileFaceNet{}), {:.1} s for {} images",
        pipeline.embedder().model().name,
        if mirror {
            ", plus its mirror image"
        } else {
            ""
        },
        elapsed.as_secs_f64(),
        images.len()
    );
    println!(
        "images without a detected face: {}{}",
        missing.len(),
        if missing.is_empty() {
            String::new()
        } else {
            format!(
                " ({})",
                missing
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    );
    println!("{}", several_faces_line(&embedded));
    println!(
        "pairs evaluated: {} ({} same, {} different); skipped for a missing face: {}",
        scored.len(),
        genuine,
        scored.len() - genuine,
        labelled.len() - scored.len()
    );
    let (mean, std) = evaluation::ten_fold_accuracy(&scored);
    println!(
        "10-fold accuracy: {:.2} % ± {:.2}",
        mean * 100.0,
        std * 100.0
    );
    println!("ROC AUC: {:.4}", evaluation::roc_auc(&scored));
    for far in [1e-2, 1e-3] {
        let (tar, threshold) = evaluation::tar_at_far(&scored, far);
        println!(
            "TAR at FAR {far:.0e}: {:.2} % (distance < {threshold:.3})",
            tar * 100.0
        );
    }
    let (threshold, accuracy) = evaluation::best_threshold(&scored);
    println!(
        "best single threshold on all pairs: distance <= {threshold:.3} ({:.2} %)",
        accuracy * 100.0
    );
    // The pairs nearest the line are where a model or alignment change shows first.
    let mut hardest: Vec<(f32, &str, &str, bool)> = labelled
        .iter()
        .filter_map(|(a, b, same)| {
            let distance = embeddings[a].as_ref()?.distance(embeddings[b].as_ref()?);
            Some((distance, a.as_str(), b.as_str(), *same))
        })
        .collect();
    hardest.sort_by(|x, y| x.0.total_cmp(&y.0));
    println!();
    println!("hardest pairs (farthest same, nearest different):");
    for (distance, a, b, _) in hardest.iter().rev().filter(|p| p.3).take(5) {
        println!("  same       {distance:.3}  {a}  {b}");
    }
    for (distance, a, b, _) in hardest.iter().filter(|p| !p.3).take(5) {
        println!("  different  {distance:.3}  {a}  {b}");
    }
    println!();
    println!("threshold table (accept when distance <= threshold):");
    println!("{:>9} {:>9} {:>9}", "distance", "FAR", "TAR");
    for step in 0..=12 {
        let threshold = 0.70 + 0.05 * step as f32;
        let (far, tar) = evaluation::rates_at(&scored, threshold);
        println!(
            "{threshold:>9.2} {:>8.3}% {:>8.2}%",
            far * 100.0,
            tar * 100.0
        );
    }
    Ok(())
}

/// Every image under `faces/<person>/`, labelled with its person folder.
fn labelled_images(faces: &Path) -> anyhow::Result<Vec<(String, String)>> {
    let mut images = Vec::new();
    let mut people: Vec<_> = std::fs::read_dir(faces)
        .with_context(|| format!("cannot read {}", faces.display()))?
        .collect::<Result<_, _>>()?;
    people.sort_by_key(|e| e.file_name());
    for person in people.iter().filter(|e| e.path().is_dir()) {
        let mut files: Vec<_> = std::fs::read_dir(person.path())?.collect::<Result<_, _>>()?;
        files.sort_by_key(|e| e.file_name());
        for file in files.iter().filter(|e| e.path().is_file()) {
            let name = file.file_name().to_string_lossy().to_lowercase();
            if [".jpg", ".jpeg", ".png", ".webp"]
                .iter()
                .any(|ext| name.ends_with(ext))
            {
                let label = person.file_name().to_string_lossy().into_owned();
                let relative = format!("{label}/{}", file.file_name().to_string_lossy());
                images.push((relative, label));
            }
        }
    }
    Ok(images)
}

fn calibrate(faces: &Path, models: &Path, threads: usize, mirror: bool) -> anyhow::Result<()> {
    let images = labelled_images(faces)?;
    let names: Vec<String> = images.iter().map(|(name, _)| name.clone()).collect();
    let pipeline = FacePipeline::load(models, RuntimeOptions::new(threads))?;
    let embedded = embed_images(&pipeline, faces, &names, None, mirror)?;
    let embeddings = &embedded.embeddings;
    let usable: Vec<(&Embedding, &str)> = images
        .iter()
        .filter_map(|(name, label)| Some((embeddings[name].as_ref()?, label.as_str())))
        .collect();
    let mut scored = Vec::new();
    for (i, (a, label_a)) in usable.iter().enumerate() {
        for (b, label_b) in &usable[i + 1..] {
            scored.push(ScoredPair {
                distance: a.distance(b),
                same: label_a == label_b,
            });
        }
    }
    let genuine = scored.iter().filter(|p| p.same).count();
    println!(
        "calibration data: {} photos of {} people ({} without a face), {} pairs: {} genuine, {} impostor",
        images.len(),
        {
            let mut labels: Vec<&str> = images.iter().map(|(_, l)| l.as_str()).collect();
            labels.dedup();
            labels.len()
        },
        images.len() - usable.len(),
        scored.len(),
        genuine,
        scored.len() - genuine
    );
    println!("{}", several_faces_line(&embedded));
    println!(
        "model: {}{}",
        pipeline.embedder().model().name,
        if mirror { " (plus mirror image)" } else { "" }
    );
    let mut knots = Vec::new();
    for far in [1e-3, 1e-2] {
        match evaluation::distance_at_far(&scored, far) {
            Some(distance) => {
                let (measured_far, tar) = evaluation::rates_at(&scored, distance);
                println!(
                    "FAR <= {far:.0e}: distance <= {distance:.2} (measured FAR {:.4} %, TAR {:.2} %)",
                    measured_far * 100.0,
                    tar * 100.0
                );
                knots.push(distance);
            }
            None => println!("FAR <= {far:.0e}: too few impostor pairs to measure"),
        }
    }
    if let [at_1e3, at_1e2] = knots[..] {
        let calibration = faceattend_face::Calibration::from_far_distances(
            pipeline.embedder().model().name.clone(),
            at_1e3,
            at_1e2.max(at_1e3 + 0.01),
        )?;
        println!();
        println!("confidence table (accept when confidence >= threshold):");
        println!(
            "{:>10} {:>9} {:>9} {:>9}",
            "confidence", "distance", "FAR", "TAR"
        );
        for threshold in [0.9, 0.8, 0.75, 0.7, 0.65, 0.6, 0.5, 0.4] {
            let distance = calibration.max_distance(threshold);
            let (far, tar) = evaluation::rates_at(&scored, distance);
            println!(
                "{threshold:>10.2} {distance:>9.3} {:>8.3}% {:>8.2}%",
                far * 100.0,
                tar * 100.0
            );
        }
    }
    Ok(())
}

fn reembed() -> anyhow::Result<()> {
    let settings = person_api::config::Settings::from_env()?;
    let runtime = tokio::runtime::Runtime::new()?;
    let report = runtime
        .block_on(person_api::startup::reembed(settings))
        .map_err(|e| anyhow::anyhow!(e))
        .context("re-embedding failed")?;
    println!(
        "model {}: {} photos, {} re-embedded, {} already current, {} failed",
        if report.model.is_empty() {
            "(none)"
        } else {
            &report.model
        },
        report.photos,
        report.reembedded,
        report.already_current,
        report.failed.len()
    );
    for (image_id, reason) in &report.failed {
        println!("  photo {image_id}: {reason}");
    }
    Ok(())
}
