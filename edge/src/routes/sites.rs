//! `PUT /v1/sites/{site}`: create or update a site (business number, pool, API token).
//! Authorised by the `ADMIN_TOKEN` secret; the dev setup seeds the demo site through it.

use crate::config::admin_token;
use crate::error;
use crate::store::SiteStub;
use shared::{tokens_equal, valid_site_id, Error, SiteSetup};
use worker::{Method, Request, Response, Result, RouteContext};

pub async fn put(mut req: Request, ctx: RouteContext<()>) -> Result<Response> {
    let Some(expected) = admin_token(&ctx.env) else {
        return error::respond(&Error::invalid("site provisioning is disabled: set the ADMIN_TOKEN secret"));
    };
    let presented = req.headers().get("authorization")?;
    let presented = shared::api::bearer_token(presented.as_deref()).unwrap_or("");
    if !tokens_equal(presented, &expected) {
        return error::respond(&Error::Unauthorized);
    }
    let site = ctx.param("site").cloned().unwrap_or_default();
    if !valid_site_id(&site) {
        return error::respond(&Error::invalid("site id must be 1-64 characters of a-z, 0-9, - and _"));
    }
    let bytes = req.bytes().await?;
    let setup: SiteSetup = match shared::api::parse_json(&bytes, "site setup") {
        Ok(s) => s,
        Err(e) => return error::respond(&e),
    };
    SiteStub::for_site(&ctx.env, &site)?.send(Method::Put, "/configure", Some(&setup), None).await
}
