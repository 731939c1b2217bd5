//! The live stream: `POST /v1/sites/{site}/live/ticket` (site token) → a single-use ticket
//! valid a minute, so no long-lived token sits in a WebSocket URL or a log;
//! `GET /v1/sites/{site}/live?ticket=…&resume=…` (a WebSocket, accepted by the site's object,
//! see `site_object::live`); `GET /v1/sites/{site}/calls/live`: calls in progress now.

use super::calls::forward;
use crate::error::EdgeError;
use crate::http::SiteCaller;
use crate::kv_mirror::KvMirror;
use crate::site_object::{Command, SiteStub};
use shared::Error;
use worker::{Request, Response, RouteContext};

pub async fn ticket(req: Request, ctx: RouteContext<()>) -> Result<Response, EdgeError> {
    let caller = SiteCaller::dashboard(&req, &ctx).await?;
    forward(&caller, &ctx, &Command::LiveTicket).await
}

pub async fn calls(req: Request, ctx: RouteContext<()>) -> Result<Response, EdgeError> {
    let caller = SiteCaller::dashboard(&req, &ctx).await?;
    forward(&caller, &ctx, &Command::LiveCalls).await
}

/// The upgrade: a browser cannot set headers on a WebSocket, hence the ticket in the URL.
/// Without `Upgrade: websocket` → 426; an unknown site, or no ticket → 401; the ticket itself
/// is taken by the site's object (wrong, used, expired or another site's → 401).
pub async fn stream(req: Request, ctx: RouteContext<()>) -> Result<Response, EdgeError> {
    let upgrade = req.headers().get("upgrade")?.unwrap_or_default();
    if !upgrade.eq_ignore_ascii_case("websocket") {
        return Err(EdgeError::UpgradeRequired);
    }
    let site = ctx.param("site").cloned().unwrap_or_default();
    let url = req.url()?;
    let has_ticket = url.query_pairs().any(|(k, v)| k == "ticket" && !v.is_empty());
    if !shared::valid_site_id(&site) || !has_ticket || !KvMirror::new(&ctx.env)?.site_known(&site).await? {
        return Err(Error::Unauthorized.into());
    }
    // Only the ticket and resume go on, as the object reads them (a ticket is hex, a seq digits;
    // anything else is cut to what could be one, and refused there).
    let value = |name: &str| -> String {
        let raw = url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned()).unwrap_or_default();
        raw.chars().filter(char::is_ascii_alphanumeric).take(128).collect()
    };
    let mut query = format!("ticket={}", value("ticket"));
    if let Some((_, resume)) = url.query_pairs().find(|(k, _)| k == "resume") {
        if resume.is_empty() || resume.len() > 20 || !resume.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::invalid("resume must be the last seq the client saw (digits)").into());
        }
        query.push_str(&format!("&resume={resume}"));
    }
    Ok(SiteStub::for_site(&ctx.env, &site)?.upgrade(&query).await?)
}
