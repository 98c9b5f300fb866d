use anyhow::Context;
use face_embedder::config::Settings;
use face_embedder::startup::Application;
use faceattend_service::telemetry;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings = Settings::from_env()?;
    let _telemetry = telemetry::init("face-embedder", settings.log_format)?;
    let application = Application::build(settings)
        .await
        .context("face-embedder failed to start")?;
    tracing::info!(port = application.port(), "face-embedder running");
    application.run_until_stopped().await?;
    Ok(())
}
