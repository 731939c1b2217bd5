//! Time as the core sees it: UTC milliseconds since the Unix epoch, and a clock to read it.

use serde::{Deserialize, Serialize};
#[cfg(test)]
use std::cell::Cell;
use time::format_description::well_known::{Rfc2822, Rfc3339};
use time::OffsetDateTime;

/// A UTC instant in milliseconds. Serialized as an RFC 3339 string on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// The first and last instants RFC 3339 can write (years 0000 to 9999, UTC): times are
    /// read only within them, and written clamped to them, so what is written reads back.
    pub const MIN: Timestamp = Timestamp(-62_167_219_200_000);
    pub const MAX: Timestamp = Timestamp(253_402_300_799_999);

    pub fn from_millis(ms: i64) -> Self {
        Timestamp(ms)
    }

    pub fn millis(self) -> i64 {
        self.0
    }

    pub fn plus_secs(self, secs: i64) -> Self {
        Timestamp(self.0.saturating_add(secs.saturating_mul(1000)))
    }

    /// RFC 3339 with millisecond precision, e.g. `2026-11-22T10:15:00.000Z`.
    pub fn to_rfc3339(self) -> String {
        let nanos = i128::from(self.0.clamp(Self::MIN.0, Self::MAX.0)) * 1_000_000;
        match OffsetDateTime::from_unix_timestamp_nanos(nanos) {
            Ok(t) => t.format(&Rfc3339).unwrap_or_else(|_| self.0.to_string()),
            Err(_) => self.0.to_string(),
        }
    }

    pub fn parse_rfc3339(s: &str) -> Option<Self> {
        let t = OffsetDateTime::parse(s, &Rfc3339).ok()?;
        Self::within(t)
    }

    /// `t`, when RFC 3339 can write it.
    fn within(t: OffsetDateTime) -> Option<Self> {
        let ms = i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok().map(Timestamp)?;
        (Self::MIN..=Self::MAX).contains(&ms).then_some(ms)
    }

    /// RFC 2822 as in mail headers and Twilio's `Timestamp` parameter:
    /// `Mon, 23 Nov 2026 01:00:00 +0000`.
    pub fn parse_rfc2822(s: &str) -> Option<Self> {
        let t = OffsetDateTime::parse(s.trim(), &Rfc2822).ok()?;
        Self::within(t)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_rfc3339())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Timestamp::parse_rfc3339(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("not an RFC 3339 time: {s:?}")))
    }
}

/// Where "now" comes from: `Date.now()` on the edge, a fixed value in tests.
pub trait Clock {
    fn now(&self) -> Timestamp;
}

/// A clock that says what it is told; tests move it forward by hand. It is the tests'
/// source of randomness too (seeded, so a failing test repeats).
#[derive(Debug, Default)]
#[cfg(test)]
pub struct FixedClock(Cell<i64>, super::SeededEntropy);

#[cfg(test)]
impl FixedClock {
    pub fn at(ms: i64) -> Self {
        FixedClock(Cell::new(ms), super::SeededEntropy::new(ms as u64))
    }

    pub fn advance_secs(&self, secs: i64) {
        self.0.set(self.0.get() + secs * 1000);
    }
}

#[cfg(test)]
impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        Timestamp(self.0.get())
    }
}

#[cfg(test)]
impl super::Entropy for FixedClock {
    fn next_u64(&self) -> u64 {
        self.1.next_u64()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_round_trips_with_millis() {
        let t = Timestamp(1_795_000_000_123);
        let s = t.to_rfc3339();
        assert_eq!(s, "2026-11-18T11:06:40.123Z");
        assert_eq!(Timestamp::parse_rfc3339(&s), Some(t));
    }

    #[test]
    fn reads_twilio_timestamps() {
        assert_eq!(
            Timestamp::parse_rfc2822("Wed, 18 Nov 2026 11:06:40 +0000"),
            Some(Timestamp(1_795_000_000_000))
        );
        assert_eq!(Timestamp::parse_rfc2822("18/11/2026"), None);
    }

    #[test]
    fn rejects_garbage_times() {
        assert_eq!(Timestamp::parse_rfc3339("yesterday"), None);
        let err = serde_json::from_str::<Timestamp>("\"noon\"").unwrap_err();
        assert!(err.to_string().contains("RFC 3339"));
    }

    #[test]
    fn only_times_rfc3339_can_write_are_read_and_every_written_one_reads_back() {
        // Found by the API fuzzer: an offset that puts the instant in year -1 or 10000.
        assert_eq!(Timestamp::parse_rfc3339("0000-01-01T00:00:00+23:59"), None);
        assert_eq!(Timestamp::parse_rfc3339("9999-12-31T23:59:59-23:59"), None);
        assert_eq!(Timestamp::parse_rfc3339("0000-01-01T00:00:00Z"), Some(Timestamp::MIN));
        assert_eq!(Timestamp::parse_rfc3339("9999-12-31T23:59:59.999Z"), Some(Timestamp::MAX));
        for ms in [i64::MIN, Timestamp::MIN.0 - 1, -1, 0, Timestamp::MAX.0 + 1, 253_402_300_800_000, i64::MAX]
        {
            let written = Timestamp(ms).to_rfc3339();
            let read = Timestamp::parse_rfc3339(&written).unwrap_or_else(|| panic!("{ms}: {written}"));
            assert_eq!(read, Timestamp(ms.clamp(Timestamp::MIN.0, Timestamp::MAX.0)));
        }
    }
}
