//! The data lifecycle's endpoints, with the site's API token: erasure on request (GDPR art.
//! 17, CCPA) of a visitor (`DELETE /v1/sites/{site}/visitors/{visitor_id}`) or a caller
//! (`DELETE /v1/sites/{site}/callers/{number}`), and the audit log of those erasures
//! (`GET /v1/sites/{site}/audit?limit&before`). What an erasure leaves is in
//! `shared::calls::erasure`; retention runs in the site's object's alarm, not here.

use super::calls::forward;
use crate::error::EdgeError;
use crate::http::{path_param, SiteCaller};
use crate::site_object::Command;
use shared::wire::ExportPage;
use worker::{Request, Response, RouteContext};

pub async fn erase_visitor(req: Request, ctx: RouteContext<()>) -> Result<Response, EdgeError> {
    let caller = SiteCaller::dashboard(&req, &ctx).await?;
    forward(&caller, &ctx, &Command::EraseVisitor(path_param(&ctx, "visitor_id"))).await
}

pub async fn erase_caller(req: Request, ctx: RouteContext<()>) -> Result<Response, EdgeError> {
    let caller = SiteCaller::dashboard(&req, &ctx).await?;
    forward(&caller, &ctx, &Command::EraseCaller(path_param(&ctx, "number"))).await
}

pub async fn audit(req: Request, ctx: RouteContext<()>) -> Result<Response, EdgeError> {
    let caller = SiteCaller::dashboard(&req, &ctx).await?;
    let pairs: Vec<(String, String)> = req.url()?.query_pairs().into_owned().collect();
    caller.vet(&ctx.env, shared::wire::AuditQuery::parse(&pairs).map(drop)).await?;
    forward(&caller, &ctx, &Command::Audit(pairs)).await
}

/// `GET /v1/sites/{site}/export?from&to`: the site's calls, sessions and spend as NDJSON
/// (`shared::wire::ExportLine`), streamed: each page is asked of the site's object as the
/// client reads the one before, so neither side holds the whole export. The site's token as
/// Bearer, or as Basic (a scheduled backup's fetch). A failure after the first page cuts the
/// body short (logged); the last line of a complete export is the last spend day's, or the
/// header's when the site has nothing.
pub async fn export(req: Request, ctx: RouteContext<()>) -> Result<Response, EdgeError> {
    let caller = SiteCaller::export(&req, &ctx).await?;
    let pairs: Vec<(String, String)> = req.url()?.query_pairs().into_owned().collect();
    caller.vet(&ctx.env, shared::wire::ExportQuery::parse(&pairs).map(drop)).await?;
    let mut first =
        caller.send(&ctx.env, &Command::ExportPage { query: pairs.clone(), cursor: None }).await?;
    if first.status_code() != 200 {
        return Err(EdgeError::Relayed(first));
    }
    let first: ExportPage = first.json().await?;
    let site = caller.site.clone();
    let env = ctx.env.clone();
    let start = (Some(first.ndjson), first.next);
    let pages = futures_util::stream::unfold(start, move |(text, next)| {
        let (caller, env, pairs) = (
            SiteCaller { site: caller.site.clone(), authorization: caller.authorization.clone() },
            env.clone(),
            pairs.clone(),
        );
        async move {
            if let Some(text) = text {
                return Some((Ok::<Vec<u8>, worker::Error>(text.into_bytes()), (None, next)));
            }
            let cursor = next?;
            let page = async {
                let mut answer =
                    caller.send(&env, &Command::ExportPage { query: pairs, cursor: Some(cursor) }).await?;
                if answer.status_code() != 200 {
                    return Err(worker::Error::RustError(format!(
                        "the site's object answered {}",
                        answer.status_code()
                    )));
                }
                answer.json::<ExportPage>().await
            }
            .await;
            match page {
                Ok(page) => Some((Ok(page.ndjson.into_bytes()), (None, page.next))),
                Err(e) => {
                    worker::console_error!("site {}: an export stopped: {e}", caller.site);
                    Some((Err(e), (None, None)))
                }
            }
        }
    });
    let mut resp = Response::from_stream(pages)?;
    let h = resp.headers_mut();
    h.set("content-type", "application/x-ndjson; charset=utf-8")?;
    h.set("content-disposition", &format!("attachment; filename=\"{site}-export.ndjson\""))?;
    h.set("cache-control", "no-store")?;
    Ok(resp)
}
