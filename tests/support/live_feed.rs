//! A WebSocket client of realtime-gateway, as a dashboard is, for the journeys and the
//! journey bench: it answers the gateway's pings and keeps every `attendance_event` it hears,
//! with the moment it arrived.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message as Frame;

/// One `attendance_event` and when it arrived.
#[derive(Debug, Clone)]
pub struct HeardEvent {
    pub message: Value,
    #[allow(dead_code)] // The journeys assert what arrived, the bench also when.
    pub received: DateTime<Utc>,
}

pub struct LiveFeed {
    events: tokio::sync::mpsc::UnboundedReceiver<HeardEvent>,
    heard: Vec<HeardEvent>,
    task: tokio::task::JoinHandle<()>,
}

impl LiveFeed {
    /// Connects as `client_id` and waits for the gateway's `connection_established`.
    pub async fn connect(port: u16, client_id: &str, token: &str) -> Self {
        let url = format!("ws://127.0.0.1:{port}/api/v1/attendance/ws/{client_id}?token={token}");
        let (mut ws, _) = tokio_tungstenite::connect_async(url)
            .await
            .expect("the WebSocket upgrade");
        let first = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("a first message within 10 s");
        let Some(Ok(Frame::Text(text))) = first else {
            panic!("the gateway greets with a text message: {first:?}");
        };
        let greeting: Value = serde_json::from_str(&text).expect("JSON");
        assert_eq!(greeting["type"], "connection_established", "{greeting}");
        let (sender, events) = tokio::sync::mpsc::unbounded_channel();
        let task = tokio::spawn(async move {
            while let Some(Ok(frame)) = ws.next().await {
                let received = Utc::now();
                let Frame::Text(text) = frame else { continue };
                let Ok(message) = serde_json::from_str::<Value>(&text) else {
                    continue;
                };
                if message["type"] == "ping" {
                    let pong = json!({"type": "pong"}).to_string();
                    if ws.send(Frame::Text(pong.into())).await.is_err() {
                        break;
                    }
                } else if message["type"] == "attendance_event"
                    && sender.send(HeardEvent { message, received }).is_err()
                {
                    break;
                }
            }
        });
        Self {
            events,
            heard: Vec::new(),
            task,
        }
    }

    /// Waits, up to `within`, until it has heard a check-in of each of `people`; returns
    /// those check-ins by person.
    #[allow(dead_code)] // The bench does not wait for particular people.
    pub async fn check_ins_of(
        &mut self,
        people: &BTreeSet<&str>,
        within: Duration,
    ) -> BTreeMap<String, Value> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let found: BTreeMap<String, Value> = self
                .heard
                .iter()
                .map(|event| &event.message)
                .filter(|message| message["action"] == "check_in")
                .filter_map(|message| {
                    Some((message["person_id"].as_str()?.to_owned(), message.clone()))
                })
                .filter(|(person, _)| people.contains(person.as_str()))
                .collect();
            if found.len() == people.len() {
                return found;
            }
            match tokio::time::timeout_at(deadline, self.events.recv()).await {
                Ok(Some(event)) => self.heard.push(event),
                _ => panic!(
                    "the WebSocket heard {:?}, not a check-in of each of {people:?}",
                    self.heard
                ),
            }
        }
    }

    /// Everything heard so far.
    pub fn drain(&mut self) -> &[HeardEvent] {
        while let Ok(event) = self.events.try_recv() {
            self.heard.push(event);
        }
        &self.heard
    }
}

impl Drop for LiveFeed {
    fn drop(&mut self) {
        self.task.abort();
    }
}
