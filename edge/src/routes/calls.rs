//! `GET /v1/sites/{site}/calls`: the dashboard's list of calls, for the site's API token.

use crate::config::{DEFAULT_CALLS_PAGE, MAX_CALLS_PAGE};
use crate::error;
use crate::store::{RouteMirror, SiteStub};
use shared::{valid_site_id, Error};
use worker::{Method, Request, Response, Result, RouteContext};

pub async fn list(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    let site = ctx.param("site").cloned().unwrap_or_default();
    let authorization = req.headers().get("authorization")?;
    if authorization.as_deref().and_then(|a| a.strip_prefix("Bearer ")).is_none_or(|t| t.trim().is_empty()) {
        return error::respond(&Error::Unauthorized);
    }
    // Unknown sites answer like a wrong token: the API does not reveal which sites exist.
    if !valid_site_id(&site) {
        return error::respond(&Error::Unauthorized);
    }
    match RouteMirror::new(&ctx.env)?.site_known(&site).await {
        Ok(true) => {}
        Ok(false) => return error::respond(&Error::Unauthorized),
        Err(e) => return error::respond(&e),
    }
    let limit = match req.url()?.query_pairs().find(|(k, _)| k == "limit") {
        None => DEFAULT_CALLS_PAGE,
        Some((_, v)) => match v.parse::<usize>() {
            Ok(n) if (1..=MAX_CALLS_PAGE).contains(&n) => n,
            _ => {
                return error::respond(&Error::invalid(format!(
                    "limit must be a number from 1 to {MAX_CALLS_PAGE}"
                )))
            }
        },
    };
    let stub = SiteStub::for_site(&ctx.env, &site)?;
    let mut resp = stub
        .send::<()>(Method::Get, &format!("/calls?limit={limit}"), None, authorization.as_deref())
        .await?;
    resp.headers_mut().set("Cache-Control", "no-store")?;
    Ok(resp)
}
