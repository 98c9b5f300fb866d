use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use camera_agent::config::Settings;
use camera_agent::sample_video::{SampleVideo, load_photo};
use camera_agent::startup::Application;
use clap::{Parser, Subcommand};
use faceattend_service::telemetry;

/// faceattend's camera agent. Without a command it runs the cameras of CAMERAS/CAMERAS_FILE.
#[derive(Parser)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Write a video (Motion-JPEG AVI) of people appearing one after another, from photos.
    SampleVideo {
        /// Where to write the video.
        #[arg(long)]
        out: PathBuf,
        /// Photos, in order of appearance.
        #[arg(required = true)]
        photos: Vec<PathBuf>,
        /// Seconds each person stays in view.
        #[arg(long, default_value_t = 2.0)]
        stay: f64,
        /// Seconds of empty scene before each person and at the end.
        #[arg(long, default_value_t = 1.5)]
        gap: f64,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    if let Some(Command::SampleVideo {
        out,
        photos,
        stay,
        gap,
    }) = Cli::parse().command
    {
        let photos = photos
            .iter()
            .map(|p| load_photo(p))
            .collect::<Result<Vec<_>, _>>()?;
        let video = SampleVideo::sequence(
            photos,
            Duration::try_from_secs_f64(stay).context("--stay")?,
            Duration::try_from_secs_f64(gap).context("--gap")?,
            1280,
            720,
            15.0,
        );
        let frames = video.write(&out)?;
        println!("{} ({frames} frames)", out.display());
        return Ok(());
    }
    let settings = Settings::from_env()?;
    let _telemetry = telemetry::init("camera-agent", settings.log_format)?;
    let application = Application::build(settings)
        .await
        .context("camera-agent failed to start")?;
    tracing::info!(port = application.port(), "camera-agent running");
    application.run_until_stopped().await?;
    Ok(())
}
