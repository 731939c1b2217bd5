//! A masking session: an order's two parties, each with the proxy number they call to reach
//! the other, open until the business closes it or its time runs out.

use crate::error::{Error, Result};
use crate::support::Timestamp;
use phone::PhoneNumber;
use serde::{Deserialize, Serialize};

/// Calls a session keeps the ids of (its detail lists them; the count goes on).
pub const MAX_SESSION_CALLS: usize = 200;
const MAX_ORDER_ID: usize = 100;
const MAX_NAME: usize = 100;
const MAX_ROLE: usize = 40;
const MAX_IDEMPOTENCY_KEY: usize = 255;

/// One party of an order: their real number, and the proxy number they call to reach the other
/// party (the other party sees calls from them coming from the other's own proxy number).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Participant {
    pub number: PhoneNumber,
    #[serde(default)]
    pub name: Option<String>,
    pub role: String,
    pub proxy: PhoneNumber,
}

/// Why a session closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClosedReason {
    /// Its time ran out (no call within its ttl).
    Expired,
    /// The business closed it.
    Closed,
    /// One of its proxy numbers left the site's masking numbers.
    NumberRemoved,
}

impl ClosedReason {
    pub fn as_str(self) -> &'static str {
        match self {
            ClosedReason::Expired => "expired",
            ClosedReason::Closed => "closed",
            ClosedReason::NumberRemoved => "number_removed",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionState {
    Open,
    Closed,
}

impl SessionState {
    pub fn as_str(self) -> &'static str {
        match self {
            SessionState::Open => "open",
            SessionState::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<SessionState> {
        match s {
            "open" => Some(SessionState::Open),
            "closed" => Some(SessionState::Closed),
            _ => None,
        }
    }
}

/// The `Idempotency-Key` a session was created with, and a fingerprint of that request's
/// body: the same key with another body is refused, not answered with this session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdempotencyRecord {
    pub key: String,
    pub fingerprint: String,
}

/// A masking session as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaskingSession {
    pub id: String,
    pub order_id: String,
    /// Always two.
    pub participants: Vec<Participant>,
    pub ttl_secs: i64,
    pub created_at: Timestamp,
    /// When it closes unless a call comes first (each call moves it to the call + ttl).
    pub expires_at: Timestamp,
    #[serde(default)]
    pub last_call_at: Option<Timestamp>,
    #[serde(default)]
    pub closed_at: Option<Timestamp>,
    #[serde(default)]
    pub closed_reason: Option<ClosedReason>,
    #[serde(default)]
    pub idempotency: Option<IdempotencyRecord>,
    /// Ids of its latest calls (at most [`MAX_SESSION_CALLS`]), oldest first.
    #[serde(default)]
    pub calls: Vec<String>,
    #[serde(default)]
    pub call_count: u32,
}

impl MaskingSession {
    pub fn state(&self) -> SessionState {
        if self.closed_at.is_some() {
            SessionState::Closed
        } else {
            SessionState::Open
        }
    }

    pub fn is_open(&self) -> bool {
        self.closed_at.is_none()
    }

    /// Open, but its time has run out: it is to be closed as expired (at `expires_at`).
    pub fn is_due(&self, now: Timestamp) -> bool {
        self.is_open() && self.expires_at <= now
    }

    /// Whether the pair (`caller`, `proxy`) was this session's and open at `at`.
    pub fn open_at(&self, at: Timestamp) -> bool {
        self.created_at <= at && self.closed_at.is_none_or(|c| at < c)
    }

    /// The participant calling from `caller` on `proxy`, and the other one: (from, to).
    pub fn parties(&self, caller: &PhoneNumber, proxy: &PhoneNumber) -> Option<(&Participant, &Participant)> {
        let from = self.participants.iter().position(|p| &p.number == caller && &p.proxy == proxy)?;
        Some((&self.participants[from], self.participants.get(1 - from)?))
    }

    /// Closes it (a closed session stays closed).
    pub fn close(&mut self, at: Timestamp, reason: ClosedReason) {
        if self.is_open() {
            self.closed_at = Some(at);
            self.closed_reason = Some(reason);
        }
    }

    /// A call connected at `at`: the session stays open for its ttl from now.
    pub fn called(&mut self, call_sid: &str, at: Timestamp) {
        self.last_call_at = Some(self.last_call_at.map_or(at, |l| l.max(at)));
        self.expires_at = self.expires_at.max(at.plus_secs(self.ttl_secs));
        if !self.calls.iter().any(|c| c == call_sid) {
            self.calls.push(call_sid.to_string());
            self.call_count = self.call_count.saturating_add(1);
            if self.calls.len() > MAX_SESSION_CALLS {
                self.calls.remove(0);
            }
        }
    }
}

/// A participant as the business names them, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewParticipant {
    pub number: PhoneNumber,
    pub name: Option<String>,
    pub role: String,
}

/// A session to open, checked (its proxies are yet to be chosen).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession {
    pub order_id: String,
    pub participants: Vec<NewParticipant>,
    pub ttl_secs: i64,
}

/// An order id: 1–100 printable characters (trimmed).
pub fn check_order_id(raw: &str) -> Result<String> {
    let id = raw.trim();
    if id.is_empty() || id.chars().count() > MAX_ORDER_ID || id.chars().any(char::is_control) {
        return Err(
            Error::invalid(format!("order_id must be 1-{MAX_ORDER_ID} printable characters")).at("order_id")
        );
    }
    Ok(id.to_string())
}

/// A participant's name: up to 100 printable characters; empty is none.
pub fn check_name(raw: Option<&str>, field: &str) -> Result<Option<String>> {
    let Some(name) = raw.map(str::trim).filter(|n| !n.is_empty()) else { return Ok(None) };
    if name.chars().count() > MAX_NAME || name.chars().any(char::is_control) {
        return Err(Error::invalid(format!("name must be at most {MAX_NAME} printable characters")).at(field));
    }
    Ok(Some(name.to_string()))
}

/// A participant's role (`customer`, `courier`): 1–40 printable characters.
pub fn check_role(raw: &str, field: &str) -> Result<String> {
    let role = raw.trim();
    if role.is_empty() || role.chars().count() > MAX_ROLE || role.chars().any(char::is_control) {
        return Err(Error::invalid(format!(
            "role must be 1-{MAX_ROLE} printable characters, such as \"customer\" or \"courier\""
        ))
        .at(field));
    }
    Ok(role.to_string())
}

/// An `Idempotency-Key` header: 1–255 visible ASCII characters.
pub fn check_idempotency_key(raw: &str) -> Result<String> {
    let key = raw.trim();
    if key.is_empty() || key.len() > MAX_IDEMPOTENCY_KEY || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::invalid(format!(
            "the Idempotency-Key header must be 1-{MAX_IDEMPOTENCY_KEY} visible ASCII characters (a UUID)"
        )));
    }
    Ok(key.to_string())
}
