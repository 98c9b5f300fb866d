use anyhow::Context;
use faceattend_service::telemetry;
use person_api::config::Settings;
use person_api::startup::Application;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings = Settings::from_env()?;
    let _telemetry = telemetry::init("person-api", settings.log_format)?;
    let application = Application::build(settings)
        .await
        .context("person-api failed to start")?;
    tracing::info!(port = application.port(), "person-api listening");
    application.run_until_stopped().await?;
    Ok(())
}
