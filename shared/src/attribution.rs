//! Attribution: which visitor session a phone call is credited to.

use crate::clock::Timestamp;
use crate::phone::PhoneNumber;
use crate::pool::{Pool, Region};
use crate::traffic::TrafficSource;
use serde::{Deserialize, Serialize};

/// A call as the telephony provider reports it when it starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncomingCall {
    /// The provider's id of the call (Twilio's CallSid); one call per id.
    pub call_sid: String,
    /// The caller as the provider gives it; may be a non-number such as `anonymous`.
    pub from: String,
    /// The tracking number that was dialled.
    pub to: PhoneNumber,
    pub at: Timestamp,
}

/// The session a call is credited to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attribution {
    pub lease_id: String,
    pub visitor: String,
    pub source: TrafficSource,
    pub region: Region,
}

/// A recorded call with its attribution (`None`: no session held the number then).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallRecord {
    pub call_sid: String,
    pub site: String,
    pub from: String,
    pub to: PhoneNumber,
    pub started_at: Timestamp,
    pub attribution: Option<Attribution>,
}

/// Credits a call to the session whose lease held the dialled number when the call started.
pub fn attribute(site: &str, call: IncomingCall, pool: &Pool) -> CallRecord {
    let attribution = pool.lease_at(&call.to, call.at).map(|lease| Attribution {
        lease_id: lease.id.clone(),
        visitor: lease.visitor.clone(),
        source: lease.source.clone(),
        region: lease.region.clone(),
    });
    CallRecord {
        call_sid: call.call_sid,
        site: site.to_string(),
        from: call.from,
        to: call.to,
        started_at: call.at,
        attribution,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pool::LeaseRequest;
    use crate::traffic::Visit;

    #[test]
    fn credits_the_session_holding_the_number_and_nothing_else() {
        let number = PhoneNumber::parse("+15550100201").unwrap();
        let mut pool = Pool::new([number.clone()]);
        let source = TrafficSource::from_visit(&Visit {
            utm_source: Some("google".into()),
            utm_medium: Some("cpc".into()),
            ..Visit::default()
        });
        let req = LeaseRequest { visitor: "v1".into(), source, region: Region::default() };
        pool.lease(req, Timestamp(0), 60, "demo").unwrap();
        let call = |at| IncomingCall {
            call_sid: "CA1".into(),
            from: "+15550009999".into(),
            to: number.clone(),
            at: Timestamp(at),
        };
        let during = attribute("demo", call(30_000), &pool);
        let a = during.attribution.expect("call during the lease is attributed");
        assert_eq!((a.visitor.as_str(), a.source.source.as_str()), ("v1", "google"));
        assert_eq!(attribute("demo", call(61_000), &pool).attribution, None);
    }
}
