//! HTTP plumbing the routes share: bounded request bodies, CORS, the admin's and a site's
//! bearer tokens, and TwiML answers.

mod auth;
mod body;
mod cors;
mod twiml;

pub use auth::{require_admin, SiteCaller};
pub use body::{json, read, Limit};
pub use cors::{preflight, with_cors, with_cors_for};
pub use twiml::twiml;

/// A path parameter as sent, percent-decoded (`%2B1555…` is `+1555…`).
pub fn path_param(ctx: &worker::RouteContext<()>, name: &str) -> String {
    let raw = ctx.param(name).cloned().unwrap_or_default();
    worker::js_sys::decode_uri_component(&raw).ok().and_then(|v| v.as_string()).unwrap_or(raw)
}
