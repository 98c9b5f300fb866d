//! `face.v1.embed` and `face.v1.identify`: the NATS micro-service other services call.
//!
//! Built on async-nats' service API, so every replica joins one queue group (a request goes
//! to exactly one replica) and `nats micro info face-embedder` shows endpoints and stats.
//! Requests are handled concurrently; the recognizer bounds how many images are analysed at
//! once. A bad request gets an error reply (code and `code: message` text), never silence.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use async_nats::service::{self, ServiceExt};
use bytes::Bytes;
use faceattend_bus::Bus;
use faceattend_proto::faces::v1 as wire;
use futures::StreamExt;
use prost::Message;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use crate::recognizer::{RecognizeError, Recognizer, SearchOptions};

pub const SERVICE_NAME: &str = "face-embedder";
pub const EMBED_SUBJECT: &str = "face.v1.embed";
pub const IDENTIFY_SUBJECT: &str = "face.v1.identify";

/// Starts the service and serves until `shutdown`, then stops taking requests and lets the
/// ones in flight finish.
pub async fn serve(
    bus: Bus,
    recognizer: Arc<Recognizer>,
    queue_group: String,
    serving: Arc<AtomicBool>,
    shutdown: CancellationToken,
) -> Result<(), async_nats::Error> {
    let service = bus
        .client()
        .service_builder()
        .description("faceattend face recognition: embed and identify faces in images")
        .queue_group(queue_group)
        .start(SERVICE_NAME, env!("CARGO_PKG_VERSION"))
        .await?;
    let mut embed = service
        .endpoint_builder()
        .name("embed")
        .add(bus.subject(EMBED_SUBJECT))
        .await?;
    let mut identify = service
        .endpoint_builder()
        .name("identify")
        .add(bus.subject(IDENTIFY_SUBJECT))
        .await?;
    // Subscribed: from here on a request finds this replica (readiness reports it).
    serving.store(true, Ordering::Release);
    let mut in_flight = JoinSet::new();
    loop {
        let (request, kind) = tokio::select! {
            _ = shutdown.cancelled() => break,
            Some(request) = embed.next() => (request, Kind::Embed),
            Some(request) = identify.next() => (request, Kind::Identify),
            else => break,
        };
        let recognizer = recognizer.clone();
        let span = tracing::info_span!("face request", endpoint = kind.name());
        if let Some(headers) = &request.message.headers {
            let _ = span.set_parent(faceattend_bus::extract_trace_context(headers));
        }
        in_flight.spawn(
            async move {
                let reply = match kind {
                    Kind::Embed => embed_reply(&recognizer, &request.message.payload).await,
                    Kind::Identify => identify_reply(&recognizer, &request.message.payload).await,
                };
                let reply = reply.map_err(|error| {
                    if error.status() >= 500 {
                        tracing::error!(%error, "face request failed");
                    }
                    service::error::Error {
                        status: format!("{}: {error}", error.code()),
                        code: error.status() as usize,
                    }
                });
                if let Err(error) = request.respond(reply).await {
                    tracing::warn!(%error, "cannot reply to a face request");
                }
            }
            .instrument(span),
        );
        // Reap finished handlers so the set does not grow with the service's lifetime.
        while in_flight.try_join_next().is_some() {}
    }
    // Stop receiving new requests before draining the ones already accepted.
    serving.store(false, Ordering::Release);
    drop(embed);
    drop(identify);
    while in_flight.join_next().await.is_some() {}
    service.stop().await?;
    Ok(())
}

#[derive(Clone, Copy)]
enum Kind {
    Embed,
    Identify,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Embed => "embed",
            Kind::Identify => "identify",
        }
    }
}

async fn embed_reply(recognizer: &Recognizer, payload: &[u8]) -> Result<Bytes, RecognizeError> {
    let request = wire::EmbedRequest::decode(payload)
        .map_err(|e| RecognizeError::BadRequest(format!("not an EmbedRequest: {e}")))?;
    let (faces, (width, height)) = recognizer.analyse(Bytes::from(request.image)).await?;
    let reply = wire::EmbedReply {
        faces: faces.into_iter().map(|f| f.wire).collect(),
        image_width: width,
        image_height: height,
    };
    Ok(Bytes::from(reply.encode_to_vec()))
}

async fn identify_reply(recognizer: &Recognizer, payload: &[u8]) -> Result<Bytes, RecognizeError> {
    let request = wire::IdentifyRequest::decode(payload)
        .map_err(|e| RecognizeError::BadRequest(format!("not an IdentifyRequest: {e}")))?;
    let options = SearchOptions {
        top_k: match request.top_k {
            0 => 5,
            k => (k as usize).min(100),
        },
        min_confidence: request.min_confidence.clamp(0.0, 1.0),
    };
    let faces = match request.probe {
        Some(wire::identify_request::Probe::Image(image)) => {
            recognizer
                .identify_image(Bytes::from(image), options.top_k)
                .await?
        }
        Some(wire::identify_request::Probe::Embedding(embedding)) => {
            vec![recognizer.identify_embedding(&embedding, options.top_k)?]
        }
        None => {
            return Err(RecognizeError::BadRequest(
                "an image or an embedding is required".to_owned(),
            ));
        }
    };
    let gallery_size = recognizer
        .gallery()
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .len() as u64;
    let reply = wire::IdentifyReply {
        faces: faces
            .into_iter()
            .map(|face| recognizer.to_wire(face, options))
            .collect(),
        gallery_size,
        model: recognizer.model().name.clone(),
    };
    Ok(Bytes::from(reply.encode_to_vec()))
}
