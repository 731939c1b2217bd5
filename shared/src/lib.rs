//! ringtrace's pure core: every business rule and wire type, with no platform dependency.
//!
//! The edge (Cloudflare Worker), the widget (browser Wasm) and the dashboard (Leptos) are thin
//! adapters over this crate; everything here runs and is tested on the host.

pub mod api;
mod attribution;
mod call_event;
mod clock;
pub mod crm;
mod error;
pub mod form;
mod hours;
mod phone;
mod pool;
pub mod report;
pub mod routing;
pub mod signature;
#[cfg(feature = "sim")]
pub mod simulate;
mod site;
pub mod sizing;
mod static_number;
mod store;
mod telephony;
mod touch;
mod traffic;
pub mod twilio;

pub use attribution::{
    attribute, identifiable_caller, Attribution, CallOutcome, CallRecord, CallTiming, Candidate, IncomingCall,
};
pub use call_event::{keyword_tags, CallEvent, CallProgress, CallStatus, EventKind, Leg, Recording};
pub use clock::{Clock, FixedClock, Timestamp};
pub use error::{Error, Result};
pub use hours::{BusinessHours, BusinessHoursSetup};
pub use phone::{find_occurrences, reformat_like, replace_all, Occurrence, PhoneNumber};
pub use pool::{
    normalize_region_code, ExhaustionPolicy, Holders, Lease, LeaseRequest, Pool, PoolNumber, PoolRules,
    Region,
};
pub use site::{
    hash_token, tokens_equal, valid_site_id, NumberRoute, PoolEntry, PoolEntrySetup, SiteConfig, SiteSetup,
};
pub use static_number::{static_rule_for, StaticRule, StaticRuleSetup};
pub use store::{session_key, CallStore, LeaseStore, MemoryStore, SiteLedger, SiteState};
pub use telephony::{SignatureCheck, TwilioRequest, DELIVERY_BATCH};
pub use touch::{AttributionModel, Touch, TouchHistory};
pub use traffic::{strip_tracking_params, Channel, TrafficSource, Visit, ALL_CHANNELS};
