//! What a save sends: the form's settings as a [`SiteSettings`], whose
//! [`change`](SiteSettings::change) is the body of `PATCH /v1/sites/{site}/settings`.
//!
//! A `PATCH` changes only the fields it names. A save names every field the form shows, so the
//! site is stored as the form shows it (`null` clears an optional field); the write-only Twilio
//! token is named only to replace or remove it. A blank CRM secret (the webhook's or caller
//! identification's, GA4's API secret, Meta's access token) is sent as `null`: the edge keeps
//! the stored one.

use super::form::{ClosedChoice, Form, DAYS};
use leptos::prelude::*;
use shared::{
    AfterHoursSetup, AmountText, BusinessHoursSetup, CallerIdentificationSetup, CrmWebhookSetup,
    ExtensionNumberSetup, Ga4Setup, MaskingClosedSetup, MetaSetup, PoolEntrySetup, SiteSettings,
    StaticRuleSetup,
};
use std::collections::BTreeMap;

/// Errors by field, as the edge would name them, for what the form cannot write.
pub type FormErrors = Vec<(String, String)>;

fn get(s: RwSignal<String>) -> String {
    s.get_untracked().trim().to_string()
}

/// Blank is absent.
fn optional(s: RwSignal<String>) -> Option<String> {
    Some(get(s)).filter(|v| !v.is_empty())
}

/// Items separated by commas or lines (opening hours, dates).
fn list(s: RwSignal<String>) -> Vec<String> {
    s.get_untracked()
        .split([',', '\n'])
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .collect()
}

/// One item a line: a keyword may itself hold a comma.
fn lines(s: RwSignal<String>) -> Vec<String> {
    s.get_untracked().lines().map(str::trim).filter(|v| !v.is_empty()).map(str::to_string).collect()
}

/// `value` as a whole number; else an error for `field` (and 0, never sent).
fn whole(errors: &mut FormErrors, field: &str, value: RwSignal<String>) -> u32 {
    let raw = value.get_untracked();
    match raw.trim().parse::<u32>() {
        Ok(n) => n,
        Err(_) => {
            errors.push((field.to_string(), format!("{:?} is not a whole number.", raw.trim())));
            0
        }
    }
}

/// Blank is absent; anything else must be a whole number.
fn whole_or_none(errors: &mut FormErrors, field: &str, value: RwSignal<String>) -> Option<u32> {
    match value.get_untracked().trim() {
        "" => None,
        raw => match raw.parse::<u32>() {
            Ok(n) => Some(n),
            Err(_) => {
                errors.push((field.to_string(), format!("{raw:?} is not a whole number.")));
                None
            }
        },
    }
}

/// Caller identification as the form shows it: `None` while it is off.
fn identification_of(form: &Form, errors: &mut FormErrors) -> Option<CallerIdentificationSetup> {
    let i = form.identification;
    if !i.on.get_untracked() {
        return None;
    }
    Some(CallerIdentificationSetup {
        prompt: optional(i.prompt),
        digits: whole(errors, "caller_identification.digits", i.digits),
        attempts: whole_or_none(errors, "caller_identification.attempts", i.attempts),
        timeout_seconds: whole_or_none(errors, "caller_identification.timeout_seconds", i.timeout_seconds),
        mode: i.mode.get_untracked(),
        crm_url: optional(i.crm_url),
        // Blank keeps the stored secret.
        crm_secret: optional(i.crm_secret),
        identified: optional(i.identified),
        unidentified: optional(i.unidentified),
    })
}

/// The named destinations; a name given twice cannot be written (the document is a map).
fn destinations_of(form: &Form, errors: &mut FormErrors) -> BTreeMap<String, String> {
    let mut destinations = BTreeMap::new();
    for row in form.identification.destinations.get_untracked() {
        let name = get(row.name);
        if destinations.insert(name.clone(), get(row.number)).is_some() {
            errors.push((format!("destinations.{name}"), format!("{name:?} names two destinations.")));
        }
    }
    destinations
}

/// What a closed order's caller gets, as the form shows it. A message left blank is none; a
/// number to forward to is sent only when that is the choice.
fn masking_closed_of(form: &Form) -> MaskingClosedSetup {
    let m = form.masking;
    match m.closed.get_untracked() {
        ClosedChoice::HangUp => MaskingClosedSetup::Word("hangup".into()),
        ClosedChoice::SayThenHangUp => MaskingClosedSetup::Policy { say: optional(m.say), forward_to: None },
        ClosedChoice::SayThenForward => {
            MaskingClosedSetup::Policy { say: optional(m.say), forward_to: optional(m.forward_to) }
        }
    }
}

/// The settings `form` shows, or the fields it cannot write. The form checks only what it
/// needs to write the JSON (whole numbers, one destination a name); the edge checks the values.
pub fn settings_of(form: &Form) -> Result<SiteSettings, FormErrors> {
    let mut errors = Vec::new();
    let lease_minutes = whole(&mut errors, "lease_minutes", form.lease_minutes);
    let retention_minutes = whole(&mut errors, "retention_minutes", form.retention_minutes);
    let touch_lifetime_days = whole(&mut errors, "touch_lifetime_days", form.touch_lifetime_days);
    let qualified_talk_seconds = whole(&mut errors, "qualified_talk_seconds", form.qualified_talk_seconds);
    let dial_timeout_seconds = whole(&mut errors, "dial_timeout_seconds", form.dial_timeout_seconds);
    let retention = shared::Retention {
        calls_days: whole(&mut errors, "retention.calls_days", form.keep_calls_days),
        sessions_days: whole(&mut errors, "retention.sessions_days", form.keep_sessions_days),
        recordings_days: whole_or_none(&mut errors, "retention.recordings_days", form.keep_recordings_days),
    };
    let max_new_leases_per_minute =
        whole_or_none(&mut errors, "max_new_leases_per_minute", form.max_new_leases);
    let extension_digits = whole(&mut errors, "extension_digits", form.extensions.digits);
    let extension_retention_hours =
        whole(&mut errors, "extension_retention_hours", form.extensions.retention_hours);
    let masking_ttl_minutes = whole(&mut errors, "masking_ttl_minutes", form.masking.ttl_minutes);
    let caller_identification = identification_of(form, &mut errors);
    let destinations = destinations_of(form, &mut errors);
    if !errors.is_empty() {
        return Err(errors);
    }
    let caller_id = match form.caller_id.get_untracked().as_str() {
        "number" => get(form.caller_id_number),
        other => other.to_string(),
    };
    let hours_on = form.hours_on.get_untracked();
    let business_hours = hours_on.then(|| BusinessHoursSetup {
        time_zone: get(form.time_zone),
        // A day without hours is left out: closed.
        weekly: DAYS
            .iter()
            .zip(form.weekly)
            .map(|((key, _), ranges)| (key.to_string(), list(ranges)))
            .filter(|(_, ranges)| !ranges.is_empty())
            .collect(),
        closed_dates: list(form.closed_dates),
    });
    let (forward_to, voicemail_greeting) = (optional(form.after_hours_forward), optional(form.greeting));
    let after_hours_given = form.after_hours_set || forward_to.is_some() || voicemail_greeting.is_some();
    let after_hours =
        (hours_on && after_hours_given).then_some(AfterHoursSetup { forward_to, voicemail_greeting });
    let crm_webhook =
        optional(form.crm_url).map(|url| CrmWebhookSetup { url, secret: optional(form.crm_secret) });
    let twilio_auth_token =
        if form.twilio_remove.get_untracked() { Some(String::new()) } else { optional(form.twilio_token) };
    Ok(SiteSettings {
        name: get(form.name),
        business_number: get(form.business_number),
        business_numbers: form.business_numbers.get_untracked().iter().map(|r| get(r.number)).collect(),
        pool: form
            .pool
            .get_untracked()
            .iter()
            .map(|r| PoolEntrySetup::Detailed {
                number: get(r.number),
                region: optional(r.region),
                business_number: optional(r.line),
            })
            .collect(),
        home_region: optional(form.home_region),
        exhaustion: form.exhaustion.get_untracked(),
        overflow_number: optional(form.overflow_number),
        static_numbers: form
            .static_numbers
            .get_untracked()
            .iter()
            .map(|r| StaticRuleSetup {
                number: get(r.number),
                channel: optional(r.channel),
                utm_source: optional(r.source),
                utm_medium: optional(r.medium),
                utm_campaign: optional(r.campaign),
                business_number: optional(r.line),
            })
            .collect(),
        lease_minutes,
        max_new_leases_per_minute,
        allowed_origins: lines(form.allowed_origins),
        retention_minutes,
        attribution_model: form.attribution_model.get_untracked(),
        touch_lifetime_days,
        qualified_talk_seconds,
        caller_id,
        record_calls: form.record_calls.get_untracked(),
        dial_timeout_seconds,
        keywords: lines(form.keywords),
        business_hours,
        after_hours,
        crm_webhook,
        twilio_auth_token,
        // Read-only: `change` leaves it out.
        twilio_auth_token_set: false,
        extension_numbers: form
            .extensions
            .numbers
            .get_untracked()
            .iter()
            .map(|r| ExtensionNumberSetup::Detailed {
                number: get(r.number),
                business_number: optional(r.line),
            })
            .collect(),
        // The `<select>` offers 3–5 only; the edge refuses anything else.
        extension_digits: u8::try_from(extension_digits).unwrap_or(u8::MAX),
        extension_prompt: get(form.extensions.prompt),
        extension_label: get(form.extensions.label),
        extension_retention_hours,
        caller_identification,
        destinations,
        masking_numbers: form.masking.numbers.get_untracked().iter().map(|r| get(r.number)).collect(),
        masking_ttl_minutes,
        masking_closed: masking_closed_of(form),
        currency: get(form.money.currency).to_ascii_uppercase(),
        time_zone: get(form.money.time_zone),
        default_call_value: optional(form.money.default_call_value).map(AmountText),
        // A blank id turns the platform off; a blank secret keeps the stored one.
        ga4: optional(form.money.ga4_measurement_id).map(|measurement_id| Ga4Setup {
            measurement_id,
            api_secret: optional(form.money.ga4_api_secret),
        }),
        meta: optional(form.money.meta_pixel_id)
            .map(|pixel_id| MetaSetup { pixel_id, access_token: optional(form.money.meta_access_token) }),
        retention,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pages::settings::form::{
        ClosedChoice, DestinationRow, ExtensionRow, NumberRow, PoolRow, StaticRow,
    };
    use serde_json::json;
    use shared::{AttributionModel, ExhaustionPolicy, IdentificationMode};

    fn settings(doc: serde_json::Value) -> SiteSettings {
        serde_json::from_value(doc).unwrap()
    }

    /// Every field set, the way the edge shows a configured site.
    fn full() -> SiteSettings {
        settings(json!({
            "name": "Acme Plumbing", "business_number": "+15550100100", "business_numbers": ["+15550100150"],
            "pool": [{"number": "+15550100201", "region": null, "business_number": null},
                     {"number": "+15550100202", "region": "US-TX", "business_number": null},
                     {"number": "+15550100203", "region": null, "business_number": "+15550100150"}],
            "home_region": "US-TX", "lease_minutes": 20, "retention_minutes": 30, "exhaustion": "overflow",
            "overflow_number": "+15550100299",
            "static_numbers": [{"number": "+15550100301", "channel": "paid social", "utm_source": "Facebook",
                                "utm_medium": null, "utm_campaign": "spring", "business_number": "+15550100150"}],
            "attribution_model": "first_touch", "touch_lifetime_days": 30, "qualified_talk_seconds": 90,
            "caller_id": "+15550100500", "record_calls": true, "dial_timeout_seconds": 25,
            "keywords": ["Price", "install, fitting"],
            "business_hours": {"time_zone": "America/Chicago",
                               "weekly": {"mon": ["09:00-12:00", "13:00-17:00"], "sat": ["22:00-02:00"]},
                               "closed_dates": ["2026-12-25", "2027-01-01"]},
            "after_hours": {"forward_to": "+15550100400", "voicemail_greeting": null},
            "crm_webhook": {"url": "https://crm.example/hook", "secret": null},
            "allowed_origins": ["https://www.example.com", "https://*.example.com"],
            "max_new_leases_per_minute": 40, "twilio_auth_token_set": true
        }))
    }

    /// Only what a site must have; a pool entry written as a bare number.
    fn bare() -> SiteSettings {
        settings(json!({
            "name": "Bare", "business_number": "+15550100100", "business_numbers": [], "pool": ["+15550100201"],
            "home_region": null, "lease_minutes": 15, "retention_minutes": 30, "exhaustion": "share",
            "overflow_number": null, "static_numbers": [], "attribution_model": "last_non_direct",
            "touch_lifetime_days": 90, "qualified_talk_seconds": 60, "caller_id": "caller", "record_calls": false,
            "dial_timeout_seconds": 20, "keywords": [], "business_hours": null, "after_hours": null,
            "crm_webhook": null, "twilio_auth_token_set": false
        }))
    }

    fn form_of(s: &SiteSettings) -> Form {
        Form::of(s, || "Europe/Paris".to_string())
    }

    /// The bodies the page sent, by hand-written JSON, before the typed settings (recorded from
    /// `Form::document` at 848431f): the untouched full and bare forms, then each edit below.
    /// Later fields (extension numbers, caller identification, destinations; number masking's
    /// numbers, ttl and closed-order answer; money: currency, time zone, default call value,
    /// GA4 and Meta; data retention) were added to each line with the values these forms send,
    /// every other byte left as recorded.
    const SENT_BEFORE: &str = include_str!("patch_bodies.jsonl");

    /// The body a save sends (as `api::patch` writes it), checked to be the bytes the page
    /// sent for the same form before (`SENT_BEFORE`'s line `case`).
    fn body(form: &Form, case: usize) -> String {
        let typed = settings_of(form).unwrap().change().to_string();
        assert_eq!(Some(typed.as_str()), SENT_BEFORE.lines().nth(case), "case {case}");
        typed
    }

    #[test]
    fn untouched_saves_send_the_bytes_they_sent_before() {
        let sent = body(&form_of(&full()), 0);
        assert!(!sent.contains("twilio_auth_token"), "the token is kept: {sent}");
        let sent = body(&form_of(&bare()), 1);
        assert!(sent.contains(r#""business_hours":null,"#), "{sent}");
        assert!(!sent.contains("Europe/Paris") && !sent.contains("twilio_auth_token"), "{sent}");
    }

    #[test]
    fn an_untouched_save_changes_nothing() {
        let shown = full();
        let sent = body(&form_of(&shown), 0);
        assert_eq!(shown.patched(sent.as_bytes()).unwrap(), shown);
    }

    /// Settings as shown, and what the marketer changes before saving.
    type Edit = (fn() -> SiteSettings, fn(&Form));

    #[test]
    fn edited_forms_send_the_bytes_they_sent_before() {
        let edits: [Edit; 14] = [
            (full, |f| {
                f.name.set("  Acme Plumbing & Sons ".into());
                f.overflow_number.set("  ".into());
                f.home_region.set(" us-tx ".into());
                f.exhaustion.set(ExhaustionPolicy::Share);
                f.attribution_model.set(AttributionModel::LastTouch);
            }),
            (full, |f| {
                f.business_numbers.update(|r| r.push(NumberRow::blank()));
                f.pool.update(|r| r.push(PoolRow::blank()));
                f.static_numbers.update(|r| r.push(StaticRow::blank()));
            }),
            (full, |f| {
                f.pool.update(|r| {
                    r.remove(0);
                });
                f.pool.with_untracked(|r| {
                    r[0].region.set("".into());
                    r[1].line.set("".into());
                });
                f.static_numbers.update(Vec::clear);
                f.business_numbers.with_untracked(|r| r[0].number.set(" +1 555 010 0160 ".into()));
            }),
            (full, |f| f.hours_on.set(false)),
            (full, |f| {
                f.after_hours_forward.set(String::new());
                f.greeting.set(" Leave a message. ".into());
                f.weekly[0].set(String::new());
                f.weekly[6].set("10:00-12:00,\n 14:00-16:00,".into());
                f.closed_dates.set("2026-12-25,,\n2026-12-26".into());
            }),
            (full, |f| {
                f.crm_url.set(" ".into());
                f.crm_secret.set("a-new-secret-0123456789".into());
            }),
            (full, |f| f.crm_secret.set(" a-new-secret-0123456789 ".into())),
            (full, |f| f.twilio_remove.set(true)),
            (full, |f| {
                f.twilio_remove.set(true);
                f.twilio_token.set("abc123".into());
            }),
            (full, |f| {
                f.twilio_token.set(" abc123 ".into());
                f.caller_id.set("tracking_number".into());
                f.max_new_leases.set(String::new());
                f.record_calls.set(false);
            }),
            (bare, |f| {
                f.caller_id.set("number".into());
                f.caller_id_number.set(" +1 555 010 0600 ".into());
                f.max_new_leases.set(" 12 ".into());
                f.lease_minutes.set(" 45 ".into());
                f.allowed_origins.set("\n https://shop.example \n\nhttp://localhost:*\n".into());
                f.keywords.set("Estimate\nemergency, after hours\n  \n".into());
            }),
            (bare, |f| {
                f.hours_on.set(true);
                f.weekly[1].set("09:00-17:00".into());
            }),
            (bare, |f| {
                f.hours_on.set(true);
                f.greeting.set("We are closed.".into());
                f.crm_url.set("https://crm.example/new".into());
            }),
            (bare, |f| {
                f.greeting.set("Not sent: the hours are off.".into());
                f.twilio_token.set("  ".into());
                f.static_numbers.update(|r| r.push(StaticRow::blank()));
                f.static_numbers.with_untracked(|r| {
                    r[0].number.set("+1 555 010 0301".into());
                    r[0].channel.set("paid social".into());
                    r[0].source.set(" Facebook ".into());
                });
            }),
        ];
        for (case, (shown, edit)) in edits.into_iter().enumerate() {
            let form = form_of(&shown());
            edit(&form);
            body(&form, case + 2);
        }
        assert_eq!(SENT_BEFORE.lines().count(), 16, "a recorded body for every case");
    }

    /// Extension numbers, caller identification and destinations set, the way the edge
    /// shows them (every optional value filled in, the CRM secret never sent back).
    fn with_steps() -> SiteSettings {
        let mut s = full();
        s.exhaustion = ExhaustionPolicy::Extension;
        s.extension_numbers = vec![ExtensionNumberSetup::Detailed {
            number: "+15550100909".into(),
            business_number: Some("+15550100150".into()),
        }];
        s.extension_digits = 4;
        s.extension_label = "x".into();
        s.extension_retention_hours = 24;
        s.caller_identification = Some(CallerIdentificationSetup {
            prompt: Some("Your customer number, please.".into()),
            digits: 6,
            attempts: Some(2),
            timeout_seconds: Some(5),
            mode: IdentificationMode::Destination,
            crm_url: Some("https://crm.example/identify".into()),
            crm_secret: None,
            identified: Some("gold".into()),
            unidentified: Some("voicemail".into()),
        });
        s.destinations = [("gold".to_string(), "+15550100500".to_string())].into_iter().collect();
        s
    }

    fn sent(form: &Form) -> serde_json::Value {
        settings_of(form).unwrap().change()
    }

    #[test]
    fn an_untouched_save_keeps_extensions_identification_and_its_secret() {
        let shown = with_steps();
        let body = sent(&form_of(&shown));
        assert_eq!(body["caller_identification"]["crm_secret"], json!(null), "null keeps the stored secret");
        assert_eq!(shown.patched(body.to_string().as_bytes()).unwrap(), shown);
    }

    #[test]
    fn extension_and_identification_edits_are_sent_as_typed() {
        let form = form_of(&bare());
        form.extensions.numbers.update(|r| r.push(ExtensionRow::blank()));
        form.extensions.numbers.with_untracked(|r| r[0].number.set(" +1 555 010 0909 ".into()));
        form.extensions.digits.set("4".into());
        form.extensions.label.set(" ext 1 ".into());
        form.identification.on.set(true);
        form.identification.digits.set(" 6 ".into());
        form.identification.destinations.update(|r| r.push(DestinationRow::blank()));
        form.identification.destinations.with_untracked(|r| {
            r[0].name.set(" gold ".into());
            r[0].number.set("+1 555 010 0500".into());
        });
        form.identification.identified.set("gold".into());
        let body = sent(&form);
        assert_eq!(
            body["extension_numbers"],
            json!([{"number": "+1 555 010 0909", "business_number": null}])
        );
        assert_eq!((&body["extension_digits"], &body["extension_label"]), (&json!(4), &json!("ext 1")));
        assert_eq!(
            body["caller_identification"],
            json!({"prompt": null, "digits": 6, "attempts": null, "timeout_seconds": null, "mode": "any",
                   "crm_url": null, "crm_secret": null, "identified": "gold", "unidentified": "business"})
        );
        assert_eq!(body["destinations"], json!({"gold": "+1 555 010 0500"}));
        // Off: nothing is asked, and the destinations stay as the table shows them.
        form.identification.on.set(false);
        form.identification.digits.set("six".into());
        let body = sent(&form);
        assert_eq!(body["caller_identification"], json!(null));
        assert_eq!(body["destinations"], json!({"gold": "+1 555 010 0500"}));
    }

    #[test]
    fn what_the_form_cannot_write_about_the_steps_is_refused_by_field() {
        let form = form_of(&with_steps());
        form.identification.digits.set("six".into());
        form.identification.attempts.set("2.5".into());
        form.extensions.retention_hours.set("a week".into());
        form.identification.destinations.update(|r| r.push(DestinationRow::blank()));
        form.identification.destinations.with_untracked(|r| r[1].name.set("gold ".into()));
        let refused = settings_of(&form).unwrap_err();
        let fields: Vec<&str> = refused.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            [
                "extension_retention_hours",
                "caller_identification.digits",
                "caller_identification.attempts",
                "destinations.gold"
            ]
        );
        assert_eq!(refused[3].1, r#""gold" names two destinations."#);
    }

    /// Number masking set up: two numbers, an hour and a half, a message then a contact centre.
    fn with_masking() -> SiteSettings {
        let mut s = full();
        s.masking_numbers = vec!["+15550100601".into(), "+15550100602".into()];
        s.masking_ttl_minutes = 90;
        s.masking_closed = MaskingClosedSetup::Policy {
            say: Some("Your order is closed.".into()),
            forward_to: Some("+15550100400".into()),
        };
        s
    }

    #[test]
    fn an_untouched_save_keeps_masking_as_shown() {
        let shown = with_masking();
        let form = form_of(&shown);
        assert_eq!(form.masking.closed.get_untracked(), ClosedChoice::SayThenForward);
        assert_eq!(shown.patched(sent(&form).to_string().as_bytes()).unwrap(), shown);
        let mut silent = with_masking();
        silent.masking_closed = MaskingClosedSetup::Word("hangup".into());
        let form = form_of(&silent);
        assert_eq!(form.masking.closed.get_untracked(), ClosedChoice::HangUp);
        assert_eq!(sent(&form)["masking_closed"], json!("hangup"));
    }

    #[test]
    fn masking_edits_are_sent_as_typed() {
        let form = form_of(&bare());
        assert_eq!(form.masking.closed.get_untracked(), ClosedChoice::SayThenHangUp);
        form.masking.numbers.update(|r| r.extend([NumberRow::blank(), NumberRow::blank()]));
        form.masking.numbers.with_untracked(|r| {
            r[0].number.set(" +1 555 010 0601 ".into());
            r[1].number.set("+15550100602".into());
        });
        form.masking.ttl_minutes.set(" 60 ".into());
        form.masking.closed.set(ClosedChoice::SayThenForward);
        form.masking.say.set(" Call us instead. ".into());
        form.masking.forward_to.set(" +1 555 010 0400 ".into());
        let body = sent(&form);
        assert_eq!(body["masking_numbers"], json!(["+1 555 010 0601", "+15550100602"]));
        assert_eq!(body["masking_ttl_minutes"], json!(60));
        assert_eq!(
            body["masking_closed"],
            json!({"say": "Call us instead.", "forward_to": "+1 555 010 0400"})
        );
        // The number typed is kept in the form, but sent only while forwarding is the choice.
        form.masking.closed.set(ClosedChoice::SayThenHangUp);
        form.masking.say.set("  ".into());
        assert_eq!(sent(&form)["masking_closed"], json!({"say": null, "forward_to": null}));
        form.masking.closed.set(ClosedChoice::HangUp);
        assert_eq!(sent(&form)["masking_closed"], json!("hangup"));
        form.masking.closed.set(ClosedChoice::SayThenForward);
        assert_eq!(sent(&form)["masking_closed"], json!({"say": null, "forward_to": "+1 555 010 0400"}));
    }

    #[test]
    fn a_masking_ttl_the_form_cannot_write_is_refused_by_field() {
        let form = form_of(&with_masking());
        form.masking.ttl_minutes.set("a day".into());
        let refused = settings_of(&form).unwrap_err();
        assert_eq!(
            refused,
            [("masking_ttl_minutes".to_string(), r#""a day" is not a whole number."#.to_string())]
        );
    }

    #[test]
    fn numbers_the_form_cannot_write_are_refused_by_field() {
        let form = form_of(&full());
        form.lease_minutes.set("twenty".into());
        form.dial_timeout_seconds.set(" ".into());
        form.max_new_leases.set("-3".into());
        let refused = settings_of(&form).unwrap_err();
        let refused: Vec<(&str, &str)> = refused.iter().map(|(f, m)| (f.as_str(), m.as_str())).collect();
        assert_eq!(
            refused,
            [
                ("lease_minutes", r#""twenty" is not a whole number."#),
                ("dial_timeout_seconds", r#""" is not a whole number."#),
                ("max_new_leases_per_minute", r#""-3" is not a whole number."#),
            ]
        );
    }

    #[test]
    fn retention_is_sent_in_days_and_blank_recordings_follow_the_calls() {
        let shown = full();
        let form = form_of(&shown);
        assert_eq!(form.keep_recordings_days.get_untracked(), "", "as long as the calls");
        form.keep_calls_days.set("365".into());
        form.keep_recordings_days.set(" 30 ".into());
        let sent = settings_of(&form).unwrap().change();
        assert_eq!(
            sent["retention"],
            serde_json::json!({"calls_days": 365, "sessions_days": 400, "recordings_days": 30})
        );
        let saved = shown.patched(sent.to_string().as_bytes()).unwrap();
        assert_eq!((saved.retention.calls_days, saved.retention.recordings_days), (365, Some(30)));
        form.keep_recordings_days.set("".into());
        form.keep_sessions_days.set("a year".into());
        let refused = settings_of(&form).unwrap_err();
        assert_eq!(
            refused,
            [("retention.sessions_days".to_string(), r#""a year" is not a whole number."#.to_string())]
        );
    }
}
