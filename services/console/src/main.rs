use anyhow::Context;
use console::config::Settings;
use console::startup::Application;
use faceattend_service::telemetry;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings = Settings::from_env()?;
    let _telemetry = telemetry::init("console", settings.log_format)?;
    let application = Application::build(settings)
        .await
        .context("console failed to start")?;
    tracing::info!(port = application.port(), "console listening");
    application.run_until_stopped().await?;
    Ok(())
}
