//! The site ledger's live stream: tickets that open it, the events a call's progress makes
//! (kept for clients that reconnect and handed to the connected ones), a reconnecting
//! client's missed events, and the calls in progress now.

use super::SiteLedger;
use crate::calls::{identifiable_caller, CallQuery, CallRecord};
use crate::error::{Error, Result};
use crate::site::SiteConfig;
use crate::store::SiteStore;
use crate::support::{hash_token, Clock, Entropy};
use crate::wire::{
    CallView, CallerHistory, LiveCalls, LiveEvent, LiveTicket, CALL_ANSWERED, CALL_ENDED_LIVE, CALL_INCOMING,
    CALL_UPDATED, LIVE_CALL_HORIZON_SECS, LIVE_KEEP_EVENTS, LIVE_KEEP_SECS, LIVE_TICKET_SECS,
};

/// Most unused, unexpired tickets a site holds at once (a dashboard takes one per connection).
const MAX_LIVE_TICKETS: u64 = 1000;

/// What a reconnecting client gets: the events it missed, oldest first, or a reset (it missed
/// more than the site keeps: it reloads).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resumed {
    Events(Vec<LiveEvent>),
    Reset,
}

/// What a call's record was before a request changed it: what the live events compare.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct LiveBefore {
    answered: bool,
    ended: bool,
    details: Details,
    state: State,
}

impl LiveBefore {
    pub(super) fn of(call: Option<&CallRecord>) -> Option<LiveBefore> {
        call.map(|c| LiveBefore {
            answered: c.answered_at.is_some(),
            ended: c.status.is_some_and(|s| s.is_final()),
            details: details(c),
            state: state(c),
        })
    }
}

/// What `call.updated` reports a change of: recordings, transcript, tags, customer id,
/// identification, attribution, and what the call is worth (value, conversion, note).
fn details(c: &CallRecord) -> Details {
    (
        (c.recordings.len(), c.transcript.clone(), c.tags.clone(), c.customer_id.clone()),
        (c.identification.is_some(), c.attribution.is_some()),
        (c.value.map(|v| v.minor), c.converted, c.note.clone()),
    )
}

type Details = (
    (usize, Option<String>, Vec<String>, Option<String>),
    (bool, bool),
    (Option<i64>, Option<bool>, Option<String>),
);

/// A call's state: after its end, a change of it is a late correction (`call.updated`).
fn state(c: &CallRecord) -> State {
    (c.status, c.outcome, c.talk_secs, c.answered_at.is_some())
}

type State = (Option<crate::calls::CallStatus>, Option<crate::calls::CallOutcome>, Option<u32>, bool);

impl<S: SiteStore, C: Clock + Entropy> SiteLedger<'_, S, C> {
    /// A single-use ticket to open the live stream within a minute (only its hash is kept).
    pub async fn live_ticket(&self, token: Option<&str>) -> Result<LiveTicket> {
        self.authorized_config(token).await?;
        if self.store.live_tickets_outstanding(self.clock.now())? >= MAX_LIVE_TICKETS {
            return Err(Error::TooMany(format!(
                "{MAX_LIVE_TICKETS} live tickets are waiting to be used; open the stream with one (each lasts {LIVE_TICKET_SECS} s)"
            )));
        }
        let ticket = (0..4).map(|_| format!("{:016x}", self.clock.next_u64())).collect::<String>();
        let expires_at = self.clock.now().plus_secs(LIVE_TICKET_SECS);
        self.store.save_live_ticket(&hash_token(&ticket), expires_at)?;
        Ok(LiveTicket { ticket, expires_at })
    }

    /// Takes a ticket to open the stream: a wrong, used or expired one → 401.
    pub fn open_live(&self, ticket: &str) -> Result<()> {
        let valid = !ticket.is_empty()
            && ticket.len() <= 128
            && self.store.take_live_ticket(&hash_token(ticket), self.clock.now())?;
        if valid {
            Ok(())
        } else {
            Err(Error::Unauthorized)
        }
    }

    /// The last seq the stream has sent (0: none yet).
    pub fn live_seq(&self) -> Result<u64> {
        Ok(self.store.next_live_seq()?.saturating_sub(1))
    }

    /// What a client that last saw `after` missed (up to `until`, the seq when its socket
    /// opened: later events reached it live).
    pub fn live_resume(&self, after: u64, until: u64) -> Result<Resumed> {
        let last = self.live_seq()?;
        if after > last {
            return Ok(Resumed::Reset); // a seq this site never sent
        }
        let until = until.min(last);
        if after >= until {
            return Ok(Resumed::Events(Vec::new()));
        }
        match self.store.oldest_live_seq()? {
            Some(oldest) if oldest <= after + 1 => {
                let mut missed = self.store.live_events_after(after, LIVE_KEEP_EVENTS as usize)?;
                missed.retain(|e| e.seq <= until);
                // Kept events are pruned when a new one comes: after a quiet day some may be
                // older than the stream keeps. A client that missed those reloads instead.
                let horizon = self.clock.now().plus_secs(-LIVE_KEEP_SECS);
                if missed.first().is_some_and(|e| e.at < horizon) {
                    return Ok(Resumed::Reset);
                }
                Ok(Resumed::Events(missed))
            }
            _ => Ok(Resumed::Reset),
        }
    }

    /// Calls ringing or talking now (`GET /v1/sites/{site}/calls/live`), newest first.
    pub async fn live_calls(&self, token: Option<&str>) -> Result<LiveCalls> {
        let config = self.authorized_config(token).await?;
        let now = self.clock.now();
        let pairs = [
            ("from".to_string(), now.plus_secs(-LIVE_CALL_HORIZON_SECS).to_rfc3339()),
            ("to".to_string(), now.plus_secs(60).to_rfc3339()),
            ("status".to_string(), "live".to_string()),
            ("per_page".to_string(), "200".to_string()),
        ];
        let query = CallQuery::parse(&pairs, now)?;
        let (calls, _) = self.store.query_calls(&query, config.qualify_secs, 0, query.per_page).await?;
        Ok(LiveCalls { calls: calls.iter().map(|c| CallView::of(c, config.qualify_secs)).collect() })
    }

    /// The live events a request's change to `call` makes (`before`: the call before it, or
    /// `None` for a new call): incoming, answered, ended, or updated — kept and handed on.
    pub(super) async fn publish_live(
        &self,
        config: &SiteConfig,
        before: Option<&LiveBefore>,
        call: &CallRecord,
    ) -> Result<()> {
        let answered = call.answered_at.is_some();
        let ended = call.status.is_some_and(|s| s.is_final());
        let mut kinds = Vec::new();
        let newly_answered = answered && before.is_none_or(|b| !b.answered);
        let newly_ended = ended && before.is_none_or(|b| !b.ended);
        let was_ended = before.is_some_and(|b| b.ended);
        match before {
            None => kinds.push(CALL_INCOMING),
            // What an answer or an end carries is said by `call.answered` / `call.ended`; an
            // ended call's late corrections (an answer reported after its end) are updates.
            Some(b)
                if (details(call) != b.details && !newly_ended) || (was_ended && state(call) != b.state) =>
            {
                kinds.push(CALL_UPDATED);
            }
            Some(_) => {}
        }
        if newly_answered && !was_ended {
            kinds.push(CALL_ANSWERED);
        }
        if newly_ended {
            kinds.push(CALL_ENDED_LIVE);
        }
        if kinds.is_empty() {
            return Ok(());
        }
        // A withheld number (`anonymous`) is no one's history; a masked call is no customer's.
        let (earlier_calls, last_call_at) = if call.masking.is_some() || !identifiable_caller(&call.from) {
            (0, None)
        } else {
            self.history_of(&call.from, call.started_at).await?
        };
        let line = call.masking.is_none().then(|| config.business_number_for(&call.to).e164().to_string());
        let view = CallView::of(call, config.qualify_secs);
        let now = self.clock.now();
        for kind in kinds {
            let event = LiveEvent {
                seq: self.store.next_live_seq()?,
                at: now,
                event: kind.to_string(),
                call: view.clone(),
                caller: CallerHistory { earlier_calls, last_call_at },
                line: line.clone(),
            };
            self.store.keep_live_event(&event)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calls::{CallEvent, CallStatus, EventKind, Leg};
    use crate::ledger::testing::{run, setup, visit};
    use crate::pool::Region;
    use crate::store::{LiveFeed, MemoryStore};
    use crate::support::{FixedClock, Timestamp};
    use phone::PhoneNumber;

    const TOKEN: &str = "demo-token-0123456789";
    const TN: &str = "+15550100201";

    fn ev(sid: &str, from: &str, kind: EventKind, at: Timestamp) -> CallEvent {
        CallEvent {
            call_sid: sid.into(),
            provider: "api".into(),
            at,
            from: Some(from.into()),
            to: PhoneNumber::parse(TN).unwrap(),
            kind,
        }
    }

    fn kinds(store: &MemoryStore) -> Vec<(u64, String)> {
        store.live_events_after(0, 1000).unwrap().into_iter().map(|e| (e.seq, e.event)).collect()
    }

    #[test]
    fn a_call_streams_incoming_answered_updated_and_ended_with_its_source_and_history() {
        let (store, clock) = (MemoryStore::default(), FixedClock::at(1_795_000_000_000));
        let ledger = SiteLedger::new("demo", &store, &clock);
        run(ledger.configure(setup(&[TN]))).unwrap();
        run(ledger.lease("v1".into(), &visit("google"), Region::default())).unwrap();
        let at = clock.now();
        let caller = "+15550009999";
        run(ledger.record_event(ev("CA0", caller, EventKind::Started, at.plus_secs(-86_400)))).unwrap();
        let before = kinds(&store).len();
        run(ledger.record_event(ev("CA1", caller, EventKind::Started, at))).unwrap();
        run(ledger.record_event(ev("CA1", caller, EventKind::Ringing, at.plus_secs(1)))).unwrap();
        run(ledger.record_event(ev("CA1", caller, EventKind::Answered, at.plus_secs(5)))).unwrap();
        let end =
            EventKind::Ended { leg: Leg::Business, status: CallStatus::Completed, duration_secs: Some(60) };
        run(ledger.record_event(ev("CA1", caller, end.clone(), at.plus_secs(65)))).unwrap();
        run(ledger.record_event(ev("CA1", caller, end, at.plus_secs(65)))).unwrap(); // a replay: nothing
        let recording = EventKind::Recording {
            url: "https://rec.example/RE1".into(),
            duration_secs: Some(60),
            voicemail: false,
        };
        run(ledger.record_event(ev("CA1", caller, recording, at.plus_secs(70)))).unwrap();
        let events = store.live_events_after(0, 1000).unwrap();
        let names: Vec<&str> = events[before..].iter().map(|e| e.event.as_str()).collect();
        assert_eq!(names, ["call.incoming", "call.answered", "call.ended", "call.updated"]);
        let incoming = &events[before];
        assert_eq!(incoming.call.source.as_deref(), Some("google"));
        assert_eq!(
            (incoming.caller.earlier_calls, incoming.caller.last_call_at),
            (1, Some(at.plus_secs(-86_400)))
        );
        assert_eq!(incoming.line.as_deref(), Some("+15550100100"));
        assert!(events.windows(2).all(|w| w[1].seq == w[0].seq + 1), "seq increases by one");
        let ended = &events[before + 2];
        assert_eq!((ended.call.talk_secs, ended.call.answered), (Some(60), true));
    }

    #[test]
    fn a_reconnecting_client_gets_what_it_missed_or_a_reset_and_tickets_open_once() {
        let (store, clock) = (MemoryStore::default(), FixedClock::at(1_795_000_000_000));
        let ledger = SiteLedger::new("demo", &store, &clock);
        run(ledger.configure(setup(&[TN]))).unwrap();
        for i in 0..3 {
            run(ledger.record_event(ev(&format!("CA{i}"), "+15550009999", EventKind::Started, clock.now())))
                .unwrap();
        }
        let last = ledger.live_seq().unwrap();
        assert_eq!(last, 3);
        let missed = |after, until| match ledger.live_resume(after, until).unwrap() {
            Resumed::Events(e) => Some(e.iter().map(|e| e.seq).collect::<Vec<_>>()),
            Resumed::Reset => None,
        };
        assert_eq!(missed(1, 3), Some(vec![2, 3]));
        assert_eq!(missed(1, 2), Some(vec![2]), "later ones reached the socket live");
        assert_eq!(missed(3, 3), Some(vec![]));
        assert_eq!(missed(9, 3), None, "a seq the site never sent");
        // More missed than kept: 600 events, the first 100 forgotten.
        for i in 3..600 {
            run(ledger.record_event(ev(&format!("CA{i}"), "+15550009999", EventKind::Started, clock.now())))
                .unwrap();
        }
        assert_eq!(missed(50, 600), None);
        assert_eq!(missed(150, 600).map(|s| s.len()), Some(450));
        // A quiet day later, the kept events are older than the stream keeps: reset.
        clock.advance_secs(24 * 3600 + 1);
        assert_eq!(missed(150, 600), None);
        clock.advance_secs(-(24 * 3600 + 1));
        // Tickets: once, within a minute, hashed.
        let t = run(ledger.live_ticket(Some(TOKEN))).unwrap();
        assert!(!store.tickets.borrow().contains_key(&t.ticket), "only its hash is kept");
        ledger.open_live(&t.ticket).unwrap();
        assert_eq!(ledger.open_live(&t.ticket).unwrap_err().http_status(), 401, "single use");
        let late = run(ledger.live_ticket(Some(TOKEN))).unwrap();
        clock.advance_secs(61);
        assert_eq!(ledger.open_live(&late.ticket).unwrap_err().http_status(), 401, "expired");
        assert_eq!(ledger.open_live("").unwrap_err().http_status(), 401);
        assert_eq!(run(ledger.live_ticket(Some("wrong-token-000000"))).unwrap_err().http_status(), 401);
    }

    #[test]
    fn a_late_answer_after_the_end_is_an_update_and_withheld_numbers_have_no_history() {
        let (store, clock) = (MemoryStore::default(), FixedClock::at(1_795_000_000_000));
        let ledger = SiteLedger::new("demo", &store, &clock);
        run(ledger.configure(setup(&[TN]))).unwrap();
        let at = clock.now();
        for sid in ["CA1", "CA2"] {
            run(ledger.record_event(ev(sid, "anonymous", EventKind::Started, at))).unwrap();
        }
        let events = store.live_events_after(0, 100).unwrap();
        assert_eq!(events[1].caller.earlier_calls, 0, "anonymous callers are not one caller");
        let end = EventKind::Ended { leg: Leg::Caller, status: CallStatus::NoAnswer, duration_secs: None };
        run(ledger.record_event(ev("CA2", "anonymous", end, at.plus_secs(20)))).unwrap();
        run(ledger.record_event(ev("CA2", "anonymous", EventKind::Answered, at.plus_secs(10)))).unwrap();
        let names: Vec<String> =
            store.live_events_after(2, 100).unwrap().into_iter().map(|e| e.event).collect();
        assert_eq!(names, ["call.ended", "call.updated"], "never answered after it ended");
        let _ = kinds(&store);
    }
}
