//! Masking sessions in memory (host tests), and the property test of the masking invariant.

#[cfg(test)]
use super::{MaskingSession, MaskingSessions, SessionFilter};
#[cfg(test)]
use crate::error::{Error, Result};
#[cfg(test)]
use crate::support::Timestamp;
#[cfg(test)]
use phone::PhoneNumber;

/// Every session in memory; saving one refuses an open pair another open session has, as the
/// SQLite table's unique index does.
#[cfg(test)]
#[derive(Debug, Default)]
pub struct MaskingBook {
    sessions: std::cell::RefCell<Vec<MaskingSession>>,
}

#[cfg(test)]
impl MaskingBook {
    pub fn all(&self) -> Vec<MaskingSession> {
        self.sessions.borrow().clone()
    }
}

#[cfg(test)]
impl MaskingSessions for MaskingBook {
    fn save_masking_session(&self, session: &MaskingSession) -> Result<()> {
        let mut sessions = self.sessions.borrow_mut();
        if session.is_open() {
            let clash = sessions.iter().filter(|s| s.id != session.id && s.is_open()).any(|s| {
                s.participants
                    .iter()
                    .any(|p| session.participants.iter().any(|q| q.number == p.number && q.proxy == p.proxy))
            });
            if clash {
                return Err(Error::Storage("UNIQUE constraint failed: masking_pairs".into()));
            }
        }
        match sessions.iter_mut().find(|s| s.id == session.id) {
            Some(s) => *s = session.clone(),
            None => sessions.push(session.clone()),
        }
        Ok(())
    }

    fn masking_session(&self, id: &str) -> Result<Option<MaskingSession>> {
        Ok(self.sessions.borrow().iter().find(|s| s.id == id).cloned())
    }

    fn masking_session_by_key(&self, key: &str) -> Result<Option<MaskingSession>> {
        let sessions = self.sessions.borrow();
        Ok(sessions.iter().find(|s| s.idempotency.as_ref().is_some_and(|i| i.key == key)).cloned())
    }

    fn open_masking_session_of_order(&self, order_id: &str) -> Result<Option<MaskingSession>> {
        Ok(self.sessions.borrow().iter().find(|s| s.is_open() && s.order_id == order_id).cloned())
    }

    fn latest_masking_session_on_pair(
        &self,
        caller: &PhoneNumber,
        proxy: &PhoneNumber,
        at: Timestamp,
    ) -> Result<Option<MaskingSession>> {
        let sessions = self.sessions.borrow();
        let on_pair = sessions.iter().filter(|s| {
            s.created_at <= at && s.participants.iter().any(|p| &p.number == caller && &p.proxy == proxy)
        });
        // Newest first; among sessions created the same instant, the open one.
        Ok(on_pair.max_by_key(|s| (s.created_at, s.is_open())).cloned())
    }

    fn open_masking_sessions_of(&self, number: &PhoneNumber) -> Result<Vec<MaskingSession>> {
        let sessions = self.sessions.borrow();
        Ok(sessions
            .iter()
            .filter(|s| s.is_open() && s.participants.iter().any(|p| &p.number == number))
            .cloned()
            .collect())
    }

    fn open_masking_sessions_on(&self, proxy: &PhoneNumber) -> Result<Vec<MaskingSession>> {
        let sessions = self.sessions.borrow();
        Ok(sessions
            .iter()
            .filter(|s| s.is_open() && s.participants.iter().any(|p| &p.proxy == proxy))
            .cloned()
            .collect())
    }

    fn masking_proxies_used_by(&self, number: &PhoneNumber) -> Result<Vec<(PhoneNumber, Timestamp)>> {
        let mut used: Vec<(PhoneNumber, Timestamp)> = Vec::new();
        for s in self.sessions.borrow().iter() {
            for p in s.participants.iter().filter(|p| &p.number == number) {
                match used.iter_mut().find(|(n, _)| n == &p.proxy) {
                    Some((_, at)) => *at = (*at).max(s.created_at),
                    None => used.push((p.proxy.clone(), s.created_at)),
                }
            }
        }
        Ok(used)
    }

    fn masking_sessions(
        &self,
        filter: &SessionFilter,
        offset: u64,
        limit: u32,
    ) -> Result<(Vec<MaskingSession>, u64)> {
        let mut found: Vec<MaskingSession> =
            self.sessions.borrow().iter().filter(|s| filter.matches(s)).cloned().collect();
        found.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
        let total = found.len() as u64;
        let page = found.into_iter().skip(offset as usize).take(limit as usize).collect();
        Ok((page, total))
    }

    fn masking_sessions_due(&self, now: Timestamp, limit: usize) -> Result<Vec<MaskingSession>> {
        let mut due: Vec<MaskingSession> =
            self.sessions.borrow().iter().filter(|s| s.is_due(now)).cloned().collect();
        due.sort_by_key(|s| s.expires_at);
        due.truncate(limit);
        Ok(due)
    }

    fn next_masking_expiry(&self) -> Result<Option<Timestamp>> {
        Ok(self.sessions.borrow().iter().filter(|s| s.is_open()).map(|s| s.expires_at).min())
    }
}

#[cfg(test)]
mod tests {
    use super::super::*;
    use super::MaskingBook;
    use proptest::prelude::*;

    fn n(s: &str) -> PhoneNumber {
        PhoneNumber::parse(s).unwrap()
    }

    fn proxies() -> Vec<PhoneNumber> {
        vec![n("+15550107001"), n("+15550107002"), n("+15550107003")]
    }

    fn people() -> Vec<PhoneNumber> {
        (0..6).map(|i| n(&format!("+1555020{:04}", 1000 + i))).collect()
    }

    fn new_session(order: &str, a: &PhoneNumber, b: &PhoneNumber, ttl_minutes: u32) -> NewSession {
        NewSession {
            order_id: order.into(),
            participants: vec![
                NewParticipant { number: a.clone(), name: None, role: "customer".into() },
                NewParticipant { number: b.clone(), name: Some("Sam".into()), role: "courier".into() },
            ],
            ttl_secs: i64::from(ttl_minutes) * 60,
        }
    }

    #[test]
    fn a_customer_and_a_courier_reach_each_other_through_their_own_proxies() {
        let book = MaskingBook::default();
        let (c, k) = (n("+15550201000"), n("+15550201001"));
        let now = Timestamp(1_795_000_000_000);
        let s = open_session(
            &book,
            &proxies(),
            new_session("A1", &c, &k, 60),
            "MS1".into(),
            None,
            now,
            &mut Vec::new(),
        )
        .unwrap();
        let (cp, kp) = (s.participants[0].proxy.clone(), s.participants[1].proxy.clone());
        let found = connect(&book, &c, &cp, "CA1", now.plus_secs(60), &mut Vec::new()).unwrap().unwrap();
        assert_eq!(found.parties(&c, &cp).unwrap().1.number, k);
        assert_eq!(found.expires_at, now.plus_secs(60 + 3600), "a call keeps it open for its ttl");
        assert_eq!(
            connect(&book, &k, &kp, "CA2", now.plus_secs(120), &mut Vec::new()).unwrap().unwrap().call_count,
            2
        );
        // A stranger on the same proxy, and the customer on a proxy that is not theirs.
        assert!(connect(&book, &n("+15550209999"), &cp, "CA3", now, &mut Vec::new()).unwrap().is_none());
        let other = proxies().into_iter().find(|p| p != &cp).unwrap();
        assert!(connect(&book, &c, &other, "CA4", now, &mut Vec::new()).unwrap().is_none());
        // The same order cannot open twice; another order for the same customer gets another proxy.
        let again = open_session(
            &book,
            &proxies(),
            new_session("A1", &c, &k, 60),
            "MS2".into(),
            None,
            now,
            &mut Vec::new(),
        );
        assert_eq!(again.unwrap_err().field(), Some("order_id"));
        let d = n("+15550201002");
        let s2 = open_session(
            &book,
            &proxies(),
            new_session("A2", &c, &d, 60),
            "MS2".into(),
            None,
            now,
            &mut Vec::new(),
        )
        .unwrap();
        assert_ne!(s2.participants[0].proxy, cp);
        // Closed: the pair no longer connects, and the call is recorded against the closed session.
        close_session(&book, "MS1", now.plus_secs(200), &mut Vec::new()).unwrap();
        assert!(connect(&book, &c, &cp, "CA5", now.plus_secs(300), &mut Vec::new()).unwrap().is_none());
        let call = masked_call(&book, c.e164(), &cp, "CA5", now.plus_secs(300)).unwrap();
        assert_eq!((call.session_id.as_deref(), call.connected), (Some("MS1"), false));
        let call = masked_call(&book, c.e164(), &cp, "CA1", now.plus_secs(60)).unwrap();
        assert_eq!(
            (call.from_role.as_deref(), call.to_role.as_deref(), call.connected),
            (Some("customer"), Some("courier"), true)
        );
    }

    #[test]
    fn a_participant_with_every_number_busy_is_refused_and_nothing_is_stored() {
        let book = MaskingBook::default();
        let courier = n("+15550201001");
        let now = Timestamp(1_795_000_000_000);
        for i in 0..3 {
            let customer = n(&format!("+1555030{:04}", i));
            open_session(
                &book,
                &proxies(),
                new_session(&format!("O{i}"), &customer, &courier, 60),
                format!("MS{i}"),
                None,
                now,
                &mut Vec::new(),
            )
            .unwrap();
        }
        let err = open_session(
            &book,
            &proxies(),
            new_session("O9", &n("+15550309999"), &courier, 60),
            "MS9".into(),
            None,
            now,
            &mut Vec::new(),
        )
        .unwrap_err();
        assert_eq!((err.http_status(), err.field()), (409, Some("participants[1].number")));
        assert!(err.to_string().contains("at least 4 numbers"), "{err}");
        assert_eq!(book.all().len(), 3);
        // Once one expires, its proxy is free again (closed on the way, without an alarm).
        let later = now.plus_secs(3601);
        open_session(
            &book,
            &proxies(),
            new_session("O9", &n("+15550309999"), &courier, 60),
            "MS9".into(),
            None,
            later,
            &mut Vec::new(),
        )
        .unwrap();
        assert_eq!(book.all().iter().filter(|s| s.closed_reason == Some(ClosedReason::Expired)).count(), 3);
    }

    #[derive(Debug, Clone)]
    enum Op {
        Create { order: u8, a: usize, b: usize, ttl: u32 },
        Close(usize),
        Advance(i64),
        Call { caller: usize, proxy: usize },
        Expire,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (0u8..6, 0usize..6, 0usize..6, 1u32..20).prop_map(|(order, a, b, ttl)| Op::Create { order, a, b, ttl }),
            1 => (0usize..40).prop_map(Op::Close),
            2 => (0i64..900).prop_map(Op::Advance),
            4 => (0usize..6, 0usize..3).prop_map(|(caller, proxy)| Op::Call { caller, proxy }),
            1 => Just(Op::Expire),
        ]
    }

    proptest! {
        /// Over any sequence of creations, closes, expiries and calls: no (caller, proxy) pair
        /// is ever in two open sessions, a call connects exactly when one open session has its
        /// pair, and then only to that session's other participant.
        #[test]
        fn no_pair_leads_to_two_open_sessions_and_calls_reach_only_the_other_party(ops in proptest::collection::vec(op(), 1..80)) {
            let book = MaskingBook::default();
            let (people, proxies) = (people(), proxies());
            let mut now = Timestamp(1_795_000_000_000);
            let mut created = 0usize;
            for (step, op) in ops.into_iter().enumerate() {
                match op {
                    Op::Create { order, a, b, ttl } => {
                        let before = book.all().len();
                        let id = format!("MS{step}");
                        let r = open_session(&book, &proxies, new_session(&format!("O{order}"), &people[a], &people[b], ttl), id.clone(), None, now, &mut Vec::new());
                        match r {
                            Ok(s) => {
                                created += 1;
                                prop_assert!(s.participants.iter().all(|p| proxies.contains(&p.proxy)));
                            }
                            Err(e) => {
                                prop_assert_eq!(e.http_status(), if a == b { 400 } else { 409 }, "{}", e);
                                prop_assert_eq!(book.all().len(), before, "nothing half-created");
                                prop_assert!(book.masking_session(&id).unwrap().is_none());
                            }
                        }
                    }
                    Op::Close(i) => {
                        let all = book.all();
                        if let Some(s) = all.get(i % all.len().max(1)) {
                            let closed = close_session(&book, &s.id, now, &mut Vec::new()).unwrap();
                            prop_assert!(!closed.is_open());
                        }
                    }
                    Op::Advance(secs) => now = now.plus_secs(secs),
                    Op::Call { caller, proxy } => {
                        let (caller, proxy) = (&people[caller], &proxies[proxy]);
                        let live: Vec<MaskingSession> = book.all().into_iter()
                            .filter(|s| s.is_open() && !s.is_due(now) && s.parties(caller, proxy).is_some())
                            .collect();
                        prop_assert!(live.len() <= 1);
                        let sid = format!("CA{step}");
                        match connect(&book, caller, proxy, &sid, now, &mut Vec::new()).unwrap() {
                            Some(s) => {
                                prop_assert_eq!(live.len(), 1);
                                prop_assert_eq!(&s.id, &live[0].id);
                                let (from, to) = s.parties(caller, proxy).unwrap();
                                prop_assert_eq!(&from.number, caller);
                                prop_assert_ne!(&to.number, caller);
                                prop_assert!(s.participants.iter().any(|p| p == to));
                            }
                            None => prop_assert!(live.is_empty()),
                        }
                    }
                    Op::Expire => {
                        expire_due(&book, now, 100, &mut Vec::new()).unwrap();
                        prop_assert!(book.all().iter().all(|s| !s.is_due(now)));
                    }
                }
                // The invariant, after every step.
                let open: Vec<MaskingSession> = book.all().into_iter().filter(|s| s.is_open()).collect();
                let mut pairs = std::collections::HashSet::new();
                for s in &open {
                    for p in &s.participants {
                        prop_assert!(pairs.insert((p.number.clone(), p.proxy.clone())), "pair in two open sessions");
                    }
                }
            }
            let _ = created;
        }
    }
}
