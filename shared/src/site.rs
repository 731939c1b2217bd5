//! A site: its business number, its pool of tracking numbers and its API token.

use crate::error::{Error, Result};
use crate::phone::PhoneNumber;
use crate::pool::Lease;
use crate::touch::AttributionModel;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// How a site owner (or the dev seed) describes a site: `PUT /v1/sites/{site}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteSetup {
    pub name: Option<String>,
    /// The number printed on the site's pages, the one calls are forwarded to.
    pub business_number: String,
    /// Tracking numbers to lend to visitors.
    pub pool: Vec<String>,
    /// Bearer token the dashboard uses for this site (stored hashed).
    pub api_token: String,
    /// Lease length after the last request, in minutes (default 15).
    pub lease_minutes: Option<u32>,
    /// Which touch a visitor's session is credited to (default `last_non_direct`).
    #[serde(default)]
    pub attribution_model: Option<AttributionModel>,
    /// How long a visitor's touches count, in days (default 90).
    #[serde(default)]
    pub touch_lifetime_days: Option<u32>,
}

/// A site as stored: validated and with its token hashed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteConfig {
    pub id: String,
    pub name: String,
    pub business_number: PhoneNumber,
    pub pool: Vec<PhoneNumber>,
    pub api_token_sha256: String,
    pub lease_secs: i64,
    #[serde(default)]
    pub attribution_model: AttributionModel,
    #[serde(default = "default_touch_lifetime_secs")]
    pub touch_lifetime_secs: i64,
}

fn default_touch_lifetime_secs() -> i64 {
    i64::from(DEFAULT_TOUCH_LIFETIME_DAYS) * 24 * 3600
}

/// What the KV mirror holds under a tracking number, so the call path can route a call
/// (and see who holds the number) from any edge location without asking the Durable Object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NumberRoute {
    pub site: String,
    pub business_number: PhoneNumber,
    pub lease: Option<Lease>,
}

const DEFAULT_LEASE_MINUTES: u32 = 15;
const DEFAULT_TOUCH_LIFETIME_DAYS: u32 = 90;
const MIN_TOKEN_LEN: usize = 16;

/// Site ids appear in URLs and storage keys: 1–64 of `a-z 0-9 - _`.
pub fn valid_site_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// Hex SHA-256 of a token: tokens are stored and compared only hashed.
pub fn hash_token(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

fn hashes_equal(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Compares a presented secret with the expected one without leaking, through timing, how
/// much of it matched (both are hashed first, so lengths do not leak either).
pub fn tokens_equal(presented: &str, expected: &str) -> bool {
    hashes_equal(&hash_token(presented), &hash_token(expected))
}

impl SiteConfig {
    pub fn from_setup(id: &str, setup: SiteSetup) -> Result<Self> {
        if !valid_site_id(id) {
            return Err(Error::invalid("site id must be 1-64 characters of a-z, 0-9, - and _"));
        }
        let business_number = PhoneNumber::parse(&setup.business_number)?;
        if setup.pool.is_empty() {
            return Err(Error::invalid("pool must list at least one tracking number"));
        }
        let mut pool: Vec<PhoneNumber> = Vec::with_capacity(setup.pool.len());
        for raw in &setup.pool {
            let n = PhoneNumber::parse(raw)?;
            if n == business_number {
                return Err(Error::invalid(format!("pool number {n} is the business number itself")));
            }
            if pool.contains(&n) {
                return Err(Error::invalid(format!("pool lists {n} twice")));
            }
            pool.push(n);
        }
        if setup.api_token.chars().count() < MIN_TOKEN_LEN {
            return Err(Error::invalid(format!("api_token must be at least {MIN_TOKEN_LEN} characters")));
        }
        let minutes = setup.lease_minutes.unwrap_or(DEFAULT_LEASE_MINUTES);
        if !(1..=24 * 60).contains(&minutes) {
            return Err(Error::invalid("lease_minutes must be between 1 and 1440"));
        }
        let lifetime_days = setup.touch_lifetime_days.unwrap_or(DEFAULT_TOUCH_LIFETIME_DAYS);
        if !(1..=730).contains(&lifetime_days) {
            return Err(Error::invalid("touch_lifetime_days must be between 1 and 730"));
        }
        Ok(SiteConfig {
            id: id.to_string(),
            name: setup.name.filter(|n| !n.trim().is_empty()).unwrap_or_else(|| id.to_string()),
            business_number,
            pool,
            api_token_sha256: hash_token(&setup.api_token),
            lease_secs: i64::from(minutes) * 60,
            attribution_model: setup.attribution_model.unwrap_or_default(),
            touch_lifetime_secs: i64::from(lifetime_days) * 24 * 3600,
        })
    }

    /// Whether `presented` is this site's API token; compares hashes in constant time.
    pub fn token_matches(&self, presented: &str) -> bool {
        hashes_equal(&hash_token(presented), &self.api_token_sha256)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup() -> SiteSetup {
        SiteSetup {
            name: None,
            business_number: "+1 555 010 0100".into(),
            pool: vec!["+15550100201".into(), "+15550100202".into()],
            api_token: "a-long-enough-token".into(),
            lease_minutes: None,
            attribution_model: None,
            touch_lifetime_days: None,
        }
    }

    #[test]
    fn valid_setup_becomes_config() {
        let c = SiteConfig::from_setup("demo", setup()).unwrap();
        assert_eq!(c.business_number.e164(), "+15550100100");
        assert_eq!(c.lease_secs, 900);
        assert!(c.token_matches("a-long-enough-token"));
        assert!(!c.token_matches("a-long-enough-tokeN"));
        assert!(!c.token_matches(""));
        assert!(!c.api_token_sha256.contains("long"), "token is stored hashed");
        assert!(tokens_equal("admin-secret", "admin-secret"));
        assert!(!tokens_equal("admin-secreT", "admin-secret"));
    }

    #[test]
    fn bad_setups_say_what_is_wrong() {
        type Change = Box<dyn Fn(&mut SiteSetup)>;
        let cases: Vec<(&str, Change, &str)> = vec![
            ("Demo!", Box::new(|_| {}), "site id"),
            ("demo", Box::new(|s| s.pool.clear()), "at least one"),
            ("demo", Box::new(|s| s.pool.push("+15550100201".into())), "twice"),
            ("demo", Box::new(|s| s.pool.push("+15550100100".into())), "business number"),
            ("demo", Box::new(|s| s.api_token = "short".into()), "api_token"),
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
