//! The masking API, for the site's API token: `POST /v1/sites/{site}/masking/sessions` (201;
//! `Idempotency-Key` makes a retry return the session it opened), `GET …/sessions`
//! (`?state=open|closed&order_id=…&page=…`), `GET …/sessions/{id}` (with its calls),
//! `PATCH …/sessions/{id}` (ttl, names), `POST …/sessions/{id}/close`. A request's shape is
//! checked here; what depends on the site (its numbers, open sessions) in its object.

use super::calls::forward;
use crate::error::EdgeError;
use crate::http::{self, Limit, SiteCaller};
use crate::site_object::Command;
use shared::wire::{check_session_id, SessionBody, SessionPatch, SessionQuery};
use worker::{Request, Response, RouteContext};

pub async fn create(mut req: Request, ctx: RouteContext<()>) -> Result<Response, EdgeError> {
    let caller = SiteCaller::dashboard(&req, &ctx).await?;
    let key = req.headers().get("idempotency-key")?;
    let key = caller.vet(&ctx.env, key.as_deref().map(shared::check_idempotency_key).transpose()).await?;
    let bytes = caller.vet(&ctx.env, http::read(&mut req, &Limit::MASKING).await).await?;
    caller.vet(&ctx.env, SessionBody::parse(&bytes).map(drop)).await?;
    // Valid JSON, so valid UTF-8.
    let body = String::from_utf8_lossy(&bytes).into_owned();
    forward(&caller, &ctx, &Command::CreateMaskingSession { body, idempotency_key: key }).await
}

pub async fn list(req: Request, ctx: RouteContext<()>) -> Result<Response, EdgeError> {
    let caller = SiteCaller::dashboard(&req, &ctx).await?;
    let pairs: Vec<(String, String)> = req.url()?.query_pairs().into_owned().collect();
    caller.vet(&ctx.env, SessionQuery::parse(&pairs).map(drop)).await?;
    forward(&caller, &ctx, &Command::MaskingSessions(pairs)).await
}

pub async fn detail(req: Request, ctx: RouteContext<()>) -> Result<Response, EdgeError> {
    let (caller, id) = session(&req, &ctx).await?;
    forward(&caller, &ctx, &Command::MaskingSession(id)).await
}

pub async fn patch(mut req: Request, ctx: RouteContext<()>) -> Result<Response, EdgeError> {
    let (caller, id) = session(&req, &ctx).await?;
    let bytes = caller.vet(&ctx.env, http::read(&mut req, &Limit::MASKING).await).await?;
    let patch = caller.vet(&ctx.env, SessionPatch::parse(&bytes)).await?;
    forward(&caller, &ctx, &Command::PatchMaskingSession { id, patch }).await
}

pub async fn close(req: Request, ctx: RouteContext<()>) -> Result<Response, EdgeError> {
    let (caller, id) = session(&req, &ctx).await?;
    forward(&caller, &ctx, &Command::CloseMaskingSession(id)).await
}

/// The caller and the session id of the path (an id of the wrong shape names no session: 404).
async fn session(req: &Request, ctx: &RouteContext<()>) -> Result<(SiteCaller, String), EdgeError> {
    let caller = SiteCaller::dashboard(req, ctx).await?;
    let id = ctx.param("id").cloned().unwrap_or_default();
    caller.vet(&ctx.env, check_session_id(&id)).await?;
    Ok((caller, id))
}
