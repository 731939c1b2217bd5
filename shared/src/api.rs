//! Wire types of the edge API, shared by the edge, the dashboard and the tests.

use crate::attribution::CallRecord;
use crate::call_event::{CallEvent, CallStatus, EventKind, Leg, Recording};
use crate::clock::Timestamp;
use crate::error::{Error, Result};
use crate::phone::PhoneNumber;
use crate::pool::{Lease, Region};
use crate::site::{valid_site_id, SiteConfig};
use crate::traffic::Visit;
use serde::{Deserialize, Serialize};

/// `POST /v1/lease` body, as the widget sends it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaseBody {
    pub site: String,
    pub visitor: String,
    pub utm_source: Option<String>,
    pub utm_medium: Option<String>,
    pub utm_campaign: Option<String>,
    pub utm_term: Option<String>,
    pub utm_content: Option<String>,
    pub referrer: Option<String>,
    pub landing_page: Option<String>,
    /// Which of the site's business numbers the page shows (default: the main one).
    #[serde(default)]
    pub business_number: Option<String>,
}

/// Parses a JSON body, naming the offending field when a value has the wrong type
/// (`"visitor": invalid type: integer, expected a string`, with [`Error::field`] `visitor`).
pub fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8], what: &str) -> Result<T> {
    let mut de = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut de).map_err(|e| shape_error(&e, what))
}

/// [`parse_json`] for a document already parsed into a JSON value.
pub fn parse_json_value<T: serde::de::DeserializeOwned>(value: serde_json::Value, what: &str) -> Result<T> {
    serde_path_to_error::deserialize(value).map_err(|e| shape_error(&e, what))
}

fn shape_error<E: core::fmt::Display>(e: &serde_path_to_error::Error<E>, what: &str) -> Error {
    let path = e.path().to_string();
    if path == "." {
        Error::invalid(format!("body is not a valid {what}: {}", e.inner()))
    } else {
        Error::invalid(format!("body is not a valid {what}: \"{path}\": {}", e.inner())).at(path)
    }
}

const MAX_TAG_LEN: usize = 500;
const MAX_URL_LEN: usize = 2048;

/// The token of an `Authorization: Bearer <token>` header (the scheme is case-insensitive);
/// `None` when the header is missing, of another scheme, or empty.
pub fn bearer_token(header: Option<&str>) -> Option<&str> {
    let (scheme, token) = header?.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

pub use crate::visitor::valid_visitor_id;

impl LeaseBody {
    /// Parses a lease request body, saying exactly what is wrong when it is not one.
    pub fn parse(body: &[u8]) -> Result<Self> {
        if body.is_empty() {
            return Err(Error::invalid("body must be a JSON object with at least \"site\" and \"visitor\""));
        }
        let parsed: LeaseBody = parse_json(body, "lease request")?;
        parsed.validate()?;
        Ok(parsed)
    }

    fn validate(&self) -> Result<()> {
        if !valid_site_id(&self.site) {
            return Err(Error::invalid("\"site\" must be 1-64 characters of a-z, 0-9, - and _"));
        }
        if !valid_visitor_id(&self.visitor) {
            return Err(Error::invalid("\"visitor\" must be 8-64 characters of A-Z, a-z, 0-9, - and _"));
        }
        let tags = [
            ("utm_source", &self.utm_source),
            ("utm_medium", &self.utm_medium),
            ("utm_campaign", &self.utm_campaign),
            ("utm_term", &self.utm_term),
            ("utm_content", &self.utm_content),
        ];
        for (name, value) in tags {
            if value.as_ref().is_some_and(|v| v.chars().count() > MAX_TAG_LEN) {
                return Err(Error::invalid(format!("\"{name}\" is longer than {MAX_TAG_LEN} characters")));
            }
        }
        for (name, value) in [("referrer", &self.referrer), ("landing_page", &self.landing_page)] {
            if value.as_ref().is_some_and(|v| v.len() > MAX_URL_LEN) {
                return Err(Error::invalid(format!("\"{name}\" is longer than {MAX_URL_LEN} bytes")));
            }
        }
        self.line()?;
        Ok(())
    }

    /// The business number asked about, validated.
    pub fn line(&self) -> Result<Option<PhoneNumber>> {
        self.business_number.as_deref().map(PhoneNumber::parse).transpose()
    }

    pub fn visit(&self) -> Visit {
        Visit {
            utm_source: self.utm_source.clone(),
            utm_medium: self.utm_medium.clone(),
            utm_campaign: self.utm_campaign.clone(),
            utm_term: self.utm_term.clone(),
            utm_content: self.utm_content.clone(),
            referrer: self.referrer.clone(),
            landing_page: self.landing_page.clone(),
        }
    }
}

/// `POST /v1/lease` answer: the number to show instead of `replaces`, until `expires_at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaseGrant {
    /// The tracking number, E.164.
    pub number: String,
    pub expires_at: Timestamp,
    /// The business number this one stands in for on the page, E.164.
    pub replaces: String,
    pub lease_id: String,
    /// Every number was live: this one is shared with another session.
    pub shared: bool,
    /// Every number was live: this is the site's overflow number.
    pub overflow: bool,
    /// One of the site's static numbers (the same for every visitor from that source).
    pub static_number: bool,
    /// The site's other business numbers that have tracking numbers: if the page prints
    /// one, ask for a lease for it too (`business_number` in the lease body).
    #[serde(default)]
    pub other_business_numbers: Vec<String>,
    /// How long the widget keeps the visitor's id (the site's touch lifetime), in seconds.
    #[serde(default)]
    pub visitor_lifetime_secs: i64,
    /// Over a rate limit (`shared::rate_limit`): no pool number was taken; `number` is the
    /// site's overflow number or the business number itself, until `expires_at`.
    #[serde(default)]
    pub limited: bool,
}

/// Lease id of a limited grant: renewing it says it ended, so the widget asks again later.
pub const LIMITED_LEASE_ID: &str = "limited";

/// How long a limited grant stands before the widget asks again.
const LIMITED_GRANT_SECS: i64 = 120;

/// A lease mirrored for the edge must have at least this long left to be served from the
/// mirror; closer to its end the site's object answers (and extends it).
const MIRROR_MIN_REMAINING_SECS: i64 = 5 * 60;

impl LeaseGrant {
    /// Whether an edge may answer a returning visitor's page view with this mirrored grant,
    /// without the site's object: the page view is part of the visit already credited (no
    /// new touch to record), and the lease is a plain pool lease with time to spare.
    pub fn serves_from_mirror(&self, visit: &Visit, now: Timestamp) -> bool {
        visit.is_internal_navigation()
            && !self.shared
            && !self.overflow
            && self.expires_at.millis() - now.millis() >= MIRROR_MIN_REMAINING_SECS * 1000
    }

    /// The answer to a visitor over a rate limit, for the line `business_number` (`None`:
    /// the main one): the site's overflow number, or the business number itself.
    pub fn limited(config: &SiteConfig, business_number: Option<&PhoneNumber>, now: Timestamp) -> Self {
        let replaces = business_number.unwrap_or(&config.business_number);
        // The overflow number forwards to the main line: another line keeps its own number.
        let overflow = config.overflow_number.as_ref().filter(|_| business_number.is_none());
        let number = overflow.unwrap_or(replaces);
        LeaseGrant {
            number: number.e164().to_string(),
            expires_at: now.plus_secs(LIMITED_GRANT_SECS),
            replaces: replaces.e164().to_string(),
            lease_id: LIMITED_LEASE_ID.to_string(),
            shared: false,
            overflow: overflow.is_some(),
            static_number: false,
            other_business_numbers: Vec::new(),
            visitor_lifetime_secs: config.touch_lifetime_secs,
            limited: true,
        }
    }

    pub fn new(lease: &Lease, config: &SiteConfig) -> Self {
        LeaseGrant {
            limited: false,
            number: lease.number.e164().to_string(),
            expires_at: lease.expires_at,
            replaces: config.business_number_for(&lease.number).e164().to_string(),
            lease_id: lease.id.clone(),
            shared: lease.shared,
            overflow: lease.overflow,
            static_number: lease.static_number,
            visitor_lifetime_secs: config.touch_lifetime_secs,
            other_business_numbers: config
                .lines()
                .into_iter()
                .filter(|b| *b != config.business_number_for(&lease.number))
                .map(|b| b.e164().to_string())
                .collect(),
        }
    }
}

/// `POST /v1/lease/renew` and `POST /v1/lease/release` body: which lease, and whose.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaseRef {
    pub site: String,
    pub visitor: String,
    pub lease_id: String,
}

impl LeaseRef {
    pub fn parse(body: &[u8]) -> Result<Self> {
        if body.is_empty() {
            return Err(Error::invalid(
                "body must be a JSON object with \"site\", \"visitor\" and \"lease_id\"",
            ));
        }
        let parsed: LeaseRef = parse_json(body, "lease reference")?;
        if !valid_site_id(&parsed.site) {
            return Err(Error::invalid("\"site\" must be 1-64 characters of a-z, 0-9, - and _"));
        }
        if !valid_visitor_id(&parsed.visitor) {
            return Err(Error::invalid("\"visitor\" must be 8-64 characters of A-Z, a-z, 0-9, - and _"));
        }
        let id_ok = (1..=64).contains(&parsed.lease_id.len())
            && parsed.lease_id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !id_ok {
            return Err(Error::invalid("\"lease_id\" is not a lease id (as returned by POST /v1/lease)"));
        }
        Ok(parsed)
    }
}

/// `POST /v1/lease/release` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Released {
    pub lease_id: String,
    pub ended_at: Timestamp,
}

/// What the edge asks a site's Durable Object for a lease.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaseCommand {
    pub visitor: String,
    pub visit: Visit,
    pub region: Region,
    #[serde(default)]
    pub business_number: Option<PhoneNumber>,
    /// The client's address (`CF-Connecting-IP`), for the rate limits.
    #[serde(default)]
    pub client_ip: Option<String>,
}

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

impl From<NumberEntry> for crate::site::PoolEntrySetup {
    fn from(e: NumberEntry) -> Self {
        crate::site::PoolEntrySetup::Detailed {
            number: e.number,
            region: e.region,
            business_number: e.business_number,
        }
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
    pub after_hours: Option<crate::routing::AfterHoursSetup>,
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

/// One call as the calls API lists it. Attribution fields are `null` when unattributed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallView {
    pub call_sid: String,
    pub from: String,
    pub to: String,
    pub started_at: Timestamp,
    pub attributed: bool,
    /// `paid search`, `organic social`, … (`null` when unattributed).
    pub channel: Option<String>,
    /// The call came after the lease ended, within the retention window.
    pub late: bool,
    /// The number was shared (pool exhausted): other sessions that held it.
    pub other_candidates: usize,
    /// A call to the site's overflow number.
    pub overflow: bool,
    /// The caller called before; `first_call_sid` is their first call.
    pub repeat: bool,
    pub first_call_sid: Option<String>,
    /// A call to a static number, credited to its rule's source.
    pub static_number: bool,
    pub source: Option<String>,
    pub medium: Option<String>,
    pub campaign: Option<String>,
    pub keyword: Option<String>,
    pub landing_page: Option<String>,
    pub referrer: Option<String>,
    pub region: Option<String>,
    pub country: Option<String>,
    pub visitor: Option<String>,
    /// `ringing`, `in-progress`, `completed`, `busy`, `no-answer`, `failed`, `canceled`.
    #[serde(default)]
    pub status: Option<CallStatus>,
    /// The business picked up.
    #[serde(default)]
    pub answered: bool,
    /// Answered with at least the site's qualified talk time (set where the site's settings
    /// are known: the calls list, its CSV, a call's detail).
    #[serde(default)]
    pub qualified: bool,
    #[serde(default)]
    pub outcome: Option<crate::CallOutcome>,
    #[serde(default)]
    pub ring_secs: Option<u32>,
    #[serde(default)]
    pub talk_secs: Option<u32>,
    #[serde(default)]
    pub ended_at: Option<Timestamp>,
    /// The number the call was forwarded to (`null` after hours: voicemail).
    #[serde(default)]
    pub forwarded_to: Option<String>,
    #[serde(default)]
    pub after_hours: bool,
    /// The caller left a voicemail.
    #[serde(default)]
    pub voicemail: bool,
    #[serde(default)]
    pub recordings: Vec<Recording>,
    #[serde(default)]
    pub transcript: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
}

impl CallView {
    /// The view of `call` for a site whose qualified talk time is `qualify_secs`.
    pub fn of(call: &CallRecord, qualify_secs: u32) -> CallView {
        CallView { qualified: call.qualified(qualify_secs), ..CallView::from(call) }
    }
}

impl From<&CallRecord> for CallView {
    fn from(c: &CallRecord) -> Self {
        let a = c.attribution.as_ref();
        // A session's source, else a static number's rule.
        let source = a.map(|a| &a.source).or(c.static_source.as_ref());
        CallView {
            call_sid: c.call_sid.clone(),
            from: c.from.clone(),
            to: c.to.e164().to_string(),
            started_at: c.started_at,
            attributed: source.is_some(),
            channel: source.map(|s| s.channel.label().to_string()),
            late: a.is_some_and(|a| a.late),
            other_candidates: a.map_or(0, |a| a.candidates.len()),
            overflow: c.overflow,
            repeat: c.repeat_of.is_some(),
            first_call_sid: c.repeat_of.clone(),
            static_number: c.static_source.is_some(),
            source: source.map(|s| s.source.clone()),
            medium: source.map(|s| s.medium.clone()),
            campaign: source.and_then(|s| s.campaign.clone()),
            keyword: source.and_then(|s| s.term.clone()),
            landing_page: source.and_then(|s| s.landing_page.clone()),
            referrer: source.and_then(|s| s.referrer.clone()),
            region: a.and_then(|a| a.region.label()),
            country: a.and_then(|a| a.region.country.clone()),
            visitor: a.map(|a| a.visitor.clone()),
            status: c.status,
            answered: c.answered_at.is_some(),
            qualified: false,
            outcome: c.outcome,
            ring_secs: c.ring_secs,
            talk_secs: c.talk_secs,
            ended_at: c.ended_at,
            forwarded_to: c.forwarded_to.as_ref().map(|n| n.e164().to_string()),
            after_hours: c.after_hours,
            voicemail: c.recordings.iter().any(|r| r.voicemail),
            recordings: c.recordings.clone(),
            transcript: c.transcript.clone(),
            tags: c.tags.clone(),
        }
    }
}

/// `GET /v1/sites/{site}/calls/{call_sid}`: one call with its timeline and CRM deliveries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallDetail {
    pub call: CallView,
    /// Its attribution in full (the session, late/shared flags, candidate sessions).
    pub attribution: Option<crate::Attribution>,
    pub events: Vec<CallEvent>,
    pub deliveries: Vec<DeliveryView>,
}

/// A CRM webhook delivery as the API shows it (the body is not repeated).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryView {
    pub event: String,
    pub url: String,
    pub state: crate::crm::DeliveryState,
    pub next_attempt_at: Option<Timestamp>,
    pub attempts: Vec<crate::crm::Attempt>,
}

impl From<&crate::crm::Delivery> for DeliveryView {
    fn from(d: &crate::crm::Delivery) -> Self {
        DeliveryView {
            event: d.event.clone(),
            url: d.url.clone(),
            state: d.state,
            next_attempt_at: d.next_at,
            attempts: d.attempts.clone(),
        }
    }
}

/// What a site's CRM receives: `call.started` or `call.ended` with the call and its
/// attribution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrmPayload {
    pub event: String,
    pub site: String,
    pub occurred_at: Timestamp,
    pub call: CallView,
}

/// `POST /v1/sites/{site}/calls/events`: one call event from any provider (Telnyx, Vonage,
/// Plivo, a PBX…). `to` is the tracking number dialled; `call_id` the provider's id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallEventBody {
    pub call_id: String,
    /// `started`, `ringing`, `answered`, `ended`, `recording` or `transcription`.
    pub event: String,
    pub to: String,
    #[serde(default)]
    pub from: Option<String>,
    /// When it happened (RFC 3339); default: when it arrives.
    #[serde(default)]
    pub at: Option<Timestamp>,
    /// For `ended`: `completed` (answered), `busy`, `no-answer`, `failed`, `canceled`.
    #[serde(default)]
    pub status: Option<String>,
    /// For `ended`: talk time.
    #[serde(default)]
    pub duration_seconds: Option<u32>,
    #[serde(default)]
    pub recording_url: Option<String>,
    #[serde(default)]
    pub recording_duration_seconds: Option<u32>,
    #[serde(default)]
    pub voicemail: Option<bool>,
    #[serde(default)]
    pub transcript: Option<String>,
}

const MAX_CALL_ID: usize = 128;
const MAX_TRANSCRIPT: usize = 20_000;

/// A provider's call id (Twilio's CallSid, a PBX's id) as the API accepts it in bodies, paths
/// and queries: 1–128 letters, digits, `- _ . :`; `Err` says so.
pub fn check_call_id(id: &str) -> Result<&str> {
    let ok = (1..=MAX_CALL_ID).contains(&id.len())
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'));
    if ok {
        Ok(id)
    } else {
        Err(Error::invalid(format!("call_id must be 1-{MAX_CALL_ID} characters of letters, digits, - _ . :")))
    }
}

impl CallEventBody {
    /// The events this report stands for (an `ended` with a recording URL is two).
    pub fn into_events(self, now: Timestamp) -> Result<Vec<CallEvent>> {
        let call_id = check_call_id(self.call_id.trim())?.to_string();
        let to = PhoneNumber::parse(&self.to)?;
        if self.from.as_ref().is_some_and(|f| f.chars().count() > 64) {
            return Err(Error::invalid("from is longer than 64 characters"));
        }
        let at = self.at.unwrap_or(now);
        let recording = match self.recording_url {
            Some(url) if !url.starts_with("https://") || url.len() > MAX_URL_LEN => {
                return Err(Error::invalid(
                    "recording_url must be an https:// URL of at most 2048 characters",
                ));
            }
            Some(url) => Some(EventKind::Recording {
                url,
                duration_secs: self.recording_duration_seconds,
                voicemail: self.voicemail.unwrap_or(false),
            }),
            None => None,
        };
        let status = self.status.as_deref().map(|s| {
            CallStatus::parse(s).ok_or_else(|| {
                Error::invalid(format!(
                    "status {s:?} must be one of completed, busy, no-answer, failed, canceled"
                ))
            })
        });
        let mut kinds = match self.event.as_str() {
            "started" => vec![EventKind::Started],
            "ringing" => vec![EventKind::Ringing],
            "answered" => vec![EventKind::Answered],
            "ended" => {
                let status = status.transpose()?.unwrap_or(CallStatus::Completed);
                if !status.is_final() {
                    return Err(Error::invalid(
                        "an ended call's status must be completed, busy, no-answer, failed or canceled",
                    ));
                }
                vec![EventKind::Ended { leg: Leg::Business, status, duration_secs: self.duration_seconds }]
            }
            "recording" if recording.is_none() => {
                return Err(Error::invalid("a recording event needs recording_url"))
            }
            "recording" => Vec::new(),
            "transcription" => match self.transcript {
                Some(text) if !text.trim().is_empty() && text.chars().count() <= MAX_TRANSCRIPT => {
                    vec![EventKind::Transcription { text }]
                }
                _ => {
                    return Err(Error::invalid(format!(
                        "a transcription event needs transcript (1-{MAX_TRANSCRIPT} characters)"
                    )))
                }
            },
            other => {
                return Err(Error::invalid(format!(
                "event {other:?} must be one of started, ringing, answered, ended, recording, transcription"
            )))
            }
        };
        kinds.extend(recording);
        Ok(kinds
            .into_iter()
            .map(|kind| CallEvent {
                call_sid: call_id.clone(),
                provider: "api".into(),
                at,
                from: self.from.clone(),
                to: to.clone(),
                kind,
            })
            .collect())
    }
}

/// The answer to a dialed-number lookup (`GET /v1/route`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteAnswer {
    pub call_id: String,
    /// Where to forward; `None`: the site takes a voicemail now.
    pub forward_to: Option<String>,
    pub after_hours: bool,
}

/// `GET /v1/sites/{site}/report` query: what to group by, over which time range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportQuery {
    pub group_by: Vec<crate::report::Dimension>,
    pub from: Timestamp,
    pub to: Timestamp,
}

const DAY_SECS: i64 = 24 * 3600;
const MAX_REPORT_DAYS: i64 = 366;

/// A time as RFC 3339, or a date `YYYY-MM-DD` (its start, or with `end_of_day` the next
/// day's start, so `to=2026-11-22` includes that day).
pub(crate) fn parse_time(name: &str, raw: &str, end_of_day: bool) -> Result<Timestamp> {
    if let Some(t) = Timestamp::parse_rfc3339(raw) {
        return Ok(t);
    }
    let midnight = Timestamp::parse_rfc3339(&format!("{raw}T00:00:00Z"))
        .ok_or_else(|| Error::invalid(format!("{name} must be a date (2026-11-22) or an RFC 3339 time")))?;
    Ok(if end_of_day { midnight.plus_secs(DAY_SECS) } else { midnight })
}

impl ReportQuery {
    /// From the query string; `to` defaults to now and `from` to 30 days before `to`.
    pub fn parse(pairs: &[(String, String)], now: Timestamp) -> Result<Self> {
        let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        let group_by = crate::report::parse_group_by(get("group_by").unwrap_or(""))?;
        let to = get("to").map(|v| parse_time("to", v, true)).transpose()?.unwrap_or(now);
        let from = get("from")
            .map(|v| parse_time("from", v, false))
            .transpose()?
            .unwrap_or(to.plus_secs(-30 * DAY_SECS));
        if from >= to {
            return Err(Error::invalid("from must be before to"));
        }
        if to.millis() - from.millis() > MAX_REPORT_DAYS * DAY_SECS * 1000 {
            return Err(Error::invalid(format!("a report covers at most {MAX_REPORT_DAYS} days")));
        }
        Ok(ReportQuery { group_by, from, to })
    }
}

/// `GET /v1/sites/{site}/report` answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportPage {
    pub group_by: Vec<crate::report::Dimension>,
    pub from: Timestamp,
    pub to: Timestamp,
    pub rows: Vec<crate::report::ReportRow>,
}

/// One number's state right now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NumberState {
    pub number: String,
    pub region: Option<String>,
    /// `live` (lent to a session), `cooling` (its session ended within the retention
    /// window) or `idle`.
    pub state: String,
    /// When it stops being live or cooling.
    pub until: Option<Timestamp>,
    /// The source of the session holding it (live or cooling): `google / cpc (paid search)`.
    #[serde(default)]
    pub holder_source: Option<String>,
    /// The business number it stands in for, when not the site's main one.
    #[serde(default)]
    pub business_number: Option<String>,
}

/// `GET /v1/sites/{site}/pool` answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PoolReport {
    pub numbers: Vec<NumberState>,
    /// Times a visitor found every number live, since the site was created.
    pub exhaustion_events: u64,
    /// The sizing below covers this many days up to now.
    pub days: u32,
    pub sizing: crate::sizing::PoolSizing,
}

/// `days=N` for the pool report: 1 to 90, default 7.
pub fn parse_pool_days(pairs: &[(String, String)]) -> Result<u32> {
    if let Some((k, _)) = pairs.iter().find(|(k, _)| k != "days") {
        return Err(Error::invalid(format!("unknown query parameter {k:?}; the pool report takes days"))
            .at(k.as_str()));
    }
    match pairs.iter().find(|(k, _)| k == "days") {
        None => Ok(7),
        Some((_, v)) => v
            .parse::<u32>()
            .ok()
            .filter(|d| (1..=90).contains(d))
            .ok_or_else(|| Error::invalid("days must be a number from 1 to 90")),
    }
}

/// `GET /v1/sites/{site}/calls` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallsPage {
    pub calls: Vec<CallView>,
    /// How many calls the query selects in all (`calls` is one page of them).
    pub total: u64,
    /// This page (1-based) and the page size.
    pub page: u32,
    pub per_page: u32,
}

/// The JSON body of every error answer: `{"error": {"code", "message"}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    pub code: String,
    pub message: String,
    /// The field of the request document the error is about (`lease_minutes`,
    /// `pool[2].region`), when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl From<&Error> for ErrorBody {
    fn from(e: &Error) -> Self {
        // Storage failures are logged by the edge, not explained to callers.
        let message = match e {
            Error::Storage(_) => "internal error; please retry".to_string(),
            other => other.to_string(),
        };
        let field = e.field().map(str::to_string);
        ErrorBody { error: ErrorDetail { code: e.code().to_string(), message, field } }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_tokens_are_read_like_http_says() {
        assert_eq!(bearer_token(Some("Bearer abc")), Some("abc"));
        assert_eq!(bearer_token(Some("bearer  abc ")), Some("abc"));
        assert_eq!(bearer_token(Some("Basic abc")), None);
        assert_eq!(bearer_token(Some("Bearer ")), None);
        assert_eq!(bearer_token(Some("abc")), None);
        assert_eq!(bearer_token(None), None);
    }

    #[test]
    fn parses_the_widget_body() {
        let b = LeaseBody::parse(
            br#"{"site":"demo","visitor":"abcdef0123456789","utm_source":"google","extra":1}"#,
        )
        .unwrap();
        assert_eq!(b.visit().utm_source.as_deref(), Some("google"));
    }

    #[test]
    fn bad_bodies_say_what_is_wrong() {
        let cases: [(&[u8], &str); 6] = [
            (b"", "JSON object"),
            (b"not json", "not a valid lease request"),
            (br#"{"visitor":"abcdef0123456789"}"#, "missing field `site`"),
            (br#"{"site":"demo"}"#, "missing field `visitor`"),
            (br#"{"site":"../etc","visitor":"abcdef0123456789"}"#, "\"site\""),
            (br#"{"site":"demo","visitor":"x"}"#, "\"visitor\""),
        ];
        for (body, needle) in cases {
            let err = LeaseBody::parse(body).unwrap_err();
            assert_eq!(err.http_status(), 400);
            assert!(err.to_string().contains(needle), "{err} should mention {needle}");
        }
        let wrong_type = LeaseBody::parse(br#"{"site":"demo","visitor":12345678}"#).unwrap_err();
        assert!(wrong_type.to_string().contains("\"visitor\": invalid type"), "{wrong_type}");
        // Why LeaseBody lists the visit's fields itself rather than flattening `Visit`: with
        // `#[serde(flatten)]` this message could no longer name the field.
        let wrong_type = LeaseBody::parse(br#"{"site":"demo","visitor":"abcdef0123456789","utm_source":5}"#);
        assert!(wrong_type.unwrap_err().to_string().contains("\"utm_source\""));
        let long =
            format!(r#"{{"site":"demo","visitor":"abcdef0123456789","utm_term":"{}"}}"#, "x".repeat(501));
        assert!(LeaseBody::parse(long.as_bytes()).unwrap_err().to_string().contains("utm_term"));
    }

    #[test]
    fn lease_refs_are_checked() {
        assert!(LeaseRef::parse(
            br#"{"site":"demo","visitor":"abcdef0123456789","lease_id":"15550100201-17"}"#
        )
        .is_ok());
        for (body, needle) in [
            (&br#"{"site":"demo","visitor":"abcdef0123456789"}"#[..], "lease_id"),
            (br#"{"site":"demo","visitor":"abcdef0123456789","lease_id":"../x"}"#, "lease_id"),
            (br#"{"site":"demo","visitor":"v","lease_id":"1-2"}"#, "visitor"),
            (b"", "lease_id"),
        ] {
            let err = LeaseRef::parse(body).unwrap_err();
            assert!(err.to_string().contains(needle), "{err}");
        }
    }

    #[test]
    fn report_queries_are_checked() {
        let q = |s: &str| {
            let pairs = crate::form::parse_urlencoded(s);
            ReportQuery::parse(&pairs, Timestamp(1_795_000_000_000))
        };
        let ok = q("group_by=source&from=2026-11-01&to=2026-11-07").unwrap();
        assert_eq!(ok.to.millis() - ok.from.millis(), 7 * DAY_SECS * 1000, "to's day is included");
        let default = q("group_by=channel").unwrap();
        assert_eq!(default.to.millis() - default.from.millis(), 30 * DAY_SECS * 1000);
        for (query, needle) in [
            ("", "group_by"),
            ("group_by=colour", "colour"),
            ("group_by=source&from=yesterday", "from must be a date"),
            ("group_by=source&from=2026-11-07&to=2026-11-01", "before"),
            ("group_by=source&from=2024-01-01&to=2026-01-01", "366"),
        ] {
            let err = q(query).unwrap_err();
            assert_eq!(err.http_status(), 400);
            assert!(err.to_string().contains(needle), "{query}: {err}");
        }
    }

    #[test]
    fn only_page_views_within_a_visit_are_served_from_the_mirror() {
        let grant = LeaseGrant {
            number: "+15550100201".into(),
            expires_at: Timestamp(15 * 60_000),
            replaces: "+15550100100".into(),
            lease_id: "15550100201-0".into(),
            shared: false,
            overflow: false,
            static_number: false,
            other_business_numbers: Vec::new(),
            visitor_lifetime_secs: 90 * 24 * 3600,
            limited: false,
        };
        let page = |referrer: &str, landing: &str| Visit {
            referrer: Some(referrer.into()),
            landing_page: Some(landing.into()),
            ..Visit::default()
        };
        let inside = page("https://a.example/", "https://a.example/pricing");
        assert!(grant.serves_from_mirror(&inside, Timestamp(60_000)));
        assert!(!grant.serves_from_mirror(&inside, Timestamp(11 * 60_000)), "too close to its end");
        assert!(
            !grant.serves_from_mirror(&page("https://www.google.com/", "https://a.example/"), Timestamp(0))
        );
        assert!(!grant
            .serves_from_mirror(&page("https://a.example/", "https://a.example/?gclid=1"), Timestamp(0)));
        let shared = LeaseGrant { shared: true, ..grant };
        assert!(!shared.serves_from_mirror(&inside, Timestamp(0)));
    }

    #[test]
    fn error_body_hides_storage_details() {
        let body = ErrorBody::from(&Error::Storage("SQLITE_BUSY at /var/x".into()));
        assert_eq!(body.error.code, "internal");
        assert!(!body.error.message.contains("SQLITE"));
    }
}
