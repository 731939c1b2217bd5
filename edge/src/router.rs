//! The route table: every endpoint, its handler, and the dialect its errors are answered in
//! (the one place an `EdgeError` becomes an answer is `EdgeError::answer`).

use crate::error::{Dialect, EdgeError};
use crate::http::preflight;
use crate::routes::{
    admin, bench, calls, lease, lifecycle, live, masking, money, settings, sites, telephony,
};
use std::future::Future;
use worker::{Env, Request, Response, Result, Router};

pub async fn handle(req: Request, env: Env) -> Result<Response> {
    // The table is built for each request: the widget's and the call path's routes, asked
    // most, are matched by a small one (the rest are not under their paths).
    let path = req.path();
    // The router reads a method it does not know (`QUERY`, `PROPFIND`…) as GET: such a
    // request is answered 405 here, before it could run a GET endpoint.
    let method = req.inner().method();
    if !["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"].contains(&method.as_str()) {
        return EdgeError::MethodNotAllowed { allow: allowed_methods(&path) }.answer(Dialect::Json);
    }
    let router = if HOT_PATHS.contains(&path.as_str()) || path.starts_with("/v1/telephony/twilio/") {
        hot(Router::new())
    } else {
        rest(hot(Router::new()))
    };
    let resp = router
        .or_else_any_method("/v1/*rest", |_, _| EdgeError::NoEndpoint.answer(Dialect::Json))
        .run(req, env)
        .await?;
    // The router's own 405 (a known path, another method) is plain text: answered as JSON,
    // with the methods the path takes.
    if resp.status_code() == 405 {
        return EdgeError::MethodNotAllowed { allow: allowed_methods(&path) }.answer(Dialect::Json);
    }
    Ok(resp)
}

/// The methods `path` takes, as the OpenAPI document lists them (the contract suite checks
/// that it lists this table's routes), e.g. `GET, PATCH`: those of the most specific path
/// that matches it (a literal segment before a parameter, as the router matches).
fn allowed_methods(path: &str) -> String {
    let Ok(doc) = serde_json::from_str::<serde_json::Value>(include_str!("openapi.json")) else {
        return String::new();
    };
    let segments: Vec<&str> = path.split('/').collect();
    // Which segments of `template` are literal, when it matches `path`.
    let literal = |template: &str| -> Option<Vec<bool>> {
        let parts: Vec<&str> = template.split('/').collect();
        let fits = parts.len() == segments.len()
            && parts.iter().zip(&segments).all(|(t, s)| t == s || (t.starts_with('{') && !s.is_empty()));
        fits.then(|| parts.iter().map(|t| !t.starts_with('{')).collect())
    };
    let paths = doc["paths"].as_object();
    let matching: Vec<(Vec<bool>, &serde_json::Value)> =
        paths.into_iter().flatten().filter_map(|(template, item)| Some((literal(template)?, item))).collect();
    let best = matching.iter().map(|(l, _)| l).max();
    let mut methods: Vec<String> = matching
        .iter()
        .filter(|(l, _)| Some(l) == best)
        .flat_map(|(_, item)| item.as_object().into_iter().flatten().map(|(m, _)| m.to_ascii_uppercase()))
        .filter(|m| ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"].contains(&m.as_str()))
        .collect();
    methods.sort();
    methods.dedup();
    methods.join(", ")
}

/// The paths of [`hot`]'s routes but the Twilio webhooks'.
const HOT_PATHS: &[&str] = &[
    "/v1/health",
    "/v1/bench/kv",
    "/v1/bench/object",
    "/v1/bench/object-kv",
    "/v1/lease",
    "/v1/lease/renew",
    "/v1/lease/release",
];

/// Visitors' leases, Twilio's webhooks, health and the bench baselines.
fn hot(router: Router<'_, ()>) -> Router<'_, ()> {
    router
        .get("/v1/health", |_, _| Response::from_json(&serde_json::json!({ "ok": true })))
        .get_async("/v1/bench/kv", |req, ctx| json(bench::kv(req, ctx)))
        .post_async("/v1/bench/kv", |req, ctx| json(bench::kv(req, ctx)))
        .get_async("/v1/bench/object", |req, ctx| json(bench::object(req, ctx)))
        .post_async("/v1/bench/object-kv", |req, ctx| json(bench::object_kv(req, ctx)))
        .options("/v1/lease", |_, _| preflight())
        .post_async("/v1/lease", |req, ctx| cors(lease::create(req, ctx)))
        .options("/v1/lease/renew", |_, _| preflight())
        .post_async("/v1/lease/renew", |req, ctx| cors(lease::renew(req, ctx)))
        .options("/v1/lease/release", |_, _| preflight())
        .post_async("/v1/lease/release", |req, ctx| cors(lease::release(req, ctx)))
        .post_async("/v1/telephony/twilio/:hook", |req, ctx| async move {
            let dialect = Dialect::twilio(&req)?;
            answer(dialect, telephony::twilio_hook(req, ctx).await)
        })
}

/// Every other endpoint.
fn rest(router: Router<'_, ()>) -> Router<'_, ()> {
    router
        .get("/v1/openapi.json", |_, _| openapi())
        .get_async("/v1/widget/:site", |req, ctx| cors(lease::widget_config(req, ctx)))
        .get_async("/v1/route", |req, ctx| json(telephony::lookup_dialed(req, ctx)))
        .post_async("/v1/sites/:site/calls/events", |req, ctx| json(telephony::call_events(req, ctx)))
        .get_async("/v1/sites/:site/calls", |req, ctx| json(calls::list(req, ctx)))
        .post_async("/v1/sites/:site/calls/import", |req, ctx| json(calls::import(req, ctx)))
        .get_async("/v1/sites/:site/calls/live", |req, ctx| json(live::calls(req, ctx)))
        .get_async("/v1/sites/:site/calls/:call_sid", |req, ctx| json(calls::detail(req, ctx)))
        .patch_async("/v1/sites/:site/calls/:call_sid", |req, ctx| json(money::patch_call(req, ctx)))
        .post_async("/v1/sites/:site/spend", |req, ctx| json(money::upload_spend(req, ctx)))
        .get_async("/v1/sites/:site/spend", |req, ctx| json(money::list_spend(req, ctx)))
        .delete_async("/v1/sites/:site/spend", |req, ctx| json(money::delete_spend(req, ctx)))
        .get_async("/v1/sites/:site/exports/google-ads.csv", |req, ctx| async move {
            challenge_basic(json(money::google_ads(req, ctx)).await)
        })
        .post_async("/v1/sites/:site/live/ticket", |req, ctx| json(live::ticket(req, ctx)))
        .get_async("/v1/sites/:site/live", |req, ctx| json(live::stream(req, ctx)))
        .get_async("/v1/sites/:site/overview", |req, ctx| json(calls::overview(req, ctx)))
        .get_async("/v1/sites/:site/report", |req, ctx| json(calls::report(req, ctx)))
        .get_async("/v1/sites/:site/pool", |req, ctx| json(calls::pool(req, ctx)))
        .put_async("/v1/sites/:site", |req, ctx| json(sites::put(req, ctx)))
        .post_async("/v1/admin/sites", |req, ctx| json(admin::create_site(req, ctx)))
        .post_async("/v1/admin/sites/:site/token", |req, ctx| json(admin::rotate_token(req, ctx)))
        .post_async("/v1/admin/sites/:site/numbers", |req, ctx| json(admin::add_number(req, ctx)))
        .delete_async("/v1/admin/sites/:site/numbers/:number", |req, ctx| {
            json(admin::remove_number(req, ctx))
        })
        .get_async("/v1/sites/:site/settings", |req, ctx| json(settings::get(req, ctx)))
        .patch_async("/v1/sites/:site/settings", |req, ctx| json(settings::patch(req, ctx)))
        .post_async("/v1/sites/:site/settings/caller-identification/test", |req, ctx| {
            json(settings::test_identification(req, ctx))
        })
        .post_async("/v1/sites/:site/masking/sessions", |req, ctx| json(masking::create(req, ctx)))
        .get_async("/v1/sites/:site/masking/sessions", |req, ctx| json(masking::list(req, ctx)))
        .get_async("/v1/sites/:site/masking/sessions/:id", |req, ctx| json(masking::detail(req, ctx)))
        .patch_async("/v1/sites/:site/masking/sessions/:id", |req, ctx| json(masking::patch(req, ctx)))
        .post_async("/v1/sites/:site/masking/sessions/:id/close", |req, ctx| json(masking::close(req, ctx)))
        .delete_async("/v1/sites/:site/visitors/:visitor_id", |req, ctx| {
            json(lifecycle::erase_visitor(req, ctx))
        })
        .delete_async("/v1/sites/:site/callers/:number", |req, ctx| json(lifecycle::erase_caller(req, ctx)))
        .get_async("/v1/sites/:site/audit", |req, ctx| json(lifecycle::audit(req, ctx)))
        .get_async("/v1/sites/:site/export", |req, ctx| async move {
            challenge_basic(json(lifecycle::export(req, ctx)).await)
        })
}

/// `GET /v1/openapi.json`: the API's OpenAPI 3.1 document (`edge/src/openapi.json`, written by
/// hand; the contract suite checks it lists exactly this table's routes, and fuzzes the edge
/// with it).
fn openapi() -> Result<Response> {
    let mut resp = Response::ok(include_str!("openapi.json"))?;
    let h = resp.headers_mut();
    h.set("content-type", "application/json")?;
    h.set("access-control-allow-origin", "*")?;
    h.set("cache-control", "public, max-age=300")?;
    Ok(resp)
}

fn answer(dialect: Dialect, result: std::result::Result<Response, EdgeError>) -> Result<Response> {
    result.or_else(|e| e.answer(dialect))
}

/// An endpoint answering errors in [`Dialect::Json`].
async fn json(handler: impl Future<Output = std::result::Result<Response, EdgeError>>) -> Result<Response> {
    answer(Dialect::Json, handler.await)
}

/// A 401 of an endpoint that takes Basic credentials says so (`WWW-Authenticate`), so a
/// fetching client sends them.
fn challenge_basic(answer: Result<Response>) -> Result<Response> {
    let mut resp = answer?;
    if resp.status_code() == 401 {
        resp.headers_mut().set("www-authenticate", "Basic realm=\"ringtrace\", charset=\"UTF-8\"")?;
    }
    Ok(resp)
}

/// An endpoint answering errors in [`Dialect::Cors`] (the widget's).
async fn cors(handler: impl Future<Output = std::result::Result<Response, EdgeError>>) -> Result<Response> {
    answer(Dialect::Cors, handler.await)
}
