//! Leases for visitors who did not consent (`"consent": false`, a consent banner not
//! accepted): a **source-level** number, never one of the visitor's own. Nothing identifies
//! the visitor: no id, no touch history, no click id or ad cookie, no lease to renew.
//!
//! - The site's static rule for the visit's source, if one matches (as for any visitor).
//! - Else its channel's number: one pool lease per channel (`~unconsented-paid_search`),
//!   shared by every such visitor of the channel, held [`CHANNEL_HOLD_SECS`] after the last
//!   one arrived. A call to it is credited to the channel (`(no consent)` source and medium),
//!   flagged `unconsented`. The channels take at most half the line's pool (none of a
//!   one-number line), and only a free number, so visitors who consent still get numbers of
//!   their own; past that a channel's visitors keep the page's number (a limited grant).
//! - Each arrival from outside the site is counted as a session without a visitor, credited
//!   as its calls are (the channel, or the static number's source), with the country and
//!   region only, so reports' sessions and conversion rates include them.

use super::lease::{line_asked, static_lease};
use super::SiteLedger;
use crate::error::Result;
use crate::pool::{Lease, LeaseRequest, Region, UNCONSENTED_HOLDER};
use crate::store::SiteState;
use crate::store::SiteStore;
use crate::support::{Clock, Entropy, Timestamp};
use crate::traffic::{static_rule_for, Channel, StaticRule, TrafficSource, Visit, ALL_CHANNELS};
use crate::wire::{LeaseGrant, UNCONSENTED_LEASE_ID};
use phone::PhoneNumber;

/// A channel's number stays the channel's this long after its last visitor without consent
/// arrived: nothing renews it (their pages send no heartbeat), and a page may stay open
/// that long. Then it cools for the retention window like any lease.
pub const CHANNEL_HOLD_SECS: i64 = 3600;

/// The holder of `channel`'s lease.
pub fn unconsented_holder(channel: Channel) -> String {
    format!("{UNCONSENTED_HOLDER}{}", channel.key())
}

impl<S: SiteStore, C: Clock + Entropy> SiteLedger<'_, S, C> {
    /// The number for a page view of a visitor who did not consent, on the line
    /// `business_number` (`None`: the main one). See the module's description.
    pub async fn lease_unconsented(
        &self,
        visit: &Visit,
        region: Region,
        business_number: Option<&PhoneNumber>,
    ) -> Result<LeaseGrant> {
        let mut state = self.state().await?;
        let line = line_asked(&state.config, business_number)?;
        let now = self.clock.now();
        let unidentified = Visit { ad_storage_denied: true, ga: None, fbp: None, fbc: None, ..visit.clone() };
        let source = TrafficSource::from_visit(&unidentified).unidentified();
        let rules: Vec<StaticRule> =
            state.config.static_numbers.iter().filter(|r| r.business_number == line).cloned().collect();
        // What a call to the number shown is credited to: the rule's source, else the channel.
        let (lease, credited) = match static_rule_for(&rules, &source) {
            Some(rule) => {
                let secs = state.config.lease_secs;
                let lease = static_lease(rule, String::new(), source.clone(), region.clone(), now, secs);
                (Some(lease), rule.credited_source())
            }
            None => (
                self.channel_lease(&mut state, source.channel, line.as_ref(), now).await?,
                TrafficSource::of_channel(source.channel),
            ),
        };
        let mut grant = match &lease {
            Some(lease) => LeaseGrant::new(lease, &state.config),
            None => LeaseGrant::limited(&state.config, line.as_ref(), now),
        };
        grant.consent = false;
        grant.lease_id = UNCONSENTED_LEASE_ID.to_string();
        // Counted once per arrival, on the main line (a page with two lines asks twice), as its
        // calls are credited (so a report's sessions and calls agree), with the country and
        // region only.
        if !visit.is_internal_navigation() && line.is_none() {
            let session = Lease {
                id: format!("{UNCONSENTED_LEASE_ID}-{}-{:016x}", now.millis(), self.clock.next_u64()),
                number: PhoneNumber::parse(&grant.number)?,
                visitor: String::new(),
                source: credited,
                region: Region {
                    country: region.country,
                    region_code: region.region_code,
                    ..Region::default()
                },
                started_at: now,
                renewed_at: Some(now),
                expires_at: now,
                ended_at: Some(now),
                shared: false,
                overflow: grant.overflow,
                static_number: grant.static_number,
                extension: None,
            };
            self.store.record_session(&session).await?;
        }
        Ok(grant)
    }

    /// `channel`'s lease on `line`, taken or extended; `None` when the line has no pool
    /// number, or the channels hold half of them already (none of a one-number line), or no
    /// number is free: never through the site's exhaustion policy (a channel's number is
    /// neither shared nor the overflow). Extended only once half its hold has passed, so a
    /// busy channel writes twice an hour, not once a page view.
    async fn channel_lease(
        &self,
        state: &mut SiteState,
        channel: Channel,
        line: Option<&PhoneNumber>,
        now: Timestamp,
    ) -> Result<Option<Lease>> {
        let holder = unconsented_holder(channel);
        let held = state.pool.live_lease_of(&holder, line, now);
        if let Some(lease) = held.filter(|l| l.expires_at.millis() - now.millis() > CHANNEL_HOLD_SECS * 500) {
            return Ok(Some(lease.clone()));
        }
        if held.is_none() {
            let on_line = state.pool.numbers().iter().filter(|n| n.line.as_ref() == line).count();
            let channels =
                ALL_CHANNELS.iter().filter(|c| state.pool.holds(&unconsented_holder(**c), line, now)).count();
            if channels >= on_line / 2 || !state.pool.has_free_number(line, now) {
                return Ok(None);
            }
        }
        let mut rules = state.config.rules();
        rules.lease_secs = rules.lease_secs.max(CHANNEL_HOLD_SECS);
        let req = LeaseRequest {
            visitor: holder,
            source: TrafficSource::of_channel(channel),
            region: Region::default(),
        };
        let lease = state.pool.lease_on_line(req, line, now, &rules, self.site)?;
        self.store.save(state).await?;
        Ok(Some(lease))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calls::IncomingCall;
    use crate::ledger::testing::{run, setup, visit};
    use crate::pool::RateLimiter;
    use crate::store::{LeaseStore, MemoryStore};
    use crate::support::FixedClock;
    use crate::wire::{CallView, LeaseCommand};
    use std::cell::RefCell;

    fn ask(visit: &Visit, lines: &[&str]) -> LeaseCommand {
        LeaseCommand {
            visitor: String::new(),
            visit: visit.clone(),
            region: Region::default(),
            business_number: None,
            client_ip: None,
            consent: false,
            lines: lines.iter().map(|l| PhoneNumber::parse(l).unwrap()).collect(),
        }
    }

    fn google_ad() -> Visit {
        Visit {
            landing_page: Some("https://a.example/plumbing?gclid=Cj0abc&email=jo%40x.example".into()),
            referrer: Some("https://www.google.com/search?q=plumber+jo+smith".into()),
            ga: Some("GA1.1.123.456".into()),
            ..Visit::default()
        }
    }

    #[test]
    fn visitors_without_consent_share_their_channels_number_and_nothing_identifies_them() {
        let store = MemoryStore::default();
        let clock = FixedClock::at(1_000_000);
        let ledger = SiteLedger::new("demo", &store, &clock);
        let pool = ["+15550100201", "+15550100202", "+15550100203", "+15550100204"];
        run(ledger.configure(setup(&pool))).unwrap();
        let limiter = RefCell::new(RateLimiter::default());
        let (first, over) = run(ledger.answer_lease(ask(&google_ad(), &[]), &limiter)).unwrap();
        assert!(over.is_none() && !first.limited && !first.consent, "{first:?}");
        assert_eq!(first.lease_id, UNCONSENTED_LEASE_ID, "nothing to renew or release");
        clock.advance_secs(600);
        let (second, _) = run(ledger.answer_lease(ask(&google_ad(), &[]), &limiter)).unwrap();
        assert_eq!(second.number, first.number, "the channel's number, for every such visitor");
        let (organic, _) =
            run(ledger.answer_lease(ask(&visit_from("https://www.bing.com/"), &[]), &limiter)).unwrap();
        assert_ne!(organic.number, first.number, "another channel, another number");
        // Half the pool at most: a third channel keeps the page's own number.
        let (email, _) = run(ledger.answer_lease(
            ask(
                &Visit {
                    utm_source: Some("newsletter".into()),
                    utm_medium: Some("email".into()),
                    ..Visit::default()
                },
                &[],
            ),
            &limiter,
        ))
        .unwrap();
        assert!(email.limited && email.number == "+15550100100", "{email:?}");
        // A visitor who consents still gets a number of their own.
        let (own, _) =
            run(ledger.lease("v-consented-1".into(), &visit("google"), Region::default())).unwrap();
        assert!(own.number.e164() != first.number && own.number.e164() != organic.number);
        // Every number taken: the site's policy (share) never hands out a channel's number.
        let (last, _) =
            run(ledger.lease("v-consented-2".into(), &visit("google"), Region::default())).unwrap();
        let (shared, _) =
            run(ledger.lease("v-consented-3".into(), &visit("google"), Region::default())).unwrap();
        assert!(!last.shared && shared.shared, "{shared:?}");
        assert!(shared.number == own.number || shared.number == last.number, "{shared:?}");
        // No touches, no visitor: three sessions counted, each without identifiers.
        let sessions =
            run(store.sessions_between(crate::Timestamp(0), clock.now().plus_secs(1), 100)).unwrap();
        let counted: Vec<&Lease> = sessions.iter().filter(|s| s.visitor.is_empty()).collect();
        assert_eq!(counted.len(), 4, "{sessions:?}");
        let ad = counted[0];
        assert_eq!(ad.source, TrafficSource::of_channel(Channel::PaidSearch), "as its calls are credited");
        assert!(ad.source.ad_ids.is_empty() && ad.source.landing_page.is_none(), "no click id, no page");
        assert_eq!(store.touches.borrow().len(), 3, "only the consented visitors' touches");
        assert!(!store.touches.borrow().contains_key(""));
        // A call to the channel's number: the channel, no visitor, flagged.
        let to = PhoneNumber::parse(&first.number).unwrap();
        let call =
            IncomingCall { call_sid: "CAnc1".into(), from: "+15550009999".into(), to, at: clock.now() };
        let (rec, _) = run(ledger.record_call(call)).unwrap();
        let a = rec.attribution.clone().expect("credited");
        assert!(a.unconsented && a.source.source == crate::traffic::NO_CONSENT);
        assert_eq!(a.source.channel, Channel::PaidSearch);
        let view = CallView::from(&rec);
        assert_eq!(
            (view.consent, view.visitor, view.channel.as_deref()),
            (Some(false), None, Some("paid search"))
        );
        // Long after the last such visitor the channel's number is free again.
        clock.advance_secs(CHANNEL_HOLD_SECS + 3600);
        assert!(!run(ledger.state()).unwrap().pool.holds(
            &unconsented_holder(Channel::PaidSearch),
            None,
            clock.now()
        ));
    }

    fn visit_from(referrer: &str) -> Visit {
        Visit {
            referrer: Some(referrer.into()),
            landing_page: Some("https://a.example/".into()),
            ..Visit::default()
        }
    }

    #[test]
    fn a_static_rule_answers_first_and_a_consented_request_gets_every_line_at_once() {
        let store = MemoryStore::default();
        let clock = FixedClock::at(0);
        let ledger = SiteLedger::new("demo", &store, &clock);
        let mut s = setup(&["+15550100201", "+15550100202"]);
        s.static_numbers = vec![crate::ledger::testing::static_for("+15550100777", "facebook")];
        s.business_numbers = vec!["+15550100300".into(), "+15550100400".into()];
        s.pool.push(crate::ledger::testing::line_number("+15550100301", "+15550100300"));
        run(ledger.configure(s)).unwrap();
        let limiter = RefCell::new(RateLimiter::default());
        let (fb, _) = run(ledger.answer_lease(ask(&visit("facebook"), &[]), &limiter)).unwrap();
        assert_eq!((fb.number.as_str(), fb.static_number, fb.consent), ("+15550100777", true, false));
        // Both lines in one request; a line without tracking numbers, or not the site's, is left out.
        let lines = ["+15550100300", "+15550100400", "+15550100999"];
        let (grant, _) = run(ledger.answer_lease(ask(&visit("google"), &lines), &limiter)).unwrap();
        assert_eq!(grant.lines.len(), 1, "{grant:?}");
        // A one-number line lends no channel its number: the page keeps its own there.
        let service = &grant.lines[0];
        assert_eq!((service.replaces.as_str(), service.number.as_str()), ("+15550100300", "+15550100300"));
        assert!(service.limited && !service.consent);
        let consented =
            LeaseCommand { visitor: "v-two-lines".into(), consent: true, ..ask(&visit("google"), &lines) };
        let (grant, _) = run(ledger.answer_lease(consented, &limiter)).unwrap();
        assert!(grant.consent && grant.lines.len() == 1 && grant.lines[0].consent);
        assert_ne!(grant.lines[0].lease_id, UNCONSENTED_LEASE_ID);
        assert!(
            run(ledger.renew(&grant.lines[0].lease_id, "v-two-lines")).is_ok(),
            "a lease of the visitor's"
        );
    }
}
