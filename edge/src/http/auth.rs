//! Who may call: the admin (the `ADMIN_TOKEN` secret) and a site's caller (the site's API
//! token as a bearer token, which only the site's object can check).

use crate::config::admin_token;
use crate::error::EdgeError;
use crate::kv_mirror::KvMirror;
use crate::site_object::{Command, SiteStub};
use shared::bearer_token;
use shared::{tokens_equal, valid_site_id, Error};
use worker::{Env, Request, Response, RouteContext};

/// `Ok` when the request carries the admin token.
pub fn require_admin(req: &Request, env: &Env) -> Result<(), EdgeError> {
    let Some(expected) = admin_token(env) else {
        return Err(Error::Forbidden("the admin API is disabled: set the ADMIN_TOKEN secret".into()).into());
    };
    let presented = req.headers().get("authorization")?;
    let presented = bearer_token(presented.as_deref()).unwrap_or("");
    if tokens_equal(presented, &expected) {
        Ok(())
    } else {
        Err(Error::Unauthorized.into())
    }
}

/// A request for `/v1/sites/{site}/…` with a bearer token, and the `Authorization` header to
/// forward to the site's object (which checks the token).
pub struct SiteCaller {
    pub site: String,
    pub authorization: String,
}

impl SiteCaller {
    /// The site and the token presented, unchecked: 401 without a token or a valid site id.
    pub fn presented(req: &Request, ctx: &RouteContext<()>) -> Result<Self, EdgeError> {
        let site = ctx.param("site").cloned().unwrap_or_default();
        let authorization = req.headers().get("authorization")?.unwrap_or_default();
        if bearer_token(Some(&authorization)).is_none() || !valid_site_id(&site) {
            return Err(Error::Unauthorized.into());
        }
        Ok(SiteCaller { site, authorization })
    }

    /// A dashboard request: [`SiteCaller::presented`], for a site that exists. Unknown sites
    /// answer like a wrong token: the API does not reveal which sites exist.
    pub async fn dashboard(req: &Request, ctx: &RouteContext<()>) -> Result<Self, EdgeError> {
        let caller = SiteCaller::presented(req, ctx)?;
        if !KvMirror::new(&ctx.env)?.site_known(&caller.site).await? {
            return Err(Error::Unauthorized.into());
        }
        Ok(caller)
    }

    /// [`SiteCaller::dashboard`], also taking the site's token as HTTP Basic credentials
    /// (user: the site's id, password: its token), as a scheduled fetch (Google Ads' upload
    /// from a URL) sends them. Used by the exports only.
    pub async fn export(req: &Request, ctx: &RouteContext<()>) -> Result<Self, EdgeError> {
        let header = req.headers().get("authorization")?;
        let Some((user, token)) = shared::basic_credentials(header.as_deref()) else {
            return SiteCaller::dashboard(req, ctx).await;
        };
        let site = ctx.param("site").cloned().unwrap_or_default();
        if user != site || !valid_site_id(&site) || !KvMirror::new(&ctx.env)?.site_known(&site).await? {
            return Err(Error::Unauthorized.into());
        }
        Ok(SiteCaller { site, authorization: format!("Bearer {token}") })
    }

    /// Sends `command` to the site's object with the caller's token.
    pub async fn send(&self, env: &Env, command: &Command) -> worker::Result<Response> {
        SiteStub::for_site(env, &self.site)?.send(command, Some(&self.authorization)).await
    }

    /// `result`, where a mistake the edge finds in the request (a core error) is answered
    /// only if the caller's token opens the site, and 401 otherwise: a caller without the
    /// token learns nothing from the site's answers, not even which of its inputs are wrong.
    /// Costs the object a token check, on errors only. Platform failures are answered as such.
    pub async fn vet<T>(&self, env: &Env, result: Result<T, impl Into<EdgeError>>) -> Result<T, EdgeError> {
        match result.map_err(Into::into) {
            Err(EdgeError::Core(e)) => {
                let answer = self.send(env, &Command::Authorize).await?;
                if answer.status_code() == 200 {
                    Err(e.into())
                } else {
                    Err(EdgeError::Relayed(answer))
                }
            }
            other => other,
        }
    }
}
