//! The faceattend event bus: NATS JetStream with the project's conventions built in.
//!
//! - Every subject and stream can live under a *namespace* (`BUS_NAMESPACE`), so several
//!   deployments, or parallel test runs, share one NATS server without seeing each other.
//! - Every published message carries `Nats-Msg-Id` (JetStream drops a repeat inside the
//!   stream's duplicate window) and the W3C trace context of the code that produced it, so a
//!   trace crosses the hop.
//! - The service starts even while NATS is unreachable; the client reconnects on its own and
//!   readiness reports the connection state.

mod consumers;
mod streams;
mod trace;

use std::time::Duration;

use async_nats::HeaderMap;
use async_nats::jetstream::{self, context::PublishAckFuture};
use bytes::Bytes;

pub use async_nats;
pub use consumers::{ConsumerSpec, KvSpec};
pub use streams::StreamSpec;
pub use trace::{current_trace_headers, extract_span_context, extract_trace_context};

/// Header names the bus relies on.
pub mod headers {
    pub const MSG_ID: &str = "Nats-Msg-Id";
    pub const CONTENT_TYPE: &str = "Content-Type";
    /// On a `$KV.<bucket>.<key>` message: `PURGE` erases the key and its history.
    pub const KV_OPERATION: &str = "KV-Operation";
    /// With `KV_OPERATION: PURGE`, `sub` makes JetStream drop the key's earlier values.
    pub const ROLLUP: &str = "Nats-Rollup";
}

#[derive(Debug, thiserror::Error)]
pub enum BusError {
    #[error("invalid NATS url {url:?}: {source}")]
    InvalidUrl {
        url: String,
        #[source]
        source: async_nats::ConnectError,
    },
    #[error("invalid bus namespace {0:?}: use letters, digits, '-' and '_' only")]
    InvalidNamespace(String),
    #[error("could not create or update stream {stream}: {reason}")]
    Stream { stream: String, reason: String },
    #[error("publish to {subject} failed: {reason}")]
    Publish { subject: String, reason: String },
    #[error("could not create or update consumer {consumer} on {stream}: {reason}")]
    Consumer {
        stream: String,
        consumer: String,
        reason: String,
    },
    #[error("could not open key-value bucket {bucket}: {reason}")]
    KeyValue { bucket: String, reason: String },
}

/// The subject a message given up on is republished on: `deadletter.v1.` and its original
/// subject (relative to the namespace), so an operator can tell at once where it came from.
pub fn dead_letter_subject(original_relative: &str) -> String {
    format!("deadletter.v1.{original_relative}")
}

/// How to reach the bus.
#[derive(Debug, Clone)]
pub struct BusConfig {
    pub url: String,
    /// Prefix of every subject and stream; empty for none.
    pub namespace: String,
    /// Shown in the NATS server's connection list.
    pub client_name: String,
}

/// A connection to NATS with its JetStream context and namespace.
#[derive(Clone)]
pub struct Bus {
    client: async_nats::Client,
    jetstream: jetstream::Context,
    namespace: String,
}

/// A message to publish. `subject` is relative to the namespace.
#[derive(Debug, Clone)]
pub struct OutgoingMessage {
    pub subject: String,
    pub msg_id: String,
    pub content_type: String,
    /// Extra headers, e.g. a trace context captured when the event was created.
    pub headers: Vec<(String, String)>,
    pub payload: Bytes,
}

/// What JetStream said when it stored a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stored {
    pub sequence: u64,
    /// True when the server had already stored this `Nats-Msg-Id`.
    pub duplicate: bool,
}

impl Bus {
    /// Connects without waiting for the server: if NATS is down the client keeps retrying in
    /// the background, and publishes fail (and are retried by their callers) until it is up.
    pub async fn connect(config: &BusConfig) -> Result<Self, BusError> {
        validate_namespace(&config.namespace)?;
        let client = async_nats::ConnectOptions::new()
            .name(&config.client_name)
            .retry_on_initial_connect()
            .connection_timeout(Duration::from_secs(5))
            .max_reconnects(None)
            // Publishing while disconnected fails fast instead of filling a buffer that a
            // crash would lose; the outbox keeps the event until a publish is acknowledged.
            .client_capacity(4096)
            .connect(config.url.as_str())
            .await
            .map_err(|source| BusError::InvalidUrl {
                url: config.url.clone(),
                source,
            })?;
        let jetstream = jetstream::new(client.clone());
        Ok(Self {
            client,
            jetstream,
            namespace: config.namespace.clone(),
        })
    }

    pub fn client(&self) -> &async_nats::Client {
        &self.client
    }

    pub fn jetstream(&self) -> &jetstream::Context {
        &self.jetstream
    }

    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    pub fn is_connected(&self) -> bool {
        self.client.connection_state() == async_nats::connection::State::Connected
    }

    /// The connection as a readiness probe reports it.
    pub fn readiness(&self) -> Result<(), String> {
        if self.is_connected() {
            Ok(())
        } else {
            Err("not connected to NATS".to_owned())
        }
    }

    /// The full subject for a subject relative to the namespace. System subjects (`$KV.…`,
    /// `$JS.…`) are absolute already: their names carry the namespaced bucket or stream.
    pub fn subject(&self, relative: &str) -> String {
        if self.namespace.is_empty() || relative.starts_with('$') {
            relative.to_owned()
        } else {
            format!("{}.{relative}", self.namespace)
        }
    }

    /// The full stream name for a stream's base name (`PERSONS` → `NS_PERSONS`).
    pub fn stream_name(&self, base: &str) -> String {
        if self.namespace.is_empty() {
            base.to_owned()
        } else {
            format!("{}_{base}", self.namespace.to_uppercase().replace('-', "_"))
        }
    }

    /// Creates the stream, or updates it to the spec when it exists.
    pub async fn ensure_stream(
        &self,
        spec: &StreamSpec,
    ) -> Result<jetstream::stream::Stream, BusError> {
        let config = spec.to_config(self);
        let name = config.name.clone();
        let fail = |reason: String| BusError::Stream {
            stream: name.clone(),
            reason,
        };
        match self.jetstream.get_stream(&name).await {
            Ok(mut stream) => {
                let current = stream
                    .info()
                    .await
                    .map_err(|e| fail(e.to_string()))?
                    .config
                    .clone();
                if current.subjects != config.subjects
                    || current.max_age != config.max_age
                    || current.duplicate_window != config.duplicate_window
                {
                    self.jetstream
                        .update_stream(config)
                        .await
                        .map_err(|e| fail(e.to_string()))?;
                }
                Ok(stream)
            }
            Err(_) => self
                .jetstream
                .get_or_create_stream(config)
                .await
                .map_err(|e| fail(e.to_string())),
        }
    }

    /// Publishes and waits for JetStream to store the message.
    pub async fn publish(&self, message: OutgoingMessage) -> Result<Stored, BusError> {
        let ack = self.publish_async(message.clone()).await?;
        let ack = ack.await.map_err(|e| BusError::Publish {
            subject: message.subject.clone(),
            reason: e.to_string(),
        })?;
        Ok(Stored {
            sequence: ack.sequence,
            duplicate: ack.duplicate,
        })
    }

    /// Publishes a protobuf message; its `Content-Type` names the message type, and the
    /// current span's trace context travels in the headers.
    pub async fn publish_proto<M: prost::Message + prost::Name>(
        &self,
        subject: &str,
        msg_id: &str,
        message: &M,
    ) -> Result<Stored, BusError> {
        self.publish(OutgoingMessage {
            subject: subject.to_owned(),
            msg_id: msg_id.to_owned(),
            content_type: format!("application/protobuf; proto={}", M::full_name()),
            headers: current_trace_headers(),
            payload: Bytes::from(message.encode_to_vec()),
        })
        .await
    }

    /// Sends the message and returns the pending acknowledgement, so a caller can pipeline
    /// many publishes and await their acks afterwards.
    pub async fn publish_async(
        &self,
        message: OutgoingMessage,
    ) -> Result<PublishAckFuture, BusError> {
        let subject = self.subject(&message.subject);
        let mut headers = HeaderMap::new();
        headers.insert(headers::MSG_ID, message.msg_id.as_str());
        headers.insert(headers::CONTENT_TYPE, message.content_type.as_str());
        for (name, value) in &message.headers {
            headers.insert(name.as_str(), value.as_str());
        }
        self.jetstream
            .publish_with_headers(subject.clone(), headers, message.payload)
            .await
            .map_err(|e| BusError::Publish {
                subject,
                reason: e.to_string(),
            })
    }
}

fn validate_namespace(namespace: &str) -> Result<(), BusError> {
    let ok = namespace
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(BusError::InvalidNamespace(namespace.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces_are_restricted_to_token_characters() {
        assert!(validate_namespace("").is_ok());
        assert!(validate_namespace("test-1_a").is_ok());
        assert!(validate_namespace("a.b").is_err());
        assert!(validate_namespace("a>").is_err());
        assert!(validate_namespace("a b").is_err());
    }
}

/// For tests of the services (feature `testing`).
#[cfg(feature = "testing")]
pub mod testing {
    use futures::StreamExt;

    /// Deletes every stream and key-value bucket of `namespace` (streams `<NAMESPACE>_...`,
    /// buckets' streams `KV_<NAMESPACE>_...`), blocking until done: for
    /// a test app's `Drop`, which cannot await and may run while the test's runtime is shutting
    /// down, so the work runs on a thread and a runtime of its own.
    pub fn delete_namespace_streams(nats: &async_nats::Client, namespace: &str) {
        let prefix = format!("{}_", namespace.to_uppercase());
        let bucket_prefix = format!("KV_{prefix}");
        let nats = nats.clone();
        std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async move {
                let jetstream = async_nats::jetstream::new(nats);
                let mut ours = Vec::new();
                let mut names = jetstream.stream_names();
                while let Some(Ok(name)) = names.next().await {
                    if name.starts_with(&prefix) || name.starts_with(&bucket_prefix) {
                        ours.push(name);
                    }
                }
                for name in ours {
                    let _ = jetstream.delete_stream(&name).await;
                }
            });
        })
        .join()
        .ok();
    }
}
