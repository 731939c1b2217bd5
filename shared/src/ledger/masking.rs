//! The site ledger's number masking: sessions opened, listed, changed and closed for the
//! site's token; expired by the site's alarm; masked calls answered — connected to the other
//! party of the open session the pair (caller, proxy) names, else the site's closed policy —
//! and the CRM told of each session that closes.

use super::call_steps::forwarding_events;
use super::telephony::Announce;
use super::SiteLedger;
use crate::calls::{CallDestination, CallEvent};
use crate::error::{Error, Result};
use crate::masking::{self, IdempotencyRecord, MaskingSession};
use crate::providers::twilio::{self, Callbacks, DialPlan};
use crate::site::SiteConfig;
use crate::store::SiteStore;
use crate::support::{hash_token, Clock, Entropy};
use crate::webhooks::{Delivery, MASKING_SESSION_CLOSED};
use crate::wire::{
    CallView, LookupAnswer, SessionBody, SessionDetail, SessionPatch, SessionPayload, SessionQuery,
    SessionView, SessionsPage,
};
use phone::PhoneNumber;

/// Most sessions one alarm run (or one list) closes as expired.
const EXPIRY_BATCH: usize = 200;

/// A call on a masking number, decided: the callee's real number and the caller ID they see
/// (their own proxy number), or `None` (the closed policy).
type MaskedRoute = Option<(PhoneNumber, PhoneNumber)>;

impl<S: SiteStore, C: Clock + Entropy> SiteLedger<'_, S, C> {
    /// Opens a session for the token's site (`POST …/masking/sessions`); with an
    /// `Idempotency-Key` already used for the same request, the session it opened, as it is
    /// now (and `true`).
    pub async fn create_masking_session(
        &self,
        token: Option<&str>,
        body: &[u8],
        idempotency_key: Option<&str>,
    ) -> Result<(SessionView, bool)> {
        let config = self.authorized_config(token).await?;
        let key = idempotency_key.map(masking::check_idempotency_key).transpose()?;
        let parsed = SessionBody::parse(body)?;
        // The request as parsed, not its bytes: a retry formatted differently is the same one.
        let canonical = serde_json::to_string(&parsed).map_err(|e| Error::Storage(e.to_string()))?;
        let fingerprint = hash_token(&canonical);
        let now = self.clock.now();
        if let Some(key) = &key {
            if let Some(existing) = self.store.masking_session_by_key(key)? {
                let same = existing.idempotency.as_ref().is_some_and(|i| i.fingerprint == fingerprint);
                if !same {
                    return Err(Error::Unprocessable(format!(
                        "Idempotency-Key {key:?} was used for another request (session {}); use a new key for a new session",
                        existing.id
                    )));
                }
                return Ok((SessionView::at(&existing, now), true));
            }
        }
        let new = parsed.check(&config)?;
        let id = format!("MS{:016x}{:016x}", self.clock.next_u64(), self.clock.next_u64());
        let idempotency = key.map(|key| IdempotencyRecord { key, fingerprint });
        let mut ended = Vec::new();
        let opened =
            masking::open_session(self.store, &config.masking.numbers, new, id, idempotency, now, &mut ended);
        self.closed(&config, &ended).await?;
        Ok((SessionView::from(&opened?), false))
    }

    /// A page of the site's sessions (`GET …/masking/sessions`), newest first.
    pub async fn masking_sessions(&self, token: Option<&str>, query: &SessionQuery) -> Result<SessionsPage> {
        let config = self.authorized_config(token).await?;
        let now = self.clock.now();
        let mut ended = Vec::new();
        masking::expire_due(self.store, now, EXPIRY_BATCH, &mut ended)?;
        self.closed(&config, &ended).await?;
        let (sessions, total) = self.store.masking_sessions(&query.filter, query.offset(), query.per_page)?;
        Ok(SessionsPage {
            sessions: sessions.iter().map(|s| SessionView::at(s, now)).collect(),
            total,
            page: query.page,
            per_page: query.per_page,
        })
    }

    /// One session with its calls, newest first (`GET …/masking/sessions/{id}`).
    pub async fn masking_session_detail(&self, token: Option<&str>, id: &str) -> Result<SessionDetail> {
        let config = self.authorized_config(token).await?;
        let session = self.session(id)?;
        let mut calls = Vec::with_capacity(session.calls.len());
        for call_sid in session.calls.iter().rev() {
            if let Some(call) = self.store.find_call(call_sid).await? {
                calls.push(CallView::of(&call, config.qualify_secs));
            }
        }
        Ok(SessionDetail { session: SessionView::at(&session, self.clock.now()), calls })
    }

    /// Changes an open session's ttl (counted from now) or its participants' names.
    pub async fn patch_masking_session(
        &self,
        token: Option<&str>,
        id: &str,
        patch: &SessionPatch,
    ) -> Result<SessionView> {
        let config = self.authorized_config(token).await?;
        let now = self.clock.now();
        let mut session = self.session(id)?;
        if session.is_due(now) {
            let mut ended = Vec::new();
            session = masking::close_session(self.store, id, now, &mut ended)?;
            self.closed(&config, &ended).await?;
        }
        patch.apply(&mut session, now)?;
        self.store.save_masking_session(&session)?;
        Ok(SessionView::from(&session))
    }

    /// Closes a session for the business (`POST …/sessions/{id}/close`).
    pub async fn close_masking_session(&self, token: Option<&str>, id: &str) -> Result<SessionView> {
        let config = self.authorized_config(token).await?;
        let mut ended = Vec::new();
        let session = masking::close_session(self.store, id, self.clock.now(), &mut ended)?;
        self.closed(&config, &ended).await?;
        Ok(SessionView::from(&session))
    }

    /// Closes the sessions whose time ran out (the site's alarm); how many.
    pub async fn expire_masking_sessions(&self) -> Result<usize> {
        let Some(config) = self.store.load_config().await? else { return Ok(0) };
        let mut ended = Vec::new();
        masking::expire_due(self.store, self.clock.now(), EXPIRY_BATCH, &mut ended)?;
        self.closed(&config, &ended).await?;
        Ok(ended.len())
    }

    /// Closes the open sessions on the masking numbers `before` had and `after` has not.
    pub(super) async fn close_sessions_on_removed(
        &self,
        before: &SiteConfig,
        after: &SiteConfig,
    ) -> Result<()> {
        let mut ended = Vec::new();
        for gone in before.masking.numbers.iter().filter(|n| !after.masking.is_masking_number(n)) {
            masking::close_sessions_on(self.store, gone, self.clock.now(), &mut ended)?;
        }
        self.closed(after, &ended).await
    }

    /// The CRM hears of each session that closed (`masking_session.closed`).
    async fn closed(&self, config: &SiteConfig, ended: &[MaskingSession]) -> Result<()> {
        let Some(hook) = &config.crm_webhook else { return Ok(()) };
        let now = self.clock.now();
        for session in ended {
            let payload = SessionPayload {
                event: MASKING_SESSION_CLOSED.into(),
                site: self.site.to_string(),
                occurred_at: now,
                session: SessionView::from(session),
            };
            let body = serde_json::to_string(&payload).map_err(|e| Error::Storage(e.to_string()))?;
            let delivery = Delivery::new(&session.id, MASKING_SESSION_CLOSED, &hook.url, body, now);
            self.store.enqueue_delivery(&delivery).await?;
        }
        Ok(())
    }

    /// The session `id`, as stored.
    fn session(&self, id: &str) -> Result<MaskingSession> {
        self.store
            .masking_session(id)?
            .ok_or_else(|| Error::NotFound(format!("no masking session {id:?} on this site")))
    }

    /// Where a call from `from` on the masking number `proxy` goes now (a session whose time
    /// ran out is closed on the way, and the CRM told).
    async fn masked_route(
        &self,
        config: &SiteConfig,
        from: Option<&str>,
        proxy: &PhoneNumber,
        call_sid: &str,
    ) -> Result<MaskedRoute> {
        let Some(caller) = from.and_then(|f| PhoneNumber::parse(f).ok()) else { return Ok(None) };
        let mut ended = Vec::new();
        let session = masking::connect(self.store, &caller, proxy, call_sid, self.clock.now(), &mut ended)?;
        self.closed(config, &ended).await?;
        // The callee sees their own proxy number: the one they call to reach the caller.
        Ok(session
            .as_ref()
            .and_then(|s| s.parties(&caller, proxy))
            .map(|(_, other)| (other.number.clone(), other.proxy.clone())))
    }

    /// Where the closed policy sends a call nobody connects.
    fn closed_destination(config: &SiteConfig, route: &MaskedRoute) -> CallDestination {
        match (route, &config.masking.closed.forward_to) {
            (Some((to, _)), _) | (None, Some(to)) => {
                CallDestination::Forward { to: to.clone(), after_hours: false }
            }
            (None, None) => CallDestination::Hangup,
        }
    }

    /// A call arriving on a masking number (Twilio's voice webhook): dialled to the other
    /// party with their proxy number as caller ID, recorded when the site records calls; or
    /// the site's closed policy.
    pub(super) async fn masked_call_arrived(
        &self,
        config: &SiteConfig,
        mut events: Vec<CallEvent>,
        callbacks: &Callbacks,
    ) -> Result<String> {
        let started = events.first().cloned().ok_or_else(|| Error::invalid("no call to answer"))?;
        let route =
            self.masked_route(config, started.from.as_deref(), &started.to, &started.call_sid).await?;
        let destination = Self::closed_destination(config, &route);
        events.extend(forwarding_events(&destination, &started));
        self.record_events_in(config, events, Announce::OnCreate).await?;
        let closed = &config.masking.closed;
        Ok(match (&route, &destination) {
            (Some((to, caller_id)), _) => twilio::dial(
                &DialPlan {
                    number: to,
                    caller_id: Some(caller_id.e164()),
                    record: config.record_calls,
                    timeout_secs: config.dial_timeout_secs,
                    say_first: None,
                },
                callbacks,
            ),
            (None, CallDestination::Forward { to, .. }) => twilio::dial(
                &DialPlan {
                    number: to,
                    caller_id: None,
                    record: config.record_calls,
                    timeout_secs: config.dial_timeout_secs,
                    say_first: closed.say.as_deref(),
                },
                callbacks,
            ),
            (None, _) => twilio::say_and_hang_up(closed.say.as_deref()),
        })
    }

    /// A dialed-number lookup on a masking number (`GET /v1/route`): the other party and the
    /// caller ID to show them, or the closed policy (words, then a number or the end).
    pub(super) async fn masked_lookup(
        &self,
        config: &SiteConfig,
        started: CallEvent,
    ) -> Result<LookupAnswer> {
        let route =
            self.masked_route(config, started.from.as_deref(), &started.to, &started.call_sid).await?;
        let destination = Self::closed_destination(config, &route);
        let mut events = vec![started.clone()];
        events.extend(forwarding_events(&destination, &started));
        self.record_events_in(config, events, Announce::Now).await?;
        let forward_to = match &destination {
            CallDestination::Forward { to, .. } => Some(to.e164().to_string()),
            _ => None,
        };
        Ok(LookupAnswer {
            call_id: started.call_sid.clone(),
            hangup: forward_to.is_none(),
            forward_to,
            after_hours: false,
            caller_id: route.as_ref().map(|(_, proxy)| proxy.e164().to_string()),
            say: if route.is_some() { None } else { config.masking.closed.say.clone() },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calls::CallQuery;
    use crate::ledger::testing::{run, setup, NO_CRM};
    use crate::providers::twilio::{Hook, SignatureCheck, TwilioRequest};
    use crate::site::{MaskingClosedSetup, SiteSetup};
    use crate::store::{CallStore, MemoryStore};
    use crate::support::FixedClock;
    use crate::webhooks::CrmWebhookSetup;

    const TOKEN: &str = "demo-token-0123456789";
    const CUSTOMER: &str = "+15550301111";
    const COURIER: &str = "+15550302222";
    const CHECK: SignatureCheck<'static> = SignatureCheck { fallback_token: None, enforce: false };

    fn site() -> SiteSetup {
        SiteSetup {
            masking_numbers: vec!["+15550107001".into(), "+15550107002".into(), "+15550107003".into()],
            masking_ttl_minutes: Some(60),
            crm_webhook: Some(CrmWebhookSetup {
                url: "https://crm.example/hook".into(),
                secret: Some("crm-secret-0123456789".into()),
            }),
            record_calls: Some(true),
            ..setup(&["+15550100201"])
        }
    }

    fn body(order: &str, a: &str, b: &str) -> String {
        format!(
            r#"{{"order_id": "{order}", "participants": [{{"number": "{a}", "role": "customer", "name": "Ann"}},
                {{"number": "{b}", "role": "courier"}}]}}"#
        )
    }

    fn voice(sid: &str, from: &str, to: &str) -> TwilioRequest {
        let params = [("CallSid", sid), ("From", from), ("To", to), ("CallStatus", "ringing")];
        TwilioRequest {
            hook: Hook::Voice,
            urls: vec!["https://calls.example.com/v1/telephony/twilio/voice".into()],
            signature: None,
            params: params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            tracking_number: None,
            voicemail: false,
            gather: None,
            origin: "https://calls.example.com".into(),
        }
    }

    fn proxy_of(view: &SessionView, role: &str) -> String {
        view.participants.iter().find(|p| p.role == role).unwrap().proxy_number.clone()
    }

    #[test]
    fn customer_and_courier_call_each_other_masked_and_a_stranger_hears_the_order_is_closed() {
        let (store, clock) = (MemoryStore::default(), FixedClock::at(1_795_000_000_000));
        let ledger = SiteLedger::new("demo", &store, &clock);
        run(ledger.configure(site())).unwrap();
        let (view, replayed) = run(ledger.create_masking_session(
            Some(TOKEN),
            body("A1", CUSTOMER, COURIER).as_bytes(),
            Some("k1"),
        ))
        .unwrap();
        assert!(!replayed && view.state == "open" && view.ttl_minutes == 60);
        let (cp, kp) = (proxy_of(&view, "customer"), proxy_of(&view, "courier"));

        // The customer calls their proxy: the courier's phone rings, showing the courier's proxy.
        let twiml = run(ledger.twilio(&voice("CA1", CUSTOMER, &cp), CHECK, &NO_CRM)).unwrap();
        assert!(twiml.contains(&format!(">{COURIER}</Number>")), "{twiml}");
        assert!(twiml.contains(&format!("callerId=\"{kp}\"")) && twiml.contains("record="), "{twiml}");
        assert!(!twiml.contains(CUSTOMER), "the customer's number is not shown to the courier");
        // And back.
        let twiml = run(ledger.twilio(&voice("CA2", COURIER, &kp), CHECK, &NO_CRM)).unwrap();
        assert!(
            twiml.contains(&format!(">{CUSTOMER}</Number>")) && twiml.contains(&format!("callerId=\"{cp}\""))
        );
        assert!(!twiml.contains(COURIER));
        // A stranger on the customer's proxy.
        let twiml = run(ledger.twilio(&voice("CA3", "+15550309999", &cp), CHECK, &NO_CRM)).unwrap();
        assert!(twiml.contains("<Say>This order is closed.</Say><Hangup/>"), "{twiml}");

        let call = run(store.find_call("CA1")).unwrap().unwrap();
        let m = call.masking.clone().unwrap();
        assert_eq!(
            (m.order_id.as_deref(), m.from_role.as_deref(), m.to_role.as_deref()),
            (Some("A1"), Some("customer"), Some("courier"))
        );
        assert!(m.connected && call.attribution.is_none() && call.repeat_of.is_none());
        let stranger = run(store.find_call("CA3")).unwrap().unwrap().masking.unwrap();
        assert!(!stranger.connected && stranger.session_id.is_none());
        let events: Vec<String> = store.deliveries.borrow().iter().map(|d| d.event.clone()).collect();
        // The stranger's call ended at once (the closed policy hangs up).
        assert_eq!(
            events,
            ["masked_call.started", "masked_call.started", "masked_call.started", "masked_call.ended"]
        );

        // The session lists its calls; masked calls are kept out of the overview, found by kind.
        let detail = run(ledger.masking_session_detail(Some(TOKEN), &view.session_id)).unwrap();
        assert_eq!(detail.calls.iter().map(|c| c.call_sid.as_str()).collect::<Vec<_>>(), ["CA2", "CA1"]);
        let now = clock.now();
        let pairs = |q: &str| -> Vec<(String, String)> { crate::support::parse_urlencoded(q) };
        let overview = crate::overview::OverviewQuery::parse(&pairs(""), now).unwrap();
        assert_eq!(run(ledger.overview(Some(TOKEN), &overview)).unwrap().totals.calls, 0);
        let masked = CallQuery::parse(&pairs("kind=masked"), now).unwrap();
        assert_eq!(run(ledger.query_calls(Some(TOKEN), &masked)).unwrap().total, 3);
        let tracked = CallQuery::parse(&pairs("kind=tracked"), now).unwrap();
        assert_eq!(run(ledger.query_calls(Some(TOKEN), &tracked)).unwrap().total, 0);

        // The same Idempotency-Key: the same session; with another body: refused.
        let (again, replayed) = run(ledger.create_masking_session(
            Some(TOKEN),
            body("A1", CUSTOMER, COURIER).as_bytes(),
            Some("k1"),
        ))
        .unwrap();
        assert!(replayed && again.session_id == view.session_id);
        let other = run(ledger.create_masking_session(
            Some(TOKEN),
            body("A2", CUSTOMER, COURIER).as_bytes(),
            Some("k1"),
        ));
        assert_eq!(other.unwrap_err().http_status(), 422);

        // Closed: the pair no longer connects.
        let closed = run(ledger.close_masking_session(Some(TOKEN), &view.session_id)).unwrap();
        assert_eq!((closed.state.as_str(), closed.closed_reason.as_deref()), ("closed", Some("closed")));
        let twiml = run(ledger.twilio(&voice("CA4", CUSTOMER, &cp), CHECK, &NO_CRM)).unwrap();
        assert!(twiml.contains("<Hangup/>") && !twiml.contains(COURIER));
        let late = run(store.find_call("CA4")).unwrap().unwrap().masking.unwrap();
        assert_eq!((late.session_id.as_deref(), late.connected), (Some(view.session_id.as_str()), false));
        let patch = SessionPatch { ttl_minutes: Some(5), participants: vec![] };
        let err = run(ledger.patch_masking_session(Some(TOKEN), &view.session_id, &patch)).unwrap_err();
        assert_eq!(err.http_status(), 409);
    }

    #[test]
    fn sessions_expire_on_time_and_the_closed_policy_can_forward() {
        let (store, clock) = (MemoryStore::default(), FixedClock::at(1_795_000_000_000));
        let ledger = SiteLedger::new("demo", &store, &clock);
        let closed = MaskingClosedSetup::Policy {
            say: Some("This order is closed. Connecting you to support.".into()),
            forward_to: Some("+15550100555".into()),
        };
        run(ledger.configure(SiteSetup { masking_closed: Some(closed), ..site() })).unwrap();
        let (view, _) =
            run(ledger.create_masking_session(Some(TOKEN), body("B1", CUSTOMER, COURIER).as_bytes(), None))
                .unwrap();
        let cp = proxy_of(&view, "customer");
        assert_eq!(run(ledger.next_alarm_at()).unwrap(), Some(view.expires_at));
        clock.advance_secs(30 * 60);
        run(ledger.twilio(&voice("CA1", CUSTOMER, &cp), CHECK, &NO_CRM)).unwrap();
        // The call kept it open: an hour from the call, not from the creation.
        clock.advance_secs(45 * 60);
        assert_eq!(run(ledger.expire_masking_sessions()).unwrap(), 0);
        clock.advance_secs(16 * 60);
        assert_eq!(run(ledger.expire_masking_sessions()).unwrap(), 1);
        let shown = run(ledger.masking_session_detail(Some(TOKEN), &view.session_id)).unwrap();
        assert_eq!(
            (shown.session.state.as_str(), shown.session.closed_reason.as_deref()),
            ("closed", Some("expired"))
        );
        assert_eq!(shown.calls.len(), 1, "an expired session's calls stay");
        let twiml = run(ledger.twilio(&voice("CA2", CUSTOMER, &cp), CHECK, &NO_CRM)).unwrap();
        assert!(
            twiml.contains("<Say>This order is closed. Connecting you to support.</Say><Dial"),
            "{twiml}"
        );
        assert!(twiml.contains(">+15550100555</Number>") && !twiml.contains(COURIER));
        // The neutral lookup answers the same way.
        let proxy = PhoneNumber::parse(&cp).unwrap();
        let lookup = |call_id: &str, json: bool| crate::wire::DialedLookup {
            call_id: call_id.into(),
            from: CUSTOMER.into(),
            dialed: proxy.clone(),
            steps: crate::wire::LookupSteps::default(),
            json,
        };
        let answer = run(ledger.lookup_dialed(Some(TOKEN), &lookup("route-1", true), &NO_CRM)).unwrap();
        assert_eq!(answer.forward_to.as_deref(), Some("+15550100555"));
        let plain = run(ledger.lookup_dialed(Some(TOKEN), &lookup("route-2", false), &NO_CRM));
        assert_eq!(plain.unwrap_err().http_status(), 400, "a plain answer would unmask the caller");
        assert!(run(store.find_call("route-2")).unwrap().is_none(), "nothing recorded");
        assert!(answer.say.is_some() && answer.caller_id.is_none());
    }

    #[test]
    fn bad_sessions_are_refused_with_their_field_and_nothing_is_created() {
        let (store, clock) = (MemoryStore::default(), FixedClock::at(1_795_000_000_000));
        let ledger = SiteLedger::new("demo", &store, &clock);
        run(ledger.configure(site())).unwrap();
        let create = |b: &str| run(ledger.create_masking_session(Some(TOKEN), b.as_bytes(), None));
        let one = r#"{"order_id": "X", "participants": [{"number": "+15550301111", "role": "customer"}]}"#;
        let cases: Vec<(String, u16, Option<&str>)> = vec![
            (one.into(), 400, Some("participants")),
            (
                r#"{"order_id": "X", "participants": [{"number": "+15550301111", "role": "a"}, {"number": "+15550301112", "role": "b"}, {"number": "+15550301113", "role": "c"}]}"#.into(),
                400,
                Some("participants"),
            ),
            (body("X", CUSTOMER, CUSTOMER), 400, Some("participants[1].number")),
            (body("X", CUSTOMER, "+15550107002"), 400, Some("participants[1].number")),
            (body("X", "+15550100100", COURIER), 400, Some("participants[0].number")),
            (body("X", "call me", COURIER), 400, Some("participants[0].number")),
            (body("", CUSTOMER, COURIER), 400, Some("order_id")),
            (r#"{"order_id": "X", "participants": [], "ttl_minutes": 0}"#.into(), 400, Some("participants")),
            (r#"{"order_id": "X"}"#.into(), 400, None),
            ("[]".into(), 400, None),
        ];
        for (b, status, field) in cases {
            let err = create(&b).unwrap_err();
            assert_eq!((err.http_status(), err.field()), (status, field), "{b}: {err}");
        }
        let ttl = format!(
            r#"{{"order_id": "X", "participants": [{{"number": "{CUSTOMER}", "role": "c"}}, {{"number": "{COURIER}", "role": "k"}}], "ttl_minutes": 43201}}"#
        );
        assert_eq!(create(&ttl).unwrap_err().field(), Some("ttl_minutes"));
        assert!(store.masking.all().is_empty(), "nothing created");
        // One courier, three numbers: the fourth open session is refused with what the pool needs.
        for i in 0..3 {
            create(&body(&format!("O{i}"), &format!("+1555040{i:04}"), COURIER)).unwrap();
        }
        let err = create(&body("O3", "+15550409999", COURIER)).unwrap_err();
        assert_eq!((err.http_status(), err.field()), (409, Some("participants[1].number")));
        assert_eq!(store.masking.all().len(), 3);
        assert_eq!(
            run(ledger.close_masking_session(Some(TOKEN), "MS00000000000000000000000000000000"))
                .unwrap_err()
                .http_status(),
            404
        );
        assert_eq!(
            create(&body("O9", CUSTOMER, COURIER)).map(drop).err().map(|e| e.http_status()),
            Some(409)
        );
        assert_eq!(
            run(ledger.create_masking_session(Some("wrong-token-123456"), b"{}", None))
                .unwrap_err()
                .http_status(),
            401
        );
    }

    #[test]
    fn removing_a_masking_number_closes_its_sessions_and_the_crm_hears_of_every_close() {
        let (store, clock) = (MemoryStore::default(), FixedClock::at(1_795_000_000_000));
        let ledger = SiteLedger::new("demo", &store, &clock);
        run(ledger.configure(site())).unwrap();
        // Formatted differently, the same request: a replay, not a 422.
        let spaced = body("F1", CUSTOMER, COURIER).replace(", ", ",   ");
        let (view, _) = run(ledger.create_masking_session(
            Some(TOKEN),
            body("F1", CUSTOMER, COURIER).as_bytes(),
            Some("kf"),
        ))
        .unwrap();
        let (again, replayed) =
            run(ledger.create_masking_session(Some(TOKEN), spaced.as_bytes(), Some("kf"))).unwrap();
        assert!(replayed && again.session_id == view.session_id);
        let (other, _) = run(ledger.create_masking_session(
            Some(TOKEN),
            body("F2", "+15550301112", "+15550302223").as_bytes(),
            None,
        ))
        .unwrap();
        // A call reported by events alone is classified, not connected, and changes no session.
        let proxy = PhoneNumber::parse(&proxy_of(&view, "customer")).unwrap();
        let event = CallEvent {
            call_sid: "EV1".into(),
            provider: "api".into(),
            at: clock.now(),
            from: Some(CUSTOMER.into()),
            to: proxy.clone(),
            kind: crate::calls::EventKind::Started,
        };
        let call = run(ledger.call_events(Some(TOKEN), vec![event])).unwrap();
        assert_eq!(call.masking.as_ref().map(|m| m.connected), Some(false));
        assert_eq!(
            run(ledger.masking_session_detail(Some(TOKEN), &view.session_id)).unwrap().session.call_count,
            0
        );
        // The first session's customer proxy leaves the masking numbers: sessions on it close.
        let mut fewer = site();
        fewer.masking_numbers.retain(|n| n != proxy.e164());
        run(ledger.configure(fewer)).unwrap();
        let shown = run(ledger.masking_session_detail(Some(TOKEN), &view.session_id)).unwrap().session;
        assert_eq!(
            (shown.state.as_str(), shown.closed_reason.as_deref()),
            ("closed", Some("number_removed"))
        );
        let still = run(ledger.masking_session_detail(Some(TOKEN), &other.session_id)).unwrap().session;
        assert_eq!(
            still.state == "open",
            proxy_of(&other, "customer") != proxy.e164() && proxy_of(&other, "courier") != proxy.e164()
        );
        let closed: Vec<String> = store
            .deliveries
            .borrow()
            .iter()
            .filter(|d| d.event == "masking_session.closed")
            .map(|d| d.call_sid.clone())
            .collect();
        assert!(closed.contains(&view.session_id), "{closed:?}");
        // A closed policy forwarding to one of the site's tracking numbers would loop.
        let looping = SiteSetup {
            masking_closed: Some(MaskingClosedSetup::Policy {
                say: None,
                forward_to: Some("+15550100201".into()),
            }),
            ..site()
        };
        assert_eq!(run(ledger.configure(looping)).unwrap_err().field(), Some("masking_closed.forward_to"));
    }
}
