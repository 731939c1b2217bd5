//! GA4 Measurement Protocol and Meta Conversions API events for a call: built when the call
//! qualifies (or converts) and again when its value is set, queued as deliveries the site's
//! alarm sends (the secret is added then, so a stored delivery never holds one).

use crate::calls::{identifiable_caller, CallRecord};
use crate::site::SiteConfig;
use crate::support::Timestamp;
use crate::webhooks::{Delivery, DeliveryTarget};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

/// Where the events go; the edge may point them elsewhere (tests' stand-ins).
pub const GA4_ORIGIN: &str = "https://www.google-analytics.com";
pub const META_ORIGIN: &str = "https://graph.facebook.com";
pub const META_API_VERSION: &str = "v21.0";
/// GA4's event for a qualified call, and the one that reports a value set later (a second
/// `phone_call` would count the call twice as a key event).
pub const GA4_EVENT: &str = "phone_call";
pub const GA4_VALUE_EVENT: &str = "phone_call_value";

/// Why a call's conversion is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConversionMoment {
    /// It qualified (answered long enough) or was marked converted.
    Converted,
    /// Its value was set.
    Valued,
}

/// The call's source text for event parameters (GA4 limits them to 100 characters).
fn param(text: &str) -> Value {
    Value::String(text.chars().take(100).collect())
}

/// A conversion known this long after its call is dated when it became known: GA4 silently
/// drops events over 72 hours old (Meta refuses them after 7 days), and a CRM may mark a call
/// converted days later.
const LATE_SECS: i64 = 48 * 3600;

/// When the event happened: a conversion when the call started (or, learnt late, when it was
/// learnt); a value when it was set (`now`).
fn event_time(call: &CallRecord, moment: ConversionMoment, now: Timestamp) -> Timestamp {
    match moment {
        ConversionMoment::Converted if now.millis() - call.started_at.millis() <= LATE_SECS * 1000 => {
            call.started_at
        }
        _ => now,
    }
}

/// GA4's body: `{client_id, timestamp_micros, events: [{name, params}]}`.
pub fn ga4_body(
    call: &CallRecord,
    config: &SiteConfig,
    moment: ConversionMoment,
    now: Timestamp,
) -> Option<String> {
    let attribution = call.attribution.as_ref()?;
    let client_id = attribution.source.ad_ids.ga_client_id.as_ref()?;
    let source = &attribution.source;
    let currency = config.money.currency;
    let revenue = call.revenue(config.qualify_secs, config.money.default_call_value);
    let mut params = Map::new();
    params.insert("source".into(), param(&source.source));
    params.insert("medium".into(), param(&source.medium));
    if let Some(c) = &source.campaign {
        params.insert("campaign".into(), param(c));
    }
    if let Some(t) = &source.term {
        params.insert("term".into(), param(t));
    }
    params.insert("value".into(), json!(currency.to_number(revenue)));
    params.insert("currency".into(), json!(currency.code()));
    params.insert("talk_secs".into(), json!(call.talk_secs.unwrap_or(0)));
    params.insert("call_id".into(), param(&call.call_sid));
    let name = match moment {
        ConversionMoment::Converted => GA4_EVENT,
        ConversionMoment::Valued => GA4_VALUE_EVENT,
    };
    let body = json!({
        "client_id": client_id,
        "timestamp_micros": event_time(call, moment, now).millis().saturating_mul(1000),
        "events": [{"name": name, "params": params}],
    });
    Some(body.to_string())
}

/// The caller's number as Meta matches it: E.164's digits (country code first, no `+`),
/// SHA-256, lowercase hex.
fn hashed_phone(from: &str) -> Option<String> {
    if !identifiable_caller(from) {
        return None;
    }
    let e164 = phone::PhoneNumber::parse(from).ok()?;
    let digits: String = e164.e164().chars().filter(char::is_ascii_digit).collect();
    let digest = Sha256::digest(digits.as_bytes());
    Some(digest.iter().map(|b| format!("{b:02x}")).collect())
}

/// Meta's body: one server event, `action_source: "phone_call"`, `event_id` the call's id
/// (Meta drops a second event of the same name and id).
pub fn meta_body(
    call: &CallRecord,
    config: &SiteConfig,
    moment: ConversionMoment,
    now: Timestamp,
) -> Option<String> {
    let attribution = call.attribution.as_ref()?;
    let ids = &attribution.source.ad_ids;
    // Meta needs its own browser or click id: a call from elsewhere is not Meta's to learn from.
    let fbc = ids.fbc_or_made(call.started_at.millis());
    if ids.fbp.is_none() && fbc.is_none() {
        return None;
    }
    let mut user = Map::new();
    if let Some(ph) = hashed_phone(&call.from) {
        user.insert("ph".into(), json!([ph]));
    }
    if let Some(fbp) = &ids.fbp {
        user.insert("fbp".into(), json!(fbp));
    }
    if let Some(fbc) = fbc {
        user.insert("fbc".into(), json!(fbc));
    }
    let currency = config.money.currency;
    let revenue = call.revenue(config.qualify_secs, config.money.default_call_value);
    let source = &attribution.source;
    let event_name = match moment {
        ConversionMoment::Converted => "Contact",
        ConversionMoment::Valued => "Purchase",
    };
    let body = json!({
        "data": [{
            "event_name": event_name,
            "event_time": event_time(call, moment, now).millis().div_euclid(1000),
            "action_source": "phone_call",
            "event_id": call.call_sid,
            "user_data": user,
            "custom_data": {
                "value": currency.to_number(revenue),
                "currency": currency.code(),
                "source": source.source,
                "medium": source.medium,
                "campaign": source.campaign,
                "talk_secs": call.talk_secs.unwrap_or(0),
            },
        }],
    });
    Some(body.to_string())
}

/// The deliveries a call's conversion makes for the platforms the site set up (none for a
/// masked call, or a visitor without the platform's id: one who refused ad storage has none).
pub fn conversion_deliveries(
    call: &CallRecord,
    config: &SiteConfig,
    moment: ConversionMoment,
    now: Timestamp,
) -> Vec<Delivery> {
    if call.masking.is_some() {
        return Vec::new();
    }
    let (converted, valued) = (moment == ConversionMoment::Converted, moment == ConversionMoment::Valued);
    let ga4 = config.money.ga4.as_ref().map(|g| {
        let event = if valued { "ga4.phone_call_value" } else { "ga4.phone_call" };
        let url = format!("{GA4_ORIGIN}/mp/collect?measurement_id={}", g.measurement_id);
        (DeliveryTarget::Ga4, event, url, ga4_body(call, config, moment, now))
    });
    let meta = config.money.meta.as_ref().map(|m| {
        let event = if converted { "meta.Contact" } else { "meta.Purchase" };
        let url = format!("{META_ORIGIN}/{META_API_VERSION}/{}/events", m.pixel_id);
        (DeliveryTarget::Meta, event, url, meta_body(call, config, moment, now))
    });
    ga4.into_iter()
        .chain(meta)
        .filter_map(|(target, event, url, body)| {
            body.map(|body| Delivery::for_platform(&call.call_sid, event, target, &url, body, now))
        })
        .collect()
}

#[cfg(test)]
mod tests;
