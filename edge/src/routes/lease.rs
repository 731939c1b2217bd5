//! The widget's lease calls: `POST /v1/lease` (a number for this visitor), `/v1/lease/renew`
//! (heartbeat while the page is visible) and `/v1/lease/release` (the page was closed).
//! Errors are answered with CORS (`Dialect::Cors`), so the widget can read them.

use crate::clock::now;
use crate::error::EdgeError;
use crate::http::{self, with_cors_for, Limit};
use crate::kv_mirror::KvMirror;
use crate::site_object::{Command, SiteStub};
use shared::wire::{LeaseBody, LeaseCommand, LeaseRef};
use shared::{Error, Region};
use worker::{Request, Response, RouteContext};

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

/// The page a request may come from, checked against the site's allow-list
/// (`shared::origin_allowed`): the `Access-Control-Allow-Origin` to answer with (`*` for a site that
/// allows any page, else the page's own origin). Unknown sites never reach a Durable Object.
async fn gate(req: &Request, mirror: &KvMirror, site: &str) -> Result<String, EdgeError> {
    let origin = req.headers().get("origin")?;
    let Some(allowed) = mirror.gate(site).await? else {
        return Err(Error::UnknownSite(site.to_string()).into());
    };
    if !shared::origin_allowed(&allowed, origin.as_deref()) {
        // A 403: answered without a CORS header (see `Dialect::Cors`), so the page's script
        // cannot read the refusal, and keeps its own number.
        return Err(Error::Forbidden(format!(
            "pages on {} may not use site {site:?}; its owner lists the pages that may in its settings",
            origin.as_deref().unwrap_or("?")
        ))
        .into());
    }
    Ok(match (&origin, allowed.is_empty()) {
        (Some(o), false) => o.clone(),
        _ => "*".to_string(),
    })
}

pub async fn create(mut req: Request, ctx: RouteContext<()>) -> Result<Response, EdgeError> {
    let body = LeaseBody::parse(&http::read(&mut req, &Limit::LEASE).await?)?;
    let mirror = KvMirror::new(&ctx.env)?;
    let allow = gate(&req, &mirror, &body.site).await?;
    // A page view within a visit already credited, with a lease that has time to spare: the
    // mirror answers and the site's object is not involved.
    let visit = body.visit();
    let line = body.line().ok().flatten();
    let mirror_key = match &line {
        Some(b) => format!("{}:{}", body.visitor, b.e164()),
        None => body.visitor.clone(),
    };
    let lines = body.other_lines();
    // Nothing is mirrored for a visitor who did not consent: the site's object answers.
    if visit.is_internal_navigation() && body.consented() {
        let mirrored = mirror.get_visitor_text(&body.site, &mirror_key).await;
        // A mirrored grant for the main line also answers a lease asking for it by number.
        if let Ok(Some((mut grant, text))) =
            mirrored.map(|g| g.filter(|(g, _)| line.as_ref().is_none_or(|b| g.replaces == b.e164())))
        {
            // The other lines asked for: each from the mirror too, or all from the object.
            let mut all = grant.serves_from_mirror(&visit, now());
            let asked = lines.iter().filter(|l| grant.other_business_numbers.iter().any(|o| o == l.e164()));
            for other in asked.take_while(|_| all).collect::<Vec<_>>() {
                let key = format!("{}:{}", body.visitor, other.e164());
                match mirror.get_visitor(&body.site, &key).await {
                    Ok(Some(g)) if g.replaces == other.e164() && g.serves_from_mirror(&visit, now()) => {
                        grant.lines.push(g)
                    }
                    _ => {
                        all = false;
                        break;
                    }
                }
            }
            if all {
                // The grant as the site's object wrote it, unless other lines were added.
                let answer = if grant.lines.is_empty() {
                    let mut resp = Response::ok(text)?;
                    resp.headers_mut().set("content-type", "application/json")?;
                    resp
                } else {
                    Response::from_json(&grant)?
                };
                let mut resp = with_cors_for(answer, &allow)?;
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
        consent: body.consented(),
        lines,
    };
    let site = SiteStub::for_site(&ctx.env, &body.site)?;
    let mut resp = with_cors_for(site.send(&Command::Lease(command), None).await?, &allow)?;
    resp.headers_mut().set(SERVED_BY, "object")?;
    Ok(resp)
}

/// The client's address for the per-address rate limit: `CF-Connecting-IP`, which Cloudflare
/// sets on every request (a client cannot forge it there). A loopback address identifies no
/// client (it is `wrangler dev` on this machine), so it has no per-address budget.
fn client_ip(req: &Request) -> worker::Result<Option<String>> {
    let ip = req.headers().get("cf-connecting-ip")?.map(|ip| ip.trim().to_string());
    Ok(ip.filter(|ip| {
        let loopback = ip.parse::<std::net::IpAddr>().is_ok_and(|a| a.is_loopback() || a.is_unspecified());
        !ip.is_empty() && ip.len() <= 64 && !loopback
    }))
}

/// Says which path answered a lease request: `edge` (the KV mirror) or `object`.
const SERVED_BY: &str = "x-ringtrace-served-by";

/// Forwards a renew or release to the site's object.
async fn on_lease(
    mut req: Request,
    ctx: RouteContext<()>,
    command: fn(LeaseRef) -> Command,
) -> Result<Response, EdgeError> {
    let body = LeaseRef::parse(&http::read(&mut req, &Limit::LEASE).await?)?;
    let allow = gate(&req, &KvMirror::new(&ctx.env)?, &body.site).await?;
    let site = SiteStub::for_site(&ctx.env, &body.site)?;
    Ok(with_cors_for(site.send(&command(body), None).await?, &allow)?)
}

pub async fn renew(req: Request, ctx: RouteContext<()>) -> Result<Response, EdgeError> {
    on_lease(req, ctx, Command::Renew).await
}

/// Also reached by `navigator.sendBeacon` when the page closes.
pub async fn release(req: Request, ctx: RouteContext<()>) -> Result<Response, EdgeError> {
    on_lease(req, ctx, Command::Release).await
}

/// `GET /v1/widget/{site}?number=+1555…`: for a `?ringtrace_number=` test override, whether
/// that number is one of the site's tracking numbers and which business number it stands in
/// for (`{"number", "replaces"}`; 404 otherwise, so nobody can put their own number on a
/// customer's page through a link). Without `number`: the site's business numbers.
pub async fn widget_config(req: Request, ctx: RouteContext<()>) -> Result<Response, EdgeError> {
    let site = ctx.param("site").cloned().unwrap_or_default();
    if !shared::valid_site_id(&site) {
        return Err(Error::UnknownSite(site).into());
    }
    let Some(summary) = KvMirror::new(&ctx.env)?.site(&site).await? else {
        return Err(Error::UnknownSite(site).into());
    };
    let url = req.url()?;
    if let Some((k, _)) = url.query_pairs().find(|(k, _)| k != "number") {
        let e = Error::invalid(format!("unknown query parameter {k:?}; this endpoint takes number"));
        return Err(e.at(k.into_owned()).into());
    }
    let asked = url.query_pairs().find(|(k, _)| k == "number").map(|(_, v)| v.into_owned());
    let body = match asked.map(|n| shared::PhoneNumber::parse(&n)).transpose()? {
        None => serde_json::json!({
            "site": summary.site,
            "business_number": summary.business_number,
            "business_numbers": summary.business_numbers,
        }),
        Some(number) => {
            let main = shared::PhoneNumber::parse(&summary.business_number).ok();
            let pool = summary.pool.iter().map(|e| (&e.number, e.business_number.as_ref()));
            let statics = summary.static_numbers.iter().map(|r| (&r.number, r.business_number.as_ref()));
            let found = pool.chain(statics).find(|(n, _)| **n == number);
            let Some((_, line)) = found else {
                return Err(
                    Error::NotFound(format!("{number} is not a tracking number of site {site:?}")).into()
                );
            };
            let replaces = line.or(main.as_ref()).map(|b| b.e164().to_string());
            serde_json::json!({ "number": number.e164(), "replaces": replaces })
        }
    };
    let mut resp = Response::from_json(&body)?;
    resp.headers_mut().set("Access-Control-Allow-Origin", "*")?;
    resp.headers_mut().set("Cache-Control", "public, max-age=60")?;
    Ok(resp)
}
