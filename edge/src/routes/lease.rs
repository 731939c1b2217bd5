//! The widget's lease calls: `POST /v1/lease` (a number for this visitor), `/v1/lease/renew`
//! (heartbeat while the page is visible) and `/v1/lease/release` (the page was closed).

use crate::error;
use crate::store::site_object::EdgeClock;
use crate::store::{RouteMirror, SiteStub};
use shared::api::{LeaseBody, LeaseCommand, LeaseRef};
use shared::Clock;
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
        region_code: cf.and_then(|c| c.region_code()),
        city: cf.and_then(|c| c.city()),
    }
}

/// Reads a bounded body and parses it; `Err` is the answer to send.
async fn read<T>(req: &mut Request, parse: fn(&[u8]) -> shared::Result<T>) -> Result<Result<T, Response>> {
    let declared = req.headers().get("content-length")?.and_then(|v| v.trim().parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_BODY) {
        return Ok(Err(with_cors(error::respond(&Error::PayloadTooLarge(MAX_BODY))?)?));
    }
    let bytes = req.bytes().await?;
    if bytes.len() > MAX_BODY {
        return Ok(Err(with_cors(error::respond(&Error::invalid("body is larger than 16 KiB"))?)?));
    }
    match parse(&bytes) {
        Ok(body) => Ok(Ok(body)),
        Err(e) => Ok(Err(with_cors(error::respond(&e)?)?)),
    }
}

/// The page a request may come from, checked against the site's allow-list
/// (`shared::origin`): `Ok` with the `Access-Control-Allow-Origin` to answer with (`*` for a
/// site that allows any page, else the page's own origin); otherwise the answer to send. Unknown
/// sites never reach a Durable Object.
async fn gate(req: &Request, ctx: &RouteContext<()>, site: &str) -> Result<Result<String, Response>> {
    let origin = req.headers().get("origin")?;
    match RouteMirror::new(&ctx.env)?.gate(site).await {
        Ok(Some(allowed)) if shared::origin::origin_allowed(&allowed, origin.as_deref()) => {
            let allow = match (&origin, allowed.is_empty()) {
                (Some(o), false) => o.clone(),
                _ => "*".to_string(),
            };
            Ok(Ok(allow))
        }
        // No CORS header: the page's script cannot read the refusal, and keeps its own number.
        Ok(Some(_)) => Ok(Err(error::respond(&Error::Forbidden(format!(
            "pages on {} may not use site {site:?}; its owner lists the pages that may in its settings",
            origin.as_deref().unwrap_or("?")
        )))?)),
        Ok(None) => Ok(Err(with_cors(error::respond(&Error::UnknownSite(site.to_string()))?)?)),
        Err(e) => Ok(Err(with_cors(error::respond(&e)?)?)),
    }
}

/// `with_cors` for one page's origin (`*` for any): the answer varies with `Origin`.
fn with_cors_for(resp: Response, allow: &str) -> Result<Response> {
    let mut resp = with_cors(resp)?;
    if allow != "*" {
        resp.headers_mut().set("Access-Control-Allow-Origin", allow)?;
        resp.headers_mut().set("Vary", "Origin")?;
    }
    Ok(resp)
}

pub async fn create(mut req: Request, ctx: RouteContext<()>) -> Result<Response> {
    let body = match read(&mut req, LeaseBody::parse).await? {
        Ok(b) => b,
        Err(answer) => return Ok(answer),
    };
    let allow = match gate(&req, &ctx, &body.site).await? {
        Ok(allow) => allow,
        Err(answer) => return Ok(answer),
    };
    // A page view within a visit already credited, with a lease that has time to spare: the
    // mirror answers and the site's object is not involved.
    let visit = body.visit();
    let line = body.line().ok().flatten();
    let mirror_key = match &line {
        Some(b) => format!("{}:{}", body.visitor, b.e164()),
        None => body.visitor.clone(),
    };
    if visit.is_internal_navigation() {
        let mirrored = RouteMirror::new(&ctx.env)?.get_visitor(&body.site, &mirror_key).await;
        // A mirrored grant for the main line also answers a lease asking for it by number.
        if let Ok(Some(grant)) =
            mirrored.map(|g| g.filter(|g| line.as_ref().is_none_or(|b| g.replaces == b.e164())))
        {
            if grant.serves_from_mirror(&visit, EdgeClock.now()) {
                let mut resp = with_cors_for(Response::from_json(&grant)?, &allow)?;
                resp.headers_mut().set(SERVED_BY, "edge")?;
                return Ok(resp);
            }
        }
    }
    let command = LeaseCommand {
        visitor: body.visitor.clone(),
        visit: body.visit(),
        region: region_of(&req),
        business_number: line,
        client_ip: client_ip(&req)?,
    };
    let site = SiteStub::for_site(&ctx.env, &body.site)?;
    let mut resp = with_cors_for(site.send(Method::Post, "/lease", Some(&command), None).await?, &allow)?;
    resp.headers_mut().set(SERVED_BY, "object")?;
    Ok(resp)
}

/// The client's address for the per-address rate limit: `CF-Connecting-IP`, which Cloudflare
/// sets on every request (a client cannot forge it there). A loopback address identifies no
/// client (it is `wrangler dev` on this machine), so it has no per-address budget.
fn client_ip(req: &Request) -> Result<Option<String>> {
    let ip = req.headers().get("cf-connecting-ip")?.map(|ip| ip.trim().to_string());
    Ok(ip.filter(|ip| {
        let loopback = ip.parse::<std::net::IpAddr>().is_ok_and(|a| a.is_loopback() || a.is_unspecified());
        !ip.is_empty() && ip.len() <= 64 && !loopback
    }))
}

/// Says which path answered a lease request: `edge` (the KV mirror) or `object`.
const SERVED_BY: &str = "x-ringtrace-served-by";

/// Forwards a renew or release to the site's object.
async fn on_lease(mut req: Request, ctx: RouteContext<()>, path: &str) -> Result<Response> {
    let body = match read(&mut req, LeaseRef::parse).await? {
        Ok(b) => b,
        Err(answer) => return Ok(answer),
    };
    let allow = match gate(&req, &ctx, &body.site).await? {
        Ok(allow) => allow,
        Err(answer) => return Ok(answer),
    };
    let site = SiteStub::for_site(&ctx.env, &body.site)?;
    with_cors_for(site.send(Method::Post, path, Some(&body), None).await?, &allow)
}

pub async fn renew(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    on_lease(req, ctx, "/renew").await
}

/// Also reached by `navigator.sendBeacon` when the page closes.
pub async fn release(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    on_lease(req, ctx, "/release").await
}

/// `GET /v1/widget/{site}?number=+1555…`: for a `?ringtrace_number=` test override, whether
/// that number is one of the site's tracking numbers and which business number it stands in
/// for (`{"number", "replaces"}`; 404 otherwise, so nobody can put their own number on a
/// customer's page through a link). Without `number`: the site's business numbers.
pub async fn widget_config(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    let site = ctx.param("site").cloned().unwrap_or_default();
    if !shared::valid_site_id(&site) {
        return with_cors(error::respond(&Error::UnknownSite(site))?);
    }
    match RouteMirror::new(&ctx.env)?.site(&site).await {
        Ok(Some(summary)) => {
            let url = req.url()?;
            if let Some((k, _)) = url.query_pairs().find(|(k, _)| k != "number") {
                let e = Error::invalid(format!("unknown query parameter {k:?}; this endpoint takes number"));
                return with_cors(error::respond(&e.at(k.into_owned()))?);
            }
            let asked = url.query_pairs().find(|(k, _)| k == "number").map(|(_, v)| v.into_owned());
            let body = match asked.map(|n| shared::PhoneNumber::parse(&n)) {
                None => serde_json::json!({
                    "site": summary.site,
                    "business_number": summary.business_number,
                    "business_numbers": summary.business_numbers,
                }),
                Some(Ok(number)) => {
                    let main = shared::PhoneNumber::parse(&summary.business_number).ok();
                    let pool = summary.pool.iter().map(|e| (&e.number, e.business_number.as_ref()));
                    let statics =
                        summary.static_numbers.iter().map(|r| (&r.number, r.business_number.as_ref()));
                    let found = pool.chain(statics).find(|(n, _)| **n == number);
                    let Some((_, line)) = found else {
                        return with_cors(error::respond(&Error::NotFound(format!(
                            "{number} is not a tracking number of site {site:?}"
                        )))?);
                    };
                    let replaces = line.or(main.as_ref()).map(|b| b.e164().to_string());
                    serde_json::json!({ "number": number.e164(), "replaces": replaces })
                }
                Some(Err(e)) => return with_cors(error::respond(&e)?),
            };
            let mut resp = Response::from_json(&body)?;
            resp.headers_mut().set("Access-Control-Allow-Origin", "*")?;
            resp.headers_mut().set("Cache-Control", "public, max-age=60")?;
            Ok(resp)
        }
        Ok(None) => with_cors(error::respond(&Error::UnknownSite(site))?),
        Err(e) => with_cors(error::respond(&e)?),
    }
}
