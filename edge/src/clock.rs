//! The platform's clock (`Date.now()`) and randomness (`crypto.getRandomValues`) as the core's
//! `Clock` and `Entropy`, and ids made from them. Its own module (it was the object's) because
//! the routes use it as much as the site's object does.

use shared::{Clock, Entropy, Timestamp};

/// `Date.now()` as the core's clock.
pub struct EdgeClock;

impl Clock for EdgeClock {
    fn now(&self) -> Timestamp {
        Timestamp(worker::Date::now().as_millis() as i64)
    }
}

impl Entropy for EdgeClock {
    fn next_u64(&self) -> u64 {
        match random_bytes(8) {
            Ok(b) => b.iter().fold(0u64, |acc, x| (acc << 8) | u64::from(*x)),
            // The CSPRNG is always there on Workers; should it ever fail, still a number.
            Err(_) => (worker::js_sys::Math::random() * 9.007_199_254_740_992e15) as u64,
        }
    }
}

/// `n` bytes from the platform's CSPRNG (`crypto.getRandomValues`).
pub fn random_bytes(n: u32) -> worker::Result<Vec<u8>> {
    use worker::js_sys::{Function, Reflect, Uint8Array};
    use worker::wasm_bindgen::JsCast;
    let crypto = Reflect::get(&worker::js_sys::global(), &"crypto".into())?;
    let fill: Function = Reflect::get(&crypto, &"getRandomValues".into())?.dyn_into()?;
    let bytes = Uint8Array::new_with_length(n);
    fill.call1(&crypto, &bytes)?;
    Ok(bytes.to_vec())
}

pub fn now() -> Timestamp {
    EdgeClock.now()
}

/// An id for things the caller did not name (not a secret: time plus randomness).
pub fn random_id() -> String {
    let random = (worker::js_sys::Math::random() * 1e12) as u64;
    format!("{:x}{random:010x}", worker::Date::now().as_millis())
}
