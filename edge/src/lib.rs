//! ringtrace's edge: a Cloudflare Worker serving the lease API, the telephony webhooks and
//! the calls API. Static files (demo page, widget, dashboard) are served by Workers assets
//! before this code runs.

use worker::{event, Context, Env, Request, Response, Result};

mod clock;
mod config;
mod error;
mod http;
mod kv_mirror;
mod outbound;
mod router;
mod routes;
mod site_object;

pub use site_object::SiteObject;

#[event(start)]
fn start() {
    console_error_panic_hook::set_once();
}

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    // A failure no handler answered (building an answer failed) still answers JSON, never a
    // bare 500.
    router::handle(req, env).await.or_else(|e| error::EdgeError::from(e).answer(error::Dialect::Json))
}
