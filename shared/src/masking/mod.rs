//! Number masking: the two parties of an order (a customer and a courier) call each other
//! through proxy numbers from the site's masking pool, without either learning the other's
//! real number, while the order's session is open. Uses `support`, `site` and `calls`.
//!
//! A proxy number serves many sessions at once: what must be unique among open sessions is
//! the pair (a participant's real number, the proxy number they call). A call from `caller` to
//! `proxy` names at most one open session, and is connected to that session's other
//! participant, shown their own proxy number (so calling back stays masked). The rules here
//! run over the [`MaskingSessions`] store (SQLite in the site's object, memory in host tests);
//! the invariant is property-tested in `book.rs`.

mod book;
mod proxy;
mod session;

#[cfg(test)]
pub use book::MaskingBook;
pub use proxy::choose_proxy;
pub use session::{
    check_idempotency_key, check_name, check_order_id, check_role, ClosedReason, IdempotencyRecord,
    MaskingSession, NewParticipant, NewSession, Participant, SessionState, MAX_SESSION_CALLS,
};

use crate::calls::MaskedCall;
use crate::error::{Error, Result};
use crate::support::Timestamp;
use phone::PhoneNumber;

/// Which sessions a list selects (newest first).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionFilter {
    pub state: Option<SessionState>,
    pub order_id: Option<String>,
}

impl SessionFilter {
    /// The same rule as the SQL of the site's object, for the memory store.
    pub fn matches(&self, s: &MaskingSession) -> bool {
        self.state.is_none_or(|st| st == s.state()) && self.order_id.as_ref().is_none_or(|o| o == &s.order_id)
    }
}

/// Where a site's masking sessions are kept. Synchronous, as SQLite in a Durable Object and
/// memory both are. Saving a session keeps its pairs (participant, proxy) with it: an open
/// session's pairs are unique (the SQLite table refuses a second).
pub trait MaskingSessions {
    fn save_masking_session(&self, session: &MaskingSession) -> Result<()>;
    fn masking_session(&self, id: &str) -> Result<Option<MaskingSession>>;
    /// The session created with this `Idempotency-Key`.
    fn masking_session_by_key(&self, key: &str) -> Result<Option<MaskingSession>>;
    /// The open session of this order, if any.
    fn open_masking_session_of_order(&self, order_id: &str) -> Result<Option<MaskingSession>>;
    /// The latest session created at or before `at` in which `caller` calls `proxy` (open or
    /// closed since).
    fn latest_masking_session_on_pair(
        &self,
        caller: &PhoneNumber,
        proxy: &PhoneNumber,
        at: Timestamp,
    ) -> Result<Option<MaskingSession>>;
    /// The open sessions `number` is a participant of.
    fn open_masking_sessions_of(&self, number: &PhoneNumber) -> Result<Vec<MaskingSession>>;
    /// The open sessions with `proxy` as a participant's proxy number.
    fn open_masking_sessions_on(&self, proxy: &PhoneNumber) -> Result<Vec<MaskingSession>>;
    /// The proxies `number` was ever given, each with when it was last given.
    fn masking_proxies_used_by(&self, number: &PhoneNumber) -> Result<Vec<(PhoneNumber, Timestamp)>>;
    /// Sessions `filter` selects, newest first, `limit` from `offset`; and how many in all.
    fn masking_sessions(
        &self,
        filter: &SessionFilter,
        offset: u64,
        limit: u32,
    ) -> Result<(Vec<MaskingSession>, u64)>;
    /// Open sessions whose time ran out by `now`, soonest first, at most `limit`.
    fn masking_sessions_due(&self, now: Timestamp, limit: usize) -> Result<Vec<MaskingSession>>;
    /// When the next open session runs out.
    fn next_masking_expiry(&self) -> Result<Option<Timestamp>>;
}

/// Closes a session whose time ran out, as of when it did; it joins `ended`.
fn expire(
    store: &impl MaskingSessions,
    mut session: MaskingSession,
    ended: &mut Vec<MaskingSession>,
) -> Result<()> {
    let at = session.expires_at;
    session.close(at, ClosedReason::Expired);
    store.save_masking_session(&session)?;
    ended.push(session);
    Ok(())
}

/// Opens a session: the order must have no open session, and each participant gets the
/// closest of `numbers` they have no open session on (among equals the one they were given
/// longest ago, or never: a number a participant may call back for an old order is the last
/// to become a new order's). Sessions whose time ran out are closed on the way (into
/// `ended`). Nothing is stored unless both participants get a number.
pub fn open_session(
    store: &impl MaskingSessions,
    numbers: &[PhoneNumber],
    new: NewSession,
    id: String,
    idempotency: Option<IdempotencyRecord>,
    now: Timestamp,
    ended: &mut Vec<MaskingSession>,
) -> Result<MaskingSession> {
    if new.participants.len() != 2 {
        return Err(Error::invalid("a session has exactly 2 participants").at("participants"));
    }
    if new.participants[0].number == new.participants[1].number {
        return Err(Error::invalid("the two participants have the same number").at("participants[1].number"));
    }
    if let Some(open) = store.open_masking_session_of_order(&new.order_id)? {
        if open.is_due(now) {
            expire(store, open, ended)?;
        } else {
            return Err(Error::Conflict(format!(
                "order {:?} already has an open session ({}); close it first or use it",
                new.order_id, open.id
            ))
            .at("order_id"));
        }
    }
    if numbers.is_empty() {
        return Err(Error::Conflict(
            "the site has no masking numbers: add some to masking_numbers in its settings".into(),
        ));
    }
    let mut participants = Vec::with_capacity(new.participants.len());
    for (i, p) in new.participants.into_iter().enumerate() {
        let mut busy = Vec::new();
        for s in store.open_masking_sessions_of(&p.number)? {
            if !s.is_open() {
                continue;
            }
            if s.is_due(now) {
                expire(store, s, ended)?;
                continue;
            }
            busy.extend(s.participants.iter().filter(|q| q.number == p.number).map(|q| q.proxy.clone()));
        }
        let used = store.masking_proxies_used_by(&p.number)?;
        let proxy = choose_proxy(numbers, &p.number, &busy, &used).ok_or_else(|| {
            Error::Conflict(format!(
                "{} already has open sessions on all {} masking numbers; for {} open sessions at once the pool needs at least {} numbers (or close a session)",
                p.number,
                numbers.len(),
                busy.len() + 1,
                busy.len() + 1,
            ))
            .at(format!("participants[{i}].number"))
        })?;
        participants.push(Participant { number: p.number, name: p.name, role: p.role, proxy });
    }
    let session = MaskingSession {
        id,
        order_id: new.order_id,
        participants,
        ttl_secs: new.ttl_secs,
        created_at: now,
        expires_at: now.plus_secs(new.ttl_secs),
        last_call_at: None,
        closed_at: None,
        closed_reason: None,
        idempotency,
        calls: Vec::new(),
        call_count: 0,
    };
    store.save_masking_session(&session)?;
    Ok(session)
}

/// A call from `caller` to `proxy` at `now`: the open session the pair names (kept open for
/// its ttl from now, the call listed), or `None` (the site's closed policy answers). A session
/// whose time ran out is closed here (into `ended`), whether or not the alarm has run.
pub fn connect(
    store: &impl MaskingSessions,
    caller: &PhoneNumber,
    proxy: &PhoneNumber,
    call_sid: &str,
    now: Timestamp,
    ended: &mut Vec<MaskingSession>,
) -> Result<Option<MaskingSession>> {
    let Some(mut session) = store.latest_masking_session_on_pair(caller, proxy, now)? else {
        return Ok(None);
    };
    if session.is_due(now) {
        expire(store, session, ended)?;
        return Ok(None);
    }
    if !session.is_open() {
        return Ok(None);
    }
    session.called(call_sid, now);
    store.save_masking_session(&session)?;
    Ok(Some(session))
}

/// What a call from `from` to the masking number `proxy`, started at `at`, is recorded with:
/// the pair's session at that time, and whether it connected the call (only [`connect`]
/// does, and lists the call). Reads only: a call reported by events alone changes no session.
pub fn masked_call(
    store: &impl MaskingSessions,
    from: &str,
    proxy: &PhoneNumber,
    call_sid: &str,
    at: Timestamp,
) -> Result<MaskedCall> {
    let none = MaskedCall::default();
    let Ok(caller) = PhoneNumber::parse(from) else { return Ok(none) };
    let Some(session) = store.latest_masking_session_on_pair(&caller, proxy, at)? else {
        return Ok(none);
    };
    let connected = session.calls.iter().any(|c| c == call_sid);
    let (from_role, to_role) = match session.parties(&caller, proxy) {
        Some((a, b)) => (Some(a.role.clone()), Some(b.role.clone())),
        None => (None, None),
    };
    Ok(MaskedCall {
        session_id: Some(session.id.clone()),
        order_id: Some(session.order_id.clone()),
        from_role,
        to_role,
        connected,
    })
}

/// Closes the session `id` for the business (one already closed is answered as it is; one
/// whose time ran out is closed as expired), into `ended` when it closes now.
pub fn close_session(
    store: &impl MaskingSessions,
    id: &str,
    now: Timestamp,
    ended: &mut Vec<MaskingSession>,
) -> Result<MaskingSession> {
    let mut session = store
        .masking_session(id)?
        .ok_or_else(|| Error::NotFound(format!("no masking session {id:?} on this site")))?;
    if session.is_due(now) {
        session.close(session.expires_at, ClosedReason::Expired);
    } else if session.is_open() {
        session.close(now, ClosedReason::Closed);
    } else {
        return Ok(session);
    }
    store.save_masking_session(&session)?;
    ended.push(session.clone());
    Ok(session)
}

/// Closes the sessions whose time ran out by `now`, at most `limit` (into `ended`).
pub fn expire_due(
    store: &impl MaskingSessions,
    now: Timestamp,
    limit: usize,
    ended: &mut Vec<MaskingSession>,
) -> Result<()> {
    for s in store.masking_sessions_due(now, limit)? {
        expire(store, s, ended)?;
    }
    Ok(())
}

/// Closes the open sessions on `proxy`, a number the site no longer has for masking (into
/// `ended`): their participants would otherwise keep sessions on a number that reaches no one.
pub fn close_sessions_on(
    store: &impl MaskingSessions,
    proxy: &PhoneNumber,
    now: Timestamp,
    ended: &mut Vec<MaskingSession>,
) -> Result<()> {
    for mut s in store.open_masking_sessions_on(proxy)? {
        if s.is_due(now) {
            expire(store, s, ended)?;
        } else if s.is_open() {
            s.close(now, ClosedReason::NumberRemoved);
            store.save_masking_session(&s)?;
            ended.push(s);
        }
    }
    Ok(())
}
