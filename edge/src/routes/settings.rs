//! `GET` and `PATCH /v1/sites/{site}/settings`: the site's settings for its owner, with the
//! site's API token (see `shared::SiteSettings`). The token itself and the secrets are never
//! sent back; a change goes through the same checks as the admin's `PUT /v1/sites/{site}`.

use super::calls::forward;
use crate::error::EdgeError;
use crate::http::{self, Limit, SiteCaller};
use crate::site_object::Command;
use shared::wire::IdentificationTestBody;
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

/// `POST /v1/sites/{site}/settings/caller-identification/test` (JSON `{"customer_id"}`, or no
/// body): posts a sample identification request to the site's CRM and answers what it said,
/// how long it took and what a call would do with it (see `shared::wire::IdentificationTest`).
pub async fn test_identification(mut req: Request, ctx: RouteContext<()>) -> Result<Response, EdgeError> {
    let caller = SiteCaller::dashboard(&req, &ctx).await?;
    let bytes = caller.vet(&ctx.env, http::read(&mut req, &Limit::SMALL_JSON).await).await?;
    let body: shared::Result<IdentificationTestBody> = if bytes.iter().all(u8::is_ascii_whitespace) {
        Ok(IdentificationTestBody::default())
    } else {
        shared::parse_json(&bytes, "test request")
    };
    let body = caller.vet(&ctx.env, body).await?;
    forward(&caller, &ctx, &Command::TestIdentification(body)).await
}
