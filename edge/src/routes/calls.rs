//! The dashboard's reads, for the site's API token: `GET /v1/sites/{site}/calls` (the list
//! of calls), `/overview` (a period at a glance), `/report` (calls and sessions grouped) and
//! `/pool` (numbers and sizing).

use crate::error;
use crate::store::site_object::EdgeClock;
use crate::store::{RouteMirror, SiteStub};
use shared::{valid_site_id, Clock, Error};
use worker::{Method, Request, Response, Result, RouteContext};

/// The site and the `Authorization` header to forward, or the answer to send. Unknown sites
/// answer like a wrong token: the API does not reveal which sites exist.
pub(crate) async fn dashboard_request(
    req: &Request,
    ctx: &RouteContext<()>,
) -> Result<Result<(String, String), Response>> {
    let site = ctx.param("site").cloned().unwrap_or_default();
    let authorization = req.headers().get("authorization")?.unwrap_or_default();
    let has_token = shared::api::bearer_token(Some(&authorization)).is_some();
    if !has_token || !valid_site_id(&site) {
        return Ok(Err(error::respond(&Error::Unauthorized)?));
    }
    match RouteMirror::new(&ctx.env)?.site_known(&site).await {
        Ok(true) => Ok(Ok((site, authorization))),
        Ok(false) => Ok(Err(error::respond(&Error::Unauthorized)?)),
        Err(e) => Ok(Err(error::respond(&e)?)),
    }
}

/// The answer to a request for `site` the edge finds malformed (`e`): 401 unless its token
/// opens the site, so that a caller without the token learns nothing from the site's answers,
/// not even which of its inputs are wrong. Costs the object a token check, on errors only.
pub(crate) async fn refuse(
    site: &str,
    authorization: &str,
    ctx: &RouteContext<()>,
    e: &Error,
) -> Result<Response> {
    let stub = SiteStub::for_site(&ctx.env, site)?;
    let answer = stub.send::<()>(Method::Get, "/authorize", None, Some(authorization)).await?;
    if answer.status_code() == 200 {
        error::respond(e)
    } else {
        Ok(answer)
    }
}

pub(crate) async fn forward(
    site: &str,
    path: &str,
    authorization: &str,
    ctx: &RouteContext<()>,
) -> Result<Response> {
    let stub = SiteStub::for_site(&ctx.env, site)?;
    let mut resp = stub.send::<()>(Method::Get, path, None, Some(authorization)).await?;
    resp.headers_mut().set("Cache-Control", "no-store")?;
    Ok(resp)
}

/// Forwards a dashboard read to the site's object with its query string, once `check` (the
/// query's parser in shared) has accepted it: a bad query is answered here, before the
/// site's object is involved.
async fn forward_query(
    req: Request,
    ctx: RouteContext<()>,
    path: &str,
    check: fn(&[(String, String)]) -> shared::Result<()>,
) -> Result<Response> {
    let (site, authorization) = match dashboard_request(&req, &ctx).await? {
        Ok(ok) => ok,
        Err(answer) => return Ok(answer),
    };
    let url = req.url()?;
    let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    if let Err(e) = check(&pairs) {
        return refuse(&site, &authorization, &ctx, &e).await;
    }
    forward(&site, &format!("{path}?{}", url.query().unwrap_or("")), &authorization, &ctx).await
}

/// `GET /v1/sites/{site}/calls?from=…&channel=…&page=…` (see `shared::CallQuery`): one page
/// of the calls the filters select and how many they select; `format=csv`: all of them (up
/// to 100,000) as CSV.
pub async fn list(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    forward_query(req, ctx, "/calls", |p| shared::CallQuery::parse(p, EdgeClock.now()).map(drop)).await
}

/// `GET /v1/sites/{site}/overview?from=2026-11-01&to=2026-11-30&tz=America/Chicago`: headline
/// counts against the period before, calls per day by channel, top sources and campaigns.
pub async fn overview(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    forward_query(req, ctx, "/overview", |p| {
        shared::overview::OverviewQuery::parse(p, EdgeClock.now()).map(drop)
    })
    .await
}

/// `GET /v1/sites/{site}/report?group_by=source,campaign&from=2026-11-01&to=2026-11-30`.
pub async fn report(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    forward_query(req, ctx, "/report", |p| shared::api::ReportQuery::parse(p, EdgeClock.now()).map(drop))
        .await
}

/// `GET /v1/sites/{site}/pool?days=7`.
pub async fn pool(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    let (site, authorization) = match dashboard_request(&req, &ctx).await? {
        Ok(ok) => ok,
        Err(answer) => return Ok(answer),
    };
    let pairs: Vec<(String, String)> = req.url()?.query_pairs().into_owned().collect();
    let days = match shared::api::parse_pool_days(&pairs) {
        Ok(d) => d,
        Err(e) => return refuse(&site, &authorization, &ctx, &e).await,
    };
    forward(&site, &format!("/pool?days={days}"), &authorization, &ctx).await
}

/// `GET /v1/sites/{site}/calls/{call_sid}`: one call with its attribution, its timeline of
/// telephony events and its CRM deliveries.
pub async fn detail(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    let (site, authorization) = match dashboard_request(&req, &ctx).await? {
        Ok(ok) => ok,
        Err(answer) => return Ok(answer),
    };
    let call_sid = ctx.param("call_sid").cloned().unwrap_or_default();
    if let Err(e) = shared::api::check_call_id(&call_sid) {
        return refuse(&site, &authorization, &ctx, &e).await;
    }
    forward(&site, &format!("/calls/{call_sid}"), &authorization, &ctx).await
}

/// `POST /v1/sites/{site}/calls/import` (see `shared::call_import`): call history from another
/// tool, for the site's token; checked here before the site's object is involved.
pub async fn import(mut req: Request, ctx: RouteContext<()>) -> Result<Response> {
    let (site, authorization) = match dashboard_request(&req, &ctx).await? {
        Ok(ok) => ok,
        Err(answer) => return Ok(answer),
    };
    let max = shared::call_import::MAX_IMPORT_BODY;
    let bytes = match crate::routes::body::read(&mut req, "application/json", max).await? {
        Ok(b) => b,
        Err(e) => return refuse(&site, &authorization, &ctx, &e).await,
    };
    if let Err(e) = shared::call_import::ImportBody::parse(&bytes, &site, EdgeClock.now()) {
        return refuse(&site, &authorization, &ctx, &e).await;
    }
    let stub = SiteStub::for_site(&ctx.env, &site)?;
    let raw: serde_json::Value = serde_json::from_slice(&bytes)?;
    stub.send(Method::Post, "/import", Some(&raw), Some(&authorization)).await
}
