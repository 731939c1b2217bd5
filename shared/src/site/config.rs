//! A site: its business number, its pool of tracking numbers and its API token.

use crate::error::{Error, Result};
use crate::pool::{normalize_region_code, ExhaustionPolicy, PoolRules};
use crate::site::extensions::{ExtensionNumber, ExtensionNumberSetup, ExtensionOptions, ExtensionSettings};
use crate::site::identification::{destinations_from_setup, CallerIdentification, CallerIdentificationSetup};
use crate::site::{AfterHours, AfterHoursSetup, CallerId};
use crate::site::{BusinessHours, BusinessHoursSetup};
use crate::site::{PoolEntry, PoolEntrySetup};
use crate::support::constant_time_eq;
use crate::support::hash_token;
use crate::support::valid_site_id;
use crate::traffic::AttributionModel;
use crate::webhooks::{CrmWebhook, CrmWebhookSetup};
use phone::PhoneNumber;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How a site owner (or the dev seed) describes a site: `PUT /v1/sites/{site}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct SiteSetup {
    pub name: Option<String>,
    /// The number printed on the site's pages, the one calls are forwarded to.
    pub business_number: String,
    /// Tracking numbers to lend to visitors: `"+1 555 010 0201"`, or
    /// `{"number": "+1 555 010 0201", "region": "US-TX"}` for a number local to a region.
    pub pool: Vec<PoolEntrySetup>,
    /// Region whose numbers visitors from unmatched regions get first (`US-NY`, `GB`).
    #[serde(default)]
    pub home_region: Option<String>,
    /// How long a number keeps pointing at its last session after the lease ends, in minutes
    /// (default 30).
    #[serde(default)]
    pub retention_minutes: Option<u32>,
    /// When every number is live: `share` (default) or `overflow`.
    #[serde(default)]
    pub exhaustion: Option<ExhaustionPolicy>,
    /// The number shown under the `overflow` policy.
    #[serde(default)]
    pub overflow_number: Option<String>,
    /// Fixed numbers for whole traffic sources, tried in order before the pool.
    #[serde(default)]
    pub static_numbers: Vec<crate::traffic::StaticRuleSetup>,
    /// Talk time that makes an answered call qualified, in seconds (default 60).
    #[serde(default)]
    pub qualified_talk_seconds: Option<u32>,
    /// Bearer token the dashboard uses for this site (stored hashed). Required for a new
    /// site; omitted on an update, the stored one is kept.
    #[serde(default)]
    pub api_token: Option<String>,
    /// Lease length after the last request, in minutes (default 15).
    pub lease_minutes: Option<u32>,
    /// Which touch a visitor's session is credited to (default `last_non_direct`).
    #[serde(default)]
    pub attribution_model: Option<AttributionModel>,
    /// How long a visitor's touches count, in days (default 90).
    #[serde(default)]
    pub touch_lifetime_days: Option<u32>,
    /// The site's other business numbers (a sales and a service line…); pool entries and
    /// static numbers say which one they replace with `business_number`.
    #[serde(default)]
    pub business_numbers: Vec<String>,
    /// Caller ID on forwarded calls: `caller` (default), `tracking_number` or a number.
    #[serde(default)]
    pub caller_id: Option<String>,
    /// Record forwarded calls (both sides, from the answer).
    #[serde(default)]
    pub record_calls: Option<bool>,
    /// How long the business's phone rings before the call counts as missed (default 30 s).
    #[serde(default)]
    pub dial_timeout_seconds: Option<u32>,
    /// Words that tag a call when its transcript contains them ("price", "install").
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Opening hours; outside them calls go to `after_hours`. Omitted: always open.
    #[serde(default)]
    pub business_hours: Option<BusinessHoursSetup>,
    #[serde(default)]
    pub after_hours: Option<AfterHoursSetup>,
    /// The site's CRM: call start and end are posted there, signed.
    #[serde(default)]
    pub crm_webhook: Option<CrmWebhookSetup>,
    /// The Twilio account's auth token, to check `X-Twilio-Signature`. Write-only: never
    /// returned; omitted on an update, the stored one is kept.
    #[serde(default)]
    pub twilio_auth_token: Option<String>,
    /// How long calls, sessions and recordings are kept, in days (`crate::site::Retention`).
    #[serde(default)]
    pub retention: Option<crate::site::Retention>,
    /// Most new leases the site hands out a minute (default: twice the pool, at least 20);
    /// past it visitors see the overflow or business number (see `crate::pool::RateLimiter`).
    #[serde(default)]
    pub max_new_leases_per_minute: Option<u32>,
    /// Pages that may use the widget (`https://shop.example`, `https://*.shop.example`,
    /// `http://localhost:*`); empty: any page (see `crate::site::origin_allowed`).
    #[serde(default)]
    pub allowed_origins: Vec<String>,
    /// Numbers on which each visitor gets an extension of their own: `"+1…"` or
    /// `{"number": "+1…", "business_number": "+1…"}`.
    #[serde(default)]
    pub extension_numbers: Vec<ExtensionNumberSetup>,
    /// Digits of an extension (3–5, default 3).
    #[serde(default)]
    pub extension_digits: Option<u8>,
    /// What a caller to an extension number hears while the extension is keyed.
    #[serde(default)]
    pub extension_prompt: Option<String>,
    /// What the page prints before the extension (default `ext.`).
    #[serde(default)]
    pub extension_label: Option<String>,
    /// How long an extension stays its session's after the lease ends, in hours (default 168).
    #[serde(default)]
    pub extension_retention_hours: Option<u32>,
    /// Ask callers for their customer number and check it with the CRM before the dial.
    #[serde(default)]
    pub caller_identification: Option<CallerIdentificationSetup>,
    /// Named places a call can go (`{"gold": "+1…"}`), for caller identification.
    #[serde(default)]
    pub destinations: BTreeMap<String, String>,
    /// Proxy numbers an order's two parties call each other through (number masking): a
    /// number is either for visitors or for masking.
    #[serde(default)]
    pub masking_numbers: Vec<String>,
    /// How long a masking session stays open after its creation and each call, in minutes,
    /// when its creation names none (default 1440, a day).
    #[serde(default)]
    pub masking_ttl_minutes: Option<u32>,
    /// What a call to a masking number gets when no open session connects it: `"hangup"` or
    /// `{"say": "This order is closed.", "forward_to": "+1…"}` (default: the words, then the end).
    #[serde(default)]
    pub masking_closed: Option<crate::site::MaskingClosedSetup>,
    /// The currency of spend and call values (ISO 4217, default USD).
    #[serde(default)]
    pub currency: Option<String>,
    /// The IANA zone the site's ad accounts report in (default: the business hours' zone, else UTC).
    #[serde(default)]
    pub time_zone: Option<String>,
    /// What a qualified call without a value of its own is worth (`"50.00"`).
    #[serde(default)]
    pub default_call_value: Option<crate::site::AmountText>,
    /// GA4 Measurement Protocol: `{"measurement_id", "api_secret"}` (the secret write-only).
    #[serde(default)]
    pub ga4: Option<crate::site::Ga4Setup>,
    /// Meta Conversions API: `{"pixel_id", "access_token"}` (the token write-only).
    #[serde(default)]
    pub meta: Option<crate::site::MetaSetup>,
}

/// A site as stored: validated and with its token hashed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteConfig {
    pub id: String,
    pub name: String,
    pub business_number: PhoneNumber,
    pub pool: Vec<PoolEntry>,
    #[serde(default)]
    pub home_region: Option<String>,
    #[serde(default = "default_retention_secs")]
    pub retention_secs: i64,
    #[serde(default)]
    pub exhaustion: ExhaustionPolicy,
    #[serde(default)]
    pub overflow_number: Option<PhoneNumber>,
    #[serde(default)]
    pub static_numbers: Vec<crate::traffic::StaticRule>,
    #[serde(default = "default_qualify_secs")]
    pub qualify_secs: u32,
    pub api_token_sha256: String,
    pub lease_secs: i64,
    #[serde(default)]
    pub attribution_model: AttributionModel,
    #[serde(default = "default_touch_lifetime_secs")]
    pub touch_lifetime_secs: i64,
    #[serde(default)]
    pub business_numbers: Vec<PhoneNumber>,
    #[serde(default)]
    pub caller_id: CallerId,
    #[serde(default)]
    pub record_calls: bool,
    #[serde(default = "default_dial_timeout_secs")]
    pub dial_timeout_secs: u32,
    #[serde(default)]
    pub keywords: Vec<String>,
    #[serde(default)]
    pub business_hours: Option<BusinessHours>,
    #[serde(default)]
    pub after_hours: Option<AfterHours>,
    #[serde(default)]
    pub crm_webhook: Option<CrmWebhook>,
    #[serde(default)]
    pub twilio_auth_token: Option<String>,
    /// `None`: the default for the pool's size.
    #[serde(default)]
    pub max_new_leases_per_minute: Option<u32>,
    /// Normalised origin patterns; empty: any page.
    #[serde(default)]
    pub allowed_origins: Vec<String>,
    #[serde(default)]
    pub extensions: ExtensionSettings,
    #[serde(default)]
    pub caller_identification: Option<CallerIdentification>,
    #[serde(default)]
    pub destinations: BTreeMap<String, PhoneNumber>,
    #[serde(default)]
    pub masking: crate::site::MaskingSettings,
    #[serde(default)]
    pub money: crate::site::MoneySettings,
    #[serde(default)]
    pub retention: crate::site::Retention,
}

fn default_dial_timeout_secs() -> u32 {
    30
}

fn default_qualify_secs() -> u32 {
    60
}

fn default_retention_secs() -> i64 {
    i64::from(DEFAULT_RETENTION_MINUTES) * 60
}

fn default_touch_lifetime_secs() -> i64 {
    i64::from(DEFAULT_TOUCH_LIFETIME_DAYS) * 24 * 3600
}

/// What the KV mirror holds under a tracking number, so the call path can route a call from
/// any edge location without asking the Durable Object. Written when the site's numbers
/// change, not per lease: who holds a number is the site's object's to say (and the visitor
/// mirror's, `visitor:{site}:{id}`), and a call reaches that object anyway.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NumberOwner {
    pub site: String,
    pub business_number: PhoneNumber,
    /// A masking number: its calls are between an order's parties, never the business's (the
    /// call path must not fall back to dialling the business number with the caller's own).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub masking: bool,
}

const DEFAULT_LEASE_MINUTES: u32 = 15;
const DEFAULT_TOUCH_LIFETIME_DAYS: u32 = 90;
const DEFAULT_RETENTION_MINUTES: u32 = 30;
pub(crate) const MIN_TOKEN_LEN: usize = 16;

const MAX_KEYWORDS: usize = 50;
const MAX_KEYWORD_LEN: usize = 40;
const MAX_BUSINESS_NUMBERS: usize = 20;
/// Most tracking numbers in one site's pool.
pub const MAX_POOL: usize = 1000;
const MAX_NAME_LEN: usize = 100;

impl SiteConfig {
    pub fn from_setup(id: &str, setup: SiteSetup) -> Result<Self> {
        Self::from_setup_over(id, setup, None)
    }

    /// Validates a setup; `previous` (the stored config) supplies the API token and the
    /// write-only secrets the update leaves out. Errors name the setup's field
    /// ([`Error::field`]), so a form can show them beside it.
    pub fn from_setup_over(id: &str, setup: SiteSetup, previous: Option<&SiteConfig>) -> Result<Self> {
        if !valid_site_id(id) {
            return Err(Error::invalid("site id must be 1-64 characters of a-z, 0-9, - and _"));
        }
        let phone = |raw: &str, field: &str| PhoneNumber::parse(raw).map_err(|e| Error::from(e).at(field));
        let business_number = phone(&setup.business_number, "business_number")?;
        let mut business_numbers: Vec<PhoneNumber> = Vec::new();
        for (i, raw) in setup.business_numbers.iter().enumerate() {
            let n = phone(raw, &format!("business_numbers[{i}]"))?;
            if n != business_number && !business_numbers.contains(&n) {
                business_numbers.push(n);
            }
        }
        if business_numbers.len() > MAX_BUSINESS_NUMBERS {
            return Err(Error::invalid(format!(
                "business_numbers lists more than {MAX_BUSINESS_NUMBERS} numbers"
            ))
            .at("business_numbers"));
        }
        let forwards_to =
            |raw: Option<&str>, what: &PhoneNumber, field: &str| -> Result<Option<PhoneNumber>> {
                let Some(raw) = raw else { return Ok(None) };
                let n = phone(raw, field)?;
                if n == business_number {
                    Ok(None)
                } else if business_numbers.contains(&n) {
                    Ok(Some(n))
                } else {
                    Err(Error::invalid(format!(
                    "{what}: business_number {n} is not the site's business_number or in business_numbers"
                ))
                    .at(field))
                }
            };
        if setup.pool.is_empty() && setup.extension_numbers.is_empty() && setup.masking_numbers.is_empty() {
            return Err(Error::invalid(
                "pool must list at least one tracking number (or extension_numbers an extension number, or masking_numbers a masking number)",
            )
            .at("pool"));
        }
        if setup.pool.len() > MAX_POOL {
            return Err(Error::invalid(format!("pool lists more than {MAX_POOL} numbers")).at("pool"));
        }
        let region_of = |raw: &str, field: &str| {
            normalize_region_code(raw).ok_or_else(|| {
                Error::invalid(format!("{field} {raw:?} is not a region code such as \"US\" or \"US-TX\""))
                    .at(field)
            })
        };
        let mut pool: Vec<PoolEntry> = Vec::with_capacity(setup.pool.len());
        for (i, entry) in setup.pool.iter().enumerate() {
            let (raw, region, forward) = match entry {
                PoolEntrySetup::Number(n) => (n, None, None),
                PoolEntrySetup::Detailed { number, region, business_number } => {
                    (number, region.as_deref(), business_number.as_deref())
                }
            };
            let field = format!("pool[{i}]");
            let n = phone(raw, &format!("{field}.number"))?;
            if n == business_number || business_numbers.contains(&n) {
                return Err(
                    Error::invalid(format!("pool number {n} is the business number itself")).at(field)
                );
            }
            if pool.iter().any(|e| e.number == n) {
                return Err(Error::invalid(format!("pool lists {n} twice")).at(field));
            }
            let region = region.map(|r| region_of(r, &format!("{field}.region"))).transpose()?;
            let forward = forwards_to(forward, &n, &format!("{field}.business_number"))?;
            pool.push(PoolEntry { number: n, region, business_number: forward });
        }
        let home_region = setup.home_region.as_deref().map(|r| region_of(r, "home_region")).transpose()?;
        let retention = setup.retention_minutes.unwrap_or(DEFAULT_RETENTION_MINUTES);
        if retention > 7 * 24 * 60 {
            return Err(Error::invalid("retention_minutes must be between 0 and 10080 (a week)")
                .at("retention_minutes"));
        }
        let exhaustion = setup.exhaustion.unwrap_or_default();
        let overflow_number =
            setup.overflow_number.as_deref().map(|o| phone(o, "overflow_number")).transpose()?;
        if let Some(o) = &overflow_number {
            if o == &business_number || business_numbers.contains(o) || pool.iter().any(|e| &e.number == o) {
                return Err(Error::invalid("overflow_number must differ from the business and pool numbers")
                    .at("overflow_number"));
            }
        }
        if exhaustion == ExhaustionPolicy::Overflow && overflow_number.is_none() {
            return Err(
                Error::invalid("exhaustion \"overflow\" needs an overflow_number").at("overflow_number")
            );
        }
        let mut extension_numbers: Vec<ExtensionNumber> = Vec::new();
        for (i, entry) in setup.extension_numbers.iter().enumerate() {
            let field = format!("extension_numbers[{i}]");
            let (raw, forward) = entry.parts();
            let n = phone(raw, &format!("{field}.number"))?;
            let clash = n == business_number
                || business_numbers.contains(&n)
                || pool.iter().any(|e| e.number == n)
                || overflow_number.as_ref() == Some(&n)
                || extension_numbers.iter().any(|e| e.number == n);
            if clash {
                return Err(
                    Error::invalid(format!("extension number {n} is already used by this site")).at(field)
                );
            }
            let business_number = forwards_to(forward, &n, &format!("{field}.business_number"))?;
            extension_numbers.push(ExtensionNumber { number: n, business_number });
        }
        if exhaustion == ExhaustionPolicy::Extension && extension_numbers.is_empty() {
            return Err(Error::invalid("exhaustion \"extension\" needs extension_numbers").at("exhaustion"));
        }
        let mut static_numbers: Vec<crate::traffic::StaticRule> = Vec::new();
        for (i, setup) in setup.static_numbers.iter().enumerate() {
            let field = format!("static_numbers[{i}]");
            let mut rule = crate::traffic::StaticRule::from_setup(setup).map_err(|e| e.at(&field))?;
            rule.business_number = forwards_to(
                setup.business_number.as_deref(),
                &rule.number,
                &format!("{field}.business_number"),
            )?;
            let n = &rule.number;
            let clash = n == &business_number
                || business_numbers.contains(n)
                || pool.iter().any(|e| &e.number == n)
                || overflow_number.as_ref() == Some(n)
                || extension_numbers.iter().any(|e| &e.number == n)
                || static_numbers.iter().any(|r| &r.number == n);
            if clash {
                return Err(
                    Error::invalid(format!("static number {n} is already used by this site")).at(field)
                );
            }
            static_numbers.push(rule);
        }
        let api_token_sha256 = match (&setup.api_token, previous) {
            (Some(t), _) if t.chars().count() < MIN_TOKEN_LEN => {
                return Err(Error::invalid(format!("api_token must be at least {MIN_TOKEN_LEN} characters"))
                    .at("api_token"));
            }
            (Some(t), _) => hash_token(t),
            (None, Some(p)) => p.api_token_sha256.clone(),
            (None, None) => {
                return Err(Error::invalid(format!(
                    "api_token is required for a new site (at least {MIN_TOKEN_LEN} characters)"
                ))
                .at("api_token"))
            }
        };
        let minutes = setup.lease_minutes.unwrap_or(DEFAULT_LEASE_MINUTES);
        if !(1..=24 * 60).contains(&minutes) {
            return Err(Error::invalid("lease_minutes must be between 1 and 1440").at("lease_minutes"));
        }
        if setup.qualified_talk_seconds.is_some_and(|s| s > 3600) {
            return Err(Error::invalid("qualified_talk_seconds must be between 0 and 3600")
                .at("qualified_talk_seconds"));
        }
        let lifetime_days = setup.touch_lifetime_days.unwrap_or(DEFAULT_TOUCH_LIFETIME_DAYS);
        if !(1..=730).contains(&lifetime_days) {
            return Err(
                Error::invalid("touch_lifetime_days must be between 1 and 730").at("touch_lifetime_days")
            );
        }
        let caller_id = setup
            .caller_id
            .as_deref()
            .map(CallerId::parse)
            .transpose()
            .map_err(|e| e.at("caller_id"))?
            .unwrap_or_default();
        let dial_timeout_secs = setup.dial_timeout_seconds.unwrap_or_else(default_dial_timeout_secs);
        if !(5..=120).contains(&dial_timeout_secs) {
            return Err(
                Error::invalid("dial_timeout_seconds must be between 5 and 120").at("dial_timeout_seconds")
            );
        }
        let mut keywords: Vec<String> = Vec::new();
        for (i, k) in setup.keywords.iter().enumerate() {
            let k = k.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
            if k.is_empty() || k.chars().count() > MAX_KEYWORD_LEN {
                return Err(Error::invalid(format!("keywords: each must be 1-{MAX_KEYWORD_LEN} characters"))
                    .at(format!("keywords[{i}]")));
            }
            if !keywords.contains(&k) {
                keywords.push(k);
            }
        }
        if keywords.len() > MAX_KEYWORDS {
            return Err(Error::invalid(format!("keywords: at most {MAX_KEYWORDS}")).at("keywords"));
        }
        let business_hours = setup
            .business_hours
            .as_ref()
            .map(BusinessHours::from_setup)
            .transpose()
            .map_err(|e| e.at("business_hours"))?;
        let after_hours = setup
            .after_hours
            .as_ref()
            .map(AfterHours::from_setup)
            .transpose()
            .map_err(|e| e.at("after_hours"))?;
        if after_hours.is_some() && business_hours.is_none() {
            return Err(Error::invalid("after_hours needs business_hours (when is the business closed?)")
                .at("business_hours"));
        }
        let previous_crm = previous.and_then(|p| p.crm_webhook.as_ref());
        let crm_webhook = setup
            .crm_webhook
            .as_ref()
            .map(|c| CrmWebhook::from_setup(c, previous_crm))
            .transpose()
            .map_err(|e| e.at("crm_webhook"))?;
        let twilio_auth_token = match setup.twilio_auth_token.as_deref().map(str::trim) {
            Some("") => None, // an explicit empty value removes it
            Some(t) if t.len() > 128 || !t.bytes().all(|b| b.is_ascii_alphanumeric()) => {
                return Err(Error::invalid("twilio_auth_token must be up to 128 letters and digits")
                    .at("twilio_auth_token"));
            }
            Some(t) => Some(t.to_string()),
            None => previous.and_then(|p| p.twilio_auth_token.clone()),
        };
        if setup.max_new_leases_per_minute.is_some_and(|n| !(1..=100_000).contains(&n)) {
            return Err(Error::invalid("max_new_leases_per_minute must be between 1 and 100000")
                .at("max_new_leases_per_minute"));
        }
        if setup.allowed_origins.len() > crate::site::MAX_ORIGINS {
            return Err(Error::invalid(format!(
                "allowed_origins lists more than {}",
                crate::site::MAX_ORIGINS
            ))
            .at("allowed_origins"));
        }
        let mut allowed_origins: Vec<String> = Vec::new();
        for (i, raw) in setup.allowed_origins.iter().enumerate() {
            let pattern = crate::site::normalize_origin_pattern(raw)
                .map_err(|e| e.at(format!("allowed_origins[{i}]")))?;
            if !allowed_origins.contains(&pattern) {
                allowed_origins.push(pattern);
            }
        }
        let extensions = ExtensionSettings::new(
            extension_numbers,
            ExtensionOptions {
                digits: setup.extension_digits,
                prompt: setup.extension_prompt.as_deref(),
                label: setup.extension_label.as_deref(),
                retention_hours: setup.extension_retention_hours,
            },
        )?;
        let tracking: Vec<PhoneNumber> = pool
            .iter()
            .map(|e| e.number.clone())
            .chain(overflow_number.clone())
            .chain(static_numbers.iter().map(|r| r.number.clone()))
            .chain(extensions.numbers.iter().map(|e| e.number.clone()))
            .collect();
        let business: Vec<PhoneNumber> =
            std::iter::once(business_number.clone()).chain(business_numbers.clone()).collect();
        let masking = crate::site::MaskingSettings::from_setup(
            &setup.masking_numbers,
            setup.masking_ttl_minutes,
            setup.masking_closed.as_ref(),
            &business,
            &tracking,
        )?;
        let owned: Vec<PhoneNumber> = tracking.into_iter().chain(masking.numbers.iter().cloned()).collect();
        let destinations = destinations_from_setup(&setup.destinations, &owned)?;
        let caller_identification = setup
            .caller_identification
            .as_ref()
            .map(|c| {
                CallerIdentification::from_setup(
                    c,
                    &destinations,
                    previous.and_then(|p| p.caller_identification.as_ref()),
                )
            })
            .transpose()?;
        let name = setup.name.as_deref().map(str::trim).filter(|n| !n.is_empty());
        if name.is_some_and(|n| n.chars().count() > MAX_NAME_LEN) {
            return Err(Error::invalid(format!("name must be at most {MAX_NAME_LEN} characters")).at("name"));
        }
        let money = crate::site::MoneySettings::from_setup(
            crate::site::MoneySetup {
                currency: setup.currency.as_deref(),
                time_zone: setup.time_zone.as_deref(),
                default_call_value: setup.default_call_value.as_ref(),
                ga4: setup.ga4.as_ref(),
                meta: setup.meta.as_ref(),
            },
            previous.map(|p| &p.money),
            business_hours.as_ref().map(|h| h.time_zone()),
        )?;
        Ok(SiteConfig {
            retention: setup.retention.unwrap_or_default().checked()?,
            money,
            masking,
            extensions,
            caller_identification,
            destinations,
            allowed_origins,
            max_new_leases_per_minute: setup.max_new_leases_per_minute,
            business_numbers,
            caller_id,
            record_calls: setup.record_calls.unwrap_or(false),
            dial_timeout_secs,
            keywords,
            business_hours,
            after_hours,
            crm_webhook,
            twilio_auth_token,
            id: id.to_string(),
            name: name.map_or_else(|| id.to_string(), str::to_string),
            business_number,
            pool,
            home_region,
            retention_secs: i64::from(retention) * 60,
            exhaustion,
            overflow_number,
            static_numbers,
            qualify_secs: setup.qualified_talk_seconds.unwrap_or_else(default_qualify_secs),
            api_token_sha256,
            lease_secs: i64::from(minutes) * 60,
            attribution_model: setup.attribution_model.unwrap_or_default(),
            touch_lifetime_secs: i64::from(lifetime_days) * 24 * 3600,
        })
    }

    /// The rules the pool lends numbers by.
    pub fn rules(&self) -> PoolRules {
        PoolRules {
            lease_secs: self.lease_secs,
            retention_secs: self.retention_secs,
            home_region: self.home_region.clone(),
            exhaustion: self.exhaustion,
            overflow_number: self.overflow_number.clone(),
        }
    }

    /// Every number this site owns (its calls come here): pool, overflow, static, extension
    /// and masking numbers.
    pub fn owned_numbers(&self) -> Vec<PhoneNumber> {
        self.pool
            .iter()
            .map(|e| e.number.clone())
            .chain(self.overflow_number.clone())
            .chain(self.static_numbers.iter().map(|r| r.number.clone()))
            .chain(self.extensions.numbers.iter().map(|e| e.number.clone()))
            .chain(self.masking.numbers.iter().cloned())
            .collect()
    }

    /// Whether `n` is one of the site's own numbers: a business number or one it owns.
    pub fn is_own_number(&self, n: &PhoneNumber) -> bool {
        n == &self.business_number || self.business_numbers.contains(n) || self.owned_numbers().contains(n)
    }

    /// The rules this site's extensions are lent by.
    pub fn extension_rules(&self) -> crate::pool::ExtensionRules {
        self.extensions.rules(self.lease_secs)
    }

    /// The setup field that lists this owned number (`pool[3]`, `overflow_number`,
    /// `static_numbers[0]`), for errors about it.
    pub fn field_of(&self, number: &PhoneNumber) -> String {
        if let Some(i) = self.pool.iter().position(|e| &e.number == number) {
            format!("pool[{i}]")
        } else if let Some(i) = self.static_numbers.iter().position(|r| &r.number == number) {
            format!("static_numbers[{i}]")
        } else if let Some(i) = self.extensions.numbers.iter().position(|e| &e.number == number) {
            format!("extension_numbers[{i}]")
        } else if let Some(i) = self.masking.numbers.iter().position(|m| m == number) {
            format!("masking_numbers[{i}]")
        } else {
            "overflow_number".into()
        }
    }

    /// The business numbers that have tracking numbers of their own (pool or static), the
    /// main one first.
    pub fn lines(&self) -> Vec<&PhoneNumber> {
        let mut lines = vec![&self.business_number];
        let assigned = self.pool.iter().filter_map(|e| e.business_number.as_ref());
        let statics = self.static_numbers.iter().filter_map(|r| r.business_number.as_ref());
        let extensions = self.extensions.numbers.iter().filter_map(|e| e.business_number.as_ref());
        for b in assigned.chain(statics).chain(extensions) {
            if !lines.contains(&b) {
                lines.push(b);
            }
        }
        lines
    }

    /// The business number calls to this tracking number forward to: the one it replaced.
    pub fn business_number_for(&self, tracking_number: &PhoneNumber) -> &PhoneNumber {
        let from_pool =
            self.pool.iter().find(|e| &e.number == tracking_number).and_then(|e| e.business_number.as_ref());
        let from_static = || {
            self.static_numbers
                .iter()
                .find(|r| &r.number == tracking_number)
                .and_then(|r| r.business_number.as_ref())
        };
        let from_extension = || {
            self.extensions
                .numbers
                .iter()
                .find(|e| &e.number == tracking_number)
                .and_then(|e| e.business_number.as_ref())
        };
        from_pool.or_else(from_static).or_else(from_extension).unwrap_or(&self.business_number)
    }

    /// Whether `presented` is this site's API token; compares hashes in constant time.
    pub fn token_matches(&self, presented: &str) -> bool {
        constant_time_eq(hash_token(presented).as_bytes(), self.api_token_sha256.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::support::tokens_equal;

    fn setup() -> SiteSetup {
        SiteSetup {
            name: None,
            business_number: "+1 555 010 0100".into(),
            pool: vec![
                PoolEntrySetup::Number("+15550100201".into()),
                PoolEntrySetup::Detailed {
                    number: "+15550100202".into(),
                    region: Some("us-tx".into()),
                    business_number: None,
                },
            ],
            home_region: None,
            retention_minutes: None,
            exhaustion: None,
            overflow_number: None,
            static_numbers: Vec::new(),
            qualified_talk_seconds: None,
            api_token: Some("a-long-enough-token".into()),
            ..SiteSetup::default()
        }
    }

    #[test]
    fn valid_setup_becomes_config() {
        let c = SiteConfig::from_setup("demo", setup()).unwrap();
        assert_eq!(c.business_number.e164(), "+15550100100");
        assert_eq!(c.lease_secs, 900);
        assert_eq!(c.retention_secs, 1800);
        assert_eq!(c.pool[1].region.as_deref(), Some("US-TX"));
        assert_eq!(c.exhaustion, ExhaustionPolicy::Share);
        assert!(c.token_matches("a-long-enough-token"));
        assert!(!c.token_matches("a-long-enough-tokeN"));
        assert!(!c.token_matches(""));
        assert!(!c.api_token_sha256.contains("long"), "token is stored hashed");
        assert!(tokens_equal("admin-secret", "admin-secret"));
        assert!(!tokens_equal("admin-secreT", "admin-secret"));
    }

    #[test]
    fn configs_stored_before_regions_still_load() {
        let c = SiteConfig::from_setup("demo", setup()).unwrap();
        let mut json = serde_json::to_value(&c).unwrap();
        json["pool"] = serde_json::json!(["+15550100201"]);
        for key in ["home_region", "retention_secs", "exhaustion", "overflow_number", "attribution_model"] {
            json.as_object_mut().unwrap().remove(key);
        }
        let old: SiteConfig = serde_json::from_value(json).unwrap();
        assert_eq!(old.pool[0].number.e164(), "+15550100201");
        assert_eq!(old.retention_secs, 1800);
    }

    #[test]
    fn bad_setups_say_what_is_wrong() {
        type Change = Box<dyn Fn(&mut SiteSetup)>;
        let cases: Vec<(&str, Change, &str)> = vec![
            ("Demo!", Box::new(|_| {}), "site id"),
            ("demo", Box::new(|s| s.pool.clear()), "at least one"),
            ("demo", Box::new(|s| s.pool.push(PoolEntrySetup::Number("+15550100201".into()))), "twice"),
            (
                "demo",
                Box::new(|s| s.pool.push(PoolEntrySetup::Number("+15550100100".into()))),
                "business number",
            ),
            ("demo", Box::new(|s| s.home_region = Some("Texas".into())), "home_region"),
            ("demo", Box::new(|s| s.exhaustion = Some(ExhaustionPolicy::Overflow)), "overflow_number"),
            ("demo", Box::new(|s| s.retention_minutes = Some(20_000)), "retention_minutes"),
            ("demo", Box::new(|s| s.overflow_number = Some("+15550100201".into())), "overflow_number"),
            ("demo", Box::new(|s| s.api_token = Some("short".into())), "api_token"),
            ("demo", Box::new(|s| s.lease_minutes = Some(0)), "lease_minutes"),
            ("demo", Box::new(|s| s.touch_lifetime_days = Some(0)), "touch_lifetime_days"),
            ("demo", Box::new(|s| s.business_number = "call us".into()), "call us"),
        ];
        for (id, change, needle) in cases {
            let mut s = setup();
            change(&mut s);
            let err = SiteConfig::from_setup(id, s).unwrap_err();
            assert_eq!(err.http_status(), 400);
            assert!(err.to_string().contains(needle), "{err} should mention {needle}");
        }
    }
}
