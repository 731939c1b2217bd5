//! Telephony webhooks: Twilio's (`/v1/telephony/twilio/{voice,status,dial,recording,
//! transcription}`), provider-neutral call events and dialed-number lookups (`/v1/route`).
//! The edge finds the site and hands the request to its object, which checks signatures,
//! records the call and decides where it goes.

use super::body;
use crate::config::{self, MAX_TELEPHONY_BODY};
use crate::error;
use crate::store::{RouteMirror, SiteStub};
use serde::Deserialize;
use shared::api::{bearer_token, ErrorBody, RouteAnswer};
use shared::form::parse_urlencoded;
use shared::signature::twilio_url_candidates;
use shared::twilio::{self, Callbacks, DialPlan, Hook, VoiceWebhook};
use shared::{valid_site_id, Error, PhoneNumber, TwilioRequest};
use worker::{console_error, console_warn, Method, Request, Response, Result, RouteContext};

/// The object's answer to a Twilio request.
#[derive(Deserialize)]
pub struct TwimlAnswer {
    pub twiml: String,
}

fn twiml(body: String, status: u16) -> Result<Response> {
    let mut resp = Response::ok(body)?.with_status(status);
    resp.headers_mut().set("content-type", "text/xml; charset=utf-8")?;
    resp.headers_mut().set("cache-control", "no-store")?;
    Ok(resp)
}

/// Errors on Twilio's endpoints: TwiML (what Twilio expects, the message in a comment and a
/// header for its debugger), or JSON for a client that asks for it.
fn twilio_error(req: &Request, e: &Error) -> Result<Response> {
    if let Error::Storage(detail) = e {
        console_error!("telephony storage failure: {detail}");
    }
    twilio_error_body(req, e.http_status(), &ErrorBody::from(e))
}

fn twilio_error_body(req: &Request, status: u16, body: &ErrorBody) -> Result<Response> {
    let wants_json = req.headers().get("accept")?.is_some_and(|a| a.contains("application/json"));
    if wants_json {
        return Ok(Response::from_json(body)?.with_status(status));
    }
    let mut resp = twiml(twilio::error(&body.error.code, &body.error.message), status)?;
    // Header values must be visible ASCII; the body keeps the full message.
    let header: String =
        body.error.message.chars().filter(|c| c.is_ascii() && !c.is_control()).take(300).collect();
    resp.headers_mut().set("x-ringtrace-error", &header)?;
    Ok(resp)
}

/// `X-Forwarded-Proto` / `-Host`, when this deployment trusts the proxy in front of it and
/// has no `PUBLIC_URL` (otherwise a request signed for another host could be replayed here).
fn forwarded(req: &Request, env: &worker::Env) -> Result<(Option<String>, Option<String>)> {
    if config::public_url(env).is_some() || !config::trust_forwarded_headers(env) {
        return Ok((None, None));
    }
    Ok((req.headers().get("x-forwarded-proto")?, req.headers().get("x-forwarded-host")?))
}

/// The origin Twilio called: the configured public URL, else what a trusted proxy says,
/// else ours.
fn public_origin(req: &Request, env: &worker::Env) -> Result<String> {
    if let Some(url) = config::public_url(env) {
        return Ok(url.trim_end_matches('/').to_string());
    }
    let url = req.url()?;
    let (forwarded_proto, forwarded_host) = forwarded(req, env)?;
    if let Some(host) = forwarded_host.filter(|h| !h.contains(['/', ' ', '"', '<'])) {
        let proto = forwarded_proto.filter(|p| p == "http" || p == "https");
        return Ok(format!("{}://{host}", proto.as_deref().unwrap_or(url.scheme())));
    }
    Ok(url.origin().ascii_serialization())
}

/// `POST /v1/telephony/twilio/{hook}`.
pub async fn twilio_hook(mut req: Request, ctx: RouteContext<()>) -> Result<Response> {
    let Some(hook) = ctx.param("hook").and_then(|h| Hook::from_path_segment(h)) else {
        return error::not_found();
    };
    let bytes = match body::read(&mut req, "application/x-www-form-urlencoded", MAX_TELEPHONY_BODY).await? {
        Ok(b) => b,
        Err(e) => return twilio_error(&req, &e),
    };
    let params = parse_urlencoded(&String::from_utf8_lossy(&bytes));
    let url = req.url()?;
    let query: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let query_value = |name: &str| query.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let mut fallback = None;
    let site = if hook == Hook::Voice {
        let voice = match VoiceWebhook::from_params(&params) {
            Ok(v) => v,
            Err(e) => return twilio_error(&req, &e),
        };
        let route = match RouteMirror::new(&ctx.env)?.get(&voice.to).await {
            Ok(r) => r,
            Err(e) => return twilio_error(&req, &e),
        };
        let Some(route) = route else {
            console_warn!("call {} to {} which is no site's number: rejected", voice.call_sid, voice.to);
            return twiml(twilio::reject(), 200);
        };
        fallback = Some((route.business_number, voice.to));
        route.site
    } else {
        match query_value("site").filter(|s| valid_site_id(s)) {
            Some(site) => site,
            None => {
                return twilio_error(
                    &req,
                    &Error::invalid("missing or invalid query parameter site on the callback URL"),
                )
            }
        }
    };
    let enforce = config::twilio_signatures_enforced(&ctx.env);
    if !enforce {
        console_warn!(
            "TWILIO_SIGNATURES=off: accepting an unsigned Twilio {} request (local development only)",
            hook.path_segment()
        );
    }
    let origin = public_origin(&req, &ctx.env)?;
    let (forwarded_proto, forwarded_host) = forwarded(&req, &ctx.env)?;
    let request = TwilioRequest {
        hook,
        urls: twilio_url_candidates(
            url.as_str(),
            forwarded_proto.as_deref(),
            forwarded_host.as_deref(),
            config::public_url(&ctx.env).as_deref(),
        ),
        signature: req.headers().get("x-twilio-signature")?,
        params,
        tracking_number: query_value("tn"),
        voicemail: query_value("voicemail").is_some_and(|v| v == "1"),
        origin: origin.clone(),
    };
    let answer =
        SiteStub::for_site(&ctx.env, &site)?.send(Method::Post, "/twilio", Some(&request), None).await;
    match answer {
        Ok(mut resp) if resp.status_code() == 200 => match resp.json::<TwimlAnswer>().await {
            Ok(a) => twiml(a.twiml, 200),
            Err(e) => twilio_error(&req, &error::storage(e)),
        },
        // Refused: a bad signature (403), or a callback that is wrong. A caller's voice
        // webhook that fails otherwise (say, a number just removed from the site, still in
        // KV for a minute) falls through to forwarding below rather than hanging up.
        Ok(mut resp) if resp.status_code() < 500 && (fallback.is_none() || resp.status_code() == 403) => {
            let status = resp.status_code();
            let body: ErrorBody = resp.json().await?;
            twilio_error_body(&req, status, &body)
        }
        // The site's object failed: a caller is never dropped for that. Forward to the
        // business number from the KV route, unrecorded (logged for follow-up).
        failed => {
            let detail = match failed {
                Ok(resp) => format!("HTTP {}", resp.status_code()),
                Err(e) => e.to_string(),
            };
            match fallback {
                Some((business, tracking)) => {
                    console_error!("site {site}: recording a call failed ({detail}); forwarding unrecorded");
                    let callbacks = Callbacks::new(&origin, &site, &tracking);
                    let plan =
                        DialPlan { number: &business, caller_id: None, record: false, timeout_secs: 30 };
                    twiml(twilio::dial(&plan, &callbacks), 200)
                }
                None => twilio_error(&req, &Error::Storage(detail)),
            }
        }
    }
}

/// `POST /v1/sites/{site}/calls/events` (JSON, the site's token): a call event from any
/// provider.
pub async fn call_events(mut req: Request, ctx: RouteContext<()>) -> Result<Response> {
    let site = ctx.param("site").cloned().unwrap_or_default();
    let authorization = req.headers().get("authorization")?.unwrap_or_default();
    if bearer_token(Some(&authorization)).is_none() || !valid_site_id(&site) {
        return error::respond(&Error::Unauthorized);
    }
    if !RouteMirror::new(&ctx.env)?.site_known(&site).await.unwrap_or(true) {
        return error::respond(&Error::Unauthorized);
    }
    let bytes = match body::read(&mut req, "application/json", MAX_TELEPHONY_BODY).await? {
        Ok(b) => b,
        Err(e) => return crate::routes::calls::refuse(&site, &authorization, &ctx, &e).await,
    };
    // Malformed events are answered here (once the token is known to be the site's).
    let parsed: shared::Result<shared::api::CallEventBody> = shared::api::parse_json(&bytes, "call event");
    let events = match parsed.and_then(|b| b.into_events(crate::store::site_object::now())) {
        Ok(events) => events,
        Err(e) => return crate::routes::calls::refuse(&site, &authorization, &ctx, &e).await,
    };
    SiteStub::for_site(&ctx.env, &site)?
        .send(Method::Post, "/events", Some(&events), Some(&authorization))
        .await
}

/// Query of a dialed-number lookup, as the object receives it.
#[derive(serde::Serialize, Deserialize)]
pub struct RouteLookup {
    pub call_id: String,
    pub from: String,
    pub dialed: PhoneNumber,
}

/// `GET /v1/route?dialed_number=+1555…&caller=+1…&call_id=…` with the site's key (bearer or
/// `key=`): the number to forward the call to, as plain text; the call is recorded as
/// started. After hours with voicemail the answer is `voicemail`.
pub async fn route(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    let url = req.url()?;
    let query: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let value = |name: &str| query.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim().to_string());
    let header = req.headers().get("authorization")?;
    let key = bearer_token(header.as_deref()).map(str::to_string).or_else(|| value("key"));
    let Some(key) = key.filter(|k| !k.is_empty()) else {
        return error::respond(&Error::Unauthorized);
    };
    // An unencoded `+` in a query string arrives as a space.
    let raw = query.iter().find(|(k, _)| k == "dialed_number").map(|(_, v)| v.clone());
    let dialed = match raw.map(|d| if d.starts_with(' ') { format!("+{}", d.trim()) } else { d }) {
        None => return error::respond(&Error::invalid("missing query parameter dialed_number")),
        Some(d) => match PhoneNumber::parse(&d) {
            Ok(n) => n,
            Err(e) => return error::respond(&e),
        },
    };
    let from = value("caller").or_else(|| value("from")).unwrap_or_else(|| "unknown".into());
    if from.chars().count() > 64 {
        return error::respond(&Error::invalid("caller is longer than 64 characters"));
    }
    let call_id = match value("call_id") {
        Some(id) => match shared::api::check_call_id(&id) {
            Ok(_) => id,
            Err(e) => return error::respond(&e),
        },
        None => format!("route-{}", crate::store::site_object::random_id()),
    };
    let route = match RouteMirror::new(&ctx.env)?.get(&dialed).await {
        Ok(Some(route)) => route,
        // Answered like a wrong key: the lookup does not reveal which numbers are tracked.
        Ok(None) => return error::respond(&Error::Unauthorized),
        Err(e) => return error::respond(&e),
    };
    let lookup = RouteLookup { call_id, from, dialed };
    let auth = format!("Bearer {key}");
    let mut resp = SiteStub::for_site(&ctx.env, &route.site)?
        .send(Method::Post, "/route", Some(&lookup), Some(&auth))
        .await?;
    if resp.status_code() != 200 {
        return Ok(resp);
    }
    let answer: RouteAnswer = resp.json().await?;
    let text = answer.forward_to.clone().unwrap_or_else(|| "voicemail".into());
    let mut out = Response::ok(text)?;
    let h = out.headers_mut();
    h.set("content-type", "text/plain; charset=utf-8")?;
    h.set("cache-control", "no-store")?;
    h.set("x-ringtrace-call-id", &answer.call_id)?;
    h.set("x-ringtrace-after-hours", if answer.after_hours { "1" } else { "0" })?;
    Ok(out)
}
