//! A site's settings as its owner edits them in the dashboard: `GET` and `PATCH
//! /v1/sites/{site}/settings` with the site's own API token.
//!
//! The document uses the words of the admin's [`SiteSetup`], with three differences: it has
//! no API token (a site's token cannot replace itself), its secrets are write-only (the
//! Twilio auth token and the CRM webhook's secret are never sent back; `twilio_auth_token_set`
//! says whether one is stored), and a `PATCH` changes only the top-level fields it names, so
//! a client that knows fewer fields than the edge cannot clear the others by leaving them out.

use crate::error::{Error, Result};
use crate::pool::ExhaustionPolicy;
use crate::site::AfterHoursSetup;
use crate::site::BusinessHoursSetup;
use crate::site::{CallerIdentificationSetup, ExtensionNumberSetup, MaskingClosedSetup};
use crate::site::{PoolEntrySetup, SiteConfig, SiteSetup};
use crate::support::parse_json_value;
use crate::traffic::AttributionModel;
use crate::traffic::StaticRuleSetup;
use crate::webhooks::CrmWebhookSetup;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Largest settings document accepted (a full pool of numbers with regions fits).
pub const MAX_SETTINGS_BODY: usize = 256 * 1024;

/// A site's settings, every field present. A change naming a field this edge does not know
/// is refused ([`SiteSettings::patched`]), so a typo (`lease_minute`) is not silently ignored;
/// reading settings with fields a client does not know (a newer edge) still works.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteSettings {
    pub name: String,
    /// The main number printed on the site's pages; calls forward there.
    pub business_number: String,
    /// Other business numbers (a sales and a service line).
    pub business_numbers: Vec<String>,
    /// The pool of tracking numbers, each with its region and the business number it replaces.
    pub pool: Vec<PoolEntrySetup>,
    pub home_region: Option<String>,
    pub lease_minutes: u32,
    pub retention_minutes: u32,
    pub exhaustion: ExhaustionPolicy,
    pub overflow_number: Option<String>,
    /// Fixed numbers for whole traffic sources.
    pub static_numbers: Vec<StaticRuleSetup>,
    pub attribution_model: AttributionModel,
    pub touch_lifetime_days: u32,
    pub qualified_talk_seconds: u32,
    /// `caller`, `tracking_number` or a phone number.
    pub caller_id: String,
    pub record_calls: bool,
    pub dial_timeout_seconds: u32,
    pub keywords: Vec<String>,
    pub business_hours: Option<BusinessHoursSetup>,
    pub after_hours: Option<AfterHoursSetup>,
    /// The CRM webhook; its `secret` is never sent back (`null`), and left `null` on a change
    /// the stored one is kept.
    pub crm_webhook: Option<CrmWebhookSetup>,
    /// Pages that may use the widget; empty: any page.
    #[serde(default)]
    pub allowed_origins: Vec<String>,
    /// Most new leases a minute; `null`: twice the pool, at least 20.
    #[serde(default)]
    pub max_new_leases_per_minute: Option<u32>,
    /// Write-only: a new Twilio auth token, `""` to remove it; never sent back.
    #[serde(default, skip_serializing)]
    pub twilio_auth_token: Option<String>,
    /// Read-only: whether a Twilio auth token is stored (ignored in a change).
    #[serde(default)]
    pub twilio_auth_token_set: bool,
    /// Numbers on which each visitor is shown an extension of their own.
    #[serde(default)]
    pub extension_numbers: Vec<ExtensionNumberSetup>,
    #[serde(default = "default_extension_digits")]
    pub extension_digits: u8,
    #[serde(default = "default_extension_prompt")]
    pub extension_prompt: String,
    #[serde(default = "default_extension_label")]
    pub extension_label: String,
    #[serde(default = "default_extension_retention_hours")]
    pub extension_retention_hours: u32,
    /// Caller identification; its `crm_secret` is never sent back (`null`), and left `null`
    /// on a change the stored one is kept.
    #[serde(default)]
    pub caller_identification: Option<CallerIdentificationSetup>,
    /// Named destinations (`{"gold": "+1…"}`).
    #[serde(default)]
    pub destinations: BTreeMap<String, String>,
    /// Proxy numbers for number masking (an order's parties call each other through them).
    #[serde(default)]
    pub masking_numbers: Vec<String>,
    /// A masking session's ttl when its creation names none, in minutes.
    #[serde(default = "default_masking_ttl_minutes")]
    pub masking_ttl_minutes: u32,
    /// What a call to a masking number gets with no open session: `"hangup"` or
    /// `{"say", "forward_to"}`.
    #[serde(default = "default_masking_closed")]
    pub masking_closed: MaskingClosedSetup,
    /// The currency of spend and call values.
    #[serde(default = "default_currency")]
    pub currency: String,
    /// The zone the site's ad accounts report in.
    #[serde(default = "default_time_zone")]
    pub time_zone: String,
    /// What a qualified call without a value is worth (`"50.00"`; `null`: nothing).
    #[serde(default)]
    pub default_call_value: Option<crate::site::AmountText>,
    /// GA4 Measurement Protocol (its `api_secret` is never sent back).
    #[serde(default)]
    pub ga4: Option<crate::site::Ga4Setup>,
    /// Meta Conversions API (its `access_token` is never sent back).
    #[serde(default)]
    pub meta: Option<crate::site::MetaSetup>,
    /// How long calls, sessions and recordings are kept, in days.
    #[serde(default)]
    pub retention: crate::site::Retention,
}

fn default_currency() -> String {
    "USD".into()
}

fn default_time_zone() -> String {
    "UTC".into()
}

fn default_masking_ttl_minutes() -> u32 {
    crate::site::masking::DEFAULT_MASKING_TTL_MINUTES
}

fn default_masking_closed() -> MaskingClosedSetup {
    crate::site::MaskingSettings::default().closed_setup()
}

fn default_extension_digits() -> u8 {
    crate::site::extensions::DEFAULT_EXTENSION_DIGITS
}

fn default_extension_prompt() -> String {
    crate::site::DEFAULT_EXTENSION_PROMPT.into()
}

fn default_extension_label() -> String {
    crate::site::DEFAULT_EXTENSION_LABEL.into()
}

fn default_extension_retention_hours() -> u32 {
    crate::site::extensions::DEFAULT_EXTENSION_RETENTION_HOURS
}

impl SiteSettings {
    /// The settings of a stored site, without its token and secrets.
    pub fn of(c: &SiteConfig) -> SiteSettings {
        let e164 = |n: &phone::PhoneNumber| n.e164().to_string();
        SiteSettings {
            name: c.name.clone(),
            business_number: e164(&c.business_number),
            business_numbers: c.business_numbers.iter().map(e164).collect(),
            pool: c
                .pool
                .iter()
                .map(|e| PoolEntrySetup::Detailed {
                    number: e164(&e.number),
                    region: e.region.clone(),
                    business_number: e.business_number.as_ref().map(e164),
                })
                .collect(),
            home_region: c.home_region.clone(),
            lease_minutes: u32::try_from(c.lease_secs / 60).unwrap_or(u32::MAX),
            retention_minutes: u32::try_from(c.retention_secs / 60).unwrap_or(u32::MAX),
            exhaustion: c.exhaustion,
            overflow_number: c.overflow_number.as_ref().map(e164),
            static_numbers: c
                .static_numbers
                .iter()
                .map(|r| StaticRuleSetup {
                    number: e164(&r.number),
                    channel: r.channel.map(|ch| ch.label().to_string()),
                    utm_source: r.source.clone(),
                    utm_medium: r.medium.clone(),
                    utm_campaign: r.campaign.clone(),
                    business_number: r.business_number.as_ref().map(e164),
                })
                .collect(),
            attribution_model: c.attribution_model,
            touch_lifetime_days: u32::try_from(c.touch_lifetime_secs / (24 * 3600)).unwrap_or(u32::MAX),
            qualified_talk_seconds: c.qualify_secs,
            caller_id: c.caller_id.setting(),
            record_calls: c.record_calls,
            dial_timeout_seconds: c.dial_timeout_secs,
            keywords: c.keywords.clone(),
            business_hours: c.business_hours.as_ref().map(|h| h.to_setup()),
            after_hours: c.after_hours.as_ref().map(|a| a.to_setup()),
            crm_webhook: c.crm_webhook.as_ref().map(|w| CrmWebhookSetup { url: w.url.clone(), secret: None }),
            max_new_leases_per_minute: c.max_new_leases_per_minute,
            allowed_origins: c.allowed_origins.clone(),
            twilio_auth_token: None,
            twilio_auth_token_set: c.twilio_auth_token.is_some(),
            extension_numbers: c.extensions.setup_numbers(),
            extension_digits: c.extensions.digits,
            extension_prompt: c.extensions.prompt.clone(),
            extension_label: c.extensions.label.clone(),
            extension_retention_hours: c.extensions.retention_hours(),
            caller_identification: c.caller_identification.as_ref().map(|i| i.to_setup()),
            destinations: c.destinations.iter().map(|(k, v)| (k.clone(), v.e164().to_string())).collect(),
            masking_numbers: c.masking.numbers.iter().map(e164).collect(),
            masking_ttl_minutes: c.masking.ttl_minutes(),
            masking_closed: c.masking.closed_setup(),
            currency: c.money.currency.code().to_string(),
            time_zone: c.money.time_zone.clone(),
            default_call_value: c.money.default_call_value_text().map(crate::site::AmountText),
            ga4: c.money.ga4.as_ref().map(|g| crate::site::Ga4Setup {
                measurement_id: g.measurement_id.clone(),
                api_secret: None,
            }),
            meta: c
                .money
                .meta
                .as_ref()
                .map(|m| crate::site::MetaSetup { pixel_id: m.pixel_id.clone(), access_token: None }),
            retention: c.retention,
        }
    }

    /// These settings with a `PATCH` body applied: the JSON object's fields replace the
    /// same fields here (`null` clears an optional one); fields it leaves out are kept. The
    /// result is checked for shape (an error names the field); its values are checked by
    /// [`SiteConfig::from_setup_over`].
    pub fn patched(&self, body: &[u8]) -> Result<SiteSettings> {
        if body.len() > MAX_SETTINGS_BODY {
            return Err(Error::PayloadTooLarge(MAX_SETTINGS_BODY));
        }
        let patch: serde_json::Value = serde_json::from_slice(body)
            .map_err(|e| Error::invalid(format!("body is not valid JSON: {e}")))?;
        let serde_json::Value::Object(patch) = patch else {
            return Err(Error::invalid("body must be a JSON object of the settings to change"));
        };
        let mut merged = match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(m)) => m,
            _ => return Err(Error::Storage("settings did not serialize to an object".into())),
        };
        for (key, value) in patch {
            if !merged.contains_key(&key) && key != "twilio_auth_token" {
                let known: Vec<&str> = merged.keys().map(String::as_str).collect();
                return Err(Error::invalid(format!(
                    "unknown field `{key}` (the api_token cannot be changed here); settings are {}",
                    known.join(", ")
                ))
                .at(key));
            }
            merged.insert(key, value);
        }
        parse_json_value(serde_json::Value::Object(merged), "settings document")
    }

    /// The body of a `PATCH` that makes the site's settings these ones: every field, without
    /// the read-only `twilio_auth_token_set`, and with the write-only `twilio_auth_token` only
    /// when it is to be replaced (`""`: removed). What the dashboard's Save sends.
    pub fn change(&self) -> serde_json::Value {
        let mut doc = serde_json::to_value(self).unwrap_or_default();
        if let Some(fields) = doc.as_object_mut() {
            fields.remove("twilio_auth_token_set");
            if let Some(token) = &self.twilio_auth_token {
                fields.insert("twilio_auth_token".into(), token.clone().into());
            }
        }
        doc
    }

    /// The setup these settings describe; the API token (and a secret left out) is kept
    /// from the stored site by [`SiteConfig::from_setup_over`].
    pub fn into_setup(self) -> SiteSetup {
        SiteSetup {
            name: Some(self.name),
            business_number: self.business_number,
            pool: self.pool,
            home_region: self.home_region,
            retention_minutes: Some(self.retention_minutes),
            exhaustion: Some(self.exhaustion),
            overflow_number: self.overflow_number,
            static_numbers: self.static_numbers,
            qualified_talk_seconds: Some(self.qualified_talk_seconds),
            api_token: None,
            lease_minutes: Some(self.lease_minutes),
            attribution_model: Some(self.attribution_model),
            touch_lifetime_days: Some(self.touch_lifetime_days),
            business_numbers: self.business_numbers,
            caller_id: Some(self.caller_id),
            record_calls: Some(self.record_calls),
            dial_timeout_seconds: Some(self.dial_timeout_seconds),
            keywords: self.keywords,
            business_hours: self.business_hours,
            after_hours: self.after_hours,
            crm_webhook: self.crm_webhook,
            twilio_auth_token: self.twilio_auth_token,
            max_new_leases_per_minute: self.max_new_leases_per_minute,
            allowed_origins: self.allowed_origins,
            extension_numbers: self.extension_numbers,
            extension_digits: Some(self.extension_digits),
            extension_prompt: Some(self.extension_prompt),
            extension_label: Some(self.extension_label),
            extension_retention_hours: Some(self.extension_retention_hours),
            caller_identification: self.caller_identification,
            destinations: self.destinations,
            masking_numbers: self.masking_numbers,
            masking_ttl_minutes: Some(self.masking_ttl_minutes),
            masking_closed: Some(self.masking_closed),
            currency: Some(self.currency),
            time_zone: Some(self.time_zone),
            default_call_value: self.default_call_value,
            ga4: self.ga4,
            meta: self.meta,
            retention: Some(self.retention),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::webhooks::CrmWebhookSetup;
    use serde_json::json;

    fn config() -> SiteConfig {
        let setup: SiteSetup = serde_json::from_value(json!({
            "name": "Acme Plumbing",
            "business_number": "+1 555 010 0100",
            "business_numbers": ["+1 555 010 0150"],
            "pool": ["+15550100201", {"number": "+15550100202", "region": "us-tx"},
                     {"number": "+15550100203", "business_number": "+15550100150"}],
            "home_region": "US-TX",
            "exhaustion": "overflow", "overflow_number": "+15550100299",
            "static_numbers": [{"number": "+15550100301", "channel": "paid_social", "utm_source": "Facebook"}],
            "qualified_talk_seconds": 90, "api_token": "a-long-enough-token", "lease_minutes": 20,
            "attribution_model": "first_touch", "touch_lifetime_days": 30, "caller_id": "tracking_number",
            "record_calls": true, "dial_timeout_seconds": 25, "keywords": ["Price", "install"],
            "business_hours": {"time_zone": "America/Chicago", "weekly": {"mon": ["09:00-17:00"], "sat": ["22:00-02:00"]},
                               "closed_dates": ["2026-12-25"]},
            "after_hours": {"forward_to": "+15550100400"},
            "crm_webhook": {"url": "https://crm.example/hook", "secret": "crm-secret-0123456789"},
            "twilio_auth_token": "abc123",
            "currency": "eur", "default_call_value": 80,
            "ga4": {"measurement_id": "G-ACME1234", "api_secret": "ga4-secret-acme"},
            "meta": {"pixel_id": "1234567890", "access_token": "meta-token-acme-0123456789"}
        }))
        .unwrap();
        SiteConfig::from_setup("acme", setup).unwrap()
    }

    #[test]
    fn a_change_names_every_field_and_the_token_only_to_replace_it() {
        let shown = SiteSettings::of(&config());
        let doc = shown.change();
        assert!(doc.get("twilio_auth_token_set").is_none() && doc.get("twilio_auth_token").is_none());
        assert_eq!(shown.patched(doc.to_string().as_bytes()).unwrap(), shown, "saving it changes nothing");
        let removing = SiteSettings { twilio_auth_token: Some(String::new()), ..shown.clone() }.change();
        assert_eq!(removing["twilio_auth_token"], "");
        let patched = shown.patched(removing.to_string().as_bytes()).unwrap();
        assert_eq!(patched.twilio_auth_token.as_deref(), Some(""), "the stored token is to be removed");
    }

    #[test]
    fn settings_round_trip_to_the_same_site() {
        let c = config();
        let shown = SiteSettings::of(&c);
        let again = SiteConfig::from_setup_over("acme", shown.clone().into_setup(), Some(&c)).unwrap();
        assert_eq!(again, c, "showing and saving unchanged settings changes nothing");
        assert!(shown.twilio_auth_token_set);
        assert_eq!(shown.static_numbers[0].channel.as_deref(), Some("paid social"));
    }

    #[test]
    fn secrets_and_the_token_are_never_shown() {
        let c = config();
        let text = serde_json::to_string(&SiteSettings::of(&c)).unwrap();
        for secret in
            ["abc123", "crm-secret", "a-long-enough-token", "ga4-secret", "meta-token", &c.api_token_sha256]
        {
            assert!(!text.contains(secret), "{secret} leaked in {text}");
        }
        assert!(!text.contains("twilio_auth_token\""), "the write-only field is not even named");
        let shown = SiteSettings::of(&c);
        assert_eq!(
            (shown.currency.as_str(), shown.time_zone.as_str()),
            ("EUR", "America/Chicago"),
            "the hours' zone"
        );
        assert_eq!(shown.default_call_value.map(|v| v.0).as_deref(), Some("80.00"));
        assert_eq!(shown.ga4.map(|g| (g.measurement_id, g.api_secret)), Some(("G-ACME1234".into(), None)));
    }

    #[test]
    fn a_patch_changes_only_what_it_names() {
        let c = config();
        let shown = SiteSettings::of(&c);
        let changed = shown.patched(br#"{"lease_minutes": 45, "keywords": ["refund"]}"#).unwrap();
        let new = SiteConfig::from_setup_over("acme", changed.into_setup(), Some(&c)).unwrap();
        assert_eq!(new.lease_secs, 45 * 60);
        assert_eq!(new.keywords, vec!["refund".to_string()]);
        assert_eq!(new.pool, c.pool);
        assert_eq!(new.api_token_sha256, c.api_token_sha256, "the token is kept");
        assert_eq!(new.twilio_auth_token, c.twilio_auth_token, "a secret left out is kept");
        assert_eq!(new.crm_webhook, c.crm_webhook);
        assert_eq!(new.business_hours, c.business_hours);
    }

    #[test]
    fn secrets_are_replaced_or_removed_only_when_named() {
        let c = config();
        let shown = SiteSettings::of(&c);
        let apply = |body: &str| {
            SiteConfig::from_setup_over(
                "acme",
                shown.patched(body.as_bytes()).unwrap().into_setup(),
                Some(&c),
            )
        };
        assert_eq!(
            apply(r#"{"twilio_auth_token": "xyz789"}"#).unwrap().twilio_auth_token.as_deref(),
            Some("xyz789")
        );
        assert_eq!(apply(r#"{"twilio_auth_token": ""}"#).unwrap().twilio_auth_token, None);
        let read_only_ignored = apply(r#"{"twilio_auth_token_set": false}"#).unwrap();
        assert_eq!(read_only_ignored.twilio_auth_token, c.twilio_auth_token);
        let moved = apply(r#"{"crm_webhook": {"url": "https://crm.example/new", "secret": null}}"#).unwrap();
        let hook = moved.crm_webhook.unwrap();
        assert_eq!(
            (hook.url.as_str(), hook.secret.as_str()),
            ("https://crm.example/new", "crm-secret-0123456789")
        );
        assert_eq!(apply(r#"{"crm_webhook": null}"#).unwrap().crm_webhook, None);
        let expected = CrmWebhookSetup { url: "https://crm.example/hook".into(), secret: None };
        assert_eq!(shown.crm_webhook, Some(expected));
    }

    #[test]
    fn bad_changes_name_their_field() {
        let c = config();
        let shown = SiteSettings::of(&c);
        let cases = [
            (r#"{"lease_minutes": "twenty"}"#, Some("lease_minutes"), "invalid type"),
            (r#"{"lease_minutes": 0}"#, Some("lease_minutes"), "between 1 and 1440"),
            (r#"{"lease_minutes": -5}"#, Some("lease_minutes"), "invalid value"),
            (r#"{"lease_minute": 30}"#, Some("lease_minute"), "unknown field `lease_minute`"),
            (
                r#"{"after_hours": {"forwrd_to": "+15550100400"}}"#,
                Some("after_hours.forwrd_to"),
                "unknown field `forwrd_to`",
            ),
            (r#"{"pool": [{"number": "+15550100201", "regoin": "US"}]}"#, Some("pool[0]"), "did not match"),
            (r#"{"api_token": "a-new-long-enough-token"}"#, Some("api_token"), "unknown field `api_token`"),
            (r#"{"business_number": "call us"}"#, Some("business_number"), "call us"),
            (r#"{"pool": []}"#, Some("pool"), "at least one"),
            (r#"{"pool": ["+15550100201", "+1 555 010 0201"]}"#, Some("pool[1]"), "twice"),
            (
                r#"{"pool": [{"number": "+15550100201", "region": "Texas"}]}"#,
                Some("pool[0].region"),
                "region code",
            ),
            (r#"{"pool": [{"numbr": "+15550100201"}]}"#, Some("pool[0]"), "did not match"),
            (r#"{"overflow_number": null}"#, Some("overflow_number"), "needs an overflow_number"),
            (
                r#"{"static_numbers": [{"number": "+15550100302"}]}"#,
                Some("static_numbers[0]"),
                "at least one",
            ),
            (r#"{"keywords": ["ok", "  "]}"#, Some("keywords[1]"), "1-40 characters"),
            (r#"{"business_hours": {"time_zone": "Mars/Base"}}"#, Some("business_hours.time_zone"), "Mars"),
            (
                r#"{"business_hours": {"time_zone": "UTC", "weekly": {"mon": ["9-5"]}}}"#,
                Some("business_hours.weekly.mon"),
                "9-5",
            ),
            (r#"{"crm_webhook": {"url": "ftp://x"}}"#, Some("crm_webhook.url"), "https://"),
            (r#"{"twilio_auth_token": "no spaces please"}"#, Some("twilio_auth_token"), "letters and digits"),
            (r#"{"caller_id": "the boss"}"#, Some("caller_id"), "caller_id"),
            (r#"{"attribution_model": "linear"}"#, Some("attribution_model"), "unknown variant"),
            (r#"[1, 2]"#, None, "JSON object"),
            (r#"{"lease_minutes": 30"#, None, "not valid JSON"),
        ];
        for (body, field, needle) in cases {
            let err = shown
                .patched(body.as_bytes())
                .and_then(|s| SiteConfig::from_setup_over("acme", s.into_setup(), Some(&c)))
                .unwrap_err();
            assert_eq!(err.http_status(), 400, "{body}: {err}");
            assert_eq!(err.field(), field, "{body}: {err}");
            assert!(err.to_string().contains(needle), "{body}: {err} should mention {needle}");
        }
        let huge = vec![b' '; MAX_SETTINGS_BODY + 1];
        assert_eq!(shown.patched(&huge).unwrap_err().http_status(), 413);
    }
}
