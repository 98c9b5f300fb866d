//! Where notifications and reports go: a webhook (a JSON POST) and/or email (SMTP), as
//! configured; neither is a valid configuration, in which case the jobs say so in their
//! summaries and send nothing.
//!
//! Each delivery is tried `NOTIFY_ATTEMPTS` times with a doubling pause and a timeout per
//! attempt. A webhook that answers 4xx (other than 408 and 429) refused the payload:
//! trying again would not change its mind.

use std::time::Duration;

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;
use serde_json::{Value, json};

use crate::config::NotifySettings;
use crate::error::WorkerError;

/// Pause before the second attempt; doubles with each further one.
const FIRST_RETRY_PAUSE: Duration = Duration::from_millis(500);

/// One thing to deliver: a late arrival, an absence, a report.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// `late_arrival`, `absence`, `daily_report`, `monthly_report`.
    pub kind: &'static str,
    /// The email subject, and a line for people in the webhook payload.
    pub subject: String,
    pub data: Value,
}

pub struct Sinks {
    webhook: Option<Webhook>,
    email: Option<Email>,
    attempts: u32,
}

struct Webhook {
    client: reqwest::Client,
    url: String,
}

struct Email {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    to: Vec<Mailbox>,
}

impl Sinks {
    pub fn from_settings(settings: &NotifySettings) -> Result<Self, WorkerError> {
        let sink = |e: String| WorkerError::Sink(e);
        let webhook = match &settings.webhook_url {
            None => None,
            Some(url) => Some(Webhook {
                client: reqwest::Client::builder()
                    .timeout(settings.timeout)
                    .build()
                    .map_err(|e| sink(format!("webhook client: {e}")))?,
                url: url.clone(),
            }),
        };
        let email = match &settings.smtp_url {
            None => None,
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())
                    .map_err(|e| sink(format!("NOTIFY_SMTP_URL: {e}")))?
                    .timeout(Some(settings.timeout))
                    .build();
                let mailbox = |raw: &str, name: &str| {
                    raw.parse::<Mailbox>()
                        .map_err(|e| sink(format!("{name} {raw:?}: {e}")))
                };
                let from = mailbox(
                    settings.email_from.as_deref().unwrap_or_default(),
                    "NOTIFY_EMAIL_FROM",
                )?;
                let to = settings
                    .email_to
                    .iter()
                    .map(|to| mailbox(to, "NOTIFY_EMAIL_TO"))
                    .collect::<Result<Vec<_>, _>>()?;
                if to.is_empty() {
                    return Err(sink("NOTIFY_EMAIL_TO names nobody".to_owned()));
                }
                Some(Email {
                    transport,
                    from,
                    to,
                })
            }
        };
        Ok(Self {
            webhook,
            email,
            attempts: settings.attempts.max(1),
        })
    }

    /// The configured sinks' names, for summaries.
    pub fn names(&self) -> Vec<&'static str> {
        let mut names = Vec::new();
        if self.webhook.is_some() {
            names.push("webhook");
        }
        if self.email.is_some() {
            names.push("email");
        }
        names
    }

    pub fn is_empty(&self) -> bool {
        self.webhook.is_none() && self.email.is_none()
    }

    /// Delivers to every configured sink; an error names each sink that failed.
    pub async fn deliver(&self, delivery: &Delivery) -> Result<(), WorkerError> {
        let mut failures = Vec::new();
        if let Some(webhook) = &self.webhook
            && let Err(error) = self.retrying(|| webhook.post(delivery)).await
        {
            failures.push(format!("webhook: {error}"));
        }
        if let Some(email) = &self.email
            && let Err(error) = self.retrying(|| email.send(delivery)).await
        {
            failures.push(format!("email: {error}"));
        }
        if failures.is_empty() {
            Ok(())
        } else {
            Err(WorkerError::Delivery(failures.join("; ")))
        }
    }

    async fn retrying<F, Fut>(&self, mut attempt: F) -> Result<(), String>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<(), Failure>>,
    {
        let mut pause = FIRST_RETRY_PAUSE;
        let mut tries = 0;
        loop {
            tries += 1;
            match attempt().await {
                Ok(()) => return Ok(()),
                Err(Failure::Final(reason)) => return Err(reason),
                Err(Failure::Transient(reason)) if tries >= self.attempts => {
                    return Err(format!("{reason} (after {tries} attempts)"));
                }
                Err(Failure::Transient(reason)) => {
                    tracing::warn!(%reason, tries, "delivery failed; retrying");
                    tokio::time::sleep(pause).await;
                    pause = pause.saturating_mul(2);
                }
            }
        }
    }
}

enum Failure {
    /// Worth another attempt (timeout, refused connection, 5xx).
    Transient(String),
    /// The sink refused the delivery itself.
    Final(String),
}

impl Webhook {
    async fn post(&self, delivery: &Delivery) -> Result<(), Failure> {
        let body = json!({
            "kind": delivery.kind,
            "subject": delivery.subject,
            "data": delivery.data,
        });
        let response = self
            .client
            .post(&self.url)
            .json(&body)
            .send()
            .await
            .map_err(|e| Failure::Transient(e.to_string()))?;
        let status = response.status();
        if status.is_success() {
            Ok(())
        } else if status.is_client_error() && status.as_u16() != 408 && status.as_u16() != 429 {
            Err(Failure::Final(format!("the webhook answered {status}")))
        } else {
            Err(Failure::Transient(format!("the webhook answered {status}")))
        }
    }
}

impl Email {
    async fn send(&self, delivery: &Delivery) -> Result<(), Failure> {
        let mut builder = Message::builder()
            .from(self.from.clone())
            .subject(delivery.subject.clone())
            .header(ContentType::TEXT_PLAIN);
        for to in &self.to {
            builder = builder.to(to.clone());
        }
        let text = serde_json::to_string_pretty(&delivery.data).unwrap_or_default();
        let message = builder
            .body(format!("{}\n\n{text}\n", delivery.subject))
            .map_err(|e| Failure::Final(format!("cannot build the email: {e}")))?;
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            // A permanent SMTP answer (5xx: unknown recipient, refused sender) will not
            // change on a retry.
            Err(error) if error.is_permanent() => Err(Failure::Final(error.to_string())),
            Err(error) => Err(Failure::Transient(error.to_string())),
        }
    }
}
