//! The edge's settings: binding names and secrets, read from `wrangler.toml` / `.dev.vars`.

use worker::Env;

/// Workers KV namespace mirroring number routes and leases for every edge location.
pub const KV_BINDING: &str = "RINGTRACE";
/// Durable Object namespace: one object per site, the single writer of its pool.
pub const SITES_BINDING: &str = "SITES";
/// Secret that authorises `PUT /v1/sites/{site}` (site provisioning).
pub const ADMIN_TOKEN: &str = "ADMIN_TOKEN";
/// Most calls the calls API returns at once.
pub const MAX_CALLS_PAGE: usize = 500;
pub const DEFAULT_CALLS_PAGE: usize = 100;

pub fn admin_token(env: &Env) -> Option<String> {
    env.secret(ADMIN_TOKEN)
        .map(|s| s.to_string())
        .or_else(|_| env.var(ADMIN_TOKEN).map(|v| v.to_string()))
        .ok()
        .filter(|t| !t.is_empty())
}
