//! The settings form's state: the text as typed, one signal per input, read from the settings.

use crate::components::row_table::{next_row_id, EditableRow};
use leptos::prelude::*;
use shared::SiteSettings;
use shared::{AttributionModel, ExhaustionPolicy, IdentificationMode, MaskingClosedSetup, PoolEntrySetup};

/// The week as the settings document keys it, with the names the form shows.
pub const DAYS: [(&str, &str); 7] = [
    ("mon", "Monday"),
    ("tue", "Tuesday"),
    ("wed", "Wednesday"),
    ("thu", "Thursday"),
    ("fri", "Friday"),
    ("sat", "Saturday"),
    ("sun", "Sunday"),
];

pub const EXHAUSTION_POLICIES: [ExhaustionPolicy; 3] =
    [ExhaustionPolicy::Share, ExhaustionPolicy::Overflow, ExhaustionPolicy::Extension];

pub const IDENTIFICATION_MODES: [IdentificationMode; 3] =
    [IdentificationMode::Any, IdentificationMode::Check, IdentificationMode::Destination];

pub const ATTRIBUTION_MODELS: [AttributionModel; 3] =
    [AttributionModel::FirstTouch, AttributionModel::LastTouch, AttributionModel::LastNonDirect];

/// A policy as its `<option>` (and the settings document) spells it.
pub fn exhaustion_value(p: ExhaustionPolicy) -> &'static str {
    match p {
        ExhaustionPolicy::Share => "share",
        ExhaustionPolicy::Overflow => "overflow",
        ExhaustionPolicy::Extension => "extension",
    }
}

/// A model as its `<option>` (and the settings document) spells it.
pub fn attribution_value(m: AttributionModel) -> &'static str {
    match m {
        AttributionModel::FirstTouch => "first_touch",
        AttributionModel::LastTouch => "last_touch",
        AttributionModel::LastNonDirect => "last_non_direct",
    }
}

/// The choice an `<option>` value names (a `<select>` offers no others).
pub fn chosen<T: Copy>(all: &[T], value_of: fn(T) -> &'static str, value: &str) -> Option<T> {
    all.iter().copied().find(|v| value_of(*v) == value)
}

fn text(v: Option<&str>) -> RwSignal<String> {
    RwSignal::new(v.unwrap_or_default().to_string())
}

fn blank() -> RwSignal<String> {
    RwSignal::new(String::new())
}

/// One of the other business numbers.
#[derive(Clone)]
pub struct NumberRow {
    pub id: u64,
    pub number: RwSignal<String>,
}

/// One tracking number of the pool.
#[derive(Clone)]
pub struct PoolRow {
    pub id: u64,
    pub number: RwSignal<String>,
    pub region: RwSignal<String>,
    /// The business number it replaces; empty: the main one.
    pub line: RwSignal<String>,
}

/// One static number and the traffic it is for.
#[derive(Clone)]
pub struct StaticRow {
    pub id: u64,
    pub number: RwSignal<String>,
    pub channel: RwSignal<String>,
    pub source: RwSignal<String>,
    pub medium: RwSignal<String>,
    pub campaign: RwSignal<String>,
    /// The business number it replaces; empty: the main one.
    pub line: RwSignal<String>,
}

/// One extension number.
#[derive(Clone)]
pub struct ExtensionRow {
    pub id: u64,
    pub number: RwSignal<String>,
    /// The business number it replaces; empty: the main one.
    pub line: RwSignal<String>,
}

/// One named destination of caller identification (`gold` → a number).
#[derive(Clone)]
pub struct DestinationRow {
    pub id: u64,
    pub name: RwSignal<String>,
    pub number: RwSignal<String>,
}

impl NumberRow {
    pub fn blank() -> NumberRow {
        NumberRow { id: next_row_id(), number: blank() }
    }
}

impl PoolRow {
    pub fn blank() -> PoolRow {
        PoolRow { id: next_row_id(), number: blank(), region: blank(), line: blank() }
    }
}

impl StaticRow {
    pub fn blank() -> StaticRow {
        StaticRow {
            id: next_row_id(),
            number: blank(),
            channel: blank(),
            source: blank(),
            medium: blank(),
            campaign: blank(),
            line: blank(),
        }
    }
}

impl ExtensionRow {
    pub fn blank() -> ExtensionRow {
        ExtensionRow { id: next_row_id(), number: blank(), line: blank() }
    }
}

impl DestinationRow {
    pub fn blank() -> DestinationRow {
        DestinationRow { id: next_row_id(), name: blank(), number: blank() }
    }
}

macro_rules! editable_row {
    ($($row:ty),*) => {$(
        impl EditableRow for $row {
            fn id(&self) -> u64 {
                self.id
            }
            fn number(&self) -> RwSignal<String> {
                self.number
            }
        }
    )*};
}
editable_row!(NumberRow, PoolRow, StaticRow, ExtensionRow, DestinationRow);

/// The extension numbers and how their extensions are shown, keyed and kept.
#[derive(Clone, Copy)]
pub struct ExtensionsForm {
    pub numbers: RwSignal<Vec<ExtensionRow>>,
    /// `3`, `4` or `5`, as the `<select>` has it.
    pub digits: RwSignal<String>,
    pub prompt: RwSignal<String>,
    pub label: RwSignal<String>,
    pub retention_hours: RwSignal<String>,
}

/// Caller identification and the named destinations it can send a call to.
#[derive(Clone, Copy)]
pub struct IdentificationForm {
    /// Off: the site asks callers nothing (`caller_identification: null`).
    pub on: RwSignal<bool>,
    pub prompt: RwSignal<String>,
    pub digits: RwSignal<String>,
    pub attempts: RwSignal<String>,
    pub timeout_seconds: RwSignal<String>,
    pub mode: RwSignal<IdentificationMode>,
    pub crm_url: RwSignal<String>,
    /// A new CRM secret; blank keeps the stored one.
    pub crm_secret: RwSignal<String>,
    pub crm_secret_set: bool,
    /// A destination's name: `business`, `voicemail`, `hangup` or one of `destinations`.
    pub identified: RwSignal<String>,
    pub unidentified: RwSignal<String>,
    pub destinations: RwSignal<Vec<DestinationRow>>,
}

/// What a call to a masking number gets when no open session connects the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClosedChoice {
    /// The message, then the call ends.
    SayThenHangUp,
    /// The message (if any), then the call goes to a number (a contact centre).
    SayThenForward,
    /// The call ends at once.
    HangUp,
}

pub const CLOSED_CHOICES: [(ClosedChoice, &str); 3] = [
    (ClosedChoice::SayThenHangUp, "Say a message, then hang up"),
    (ClosedChoice::SayThenForward, "Say a message, then forward the call to a number"),
    (ClosedChoice::HangUp, "Hang up without a word"),
];

impl ClosedChoice {
    /// The choice as its radio button's value.
    pub fn value(self) -> &'static str {
        match self {
            ClosedChoice::SayThenHangUp => "say",
            ClosedChoice::SayThenForward => "forward",
            ClosedChoice::HangUp => "hangup",
        }
    }
}

/// Number masking: the proxy numbers, how long a session stays open, what a closed order's
/// caller gets.
#[derive(Clone, Copy)]
pub struct MaskingForm {
    pub numbers: RwSignal<Vec<NumberRow>>,
    pub ttl_minutes: RwSignal<String>,
    pub closed: RwSignal<ClosedChoice>,
    /// Kept while another choice is made: choosing back finds it as it was.
    pub say: RwSignal<String>,
    pub forward_to: RwSignal<String>,
}

/// Money and conversions: the currency and time zone of spend and values, a qualified call's
/// default value, and the ad platforms conversions are sent to (their secrets write-only).
#[derive(Clone, Copy)]
pub struct MoneyForm {
    pub currency: RwSignal<String>,
    pub time_zone: RwSignal<String>,
    pub default_call_value: RwSignal<String>,
    /// Blank: GA4 off.
    pub ga4_measurement_id: RwSignal<String>,
    /// A new API secret; blank keeps the stored one.
    pub ga4_api_secret: RwSignal<String>,
    pub ga4_set: bool,
    /// Blank: Meta off.
    pub meta_pixel_id: RwSignal<String>,
    /// A new access token; blank keeps the stored one.
    pub meta_access_token: RwSignal<String>,
    pub meta_set: bool,
}

impl MoneyForm {
    fn of(s: &SiteSettings) -> MoneyForm {
        MoneyForm {
            currency: text(Some(&s.currency)),
            time_zone: text(Some(&s.time_zone)),
            default_call_value: text(s.default_call_value.as_ref().map(|v| v.0.as_str())),
            ga4_measurement_id: text(s.ga4.as_ref().map(|g| g.measurement_id.as_str())),
            ga4_api_secret: blank(),
            ga4_set: s.ga4.is_some(),
            meta_pixel_id: text(s.meta.as_ref().map(|m| m.pixel_id.as_str())),
            meta_access_token: blank(),
            meta_set: s.meta.is_some(),
        }
    }
}

impl MaskingForm {
    fn of(s: &SiteSettings) -> MaskingForm {
        let (closed, say, forward_to) = match &s.masking_closed {
            // The only word there is (`hangup`).
            MaskingClosedSetup::Word(_) => (ClosedChoice::HangUp, None, None),
            MaskingClosedSetup::Policy { say, forward_to: Some(to) } => {
                (ClosedChoice::SayThenForward, say.as_deref(), Some(to.as_str()))
            }
            MaskingClosedSetup::Policy { say, forward_to: None } => {
                (ClosedChoice::SayThenHangUp, say.as_deref(), None)
            }
        };
        MaskingForm {
            numbers: RwSignal::new(
                s.masking_numbers
                    .iter()
                    .map(|n| NumberRow { id: next_row_id(), number: text(Some(n)) })
                    .collect(),
            ),
            ttl_minutes: RwSignal::new(s.masking_ttl_minutes.to_string()),
            closed: RwSignal::new(closed),
            say: text(say),
            forward_to: text(forward_to),
        }
    }
}

impl ExtensionsForm {
    fn of(s: &SiteSettings) -> ExtensionsForm {
        let numbers = s
            .extension_numbers
            .iter()
            .map(|e| {
                let (number, line) = e.parts();
                ExtensionRow { id: next_row_id(), number: text(Some(number)), line: text(line) }
            })
            .collect();
        ExtensionsForm {
            numbers: RwSignal::new(numbers),
            digits: RwSignal::new(s.extension_digits.to_string()),
            prompt: text(Some(&s.extension_prompt)),
            label: text(Some(&s.extension_label)),
            retention_hours: RwSignal::new(s.extension_retention_hours.to_string()),
        }
    }
}

impl IdentificationForm {
    fn of(s: &SiteSettings) -> IdentificationForm {
        let c = s.caller_identification.as_ref();
        let number = |n: Option<u32>| RwSignal::new(n.map(|n| n.to_string()).unwrap_or_default());
        let destination = |d: Option<&String>| RwSignal::new(d.cloned().unwrap_or_else(|| "business".into()));
        IdentificationForm {
            on: RwSignal::new(c.is_some()),
            prompt: text(c.and_then(|c| c.prompt.as_deref())),
            digits: number(c.map(|c| c.digits)),
            attempts: number(c.and_then(|c| c.attempts)),
            timeout_seconds: number(c.and_then(|c| c.timeout_seconds)),
            mode: RwSignal::new(c.map(|c| c.mode).unwrap_or_default()),
            crm_url: text(c.and_then(|c| c.crm_url.as_deref())),
            crm_secret: blank(),
            // A CRM URL is only ever stored with its secret.
            crm_secret_set: c.is_some_and(|c| c.crm_url.is_some()),
            identified: destination(c.and_then(|c| c.identified.as_ref())),
            unidentified: destination(c.and_then(|c| c.unidentified.as_ref())),
            destinations: RwSignal::new(
                s.destinations
                    .iter()
                    .map(|(name, number)| DestinationRow {
                        id: next_row_id(),
                        name: text(Some(name)),
                        number: text(Some(number)),
                    })
                    .collect(),
            ),
        }
    }
}

/// The form's state: text as typed, turned into the settings to send on save
/// ([`settings_of`](super::patch::settings_of)).
#[derive(Clone, Copy)]
pub struct Form {
    pub name: RwSignal<String>,
    pub business_number: RwSignal<String>,
    pub business_numbers: RwSignal<Vec<NumberRow>>,
    pub pool: RwSignal<Vec<PoolRow>>,
    pub home_region: RwSignal<String>,
    pub exhaustion: RwSignal<ExhaustionPolicy>,
    pub overflow_number: RwSignal<String>,
    pub static_numbers: RwSignal<Vec<StaticRow>>,
    pub lease_minutes: RwSignal<String>,
    pub max_new_leases: RwSignal<String>,
    pub allowed_origins: RwSignal<String>,
    pub retention_minutes: RwSignal<String>,
    pub attribution_model: RwSignal<AttributionModel>,
    pub touch_lifetime_days: RwSignal<String>,
    pub qualified_talk_seconds: RwSignal<String>,
    /// `caller`, `tracking_number` or `number` (then the number is `caller_id_number`).
    pub caller_id: RwSignal<String>,
    pub caller_id_number: RwSignal<String>,
    pub record_calls: RwSignal<bool>,
    pub dial_timeout_seconds: RwSignal<String>,
    /// Data retention, in days: calls, visitor sessions, recordings (blank: as the calls).
    pub keep_calls_days: RwSignal<String>,
    pub keep_sessions_days: RwSignal<String>,
    pub keep_recordings_days: RwSignal<String>,
    pub keywords: RwSignal<String>,
    pub hours_on: RwSignal<bool>,
    pub time_zone: RwSignal<String>,
    /// Each day of [`DAYS`]: its opening hours as typed (`09:00-12:00, 13:00-17:00`).
    pub weekly: [RwSignal<String>; 7],
    pub closed_dates: RwSignal<String>,
    pub after_hours_forward: RwSignal<String>,
    pub greeting: RwSignal<String>,
    /// The site has after-hours settings stored (else they are sent only once filled in).
    pub after_hours_set: bool,
    pub crm_url: RwSignal<String>,
    /// A new CRM webhook secret; blank keeps the stored one.
    pub crm_secret: RwSignal<String>,
    pub crm_secret_set: bool,
    /// A new Twilio auth token; blank keeps the stored one.
    pub twilio_token: RwSignal<String>,
    pub twilio_remove: RwSignal<bool>,
    pub twilio_set: bool,
    pub extensions: ExtensionsForm,
    pub identification: IdentificationForm,
    pub masking: MaskingForm,
    pub money: MoneyForm,
}

impl Form {
    /// The form showing `s`. New business hours start in `local_zone()` (the browser's own
    /// time zone; a parameter so the form can be built outside a browser too).
    pub fn of(s: &SiteSettings, local_zone: impl FnOnce() -> String) -> Form {
        let pool = s
            .pool
            .iter()
            .map(|e| {
                let (number, region, line) = match e {
                    PoolEntrySetup::Number(n) => (n.as_str(), None, None),
                    PoolEntrySetup::Detailed { number, region, business_number } => {
                        (number.as_str(), region.as_deref(), business_number.as_deref())
                    }
                };
                PoolRow {
                    id: next_row_id(),
                    number: text(Some(number)),
                    region: text(region),
                    line: text(line),
                }
            })
            .collect();
        let statics = s
            .static_numbers
            .iter()
            .map(|r| StaticRow {
                id: next_row_id(),
                number: text(Some(&r.number)),
                channel: text(r.channel.as_deref()),
                source: text(r.utm_source.as_deref()),
                medium: text(r.utm_medium.as_deref()),
                campaign: text(r.utm_campaign.as_deref()),
                line: text(r.business_number.as_deref()),
            })
            .collect();
        let hours = s.business_hours.as_ref();
        let weekly = DAYS.map(|(key, _)| {
            RwSignal::new(hours.and_then(|h| h.weekly.get(key)).map(|r| r.join(", ")).unwrap_or_default())
        });
        let (caller_id, caller_id_number) = match s.caller_id.as_str() {
            "caller" | "tracking_number" => (s.caller_id.clone(), String::new()),
            number => ("number".to_string(), number.to_string()),
        };
        let after = s.after_hours.as_ref();
        Form {
            name: text(Some(&s.name)),
            business_number: text(Some(&s.business_number)),
            business_numbers: RwSignal::new(
                s.business_numbers
                    .iter()
                    .map(|n| NumberRow { id: next_row_id(), number: text(Some(n)) })
                    .collect(),
            ),
            pool: RwSignal::new(pool),
            home_region: text(s.home_region.as_deref()),
            exhaustion: RwSignal::new(s.exhaustion),
            overflow_number: text(s.overflow_number.as_deref()),
            static_numbers: RwSignal::new(statics),
            lease_minutes: RwSignal::new(s.lease_minutes.to_string()),
            max_new_leases: RwSignal::new(
                s.max_new_leases_per_minute.map(|n| n.to_string()).unwrap_or_default(),
            ),
            allowed_origins: RwSignal::new(s.allowed_origins.join("\n")),
            retention_minutes: RwSignal::new(s.retention_minutes.to_string()),
            attribution_model: RwSignal::new(s.attribution_model),
            touch_lifetime_days: RwSignal::new(s.touch_lifetime_days.to_string()),
            qualified_talk_seconds: RwSignal::new(s.qualified_talk_seconds.to_string()),
            caller_id: RwSignal::new(caller_id),
            caller_id_number: RwSignal::new(caller_id_number),
            record_calls: RwSignal::new(s.record_calls),
            dial_timeout_seconds: RwSignal::new(s.dial_timeout_seconds.to_string()),
            keep_calls_days: RwSignal::new(s.retention.calls_days.to_string()),
            keep_sessions_days: RwSignal::new(s.retention.sessions_days.to_string()),
            keep_recordings_days: RwSignal::new(
                s.retention.recordings_days.map(|d| d.to_string()).unwrap_or_default(),
            ),
            keywords: RwSignal::new(s.keywords.join("\n")),
            hours_on: RwSignal::new(hours.is_some()),
            time_zone: RwSignal::new(hours.map_or_else(local_zone, |h| h.time_zone.clone())),
            weekly,
            closed_dates: RwSignal::new(hours.map(|h| h.closed_dates.join(", ")).unwrap_or_default()),
            after_hours_forward: text(after.and_then(|a| a.forward_to.as_deref())),
            greeting: text(after.and_then(|a| a.voicemail_greeting.as_deref())),
            after_hours_set: after.is_some(),
            crm_url: text(s.crm_webhook.as_ref().map(|c| c.url.as_str())),
            crm_secret: blank(),
            crm_secret_set: s.crm_webhook.is_some(),
            twilio_token: blank(),
            twilio_remove: RwSignal::new(false),
            twilio_set: s.twilio_auth_token_set,
            extensions: ExtensionsForm::of(s),
            identification: IdentificationForm::of(s),
            masking: MaskingForm::of(s),
            money: MoneyForm::of(s),
        }
    }
}
