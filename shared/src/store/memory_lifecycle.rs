//! [`LifecycleStore`] for the host tests' [`MemoryStore`].

use super::{LifecycleStore, MemoryStore};
use crate::calls::{AuditEntry, CallRecord};
use crate::error::Result;
use crate::pool::{session_key, Lease};
use crate::support::Timestamp;

fn count(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

impl LifecycleStore for MemoryStore {
    fn prune_calls(&self, before: Timestamp, limit: usize) -> Result<u64> {
        let mut calls = self.calls.borrow_mut();
        let mut old: Vec<(Timestamp, String)> = calls
            .iter()
            .filter(|c| c.started_at < before)
            .map(|c| (c.started_at, c.call_sid.clone()))
            .collect();
        old.sort();
        old.truncate(limit);
        calls.retain(|c| !old.iter().any(|(_, sid)| *sid == c.call_sid));
        Ok(count(old.len()))
    }

    fn prune_sessions(&self, before: Timestamp, limit: usize) -> Result<u64> {
        let mut sessions = self.sessions.borrow_mut();
        let mut old: Vec<(Timestamp, String)> = sessions
            .iter()
            .filter(|(_, s)| s.started_at < before)
            .map(|(k, s)| (s.started_at, k.clone()))
            .collect();
        old.sort();
        old.truncate(limit);
        for (_, key) in &old {
            sessions.remove(key);
        }
        Ok(count(old.len()))
    }

    fn prune_touches(&self, before: Timestamp, limit: usize) -> Result<u64> {
        let mut touches = self.touches.borrow_mut();
        let old: Vec<String> = touches
            .iter()
            .filter(|(_, t)| t.touches().last().is_none_or(|last| last.at < before))
            .map(|(v, _)| v.clone())
            .take(limit)
            .collect();
        for visitor in &old {
            touches.remove(visitor);
        }
        Ok(count(old.len()))
    }

    fn calls_started(&self, from: Timestamp, before: Timestamp, limit: usize) -> Result<Vec<CallRecord>> {
        let mut calls: Vec<CallRecord> = self
            .calls
            .borrow()
            .iter()
            .filter(|c| c.started_at >= from && c.started_at < before)
            .cloned()
            .collect();
        calls.sort_by_key(|c| (c.started_at, c.call_sid.clone()));
        calls.truncate(limit);
        Ok(calls)
    }

    fn calls_from(&self, from: &str) -> Result<Vec<CallRecord>> {
        Ok(self.calls.borrow().iter().filter(|c| c.from == from).cloned().collect())
    }

    fn calls_crediting(&self, visitor: &str) -> Result<Vec<CallRecord>> {
        Ok(self.calls.borrow().iter().filter(|c| c.credits_visitor(visitor)).cloned().collect())
    }

    fn sessions_of(&self, visitor: &str) -> Result<Vec<(String, Lease)>> {
        Ok(self
            .sessions
            .borrow()
            .iter()
            .filter(|(_, s)| s.visitor == visitor)
            .map(|(k, s)| (k.clone(), s.clone()))
            .collect())
    }

    fn replace_session(&self, key: &str, session: &Lease) -> Result<()> {
        let mut sessions = self.sessions.borrow_mut();
        sessions.remove(key);
        sessions.insert(session_key(session), session.clone());
        Ok(())
    }

    fn forget_touches(&self, visitor: &str) -> Result<bool> {
        Ok(self.touches.borrow_mut().remove(visitor).is_some())
    }

    fn lifecycle_mark(&self, name: &str) -> Result<Option<i64>> {
        Ok(self.marks.borrow().get(name).copied())
    }

    fn set_lifecycle_mark(&self, name: &str, value: i64) -> Result<()> {
        self.marks.borrow_mut().insert(name.to_string(), value);
        Ok(())
    }

    fn append_audit(&self, entry: &AuditEntry) -> Result<AuditEntry> {
        let mut audit = self.audit.borrow_mut();
        let stored = AuditEntry { seq: count(audit.len()) + 1, ..entry.clone() };
        audit.push(stored.clone());
        Ok(stored)
    }

    fn audit_entries(&self, before_seq: Option<u64>, limit: usize) -> Result<Vec<AuditEntry>> {
        Ok(self
            .audit
            .borrow()
            .iter()
            .rev()
            .filter(|e| before_seq.is_none_or(|b| e.seq < b))
            .take(limit)
            .cloned()
            .collect())
    }

    fn export_calls(
        &self,
        from: Timestamp,
        to: Timestamp,
        after: Option<(Timestamp, String)>,
        limit: usize,
    ) -> Result<Vec<CallRecord>> {
        let mut calls: Vec<CallRecord> = self
            .calls
            .borrow()
            .iter()
            .filter(|c| c.started_at >= from && c.started_at < to)
            .filter(|c| after.as_ref().is_none_or(|a| (c.started_at, &c.call_sid) > (a.0, &a.1)))
            .cloned()
            .collect();
        calls.sort_by(|a, b| (a.started_at, &a.call_sid).cmp(&(b.started_at, &b.call_sid)));
        calls.truncate(limit);
        Ok(calls)
    }

    fn export_sessions(
        &self,
        from: Timestamp,
        to: Timestamp,
        after: Option<(Timestamp, String)>,
        limit: usize,
    ) -> Result<Vec<(String, Lease)>> {
        let mut sessions: Vec<(String, Lease)> = self
            .sessions
            .borrow()
            .iter()
            .filter(|(_, s)| s.started_at >= from && s.started_at < to)
            .filter(|(k, s)| after.as_ref().is_none_or(|a| (s.started_at, *k) > (a.0, &a.1)))
            .map(|(k, s)| (k.clone(), s.clone()))
            .collect();
        sessions.sort_by(|a, b| (a.1.started_at, &a.0).cmp(&(b.1.started_at, &b.0)));
        sessions.truncate(limit);
        Ok(sessions)
    }

    fn export_spend(
        &self,
        from_day: i64,
        to_day: i64,
        after: Option<(i64, String, String, String)>,
        limit: usize,
    ) -> Result<Vec<crate::money::SpendDay>> {
        // The map's key is (day, source, medium, campaign): already in export order.
        Ok(self
            .spend
            .borrow()
            .iter()
            .filter(|(k, _)| k.0 >= from_day && k.0 < to_day)
            .filter(|(k, _)| after.as_ref().is_none_or(|a| *k > a))
            .map(|(_, d)| d.clone())
            .take(limit)
            .collect())
    }
}
