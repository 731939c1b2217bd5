//! The Workers KV mirror of each site, written only by the site's Durable Object and read by
//! any edge location: `number:+1555…` → site, business number, live lease (the call path);
//! `site:{id}` → the site's public summary (so unknown site ids are answered without a
//! Durable Object); `gate:{id}` → the pages its widget may be used on; and
//! `visitor:{site}:{id}` → the visitor's live lease (so page views within a visit are answered
//! at the edge).

use crate::config::KV_BINDING;
use crate::error::storage;
use shared::wire::{LeaseGrant, SiteSummary};
use shared::{NumberOwner, PhoneNumber, SiteConfig};
use worker::{kv::KvStore, Env};

/// `gate:{site}`: what a widget request needs to know about its site.
#[derive(serde::Serialize, serde::Deserialize)]
struct SiteGate {
    #[serde(default)]
    allowed_origins: Vec<String>,
}

/// The mirror in the `RINGTRACE` namespace.
pub struct KvMirror {
    kv: KvStore,
}

fn key(number: &PhoneNumber) -> String {
    format!("number:{}", number.e164())
}

impl KvMirror {
    pub fn new(env: &Env) -> worker::Result<Self> {
        Ok(KvMirror { kv: env.kv(KV_BINDING)? })
    }

    pub async fn get(&self, number: &PhoneNumber) -> shared::Result<Option<NumberOwner>> {
        self.kv.get(&key(number)).json::<NumberOwner>().await.map_err(storage)
    }

    pub async fn put(&self, number: &PhoneNumber, owner: &NumberOwner) -> shared::Result<()> {
        self.kv.put(&key(number), owner).map_err(storage)?.execute().await.map_err(storage)
    }

    pub async fn delete(&self, number: &PhoneNumber) -> shared::Result<()> {
        self.kv.delete(&key(number)).await.map_err(storage)
    }

    pub async fn get_visitor(&self, site: &str, visitor: &str) -> shared::Result<Option<LeaseGrant>> {
        self.kv.get(&format!("visitor:{site}:{visitor}")).json::<LeaseGrant>().await.map_err(storage)
    }

    /// Kept until the lease expires (KV's shortest expiry is a minute).
    pub async fn put_visitor(
        &self,
        site: &str,
        visitor: &str,
        grant: &LeaseGrant,
        now_ms: i64,
    ) -> shared::Result<()> {
        let ttl = u64::try_from((grant.expires_at.millis() - now_ms) / 1000).unwrap_or(0).max(60);
        let key = format!("visitor:{site}:{visitor}");
        self.kv.put(&key, grant).map_err(storage)?.expiration_ttl(ttl).execute().await.map_err(storage)
    }

    /// One small put, for the `make bench` baseline (`routes::bench`).
    pub async fn put_bench(&self) -> shared::Result<()> {
        self.kv.put("bench:probe", "1").map_err(storage)?.expiration_ttl(60).execute().await.map_err(storage)
    }

    /// One read, for the `make bench` baseline.
    pub async fn get_bench(&self) -> shared::Result<Option<String>> {
        self.kv.get("bench:probe").text().await.map_err(storage)
    }

    pub async fn delete_visitor(&self, site: &str, visitor: &str) -> shared::Result<()> {
        self.kv.delete(&format!("visitor:{site}:{visitor}")).await.map_err(storage)
    }

    pub async fn put_site(&self, config: &SiteConfig) -> shared::Result<()> {
        let summary = SiteSummary::from(config);
        self.kv
            .put(&format!("site:{}", config.id), &summary)
            .map_err(storage)?
            .execute()
            .await
            .map_err(storage)?;
        // What every widget request checks, small enough to read on each one (the summary
        // holds the whole pool).
        let gate = SiteGate { allowed_origins: config.allowed_origins.clone() };
        self.kv.put(&format!("gate:{}", config.id), &gate).map_err(storage)?.execute().await.map_err(storage)
    }

    /// The pages a site's widget may be used on (`Some(vec![])`: any), `None` for a site that
    /// does not exist; cached at the edge for a minute.
    pub async fn gate(&self, site: &str) -> shared::Result<Option<Vec<String>>> {
        let gate =
            self.kv.get(&format!("gate:{site}")).cache_ttl(60).json::<SiteGate>().await.map_err(storage)?;
        match gate {
            Some(g) => Ok(Some(g.allowed_origins)),
            // A site stored before gates existed (or whose gate write failed): its summary says.
            None => Ok(self.site(site).await?.map(|summary| summary.allowed_origins)),
        }
    }

    /// The site's public summary (with its whole pool), cached at the edge for a minute.
    pub async fn site(&self, site: &str) -> shared::Result<Option<SiteSummary>> {
        self.kv.get(&format!("site:{site}")).cache_ttl(60).json::<SiteSummary>().await.map_err(storage)
    }

    /// Whether a site with this id was ever configured. Eventually consistent: a site created
    /// a moment ago may be unknown for up to a minute at far-away edge locations.
    pub async fn site_known(&self, site: &str) -> shared::Result<bool> {
        // Cached at the edge for a minute: the answer only changes when a site is created.
        let value = self.kv.get(&format!("site:{site}")).cache_ttl(60).text().await.map_err(storage)?;
        Ok(value.is_some())
    }
}
