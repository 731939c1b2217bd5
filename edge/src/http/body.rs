//! Request bodies, read under one rule: each endpoint's [`Limit`] names the content type it
//! takes and its largest body; every limit is in the table below.

use crate::error::EdgeError;
use shared::Error;
use worker::Request;

const JSON: &str = "application/json";

/// What an endpoint reads: its content type and its largest body.
pub struct Limit {
    /// The type (its essence, without parameters) a body must declare; `None` reads any.
    content_type: Option<&'static str>,
    max: usize,
    /// The message of the 400 answered when a body larger than `max` had not said so in its
    /// `Content-Length`; `None` answers 413 as when it had (the lease endpoints have always
    /// answered 400 there).
    undeclared_overflow: Option<&'static str>,
}

impl Limit {
    const fn of(content_type: &'static str, max: usize) -> Self {
        Limit { content_type: Some(content_type), max, undeclared_overflow: None }
    }

    /// The widget's lease calls: any content type (the widget sends `text/plain` so browsers
    /// skip the preflight); a real body is well under 4 KiB.
    pub const LEASE: Limit =
        Limit { content_type: None, max: 16 * 1024, undeclared_overflow: Some("body is larger than 16 KiB") };
    /// Twilio's webhooks.
    pub const TWILIO: Limit = Limit::of("application/x-www-form-urlencoded", TELEPHONY_MAX);
    /// Provider-neutral call events.
    pub const CALL_EVENTS: Limit = Limit::of(JSON, TELEPHONY_MAX);
    /// `PUT /v1/sites/{site}`: a full pool of numbers with regions fits.
    pub const SITE_SETUP: Limit = Limit::of(JSON, 256 * 1024);
    /// The admin API (a site with a full pool fits).
    pub const ADMIN: Limit = Limit::of(JSON, 256 * 1024);
    /// `PATCH /v1/sites/{site}/settings`.
    pub const SETTINGS: Limit = Limit::of(JSON, shared::MAX_SETTINGS_BODY);
    /// Small JSON requests of the dashboard (a test request to the CRM).
    pub const SMALL_JSON: Limit = Limit::of(JSON, 4 * 1024);
    /// `POST /v1/sites/{site}/calls/import`.
    pub const IMPORT: Limit = Limit::of(JSON, shared::MAX_IMPORT_BODY);
    /// `POST …/calls/import` with lines of an export (a longer file is sent in parts).
    pub const NDJSON_IMPORT: Limit = Limit::of("application/x-ndjson", shared::wire::MAX_NDJSON_IMPORT);
    /// A masking session's creation or change.
    pub const MASKING: Limit = Limit::of(JSON, shared::wire::MAX_SESSION_BODY);
    /// A spend upload: CSV or JSON (the route checks the type).
    pub const SPEND: Limit =
        Limit { content_type: None, max: shared::MAX_SPEND_BODY, undeclared_overflow: None };
    /// A call's change (`PATCH …/calls/{id}`).
    pub const CALL_PATCH: Limit = Limit::of(JSON, shared::MAX_CALL_PATCH_BODY);
}

/// Largest telephony webhook or call-event body accepted.
const TELEPHONY_MAX: usize = 64 * 1024;

/// The body, or the error to answer with: 415 for another content type, 413 when it is
/// larger than the limit (checked from `Content-Length` before reading, then for real).
pub async fn read(req: &mut Request, limit: &Limit) -> Result<Vec<u8>, EdgeError> {
    if let Some(expected) = limit.content_type {
        let sent_type = req.headers().get("content-type")?.unwrap_or_default();
        let essence = sent_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        if essence != expected {
            return Err(Error::UnsupportedMediaType(expected).into());
        }
    }
    let declared = req.headers().get("content-length")?.and_then(|v| v.trim().parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit.max) {
        return Err(Error::PayloadTooLarge(limit.max).into());
    }
    let bytes = req.bytes().await?;
    if bytes.len() > limit.max {
        let e = limit.undeclared_overflow.map_or(Error::PayloadTooLarge(limit.max), Error::invalid);
        return Err(e.into());
    }
    Ok(bytes)
}

/// A body as any JSON value (the endpoint checks its shape).
pub fn json(bytes: &[u8]) -> shared::Result<serde_json::Value> {
    serde_json::from_slice(bytes).map_err(|e| Error::invalid(format!("body is not valid JSON: {e}")))
}
