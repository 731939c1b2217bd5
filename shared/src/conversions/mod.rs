//! Conversions sent back to the ad platforms, so their bidding learns which clicks became
//! calls: the Google Ads offline click conversions file, GA4 Measurement Protocol events and
//! Meta Conversions API events (the last two delivered from the site's alarm, retried like the
//! CRM webhooks). Uses `support`, `traffic`, `money`, `site`, `webhooks` and `calls`.

mod google_ads;
mod platforms;

pub use google_ads::{google_ads_csv, GoogleAdsQuery};
pub use platforms::{
    conversion_deliveries, ga4_body, meta_body, ConversionMoment, GA4_EVENT, GA4_ORIGIN, GA4_VALUE_EVENT,
    META_API_VERSION, META_ORIGIN,
};
