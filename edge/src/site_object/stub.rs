//! The edge's handle on one site's object: sends it a [`Command`] and takes its answer.

use super::command::{Command, SITE_HEADER};
use crate::config::SITES_BINDING;
use worker::{Env, Method, Request, RequestInit, Response, Result, Stub};

pub struct SiteStub {
    stub: Stub,
    site: String,
}

impl SiteStub {
    pub fn for_site(env: &Env, site: &str) -> Result<Self> {
        let stub = env.durable_object(SITES_BINDING)?.id_from_name(site)?.get_stub()?;
        Ok(SiteStub { stub, site: site.to_string() })
    }

    /// Hands a WebSocket upgrade (`GET /v1/sites/{site}/live?…`) to the object as `/live` with
    /// the same query: the object takes the ticket and accepts the socket (the 101 and its
    /// socket are returned as they are).
    pub async fn upgrade(&self, query: &str) -> Result<Response> {
        let mut init = RequestInit::new();
        init.with_method(Method::Get);
        let headers = worker::Headers::new();
        headers.set(SITE_HEADER, &self.site)?;
        headers.set("upgrade", "websocket")?;
        init.with_headers(headers);
        let req = Request::new_with_init(&format!("https://site/live?{query}"), &init)?;
        self.stub.fetch_with_request(req).await
    }

    /// Sends `command` (with the caller's `Authorization`, for the commands that check a
    /// token) and returns the object's answer as a fresh (mutable) response.
    pub async fn send(&self, command: &Command, authorization: Option<&str>) -> Result<Response> {
        let mut init = RequestInit::new();
        init.with_method(Method::Post);
        let headers = worker::Headers::new();
        headers.set(SITE_HEADER, &self.site)?;
        if let Some(auth) = authorization {
            headers.set("authorization", auth)?;
        }
        headers.set("content-type", "application/json")?;
        init.with_body(Some(serde_json::to_string(command)?.into()));
        init.with_headers(headers);
        let req = Request::new_with_init(&format!("https://site{}", command.path()), &init)?;
        let mut answer = self.stub.fetch_with_request(req).await?;
        let status = answer.status_code();
        let text = answer.text().await?;
        let mut fresh = Response::ok(text)?.with_status(status);
        // JSON unless the object said otherwise (the calls CSV export).
        let kind = answer.headers().get("content-type")?.unwrap_or_else(|| "application/json".into());
        fresh.headers_mut().set("content-type", &kind)?;
        if let Some(disposition) = answer.headers().get("content-disposition")? {
            fresh.headers_mut().set("content-disposition", &disposition)?;
        }
        for name in ["x-ringtrace-limited", "idempotent-replayed"] {
            if let Some(value) = answer.headers().get(name)? {
                fresh.headers_mut().set(name, &value)?;
            }
        }
        Ok(fresh)
    }
}
