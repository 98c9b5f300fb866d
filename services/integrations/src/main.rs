//! integrations' entry point: configuration, telemetry, then the application.

use anyhow::Context;
use faceattend_service::telemetry;
use integrations::config::Settings;
use integrations::startup::Application;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings = Settings::from_env()?;
    let _telemetry = telemetry::init("integrations", settings.log_format)?;
    let application = Application::build(settings)
        .await
        .context("integrations failed to start")?;
    tracing::info!(port = application.port(), "integrations running");
    application.run_until_stopped().await?;
    Ok(())
}
