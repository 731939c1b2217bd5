//! The site ledger: every operation of a site's single writer (its Durable Object), written
//! once against the store traits so it runs on the host too. One file per kind of operation.

mod admin;
mod call_steps;
mod calls;
mod deliveries;
mod export;
mod lease;
mod lifecycle;
mod live;
mod masking;
mod money;
mod reports;
mod telephony;
mod unconsented;

pub use call_steps::EXTENSION_ATTEMPTS;
pub use deliveries::{DeliverySecrets, DELIVERY_BATCH};
pub use lifecycle::{Pruned, PRUNE_AGAIN_MS, PRUNE_BATCH};
pub use live::Resumed;
pub use telephony::MAX_EVENTS_PER_CALL;

use crate::error::{Error, Result};
use crate::site::SiteConfig;
use crate::store::{SiteState, SiteStore};
use crate::support::{Clock, Entropy};

/// The operations of one site, over its stores and a clock.
pub struct SiteLedger<'a, S, C> {
    pub(crate) site: &'a str,
    pub(crate) store: &'a S,
    pub(crate) clock: &'a C,
}

impl<'a, S: SiteStore, C: Clock + Entropy> SiteLedger<'a, S, C> {
    pub fn new(site: &'a str, store: &'a S, clock: &'a C) -> Self {
        SiteLedger { site, store, clock }
    }

    pub(crate) async fn state(&self) -> Result<SiteState> {
        self.store.load().await?.ok_or_else(|| Error::UnknownSite(self.site.to_string()))
    }

    pub(crate) async fn config(&self) -> Result<std::sync::Arc<SiteConfig>> {
        self.store.load_config().await?.ok_or_else(|| Error::UnknownSite(self.site.to_string()))
    }

    /// The site's settings, for a caller holding its API token.
    pub(crate) async fn authorized_config(&self, token: Option<&str>) -> Result<std::sync::Arc<SiteConfig>> {
        let config = self.config().await.map_err(|_| Error::Unauthorized)?;
        match token {
            Some(t) if config.token_matches(t) => Ok(config),
            _ => Err(Error::Unauthorized),
        }
    }

    pub(crate) async fn authorized(&self, token: Option<&str>) -> Result<SiteState> {
        let state = self.state().await.map_err(|_| Error::Unauthorized)?;
        match token {
            Some(t) if state.config.token_matches(t) => Ok(state),
            _ => Err(Error::Unauthorized),
        }
    }
}

#[cfg(test)]
pub(crate) mod testing {
    use crate::calls::{CrmClient, CrmReply, CrmRequest};
    use crate::site::SiteSetup;
    use crate::traffic::Visit;
    use std::cell::RefCell;
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};

    /// The memory store never waits, so one poll finishes every future.
    pub(crate) fn run<F: Future>(f: F) -> F::Output {
        match pin!(f).poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(v) => v,
            Poll::Pending => panic!("memory store futures are always ready"),
        }
    }

    pub(crate) fn setup(pool: &[&str]) -> SiteSetup {
        SiteSetup {
            name: Some("Demo Plumbing".into()),
            business_number: "+15550100100".into(),
            pool: pool.iter().map(|s| crate::site::PoolEntrySetup::Number(s.to_string())).collect(),
            home_region: None,
            retention_minutes: None,
            exhaustion: None,
            overflow_number: None,
            static_numbers: Vec::new(),
            qualified_talk_seconds: None,
            api_token: Some("demo-token-0123456789".into()),
            lease_minutes: Some(15),
            ..SiteSetup::default()
        }
    }

    /// A static number for every visitor from `source`.
    pub(crate) fn static_for(number: &str, source: &str) -> crate::StaticRuleSetup {
        crate::StaticRuleSetup {
            number: number.into(),
            channel: None,
            utm_source: Some(source.into()),
            business_number: None,
            utm_medium: None,
            utm_campaign: None,
        }
    }

    /// A pool number that stands in for the business number `line`.
    pub(crate) fn line_number(number: &str, line: &str) -> crate::site::PoolEntrySetup {
        crate::site::PoolEntrySetup::Detailed {
            number: number.into(),
            region: None,
            business_number: Some(line.into()),
        }
    }

    pub(crate) fn visit(source: &str) -> Visit {
        Visit { utm_source: Some(source.into()), utm_medium: Some("cpc".into()), ..Visit::default() }
    }

    /// A CRM that answers every request the same way, keeping what it was sent; it can make
    /// the clock move as a slow CRM would.
    pub(crate) struct ScriptedCrm<'a> {
        pub reply: CrmReply,
        pub sent: RefCell<Vec<CrmRequest>>,
        pub takes: Option<(&'a crate::support::FixedClock, i64)>,
    }

    impl ScriptedCrm<'_> {
        pub(crate) fn answering(status: u16, body: &str) -> Self {
            ScriptedCrm {
                reply: CrmReply::Answered { status, body: body.into() },
                sent: RefCell::default(),
                takes: None,
            }
        }
    }

    impl CrmClient for ScriptedCrm<'_> {
        async fn send(&self, request: &CrmRequest) -> CrmReply {
            self.sent.borrow_mut().push(request.clone());
            if let Some((clock, secs)) = self.takes {
                clock.advance_secs(secs);
            }
            self.reply.clone()
        }
    }

    /// Where a test asks no CRM: any request is a failure to reach it.
    pub(crate) struct NoCrm;

    pub(crate) const NO_CRM: NoCrm = NoCrm;

    impl CrmClient for NoCrm {
        async fn send(&self, _: &CrmRequest) -> CrmReply {
            CrmReply::Unreachable("this test has no CRM".into())
        }
    }
}
