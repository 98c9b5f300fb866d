//! The bus against a real NATS JetStream server (`TEST_NATS_URL`): streams, deduplicated
//! publish, durable consumers, key-value buckets and namespace isolation. Every test uses its
//! own namespace and deletes what it created.

use std::time::Duration;

use async_nats::jetstream::consumer::PullConsumer;
use bytes::Bytes;
use faceattend_bus::{Bus, BusConfig, ConsumerSpec, KvSpec, OutgoingMessage, StreamSpec};
use faceattend_proto::persons::v1 as wire;
use futures::StreamExt;
use prost::Message;

const TEST_STREAM: StreamSpec = StreamSpec {
    base_name: "BUSTEST",
    subjects: &["bustest.v1.>"],
    description: "bus integration tests",
    max_age: Duration::ZERO,
    duplicate_window: Duration::from_secs(60),
};

const TEST_BUCKET: KvSpec = KvSpec {
    base_name: "BUSTEST_KV",
    description: "bus integration tests",
    history: 1,
    max_age: std::time::Duration::ZERO,
};

struct TestBus {
    bus: Bus,
}

impl TestBus {
    async fn new() -> Self {
        let url =
            std::env::var("TEST_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".to_owned());
        let namespace = format!("b{}", &uuid::Uuid::new_v4().simple().to_string()[..16]);
        let bus = Bus::connect(&BusConfig {
            url,
            namespace,
            client_name: "bus-tests".to_owned(),
        })
        .await
        .expect("bus connects");
        Self { bus }
    }

    fn message(subject: &str, msg_id: &str, payload: &str) -> OutgoingMessage {
        OutgoingMessage {
            subject: subject.to_owned(),
            msg_id: msg_id.to_owned(),
            content_type: "text/plain".to_owned(),
            headers: vec![("x-test".to_owned(), "1".to_owned())],
            payload: Bytes::from(payload.to_owned()),
        }
    }

    async fn cleanup(self) {
        let js = self.bus.jetstream();
        let _ = js
            .delete_stream(self.bus.stream_name(TEST_STREAM.base_name))
            .await;
        let _ = js
            .delete_key_value(self.bus.stream_name(TEST_BUCKET.base_name))
            .await;
    }
}

async fn drain(consumer: &PullConsumer, expected: usize) -> Vec<async_nats::jetstream::Message> {
    let mut received = Vec::new();
    for _ in 0..20 {
        let mut batch = consumer
            .fetch()
            .max_messages(100)
            .expires(Duration::from_millis(500))
            .messages()
            .await
            .unwrap();
        while let Some(message) = batch.next().await {
            received.push(message.unwrap());
        }
        if received.len() >= expected {
            break;
        }
    }
    received
}

#[tokio::test]
async fn streams_are_created_once_and_follow_their_declaration() {
    let test = TestBus::new().await;
    let mut stream = test.bus.ensure_stream(&TEST_STREAM).await.unwrap();
    let info = stream.info().await.unwrap();
    assert_eq!(info.config.name, test.bus.stream_name("BUSTEST"));
    assert_eq!(info.config.subjects, vec![test.bus.subject("bustest.v1.>")]);
    test.bus
        .ensure_stream(&TEST_STREAM)
        .await
        .expect("idempotent");

    let changed = StreamSpec {
        duplicate_window: Duration::from_secs(120),
        ..TEST_STREAM
    };
    let mut stream = test.bus.ensure_stream(&changed).await.unwrap();
    assert_eq!(
        stream.info().await.unwrap().config.duplicate_window,
        Duration::from_secs(120)
    );
    test.cleanup().await;
}

#[tokio::test]
async fn a_repeated_message_id_is_stored_once() {
    let test = TestBus::new().await;
    test.bus.ensure_stream(&TEST_STREAM).await.unwrap();
    let first = test
        .bus
        .publish(TestBus::message("bustest.v1.a", "id-1", "one"))
        .await
        .unwrap();
    let again = test
        .bus
        .publish(TestBus::message("bustest.v1.a", "id-1", "one"))
        .await
        .unwrap();
    let other = test
        .bus
        .publish(TestBus::message("bustest.v1.a", "id-2", "two"))
        .await
        .unwrap();
    assert!(!first.duplicate);
    assert!(again.duplicate);
    assert_eq!(again.sequence, first.sequence);
    assert_eq!(other.sequence, first.sequence + 1);
    let mut stream = test
        .bus
        .jetstream()
        .get_stream(test.bus.stream_name("BUSTEST"))
        .await
        .unwrap();
    assert_eq!(stream.info().await.unwrap().state.messages, 2);
    test.cleanup().await;
}

#[tokio::test]
async fn durable_consumers_resume_where_they_stopped_and_redeliver_unacked() {
    let test = TestBus::new().await;
    test.bus.ensure_stream(&TEST_STREAM).await.unwrap();
    for i in 0..3 {
        test.bus
            .publish(TestBus::message(
                "bustest.v1.work",
                &format!("w{i}"),
                &format!("job {i}"),
            ))
            .await
            .unwrap();
    }
    test.bus
        .publish(TestBus::message("bustest.v1.other", "o1", "ignored"))
        .await
        .unwrap();
    let spec = ConsumerSpec {
        filter_subject: Some("bustest.v1.work".to_owned()),
        ack_wait: Duration::from_millis(500),
        ..ConsumerSpec::new("workers")
    };
    let consumer = test
        .bus
        .durable_consumer(&TEST_STREAM, &spec)
        .await
        .unwrap();
    let received = drain(&consumer, 3).await;
    assert_eq!(received.len(), 3, "only the filtered subject");
    assert_eq!(
        received[0]
            .headers
            .as_ref()
            .unwrap()
            .get("x-test")
            .unwrap()
            .as_str(),
        "1"
    );
    // Ack two; the third is redelivered after ack_wait.
    received[0].ack().await.unwrap();
    received[1].ack().await.unwrap();
    tokio::time::sleep(Duration::from_millis(700)).await;

    // A new handle on the same durable (a restarted replica) continues from there.
    let reopened = test
        .bus
        .durable_consumer(&TEST_STREAM, &spec)
        .await
        .unwrap();
    let redelivered = drain(&reopened, 1).await;
    assert_eq!(redelivered.len(), 1);
    assert_eq!(&redelivered[0].payload[..], b"job 2");
    assert_eq!(redelivered[0].info().unwrap().delivered, 2);
    redelivered[0].ack().await.unwrap();
    test.cleanup().await;
}

#[tokio::test]
async fn key_value_buckets_live_in_the_namespace() {
    let test = TestBus::new().await;
    let store = test.bus.key_value(&TEST_BUCKET).await.unwrap();
    let mut watch = store.watch("person.>").await.unwrap();
    store
        .put("person.a", Bytes::from_static(b"v1"))
        .await
        .unwrap();
    assert_eq!(
        store.get("person.a").await.unwrap().unwrap(),
        Bytes::from_static(b"v1")
    );
    let seen = tokio::time::timeout(Duration::from_secs(5), watch.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(seen.key, "person.a");
    store.delete("person.a").await.unwrap();
    assert!(store.get("person.a").await.unwrap().is_none());

    let again = test
        .bus
        .key_value(&TEST_BUCKET)
        .await
        .expect("opens the existing bucket");
    assert_eq!(again.name, test.bus.stream_name("BUSTEST_KV"));
    test.cleanup().await;
}

#[tokio::test]
async fn namespaces_do_not_see_each_other() {
    let a = TestBus::new().await;
    let b = TestBus::new().await;
    a.bus.ensure_stream(&TEST_STREAM).await.unwrap();
    b.bus
        .ensure_stream(&TEST_STREAM)
        .await
        .expect("same stream declaration in another namespace");
    a.bus
        .publish(TestBus::message("bustest.v1.x", "1", "for a"))
        .await
        .unwrap();
    let consumer = b
        .bus
        .durable_consumer(&TEST_STREAM, &ConsumerSpec::new("b"))
        .await
        .unwrap();
    assert!(
        drain(&consumer, 1).await.is_empty(),
        "b sees nothing published in a"
    );
    a.cleanup().await;
    b.cleanup().await;
}

#[tokio::test]
async fn typed_publish_names_the_message_type() {
    let test = TestBus::new().await;
    test.bus.ensure_stream(&TEST_STREAM).await.unwrap();
    let event = wire::PersonDeleted {
        event_id: "e1".to_owned(),
        occurred_at: None,
        person_id: "p1".to_owned(),
    };
    test.bus
        .publish_proto("bustest.v1.deleted", "e1", &event)
        .await
        .unwrap();
    let consumer = test
        .bus
        .durable_consumer(&TEST_STREAM, &ConsumerSpec::new("typed"))
        .await
        .unwrap();
    let received = drain(&consumer, 1).await;
    let headers = received[0].headers.as_ref().unwrap();
    assert_eq!(
        headers.get("Content-Type").unwrap().as_str(),
        "application/protobuf; proto=faceattend.persons.v1.PersonDeleted"
    );
    assert_eq!(headers.get("Nats-Msg-Id").unwrap().as_str(), "e1");
    assert_eq!(
        wire::PersonDeleted::decode(received[0].payload.clone()).unwrap(),
        event
    );
    test.cleanup().await;
}
