//! One client's WebSocket session: the spec's messages out, subscriptions in.
//!
//! A session owns its socket and reads from its queue in the [`Hub`](crate::hub::Hub); it
//! is the only writer to its socket, so a slow client slows only itself, and the hub evicts
//! it once its queue is full. It ends when the client leaves or unsubscribes, is evicted,
//! falls silent longer than the idle timeout, sends an oversized message, or when the
//! gateway shuts down (1001 "going away": reconnect, with `last_seq`, to any replica).

use std::sync::Arc;
use std::time::Instant;

use chrono::Utc;
use futures::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::error::CapacityError;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{Error as WsError, Message, Utf8Bytes};
use tracing::Instrument;

use crate::events::Delivery;
use crate::hub::{Client, ConnectionPermit, Queued};
use crate::protocol::{
    self, ClientMessage, ConnectionEstablished, ErrorMessage, Filter, Ping, Subscribed,
    Subscription, close, to_text,
};
use crate::startup::Gateway;
use crate::status::InitialStatus;

/// What an accepted upgrade asked for.
#[derive(Debug, Clone)]
pub struct SessionRequest {
    pub client_id: String,
    pub filter: Filter,
    pub last_seq: Option<u64>,
    /// The token's subject, for the logs.
    pub subject: String,
    /// The token's `exp` (seconds since the epoch): the session ends then, so a revoked
    /// user's dashboard does not listen forever on an old token.
    pub expires_at: i64,
}

/// Why a session ends.
enum End {
    /// The client closed or the connection broke: nothing more to say.
    Gone,
    /// The gateway closes: code, reason, and the `gateway_drops_total` reason if it counts
    /// as a drop.
    Close(u16, String, Option<&'static str>),
}

fn going_away() -> End {
    End::Close(
        close::GOING_AWAY,
        "going away: the gateway is shutting down; reconnect with last_seq".to_owned(),
        Some("shutdown"),
    )
}

/// How long until `expires_at` (seconds since the epoch); zero once past.
fn until(expires_at: i64) -> std::time::Duration {
    chrono::DateTime::from_timestamp(expires_at, 0)
        .and_then(|at| (at - Utc::now()).to_std().ok())
        .unwrap_or_default()
}

fn token_expired() -> End {
    End::Close(
        close::POLICY,
        "token expired: reconnect with a fresh token and last_seq".to_owned(),
        Some("token_expired"),
    )
}

fn slow_consumer(queue: usize) -> End {
    End::Close(
        close::POLICY,
        format!("slow consumer: more than {queue} messages waiting; reconnect with last_seq"),
        Some("slow_client"),
    )
}

struct Session {
    ws: WebSocketStream<TcpStream>,
    client: Client,
    filter: Filter,
    /// Highest stream sequence delivered: replayed and live events overlap, this dedups.
    last_seq: u64,
    last_heard: Instant,
    /// When the client's token expires (seconds since the epoch).
    expires_at: i64,
    gateway: Arc<Gateway>,
}

pub async fn run(
    ws: WebSocketStream<TcpStream>,
    request: SessionRequest,
    gateway: Arc<Gateway>,
    _permit: ConnectionPermit,
) {
    let span = tracing::info_span!(
        "ws_session",
        client_id = %request.client_id,
        subject = %request.subject,
    );
    async move {
        // Registered before anything is sent: no event falls between the initial status
        // and the live stream.
        let client = gateway.hub.register(request.filter.subscription.clone());
        let mut session = Session {
            ws,
            client,
            filter: request.filter.clone(),
            last_seq: 0,
            last_heard: Instant::now(),
            expires_at: request.expires_at,
            gateway,
        };
        let end = match Box::pin(session.start(&request)).await {
            Ok(()) => session.serve().await,
            Err(end) => end,
        };
        session.finish(end).await;
    }
    .instrument(span)
    .await
}

impl Session {
    async fn start(&mut self, request: &SessionRequest) -> Result<(), End> {
        let now = Utc::now();
        let established = ConnectionEstablished::new(&request.client_id, &self.filter, now);
        self.send_json(&established, "connection_established")
            .await?;
        self.send_initial_status().await?;
        if let Some(last_seq) = request.last_seq {
            Box::pin(self.resume(last_seq)).await?;
        }
        Ok(())
    }

    async fn serve(&mut self) -> End {
        let settings = &self.gateway.settings;
        let mut ping = tokio::time::interval_at(
            tokio::time::Instant::now() + settings.ping_interval,
            settings.ping_interval,
        );
        ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let shutdown = self.gateway.shutdown.clone();
        let expiry = tokio::time::sleep(until(self.expires_at));
        tokio::pin!(expiry);
        loop {
            let outcome = tokio::select! {
                biased;
                _ = shutdown.cancelled() => Err(going_away()),
                _ = &mut expiry => Err(token_expired()),
                _ = self.client.evicted.cancelled() => Err(self.evicted()),
                queued = self.client.queue.recv() => match queued {
                    Some(queued) => self.deliver(queued).await,
                    None => Err(self.evicted()),
                },
                // Boxed: what a client message may lead to (a resume and its replay) is
                // large, and a session's future is held for every idle connection.
                frame = self.ws.next() => Box::pin(self.receive(frame)).await,
                _ = ping.tick() => self.tick().await,
            };
            if let Err(end) = outcome {
                return end;
            }
        }
    }

    fn evicted(&self) -> End {
        slow_consumer(self.gateway.settings.client_queue)
    }

    async fn deliver(&mut self, (generation, delivery): Queued) -> Result<(), End> {
        if !self.client.is_current(generation) || delivery.seq <= self.last_seq {
            return Ok(());
        }
        self.send_delivery(&delivery).await
    }

    async fn send_delivery(&mut self, delivery: &Delivery) -> Result<(), End> {
        self.last_seq = self.last_seq.max(delivery.seq);
        if let Some(text) = &delivery.attendance_event
            && self.filter.passes(delivery.confidence)
        {
            self.send_text(text.clone(), "attendance_event").await?;
        }
        if let Some(text) = &delivery.status_update {
            self.send_text(text.clone(), "person_status_update").await?;
        }
        Ok(())
    }

    async fn receive(&mut self, frame: Option<Result<Message, WsError>>) -> Result<(), End> {
        self.last_heard = Instant::now();
        match frame {
            None | Some(Ok(Message::Close(_))) => Err(End::Gone),
            Some(Ok(Message::Text(text))) => match ClientMessage::parse(&text) {
                Ok(message) => self.apply(message).await,
                Err(error) => self.send_json(&ErrorMessage::from(&error), "error").await,
            },
            Some(Ok(Message::Binary(_))) => {
                let error = faceattend_service::ApiError::bad_request(
                    "invalid_message",
                    "messages are JSON text, not binary",
                );
                self.send_json(&ErrorMessage::from(&error), "error").await
            }
            // Pings are answered by tungstenite itself; both count as signs of life.
            Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => Ok(()),
            Some(Err(WsError::Capacity(CapacityError::MessageTooLong { size, max_size }))) => {
                Err(End::Close(
                    close::TOO_BIG,
                    format!("message too big: {size} bytes, the limit is {max_size}"),
                    Some("too_big"),
                ))
            }
            Some(Err(error)) => {
                tracing::debug!(%error, "WebSocket read failed");
                Err(End::Gone)
            }
        }
    }

    async fn apply(&mut self, message: ClientMessage) -> Result<(), End> {
        match message {
            ClientMessage::Subscribe { filter, last_seq } => {
                if !self.client.resubscribe(filter.subscription.clone()) {
                    return Err(self.evicted());
                }
                self.filter = filter;
                let subscribed = Subscribed::new(&self.filter, Utc::now());
                self.send_json(&subscribed, "subscribed").await?;
                self.send_initial_status().await?;
                if let Some(last_seq) = last_seq {
                    self.resume(last_seq).await?;
                }
                Ok(())
            }
            ClientMessage::Unsubscribe => {
                Err(End::Close(close::NORMAL, "unsubscribed".to_owned(), None))
            }
            ClientMessage::Pong => Ok(()),
            ClientMessage::Ping => {
                let pong = Ping {
                    kind: "pong",
                    timestamp: protocol::timestamp(Utc::now()),
                };
                self.send_json(&pong, "pong").await
            }
        }
    }

    async fn tick(&mut self) -> Result<(), End> {
        let idle = self.gateway.settings.idle_timeout;
        if self.last_heard.elapsed() >= idle {
            return Err(End::Close(
                close::POLICY,
                format!(
                    "idle: nothing received for {}s; answer pings",
                    idle.as_secs()
                ),
                Some("idle"),
            ));
        }
        let ping = Ping {
            kind: "ping",
            timestamp: protocol::timestamp(Utc::now()),
        };
        self.send_json(&ping, "ping").await
    }

    /// `initial_status` for a person subscription.
    async fn send_initial_status(&mut self) -> Result<(), End> {
        let Subscription::Person(person_id) = self.filter.subscription else {
            return Ok(());
        };
        let now = Utc::now();
        let status = self.gateway.board.current(person_id, now);
        let message = InitialStatus::new(person_id, &status, now);
        self.send_json(&message, "initial_status").await
    }

    /// Sends the stored events after `after_seq` that match the subscription; later ones
    /// come from the queue, where what the replay already sent is skipped by sequence.
    async fn resume(&mut self, after_seq: u64) -> Result<(), End> {
        let limit = self.gateway.settings.resume_limit;
        if let Some(recent) = self.gateway.feed.recent_after(after_seq) {
            let skip = recent
                .len()
                .saturating_sub(usize::try_from(limit).unwrap_or(usize::MAX));
            if skip > 0 {
                self.resume_incomplete(skip as u64, after_seq).await?;
            }
            for delivery in &recent[skip..] {
                if self.filter.subscription.matches(
                    delivery.person_id,
                    delivery.department.as_deref(),
                    delivery.camera_id.as_deref(),
                ) {
                    self.send_delivery(delivery).await?;
                } else {
                    self.last_seq = self.last_seq.max(delivery.seq);
                }
            }
            return Ok(());
        }
        let mut replay = match self.gateway.feed.replay(after_seq, limit).await {
            Ok(replay) => replay,
            Err(error) => {
                tracing::warn!(%error, "cannot replay for a resuming client");
                let error = faceattend_service::ApiError::unavailable(error);
                return self.send_json(&ErrorMessage::from(&error), "error").await;
            }
        };
        if replay.skipped > 0 {
            self.resume_incomplete(replay.skipped, after_seq).await?;
        }
        while let Some(event) = replay.next().await {
            if self.client.evicted.is_cancelled() || self.gateway.shutdown.is_cancelled() {
                break;
            }
            let Ok(event) = event else { continue };
            if !self.filter.subscription.matches(
                event.person_id,
                event.department.as_deref(),
                event.camera_id(),
            ) {
                self.last_seq = self.last_seq.max(event.seq);
                continue;
            }
            // A replayed status update carries the person's status now: the board keeps
            // only the latest.
            let status = self.gateway.board.latest(event.person_id);
            let delivery = Delivery::render(&event, &status, Utc::now());
            self.send_delivery(&delivery).await?;
        }
        Ok(())
    }

    async fn resume_incomplete(&mut self, skipped: u64, after_seq: u64) -> Result<(), End> {
        let limit = self.gateway.settings.resume_limit;
        let error = faceattend_service::ApiError::bad_request(
            "resume_incomplete",
            format!(
                "{skipped} events after seq {after_seq} cannot be replayed (older than the stream keeps, or beyond the limit of {limit}); the latest follow"
            ),
        );
        self.send_json(&ErrorMessage::from(&error), "error").await
    }

    async fn send_json<T: serde::Serialize>(
        &mut self,
        message: &T,
        kind: &'static str,
    ) -> Result<(), End> {
        self.send_text(Utf8Bytes::from(to_text(message)), kind)
            .await
    }

    async fn send_text(&mut self, text: Utf8Bytes, kind: &'static str) -> Result<(), End> {
        let timeout = self.gateway.settings.send_timeout;
        let queue = self.gateway.settings.client_queue;
        let mut send = std::pin::pin!(self.ws.send(Message::Text(text)));
        // Most writes complete at once (the socket has room): no timer is armed for them.
        let sent = match futures::poll!(send.as_mut()) {
            std::task::Poll::Ready(sent) => Ok(sent),
            // A write blocks while the client does not read; meanwhile its queue may fill (it
            // is evicted) or the gateway may stop. What is half written stays in tungstenite's
            // buffer and goes out before the close frame.
            std::task::Poll::Pending => tokio::select! {
                sent = tokio::time::timeout(timeout, send) => sent,
                _ = self.client.evicted.cancelled() => return Err(slow_consumer(queue)),
                _ = self.gateway.shutdown.cancelled() => return Err(going_away()),
            },
        };
        match sent {
            Ok(Ok(())) => {
                self.gateway
                    .metrics
                    .messages_sent
                    .with_label_values(&[kind])
                    .inc();
                Ok(())
            }
            Ok(Err(error)) => {
                tracing::debug!(%error, "WebSocket write failed");
                Err(End::Gone)
            }
            Err(_) => {
                self.gateway
                    .metrics
                    .drops
                    .with_label_values(&["send_timeout"])
                    .inc();
                tracing::info!("closing a client that has not read for {timeout:?}");
                Err(End::Gone)
            }
        }
    }

    async fn finish(mut self, end: End) {
        let End::Close(code, reason, drop) = end else {
            tracing::debug!("client left");
            return;
        };
        if let Some(drop) = drop {
            self.gateway.metrics.drops.with_label_values(&[drop]).inc();
        }
        tracing::info!(code, %reason, "closing the session");
        let frame = CloseFrame {
            code: code.into(),
            reason: reason.into(),
        };
        let timeout = self.gateway.settings.send_timeout;
        // The close handshake: send ours, wait briefly for the client's.
        let handshake = async {
            self.ws.close(Some(frame)).await.ok()?;
            while let Some(Ok(_)) = self.ws.next().await {}
            Some(())
        };
        let _ =
            tokio::time::timeout(timeout.min(std::time::Duration::from_secs(2)), handshake).await;
    }
}
