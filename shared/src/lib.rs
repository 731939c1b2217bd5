//! ringtrace's pure core: every business rule and wire type, with no platform dependency.
//!
//! The edge (Cloudflare Worker), the widget (browser Wasm) and the dashboard (Leptos) are thin
//! adapters over this crate; everything here runs and is tested on the host. Phone numbers
//! live in their own `no_std` crate (`shared/phone`, re-exported here) because the widget
//! ships that code alone to every visitor.
//!
//! One folder per concept, each using only the ones above it in this list:
//!
//! | module | what it holds |
//! |---|---|
//! | `support` | time and clocks, form/JSON/time parsing, ids, token hashing, CSV cells |
//! | `traffic` | a visit's traffic source and channel, touches, static-number rules |
//! | `money` | amounts in minor units and currencies, ad spend per day and campaign |
//! | `pool` | the pool and its leases, regions, rate limits, sizing, the simulator |
//! | `webhooks` | CRM deliveries and their signature |
//! | `site` | setup and configuration, settings, business hours, origins, call options |
//! | `calls` | event → progress → record → attribution, destination, query, import |
//! | `conversions` | conversions back to the ad platforms: Google Ads' file, GA4 and Meta events |
//! | `masking` | an order's two parties calling through proxy numbers: sessions, selection |
//! | `reports` | the overview and the attribution report, with their SQL |
//! | `providers` | Twilio's webhooks, TwiML and signature |
//! | `wire` | the edge API's request and answer types, one file per resource |
//! | `store` | what a site's writer keeps and the traits its stores implement |
//! | `ledger` | `SiteLedger`: every operation of a site's writer, one file per kind |
//!
//! Names: the vocabulary is re-exported here flat (`shared::CallRecord`); protocol detail
//! keeps a namespace: [`wire`] (the edge API), [`twilio`], [`overview`] and [`report`]
//! (each with its `sql`). Every item has exactly one public path.

mod calls;
mod conversions;
mod error;
pub mod fuzz_checks;
mod ledger;
mod masking;
mod money;
mod pool;
mod providers;
mod reports;
mod site;
mod store;
mod support;
mod traffic;
mod webhooks;
pub mod wire;

pub use calls::*;
pub use conversions::*;
pub use error::{Error, Result};
pub use ledger::*;
pub use masking::*;
pub use money::*;
pub use phone::{occurrences, swap_across, swap_text, InvalidPhoneNumber, Known, PhoneNumber, Shown, Where};
#[cfg(feature = "sim")]
pub use pool::simulate;
pub use pool::*;
pub use providers::{twilio, twilio_signature, twilio_url_candidates, verify_twilio};
pub use reports::{overview, report};
pub use site::*;
pub use store::*;
pub use support::*;
pub use traffic::*;
pub use webhooks::*;
