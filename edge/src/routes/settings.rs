//! `GET` and `PATCH /v1/sites/{site}/settings`: the site's settings for its owner, with the
//! site's API token (see `shared::settings`). The token itself and the secrets are never
//! sent back; a change goes through the same checks as the admin's `PUT /v1/sites/{site}`.

use crate::routes::calls::{dashboard_request, forward, refuse};
use crate::store::SiteStub;
use shared::settings::MAX_SETTINGS_BODY;
use shared::Error;
use worker::{Method, Request, Response, Result, RouteContext};

pub async fn get(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    let (site, authorization) = match dashboard_request(&req, &ctx).await? {
        Ok(ok) => ok,
        Err(answer) => return Ok(answer),
    };
    forward(&site, "/settings", &authorization, &ctx).await
}

pub async fn patch(mut req: Request, ctx: RouteContext<()>) -> Result<Response> {
    let (site, authorization) = match dashboard_request(&req, &ctx).await? {
        Ok(ok) => ok,
        Err(answer) => return Ok(answer),
    };
    let bytes = match crate::routes::body::read(&mut req, "application/json", MAX_SETTINGS_BODY).await? {
        Ok(b) => b,
        Err(e) => return refuse(&site, &authorization, &ctx, &e).await,
    };
    let patch: serde_json::Value = match serde_json::from_slice(&bytes) {
        Ok(v @ serde_json::Value::Object(_)) => v,
        Ok(_) => {
            let e = Error::invalid("body must be a JSON object of the settings to change");
            return refuse(&site, &authorization, &ctx, &e).await;
        }
        Err(e) => {
            let e = Error::invalid(format!("body is not valid JSON: {e}"));
            return refuse(&site, &authorization, &ctx, &e).await;
        }
    };
    let stub = SiteStub::for_site(&ctx.env, &site)?;
    let mut resp = stub.send(Method::Patch, "/settings", Some(&patch), Some(&authorization)).await?;
    resp.headers_mut().set("Cache-Control", "no-store")?;
    Ok(resp)
}
