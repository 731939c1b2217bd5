//! Erasure (GDPR art. 17, CCPA): what is left of a call, a session and a visitor once the
//! person asks to be forgotten, and the audit entry that says it was done.
//!
//! - A **caller** (`DELETE …/callers/{number}`): the number becomes a hash in every call
//!   ([`caller_hash`]: the same for every call of that number on the site, so repeat-caller
//!   counts stay right, and a later call from the same number still finds the earlier ones),
//!   and the calls lose their recordings, transcripts, customer ids and the digits keyed.
//! - A **visitor** (`DELETE …/visitors/{id}`): their touches go; their sessions and the calls
//!   credited to them keep the marketing facts (channel, source, medium, campaign, keyword,
//!   landing page path, country and region) and lose the visitor id, the click ids and ad
//!   cookies, the referrer's path and query, the landing page's query and the city.

use crate::calls::{CallRecord, EventKind};
use crate::pool::Lease;
use crate::support::Timestamp;
use crate::traffic::{AdIds, TrafficSource};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// What an erased visitor id reads in their sessions and calls.
pub const ERASED_VISITOR: &str = "(erased)";
const ERASED_PREFIX: &str = "erased:";

/// The caller `number`'s stand-in on site `site`: `erased:` and 32 hex digits of a SHA-256 of
/// both. It is a pseudonym, not an anonymisation: anyone holding a number can compute it, which
/// is what lets a returning caller be counted as one.
pub fn caller_hash(site: &str, number: &str) -> String {
    format!("{ERASED_PREFIX}{}", salted_hex("caller", site, number))
}

/// 32 hex digits of a SHA-256 of `value`, salted with what it is and the site.
fn salted_hex(kind: &str, site: &str, value: &str) -> String {
    let digest = Sha256::new()
        .chain_update(format!("ringtrace {kind}\0{site}\0").as_bytes())
        .chain_update(value.as_bytes())
        .finalize();
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether a caller field holds an erased number's hash.
pub fn is_erased_caller(from: &str) -> bool {
    from.starts_with(ERASED_PREFIX)
}

impl CallRecord {
    /// The call without its caller's number (`hash` instead) nor what identifies them or
    /// what they said: recordings, transcript, customer id, digits keyed. Whether anything
    /// changed.
    pub fn erase_caller(&mut self, hash: &str) -> bool {
        let before = serde_json::to_string(self).unwrap_or_default();
        self.from = hash.to_string();
        self.recordings.clear();
        self.transcript = None;
        self.customer_id = None;
        if let Some(identification) = self.identification.as_mut() {
            identification.customer_id = None;
            identification.entry = None;
        }
        self.events
            .retain(|e| !matches!(e.kind, EventKind::Recording { .. } | EventKind::Transcription { .. }));
        for event in &mut self.events {
            if event.from.is_some() {
                event.from = Some(hash.to_string());
            }
            if let EventKind::Identification(identification) = &mut event.kind {
                identification.customer_id = None;
                identification.entry = None;
            }
        }
        serde_json::to_string(self).unwrap_or_default() != before
    }

    /// The call without its recordings and transcript (past the site's retention for them).
    /// Whether it had any.
    pub fn drop_recordings(&mut self) -> bool {
        let had = !self.recordings.is_empty()
            || self.transcript.is_some()
            || self
                .events
                .iter()
                .any(|e| matches!(e.kind, EventKind::Recording { .. } | EventKind::Transcription { .. }));
        self.recordings.clear();
        self.transcript = None;
        self.events
            .retain(|e| !matches!(e.kind, EventKind::Recording { .. } | EventKind::Transcription { .. }));
        had
    }

    /// Whether it is credited to `visitor` (or lists them among the sessions sharing its
    /// number).
    pub fn credits_visitor(&self, visitor: &str) -> bool {
        self.attribution
            .as_ref()
            .is_some_and(|a| a.visitor == visitor || a.candidates.iter().any(|c| c.visitor == visitor))
    }

    /// The call credited as before, without what identified `visitor`. Whether it changed.
    pub fn erase_visitor(&mut self, visitor: &str) -> bool {
        let Some(attribution) = self.attribution.as_mut() else { return false };
        let mut changed = false;
        if attribution.visitor == visitor {
            attribution.visitor = ERASED_VISITOR.into();
            erase_source(&mut attribution.source);
            attribution.region.city = None;
            changed = true;
        }
        for candidate in attribution.candidates.iter_mut().filter(|c| c.visitor == visitor) {
            candidate.visitor = ERASED_VISITOR.into();
            erase_source(&mut candidate.source);
            changed = true;
        }
        changed
    }
}

impl Lease {
    /// The session without what identifies its visitor (see the module's list).
    pub fn erase_visitor(&mut self) {
        self.visitor = ERASED_VISITOR.into();
        erase_source(&mut self.source);
        self.region.city = None;
    }
}

/// The source's marketing facts kept; its click ids, cookies, referrer path and page query
/// dropped.
fn erase_source(source: &mut TrafficSource) {
    source.ad_ids = AdIds::default();
    source.referrer = source.referrer.as_deref().map(origin_of);
    source.landing_page = source.landing_page.as_deref().map(without_query);
}

/// `https://host/path?q#f` → `https://host`.
fn origin_of(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let host = rest.split(['/', '?', '#']).next().unwrap_or("");
            let host = host.rsplit('@').next().unwrap_or(host);
            format!("{scheme}://{host}")
        }
        None => without_query(url),
    }
}

fn without_query(url: &str) -> String {
    url.split(['?', '#']).next().unwrap_or("").to_string()
}

/// What an erasure request did, as answered and as audited.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Erased {
    /// Calls changed.
    pub calls: u64,
    /// Sessions changed.
    pub sessions: u64,
    /// The visitor's touch history removed (0 or 1).
    pub touches: u64,
}

/// One line of the site's audit log (`GET …/audit`), newest first there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Its place in the log (assigned by the store; increasing).
    #[serde(default)]
    pub seq: u64,
    pub at: Timestamp,
    /// `erase_visitor` or `erase_caller`.
    pub action: String,
    /// Whom it was about, as the log may keep it: the caller's hash, the visitor id's hash.
    pub subject: String,
    pub erased: Erased,
}

/// The visitor id `visitor` as the audit log keeps it (a hash, so the log does not hold the
/// id it says was erased).
pub fn visitor_subject(site: &str, visitor: &str) -> String {
    format!("visitor:{}", salted_hex("visitor", site, visitor))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_callers_hash_is_stable_per_site_and_recognisable() {
        let a = caller_hash("shop", "+15550001111");
        assert_eq!(a, caller_hash("shop", "+15550001111"));
        assert_ne!(a, caller_hash("other", "+15550001111"), "salted with the site");
        assert_ne!(a, caller_hash("shop", "+15550001112"));
        assert!(is_erased_caller(&a) && a.len() == 7 + 32, "{a}");
        assert!(!crate::calls::identifiable_caller(&a), "no longer a phone number");
    }

    #[test]
    fn urls_keep_their_origin_or_path() {
        assert_eq!(origin_of("https://www.google.com/search?q=plumber+john"), "https://www.google.com");
        assert_eq!(origin_of("https://user:pw@site.example:8080/p?x"), "https://site.example:8080");
        assert_eq!(without_query("https://shop.example/p/1?email=a@b.c#top"), "https://shop.example/p/1");
        assert_eq!(origin_of("android-app://com.google"), "android-app://com.google");
    }
}
