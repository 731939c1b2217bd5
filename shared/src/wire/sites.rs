//! Site administration: `PUT /v1/sites/{site}`'s answer and the numbers the admin adds.

use crate::site::{PoolEntrySetup, SiteConfig};
use serde::{Deserialize, Serialize};

/// A tracking number the admin adds to a site's pool (`POST /v1/admin/sites/{site}/numbers`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NumberEntry {
    pub number: String,
    /// The region whose visitors get it first (`US-TX`).
    #[serde(default)]
    pub region: Option<String>,
    /// The business number it replaces (default: the main one).
    #[serde(default)]
    pub business_number: Option<String>,
}

impl From<NumberEntry> for PoolEntrySetup {
    fn from(e: NumberEntry) -> Self {
        PoolEntrySetup::Detailed { number: e.number, region: e.region, business_number: e.business_number }
    }
}

/// `PUT /v1/sites/{site}` answer: the site as stored (never its token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteSummary {
    pub site: String,
    pub name: String,
    pub business_number: String,
    pub pool: Vec<crate::site::PoolEntry>,
    pub home_region: Option<String>,
    pub lease_minutes: i64,
    pub retention_minutes: i64,
    pub exhaustion: crate::pool::ExhaustionPolicy,
    pub overflow_number: Option<String>,
    pub attribution_model: crate::AttributionModel,
    pub touch_lifetime_days: i64,
    pub static_numbers: Vec<crate::StaticRule>,
    #[serde(default)]
    pub business_numbers: Vec<String>,
    #[serde(default)]
    pub caller_id: String,
    #[serde(default)]
    pub record_calls: bool,
    #[serde(default)]
    pub dial_timeout_seconds: u32,
    #[serde(default)]
    pub keywords: Vec<String>,
    #[serde(default)]
    pub business_hours: Option<crate::BusinessHoursSetup>,
    #[serde(default)]
    pub after_hours: Option<crate::site::AfterHoursSetup>,
    /// The CRM webhook's URL (its secret is never shown).
    #[serde(default)]
    pub crm_webhook_url: Option<String>,
    /// Whether a Twilio auth token is stored (it is never shown).
    #[serde(default)]
    pub twilio_auth_token_set: bool,
    /// Pages that may use the widget; empty: any page.
    #[serde(default)]
    pub allowed_origins: Vec<String>,
}

impl From<&SiteConfig> for SiteSummary {
    fn from(c: &SiteConfig) -> Self {
        SiteSummary {
            site: c.id.clone(),
            name: c.name.clone(),
            business_number: c.business_number.e164().to_string(),
            pool: c.pool.clone(),
            home_region: c.home_region.clone(),
            lease_minutes: c.lease_secs / 60,
            retention_minutes: c.retention_secs / 60,
            exhaustion: c.exhaustion,
            overflow_number: c.overflow_number.as_ref().map(|n| n.e164().to_string()),
            static_numbers: c.static_numbers.clone(),
            attribution_model: c.attribution_model,
            touch_lifetime_days: c.touch_lifetime_secs / (24 * 3600),
            business_numbers: c.business_numbers.iter().map(|n| n.e164().to_string()).collect(),
            caller_id: c.caller_id.setting(),
            record_calls: c.record_calls,
            dial_timeout_seconds: c.dial_timeout_secs,
            keywords: c.keywords.clone(),
            business_hours: c.business_hours.as_ref().map(|h| h.to_setup()),
            after_hours: c.after_hours.as_ref().map(|a| a.to_setup()),
            crm_webhook_url: c.crm_webhook.as_ref().map(|w| w.url.clone()),
            twilio_auth_token_set: c.twilio_auth_token.is_some(),
            allowed_origins: c.allowed_origins.clone(),
        }
    }
}

/// `POST /v1/sites/{site}/settings/caller-identification/test`: what the site's CRM answered a
/// sample identification request, and what a call would do with that answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentificationTest {
    pub url: String,
    /// The JSON body sent (signed like a real request).
    pub request: String,
    /// The CRM's HTTP status, when it answered.
    pub status: Option<u16>,
    /// The start of its answer's body.
    pub answer: Option<String>,
    /// Why there was no answer (timeout, refused).
    pub error: Option<String>,
    /// How long it took, in milliseconds.
    pub ms: u32,
    /// `identified` or `unidentified`.
    pub outcome: String,
    pub reason: Option<String>,
    /// Where such a call would go.
    pub destination: String,
}

/// `POST /v1/sites/{site}/settings/caller-identification/test` body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentificationTestBody {
    /// The customer number to ask about (default: as many 1s as the setting's digits).
    #[serde(default)]
    pub customer_id: Option<String>,
}
