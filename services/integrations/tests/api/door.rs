//! Door destinations end to end: an automatic check-in at a door's camera opens a Shelly
//! Gen1 relay started in the test (`GET /relay/0?turn=on&timer=5`, answering as the device
//! documents); another camera or a manual mark opens nothing; a device that never answers
//! is recorded as missed within the door's deadline, never retried.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Backend, Mark, spawn_app};

#[derive(Clone, Default)]
struct Shelly {
    /// Path and query of each request.
    requests: Arc<Mutex<Vec<String>>>,
}

async fn relay(request: HttpRequest, shelly: web::Data<Shelly>) -> HttpResponse {
    shelly.requests.lock().expect("shelly state").push(format!(
        "{}?{}",
        request.path(),
        request.query_string()
    ));
    if request.path() == "/relay/1" {
        // Relay 1 hangs: a device that never answers.
        tokio::time::sleep(Duration::from_secs(30)).await;
    }
    HttpResponse::Ok().json(json!({
        "ison": true, "has_timer": true, "timer_started": 1_765_000_000,
        "timer_duration": 5, "timer_remaining": 5, "source": "http",
    }))
}

fn start_shelly() -> (Shelly, u16) {
    let shelly = Shelly::default();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind shelly");
    let port = listener.local_addr().expect("address").port();
    let data = web::Data::new(shelly.clone());
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .route("/relay/{n}", web::get().to(relay))
    })
    .listen(listener)
    .expect("shelly listens")
    .workers(2)
    .disable_signals()
    .run();
    tokio::spawn(server);
    (shelly, port)
}

#[tokio::test]
async fn a_confident_check_in_at_the_doors_camera_opens_it_and_nothing_else_does() {
    let app = spawn_app(Backend::Sqlite).await;
    let (shelly, port) = start_shelly();
    let door = |name: &str, relay: u8, deadline_ms: u64| {
        json!({
            "name": name, "kind": "door", "allow_private": true,
            "cameras": ["front-door"], "event_types": ["check_in"],
            "config": {"template": "shelly_gen1", "host": format!("127.0.0.1:{port}"),
                       "relay": relay, "open_seconds": 5, "deadline_ms": deadline_ms},
        })
    };
    // A door names its cameras.
    let mut all_cameras = door("Front", 0, 2000);
    all_cameras["cameras"] = Value::Null;
    let refused = app.post("/api/v1/destinations", Some(all_cameras)).await;
    assert_eq!(refused.status().as_u16(), 422);

    let created = app
        .post("/api/v1/destinations", Some(door("Front", 0, 2000)))
        .await;
    assert_eq!(created.status().as_u16(), 201);
    let created: Value = created.json().await.expect("json");
    let front = created["data"]["id"].as_str().expect("id").to_owned();

    // Another camera, and a manual mark at the door's camera: nothing opens.
    let person = Uuid::new_v4();
    app.publish_mark(&Mark::check_in(person)).await;
    app.publish_mark(&Mark {
        camera: Some("front-door".to_owned()),
        manual: true,
        ..Mark::check_in(Uuid::new_v4())
    })
    .await;
    // A confident check-in there opens it, at once.
    let published = Instant::now();
    app.publish_mark(&Mark {
        camera: Some("front-door".to_owned()),
        ..Mark::check_in(Uuid::new_v4())
    })
    .await;
    let delivered = app
        .wait_for_deliveries(&format!("destination_id={front}&status=delivered"), 1)
        .await;
    assert!(published.elapsed() < Duration::from_secs(2));
    assert_eq!(delivered[0]["last_status_code"], 200);
    assert_eq!(
        *shelly.requests.lock().expect("shelly state"),
        vec!["/relay/0?turn=on&timer=5".to_owned()]
    );
    assert_eq!(
        app.deliveries(&format!("destination_id={front}"))
            .await
            .len(),
        1
    );

    // A device that never answers: missed within the deadline, and never tried again.
    let created = app
        .post("/api/v1/destinations", Some(door("Stuck", 1, 500)))
        .await;
    assert_eq!(created.status().as_u16(), 201);
    let created: Value = created.json().await.expect("json");
    let stuck = created["data"]["id"].as_str().expect("id").to_owned();
    let published = Instant::now();
    app.publish_mark(&Mark {
        camera: Some("front-door".to_owned()),
        ..Mark::check_in(Uuid::new_v4())
    })
    .await;
    let missed = app
        .wait_for_deliveries(&format!("destination_id={stuck}&status=refused"), 1)
        .await;
    assert!(
        published.elapsed() < Duration::from_secs(3),
        "{:?}",
        published.elapsed()
    );
    assert_eq!(missed[0]["refusal"], "missed");
    let id = missed[0]["id"].as_str().expect("id");
    tokio::time::sleep(Duration::from_millis(600)).await;
    let detail = app.get_ok(&format!("/api/v1/deliveries/{id}")).await;
    assert_eq!(detail["data"]["status"], "refused");
    assert_eq!(
        detail["data"]["attempt_log"].as_array().map(Vec::len),
        Some(1)
    );
}
