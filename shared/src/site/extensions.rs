//! A site's extension numbers as it sets them up: numbers on which each visitor is shown an
//! extension of their own (`(555) 010-0909 ext. 042`), for when the pool has fewer numbers
//! than live visitors (see `crate::pool`'s extensions for how they are lent).

use crate::error::{Error, Result};
use crate::pool::{ExtensionRules, EXTENSION_DIGITS};
use phone::PhoneNumber;
use serde::{Deserialize, Serialize};

/// One extension number as a site owner writes it: `"+1 555 010 0909"`, or
/// `{"number": "+1 555 010 0909", "business_number": "+1 555 010 0300"}` for another line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged, deny_unknown_fields)]
pub enum ExtensionNumberSetup {
    Number(String),
    Detailed {
        number: String,
        /// Which business number it replaces (default: the main one).
        #[serde(default)]
        business_number: Option<String>,
    },
}

impl ExtensionNumberSetup {
    pub fn parts(&self) -> (&str, Option<&str>) {
        match self {
            ExtensionNumberSetup::Number(n) => (n, None),
            ExtensionNumberSetup::Detailed { number, business_number } => {
                (number, business_number.as_deref())
            }
        }
    }
}

/// One extension number as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtensionNumber {
    pub number: PhoneNumber,
    /// Calls to it forward here (`None`: the site's main business number).
    #[serde(default)]
    pub business_number: Option<PhoneNumber>,
}

/// The site's extension settings, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExtensionSettings {
    pub numbers: Vec<ExtensionNumber>,
    /// Digits of every extension (3–5).
    pub digits: u8,
    /// What a caller to an extension number hears while the phone keys the extension.
    pub prompt: String,
    /// What the page prints between the number and the extension (`ext.` → `… ext. 042`).
    pub label: String,
    /// How long an extension stays its session's after the lease ends.
    pub retention_secs: i64,
}

pub(crate) const DEFAULT_EXTENSION_DIGITS: u8 = 3;
pub const DEFAULT_EXTENSION_PROMPT: &str = "Please enter your extension.";
pub const DEFAULT_EXTENSION_LABEL: &str = "ext.";
pub(crate) const DEFAULT_EXTENSION_RETENTION_HOURS: u32 = 168;
const MAX_EXTENSION_RETENTION_HOURS: u32 = 90 * 24;
const MAX_EXTENSION_NUMBERS: usize = 100;
const MAX_PROMPT: usize = 500;
const MAX_LABEL: usize = 20;

impl Default for ExtensionSettings {
    fn default() -> Self {
        ExtensionSettings {
            numbers: Vec::new(),
            digits: DEFAULT_EXTENSION_DIGITS,
            prompt: DEFAULT_EXTENSION_PROMPT.into(),
            label: DEFAULT_EXTENSION_LABEL.into(),
            retention_secs: i64::from(DEFAULT_EXTENSION_RETENTION_HOURS) * 3600,
        }
    }
}

/// The scalar extension settings as a setup writes them (every one optional).
#[derive(Debug, Clone, Copy)]
pub struct ExtensionOptions<'a> {
    pub digits: Option<u8>,
    pub prompt: Option<&'a str>,
    pub label: Option<&'a str>,
    pub retention_hours: Option<u32>,
}

impl ExtensionSettings {
    /// Checks the scalar settings; `numbers` were checked by the site's configuration (they
    /// must not clash with its other numbers).
    pub fn new(numbers: Vec<ExtensionNumber>, options: ExtensionOptions<'_>) -> Result<Self> {
        if numbers.len() > MAX_EXTENSION_NUMBERS {
            return Err(Error::invalid(format!("extension_numbers lists more than {MAX_EXTENSION_NUMBERS}"))
                .at("extension_numbers"));
        }
        let digits = options.digits.unwrap_or(DEFAULT_EXTENSION_DIGITS);
        if !EXTENSION_DIGITS.contains(&digits) {
            return Err(Error::invalid(format!(
                "extension_digits must be between {} and {}",
                EXTENSION_DIGITS.start(),
                EXTENSION_DIGITS.end()
            ))
            .at("extension_digits"));
        }
        let prompt =
            options.prompt.map(str::trim).filter(|p| !p.is_empty()).unwrap_or(DEFAULT_EXTENSION_PROMPT);
        if prompt.chars().count() > MAX_PROMPT {
            return Err(Error::invalid(format!("extension_prompt is longer than {MAX_PROMPT} characters"))
                .at("extension_prompt"));
        }
        let label = options.label.map(str::trim).filter(|l| !l.is_empty()).unwrap_or(DEFAULT_EXTENSION_LABEL);
        if label.chars().count() > MAX_LABEL || label.chars().any(|c| c.is_ascii_digit() || c.is_control()) {
            return Err(Error::invalid(format!(
                "extension_label must be 1-{MAX_LABEL} characters without digits (\"ext.\", \"x\", \"доб.\")"
            ))
            .at("extension_label"));
        }
        let hours = options.retention_hours.unwrap_or(DEFAULT_EXTENSION_RETENTION_HOURS);
        if !(1..=MAX_EXTENSION_RETENTION_HOURS).contains(&hours) {
            return Err(Error::invalid(format!(
                "extension_retention_hours must be between 1 and {MAX_EXTENSION_RETENTION_HOURS} (90 days)"
            ))
            .at("extension_retention_hours"));
        }
        Ok(ExtensionSettings {
            numbers,
            digits,
            prompt: prompt.to_string(),
            label: label.to_string(),
            retention_secs: i64::from(hours) * 3600,
        })
    }

    /// The rules extension leases follow, with the site's lease length.
    pub fn rules(&self, lease_secs: i64) -> ExtensionRules {
        ExtensionRules { digits: self.digits, lease_secs, retention_secs: self.retention_secs }
    }

    /// The extension numbers that stand in for business number `line` (`None`: the main one).
    pub fn numbers_of(&self, line: Option<&PhoneNumber>) -> Vec<PhoneNumber> {
        self.numbers.iter().filter(|n| n.business_number.as_ref() == line).map(|n| n.number.clone()).collect()
    }

    pub fn is_extension_number(&self, number: &PhoneNumber) -> bool {
        self.numbers.iter().any(|n| &n.number == number)
    }

    pub fn retention_hours(&self) -> u32 {
        u32::try_from(self.retention_secs / 3600).unwrap_or(u32::MAX)
    }

    pub fn setup_numbers(&self) -> Vec<ExtensionNumberSetup> {
        self.numbers
            .iter()
            .map(|n| ExtensionNumberSetup::Detailed {
                number: n.number.e164().to_string(),
                business_number: n.business_number.as_ref().map(|b| b.e164().to_string()),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> ExtensionOptions<'static> {
        ExtensionOptions { digits: None, prompt: None, label: None, retention_hours: None }
    }

    #[test]
    fn defaults_and_checks() {
        let s = ExtensionSettings::new(Vec::new(), options()).unwrap();
        assert_eq!((s.digits, s.label.as_str(), s.retention_secs), (3, "ext.", 168 * 3600));
        assert_eq!(s.rules(900).capacity(), 1000);
        for (o, field) in [
            (ExtensionOptions { digits: Some(2), ..options() }, "extension_digits"),
            (ExtensionOptions { digits: Some(6), ..options() }, "extension_digits"),
            (ExtensionOptions { label: Some("ext 1"), ..options() }, "extension_label"),
            (ExtensionOptions { retention_hours: Some(0), ..options() }, "extension_retention_hours"),
            (ExtensionOptions { retention_hours: Some(2161), ..options() }, "extension_retention_hours"),
        ] {
            assert_eq!(ExtensionSettings::new(Vec::new(), o).unwrap_err().field(), Some(field));
        }
        let long = "x".repeat(501);
        let err = ExtensionSettings::new(Vec::new(), ExtensionOptions { prompt: Some(&long), ..options() });
        assert_eq!(err.unwrap_err().field(), Some("extension_prompt"));
        assert_eq!(
            ExtensionSettings::new(Vec::new(), ExtensionOptions { label: Some("доб."), ..options() })
                .unwrap()
                .label,
            "доб."
        );
    }
}
