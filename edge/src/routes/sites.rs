//! `PUT /v1/sites/{site}`: create or update a site (business number, pool, API token).
//! Authorised by the `ADMIN_TOKEN` secret; the dev setup seeds the demo site through it.

use crate::error;
use crate::store::SiteStub;
use shared::{valid_site_id, Error, SiteSetup};
use worker::{Method, Request, Response, Result, RouteContext};

pub async fn put(mut req: Request, ctx: RouteContext<()>) -> Result<Response> {
    if let Some(answer) = crate::routes::admin::refused(&req, &ctx)? {
        return Ok(answer);
    }
    let site = ctx.param("site").cloned().unwrap_or_default();
    if !valid_site_id(&site) {
        return error::respond(&Error::invalid("site id must be 1-64 characters of a-z, 0-9, - and _"));
    }
    let bytes = match crate::routes::body::read(&mut req, "application/json", MAX_SETUP_BODY).await? {
        Ok(b) => b,
        Err(e) => return error::respond(&e),
    };
    let setup: SiteSetup = match shared::api::parse_json(&bytes, "site setup") {
        Ok(s) => s,
        Err(e) => return error::respond(&e),
    };
    SiteStub::for_site(&ctx.env, &site)?.send(Method::Put, "/configure", Some(&setup), None).await
}

/// Largest site setup accepted (a full pool of numbers with regions fits).
const MAX_SETUP_BODY: usize = 256 * 1024;
