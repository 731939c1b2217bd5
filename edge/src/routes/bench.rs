//! `/v1/bench/*`: what the platform alone costs, for `make bench` to measure the lease and
//! call paths against in the same run. Served only with `BENCH_ROUTES=on` (`make dev` sets it;
//! elsewhere they are unknown endpoints, 404).
//!
//! - `GET /v1/bench/kv`: one Workers KV read, answered with the value read (a returning
//!   visitor's path reads the mirror and answers with it);
//! - `POST /v1/bench/kv`: the same after reading the request's body, as a page view sends
//!   the widget's JSON (the platform's part of a returning visitor's request: receive the
//!   page's body, read one key);
//! - `GET /v1/bench/object`: one round trip to a Durable Object that does nothing;
//! - `POST /v1/bench/object-kv`: the same, the object making one KV put (a new lease's
//!   object writes its state and the mirror).
//!
//! `?key=` (up to 32 of `0-9a-z-`) reads and writes `bench:probe:{key}`, a key per client as
//! each visitor has its own; without it, `bench:probe`.
//!
//! The object is one no site can have (`~bench`: site ids are `[a-z0-9_-]`), asked through the
//! same stub and command path as a site's.

use crate::config;
use crate::error::EdgeError;
use crate::kv_mirror::KvMirror;
use crate::site_object::{Command, SiteStub};
use worker::{Method, Request, Response, RouteContext};

/// The Durable Object the baselines use.
const BENCH_OBJECT: &str = "~bench";

fn enabled(ctx: &RouteContext<()>) -> Result<(), EdgeError> {
    if config::bench_routes(&ctx.env) {
        Ok(())
    } else {
        Err(EdgeError::NoEndpoint)
    }
}

/// The `key` query parameter, if any (anything else is refused).
fn key(req: &Request) -> Result<Option<String>, EdgeError> {
    let url = req.url()?;
    let key = url.query_pairs().find(|(k, _)| k == "key").map(|(_, v)| v.into_owned());
    let allowed = |k: &str| {
        !k.is_empty()
            && k.len() <= 32
            && k.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_lowercase() || b == b'-')
    };
    match key {
        Some(k) if !allowed(&k) => {
            Err(shared::Error::invalid("key must be 1-32 of 0-9, a-z and -").at("key").into())
        }
        key => Ok(key),
    }
}

pub async fn kv(mut req: Request, ctx: RouteContext<()>) -> Result<Response, EdgeError> {
    enabled(&ctx)?;
    if req.method() == Method::Post {
        // Read and dropped: the body costs what receiving it costs, nothing more.
        req.bytes().await?;
    }
    let value = KvMirror::new(&ctx.env)?.get_bench(key(&req)?.as_deref()).await?;
    let mut resp = Response::ok(value.unwrap_or_else(|| "null".into()))?;
    resp.headers_mut().set("content-type", "application/json")?;
    Ok(resp)
}

pub async fn object(_: Request, ctx: RouteContext<()>) -> Result<Response, EdgeError> {
    enabled(&ctx)?;
    let command = Command::Bench { kv_put: false, key: None };
    Ok(SiteStub::for_site(&ctx.env, BENCH_OBJECT)?.send(&command, None).await?)
}

pub async fn object_kv(req: Request, ctx: RouteContext<()>) -> Result<Response, EdgeError> {
    enabled(&ctx)?;
    let command = Command::Bench { kv_put: true, key: key(&req)? };
    Ok(SiteStub::for_site(&ctx.env, BENCH_OBJECT)?.send(&command, None).await?)
}
