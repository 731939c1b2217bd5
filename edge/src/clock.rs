//! The platform's clock (`Date.now()`) as the core's `Clock`, and ids made from it. Its own
//! module (it was the object's) because the routes use it as much as the site's object does.

use shared::{Clock, Timestamp};

/// `Date.now()` as the core's clock.
pub struct EdgeClock;

impl Clock for EdgeClock {
    fn now(&self) -> Timestamp {
        Timestamp(worker::Date::now().as_millis() as i64)
    }
}

pub fn now() -> Timestamp {
    EdgeClock.now()
}

/// An id for things the caller did not name (not a secret: time plus randomness).
pub fn random_id() -> String {
    let random = (worker::js_sys::Math::random() * 1e12) as u64;
    format!("{:x}{random:010x}", worker::Date::now().as_millis())
}
