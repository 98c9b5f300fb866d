//! The agent's answer to "test connection": open a source once, read one frame, and say what
//! came of it. Requests arrive on `cameras.v1.probe.<agent>` (the console asks through the
//! camera registry); the agent, not the console, sits on the cameras' network and has the
//! decoders, so the test sees exactly what running the camera would.

use std::time::{Duration, Instant};

use faceattend_bus::Bus;
use faceattend_camera_registry::CameraRegistry;
use faceattend_proto::cameras::v1 as wire;
use futures::StreamExt;
use prost::Message;
use tokio_util::sync::CancellationToken;

use crate::config::VideoSource;
use crate::source::VideoReader;

/// The longest a probe may try, whatever it asks.
const MAX_PROBE: Duration = Duration::from_secs(15);

/// Answers probes until `shutdown`. Probes run one at a time: each holds a decoder.
pub async fn serve(bus: Bus, agent: String, shutdown: CancellationToken) {
    let subject = bus.subject(&CameraRegistry::probe_subject(&agent));
    // Replicas sharing a name share the work.
    let mut requests = match bus
        .client()
        .queue_subscribe(subject.clone(), format!("camera-agent-{agent}"))
        .await
    {
        Ok(requests) => requests,
        Err(error) => {
            tracing::error!(%subject, %error, "cannot answer camera probes");
            return;
        }
    };
    loop {
        let request = tokio::select! {
            _ = shutdown.cancelled() => return,
            request = requests.next() => match request {
                Some(request) => request,
                None => return,
            },
        };
        let Some(reply_to) = request.reply.clone() else {
            continue;
        };
        let reply = match wire::ProbeRequest::decode(request.payload) {
            Ok(probe) => {
                let timeout = Duration::from_millis(probe.timeout_ms.into())
                    .clamp(Duration::from_millis(500), MAX_PROBE);
                tokio::task::spawn_blocking(move || probe_source(&probe.source, timeout))
                    .await
                    .unwrap_or_else(|error| {
                        failed(format!("the probe failed: {error}"), Instant::now())
                    })
            }
            Err(error) => failed(format!("not a ProbeRequest: {error}"), Instant::now()),
        };
        if let Err(error) = bus
            .client()
            .publish(reply_to, reply.encode_to_vec().into())
            .await
        {
            tracing::warn!(%error, "cannot answer a camera probe");
        }
    }
}

fn failed(error: String, started: Instant) -> wire::ProbeReply {
    wire::ProbeReply {
        ok: false,
        error,
        elapsed_ms: started.elapsed().as_millis().min(u32::MAX as u128) as u32,
        ..Default::default()
    }
}

/// Opens `raw` and reads one frame.
pub fn probe_source(raw: &str, timeout: Duration) -> wire::ProbeReply {
    let started = Instant::now();
    let source = match VideoSource::parse(raw) {
        Ok(source) => source,
        Err(error) => return failed(error, started),
    };
    let mut reader = match VideoReader::open(&source, timeout) {
        Ok(reader) => reader,
        Err(error) => return failed(error.to_string(), started),
    };
    let frame = match reader.grab() {
        Ok(Some(_)) => reader.retrieve(),
        Ok(None) => return failed("the source opened but holds no frame".to_owned(), started),
        Err(error) => return failed(error.to_string(), started),
    };
    match frame {
        Ok(image) => wire::ProbeReply {
            ok: true,
            error: String::new(),
            width: image.width(),
            height: image.height(),
            fps: reader.declared_fps().unwrap_or(0.0) as f32,
            elapsed_ms: started.elapsed().as_millis().min(u32::MAX as u128) as u32,
        },
        Err(error) => failed(error.to_string(), started),
    }
}
