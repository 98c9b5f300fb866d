//! attendance-api's binary: configuration, telemetry, then the application until SIGTERM.

use anyhow::Context;
use attendance_api::config::Settings;
use attendance_api::startup::Application;
use faceattend_service::telemetry;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings = Settings::from_env()?;
    let _telemetry = telemetry::init("attendance-api", settings.log_format)?;
    let application = Application::build(settings)
        .await
        .context("attendance-api failed to start")?;
    tracing::info!(port = application.port(), "attendance-api listening");
    application.run_until_stopped().await?;
    Ok(())
}
