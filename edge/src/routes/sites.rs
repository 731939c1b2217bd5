//! `PUT /v1/sites/{site}`: create or update a site (business number, pool, API token).
//! Authorised by the `ADMIN_TOKEN` secret; the dev setup seeds the demo site through it.

use crate::error::EdgeError;
use crate::http::{self, require_admin, Limit};
use crate::site_object::{Command, SiteStub};
use shared::{valid_site_id, Error, SiteSetup};
use worker::{Request, Response, RouteContext};

pub async fn put(mut req: Request, ctx: RouteContext<()>) -> Result<Response, EdgeError> {
    require_admin(&req, &ctx.env)?;
    let site = ctx.param("site").cloned().unwrap_or_default();
    if !valid_site_id(&site) {
        return Err(Error::invalid("site id must be 1-64 characters of a-z, 0-9, - and _").into());
    }
    let bytes = http::read(&mut req, &Limit::SITE_SETUP).await?;
    let setup: SiteSetup = shared::parse_json(&bytes, "site setup")?;
    Ok(SiteStub::for_site(&ctx.env, &site)?.send(&Command::Configure(setup), None).await?)
}
