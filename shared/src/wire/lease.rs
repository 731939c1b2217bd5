//! The widget's lease API: `POST /v1/lease`, `/renew`, `/release`, and what the edge
//! asks the site's object for a lease.

use crate::error::{Error, Result};
use crate::pool::{Lease, Region};
use crate::site::SiteConfig;
use crate::support::valid_site_id;
use crate::support::{parse_json, valid_visitor_id, Timestamp};
use crate::traffic::Visit;
use phone::PhoneNumber;
use serde::{Deserialize, Serialize};

/// `POST /v1/lease` body, as the widget sends it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaseBody {
    pub site: String,
    /// The visitor's id; left out (or empty) when `consent` is `false`.
    #[serde(default)]
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
    /// The page's `_ga`, `_fbp` and `_fbc` cookies (sent back as conversions' match keys).
    #[serde(default)]
    pub ga: Option<String>,
    #[serde(default)]
    pub fbp: Option<String>,
    #[serde(default)]
    pub fbc: Option<String>,
    /// `false`: the visitor refused ad storage (no click id or ad cookie is kept).
    #[serde(default)]
    pub ad_storage: Option<bool>,
    /// `false`: the page may not identify the visitor (a consent banner not accepted): no
    /// visitor id, and a source-level number (see `SiteLedger::lease_unconsented`).
    #[serde(default)]
    pub consent: Option<bool>,
    /// The site's other business numbers the page shows too: each gets its lease in the same
    /// answer (`lines`), instead of a request of its own.
    #[serde(default)]
    pub lines: Vec<String>,
}

const MAX_TAG_LEN: usize = 500;
pub(super) const MAX_URL_LEN: usize = 2048;

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
        if !self.consented() {
            if !self.visitor.is_empty() {
                let e = Error::invalid("\"visitor\" must be left out when \"consent\" is false: nothing identifies a visitor who did not consent");
                return Err(e.at("visitor"));
            }
        } else if !valid_visitor_id(&self.visitor) {
            return Err(Error::invalid("\"visitor\" must be 8-64 characters of A-Z, a-z, 0-9, - and _"));
        }
        if self.lines.len() > MAX_LINES {
            let e = Error::invalid(format!("\"lines\" lists at most {MAX_LINES} business numbers"));
            return Err(e.at("lines"));
        }
        for (i, line) in self.lines.iter().enumerate() {
            PhoneNumber::parse(line).map_err(|e| Error::from(e).at(format!("lines[{i}]")))?;
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
        for (name, value) in [("ga", &self.ga), ("fbp", &self.fbp), ("fbc", &self.fbc)] {
            if value.as_ref().is_some_and(|v| v.len() > MAX_TAG_LEN) {
                return Err(Error::invalid(format!("\"{name}\" is longer than {MAX_TAG_LEN} bytes")));
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

    /// Whether the page may identify the visitor (anything but `"consent": false`).
    pub fn consented(&self) -> bool {
        self.consent != Some(false)
    }

    /// The other lines asked for, validated (each once, not the one asked for first).
    pub fn other_lines(&self) -> Vec<PhoneNumber> {
        let first = self.line().ok().flatten();
        let mut out: Vec<PhoneNumber> = Vec::new();
        for n in self.lines.iter().filter_map(|l| PhoneNumber::parse(l).ok()) {
            if Some(&n) != first.as_ref() && !out.contains(&n) {
                out.push(n);
            }
        }
        out
    }

    /// The business number asked about, validated.
    pub fn line(&self) -> Result<Option<PhoneNumber>> {
        self.business_number.as_deref().map(PhoneNumber::parse).transpose().map_err(Error::from)
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
            ga: self.ga.clone(),
            fbp: self.fbp.clone(),
            fbc: self.fbc.clone(),
            ad_storage_denied: self.ad_storage == Some(false) || !self.consented(),
        }
    }
}

/// Most other lines one lease request may ask for.
pub const MAX_LINES: usize = 10;

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
    /// Over a rate limit (`shared::RateLimiter`), or every extension of the line reserved: no
    /// number was taken; `number` is the site's overflow number or the business number itself,
    /// until `expires_at` (then the widget asks again).
    #[serde(default)]
    pub limited: bool,
    /// On an extension number: the visitor's own extension (`"042"`: leading zeros count),
    /// shown after the number (`… ext. 042`) and keyed by a `tel:` link (`tel:+1…,042`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension: Option<String>,
    /// What the page prints between the number and the extension (with `extension` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension_label: Option<String>,
    /// `false`: a source-level number for a visitor who did not consent (the same for every
    /// such visitor of the source or channel): nothing to renew or release.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub consent: bool,
    /// The leases of the other lines the request asked for (`lines`), in its order; a line
    /// that is not one of the site's is left out.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<LeaseGrant>,
    /// Where the edge places the visitor (`US-CA`, `ES`), for a page whose consent settings
    /// differ by region (Google Consent Mode's `region`); only on the site's object's answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
}

fn yes() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
}

/// Lease id of a source-level grant (`"consent": false`): it holds nothing of the visitor's.
pub const UNCONSENTED_LEASE_ID: &str = "unconsented";

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
            extension: None,
            extension_label: None,
            consent: true,
            lines: Vec::new(),
            place: None,
        }
    }

    pub fn new(lease: &Lease, config: &SiteConfig) -> Self {
        LeaseGrant {
            limited: false,
            extension: lease.extension.clone(),
            extension_label: lease.extension.as_ref().map(|_| config.extensions.label.clone()),
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
            consent: true,
            lines: Vec::new(),
            place: None,
        }
    }
}

/// `POST /v1/lease/renew` and `POST /v1/lease/release` body: which lease, and whose. A renew
/// may carry the page's ad cookies, set since the lease was asked for (a tag loaded later).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaseRef {
    pub site: String,
    pub visitor: String,
    pub lease_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ga: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fbp: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fbc: Option<String>,
    /// `false`: the visitor refused ad storage (the cookies are not kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ad_storage: Option<bool>,
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
        for (name, value) in [("ga", &parsed.ga), ("fbp", &parsed.fbp), ("fbc", &parsed.fbc)] {
            if value.as_ref().is_some_and(|v| v.len() > MAX_TAG_LEN) {
                return Err(Error::invalid(format!("\"{name}\" is longer than {MAX_TAG_LEN} bytes")));
            }
        }
        Ok(parsed)
    }

    /// The ad cookies a renew brings (none when the visitor refused ad storage).
    pub fn ad_cookies(&self) -> crate::traffic::AdIds {
        if self.ad_storage == Some(false) {
            return crate::traffic::AdIds::default();
        }
        crate::traffic::AdIds::of_visit(None, self.ga.as_deref(), self.fbp.as_deref(), self.fbc.as_deref())
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
    /// `false`: a source-level number, nothing of the visitor's kept (`visitor` is empty).
    #[serde(default = "yes")]
    pub consent: bool,
    /// The other lines the page shows, leased in the same request.
    #[serde(default)]
    pub lines: Vec<PhoneNumber>,
}

#[cfg(test)]
mod tests {
    use super::*;

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
            (br#"{"site":"demo"}"#, "\"visitor\" must be 8-64"),
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
    fn without_consent_no_visitor_id_and_no_ad_ids() {
        let b =
            LeaseBody::parse(br#"{"site":"demo","consent":false,"ga":"GA1.1.1.2","utm_source":"google"}"#)
                .unwrap();
        assert!(!b.consented() && b.visit().ad_storage_denied);
        for (body, needle) in [
            (
                &br#"{"site":"demo","consent":false,"visitor":"abcdef0123456789"}"#[..],
                "\"visitor\" must be left out",
            ),
            (br#"{"site":"demo","consent":true}"#, "\"visitor\" must be 8-64"),
            (br#"{"site":"demo","visitor":"abcdef0123456789","lines":["+1555"]}"#, "lines[0]"),
            (br#"{"site":"demo","visitor":"abcdef0123456789","lines":"+15550100300"}"#, "\"lines\""),
        ] {
            let err = LeaseBody::parse(body).unwrap_err();
            assert_eq!(err.http_status(), 400);
            let said = format!("{err} {:?}", err.field());
            assert!(said.contains(needle), "{said} should mention {needle}");
        }
        let many: Vec<String> = (0..=MAX_LINES).map(|i| format!("\"+1555010{i:04}\"")).collect();
        let body = format!(r#"{{"site":"demo","visitor":"abcdef0123456789","lines":[{}]}}"#, many.join(","));
        assert!(LeaseBody::parse(body.as_bytes()).unwrap_err().to_string().contains("at most"));
        let b = LeaseBody::parse(
            br#"{"site":"demo","visitor":"abcdef0123456789","business_number":"+15550100300","lines":["+15550100300","+15550100400","+1 555 010 0400"]}"#,
        )
        .unwrap();
        assert_eq!(b.other_lines().len(), 1, "each line once, not the one asked for first");
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
            extension: None,
            extension_label: None,
            consent: true,
            lines: Vec::new(),
            place: None,
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
}
