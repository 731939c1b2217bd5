//! Storage adapters: the site's Durable Object (SQLite) and the Workers KV route mirror.

mod kv;
pub mod site_object;

pub use kv::RouteMirror;
pub use site_object::{SiteObject, SiteStub};
