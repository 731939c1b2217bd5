//! The masking API (site token): `POST /v1/sites/{site}/masking/sessions` opens a session for
//! an order's two parties, `GET …/sessions` lists them, `GET …/sessions/{id}` shows one with
//! its calls, `PATCH …/sessions/{id}` changes its ttl or names, `POST …/sessions/{id}/close`
//! closes it.

use super::calls::CallView;
use crate::error::{Error, Result};
use crate::masking::{check_name, check_order_id, check_role, MaskingSession, NewParticipant, NewSession};
use crate::masking::{SessionFilter, SessionState};
use crate::site::{masking_ttl_secs, SiteConfig};
use crate::support::{count_param, parse_json, Timestamp};
use phone::PhoneNumber;
use serde::{Deserialize, Serialize};

/// Largest body of a session's creation or change.
pub const MAX_SESSION_BODY: usize = 8 * 1024;
/// Default and largest page of sessions.
pub const DEFAULT_SESSIONS_PER_PAGE: u32 = 50;
pub const MAX_SESSIONS_PER_PAGE: u32 = 200;

/// `POST /v1/sites/{site}/masking/sessions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionBody {
    pub order_id: String,
    pub participants: Vec<ParticipantBody>,
    /// Minutes the session stays open after its creation and each call (default: the site's
    /// `masking_ttl_minutes`).
    #[serde(default)]
    pub ttl_minutes: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParticipantBody {
    pub number: String,
    #[serde(default)]
    pub name: Option<String>,
    pub role: String,
}

impl SessionBody {
    /// The body's shape (an error names the field at fault).
    pub fn parse(body: &[u8]) -> Result<SessionBody> {
        if body.len() > MAX_SESSION_BODY {
            return Err(Error::PayloadTooLarge(MAX_SESSION_BODY));
        }
        parse_json(body, "masking session")
    }

    /// The session to open for `config`'s site: exactly two participants with valid, distinct
    /// numbers that are not the site's own.
    pub fn check(&self, config: &SiteConfig) -> Result<NewSession> {
        let order_id = check_order_id(&self.order_id)?;
        if self.participants.len() != 2 {
            return Err(Error::invalid(format!(
                "a session has exactly 2 participants (a customer and a courier…), not {}",
                self.participants.len()
            ))
            .at("participants"));
        }
        let mut participants: Vec<NewParticipant> = Vec::with_capacity(2);
        for (i, p) in self.participants.iter().enumerate() {
            let field = format!("participants[{i}]");
            let number =
                PhoneNumber::parse(&p.number).map_err(|e| Error::from(e).at(format!("{field}.number")))?;
            if config.is_own_number(&number) {
                return Err(Error::invalid(format!(
                    "{number} is one of the site's own numbers, not a participant's"
                ))
                .at(format!("{field}.number")));
            }
            if participants.iter().any(|q| q.number == number) {
                return Err(Error::invalid(format!("both participants have the number {number}"))
                    .at(format!("{field}.number")));
            }
            let name = check_name(p.name.as_deref(), &format!("{field}.name"))?;
            let role = check_role(&p.role, &format!("{field}.role"))?;
            participants.push(NewParticipant { number, name, role });
        }
        let ttl_secs = match self.ttl_minutes {
            Some(m) => masking_ttl_secs(m, "ttl_minutes")?,
            None => config.masking.ttl_secs,
        };
        Ok(NewSession { order_id, participants, ttl_secs })
    }
}

/// `PATCH /v1/sites/{site}/masking/sessions/{id}`: a new ttl (counted from now) and names.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionPatch {
    #[serde(default)]
    pub ttl_minutes: Option<u32>,
    /// Names to change: each entry names its participant by `number` or `role`.
    #[serde(default)]
    pub participants: Vec<ParticipantPatch>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParticipantPatch {
    #[serde(default)]
    pub number: Option<String>,
    #[serde(default)]
    pub role: Option<String>,
    /// The new name (`null` or `""`: none).
    pub name: Option<String>,
}

impl SessionPatch {
    pub fn parse(body: &[u8]) -> Result<SessionPatch> {
        if body.len() > MAX_SESSION_BODY {
            return Err(Error::PayloadTooLarge(MAX_SESSION_BODY));
        }
        let patch: SessionPatch = parse_json(body, "masking session change")?;
        if patch.ttl_minutes.is_none() && patch.participants.is_empty() {
            return Err(Error::invalid("a change names ttl_minutes or participants' names"));
        }
        if patch.participants.len() > 2 {
            return Err(Error::invalid("a session has 2 participants").at("participants"));
        }
        if let Some(m) = patch.ttl_minutes {
            masking_ttl_secs(m, "ttl_minutes")?;
        }
        Ok(patch)
    }

    /// Applies the change to an open session at `now`.
    pub fn apply(&self, session: &mut MaskingSession, now: Timestamp) -> Result<()> {
        if !session.is_open() {
            return Err(Error::Conflict(format!(
                "masking session {} is closed ({}); open a new one for the order",
                session.id,
                session.closed_reason.map_or("closed", |r| r.as_str())
            )));
        }
        for (i, p) in self.participants.iter().enumerate() {
            let field = format!("participants[{i}]");
            let number = p
                .number
                .as_deref()
                .map(|n| PhoneNumber::parse(n).map_err(|e| Error::from(e).at(format!("{field}.number"))))
                .transpose()?;
            let matching: Vec<usize> = (0..session.participants.len())
                .filter(|&j| {
                    let q = &session.participants[j];
                    number.as_ref().is_none_or(|n| n == &q.number)
                        && p.role.as_deref().is_none_or(|r| r.trim() == q.role)
                        && (number.is_some() || p.role.is_some())
                })
                .collect();
            let [j] = matching[..] else {
                return Err(Error::invalid(
                    "each participant to rename is named by the number or the role of exactly one participant",
                )
                .at(field));
            };
            session.participants[j].name = check_name(p.name.as_deref(), &format!("{field}.name"))?;
        }
        if let Some(m) = self.ttl_minutes {
            session.ttl_secs = masking_ttl_secs(m, "ttl_minutes")?;
            session.expires_at = now.plus_secs(session.ttl_secs);
        }
        Ok(())
    }
}

/// A participant as the API shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParticipantView {
    pub number: String,
    pub name: Option<String>,
    pub role: String,
    /// The number this participant calls to reach the other (and sees the other's calls from).
    pub proxy_number: String,
}

/// A session as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    pub session_id: String,
    pub order_id: String,
    /// `open` or `closed`.
    pub state: String,
    /// `expired` or `closed` (by the business); `null` while open.
    pub closed_reason: Option<String>,
    pub created_at: Timestamp,
    /// When it closes unless a call comes first (each call moves it).
    pub expires_at: Timestamp,
    pub closed_at: Option<Timestamp>,
    pub last_call_at: Option<Timestamp>,
    pub ttl_minutes: u32,
    /// Calls through the session.
    pub call_count: u32,
    pub participants: Vec<ParticipantView>,
}

impl SessionView {
    /// The session as of `now`: one whose time ran out is shown closed (expired, when it ran
    /// out), even before the site's alarm has closed it.
    pub fn at(s: &MaskingSession, now: Timestamp) -> SessionView {
        let mut view = SessionView::from(s);
        if s.is_due(now) {
            view.state = SessionState::Closed.as_str().into();
            view.closed_reason = Some(crate::masking::ClosedReason::Expired.as_str().into());
            view.closed_at = Some(s.expires_at);
        }
        view
    }
}

impl From<&MaskingSession> for SessionView {
    fn from(s: &MaskingSession) -> Self {
        SessionView {
            session_id: s.id.clone(),
            order_id: s.order_id.clone(),
            state: s.state().as_str().into(),
            closed_reason: s.closed_reason.map(|r| r.as_str().to_string()),
            created_at: s.created_at,
            expires_at: s.expires_at,
            closed_at: s.closed_at,
            last_call_at: s.last_call_at,
            ttl_minutes: u32::try_from(s.ttl_secs / 60).unwrap_or(u32::MAX),
            call_count: s.call_count,
            participants: s
                .participants
                .iter()
                .map(|p| ParticipantView {
                    number: p.number.e164().to_string(),
                    name: p.name.clone(),
                    role: p.role.clone(),
                    proxy_number: p.proxy.e164().to_string(),
                })
                .collect(),
        }
    }
}

/// What a site's CRM receives when a masking session closes (`masking_session.closed`:
/// closed by the business, expired, or its number removed — `session.closed_reason` says).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionPayload {
    pub event: String,
    pub site: String,
    pub occurred_at: Timestamp,
    pub session: SessionView,
}

/// `GET …/sessions/{id}`: the session and its calls (the latest 200, newest first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionDetail {
    #[serde(flatten)]
    pub session: SessionView,
    pub calls: Vec<CallView>,
}

/// `GET …/sessions`: a page of sessions, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionsPage {
    pub sessions: Vec<SessionView>,
    pub total: u64,
    pub page: u32,
    pub per_page: u32,
}

/// `GET …/sessions?state=open|closed&order_id=…&page=…&per_page=…`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionQuery {
    pub filter: SessionFilter,
    pub page: u32,
    pub per_page: u32,
}

impl SessionQuery {
    pub fn parse(pairs: &[(String, String)]) -> Result<SessionQuery> {
        const KNOWN: &[&str] = &["state", "order_id", "page", "per_page"];
        if let Some((k, _)) = pairs.iter().find(|(k, _)| !KNOWN.contains(&k.as_str())) {
            return Err(Error::invalid(format!("unknown parameter {k:?}; known: {}", KNOWN.join(", "))));
        }
        let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        let state = match get("state") {
            None | Some("") => None,
            Some(s) => {
                Some(SessionState::parse(s).ok_or_else(|| Error::invalid("state must be open or closed"))?)
            }
        };
        let order_id = get("order_id").filter(|o| !o.is_empty()).map(check_order_id).transpose()?;
        let number = |name: &str, default: u32, max: u32| count_param(get(name), name, default, max);
        Ok(SessionQuery {
            filter: SessionFilter { state, order_id },
            page: number("page", 1, 1_000_000)?,
            per_page: number("per_page", DEFAULT_SESSIONS_PER_PAGE, MAX_SESSIONS_PER_PAGE)?,
        })
    }

    pub fn offset(&self) -> u64 {
        u64::from(self.page - 1) * u64::from(self.per_page)
    }
}

/// A session id as the API takes it in a path: `MS` and 32 hex digits.
pub fn check_session_id(id: &str) -> Result<()> {
    let ok = id.len() == 34 && id.starts_with("MS") && id[2..].bytes().all(|b| b.is_ascii_hexdigit());
    if ok {
        Ok(())
    } else {
        Err(Error::NotFound(format!(
            "no masking session {:?} on this site",
            id.chars().take(40).collect::<String>()
        )))
    }
}
