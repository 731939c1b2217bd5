//! `GET` and `PATCH /v1/sites/{site}/settings`: the site's settings for its owner, with the
//! site's API token (see `shared::SiteSettings`). The token itself and the secrets are never
//! sent back; a change goes through the same checks as the admin's `PUT /v1/sites/{site}`.

use super::calls::forward;
use crate::error::EdgeError;
use crate::http::{self, Limit, SiteCaller};
use crate::site_object::Command;
use shared::Error;
use worker::{Request, Response, RouteContext};

pub async fn get(req: Request, ctx: RouteContext<()>) -> Result<Response, EdgeError> {
    let caller = SiteCaller::dashboard(&req, &ctx).await?;
    forward(&caller, &ctx, &Command::Settings).await
}

pub async fn patch(mut req: Request, ctx: RouteContext<()>) -> Result<Response, EdgeError> {
    let caller = SiteCaller::dashboard(&req, &ctx).await?;
    let bytes = caller.vet(&ctx.env, http::read(&mut req, &Limit::SETTINGS).await).await?;
    caller.vet(&ctx.env, check_patch(&bytes)).await?;
    // Valid JSON, so valid UTF-8.
    let patch = String::from_utf8_lossy(&bytes).into_owned();
    forward(&caller, &ctx, &Command::UpdateSettings(patch)).await
}

/// The body must be a patch: a JSON object of the settings to change.
fn check_patch(bytes: &[u8]) -> shared::Result<()> {
    match http::json(bytes)? {
        serde_json::Value::Object(_) => Ok(()),
        _ => Err(Error::invalid("body must be a JSON object of the settings to change")),
    }
}
