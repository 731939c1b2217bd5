//! ringtrace's edge: a Cloudflare Worker serving the lease API, the telephony webhooks and
//! the calls API. Static files (demo page, widget, dashboard) are served by Workers assets
//! before this code runs.

use worker::{event, Context, Env, Request, Response, Result, Router};

mod config;
mod error;
mod routes;
mod store;

pub use store::SiteObject;

#[event(start)]
fn start() {
    console_error_panic_hook::set_once();
}

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let response = Router::new()
        .get("/v1/health", |_, _| Response::from_json(&serde_json::json!({ "ok": true })))
        .options("/v1/lease", |_, _| routes::lease::preflight())
        .post_async("/v1/lease", routes::lease::create)
        .options("/v1/lease/renew", |_, _| routes::lease::preflight())
        .post_async("/v1/lease/renew", routes::lease::renew)
        .options("/v1/lease/release", |_, _| routes::lease::preflight())
        .post_async("/v1/lease/release", routes::lease::release)
        .get_async("/v1/widget/:site", routes::lease::widget_config)
        .post_async("/v1/telephony/twilio/:hook", routes::telephony::twilio_hook)
        .get_async("/v1/route", routes::telephony::route)
        .post_async("/v1/sites/:site/calls/events", routes::telephony::call_events)
        .get_async("/v1/sites/:site/calls", routes::calls::list)
        .post_async("/v1/sites/:site/calls/import", routes::calls::import)
        .get_async("/v1/sites/:site/calls/:call_sid", routes::calls::detail)
        .get_async("/v1/sites/:site/overview", routes::calls::overview)
        .get_async("/v1/sites/:site/report", routes::calls::report)
        .get_async("/v1/sites/:site/pool", routes::calls::pool)
        .put_async("/v1/sites/:site", routes::sites::put)
        .post_async("/v1/admin/sites", routes::admin::create_site)
        .post_async("/v1/admin/sites/:site/token", routes::admin::rotate_token)
        .post_async("/v1/admin/sites/:site/numbers", routes::admin::add_number)
        .delete_async("/v1/admin/sites/:site/numbers/:number", routes::admin::remove_number)
        .get_async("/v1/sites/:site/settings", routes::settings::get)
        .patch_async("/v1/sites/:site/settings", routes::settings::patch)
        .or_else_any_method("/v1/*rest", |_, _| error::not_found())
        .run(req, env)
        .await;
    // A handler's unexpected failure (storage, binding) still answers JSON, never a bare 500.
    response.or_else(|e| error::internal(&e))
}
