//! A site as its owner sets it up: the setup document and the validated configuration (its
//! business numbers, pool entries and token), the settings the dashboard edits, business
//! hours, allowed origins, its call options (caller ID, after hours) and its money settings
//! (currency, call value, ad platforms). Uses `support`, `traffic`, `money`, `pool` and `webhooks`.

mod config;
mod extensions;
mod hours;
mod identification;
pub(crate) mod masking;
mod money;
mod options;
mod origin;
mod pool_entry;
mod retention;
mod secrets;
mod settings;

pub(crate) use config::MIN_TOKEN_LEN;
pub use config::{NumberOwner, SiteConfig, SiteSetup, MAX_POOL};
pub use extensions::{
    ExtensionNumber, ExtensionNumberSetup, ExtensionOptions, ExtensionSettings, DEFAULT_EXTENSION_LABEL,
    DEFAULT_EXTENSION_PROMPT,
};
pub use hours::{BusinessHours, BusinessHoursSetup};
pub use identification::{
    destinations_from_setup, CallerIdentification, CallerIdentificationSetup, CrmEndpoint, Destination,
    IdentificationMode,
};
pub use masking::{
    masking_ttl_secs, MaskingClosed, MaskingClosedSetup, MaskingSettings, DEFAULT_MASKING_CLOSED_SAY,
    MAX_TTL_MINUTES, MIN_TTL_MINUTES,
};
pub use money::{AmountText, Ga4, Ga4Setup, MetaPixel, MetaSetup, MoneySettings, MoneySetup};
pub use options::{AfterHours, AfterHoursSetup, CallerId};
pub use origin::{normalize_origin_pattern, origin_allowed, MAX_ORIGINS};
pub use pool_entry::{PoolEntry, PoolEntrySetup};
pub use retention::{Horizons, Retention, MAX_RETENTION_DAYS};
pub use secrets::{is_sealed, Opened, SecretKeys, NONCE_LEN as SECRET_NONCE_LEN};
pub use settings::{SiteSettings, MAX_SETTINGS_BODY};
