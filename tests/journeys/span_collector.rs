//! A span collector for the journeys: an OTLP/HTTP endpoint (`POST /v1/traces`, protobuf)
//! that keeps every span the services export, so a journey can assert that one trace runs
//! through every service a detection crosses. The services export with their real
//! OpenTelemetry SDK, exactly as they would to a production collector.

use std::collections::BTreeSet;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use actix_web::{App, HttpResponse, HttpServer, web};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::any_value::Value as AnyValue;
use prost::Message;

/// One exported span: the service that recorded it and where it sits in its trace.
#[derive(Debug, Clone)]
pub struct CollectedSpan {
    pub service: String,
    pub name: String,
    pub trace_id: String,
    pub span_id: String,
    pub parent_span_id: String,
}

type Spans = Arc<Mutex<Vec<CollectedSpan>>>;

pub struct SpanCollector {
    pub port: u16,
    spans: Spans,
    server: actix_web::dev::ServerHandle,
}

impl SpanCollector {
    /// Listens on a free port, on a thread of its own (actix-web runs its own runtime).
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("collector port");
        let port = listener.local_addr().expect("collector address").port();
        let spans: Spans = Arc::default();
        let (handle_tx, handle_rx) = std::sync::mpsc::channel();
        let shared = spans.clone();
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server = HttpServer::new(move || {
                    App::new()
                        .app_data(web::Data::new(shared.clone()))
                        .app_data(web::PayloadConfig::new(64 * 1024 * 1024))
                        .route("/v1/traces", web::post().to(receive))
                })
                .workers(1)
                .disable_signals()
                .listen(listener)
                .expect("collector listens")
                .run();
                handle_tx.send(server.handle()).expect("collector handle");
                server.await
            })
        });
        let server = handle_rx.recv().expect("collector started");
        Self {
            port,
            spans,
            server,
        }
    }

    /// The value of `OTEL_EXPORTER_OTLP_ENDPOINT` for the services.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The services whose spans belong to `trace_id` (lowercase hex).
    pub fn services_in(&self, trace_id: &str) -> BTreeSet<String> {
        self.spans()
            .into_iter()
            .filter(|span| span.trace_id == trace_id)
            .map(|span| span.service)
            .collect()
    }

    /// The chain of `(service, span name)` from the span of `service` named `name` in
    /// `trace_id` up through its parents, as far as they were collected.
    pub fn ancestry(&self, trace_id: &str, service: &str, name: &str) -> Vec<(String, String)> {
        let spans: Vec<CollectedSpan> = self
            .spans()
            .into_iter()
            .filter(|span| span.trace_id == trace_id)
            .collect();
        let mut chain = Vec::new();
        let mut current = spans
            .iter()
            .find(|span| span.service == service && span.name == name);
        while let Some(span) = current {
            chain.push((span.service.clone(), span.name.clone()));
            current = spans
                .iter()
                .find(|parent| parent.span_id == span.parent_span_id);
            if chain.len() > spans.len() {
                break;
            }
        }
        chain
    }

    pub fn spans(&self) -> Vec<CollectedSpan> {
        self.spans.lock().expect("spans").clone()
    }
}

impl Drop for SpanCollector {
    fn drop(&mut self) {
        // Stopping is asynchronous; the thread ends with its server.
        drop(self.server.stop(false));
    }
}

async fn receive(body: web::Bytes, spans: web::Data<Spans>) -> HttpResponse {
    let Ok(request) = ExportTraceServiceRequest::decode(body) else {
        return HttpResponse::BadRequest().body("not an ExportTraceServiceRequest");
    };
    let mut received = Vec::new();
    for resource_spans in request.resource_spans {
        let service = resource_spans
            .resource
            .iter()
            .flat_map(|resource| &resource.attributes)
            .find(|attribute| attribute.key == "service.name")
            .and_then(|attribute| attribute.value.as_ref()?.value.as_ref())
            .map(|value| match value {
                AnyValue::StringValue(name) => name.clone(),
                other => format!("{other:?}"),
            })
            .unwrap_or_default();
        for scope_spans in resource_spans.scope_spans {
            for span in scope_spans.spans {
                received.push(CollectedSpan {
                    service: service.clone(),
                    name: span.name,
                    trace_id: hex::encode(&span.trace_id),
                    span_id: hex::encode(&span.span_id),
                    parent_span_id: hex::encode(&span.parent_span_id),
                });
            }
        }
    }
    spans.lock().expect("spans").extend(received);
    HttpResponse::Ok()
        .content_type("application/x-protobuf")
        .body(ExportTraceServiceResponse::default().encode_to_vec())
}
