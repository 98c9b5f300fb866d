//! realtime-gateway's entry point: configuration, telemetry, then the application.

use anyhow::Context;
use faceattend_service::telemetry;
use realtime_gateway::config::Settings;
use realtime_gateway::startup::Application;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings = Settings::from_env()?;
    let _telemetry = telemetry::init("realtime-gateway", settings.log_format)?;
    let application = Application::build(settings)
        .await
        .context("realtime-gateway failed to start")?;
    tracing::info!(port = application.port(), "realtime-gateway running");
    application.run_until_stopped().await?;
    Ok(())
}
