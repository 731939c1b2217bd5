//! Attribution: which visitor session a phone call is credited to.

use super::record::{Attribution, CallRecord, Candidate, IncomingCall};
use crate::pool::Pool;

/// Credits a call to the session that held the dialled number when the call started: a live
/// lease (the most recent holder of a shared number, the others kept as candidates), else
/// one that ended within `retention_secs` (flagged late), else nobody.
pub fn attribute(
    site: &str,
    call: IncomingCall,
    pool: &Pool,
    retention_secs: i64,
    overflow: bool,
) -> CallRecord {
    let attribution = pool.holders_at(&call.to, call.at, retention_secs).map(|h| Attribution {
        lease_id: h.holder.id.clone(),
        visitor: h.holder.visitor.clone(),
        source: h.holder.source.clone(),
        region: h.holder.region.clone(),
        late: h.late,
        unconsented: h.holder.is_unconsented(),
        candidates: h
            .others
            .iter()
            .map(|l| Candidate {
                lease_id: l.id.clone(),
                visitor: l.visitor.clone(),
                source: l.source.clone(),
            })
            .collect(),
    });
    CallRecord {
        call_sid: call.call_sid,
        site: site.to_string(),
        from: call.from,
        to: call.to,
        started_at: call.at,
        attribution,
        overflow,
        repeat_of: None,
        static_source: None,
        outcome: None,
        talk_secs: None,
        status: None,
        answered_at: None,
        ended_at: None,
        ring_secs: None,
        forwarded_to: None,
        after_hours: false,
        recordings: Vec::new(),
        transcript: None,
        tags: Vec::new(),
        events: Vec::new(),
        extension: None,
        unattributed_reason: None,
        customer_id: None,
        identification: None,
        masking: None,
        value: None,
        converted: None,
        note: None,
        labels: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calls::{CallOutcome, CallTiming};
    use crate::pool::Region;
    use crate::support::Timestamp;
    use crate::traffic::TrafficSource;
    use phone::PhoneNumber;

    #[test]
    fn talk_time_excludes_ring_time_and_qualifies() {
        let t = |s: i64| Timestamp(s * 1000);
        let answered = CallTiming { started_at: t(0), answered_at: Some(t(12)), ended_at: Some(t(102)) };
        assert_eq!((answered.ring_secs(), answered.talk_secs()), (Some(12), Some(90)));
        let missed = CallTiming { started_at: t(0), answered_at: None, ended_at: Some(t(30)) };
        assert_eq!((missed.ring_secs(), missed.talk_secs()), (Some(30), None));
        let mut call = attribute(
            "demo",
            IncomingCall {
                call_sid: "CA1".into(),
                from: "+15550009999".into(),
                to: PhoneNumber::parse("+15550100201").unwrap(),
                at: t(0),
            },
            &Pool::default(),
            0,
            false,
        );
        call.outcome = Some(CallOutcome::Answered);
        call.talk_secs = answered.talk_secs();
        assert!(call.qualified(60) && !call.qualified(120));
        call.outcome = Some(CallOutcome::Missed);
        assert!(!call.qualified(0), "only answered calls qualify");
    }

    #[test]
    fn outcomes_from_provider_statuses() {
        assert_eq!(CallOutcome::from_status("completed", true), Some(CallOutcome::Answered));
        assert_eq!(CallOutcome::from_status("completed", false), Some(CallOutcome::Missed));
        assert_eq!(CallOutcome::from_status("no-answer", false), Some(CallOutcome::Missed));
        assert_eq!(CallOutcome::from_status("BUSY", false), Some(CallOutcome::Busy));
        assert_eq!(CallOutcome::from_status("failed", false), Some(CallOutcome::Failed));
        assert_eq!(CallOutcome::from_status("ringing", false), None, "not final");
    }
    use crate::pool::LeaseRequest;
    use crate::traffic::Visit;

    #[test]
    fn credits_the_session_holding_the_number_and_nothing_else() {
        let number = PhoneNumber::parse("+15550100201").unwrap();
        let mut pool = Pool::new([(number.clone(), None)]);
        let source = TrafficSource::from_visit(&Visit {
            utm_source: Some("google".into()),
            utm_medium: Some("cpc".into()),
            ..Visit::default()
        });
        let req = LeaseRequest { visitor: "v1".into(), source, region: Region::default() };
        let rules = crate::pool::PoolRules {
            lease_secs: 60,
            retention_secs: 600,
            home_region: None,
            exhaustion: crate::pool::ExhaustionPolicy::Share,
            overflow_number: None,
        };
        pool.lease(req, Timestamp(0), &rules, "demo").unwrap();
        let call = |at| IncomingCall {
            call_sid: "CA1".into(),
            from: "+15550009999".into(),
            to: number.clone(),
            at: Timestamp(at),
        };
        let during = attribute("demo", call(30_000), &pool, 600, false);
        let a = during.attribution.expect("call during the lease is attributed");
        assert_eq!((a.visitor.as_str(), a.source.source.as_str(), a.late), ("v1", "google", false));
        let late = attribute("demo", call(61_000), &pool, 600, false).attribution.expect("within retention");
        assert!(late.late);
        assert_eq!(attribute("demo", call(661_000), &pool, 600, false).attribution, None);
    }
}
