//! person-api's client of face-embedder: `face.v1.embed` and `face.v1.identify` over NATS
//! request/reply (protobuf bodies, see `proto/faceattend/faces/v1/faces.proto`).
//!
//! Any replica of face-embedder answers (queue group). A service error comes back in the
//! `Nats-Service-Error(-Code)` headers as `"<code>: <message>"` with an HTTP-like status,
//! which is turned into a [`FaceServiceError::Rejected`] the routes map to a 4xx.

use std::time::Duration;

use async_nats::service::{NATS_SERVICE_ERROR, NATS_SERVICE_ERROR_CODE};
use bytes::Bytes;
use faceattend_bus::Bus;
use faceattend_proto::faces::v1 as wire;
use prost::Message;

pub const EMBED_SUBJECT: &str = "face.v1.embed";
pub const IDENTIFY_SUBJECT: &str = "face.v1.identify";

#[derive(Debug, thiserror::Error)]
pub enum FaceServiceError {
    /// face-embedder refused the image: the client's doing.
    #[error("{message}")]
    Rejected {
        status: u16,
        code: String,
        message: String,
    },
    /// No replica answered in time, or none is running.
    #[error("the face recognition service is unavailable: {0}")]
    Unavailable(String),
    /// face-embedder failed on its side, or answered something unreadable.
    #[error("the face recognition service failed: {0}")]
    Failed(String),
}

#[derive(Clone)]
pub struct FaceClient {
    bus: Bus,
    timeout: Duration,
}

impl FaceClient {
    pub fn new(bus: Bus, timeout: Duration) -> Self {
        Self { bus, timeout }
    }

    pub async fn embed(&self, image: Bytes) -> Result<wire::EmbedReply, FaceServiceError> {
        let request = wire::EmbedRequest {
            image: image.to_vec(),
        };
        self.call(EMBED_SUBJECT, request.encode_to_vec()).await
    }

    pub async fn identify(
        &self,
        image: Bytes,
        top_k: u32,
        min_confidence: f32,
    ) -> Result<wire::IdentifyReply, FaceServiceError> {
        let request = wire::IdentifyRequest {
            probe: Some(wire::identify_request::Probe::Image(image.to_vec())),
            top_k,
            min_confidence,
        };
        self.call(IDENTIFY_SUBJECT, request.encode_to_vec()).await
    }

    async fn call<R: Message + Default>(
        &self,
        subject: &str,
        payload: Vec<u8>,
    ) -> Result<R, FaceServiceError> {
        let mut headers = async_nats::HeaderMap::new();
        for (name, value) in faceattend_bus::current_trace_headers() {
            headers.insert(name.as_str(), value.as_str());
        }
        let request = async_nats::Request::new()
            .payload(Bytes::from(payload))
            .headers(headers)
            .timeout(Some(self.timeout));
        let reply = self
            .bus
            .client()
            .send_request(self.bus.subject(subject), request)
            .await
            .map_err(|e| FaceServiceError::Unavailable(e.to_string()))?;
        if let Some(headers) = &reply.headers
            && let Some(status) = headers.get(NATS_SERVICE_ERROR_CODE)
        {
            let status: u16 = status.as_str().parse().unwrap_or(500);
            let text = headers
                .get(NATS_SERVICE_ERROR)
                .map(|v| v.to_string())
                .unwrap_or_default();
            let (code, message) = text
                .split_once(": ")
                .map(|(c, m)| (c.to_owned(), m.to_owned()))
                .unwrap_or_else(|| ("face_service_error".to_owned(), text.clone()));
            return Err(if (400..500).contains(&status) {
                FaceServiceError::Rejected {
                    status,
                    code,
                    message,
                }
            } else if status == 503 {
                FaceServiceError::Unavailable(message)
            } else {
                FaceServiceError::Failed(format!("{code}: {message}"))
            });
        }
        R::decode(reply.payload.as_ref()).map_err(|e| FaceServiceError::Failed(e.to_string()))
    }
}
