//! A site's pool of tracking numbers: leases and their invariant, the visitor's region, the
//! rate limits that keep a script from draining it, how big it should be, and a simulator of
//! traffic against it. Uses `support` and `traffic`.

mod extensions;
mod leases;
mod pool_index;
mod rate_limit;
mod region;
#[cfg(feature = "sim")]
pub mod simulate;
mod sizing;

#[cfg(any(test, feature = "sim"))]
pub use extensions::ExtensionBook;
pub use extensions::{
    extension_holder, is_extension_lease_id, keep_extension, lease_extension, release_extension,
    renew_extension, ExtensionLeases, ExtensionRules, EXTENSION_DIGITS,
};
pub use leases::{
    session_key, ExhaustionPolicy, Holders, Lease, LeaseRequest, Pool, PoolChanges, PoolNumber, PoolRules,
    UNCONSENTED_HOLDER,
};
pub use rate_limit::{Budget, Limits, Over, RateLimiter};
pub use region::{normalize_region_code, Region};
pub use sizing::{analyse_sizing, HourPeak, PoolSizing};
