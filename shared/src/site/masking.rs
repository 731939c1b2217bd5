//! A site's masking numbers as it sets them up: the proxy numbers an order's parties call each
//! other through (see `crate::masking`), how long a session stays open by default, and what a
//! caller hears on a masking number when no open session connects them.

use crate::error::{Error, Result};
use phone::PhoneNumber;
use serde::{Deserialize, Serialize};

/// What a call to a masking number gets when no open session connects the caller, as a site
/// owner writes it: `"hangup"`, or `{"say": "This order is closed.", "forward_to": "+1…"}`
/// (either part optional: without `forward_to` the call ends after the words).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum MaskingClosedSetup {
    Word(String),
    Policy {
        #[serde(default)]
        say: Option<String>,
        #[serde(default)]
        forward_to: Option<String>,
    },
}

/// The closed policy as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaskingClosed {
    /// Said first (`None`: nothing).
    pub say: Option<String>,
    /// Then the call is forwarded there (a contact centre); `None`: it ends.
    pub forward_to: Option<PhoneNumber>,
}

pub const DEFAULT_MASKING_CLOSED_SAY: &str = "This order is closed.";

impl Default for MaskingClosed {
    fn default() -> Self {
        MaskingClosed { say: Some(DEFAULT_MASKING_CLOSED_SAY.into()), forward_to: None }
    }
}

/// The site's masking settings, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MaskingSettings {
    pub numbers: Vec<PhoneNumber>,
    /// A session's ttl when its creation names none.
    pub ttl_secs: i64,
    pub closed: MaskingClosed,
}

/// Shortest and longest time a session stays open after its creation or its last call.
pub const MIN_TTL_MINUTES: u32 = 1;
pub const MAX_TTL_MINUTES: u32 = 30 * 24 * 60;

/// A session's ttl in minutes (1 minute to 30 days) as seconds; errors name `field`.
pub fn masking_ttl_secs(minutes: u32, field: &str) -> Result<i64> {
    if !(MIN_TTL_MINUTES..=MAX_TTL_MINUTES).contains(&minutes) {
        return Err(Error::invalid(format!(
            "{field} must be between {MIN_TTL_MINUTES} and {MAX_TTL_MINUTES} (30 days)"
        ))
        .at(field));
    }
    Ok(i64::from(minutes) * 60)
}

pub(crate) const DEFAULT_MASKING_TTL_MINUTES: u32 = 24 * 60;
const MAX_MASKING_NUMBERS: usize = 1000;
const MAX_SAY: usize = 500;

impl Default for MaskingSettings {
    fn default() -> Self {
        MaskingSettings {
            numbers: Vec::new(),
            ttl_secs: i64::from(DEFAULT_MASKING_TTL_MINUTES) * 60,
            closed: MaskingClosed::default(),
        }
    }
}

impl MaskingSettings {
    /// Checks the scalar settings; `numbers` were checked by [`MaskingSettings::from_setup`].
    fn new(
        numbers: Vec<PhoneNumber>,
        ttl_minutes: Option<u32>,
        closed: Option<&MaskingClosedSetup>,
    ) -> Result<Self> {
        if numbers.len() > MAX_MASKING_NUMBERS {
            return Err(Error::invalid(format!("masking_numbers lists more than {MAX_MASKING_NUMBERS}"))
                .at("masking_numbers"));
        }
        let ttl = ttl_minutes.unwrap_or(DEFAULT_MASKING_TTL_MINUTES);
        let ttl_secs = masking_ttl_secs(ttl, "masking_ttl_minutes")?;
        let closed = match closed {
            None => MaskingClosed::default(),
            Some(MaskingClosedSetup::Word(w)) if w.trim() == "hangup" => {
                MaskingClosed { say: None, forward_to: None }
            }
            Some(MaskingClosedSetup::Word(_)) => {
                return Err(Error::invalid(
                    "masking_closed must be \"hangup\" or {\"say\": \"…\", \"forward_to\": \"+1…\"}",
                )
                .at("masking_closed"))
            }
            Some(MaskingClosedSetup::Policy { say, forward_to }) => {
                let say = say.as_deref().map(str::trim).filter(|s| !s.is_empty());
                if say.is_some_and(|s| s.chars().count() > MAX_SAY) {
                    return Err(Error::invalid(format!(
                        "masking_closed.say is longer than {MAX_SAY} characters"
                    ))
                    .at("masking_closed.say"));
                }
                let forward_to = forward_to
                    .as_deref()
                    .filter(|f| !f.trim().is_empty())
                    .map(|f| {
                        PhoneNumber::parse(f).map_err(|e| Error::from(e).at("masking_closed.forward_to"))
                    })
                    .transpose()?;
                if let Some(f) = &forward_to {
                    if numbers.contains(f) {
                        return Err(Error::invalid(
                            "masking_closed.forward_to is one of the masking numbers",
                        )
                        .at("masking_closed.forward_to"));
                    }
                }
                MaskingClosed { say: say.map(str::to_string), forward_to }
            }
        };
        Ok(MaskingSettings { numbers, ttl_secs, closed })
    }

    /// The settings as a setup writes them: each masking number valid and not one of the
    /// site's `business` or `tracking` numbers (a number is either for visitors or for
    /// masking), and a closed policy that does not forward to a tracking number (the call
    /// would come back as a tracked one). Errors name their field.
    pub fn from_setup(
        raw_numbers: &[String],
        ttl_minutes: Option<u32>,
        closed: Option<&MaskingClosedSetup>,
        business: &[PhoneNumber],
        tracking: &[PhoneNumber],
    ) -> Result<Self> {
        let mut numbers: Vec<PhoneNumber> = Vec::new();
        for (i, raw) in raw_numbers.iter().enumerate() {
            let field = format!("masking_numbers[{i}]");
            let n = PhoneNumber::parse(raw).map_err(|e| Error::from(e).at(&field))?;
            if business.contains(&n) || tracking.contains(&n) || numbers.contains(&n) {
                return Err(Error::invalid(format!(
                    "masking number {n} is already used by this site (a number is either for visitors or for masking)"
                ))
                .at(field));
            }
            numbers.push(n);
        }
        let settings = MaskingSettings::new(numbers, ttl_minutes, closed)?;
        if let Some(f) = settings.closed.forward_to.as_ref().filter(|f| tracking.contains(f)) {
            return Err(Error::invalid(format!(
                "masking_closed.forward_to {f} is one of the site's tracking numbers (the call would come back as a tracked call); use the business number or a contact centre's"
            ))
            .at("masking_closed.forward_to"));
        }
        Ok(settings)
    }

    pub fn is_masking_number(&self, n: &PhoneNumber) -> bool {
        self.numbers.contains(n)
    }

    pub fn ttl_minutes(&self) -> u32 {
        u32::try_from(self.ttl_secs / 60).unwrap_or(u32::MAX)
    }

    /// The closed policy in the setup's words.
    pub fn closed_setup(&self) -> MaskingClosedSetup {
        match (&self.closed.say, &self.closed.forward_to) {
            (None, None) => MaskingClosedSetup::Word("hangup".into()),
            (say, forward_to) => MaskingClosedSetup::Policy {
                say: say.clone(),
                forward_to: forward_to.as_ref().map(|f| f.e164().to_string()),
            },
        }
    }
}
