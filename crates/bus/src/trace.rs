//! W3C trace context across NATS hops.
//!
//! The producer stores the `traceparent` of the span that caused an event alongside the
//! event (in the outbox, for instance); the consumer makes that context the parent of its
//! own span, so one trace shows the HTTP request, the publish and the processing.

use std::collections::HashMap;

use opentelemetry::propagation::Extractor;
use opentelemetry::trace::TraceContextExt;
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// The trace headers (`traceparent`, `tracestate`) of the current tracing span; empty when
/// the span is not sampled or tracing is not exported.
pub fn current_trace_headers() -> Vec<(String, String)> {
    let context = tracing::Span::current().context();
    if !context.span().span_context().is_valid() {
        return Vec::new();
    }
    let mut carrier: HashMap<String, String> = HashMap::new();
    opentelemetry::global::get_text_map_propagator(|propagator| {
        propagator.inject_context(&context, &mut carrier)
    });
    let mut headers: Vec<_> = carrier.into_iter().collect();
    headers.sort();
    headers
}

/// The OpenTelemetry context carried by a message's headers, to use as a span's parent.
pub fn extract_trace_context(headers: &async_nats::HeaderMap) -> opentelemetry::Context {
    struct NatsHeaders<'a>(&'a async_nats::HeaderMap);
    impl Extractor for NatsHeaders<'_> {
        fn get(&self, key: &str) -> Option<&str> {
            self.0.get(key).map(|v| v.as_str())
        }
        fn keys(&self) -> Vec<&str> {
            self.0.iter().map(|(k, _)| k.as_ref()).collect()
        }
    }
    opentelemetry::global::get_text_map_propagator(|propagator| {
        propagator.extract(&NatsHeaders(headers))
    })
}

/// The span context a message's headers carry, if any: for a link from a span that handles
/// several messages to each of their traces.
pub fn extract_span_context(
    headers: &async_nats::HeaderMap,
) -> Option<opentelemetry::trace::SpanContext> {
    let context = extract_trace_context(headers);
    let span_context = context.span().span_context().clone();
    span_context.is_valid().then_some(span_context)
}
