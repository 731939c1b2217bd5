//! The dashboard's reads, for the site's API token: `GET /v1/sites/{site}/calls` (the list
//! of calls), `/overview` (a period at a glance), `/report` (calls and sessions grouped) and
//! `/pool` (numbers and sizing); and the import of call history.

use crate::clock::now;
use crate::error::EdgeError;
use crate::http::{self, Limit, SiteCaller};
use crate::site_object::Command;
use shared::Error;
use worker::{Request, Response, RouteContext};

/// The object's answer to `command`, never cached (it is the token holder's).
pub(super) async fn forward(
    caller: &SiteCaller,
    ctx: &RouteContext<()>,
    command: &Command,
) -> Result<Response, EdgeError> {
    let mut resp = caller.send(&ctx.env, command).await?;
    resp.headers_mut().set("Cache-Control", "no-store")?;
    Ok(resp)
}

/// Forwards a dashboard read to the site's object with its query, once `check` (the query's
/// parser in shared) has accepted it: a bad query is answered here, before the site's object
/// is involved.
async fn forward_query(
    req: Request,
    ctx: RouteContext<()>,
    check: fn(&[(String, String)]) -> shared::Result<()>,
    command: fn(Vec<(String, String)>) -> Command,
) -> Result<Response, EdgeError> {
    let caller = SiteCaller::dashboard(&req, &ctx).await?;
    let pairs: Vec<(String, String)> = req.url()?.query_pairs().into_owned().collect();
    caller.vet(&ctx.env, check(&pairs)).await?;
    forward(&caller, &ctx, &command(pairs)).await
}

/// `GET /v1/sites/{site}/calls?from=…&channel=…&page=…` (see `shared::CallQuery`): one page
/// of the calls the filters select and how many they select; `format=csv`: all of them (up
/// to 100,000) as CSV.
pub async fn list(req: Request, ctx: RouteContext<()>) -> Result<Response, EdgeError> {
    forward_query(req, ctx, |p| shared::CallQuery::parse(p, now()).map(drop), Command::Calls).await
}

/// `GET /v1/sites/{site}/overview?from=2026-11-01&to=2026-11-30&tz=America/Chicago`: headline
/// counts against the period before, calls per day by channel, top sources and campaigns.
pub async fn overview(req: Request, ctx: RouteContext<()>) -> Result<Response, EdgeError> {
    let check = |p: &[(String, String)]| shared::overview::OverviewQuery::parse(p, now()).map(drop);
    forward_query(req, ctx, check, Command::Overview).await
}

/// `GET /v1/sites/{site}/report?group_by=source,campaign&from=2026-11-01&to=2026-11-30`.
pub async fn report(req: Request, ctx: RouteContext<()>) -> Result<Response, EdgeError> {
    let check = |p: &[(String, String)]| shared::wire::ReportQuery::parse(p, now()).map(drop);
    forward_query(req, ctx, check, Command::Report).await
}

/// `GET /v1/sites/{site}/pool?days=7`.
pub async fn pool(req: Request, ctx: RouteContext<()>) -> Result<Response, EdgeError> {
    let caller = SiteCaller::dashboard(&req, &ctx).await?;
    let pairs: Vec<(String, String)> = req.url()?.query_pairs().into_owned().collect();
    let days = caller.vet(&ctx.env, shared::wire::parse_pool_days(&pairs)).await?;
    forward(&caller, &ctx, &Command::Pool { days }).await
}

/// `GET /v1/sites/{site}/calls/{call_sid}`: one call with its attribution, its timeline of
/// telephony events and its CRM deliveries.
pub async fn detail(req: Request, ctx: RouteContext<()>) -> Result<Response, EdgeError> {
    let caller = SiteCaller::dashboard(&req, &ctx).await?;
    let call_sid = ctx.param("call_sid").cloned().unwrap_or_default();
    caller.vet(&ctx.env, shared::check_call_id(&call_sid).map(drop)).await?;
    forward(&caller, &ctx, &Command::CallDetail(call_sid)).await
}

/// `POST /v1/sites/{site}/calls/import` (see `shared::ImportBody`): call history from another
/// tool, for the site's token; checked here before the site's object is involved.
pub async fn import(mut req: Request, ctx: RouteContext<()>) -> Result<Response, EdgeError> {
    let caller = SiteCaller::dashboard(&req, &ctx).await?;
    // Lines of an export (`GET …/export`): read back by the site's object.
    let sent_type = req.headers().get("content-type")?.unwrap_or_default();
    if sent_type.split(';').next().is_some_and(|t| t.trim().eq_ignore_ascii_case("application/x-ndjson")) {
        let bytes = caller.vet(&ctx.env, http::read(&mut req, &Limit::NDJSON_IMPORT).await).await?;
        let text = caller
            .vet(&ctx.env, String::from_utf8(bytes).map_err(|_| Error::invalid("the body is not UTF-8 text")))
            .await?;
        return Ok(caller.send(&ctx.env, &Command::ImportNdjson(text)).await?);
    }
    let bytes = caller.vet(&ctx.env, http::read(&mut req, &Limit::IMPORT).await).await?;
    // Values are checked in the site's currency by its object; here for their shape only.
    let parsed = shared::ImportBody::parse(&bytes, &caller.site, now(), shared::Currency::widest());
    caller.vet(&ctx.env, parsed.map(drop)).await?;
    // Valid JSON, so valid UTF-8.
    let text = String::from_utf8_lossy(&bytes).into_owned();
    Ok(caller.send(&ctx.env, &Command::Import(text)).await?)
}
