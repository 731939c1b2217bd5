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

/// How long a site's gate is trusted once read: what `cacheTtl` keeps it at an edge location.
const GATE_TTL_MS: i64 = 60_000;
/// Past this many sites, the isolate's gates are all read again.
const GATES_KEPT: usize = 10_000;

thread_local! {
    /// Gates this isolate read (the pages allowed, and when read). Every widget request needs
    /// its site's gate: kept here for the minute `cacheTtl` would keep it at the edge, a
    /// returning visitor's page view reads one key, not two. A site's object that writes a
    /// gate updates this isolate's copy (other isolates follow within the minute, as other
    /// edge locations do).
    static GATES: std::cell::RefCell<std::collections::HashMap<String, (Vec<String>, i64)>> =
        std::cell::RefCell::default();
}

fn now_ms() -> i64 {
    worker::Date::now().as_millis() as i64
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
        Ok(self.get_visitor_text(site, visitor).await?.map(|(grant, _)| grant))
    }

    /// The visitor's mirrored grant, and its JSON as stored (a page view answers with it).
    pub async fn get_visitor_text(
        &self,
        site: &str,
        visitor: &str,
    ) -> shared::Result<Option<(LeaseGrant, String)>> {
        let Some(text) = self.kv.get(&format!("visitor:{site}:{visitor}")).text().await.map_err(storage)?
        else {
            return Ok(None);
        };
        let grant = serde_json::from_str(&text).map_err(storage)?;
        Ok(Some((grant, text)))
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

    /// One put of a value the size of a mirrored lease, for the `make bench` baseline
    /// (`routes::bench`).
    pub async fn put_bench(&self, key: Option<&str>) -> shared::Result<()> {
        let value = format!("{{\"probe\": \"{}\"}}", "x".repeat(320));
        self.kv
            .put(&bench_key(key), value)
            .map_err(storage)?
            .expiration_ttl(3600)
            .execute()
            .await
            .map_err(storage)
    }

    /// One read, for the `make bench` baseline.
    pub async fn get_bench(&self, key: Option<&str>) -> shared::Result<Option<String>> {
        self.kv.get(&bench_key(key)).text().await.map_err(storage)
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
        self.kv
            .put(&format!("gate:{}", config.id), &gate)
            .map_err(storage)?
            .execute()
            .await
            .map_err(storage)?;
        keep_gate(&config.id, &config.allowed_origins);
        Ok(())
    }

    /// The pages a site's widget may be used on (`Some(vec![])`: any), `None` for a site that
    /// does not exist; cached at the edge for a minute.
    pub async fn gate(&self, site: &str) -> shared::Result<Option<Vec<String>>> {
        let kept = GATES.with(|g| {
            g.borrow().get(site).filter(|(_, at)| now_ms() - at < GATE_TTL_MS).map(|(list, _)| list.clone())
        });
        if kept.is_some() {
            return Ok(kept);
        }
        let gate =
            self.kv.get(&format!("gate:{site}")).cache_ttl(60).json::<SiteGate>().await.map_err(storage)?;
        let allowed = match gate {
            Some(g) => Some(g.allowed_origins),
            // A site stored before gates existed (or whose gate write failed): its summary says.
            None => self.site(site).await?.map(|summary| summary.allowed_origins),
        };
        // An unknown site is not kept: one created a moment later is served at once.
        if let Some(list) = &allowed {
            keep_gate(site, list);
        }
        Ok(allowed)
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

/// Keeps `site`'s gate in this isolate (see `GATES`).
fn keep_gate(site: &str, allowed: &[String]) {
    GATES.with(|g| {
        let mut gates = g.borrow_mut();
        if gates.len() >= GATES_KEPT {
            gates.clear();
        }
        gates.insert(site.to_string(), (allowed.to_vec(), now_ms()));
    });
}

/// `bench:probe`, or `bench:probe:{key}` (a key per client, as each visitor has theirs).
fn bench_key(key: Option<&str>) -> String {
    key.map_or_else(|| "bench:probe".to_string(), |k| format!("bench:probe:{k}"))
}
