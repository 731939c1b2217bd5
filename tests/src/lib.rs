//! Harness for the cross-component suites: a real `wrangler dev` (local KV and SQLite
//! Durable Objects in a throw-away state folder) and a real headless Chromium. Every process
//! a test starts is stopped when its handle drops, panics included.
//!
//! - `process`: process groups, free ports, [`stop_all`] and the panic hook.
//! - `edge`: `wrangler dev` itself: [`Edge::start`], seeding, [`Edge::crash_and_restart`], its log.
//! - `client`: the edge's API, a typed helper per request the suites repeat ([`EdgeApi`], on an
//!   [`Edge`] or an [`EdgeClient`] over a client of the suite's own).
//! - `twilio`: Twilio's webhooks, signed as Twilio signs them.
//! - `browser`: Chromium through ChromeDriver ([`Browser`]) or Playwright ([`check_page`]).
//! - `live`: the live stream as a dashboard opens it (a ticket, then a WebSocket).
//! - `servers`: stand-ins: a customer's site, a CRM, a broken edge.
//! - `wait`: polling for what happens a little later.

mod browser;
mod client;
mod edge;
mod live;
mod process;
mod servers;
mod twilio;
mod wait;

pub use browser::{check_page, Browser};
pub use client::{demo_call_detail, demo_call_event, demo_calls, Answer, EdgeApi, EdgeClient, LeasePost};
pub use edge::Edge;
pub use live::{live_ticket, live_url, LiveSocket};
pub use process::{free_port, root, stop_all, stop_servers_on_panic};
pub use servers::{
    page_with_widget, BrokenEdge, Failure, HostSite, IdentifyingCrm, ReceivedHook, WebhookReceiver,
};
pub use twilio::{
    encode, gather_action, twilio_gather, twilio_post, twilio_post_to, twilio_request, twilio_signature_for,
    twilio_voice, twiml_attribute,
};
pub use wait::eventually;
