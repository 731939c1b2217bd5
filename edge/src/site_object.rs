//! The site's Durable Object: the single writer of a site's pool, leases and calls, stored in
//! its SQLite database. It runs `shared::SiteLedger` over that storage and the KV mirror.
//!
//! `command` is what the edge may ask of it (sent by `stub`, run by `dispatch`); `store` and
//! `schema` are its database; `deliveries` sends the CRM webhooks from its alarm.

mod command;
mod deliveries;
mod dispatch;
mod lifecycle_store;
mod live;
mod live_store;
mod masking_store;
mod mirror_book;
mod schema;
mod site_rows;
mod spend_store;
mod store;
mod stub;

pub use command::{Command, TwimlAnswer};
pub use stub::SiteStub;

use crate::clock::EdgeClock;
use crate::kv_mirror::KvMirror;
use store::{Memory, ObjectStore};
use worker::{
    durable_object, DurableObject, Env, Request, Response, Result, State, WebSocket, WebSocketIncomingMessage,
};

#[durable_object]
pub struct SiteObject {
    state: State,
    env: Env,
    /// The site's lease rate limits (in memory: a restart forgets them).
    limiter: std::cell::RefCell<shared::RateLimiter>,
    memory: std::rc::Rc<Memory>,
    /// When the alarm was last set for (so a request that finds it unchanged does not set it
    /// again); forgotten when it fires.
    alarm_at: std::cell::Cell<Option<i64>>,
}

/// The core's ledger of one site over the object's storage.
type Ledger<'a> = shared::SiteLedger<'a, ObjectStore, EdgeClock>;

impl SiteObject {
    /// The object's storage, for `site`.
    fn store(&self, site: String) -> Result<ObjectStore> {
        Ok(ObjectStore {
            site,
            sql: self.state.storage().sql(),
            mirror: KvMirror::new(&self.env)?,
            memory: self.memory.clone(),
            env: self.env.clone(),
        })
    }
}

impl DurableObject for SiteObject {
    fn new(state: State, env: Env) -> Self {
        SiteObject {
            state,
            env,
            limiter: std::cell::RefCell::default(),
            memory: std::rc::Rc::default(),
            alarm_at: std::cell::Cell::default(),
        }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        if req.path() == "/live" {
            return self.live_upgrade(req).await;
        }
        self.dispatch(req).await
    }

    /// Delivers due CRM webhooks, then sets the alarm for the next one.
    async fn alarm(&self) -> Result<Response> {
        self.alarm_at.set(None);
        self.deliver_due().await
    }

    async fn websocket_message(&self, ws: WebSocket, message: WebSocketIncomingMessage) -> Result<()> {
        self.live_message(ws, message).await
    }

    /// A client left: the closing handshake is completed; nothing else is kept per socket.
    async fn websocket_close(&self, ws: WebSocket, code: usize, _reason: String, _clean: bool) -> Result<()> {
        // 1005/1006 are not codes a close frame may carry: answer those with a normal close.
        let code =
            u16::try_from(code).ok().filter(|c| (1000..=4999).contains(c) && ![1005, 1006, 1015].contains(c));
        let _ = ws.close(Some(code.unwrap_or(1000)), Some("bye"));
        Ok(())
    }

    /// No TCP connections are served (the trait's default would panic and poison the isolate).
    async fn connect(&self, _socket: worker::Socket) -> Result<()> {
        Err(worker::Error::RustError("the site's object takes no TCP connections".into()))
    }

    async fn websocket_error(&self, _ws: WebSocket, error: worker::Error) -> Result<()> {
        worker::console_warn!("a live socket failed: {error}");
        Ok(())
    }
}
