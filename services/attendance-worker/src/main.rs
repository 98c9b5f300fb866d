//! attendance-worker's entry point: configuration, telemetry, then the application.

use anyhow::Context;
use attendance_worker::config::Settings;
use attendance_worker::startup::Application;
use faceattend_service::telemetry;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings = Settings::from_env()?;
    let _telemetry = telemetry::init("attendance-worker", settings.log_format)?;
    let application = Application::build(settings)
        .await
        .context("attendance-worker failed to start")?;
    tracing::info!(port = application.port(), "attendance-worker running");
    application.run_until_stopped().await?;
    Ok(())
}
