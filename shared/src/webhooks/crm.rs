//! Outbound webhooks to a site's CRM: one delivery per call event, retried with exponential
//! backoff for more than a day, with a log of every attempt.

use crate::error::{Error, Result};
use crate::support::Timestamp;
use serde::{Deserialize, Serialize};

/// The events a CRM receives.
pub const CALL_STARTED: &str = "call.started";
pub const CALL_ENDED: &str = "call.ended";
/// The same for a masked call (between an order's parties on a masking number).
pub const MASKED_CALL_STARTED: &str = "masked_call.started";
pub const MASKED_CALL_ENDED: &str = "masked_call.ended";
/// Someone set a call's value, conversion, note or tags.
pub const CALL_UPDATED_EVENT: &str = "call.updated";
/// A masking session closed (by the business, expired, or its number removed).
pub const MASKING_SESSION_CLOSED: &str = "masking_session.closed";

/// Keep retrying until this long after the first attempt.
pub const RETRY_WINDOW_SECS: i64 = 25 * 3600;
/// Default wait before the first retry; it doubles after each failure.
pub const DEFAULT_RETRY_BASE_MS: i64 = 30_000;
/// The longest wait between two attempts.
pub const MAX_RETRY_DELAY_MS: i64 = 3600 * 1000;
/// A receiver has this long to answer.
pub const DELIVERY_TIMEOUT_MS: u32 = 10_000;

/// The CRM webhook as the site owner sets it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrmWebhookSetup {
    pub url: String,
    /// Signing secret; omitted on an update, the stored one is kept. Never sent back.
    #[serde(default)]
    pub secret: Option<String>,
}

/// The CRM webhook as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrmWebhook {
    pub url: String,
    pub secret: String,
}

const MIN_SECRET_LEN: usize = 16;

impl CrmWebhook {
    /// Validates the URL (https, or http to this machine for development) and the secret,
    /// keeping `previous`'s secret when none is given.
    pub fn from_setup(setup: &CrmWebhookSetup, previous: Option<&CrmWebhook>) -> Result<Self> {
        let url = checked_url(&setup.url, "crm_webhook.url")?;
        let secret = checked_secret(
            setup.secret.as_deref(),
            previous.map(|p| p.secret.as_str()),
            "crm_webhook.secret",
        )?;
        Ok(CrmWebhook { url, secret })
    }
}

/// A CRM endpoint's URL, checked: https, or http to this machine for development. `field`
/// names it in errors (`crm_webhook.url`, `caller_identification.crm_url`).
pub(crate) fn checked_url(url: &str, field: &str) -> Result<String> {
    let url = url.trim();
    let host = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://").filter(|rest| is_local(rest)))
        .ok_or_else(|| {
            Error::invalid(format!("{field} {url:?} must start with https:// (http:// only for localhost)"))
                .at(field)
        })?;
    let authority = host.split(['/', '?', '#']).next().unwrap_or("");
    if authority.is_empty() || url.len() > 2048 || url.chars().any(char::is_whitespace) {
        return Err(Error::invalid(format!("{field} {url:?} is not a valid URL")).at(field));
    }
    Ok(url.to_string())
}

/// A signing secret: the one given, else the one stored; at least 16 characters.
pub(crate) fn checked_secret(given: Option<&str>, previous: Option<&str>, field: &str) -> Result<String> {
    let secret = given.or(previous).ok_or_else(|| {
        Error::invalid(format!("{field} is required ({MIN_SECRET_LEN}+ characters)")).at(field)
    })?;
    if secret.chars().count() < MIN_SECRET_LEN {
        return Err(Error::invalid(format!("{field} must be at least {MIN_SECRET_LEN} characters")).at(field));
    }
    Ok(secret.to_string())
}

fn is_local(rest: &str) -> bool {
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit_once(':').map_or(authority, |(h, _)| h);
    matches!(host, "localhost" | "127.0.0.1" | "[::1]")
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    Pending,
    Delivered,
    /// Retried for the whole window without success.
    Failed,
}

/// One try to deliver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempt {
    pub at: Timestamp,
    /// The receiver's HTTP status, if it answered.
    pub status: Option<u16>,
    /// Why it failed without an answer (timeout, connection refused).
    pub error: Option<String>,
}

/// Who a delivery is for: the site's CRM (signed), or an ad platform (its secret added when
/// it is sent).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryTarget {
    #[default]
    Crm,
    Ga4,
    Meta,
}

/// A webhook for one call event, with its attempts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    /// `{call_sid}/{event}`: one delivery per call and event.
    pub id: String,
    pub call_sid: String,
    pub event: String,
    pub url: String,
    /// The JSON body, fixed when the event happened.
    pub body: String,
    pub created_at: Timestamp,
    pub state: DeliveryState,
    pub next_at: Option<Timestamp>,
    pub attempts: Vec<Attempt>,
    #[serde(default, skip_serializing_if = "is_crm")]
    pub target: DeliveryTarget,
}

fn is_crm(t: &DeliveryTarget) -> bool {
    *t == DeliveryTarget::Crm
}

impl Delivery {
    pub fn new(call_sid: &str, event: &str, url: &str, body: String, now: Timestamp) -> Delivery {
        Delivery {
            id: format!("{call_sid}/{event}"),
            call_sid: call_sid.to_string(),
            event: event.to_string(),
            url: url.to_string(),
            body,
            created_at: now,
            state: DeliveryState::Pending,
            next_at: Some(now),
            attempts: Vec::new(),
            target: DeliveryTarget::Crm,
        }
    }

    /// A delivery to an ad platform (GA4, Meta): `url` without its secret.
    pub fn for_platform(
        call_sid: &str,
        event: &str,
        target: DeliveryTarget,
        url: &str,
        body: String,
        now: Timestamp,
    ) -> Delivery {
        Delivery { target, ..Delivery::new(call_sid, event, url, body, now) }
    }

    /// Sends it again with a new body (a value set again before or after it went), keeping the
    /// log of earlier attempts.
    pub fn resend(&mut self, body: String, now: Timestamp) {
        self.body = body;
        self.state = DeliveryState::Pending;
        self.next_at = Some(now);
        self.created_at = now;
    }

    /// Stops retrying, logging why.
    pub fn give_up(&mut self, at: Timestamp, reason: &str) {
        self.attempts.push(Attempt { at, status: None, error: Some(reason.chars().take(200).collect()) });
        self.state = DeliveryState::Failed;
        self.next_at = None;
    }

    /// Logs an attempt to an ad platform: as [`Delivery::record_attempt`], except that a 4xx
    /// other than 408 and 429 is final (the platform refused this event: sending it again
    /// cannot help), given up with the start of the platform's answer.
    pub fn record_platform_attempt(
        &mut self,
        at: Timestamp,
        outcome: std::result::Result<(u16, String), String>,
        base_ms: i64,
    ) {
        match outcome {
            Ok((status, body)) if (400..500).contains(&status) && status != 408 && status != 429 => {
                let said: String =
                    body.split_whitespace().collect::<Vec<_>>().join(" ").chars().take(160).collect();
                self.attempts.push(Attempt { at, status: Some(status), error: None });
                self.give_up(at, &format!("refused with {status}: {said}"));
            }
            Ok((status, _)) => self.record_attempt(at, Ok(status), base_ms),
            Err(e) => self.record_attempt(at, Err(e), base_ms),
        }
    }

    /// Logs an attempt: a 2xx answer delivers it; anything else schedules the next try after
    /// `base_ms · 2^(failures-1)` (at most an hour), until the retry window has passed.
    pub fn record_attempt(&mut self, at: Timestamp, outcome: std::result::Result<u16, String>, base_ms: i64) {
        let (status, error) = match outcome {
            Ok(code) => (Some(code), None),
            Err(e) => (None, Some(e.chars().take(200).collect())),
        };
        self.attempts.push(Attempt { at, status, error });
        if status.is_some_and(|s| (200..300).contains(&s)) {
            self.state = DeliveryState::Delivered;
            self.next_at = None;
            return;
        }
        let failures = u32::try_from(self.attempts.len()).unwrap_or(u32::MAX);
        let delay =
            base_ms.max(1).saturating_mul(1i64 << failures.saturating_sub(1).min(40)).min(MAX_RETRY_DELAY_MS);
        let next = Timestamp(at.millis().saturating_add(delay));
        if next.millis() - self.created_at.millis() > RETRY_WINDOW_SECS * 1000 {
            self.state = DeliveryState::Failed;
            self.next_at = None;
        } else {
            self.next_at = Some(next);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_platform_that_refuses_an_event_is_not_asked_again() {
        let mut d =
            Delivery::new("CA1", "meta.Contact", "https://graph.example/events", "{}".into(), Timestamp(0));
        d.record_platform_attempt(Timestamp(0), Ok((500, String::new())), 1000);
        assert_eq!((d.state, d.next_at), (DeliveryState::Pending, Some(Timestamp(1000))), "a 500 is retried");
        d.record_platform_attempt(Timestamp(1000), Ok((429, String::new())), 1000);
        assert_eq!(d.state, DeliveryState::Pending, "so is a 429");
        let said = r#"{"error": {"message": "Invalid parameter",
                       "error_user_msg": "event_time is too far in the past"}}"#;
        d.record_platform_attempt(Timestamp(3000), Ok((400, said.into())), 1000);
        assert_eq!((d.state, d.next_at), (DeliveryState::Failed, None));
        let last = d.attempts.last().unwrap().error.clone().unwrap();
        assert!(last.starts_with("refused with 400: {\"error\"") && last.contains("too far"), "{last}");
    }

    #[test]
    fn retries_back_off_for_more_than_a_day_then_give_up() {
        let mut d = Delivery::new("CA1", CALL_STARTED, "https://crm.example/hook", "{}".into(), Timestamp(0));
        let mut now = Timestamp(0);
        let mut waits = Vec::new();
        while d.state == DeliveryState::Pending {
            d.record_attempt(now, Err("connection refused".into()), DEFAULT_RETRY_BASE_MS);
            if let Some(next) = d.next_at {
                waits.push((next.millis() - now.millis()) / 1000);
                now = next;
            }
        }
        assert_eq!(&waits[..4], &[30, 60, 120, 240]);
        assert_eq!(*waits.iter().max().unwrap(), 3600, "at most an hour apart");
        assert_eq!(d.state, DeliveryState::Failed);
        assert!(now.millis() >= 24 * 3600 * 1000, "kept trying for at least 24 hours");
        assert!(d.attempts.len() < 40);
    }

    #[test]
    fn a_2xx_delivers_and_failures_are_logged() {
        let mut d = Delivery::new("CA1", CALL_ENDED, "https://crm.example/hook", "{}".into(), Timestamp(0));
        d.record_attempt(Timestamp(0), Ok(500), 100);
        d.record_attempt(Timestamp(100), Ok(404), 100);
        assert_eq!(d.next_at, Some(Timestamp(300)));
        d.record_attempt(Timestamp(300), Ok(204), 100);
        assert_eq!((d.state, d.next_at), (DeliveryState::Delivered, None));
        let codes: Vec<_> = d.attempts.iter().map(|a| a.status).collect();
        assert_eq!(codes, [Some(500), Some(404), Some(204)]);
    }

    #[test]
    fn webhook_urls_and_secrets_are_checked() {
        let setup = |url: &str, secret: Option<&str>| CrmWebhookSetup {
            url: url.into(),
            secret: secret.map(Into::into),
        };
        let ok = CrmWebhook::from_setup(&setup("https://crm.example/hook", Some("0123456789abcdef")), None)
            .unwrap();
        assert!(
            CrmWebhook::from_setup(&setup("http://127.0.0.1:9000/x", Some("0123456789abcdef")), None).is_ok()
        );
        for (url, secret, needle) in [
            ("http://crm.example/hook", Some("0123456789abcdef"), "https"),
            ("ftp://x", Some("0123456789abcdef"), "https"),
            ("https://", Some("0123456789abcdef"), "valid URL"),
            ("https://crm.example/hook", Some("short"), "secret"),
            ("https://crm.example/hook", None, "secret"),
        ] {
            let err = CrmWebhook::from_setup(&setup(url, secret), None).unwrap_err();
            assert!(err.to_string().contains(needle), "{err}");
        }
        let kept = CrmWebhook::from_setup(&setup("https://crm.example/v2", None), Some(&ok)).unwrap();
        assert_eq!(kept.secret, ok.secret, "an update without a secret keeps the stored one");
    }
}
