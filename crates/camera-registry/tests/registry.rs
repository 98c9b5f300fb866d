//! The camera registry against a real NATS JetStream server: writes, the watch that agents
//! and the worker follow, live state, thumbnails and the probe's refusal when no agent answers.

use std::time::{Duration, Instant};

use faceattend_bus::{Bus, BusConfig};
use faceattend_camera_registry::{CameraRegistry, CameraSet, RegistryError, follow};
use faceattend_domain::camera::{Camera, CameraDraft};
use faceattend_proto::cameras::v1 as wire;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

struct TestRegistry {
    bus: Bus,
    namespace: String,
    registry: CameraRegistry,
}

impl TestRegistry {
    async fn new() -> Self {
        let url =
            std::env::var("TEST_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".to_owned());
        let namespace = format!("r{}", &uuid::Uuid::new_v4().simple().to_string()[..16]);
        let bus = Bus::connect(&BusConfig {
            url,
            namespace: namespace.clone(),
            client_name: "camera-registry-tests".to_owned(),
        })
        .await
        .expect("bus connects");
        let registry = CameraRegistry::open(&bus).await.expect("registry opens");
        Self {
            bus,
            namespace,
            registry,
        }
    }
}

impl Drop for TestRegistry {
    fn drop(&mut self) {
        faceattend_bus::testing::delete_namespace_streams(self.bus.client(), &self.namespace);
    }
}

fn camera(id: &str, agent: &str, source: &str) -> Camera {
    Camera::parse(CameraDraft {
        id: id.to_owned(),
        name: None,
        source: source.to_owned(),
        role: "entry".to_owned(),
        sample_fps: None,
        roi: None,
        enabled: None,
        agent: Some(agent.to_owned()),
        realtime: None,
        repeat: None,
    })
    .expect("a valid camera")
}

/// Waits until the followed set satisfies `condition`, for at most `within`.
async fn until(
    set: &mut watch::Receiver<CameraSet>,
    within: Duration,
    condition: impl Fn(&CameraSet) -> bool,
) -> Duration {
    let started = Instant::now();
    tokio::time::timeout(within, set.wait_for(|s| condition(s)))
        .await
        .expect("the registry change reaches the follower in time")
        .expect("the follower is running");
    started.elapsed()
}

#[tokio::test(flavor = "multi_thread")]
async fn cameras_are_created_updated_and_removed_with_their_revisions() {
    let test = TestRegistry::new().await;
    let registry = &test.registry;
    let door = camera("door", "east", "rtsp://u:p@10.0.0.9/live");
    let first = registry.create(&door, "admin@example.com").await.unwrap();
    assert!(matches!(
        registry.create(&door, "admin@example.com").await,
        Err(RegistryError::Exists(id)) if id == "door"
    ));

    let listed = registry.list().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].camera, door);
    assert_eq!(listed[0].revision, first);
    assert_eq!(listed[0].updated_by, "admin@example.com");
    assert!(listed[0].updated_at.is_some());

    let mut disabled = door.clone();
    disabled.enabled = false;
    let second = registry
        .update(&disabled, "hr@example.com", Some(first))
        .await
        .unwrap();
    assert!(second > first);
    // A second operator still holding the first revision is told, not overwritten.
    assert!(matches!(
        registry.update(&door, "other@example.com", Some(first)).await,
        Err(RegistryError::Changed { expected, .. }) if expected == first
    ));
    let stored = registry.get("door").await.unwrap().unwrap();
    assert!(!stored.camera.enabled);
    assert_eq!(stored.updated_by, "hr@example.com");

    assert!(matches!(
        registry
            .update(&camera("nope", "east", "a.mp4"), "x", None)
            .await,
        Err(RegistryError::NotFound(_))
    ));
    registry.remove("door").await.unwrap();
    assert!(registry.get("door").await.unwrap().is_none());
    assert!(registry.list().await.unwrap().is_empty());
    assert!(matches!(
        registry.remove("door").await,
        Err(RegistryError::NotFound(_))
    ));
    // A removed id can be registered again.
    registry.create(&door, "admin@example.com").await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_seed_adds_only_what_the_registry_lacks() {
    let test = TestRegistry::new().await;
    let registry = &test.registry;
    let mut changed = camera("gate", "default", "gate.mp4");
    changed.name = "Gate, as the console renamed it".to_owned();
    registry
        .create(&changed, "admin@example.com")
        .await
        .unwrap();

    let seed = [
        camera("gate", "default", "gate.mp4"),
        camera("lobby", "default", "lobby.mp4"),
    ];
    let added = registry.seed(&seed, "camera-agent:default").await.unwrap();
    assert_eq!(added, ["lobby"]);
    let gate = registry.get("gate").await.unwrap().unwrap();
    assert_eq!(gate.camera.name, "Gate, as the console renamed it");
    assert_eq!(
        registry.get("lobby").await.unwrap().unwrap().updated_by,
        "camera-agent:default"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_follower_sees_every_change_within_two_seconds() {
    let test = TestRegistry::new().await;
    let registry = &test.registry;
    registry
        .create(&camera("before", "east", "a.mp4"), "admin")
        .await
        .unwrap();
    let shutdown = CancellationToken::new();
    let mut set = follow(registry, shutdown.clone());
    until(&mut set, Duration::from_secs(5), |s| {
        s.caught_up && s.get("before").is_some()
    })
    .await;

    registry
        .create(&camera("added", "west", "b.mp4"), "admin")
        .await
        .unwrap();
    let took = until(&mut set, Duration::from_secs(2), |s| {
        s.get("added").is_some()
    })
    .await;
    assert!(took < Duration::from_secs(2), "{took:?}");

    let mut moved = camera("added", "east", "b.mp4");
    moved.sample_fps = 2.0;
    registry.update(&moved, "admin", None).await.unwrap();
    until(&mut set, Duration::from_secs(2), |s| {
        s.get("added")
            .is_some_and(|c| c.camera.agent == "east" && c.camera.sample_fps == 2.0)
    })
    .await;

    registry.remove("before").await.unwrap();
    until(&mut set, Duration::from_secs(2), |s| {
        s.get("before").is_none()
    })
    .await;
    assert_eq!(set.borrow().cameras.len(), 1);
    shutdown.cancel();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_follower_of_an_empty_registry_is_caught_up_at_once() {
    let test = TestRegistry::new().await;
    let mut set = follow(&test.registry, CancellationToken::new());
    until(&mut set, Duration::from_secs(5), |s| s.caught_up).await;
    assert!(set.borrow().cameras.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn live_state_and_thumbnails_are_kept_per_camera() {
    let test = TestRegistry::new().await;
    let registry = &test.registry;
    let status = wire::CameraStatus {
        camera_id: "door".to_owned(),
        agent: "east".to_owned(),
        state: "streaming".to_owned(),
        frames_decoded: 120,
        captures_published: 3,
        ..Default::default()
    };
    registry.report_camera(&status).await.unwrap();
    registry
        .report_agent(&wire::AgentHeartbeat {
            agent: "east".to_owned(),
            camera_ids: vec!["door".to_owned()],
            ..Default::default()
        })
        .await
        .unwrap();
    let state = registry.live_state().await.unwrap();
    assert_eq!(state.cameras, [status]);
    assert_eq!(state.agents.len(), 1);
    assert_eq!(state.agents[0].camera_ids, ["door"]);

    registry.clear_camera("door").await.unwrap();
    assert!(registry.live_state().await.unwrap().cameras.is_empty());

    assert!(registry.thumbnail("door").await.unwrap().is_none());
    let thumbnail = wire::Thumbnail {
        camera_id: "door".to_owned(),
        jpeg: vec![0xff, 0xd8, 0xff],
        captured_at: None,
    };
    registry.put_thumbnail(&thumbnail).await.unwrap();
    assert_eq!(registry.thumbnail("door").await.unwrap(), Some(thumbnail));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_probe_nobody_answers_names_the_agent() {
    let test = TestRegistry::new().await;
    let error = test
        .registry
        .probe(
            "nobody-here",
            "rtsp://10.0.0.1/x",
            Duration::from_millis(500),
        )
        .await
        .expect_err("no agent listens");
    assert!(
        matches!(error, RegistryError::NoAgent(ref a) if a == "nobody-here"),
        "{error}"
    );
}

#[test]
fn the_probe_subject_is_a_channel_of_the_asyncapi_document() {
    assert_eq!(
        faceattend_proto::asyncapi_channel_for(&CameraRegistry::probe_subject("east-2")),
        Some("cameras.v1.probe.{agent}")
    );
}
