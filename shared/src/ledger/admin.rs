//! The site's administration: create and configure it, rotate its token, add and remove
//! numbers, read and change its settings, and check a caller's token.

use super::SiteLedger;
use crate::error::{Error, Result};
use crate::site::NumberOwner;
use crate::site::SiteConfig;
use crate::site::SiteSettings;
use crate::site::SiteSetup;
use crate::store::SiteState;
use crate::store::SiteStore;
use crate::support::Clock;
use crate::support::Entropy;
use phone::PhoneNumber;

impl<S: SiteStore, C: Clock + Entropy> SiteLedger<'_, S, C> {
    /// Creates or updates the site. Keeps the lease history of numbers that stay; refuses a
    /// number that already belongs to another site.
    pub async fn configure(&self, setup: SiteSetup) -> Result<SiteConfig> {
        self.apply(|_| Ok(setup.clone()), false).await
    }

    /// [`SiteLedger::configure`] with the setup `change` makes of the stored settings (`None`:
    /// no site yet). `change` runs on the state as read before the owner checks and again on
    /// the state as read right before writing, so a change made meanwhile (a lease, another
    /// save, a number added) is built upon, not overwritten. `new_only`: refuse if the site
    /// exists (checked again right before writing, so two creations cannot both win).
    async fn apply(
        &self,
        change: impl Fn(Option<&SiteConfig>) -> Result<SiteSetup>,
        new_only: bool,
    ) -> Result<SiteConfig> {
        let exists = || {
            Error::Conflict(format!(
                "site {:?} already exists; change it with PATCH /v1/sites/{0}/settings or rotate its token",
                self.site
            ))
            .at("site")
        };
        let checked = self.store.load().await?;
        if new_only && checked.is_some() {
            return Err(exists());
        }
        let before = checked.as_ref().map(|s| &*s.config);
        let config = SiteConfig::from_setup_over(self.site, change(before)?, before)?;
        // Amounts are stored in the site's currency's minor units: another currency would
        // change what every stored amount means.
        if let Some(was) = before.map(|b| b.money.currency).filter(|c| *c != config.money.currency) {
            if self.store.holds_money()? {
                return Err(Error::Conflict(format!(
                    "the site's spend and call values are in {}: delete its spend and clear its values before changing the currency",
                    was.code()
                ))
                .at("currency"));
            }
        }
        let owned = config.owned_numbers();
        for number in &owned {
            if let Some(owner) = self.store.owner_of(number).await? {
                if owner.site != self.site {
                    let conflict =
                        Error::Conflict(format!("{number} is already a tracking number of another site"));
                    return Err(conflict.at(config.field_of(number)));
                }
            }
        }
        // The owner checks above wait on the KV mirror, and a Durable Object serves other
        // requests meanwhile (a lease, another save). So the state is read again and the new
        // one written from it with no wait in between: nothing that happened is overwritten.
        let previous = self.store.load().await?;
        if new_only && previous.is_some() {
            return Err(exists());
        }
        let now_stored = previous.as_ref().map(|s| &*s.config);
        let config = SiteConfig::from_setup_over(self.site, change(now_stored)?, now_stored)?;
        // (Numbers a change made meanwhile added were checked by that change.)
        let owned = config.owned_numbers();
        let mut pool = previous.as_ref().map(|s| s.pool.clone()).unwrap_or_default();
        pool.set_numbers(config.pool.iter().map(|e| (e.number.clone(), e.region.clone())));
        pool.set_lines(config.pool.iter().map(|e| (e.number.clone(), e.business_number.clone())));
        let state = SiteState { config: std::sync::Arc::new(config.clone()), pool };
        self.store.save(&state).await?;
        self.store.publish_site(&state.config).await?;
        for number in &owned {
            self.publish(&state.config, number).await?;
        }
        if let Some(prev) = previous {
            for gone in prev.config.owned_numbers().iter().filter(|n| !owned.contains(n)) {
                self.store.withdraw_owner(gone).await?;
            }
            // Sessions on a masking number the site no longer has would reach no one.
            self.close_sessions_on_removed(&prev.config, &config).await?;
        }
        Ok(config)
    }

    /// Creates a new site (the admin API); an id already in use is refused, so creating can
    /// never overwrite a site or its token.
    pub async fn create(&self, setup: SiteSetup) -> Result<SiteConfig> {
        if setup.api_token.is_none() {
            return Err(Error::invalid("a new site needs an api_token").at("api_token"));
        }
        self.apply(|_| Ok(setup.clone()), true).await
    }

    /// Replaces the site's API token (the admin API): the old one stops working at once.
    pub async fn rotate_token(&self, new_token: &str) -> Result<()> {
        let mut state = self.state().await?;
        if new_token.chars().count() < crate::site::MIN_TOKEN_LEN {
            return Err(Error::invalid("api_token is too short").at("api_token"));
        }
        std::sync::Arc::make_mut(&mut state.config).api_token_sha256 = crate::support::hash_token(new_token);
        self.store.save(&state).await
    }

    /// Adds a tracking number to the site's pool (the admin API), with the checks of any
    /// settings change (valid, not the site's twice, not another site's).
    pub async fn add_number(&self, entry: crate::site::PoolEntrySetup) -> Result<SiteSettings> {
        let field = std::cell::RefCell::new(String::new());
        let change = |stored: Option<&SiteConfig>| {
            let stored = stored.ok_or_else(|| Error::UnknownSite(self.site.to_string()))?;
            let mut settings = SiteSettings::of(stored);
            settings.pool.push(entry.clone());
            *field.borrow_mut() = format!("pool[{}]", settings.pool.len() - 1);
            Ok(settings.into_setup())
        };
        let added = self.apply(change, false).await;
        let field = field.into_inner();
        let config = added.map_err(|e| match e {
            // The new entry is the only one that can be wrong: name its field as the request did.
            Error::AtField { field: f, error } if f.starts_with(&field) => {
                let rest = f[field.len()..].trim_start_matches('.');
                Error::AtField { field: if rest.is_empty() { "number".into() } else { rest.into() }, error }
            }
            other => other,
        })?;
        Ok(SiteSettings::of(&config))
    }

    /// Takes a tracking number out of the site's pool (the admin API). Its calls and sessions
    /// stay; calls to it stop routing to the site.
    pub async fn remove_number(&self, number: &PhoneNumber) -> Result<SiteSettings> {
        let change = |stored: Option<&SiteConfig>| {
            let stored = stored.ok_or_else(|| Error::UnknownSite(self.site.to_string()))?;
            if !stored.pool.iter().any(|e| &e.number == number) {
                return Err(Error::NotFound(format!("{number} is not in this site's pool")));
            }
            let mut settings = SiteSettings::of(stored);
            settings.pool.retain(|e| match e {
                crate::site::PoolEntrySetup::Number(n)
                | crate::site::PoolEntrySetup::Detailed { number: n, .. } => {
                    PhoneNumber::parse(n).ok().as_ref() != Some(number)
                }
            });
            Ok(settings.into_setup())
        };
        let config = self.apply(change, false).await?;
        Ok(SiteSettings::of(&config))
    }

    /// `Ok` when `token` is the site's API token (401 otherwise, also for a site that does not
    /// exist).
    pub async fn authorize(&self, token: Option<&str>) -> Result<()> {
        self.authorized_config(token).await.map(drop)
    }

    /// The site's settings for its owner (no token, no secrets).
    pub async fn settings(&self, token: Option<&str>) -> Result<SiteSettings> {
        let config = self.authorized_config(token).await?;
        Ok(SiteSettings::of(&config))
    }

    /// Applies the owner's change (a `PATCH` body, see [`SiteSettings::patched`]) through the
    /// same checks and the same path as the admin's [`SiteLedger::configure`], keeping the
    /// site's token; answers the settings as now stored.
    pub async fn update_settings(&self, token: Option<&str>, patch: &[u8]) -> Result<SiteSettings> {
        self.authorized_config(token).await?;
        // The patch applies to the settings as stored when it is written (see `apply`).
        let change = |stored: Option<&SiteConfig>| {
            let stored = stored.ok_or_else(|| Error::UnknownSite(self.site.to_string()))?;
            Ok(SiteSettings::of(stored).patched(patch)?.into_setup())
        };
        let config = self.apply(change, false).await?;
        Ok(SiteSettings::of(&config))
    }

    pub(super) async fn publish(&self, config: &SiteConfig, number: &PhoneNumber) -> Result<()> {
        let route = NumberOwner {
            site: self.site.to_string(),
            business_number: config.business_number_for(number).clone(),
            masking: config.masking.is_masking_number(number),
        };
        self.store.publish_owner(number, &route).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calls::CallQuery;
    use crate::ledger::testing::{run, setup, visit};
    use crate::pool::Region;
    use crate::store::MemoryStore;
    use crate::support::FixedClock;
    use crate::traffic::Visit;
    use phone::PhoneNumber;

    #[test]
    fn owners_change_settings_without_losing_leases_or_the_token() {
        let store = MemoryStore::default();
        let clock = FixedClock::at(1_000_000);
        // Another site's number (its own store is another object; here the state is reset).
        run(SiteLedger::new("other", &store, &clock).configure(setup(&["+15550100301"]))).unwrap();
        *store.state.borrow_mut() = None;
        let ledger = SiteLedger::new("demo", &store, &clock);
        let mut mine = setup(&["+15550100201", "+15550100202"]);
        mine.api_token = Some("mine-token-0123456789".into());
        run(ledger.configure(mine)).unwrap();
        let (lease, _) = run(ledger.lease("visitor-1".into(), &visit("google"), Region::default())).unwrap();
        let token = Some("mine-token-0123456789");

        assert_eq!(run(ledger.settings(None)), Err(Error::Unauthorized));
        assert_eq!(run(ledger.settings(Some("demo-token-0123456789"))), Err(Error::Unauthorized));
        assert_eq!(
            run(ledger.update_settings(Some("demo-token-0123456789"), b"{}")),
            Err(Error::Unauthorized)
        );
        let before = run(ledger.settings(token)).unwrap();
        assert_eq!(before.lease_minutes, 15);

        let after = run(
            ledger.update_settings(token, br#"{"lease_minutes": 40, "name": "Demo Plumbing & Heating"}"#)
        )
        .unwrap();
        assert_eq!((after.lease_minutes, after.name.as_str()), (40, "Demo Plumbing & Heating"));
        assert_eq!(run(ledger.settings(token)).unwrap(), after, "saved");
        let route = store.owner(lease.number.e164()).expect("the number still routes to the site");
        assert_eq!((route.site.as_str(), route.business_number.e164()), ("demo", "+15550100100"));

        let taken = br#"{"pool": [{"number": "+15550100201"}, {"number": "+15550100301"}]}"#;
        let err = run(ledger.update_settings(token, taken)).unwrap_err();
        assert_eq!((err.http_status(), err.field()), (409, Some("pool[1]")));
        assert_eq!(run(ledger.settings(token)).unwrap(), after, "a refused change changes nothing");
        assert_eq!(store.owner("+15550100301").map(|r| r.site), Some("other".into()));
    }

    #[test]
    fn the_admin_creates_sites_rotates_tokens_and_manages_numbers() {
        let store = MemoryStore::default();
        let clock = FixedClock::at(1_000_000);
        run(SiteLedger::new("other", &store, &clock).configure(setup(&["+15550100301"]))).unwrap();
        *store.state.borrow_mut() = None;
        let ledger = SiteLedger::new("demo", &store, &clock);
        run(ledger.create(setup(&["+15550100201"]))).unwrap();
        let again = run(ledger.create(setup(&["+15550100202"]))).unwrap_err();
        assert_eq!((again.http_status(), again.field()), (409, Some("site")), "no overwrite");
        assert_eq!(run(ledger.config()).unwrap().pool.len(), 1);

        let old = Some("demo-token-0123456789");
        run(ledger.settings(old)).unwrap();
        run(ledger.rotate_token("rotated-token-0123456789")).unwrap();
        assert_eq!(run(ledger.settings(old)), Err(Error::Unauthorized), "the old token stops at once");
        run(ledger.settings(Some("rotated-token-0123456789"))).unwrap();
        assert_eq!(run(ledger.rotate_token("short")).unwrap_err().http_status(), 400);

        let entry = |n: &str, region: Option<&str>| crate::site::PoolEntrySetup::Detailed {
            number: n.into(),
            region: region.map(str::to_string),
            business_number: None,
        };
        let added = run(ledger.add_number(entry("+1 555 010 0202", Some("us-tx")))).unwrap();
        assert_eq!(added.pool.len(), 2);
        assert!(store.owner("+15550100202").is_some(), "the new number routes to the site");
        for (bad, status, field) in [
            (entry("+15550100202", None), 400, "number"),
            (entry("+15550100301", None), 409, "number"),
            (entry("+15550100203", Some("Texas")), 400, "region"),
            (entry("call us", None), 400, "number"),
        ] {
            let err = run(ledger.add_number(bad)).unwrap_err();
            assert_eq!((err.http_status(), err.field()), (status, Some(field)), "{err}");
        }
        let removed = run(ledger.remove_number(&PhoneNumber::parse("+15550100201").unwrap())).unwrap();
        assert_eq!(removed.pool.len(), 1);
        assert!(store.owner("+15550100201").is_none(), "a removed number stops routing");
        let missing = run(ledger.remove_number(&PhoneNumber::parse("+15550100299").unwrap())).unwrap_err();
        assert_eq!(missing.http_status(), 404);
        let last = run(ledger.remove_number(&PhoneNumber::parse("+15550100202").unwrap())).unwrap_err();
        assert_eq!((last.http_status(), last.field()), (400, Some("pool")), "a pool keeps one number");
    }

    #[test]
    fn calls_need_the_token_and_unknown_sites_are_unknown() {
        let store = MemoryStore::default();
        let clock = FixedClock::at(0);
        let ledger = SiteLedger::new("demo", &store, &clock);
        assert_eq!(
            run(ledger.lease("v".into(), &Visit::default(), Region::default())).unwrap_err(),
            Error::UnknownSite("demo".into())
        );
        run(ledger.configure(setup(&["+15550100201"]))).unwrap();
        let all = CallQuery::parse(&[], clock.now()).unwrap();
        assert_eq!(run(ledger.query_calls(None, &all)), Err(Error::Unauthorized));
        assert_eq!(run(ledger.query_calls(Some("wrong-token-0123456789"), &all)), Err(Error::Unauthorized));
        assert_eq!(run(ledger.export_calls(None, &all)), Err(Error::Unauthorized));
    }

    #[test]
    fn reconfiguring_keeps_leases_and_withdraws_removed_numbers() {
        let store = MemoryStore::default();
        let clock = FixedClock::at(0);
        let ledger = SiteLedger::new("demo", &store, &clock);
        run(ledger.configure(setup(&["+15550100201"]))).unwrap();
        let (lease, _) = run(ledger.lease("v1".into(), &visit("bing"), Region::default())).unwrap();
        run(ledger.configure(setup(&["+15550100201", "+15550100202"]))).unwrap();
        let (again, _) = run(ledger.lease("v1".into(), &visit("bing"), Region::default())).unwrap();
        assert_eq!(again.number, lease.number, "reconfiguring did not drop the live lease");
        run(ledger.configure(setup(&["+15550100202"]))).unwrap();
        assert!(store.owner("+15550100201").is_none());
    }

    #[test]
    fn a_number_of_another_site_is_refused() {
        let store = MemoryStore::default();
        let clock = FixedClock::at(0);
        run(SiteLedger::new("other", &store, &clock).configure(setup(&["+15550100201"]))).unwrap();
        *store.state.borrow_mut() = None;
        let err =
            run(SiteLedger::new("demo", &store, &clock).configure(setup(&["+15550100201"]))).unwrap_err();
        assert_eq!(err.http_status(), 409);
    }
}
