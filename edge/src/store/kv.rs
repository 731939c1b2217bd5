//! Workers KV mirror of number routes: `number:+1555…` → site, business number, live lease.
//! Written only by the site's Durable Object; read by any edge location on the call path.

use crate::config::KV_BINDING;
use crate::error::storage;
use shared::{NumberRoute, PhoneNumber};
use worker::{kv::KvStore, Env};

pub struct RouteMirror {
    kv: KvStore,
}

fn key(number: &PhoneNumber) -> String {
    format!("number:{}", number.e164())
}

impl RouteMirror {
    pub fn new(env: &Env) -> worker::Result<Self> {
        Ok(RouteMirror { kv: env.kv(KV_BINDING)? })
    }

    pub async fn get(&self, number: &PhoneNumber) -> shared::Result<Option<NumberRoute>> {
        self.kv.get(&key(number)).json::<NumberRoute>().await.map_err(storage)
    }

    pub async fn put(&self, number: &PhoneNumber, route: &NumberRoute) -> shared::Result<()> {
        self.kv.put(&key(number), route).map_err(storage)?.execute().await.map_err(storage)
    }

    pub async fn delete(&self, number: &PhoneNumber) -> shared::Result<()> {
        self.kv.delete(&key(number)).await.map_err(storage)
    }
}
