//! Telephony webhooks: the provider asks what to do with a call to a tracking number.

use crate::store::{RouteMirror, SiteStub};
use crate::{error, store::site_object::EdgeClock};
use shared::form::parse_urlencoded;
use shared::twilio::{self, VoiceWebhook};
use shared::{Clock, IncomingCall};
use worker::{console_error, console_warn, Method, Request, Response, Result, RouteContext};

fn twiml(body: String) -> Result<Response> {
    let mut resp = Response::ok(body)?;
    resp.headers_mut().set("content-type", "text/xml; charset=utf-8")?;
    Ok(resp)
}

/// `POST /v1/telephony/twilio/voice`: records the call (once per CallSid), credited to the
/// session holding the number, and forwards it to the site's business number. Forwarding
/// does not wait on recording succeeding: a caller is never dropped because storage failed.
pub async fn twilio_voice(mut req: Request, ctx: RouteContext<()>) -> Result<Response> {
    let form = req.text().await?;
    let params = parse_urlencoded(&form);
    // Seam for provider authentication (a later issue): `req.url()` and `params` are what an
    // `X-Twilio-Signature` check signs; it belongs here, before anything is read or recorded.
    let hook = match VoiceWebhook::from_params(&params) {
        Ok(h) => h,
        Err(e) => return error::respond(&e),
    };
    let route = match RouteMirror::new(&ctx.env)?.get(&hook.to).await {
        Ok(route) => route,
        Err(e) => return error::respond(&e),
    };
    let Some(route) = route else {
        console_warn!("call {} to {} which is no site's number: rejected", hook.call_sid, hook.to);
        return twiml(twilio::reject());
    };
    let call =
        IncomingCall { call_sid: hook.call_sid.clone(), from: hook.from, to: hook.to, at: EdgeClock.now() };
    match SiteStub::for_site(&ctx.env, &route.site)?.send(Method::Post, "/call", Some(&call), None).await {
        Ok(resp) if resp.status_code() < 300 => {}
        Ok(resp) => console_error!("recording call {} answered {}", call.call_sid, resp.status_code()),
        Err(e) => console_error!("recording call {} failed: {e}", call.call_sid),
    }
    twiml(twilio::dial(&route.business_number))
}
