//! How long a site keeps what it records (`retention` in its settings): calls 730 days,
//! visitor sessions 400, call recordings and transcripts as long as their calls unless said
//! shorter. A visitor's touches already count only for the site's touch lifetime and are
//! kept no longer. The site's object prunes past these horizons from its alarm, in batches
//! (`SiteLedger::prune_retention`).

use crate::error::{Error, Result};
use crate::support::Timestamp;
use serde::{Deserialize, Serialize};

const DEFAULT_CALLS_DAYS: u32 = 730;
const DEFAULT_SESSIONS_DAYS: u32 = 400;
/// The longest any retention may be (ten years).
pub const MAX_RETENTION_DAYS: u32 = 3650;
const DAY_MS: i64 = 86_400_000;

/// The site's data retention, in days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Retention {
    #[serde(default = "default_calls_days")]
    pub calls_days: u32,
    #[serde(default = "default_sessions_days")]
    pub sessions_days: u32,
    /// `None`: as long as the calls.
    #[serde(default)]
    pub recordings_days: Option<u32>,
}

fn default_calls_days() -> u32 {
    DEFAULT_CALLS_DAYS
}

fn default_sessions_days() -> u32 {
    DEFAULT_SESSIONS_DAYS
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            calls_days: DEFAULT_CALLS_DAYS,
            sessions_days: DEFAULT_SESSIONS_DAYS,
            recordings_days: None,
        }
    }
}

/// What is older than these instants is past its retention.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Horizons {
    pub calls: Timestamp,
    pub sessions: Timestamp,
    pub recordings: Timestamp,
    pub touches: Timestamp,
}

impl Retention {
    /// The setting as given, checked: each 1 to [`MAX_RETENTION_DAYS`] days, recordings no
    /// longer than their calls (they go with them).
    pub fn checked(self) -> Result<Self> {
        let in_range = |days: u32, field: &str| {
            if (1..=MAX_RETENTION_DAYS).contains(&days) {
                Ok(())
            } else {
                Err(Error::invalid(format!("{field} must be between 1 and {MAX_RETENTION_DAYS} days"))
                    .at(format!("retention.{field}")))
            }
        };
        in_range(self.calls_days, "calls_days")?;
        in_range(self.sessions_days, "sessions_days")?;
        if let Some(days) = self.recordings_days {
            in_range(days, "recordings_days")?;
            if days > self.calls_days {
                return Err(Error::invalid(
                    "recordings_days cannot be longer than calls_days: a call's recordings go with it",
                )
                .at("retention.recordings_days"));
            }
        }
        Ok(self)
    }

    /// The horizons at `now`; touches by the site's touch lifetime.
    pub fn horizons(&self, now: Timestamp, touch_lifetime_secs: i64) -> Horizons {
        let before = |days: u32| Timestamp(now.millis().saturating_sub(i64::from(days) * DAY_MS));
        Horizons {
            calls: before(self.calls_days),
            sessions: before(self.sessions_days),
            recordings: before(self.recordings_days.unwrap_or(self.calls_days)),
            touches: Timestamp(now.millis().saturating_sub(touch_lifetime_secs.saturating_mul(1000))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_bounds_and_horizons() {
        let r: Retention = serde_json::from_str("{}").expect("defaults");
        assert_eq!(r, Retention::default());
        assert_eq!((r.calls_days, r.sessions_days, r.recordings_days), (730, 400, None));
        let now = Timestamp(1_000 * DAY_MS);
        let h = r.horizons(now, 90 * 86_400);
        assert_eq!(h.calls, Timestamp(270 * DAY_MS));
        assert_eq!(h.sessions, Timestamp(600 * DAY_MS));
        assert_eq!(h.recordings, h.calls, "recordings as long as their calls");
        assert_eq!(h.touches, Timestamp(910 * DAY_MS));
        let short = Retention { recordings_days: Some(30), ..r }.checked().expect("shorter recordings");
        assert_eq!(short.horizons(now, 0).recordings, Timestamp(970 * DAY_MS));
        for (bad, field) in [
            (Retention { calls_days: 0, ..r }, "retention.calls_days"),
            (Retention { sessions_days: 3651, ..r }, "retention.sessions_days"),
            (Retention { recordings_days: Some(731), ..r }, "retention.recordings_days"),
        ] {
            let e = bad.checked().expect_err("refused");
            assert_eq!(e.field(), Some(field), "{e}");
        }
        assert!(serde_json::from_str::<Retention>(r#"{"call_days": 5}"#).is_err(), "a typo is refused");
    }
}
