//! Telephony webhooks: Twilio's (`/v1/telephony/twilio/{voice,status,dial,recording,
//! transcription}`), provider-neutral call events and dialed-number lookups (`/v1/route`).
//! The edge finds the site and hands the request to its object, which checks signatures,
//! records the call and decides where it goes. Twilio's errors are answered as TwiML
//! (`Dialect::Twilio`).

use crate::clock::{now, random_id};
use crate::config;
use crate::error::{storage, EdgeError};
use crate::http::{self, twiml, Limit, SiteCaller};
use crate::kv_mirror::KvMirror;
use crate::site_object::{Command, SiteStub, TwimlAnswer};
use shared::bearer_token;
use shared::parse_urlencoded;
use shared::twilio::{self, Callbacks, DialPlan, GatherState, Hook, VoiceWebhook};
use shared::twilio_url_candidates;
use shared::wire::DialedLookup;
use shared::wire::{ErrorBody, LookupAnswer, LookupSteps};
use shared::{valid_site_id, Error, PhoneNumber};
use worker::{console_error, console_warn, Request, Response, RouteContext};

/// `X-Forwarded-Proto` / `-Host`, when this deployment trusts the proxy in front of it and
/// has no `PUBLIC_URL` (otherwise a request signed for another host could be replayed here).
fn forwarded(req: &Request, env: &worker::Env) -> worker::Result<(Option<String>, Option<String>)> {
    if config::public_url(env).is_some() || !config::trust_forwarded_headers(env) {
        return Ok((None, None));
    }
    Ok((req.headers().get("x-forwarded-proto")?, req.headers().get("x-forwarded-host")?))
}

/// The origin Twilio called: the configured public URL, else what a trusted proxy says,
/// else ours.
fn public_origin(req: &Request, env: &worker::Env) -> worker::Result<String> {
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

/// What a caller to a masking number hears when the site's object cannot connect them.
const MASKED_CALL_FAILED: &str =
    "Sorry, we cannot connect your call right now. Please try again in a minute.";

/// `POST /v1/telephony/twilio/{hook}`.
pub async fn twilio_hook(mut req: Request, ctx: RouteContext<()>) -> Result<Response, EdgeError> {
    let Some(hook) = ctx.param("hook").and_then(|h| Hook::from_path_segment(h)) else {
        return Err(EdgeError::NoEndpoint);
    };
    let bytes = http::read(&mut req, &Limit::TWILIO).await?;
    let params = parse_urlencoded(&String::from_utf8_lossy(&bytes));
    let url = req.url()?;
    let query: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let query_value = |name: &str| query.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let mut fallback = None;
    let site = if hook == Hook::Voice {
        let voice = VoiceWebhook::from_params(&params)?;
        let Some(owner) = KvMirror::new(&ctx.env)?.get(&voice.to).await? else {
            console_warn!("call {} to {} which is no site's number: rejected", voice.call_sid, voice.to);
            return Ok(twiml(twilio::reject(), 200)?);
        };
        fallback = Some((owner.business_number, voice.to, owner.masking));
        owner.site
    } else {
        let site = query_value("site")
            .filter(|s| valid_site_id(s))
            .ok_or_else(|| Error::invalid("missing or invalid query parameter site on the callback URL"))?;
        // A step's answer comes while the caller waits: if it cannot be handled, the call is
        // still forwarded (to the business number of the site's number dialled).
        if hook == Hook::Gather {
            let dialled = query_value("tn").and_then(|tn| PhoneNumber::parse(&tn).ok());
            if let Some(tn) = dialled {
                let owner = KvMirror::new(&ctx.env)?.get(&tn).await.ok().flatten();
                fallback = owner.filter(|o| o.site == site).map(|o| (o.business_number, tn, o.masking));
            }
        }
        site
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
    let request = twilio::TwilioRequest {
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
        gather: (hook == Hook::Gather)
            .then(|| {
                GatherState::parse(query_value("step").as_deref(), query_value("attempt").as_deref()).ok()
            })
            .flatten(),
        origin: origin.clone(),
    };
    let answer = SiteStub::for_site(&ctx.env, &site)?.send(&Command::Twilio(request), None).await;
    match answer {
        Ok(mut resp) if resp.status_code() == 200 => {
            let answer: TwimlAnswer = resp.json().await.map_err(storage)?;
            Ok(twiml(answer.twiml, 200)?)
        }
        // Refused: a bad signature (403), or a callback that is wrong. A caller's voice
        // webhook that fails otherwise (say, a number just removed from the site, still in
        // KV for a minute) falls through to forwarding below rather than hanging up.
        Ok(mut resp) if resp.status_code() < 500 && (fallback.is_none() || resp.status_code() == 403) => {
            let status = resp.status_code();
            let body: ErrorBody = resp.json().await?;
            Err(EdgeError::Refused { status, body })
        }
        // The site's object failed: a caller is never dropped for that. Forward to the
        // business number from the KV mirror, unrecorded (logged for follow-up).
        failed => {
            let detail = match failed {
                Ok(resp) => format!("HTTP {}", resp.status_code()),
                Err(e) => e.to_string(),
            };
            let Some((business, tracking, masking)) = fallback else {
                return Err(Error::Storage(detail).into());
            };
            if masking {
                // A masked call is between an order's parties: without the site's object there
                // is no session to connect, and the business must not get the caller's number.
                console_error!("site {site}: a masked call failed ({detail}); the caller hears so");
                return Ok(twiml(twilio::say_and_hang_up(Some(MASKED_CALL_FAILED)), 200)?);
            }
            console_error!("site {site}: recording a call failed ({detail}); forwarding unrecorded");
            let callbacks = Callbacks::new(&origin, &site, &tracking);
            let plan = DialPlan {
                number: &business,
                caller_id: None,
                record: false,
                timeout_secs: 30,
                say_first: None,
            };
            Ok(twiml(twilio::dial(&plan, &callbacks), 200)?)
        }
    }
}

/// `POST /v1/sites/{site}/calls/events` (JSON, the site's token): a call event from any
/// provider.
pub async fn call_events(mut req: Request, ctx: RouteContext<()>) -> Result<Response, EdgeError> {
    let caller = SiteCaller::presented(&req, &ctx)?;
    // Unlike the dashboard's reads, a KV failure does not refuse the event: the site's
    // object checks the token anyway.
    if !KvMirror::new(&ctx.env)?.site_known(&caller.site).await.unwrap_or(true) {
        return Err(Error::Unauthorized.into());
    }
    let bytes = caller.vet(&ctx.env, http::read(&mut req, &Limit::CALL_EVENTS).await).await?;
    // Malformed events are answered here (once the token is known to be the site's).
    let parsed: shared::Result<shared::wire::CallEventBody> = shared::parse_json(&bytes, "call event");
    let events = caller.vet(&ctx.env, parsed.and_then(|b| b.into_events(now()))).await?;
    Ok(caller.send(&ctx.env, &Command::Events(events)).await?)
}

/// `GET /v1/route?dialed_number=+1555…&caller=+1…&call_id=…` with the site's key (bearer or
/// `key=`): the number to forward the call to, as plain text; the call is recorded as
/// started. After hours with voicemail the answer is `voicemail`. With `Accept:
/// application/json`, the whole `shared::wire::LookupAnswer` as JSON — which a masking number
/// requires (its answer carries the caller ID the callee must see, and the closed policy's
/// words).
pub async fn lookup_dialed(req: Request, ctx: RouteContext<()>) -> Result<Response, EdgeError> {
    let url = req.url()?;
    let query: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let value = |name: &str| query.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim().to_string());
    let header = req.headers().get("authorization")?;
    let key = bearer_token(header.as_deref()).map(str::to_string).or_else(|| value("key"));
    let Some(key) = key.filter(|k| !k.is_empty()) else {
        return Err(Error::Unauthorized.into());
    };
    // An unencoded `+` in a query string arrives as a space.
    let raw = query.iter().find(|(k, _)| k == "dialed_number").map(|(_, v)| v.clone());
    let Some(dialed) = raw.map(|d| if d.starts_with(' ') { format!("+{}", d.trim()) } else { d }) else {
        return Err(Error::invalid("missing query parameter dialed_number").into());
    };
    let dialed = PhoneNumber::parse(&dialed)?;
    let from = value("caller").or_else(|| value("from")).unwrap_or_else(|| "unknown".into());
    if from.chars().count() > 64 {
        return Err(Error::invalid("caller is longer than 64 characters").into());
    }
    let call_id = match value("call_id") {
        Some(id) => {
            shared::check_call_id(&id)?;
            id
        }
        None => format!("route-{}", random_id()),
    };
    // What the provider collected is checked before the number is looked up, so a bad one is
    // refused the same for every number.
    let steps = LookupSteps::parse(value("ext").as_deref(), value("customer_id").as_deref())?;
    // Unknown numbers are answered like a wrong key: the lookup does not reveal which
    // numbers are tracked.
    let Some(owner) = KvMirror::new(&ctx.env)?.get(&dialed).await? else {
        return Err(Error::Unauthorized.into());
    };
    let wants_json = req.headers().get("accept")?.is_some_and(|a| a.contains("application/json"));
    let lookup = DialedLookup { call_id, from, dialed, steps, json: wants_json };
    let auth = format!("Bearer {key}");
    let mut resp =
        SiteStub::for_site(&ctx.env, &owner.site)?.send(&Command::LookupDialed(lookup), Some(&auth)).await?;
    if resp.status_code() != 200 {
        return Ok(resp);
    }
    let answer: LookupAnswer = resp.json().await?;
    if wants_json {
        let mut out = Response::from_json(&answer)?;
        out.headers_mut().set("cache-control", "no-store")?;
        return Ok(out);
    }
    let text = match (&answer.forward_to, answer.hangup) {
        (Some(number), _) => number.clone(),
        (None, true) => "hangup".into(),
        (None, false) => "voicemail".into(),
    };
    let mut out = Response::ok(text)?;
    let h = out.headers_mut();
    h.set("content-type", "text/plain; charset=utf-8")?;
    h.set("cache-control", "no-store")?;
    h.set("x-ringtrace-call-id", &answer.call_id)?;
    h.set("x-ringtrace-after-hours", if answer.after_hours { "1" } else { "0" })?;
    Ok(out)
}
