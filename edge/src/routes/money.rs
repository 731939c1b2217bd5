//! Money, for the site's API token: `POST /v1/sites/{site}/spend[?replace=true]` (a CSV or
//! JSON rows of ad spend), `GET …/spend?from&to&group_by`, `DELETE …/spend?from&to`, `PATCH …/calls/{id}` (a
//! call's value, conversion, note, tags) and `GET …/exports/google-ads.csv` (offline click
//! conversions in Google's template). Shapes are checked here; amounts in the site's currency
//! and everything else that depends on the site in its object.

use super::calls::forward;
use crate::clock::now;
use crate::error::EdgeError;
use crate::http::{self, Limit, SiteCaller};
use crate::site_object::Command;
use shared::{CallPatch, Error};
use worker::{Request, Response, RouteContext};

/// Content types an upload may declare (none: told by its first character).
const SPEND_TYPES: &[&str] = &["text/csv", "application/json", "text/plain", "text/tab-separated-values"];

pub async fn upload_spend(mut req: Request, ctx: RouteContext<()>) -> Result<Response, EdgeError> {
    let caller = SiteCaller::dashboard(&req, &ctx).await?;
    let pairs: Vec<(String, String)> = req.url()?.query_pairs().into_owned().collect();
    let replace = caller.vet(&ctx.env, shared::replace_param(&pairs)).await?;
    let content_type = req.headers().get("content-type")?;
    let essence =
        content_type.as_deref().map(|t| t.split(';').next().unwrap_or("").trim().to_ascii_lowercase());
    if essence.as_deref().is_some_and(|t| !t.is_empty() && !SPEND_TYPES.contains(&t)) {
        let refused: Result<(), Error> = Err(Error::UnsupportedMediaType("text/csv or application/json"));
        caller.vet(&ctx.env, refused).await?;
    }
    let bytes = caller.vet(&ctx.env, http::read(&mut req, &Limit::SPEND).await).await?;
    let csv = shared::is_csv(essence.as_deref(), &bytes);
    let text = caller
        .vet(&ctx.env, String::from_utf8(bytes).map_err(|_| Error::invalid("the upload is not UTF-8 text")));
    let body = text.await?;
    forward(&caller, &ctx, &Command::UploadSpend { body, csv, replace }).await
}

pub async fn list_spend(req: Request, ctx: RouteContext<()>) -> Result<Response, EdgeError> {
    spend_query(req, ctx, false).await
}

pub async fn delete_spend(req: Request, ctx: RouteContext<()>) -> Result<Response, EdgeError> {
    spend_query(req, ctx, true).await
}

async fn spend_query(req: Request, ctx: RouteContext<()>, delete: bool) -> Result<Response, EdgeError> {
    let caller = SiteCaller::dashboard(&req, &ctx).await?;
    let pairs: Vec<(String, String)> = req.url()?.query_pairs().into_owned().collect();
    let today = now().millis().div_euclid(86_400_000);
    caller.vet(&ctx.env, shared::SpendQuery::parse(&pairs, today, delete).map(drop)).await?;
    let command = if delete { Command::DeleteSpend(pairs) } else { Command::Spend(pairs) };
    forward(&caller, &ctx, &command).await
}

pub async fn patch_call(mut req: Request, ctx: RouteContext<()>) -> Result<Response, EdgeError> {
    let caller = SiteCaller::dashboard(&req, &ctx).await?;
    let call_sid = ctx.param("call_sid").cloned().unwrap_or_default();
    caller.vet(&ctx.env, shared::check_call_id(&call_sid).map(drop)).await?;
    let bytes = caller.vet(&ctx.env, http::read(&mut req, &Limit::CALL_PATCH).await).await?;
    let patch = caller.vet(&ctx.env, CallPatch::parse(&bytes)).await?;
    forward(&caller, &ctx, &Command::PatchCall { call_sid, patch }).await
}

/// The Google Ads file, for the site's token as a bearer token or as Basic credentials (a
/// scheduled upload from this URL in Google Ads: user the site's id, password its token).
pub async fn google_ads(req: Request, ctx: RouteContext<()>) -> Result<Response, EdgeError> {
    let caller = SiteCaller::export(&req, &ctx).await?;
    let pairs: Vec<(String, String)> = req.url()?.query_pairs().into_owned().collect();
    // Checked with UTC here; the object reads dates in the site's zone.
    caller.vet(&ctx.env, shared::GoogleAdsQuery::parse(&pairs, now(), "UTC").map(drop)).await?;
    forward(&caller, &ctx, &Command::GoogleAdsExport(pairs)).await
}
