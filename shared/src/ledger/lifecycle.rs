//! The data lifecycle of a site: retention (what is past the site's `retention` goes, in
//! batches, from the object's alarm: never in a request) and erasure on request (a visitor,
//! a caller), each erasure written to the site's audit log.

use super::SiteLedger;
use crate::calls::{caller_hash, visitor_subject, AuditEntry, CallRecord, Erased};
use crate::error::{Error, Result};
use crate::store::SiteStore;
use crate::support::{valid_visitor_id, Clock, Entropy, Timestamp};
use crate::wire::{AuditPage, AuditQuery};
use phone::PhoneNumber;
use serde::Serialize;

/// Most rows of each kind one alarm run removes (or rewrites): a run stays short, and a
/// site with more to prune is woken again soon (`Pruned::more`).
pub const PRUNE_BATCH: usize = 500;
/// How far recordings and transcripts were removed (calls before it were looked at).
const RECORDINGS_MARK: &str = "recordings_pruned_until";
/// When retention last ran, and whether it left more to do (1) or not (0).
const RUN_MARK: &str = "retention_ran_at";
const MORE_MARK: &str = "retention_more";
/// How soon retention runs again after a run that left more to prune.
pub const PRUNE_AGAIN_MS: i64 = 60_000;

/// What one retention run removed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Pruned {
    pub calls: u64,
    pub sessions: u64,
    pub touches: u64,
    /// Calls whose recordings and transcript were removed.
    pub recordings: u64,
    /// A batch was full: there is more to prune now.
    pub more: bool,
}

impl Pruned {
    pub fn is_empty(&self) -> bool {
        self.calls + self.sessions + self.touches + self.recordings == 0
    }
}

fn count(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

impl<S: SiteStore, C: Clock + Entropy> SiteLedger<'_, S, C> {
    /// One retention run: at most [`PRUNE_BATCH`] calls, sessions, touch histories and calls'
    /// recordings past the site's horizons.
    pub async fn prune_retention(&self) -> Result<Pruned> {
        let config = self.config().await?;
        let horizons = config.retention.horizons(self.clock.now(), config.touch_lifetime_secs);
        let mut pruned = Pruned {
            calls: self.store.prune_calls(horizons.calls, PRUNE_BATCH)?,
            sessions: self.store.prune_sessions(horizons.sessions, PRUNE_BATCH)?,
            touches: self.store.prune_touches(horizons.touches, PRUNE_BATCH)?,
            ..Pruned::default()
        };
        let full = count(PRUNE_BATCH);
        pruned.more = pruned.calls == full || pruned.sessions == full || pruned.touches == full;
        // Recordings: the calls between the mark and the horizon, oldest first.
        let from = Timestamp(self.store.lifecycle_mark(RECORDINGS_MARK)?.unwrap_or(0));
        if from < horizons.recordings {
            let calls = self.store.calls_started(from, horizons.recordings, PRUNE_BATCH)?;
            let batch_full = calls.len() == PRUNE_BATCH;
            let mut reached = horizons.recordings;
            if let Some(last) = calls.last().filter(|_| batch_full) {
                // Resume at the last one's instant (its own recordings are gone already),
                // and past it should a whole batch share one millisecond.
                reached = if last.started_at > from { last.started_at } else { Timestamp(from.millis() + 1) };
            }
            for mut call in calls {
                if call.drop_recordings() {
                    self.store.save_call(&call).await?;
                    pruned.recordings += 1;
                }
            }
            self.store.set_lifecycle_mark(RECORDINGS_MARK, reached.millis())?;
            pruned.more |= batch_full;
        }
        self.store.set_lifecycle_mark(RUN_MARK, self.clock.now().millis())?;
        self.store.set_lifecycle_mark(MORE_MARK, i64::from(pruned.more))?;
        Ok(pruned)
    }

    /// When retention is next due: `every_ms` after its last run, [`PRUNE_AGAIN_MS`] after
    /// one that left more, `every_ms` from now for a site it never ran on.
    pub fn next_retention_at(&self, every_ms: i64) -> Result<Timestamp> {
        let now = self.clock.now().millis();
        let Some(ran) = self.store.lifecycle_mark(RUN_MARK)? else {
            return Ok(Timestamp(now.saturating_add(every_ms)));
        };
        let more = self.store.lifecycle_mark(MORE_MARK)? == Some(1);
        Ok(Timestamp(ran.saturating_add(if more { PRUNE_AGAIN_MS } else { every_ms })))
    }

    /// `DELETE …/visitors/{visitor}`: the visitor's touches removed, their sessions and the
    /// calls credited to them stripped of what identified them (see `calls::erasure`), the
    /// mirror of their lease removed. Idempotent; every request is audited.
    pub async fn erase_visitor(&self, token: Option<&str>, visitor: &str) -> Result<AuditEntry> {
        self.authorized_config(token).await?;
        if !valid_visitor_id(visitor) || visitor == crate::calls::ERASED_VISITOR {
            return Err(
                Error::invalid("a visitor id is 8-64 characters of A-Z, a-z, 0-9, - and _").at("visitor_id")
            );
        }
        let mut erased =
            Erased { touches: u64::from(self.store.forget_touches(visitor)?), ..Erased::default() };
        for (key, mut session) in self.store.sessions_of(visitor)? {
            session.erase_visitor();
            self.store.replace_session(&key, &session)?;
            erased.sessions += 1;
        }
        for mut call in self.store.calls_crediting(visitor)? {
            if call.erase_visitor(visitor) {
                self.store.save_call(&call).await?;
                erased.calls += 1;
            }
        }
        self.store.mirror_visitor(visitor, None).await?;
        self.audit_erasure("erase_visitor", visitor_subject(self.site, visitor), erased)
    }

    /// `DELETE …/callers/{number}`: in every call from `number`, the number replaced by its
    /// hash and the recordings, transcript and customer id removed. Idempotent; audited.
    pub async fn erase_caller(&self, token: Option<&str>, number: &str) -> Result<AuditEntry> {
        self.authorized_config(token).await?;
        let number = PhoneNumber::parse(number).map_err(|e| Error::from(e).at("number"))?;
        let hash = caller_hash(self.site, number.e164());
        let mut erased = Erased::default();
        for mut call in self.store.calls_from(number.e164())? {
            call.erase_caller(&hash);
            self.store.save_call(&call).await?;
            erased.calls += 1;
        }
        self.audit_erasure("erase_caller", hash, erased)
    }

    fn audit_erasure(&self, action: &str, subject: String, erased: Erased) -> Result<AuditEntry> {
        let entry = AuditEntry { seq: 0, at: self.clock.now(), action: action.into(), subject, erased };
        self.store.append_audit(&entry)
    }

    /// `GET …/audit`.
    pub async fn audit(&self, token: Option<&str>, pairs: &[(String, String)]) -> Result<AuditPage> {
        self.authorized_config(token).await?;
        let query = AuditQuery::parse(pairs)?;
        let entries = self.store.audit_entries(query.before, query.limit)?;
        let next_before = entries.last().filter(|_| entries.len() == query.limit).map(|e| e.seq);
        Ok(AuditPage { entries, next_before })
    }

    /// The first call of the caller `from`, whether it was made before or after an erasure
    /// of that number replaced it with its hash (so they stay a repeat caller).
    pub(crate) async fn first_call_of(&self, from: &str) -> Result<Option<CallRecord>> {
        let clear = self.store.first_call_from(from).await?;
        let erased = self.store.first_call_from(&caller_hash(self.site, from)).await?;
        Ok(match (clear, erased) {
            (Some(a), Some(b)) => Some(if b.started_at < a.started_at { b } else { a }),
            (a, b) => a.or(b),
        })
    }

    /// [`crate::store::CallStore::caller_history`] over both the number and its hash.
    pub(crate) async fn history_of(&self, from: &str, before: Timestamp) -> Result<(u64, Option<Timestamp>)> {
        let (n, last) = self.store.caller_history(from, before).await?;
        let (m, last_erased) = self.store.caller_history(&caller_hash(self.site, from), before).await?;
        Ok((n + m, last.max(last_erased)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::testing::{run, setup, visit};
    use crate::store::{CallStore, LeaseStore, LifecycleStore, MemoryStore};
    use crate::support::SeededEntropy;

    const TOKEN: &str = "demo-token-0123456789";
    const DAY: i64 = 86_400_000;

    struct At(std::cell::Cell<i64>, SeededEntropy);
    impl Clock for At {
        fn now(&self) -> Timestamp {
            Timestamp(self.0.get())
        }
    }
    impl Entropy for At {
        fn next_u64(&self) -> u64 {
            self.1.next_u64()
        }
    }

    fn site(store: &MemoryStore, clock: &At) {
        let ledger = SiteLedger::new("demo", store, clock);
        run(ledger.configure(setup(&["+15550100201", "+15550100202"]))).expect("site");
    }

    /// A visitor from an ad who calls: their session, touches and call.
    fn visit_and_call(store: &MemoryStore, clock: &At, visitor: &str, caller: &str, sid: &str) {
        let ledger = SiteLedger::new("demo", store, clock);
        let mut v = visit("google");
        v.landing_page = Some("https://shop.example/p?gclid=abc123&email=jane@example.com".into());
        v.referrer = Some("https://www.google.com/search?q=jane+doe+plumber".into());
        let region = crate::pool::Region {
            country: Some("US".into()),
            city: Some("Austin".into()),
            ..Default::default()
        };
        let (lease, _) = run(ledger.lease(visitor.into(), &v, region)).expect("lease");
        let incoming = crate::calls::IncomingCall {
            call_sid: sid.into(),
            from: caller.into(),
            to: lease.number.clone(),
            at: clock.now(),
        };
        let (mut call, _) = run(ledger.record_call(incoming)).expect("call");
        call.transcript = Some("Hi, this is Jane Doe".into());
        run(store.save_call(&call)).expect("saved");
    }

    #[test]
    fn erasing_a_visitor_keeps_the_marketing_facts_and_nothing_that_identifies_them() {
        let (store, clock) =
            (MemoryStore::default(), At(std::cell::Cell::new(100 * DAY), SeededEntropy::new(1)));
        site(&store, &clock);
        visit_and_call(&store, &clock, "visitor-jane-1", "+15557000001", "CA1");
        let ledger = SiteLedger::new("demo", &store, &clock);
        let entry = run(ledger.erase_visitor(Some(TOKEN), "visitor-jane-1")).expect("erased");
        assert_eq!(entry.erased, Erased { calls: 1, sessions: 1, touches: 1 });
        assert!(entry.subject.starts_with("visitor:") && !entry.subject.contains("jane"), "{entry:?}");
        let text = format!("{:?}{:?}", store.calls.borrow(), store.sessions.borrow());
        for trace in ["visitor-jane-1", "abc123", "jane@example.com", "jane+doe", "Austin"] {
            assert!(!text.contains(trace), "{trace} left in {text}");
        }
        let call = store.calls.borrow()[0].clone();
        let source = &call.attribution.as_ref().expect("still credited").source;
        assert_eq!(
            (source.source.as_str(), source.landing_page.as_deref()),
            ("google", Some("https://shop.example/p"))
        );
        assert_eq!(source.referrer.as_deref(), Some("https://www.google.com"));
        assert!(run(store.load_touches("visitor-jane-1")).expect("touches").touches().is_empty());
        // Again: nothing left to change, still audited.
        let again = run(ledger.erase_visitor(Some(TOKEN), "visitor-jane-1")).expect("idempotent");
        assert_eq!(again.erased, Erased::default());
        let page = run(ledger.audit(Some(TOKEN), &[])).expect("audit");
        assert_eq!(page.entries.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![2, 1]);
        assert!(run(ledger.erase_visitor(Some("wrong-token-0123456789"), "visitor-jane-1")).is_err());
        let bad = run(ledger.erase_visitor(Some(TOKEN), "no")).expect_err("bad id");
        assert_eq!(bad.field(), Some("visitor_id"));
    }

    #[test]
    fn erasing_a_caller_leaves_a_hash_that_still_counts_them_as_a_repeat_caller() {
        let (store, clock) =
            (MemoryStore::default(), At(std::cell::Cell::new(100 * DAY), SeededEntropy::new(2)));
        site(&store, &clock);
        visit_and_call(&store, &clock, "visitor-jane-1", "+15557000001", "CA1");
        clock.0.set(101 * DAY);
        visit_and_call(&store, &clock, "visitor-jane-2", "+15557000001", "CA2");
        visit_and_call(&store, &clock, "visitor-john-1", "+15557000002", "CA3");
        let ledger = SiteLedger::new("demo", &store, &clock);
        let entry = run(ledger.erase_caller(Some(TOKEN), "+1 (555) 700-0001")).expect("erased");
        assert_eq!(entry.erased.calls, 2);
        let hash = caller_hash("demo", "+15557000001");
        assert_eq!(entry.subject, hash);
        let calls = store.calls.borrow().clone();
        let text = format!("{:?}", calls.iter().filter(|c| c.call_sid != "CA3").collect::<Vec<_>>());
        assert!(!text.contains("+15557000001") && !text.contains("Jane Doe"), "{text}");
        assert_eq!(calls.iter().filter(|c| c.from == hash).count(), 2);
        assert_eq!(calls[1].repeat_of.as_deref(), Some("CA1"), "the repeat call still points at the first");
        assert!(calls[2].transcript.is_some(), "another caller's call is untouched");
        // The same number calls again: still a repeat caller, with two earlier calls.
        clock.0.set(102 * DAY);
        visit_and_call(&store, &clock, "visitor-jane-3", "+15557000001", "CA4");
        let last = store.calls.borrow().last().cloned().expect("call");
        assert_eq!(last.repeat_of.as_deref(), Some("CA1"));
        assert_eq!(run(ledger.history_of("+15557000001", last.started_at)).expect("history").0, 2);
        let again = run(ledger.erase_caller(Some(TOKEN), "+15557000001")).expect("again");
        assert_eq!(again.erased.calls, 1, "only the new call had the number");
        let bad = run(ledger.erase_caller(Some(TOKEN), "not a number")).expect_err("bad number");
        assert_eq!(bad.field(), Some("number"));
    }

    #[test]
    fn retention_prunes_in_batches_past_each_horizon() {
        let (store, clock) = (MemoryStore::default(), At(std::cell::Cell::new(DAY), SeededEntropy::new(3)));
        site(&store, &clock);
        for i in 0..3 {
            clock.0.set(DAY + i * DAY);
            visit_and_call(&store, &clock, &format!("visitor-old-{i:03}"), "+15557000009", &format!("CA{i}"));
        }
        let ledger = SiteLedger::new("demo", &store, &clock);
        // Recordings kept 1 day less than calls.
        let mut state = run(store.load()).expect("load").expect("site");
        let config = std::sync::Arc::make_mut(&mut state.config);
        config.retention =
            crate::site::Retention { calls_days: 400, sessions_days: 300, recordings_days: Some(399) };
        run(store.save(&state)).expect("save");
        // Nothing is old yet.
        clock.0.set(10 * DAY);
        assert!(run(ledger.prune_retention()).expect("pruned").is_empty());
        // 302 days after the first day: the first session is past 300 days.
        clock.0.set(DAY + 300 * DAY + 1);
        let p = run(ledger.prune_retention()).expect("pruned");
        assert_eq!((p.sessions, p.calls, p.recordings, p.more), (1, 0, 0, false), "{p:?}");
        // Past 399 days: the first call's transcript goes; past 400, the call.
        clock.0.set(DAY + 399 * DAY + 1);
        let p = run(ledger.prune_retention()).expect("pruned");
        assert_eq!((p.recordings, p.calls), (1, 0), "{p:?}");
        assert!(store.calls.borrow()[0].transcript.is_none() && store.calls.borrow()[1].transcript.is_some());
        clock.0.set(DAY + 400 * DAY + 1);
        let p = run(ledger.prune_retention()).expect("pruned");
        assert_eq!(p.calls, 1, "{p:?}");
        assert_eq!(store.calls.borrow().len(), 2);
        let ran = clock.now();
        assert_eq!(ledger.next_retention_at(86_400_000).expect("next"), ran.plus_secs(86_400));
        // Touches go past the touch lifetime (90 days by default) after the last touch.
        assert!(store.touches.borrow().is_empty(), "touches older than their lifetime are gone");
        // Recordings were looked at up to their horizon (399 days before now).
        assert_eq!(store.lifecycle_mark(RECORDINGS_MARK).expect("mark"), Some(2 * DAY + 1));
    }
}
