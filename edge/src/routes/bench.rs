//! `/v1/bench/*`: what the platform alone costs, for `make bench` to measure the lease and
//! call paths against in the same run. Served only with `BENCH_ROUTES=on` (`make dev` sets it;
//! elsewhere they are unknown endpoints, 404).
//!
//! - `GET /v1/bench/kv`: one Workers KV read (a returning visitor's path reads the mirror);
//! - `GET /v1/bench/object`: one round trip to a Durable Object that does nothing;
//! - `POST /v1/bench/object-kv`: the same, the object making one KV put (a new lease's
//!   object writes its state and the mirror).
//!
//! The object is one no site can have (`~bench`: site ids are `[a-z0-9_-]`), asked through the
//! same stub and command path as a site's.

use crate::config;
use crate::error::EdgeError;
use crate::kv_mirror::KvMirror;
use crate::site_object::{Command, SiteStub};
use worker::{Request, Response, RouteContext};

/// The Durable Object the baselines use.
const BENCH_OBJECT: &str = "~bench";

fn enabled(ctx: &RouteContext<()>) -> Result<(), EdgeError> {
    if config::bench_routes(&ctx.env) {
        Ok(())
    } else {
        Err(EdgeError::NoEndpoint)
    }
}

pub async fn kv(_: Request, ctx: RouteContext<()>) -> Result<Response, EdgeError> {
    enabled(&ctx)?;
    let value = KvMirror::new(&ctx.env)?.get_bench().await?;
    Ok(Response::from_json(&serde_json::json!({ "ok": true, "found": value.is_some() }))?)
}

pub async fn object(_: Request, ctx: RouteContext<()>) -> Result<Response, EdgeError> {
    enabled(&ctx)?;
    Ok(SiteStub::for_site(&ctx.env, BENCH_OBJECT)?.send(&Command::Bench { kv_put: false }, None).await?)
}

pub async fn object_kv(_: Request, ctx: RouteContext<()>) -> Result<Response, EdgeError> {
    enabled(&ctx)?;
    Ok(SiteStub::for_site(&ctx.env, BENCH_OBJECT)?.send(&Command::Bench { kv_put: true }, None).await?)
}
