//! ringtrace's pure core: every business rule and wire type, with no platform dependency.
//!
//! The edge (Cloudflare Worker), the widget (browser Wasm) and the dashboard (Leptos) are thin
//! adapters over this crate; everything here runs and is tested on the host.
//!
//! Without the default `std` feature the crate is `no_std` + `alloc` and holds only what the
//! widget ships to every visitor: phone numbers ([`PhoneNumber`], finding and rewriting them
//! in page text) and the visitor-id rule. That keeps `std`'s panic and formatting machinery
//! out of the widget's download.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

mod error;
mod phone;
pub mod visitor;

pub use error::{Error, Result};
pub use phone::{
    find_occurrences, reformat_like, replace_across, replace_across_where, replace_all, Occurrence,
    PhoneNumber,
};
#[cfg(feature = "std")]
pub mod api;
#[cfg(feature = "std")]
mod attribution;
#[cfg(feature = "std")]
mod call_event;
#[cfg(feature = "std")]
pub mod call_import;
#[cfg(feature = "std")]
mod call_query;
#[cfg(feature = "std")]
mod clock;
#[cfg(feature = "std")]
pub mod crm;
#[cfg(feature = "std")]
pub mod form;
#[cfg(feature = "std")]
pub mod fuzz_checks;
#[cfg(feature = "std")]
mod hours;
#[cfg(feature = "std")]
pub mod origin;
#[cfg(feature = "std")]
pub mod overview;
#[cfg(feature = "std")]
mod pool;
#[cfg(feature = "std")]
pub mod rate_limit;
#[cfg(feature = "std")]
pub mod report;
#[cfg(feature = "std")]
pub mod routing;
#[cfg(feature = "std")]
pub mod settings;
#[cfg(feature = "std")]
pub mod signature;
#[cfg(feature = "sim")]
pub mod simulate;
#[cfg(feature = "std")]
mod site;
#[cfg(feature = "std")]
pub mod sizing;
#[cfg(feature = "std")]
mod static_number;
#[cfg(feature = "std")]
mod store;
#[cfg(feature = "std")]
mod telephony;
#[cfg(feature = "std")]
mod touch;
#[cfg(feature = "std")]
mod traffic;
#[cfg(feature = "std")]
pub mod twilio;

#[cfg(feature = "std")]
pub use attribution::{
    attribute, identifiable_caller, Attribution, CallOutcome, CallRecord, CallTiming, Candidate, IncomingCall,
};
#[cfg(feature = "std")]
pub use call_event::{keyword_tags, CallEvent, CallProgress, CallStatus, EventKind, Leg, Recording};
#[cfg(feature = "std")]
pub use call_query::{
    calls_csv, csv_cell, CallQuery, CallRow, CallSort, ChannelFilter, SqlArg, StatusFilter, DEFAULT_PER_PAGE,
    MAX_EXPORT_ROWS, MAX_PER_PAGE,
};
#[cfg(feature = "std")]
pub use clock::{Clock, FixedClock, Timestamp};
#[cfg(feature = "std")]
pub use hours::{BusinessHours, BusinessHoursSetup};
#[cfg(feature = "std")]
pub use pool::{
    normalize_region_code, ExhaustionPolicy, Holders, Lease, LeaseRequest, Pool, PoolNumber, PoolRules,
    Region,
};
#[cfg(feature = "std")]
pub use site::{
    hash_token, tokens_equal, valid_site_id, NumberRoute, PoolEntry, PoolEntrySetup, SiteConfig, SiteSetup,
};
#[cfg(feature = "std")]
pub use static_number::{static_rule_for, StaticRule, StaticRuleSetup};
#[cfg(feature = "std")]
pub use store::{session_key, CallStore, LeaseStore, MemoryStore, SiteLedger, SiteState};
#[cfg(feature = "std")]
pub use telephony::{SignatureCheck, TwilioRequest};
#[cfg(feature = "std")]
pub use touch::{AttributionModel, Touch, TouchHistory};
#[cfg(feature = "std")]
pub use traffic::{strip_tracking_params, Channel, TrafficSource, Visit, ALL_CHANNELS};
