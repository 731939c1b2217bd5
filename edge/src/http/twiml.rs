//! TwiML answers: what Twilio's webhooks are answered with. Here rather than in the
//! telephony routes because `error.rs` answers Twilio's errors as TwiML too.

use worker::{Response, Result};

/// A TwiML document with `status`, never cached.
pub fn twiml(body: String, status: u16) -> Result<Response> {
    let mut resp = Response::ok(body)?.with_status(status);
    resp.headers_mut().set("content-type", "text/xml; charset=utf-8")?;
    resp.headers_mut().set("cache-control", "no-store")?;
    Ok(resp)
}
