//! The live stream as a dashboard opens it: a ticket with the site's token, then a real
//! WebSocket (tokio-tungstenite) to `/v1/sites/{site}/live?ticket=…&resume=…`.

use crate::client::EdgeApi;
use crate::edge::Edge;
use futures_util::{SinkExt, StreamExt};
use reqwest::Method;
use serde_json::Value;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// An open live stream.
pub struct LiveSocket {
    socket: Socket,
}

/// `POST /v1/sites/{site}/live/ticket` with `token`: the ticket.
pub async fn live_ticket(edge: &Edge, site: &str, token: &str) -> String {
    let resp = edge.site_request(Method::POST, site, "/live/ticket", token).send().await.expect("ticket");
    assert_eq!(resp.status(), 200, "a ticket for {site}");
    let body: Value = resp.json().await.expect("ticket JSON");
    body["ticket"].as_str().expect("a ticket").to_string()
}

/// The `ws://` URL of `site`'s stream with `ticket` (and `resume`).
pub fn live_url(edge: &Edge, site: &str, ticket: &str, resume: Option<u64>) -> String {
    let base = edge.url("").replacen("http", "ws", 1);
    let resume = resume.map(|r| format!("&resume={r}")).unwrap_or_default();
    format!("{base}/v1/sites/{site}/live?ticket={ticket}{resume}")
}

impl LiveSocket {
    /// Opens the stream; the HTTP status of a refused handshake otherwise.
    pub async fn open(url: &str) -> Result<LiveSocket, u16> {
        match tokio_tungstenite::connect_async(url).await {
            Ok((socket, _)) => Ok(LiveSocket { socket }),
            Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => Err(resp.status().as_u16()),
            Err(e) => panic!("connecting to {url}: {e}"),
        }
    }

    /// A ticket for the demo site, then the stream (resuming after `resume`).
    pub async fn demo(edge: &Edge, resume: Option<u64>) -> LiveSocket {
        let ticket = live_ticket(edge, "demo", &edge.demo_token).await;
        LiveSocket::open(&live_url(edge, "demo", &ticket, resume)).await.expect("the stream opens")
    }

    /// The next JSON message, within `wait` (`None`: nothing came, or the socket closed).
    pub async fn next(&mut self, wait: Duration) -> Option<Value> {
        loop {
            match tokio::time::timeout(wait, self.socket.next()).await {
                Ok(Some(Ok(Message::Text(text)))) => return serde_json::from_str(&text).ok(),
                Ok(Some(Ok(Message::Ping(_) | Message::Pong(_)))) => continue,
                _ => return None,
            }
        }
    }

    /// The next text message as it is, within `wait`.
    pub async fn next_text(&mut self, wait: Duration) -> Option<String> {
        loop {
            match tokio::time::timeout(wait, self.socket.next()).await {
                Ok(Some(Ok(Message::Text(text)))) => return Some(text.to_string()),
                Ok(Some(Ok(Message::Ping(_) | Message::Pong(_)))) => continue,
                _ => return None,
            }
        }
    }

    /// The next event named `event` (other messages on the way are skipped).
    pub async fn next_event(&mut self, event: &str) -> Value {
        loop {
            let message = self.next(Duration::from_secs(10)).await;
            let message = message.unwrap_or_else(|| panic!("no {event} on the stream"));
            if message["event"] == event {
                return message;
            }
        }
    }

    pub async fn send_text(&mut self, text: String) {
        self.socket.send(Message::Text(text.into())).await.expect("send");
    }

    /// How the server closed the socket (its close code), waiting up to `wait`.
    pub async fn closed_with(&mut self, wait: Duration) -> Option<u16> {
        loop {
            match tokio::time::timeout(wait, self.socket.next()).await {
                Ok(Some(Ok(Message::Close(frame)))) => return frame.map(|f| u16::from(f.code)),
                Ok(Some(Ok(_))) => continue,
                _ => return None,
            }
        }
    }

    pub async fn close(mut self) {
        let _ = self.socket.close(None).await;
    }
}
