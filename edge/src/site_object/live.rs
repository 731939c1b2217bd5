//! The object's live stream: the WebSocket upgrade (a ticket taken, the socket accepted with
//! the hibernation API so idle dashboards cost nothing between calls), a client's resume, and
//! the events a request kept sent to every connected socket once it is done.

use super::command::SITE_HEADER;
use super::store::ObjectStore;
use super::SiteObject;
use crate::clock::EdgeClock;
use crate::error::{Dialect, EdgeError};
use serde::{Deserialize, Serialize};
use shared::wire::{LiveRequest, MAX_LIVE_MESSAGE};
use shared::{Resumed, SiteLedger};
use worker::{console_warn, Request, Response, Result, WebSocket, WebSocketIncomingMessage, WebSocketPair};

/// Most sockets one site's stream holds (each event is sent to each, on the site's one thread).
const MAX_LIVE_SOCKETS: usize = 500;

/// What a socket carries through hibernation: its site, the last seq when it opened (later
/// events reach it live; a resume sends only what came before), and whether it has resumed
/// (once per socket: a resume may send 500 events).
#[derive(Serialize, Deserialize)]
struct Attachment {
    site: String,
    since: u64,
    #[serde(default)]
    resumed: bool,
}

impl SiteObject {
    /// `/live?ticket=…&resume=…` with `Upgrade: websocket`: 101 and the socket, or a refusal
    /// before any upgrade — the ticket's (401), a bad `resume` (400, the ticket kept), a full
    /// stream (429).
    pub(super) async fn live_upgrade(&self, req: Request) -> Result<Response> {
        let site = req.headers().get(SITE_HEADER)?.unwrap_or_default();
        let store = self.store(site.clone())?;
        let ledger = SiteLedger::new(&site, &store, &EdgeClock);
        let url = req.url()?;
        let param = |name: &str| url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned());
        let refuse = |e: shared::Error| EdgeError::from(e).answer(Dialect::Json);
        let resume = match param("resume").map(|r| r.parse::<u64>()) {
            None => None,
            Some(Ok(seq)) => Some(seq),
            Some(Err(_)) => {
                return refuse(shared::Error::invalid(
                    "resume must be the last seq the client saw (a number)",
                ))
            }
        };
        if self.state.get_websockets().len() >= MAX_LIVE_SOCKETS {
            return refuse(shared::Error::TooMany(format!(
                "this site's live stream has {MAX_LIVE_SOCKETS} open sockets; close a dashboard tab"
            )));
        }
        if let Err(e) = ledger.open_live(&param("ticket").unwrap_or_default()) {
            return refuse(e);
        }
        // Everything that can fail, before the socket is accepted.
        let since = match ledger.live_seq() {
            Ok(seq) => seq,
            Err(e) => return refuse(e),
        };
        let hello = serde_json::json!({"hello": {"seq": since}}).to_string();
        let pair = WebSocketPair::new()?;
        let server = pair.server;
        server.serialize_attachment(Attachment { site: site.clone(), since, resumed: resume.is_some() })?;
        self.state.accept_web_socket(&server);
        let ping = worker::WebSocketRequestResponsePair::new("ping", "pong")?;
        self.state.set_websocket_auto_response(&ping);
        if server.send_with_str(hello).is_err() {
            let _ = server.close(Some(1011), Some("could not greet"));
        } else if let Some(after) = resume {
            send_resumed(&server, &ledger, after, since);
        }
        Response::from_websocket(pair.client)
    }

    /// A client's message: `{"resume": seq}` (once per socket) sends what it missed before its
    /// socket opened; binary frames close the socket (1003), text larger than a resume too
    /// (1009); anything else is answered with an error.
    pub(super) async fn live_message(&self, ws: WebSocket, message: WebSocketIncomingMessage) -> Result<()> {
        let text = match message {
            WebSocketIncomingMessage::String(s) if s.len() <= MAX_LIVE_MESSAGE => s,
            WebSocketIncomingMessage::String(_) => {
                let _ = ws.close(Some(1009), Some("messages are small JSON: {\"resume\": seq}"));
                return Ok(());
            }
            WebSocketIncomingMessage::Binary(_) => {
                let _ = ws.close(Some(1003), Some("messages are JSON text: {\"resume\": seq}"));
                return Ok(());
            }
        };
        let Some(mut attachment) = ws.deserialize_attachment::<Attachment>()? else {
            let _ = ws.close(Some(1011), Some("unknown socket"));
            return Ok(());
        };
        match serde_json::from_str::<LiveRequest>(&text) {
            Ok(_) if attachment.resumed => {
                let answer =
                    serde_json::json!({"error": "this socket has resumed; open a new one to resume again"});
                let _ = ws.send_with_str(answer.to_string());
            }
            Ok(LiveRequest { resume }) => {
                attachment.resumed = true;
                ws.serialize_attachment(&attachment)?;
                let store = self.store(attachment.site.clone())?;
                let ledger = SiteLedger::new(&attachment.site, &store, &EdgeClock);
                send_resumed(&ws, &ledger, resume, attachment.since);
            }
            Err(e) => {
                let answer = serde_json::json!({"error": format!("send {{\"resume\": seq}}: {e}")});
                let _ = ws.send_with_str(answer.to_string());
            }
        }
        Ok(())
    }

    /// Sends the live events `store` kept during a request to every socket connected now —
    /// once the request is answered (a timer of 0 runs after it), so a telephony provider's
    /// TwiML never waits on the sockets. Timers run in order: so do the events. A socket that
    /// opened after an event was kept had it in its greeting's seq (and its resume): skipped.
    pub(super) fn broadcast(&self, store: &ObjectStore) {
        let events = store.outbox_take();
        if events.is_empty() {
            return;
        }
        let sockets: Vec<(WebSocket, u64)> = self
            .state
            .get_websockets()
            .into_iter()
            .map(|ws| {
                let since = ws.deserialize_attachment::<Attachment>().ok().flatten().map_or(0, |a| a.since);
                (ws, since)
            })
            .collect();
        if sockets.is_empty() {
            return;
        }
        worker::wasm_bindgen_futures::spawn_local(async move {
            worker::Delay::from(std::time::Duration::ZERO).await;
            for (ws, since) in sockets {
                for (_, event) in events.iter().filter(|(seq, _)| *seq > since) {
                    // A socket closing meanwhile is the client's business; the others go on.
                    let _ = ws.send_with_str(event);
                }
            }
        });
    }
}

/// What a client that last saw `after` missed (before `since`), or `{"reset": true}`.
fn send_resumed(ws: &WebSocket, ledger: &super::Ledger<'_>, after: u64, since: u64) {
    match ledger.live_resume(after, since) {
        Ok(Resumed::Events(events)) => {
            for event in events {
                if let Ok(text) = serde_json::to_string(&event) {
                    let _ = ws.send_with_str(text);
                }
            }
        }
        Ok(Resumed::Reset) => {
            let _ = ws.send_with_str(serde_json::json!({"reset": true}).to_string());
        }
        Err(e) => {
            console_warn!("reading the live events to resume failed: {e}");
            let _ = ws.send_with_str(serde_json::json!({"reset": true}).to_string());
        }
    }
}
