//! Where visitors come from: the traffic source of a visit (utm tags, click ids, referrer,
//! landing page, the ad platforms' ids) and its channel, a visitor's touches and the attribution model over them,
//! and the static numbers a site keeps for whole sources. Uses `support` only.

mod ad_ids;
mod source;
mod static_rule;
mod touch;

pub use ad_ids::{ga_client_id, AdIds};
pub use source::{
    paid_medium_of, strip_tracking_params, Channel, TrafficSource, Visit, ALL_CHANNELS, NO_CONSENT,
};
pub use static_rule::{static_rule_for, StaticRule, StaticRuleSetup};
pub use touch::{AttributionModel, Touch, TouchHistory};
