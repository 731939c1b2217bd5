//! The edge's settings: binding names and secrets, read from `wrangler.toml` / `.dev.vars`.

use worker::Env;

/// Workers KV namespace mirroring number routes and leases for every edge location.
pub const KV_BINDING: &str = "RINGTRACE";
/// Durable Object namespace: one object per site, the single writer of its pool.
pub const SITES_BINDING: &str = "SITES";
/// Secret that authorises `PUT /v1/sites/{site}` (site provisioning).
pub const ADMIN_TOKEN: &str = "ADMIN_TOKEN";

pub fn admin_token(env: &Env) -> Option<String> {
    var(env, ADMIN_TOKEN)
}

/// `TWILIO_SIGNATURES=off` turns the `X-Twilio-Signature` check off (local development only).
pub fn twilio_signatures_enforced(env: &Env) -> bool {
    !matches!(var(env, "TWILIO_SIGNATURES").as_deref(), Some("off" | "false" | "0"))
}

/// A deployment-wide Twilio auth token, for sites without their own.
pub fn twilio_auth_token(env: &Env) -> Option<String> {
    var(env, "TWILIO_AUTH_TOKEN")
}

/// The keys the sites' secrets are sealed with at rest (`SECRETS_KEY`, and during a rotation
/// `SECRETS_KEY_PREVIOUS`; see `shared::SecretKeys`). `None` when `SECRETS_KEY` is not set.
pub fn secret_keys(env: &Env) -> shared::Result<Option<shared::SecretKeys>> {
    shared::SecretKeys::from_vars(
        var(env, "SECRETS_KEY").as_deref(),
        var(env, "SECRETS_KEY_PREVIOUS").as_deref(),
    )
}

/// The origin Twilio reaches this edge at, when a proxy or tunnel sits in front of it.
pub fn public_url(env: &Env) -> Option<String> {
    var(env, "PUBLIC_URL")
}

/// `TRUST_FORWARDED_HEADERS=on`: a proxy in front of the edge sets `X-Forwarded-Proto` /
/// `-Host` to the URL Twilio called (ignored when `PUBLIC_URL` is set).
pub fn trust_forwarded_headers(env: &Env) -> bool {
    matches!(var(env, "TRUST_FORWARDED_HEADERS").as_deref(), Some("on" | "true" | "1"))
}

/// How often a site's object prunes what is past its retention (default daily; the suites
/// shorten it).
pub fn retention_every_ms(env: &Env) -> i64 {
    var(env, "RETENTION_EVERY_SECS")
        .and_then(|v| v.parse::<i64>().ok())
        .filter(|s| *s > 0)
        .map_or(86_400_000, |s| s.saturating_mul(1000))
}

/// First retry delay of a failed CRM webhook.
pub fn webhook_retry_base_ms(env: &Env) -> i64 {
    var(env, "WEBHOOK_RETRY_BASE_MS")
        .and_then(|v| v.parse::<i64>().ok())
        .filter(|ms| *ms > 0)
        .unwrap_or(shared::DEFAULT_RETRY_BASE_MS)
}

/// Where GA4 Measurement Protocol events go (`GA4_ENDPOINT`, an origin; tests point it at a
/// local stand-in): Google's by default.
pub fn ga4_origin(env: &Env) -> String {
    var(env, "GA4_ENDPOINT").unwrap_or_else(|| shared::GA4_ORIGIN.to_string())
}

/// Where Meta Conversions API events go (`META_ENDPOINT`): Meta's Graph API by default.
pub fn meta_origin(env: &Env) -> String {
    var(env, "META_ENDPOINT").unwrap_or_else(|| shared::META_ORIGIN.to_string())
}

/// A secret or plain variable, `None` when unset or empty.
/// `BENCH_ROUTES=on` serves `/v1/bench/*`, the platform baselines `make bench` measures the
/// lease and call paths against (on for `make dev`, off unless set: never in production).
pub fn bench_routes(env: &Env) -> bool {
    var(env, "BENCH_ROUTES").as_deref() == Some("on")
}

fn var(env: &Env, name: &str) -> Option<String> {
    env.secret(name)
        .map(|s| s.to_string())
        .or_else(|_| env.var(name).map(|v| v.to_string()))
        .ok()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}
