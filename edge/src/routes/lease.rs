//! `POST /v1/lease`: the widget asks for a tracking number for its visitor.

use crate::error;
use crate::store::{RouteMirror, SiteStub};
use shared::api::{LeaseBody, LeaseCommand};
use shared::{Error, Region};
use worker::{Method, Request, Response, Result, RouteContext};

/// Largest lease request accepted; a real one is well under 4 KiB.
const MAX_BODY: usize = 16 * 1024;

/// The widget calls from any site's pages. It sends `text/plain` so browsers skip the
/// preflight, but a preflight is answered too.
fn with_cors(mut resp: Response) -> Result<Response> {
    let h = resp.headers_mut();
    h.set("Access-Control-Allow-Origin", "*")?;
    h.set("Cache-Control", "no-store")?;
    Ok(resp)
}

pub fn preflight() -> Result<Response> {
    let mut resp = Response::empty()?.with_status(204);
    let h = resp.headers_mut();
    h.set("Access-Control-Allow-Origin", "*")?;
    h.set("Access-Control-Allow-Methods", "POST, OPTIONS")?;
    h.set("Access-Control-Allow-Headers", "content-type")?;
    h.set("Access-Control-Max-Age", "86400")?;
    Ok(resp)
}

/// The visitor's location from `request.cf` (a fixed fallback under `wrangler dev`).
fn region_of(req: &Request) -> Region {
    let cf = req.cf();
    Region {
        country: cf.and_then(|c| c.country()),
        region: cf.and_then(|c| c.region()),
        city: cf.and_then(|c| c.city()),
    }
}

pub async fn create(mut req: Request, ctx: RouteContext<()>) -> Result<Response> {
    let bytes = req.bytes().await?;
    if bytes.len() > MAX_BODY {
        return with_cors(error::respond(&Error::invalid("body is larger than 16 KiB"))?);
    }
    let body = match LeaseBody::parse(&bytes) {
        Ok(b) => b,
        Err(e) => return with_cors(error::respond(&e)?),
    };
    match RouteMirror::new(&ctx.env)?.site_known(&body.site).await {
        Ok(true) => {}
        Ok(false) => return with_cors(error::respond(&Error::UnknownSite(body.site))?),
        Err(e) => return with_cors(error::respond(&e)?),
    }
    let command =
        LeaseCommand { visitor: body.visitor.clone(), visit: body.visit(), region: region_of(&req) };
    let site = SiteStub::for_site(&ctx.env, &body.site)?;
    with_cors(site.send(Method::Post, "/lease", Some(&command), None).await?)
}
