//! Caller identification as a site sets it up: before the dial the caller is asked for their
//! customer number by DTMF, the business's CRM is asked about it, and the call is routed on
//! the answer to one of the site's destinations (its named lines, the business number,
//! voicemail or a hang-up).

use crate::error::{Error, Result};
use crate::webhooks::{checked_secret, checked_url};
use phone::PhoneNumber;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How an entry is checked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentificationMode {
    /// An entry of the expected length is identified; no CRM is asked.
    #[default]
    Any,
    /// The CRM answers `{"status": "ok", "destination": true|false}`.
    Check,
    /// The CRM answers `{"status": "ok", "destination": "gold"}`: where the call goes.
    Destination,
}

impl IdentificationMode {
    pub fn as_str(self) -> &'static str {
        match self {
            IdentificationMode::Any => "any",
            IdentificationMode::Check => "check",
            IdentificationMode::Destination => "destination",
        }
    }
}

/// Where a call goes after its steps: one of the site's named `destinations`, the business
/// number the tracking number replaced, voicemail, or a hang-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Destination {
    Business,
    Voicemail,
    Hangup,
    Named(String),
}

impl Destination {
    /// The destination a name means: `business`, `voicemail`, `hangup` or a key of the site's
    /// `destinations`; `None` for any other name.
    pub fn named(name: &str, destinations: &BTreeMap<String, PhoneNumber>) -> Option<Destination> {
        match name.trim() {
            "business" => Some(Destination::Business),
            "voicemail" => Some(Destination::Voicemail),
            "hangup" => Some(Destination::Hangup),
            other if destinations.contains_key(other) => Some(Destination::Named(other.to_string())),
            _ => None,
        }
    }

    pub fn name(&self) -> &str {
        match self {
            Destination::Business => "business",
            Destination::Voicemail => "voicemail",
            Destination::Hangup => "hangup",
            Destination::Named(n) => n,
        }
    }
}

impl From<Destination> for String {
    fn from(d: Destination) -> String {
        d.name().to_string()
    }
}

impl TryFrom<String> for Destination {
    type Error = String;
    fn try_from(s: String) -> std::result::Result<Self, String> {
        Ok(match s.as_str() {
            "business" => Destination::Business,
            "voicemail" => Destination::Voicemail,
            "hangup" => Destination::Hangup,
            _ if valid_destination_name(&s) => Destination::Named(s),
            _ => return Err(format!("{s:?} is not a destination name")),
        })
    }
}

/// Names the site cannot give a destination of its own: they mean something already.
const RESERVED: [&str; 3] = ["business", "voicemail", "hangup"];
const MAX_DESTINATIONS: usize = 20;

fn valid_destination_name(name: &str) -> bool {
    (1..=32).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

/// The site's named destinations (`{"gold": "+1…"}`), checked; `owned` are the site's
/// tracking numbers, which a destination may not be (a call would loop).
pub fn destinations_from_setup(
    setup: &BTreeMap<String, String>,
    owned: &[PhoneNumber],
) -> Result<BTreeMap<String, PhoneNumber>> {
    if setup.len() > MAX_DESTINATIONS {
        return Err(
            Error::invalid(format!("destinations lists more than {MAX_DESTINATIONS}")).at("destinations")
        );
    }
    let mut out = BTreeMap::new();
    for (name, raw) in setup {
        let field = format!("destinations.{name}");
        if RESERVED.contains(&name.as_str()) {
            return Err(Error::invalid(format!(
                "destination name {name:?} is reserved (business, voicemail and hangup mean themselves)"
            ))
            .at(field));
        }
        if !valid_destination_name(name) {
            return Err(Error::invalid(format!(
                "destination name {name:?} must be 1-32 characters of a-z, 0-9, _ and -"
            ))
            .at(field));
        }
        let number = PhoneNumber::parse(raw).map_err(|e| Error::from(e).at(&field))?;
        if owned.contains(&number) {
            return Err(Error::invalid(format!(
                "destination {name} ({number}) is one of the site's tracking numbers: the call would loop"
            ))
            .at(field));
        }
        out.insert(name.clone(), number);
    }
    Ok(out)
}

/// Caller identification as the site owner writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct CallerIdentificationSetup {
    /// What the caller hears (default: asks for the customer number, then the pound key).
    #[serde(default)]
    pub prompt: Option<String>,
    /// How many digits a customer number has (1–30).
    pub digits: u32,
    /// How many times the caller is asked (1–5, default 2).
    #[serde(default)]
    pub attempts: Option<u32>,
    /// Seconds to wait for the caller's keys (1–30, default 5).
    #[serde(default)]
    pub timeout_seconds: Option<u32>,
    #[serde(default)]
    pub mode: IdentificationMode,
    /// The CRM asked in modes `check` and `destination`.
    #[serde(default)]
    pub crm_url: Option<String>,
    /// Signs the CRM request (16+ characters). Write-only: never sent back; left out on a
    /// change, the stored one is kept.
    #[serde(default)]
    pub crm_secret: Option<String>,
    /// Where an identified caller goes (default `business`).
    #[serde(default)]
    pub identified: Option<String>,
    /// Where everyone else goes (default `business`).
    #[serde(default)]
    pub unidentified: Option<String>,
}

/// The CRM caller identification asks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrmEndpoint {
    pub url: String,
    pub secret: String,
}

/// Caller identification as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallerIdentification {
    pub prompt: String,
    pub digits: u32,
    pub attempts: u32,
    pub timeout_secs: u32,
    pub mode: IdentificationMode,
    pub crm: Option<CrmEndpoint>,
    pub identified: Destination,
    pub unidentified: Destination,
}

const DEFAULT_PROMPT: &str = "Please enter your customer number, then press the pound key.";
const MAX_PROMPT: usize = 500;
const DEFAULT_ATTEMPTS: u32 = 2;
const DEFAULT_TIMEOUT_SECS: u32 = 5;

impl CallerIdentification {
    /// Checks a setup against the site's `destinations`; `previous` supplies the CRM secret a
    /// change leaves out. Errors name the field under `caller_identification`.
    pub fn from_setup(
        setup: &CallerIdentificationSetup,
        destinations: &BTreeMap<String, PhoneNumber>,
        previous: Option<&CallerIdentification>,
    ) -> Result<Self> {
        let field = |f: &str| format!("caller_identification.{f}");
        let prompt =
            setup.prompt.as_deref().map(str::trim).filter(|p| !p.is_empty()).unwrap_or(DEFAULT_PROMPT);
        if prompt.chars().count() > MAX_PROMPT {
            return Err(Error::invalid(format!("the prompt is longer than {MAX_PROMPT} characters"))
                .at(field("prompt")));
        }
        let ranged = |value: Option<u32>, default: u32, range: std::ops::RangeInclusive<u32>, name: &str| {
            let v = value.unwrap_or(default);
            if range.contains(&v) {
                Ok(v)
            } else {
                Err(Error::invalid(format!(
                    "caller_identification.{name} must be between {} and {}",
                    range.start(),
                    range.end()
                ))
                .at(field(name)))
            }
        };
        let digits = ranged(Some(setup.digits), 0, 1..=30, "digits")?;
        let attempts = ranged(setup.attempts, DEFAULT_ATTEMPTS, 1..=5, "attempts")?;
        let timeout_secs = ranged(setup.timeout_seconds, DEFAULT_TIMEOUT_SECS, 1..=30, "timeout_seconds")?;
        let crm = match setup.crm_url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
            Some(url) => {
                let url = checked_url(url, &field("crm_url"))?;
                let previous_secret = previous.and_then(|p| p.crm.as_ref()).map(|c| c.secret.as_str());
                let secret =
                    checked_secret(setup.crm_secret.as_deref(), previous_secret, &field("crm_secret"))?;
                Some(CrmEndpoint { url, secret })
            }
            None => None,
        };
        if setup.mode != IdentificationMode::Any && crm.is_none() {
            return Err(Error::invalid(format!(
                "caller_identification.mode {:?} asks the CRM: set crm_url (and crm_secret)",
                setup.mode.as_str()
            ))
            .at(field("crm_url")));
        }
        let destination = |value: Option<&str>, name: &str| -> Result<Destination> {
            let Some(value) = value else { return Ok(Destination::Business) };
            Destination::named(value, destinations).ok_or_else(|| {
                let known: Vec<&str> = destinations.keys().map(String::as_str).collect();
                Error::invalid(format!(
                    "caller_identification.{name} {value:?} is not a destination: use business, voicemail, hangup{}{}",
                    if known.is_empty() { "" } else { " or " },
                    known.join(", ")
                ))
                .at(field(name))
            })
        };
        Ok(CallerIdentification {
            prompt: prompt.to_string(),
            digits,
            attempts,
            timeout_secs,
            mode: setup.mode,
            crm,
            identified: destination(setup.identified.as_deref(), "identified")?,
            unidentified: destination(setup.unidentified.as_deref(), "unidentified")?,
        })
    }

    /// The setup this was made from, without the CRM secret.
    pub fn to_setup(&self) -> CallerIdentificationSetup {
        CallerIdentificationSetup {
            prompt: Some(self.prompt.clone()),
            digits: self.digits,
            attempts: Some(self.attempts),
            timeout_seconds: Some(self.timeout_secs),
            mode: self.mode,
            crm_url: self.crm.as_ref().map(|c| c.url.clone()),
            crm_secret: None,
            identified: Some(self.identified.name().to_string()),
            unidentified: Some(self.unidentified.name().to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gold() -> BTreeMap<String, PhoneNumber> {
        [("gold".to_string(), PhoneNumber::parse("+15550100500").unwrap())].into_iter().collect()
    }

    fn setup() -> CallerIdentificationSetup {
        CallerIdentificationSetup {
            digits: 6,
            mode: IdentificationMode::Check,
            crm_url: Some("https://crm.example/identify".into()),
            crm_secret: Some("crm-secret-0123456789".into()),
            identified: Some("gold".into()),
            ..CallerIdentificationSetup::default()
        }
    }

    #[test]
    fn a_setup_gets_its_defaults_and_keeps_its_secret() {
        let c = CallerIdentification::from_setup(&setup(), &gold(), None).unwrap();
        assert_eq!((c.digits, c.attempts, c.timeout_secs), (6, 2, 5));
        assert_eq!(
            (c.identified.clone(), c.unidentified.clone()),
            (Destination::Named("gold".into()), Destination::Business)
        );
        assert!(c.prompt.contains("customer number"));
        let shown = c.to_setup();
        assert_eq!(shown.crm_secret, None, "never shown");
        let again = CallerIdentification::from_setup(&shown, &gold(), Some(&c)).unwrap();
        assert_eq!(again, c, "saving what is shown changes nothing");
    }

    #[test]
    fn bad_setups_name_their_field() {
        type Change = Box<dyn Fn(&mut CallerIdentificationSetup)>;
        let cases: Vec<(Change, &str, &str)> = vec![
            (Box::new(|s| s.digits = 0), "caller_identification.digits", "between 1 and 30"),
            (Box::new(|s| s.digits = 31), "caller_identification.digits", "between 1 and 30"),
            (Box::new(|s| s.attempts = Some(6)), "caller_identification.attempts", "between 1 and 5"),
            (
                Box::new(|s| s.timeout_seconds = Some(0)),
                "caller_identification.timeout_seconds",
                "between 1 and 30",
            ),
            (
                Box::new(|s| s.crm_url = Some("http://crm.example/x".into())),
                "caller_identification.crm_url",
                "https://",
            ),
            (Box::new(|s| s.crm_secret = Some("short".into())), "caller_identification.crm_secret", "16"),
            (Box::new(|s| s.crm_secret = None), "caller_identification.crm_secret", "required"),
            (Box::new(|s| s.crm_url = None), "caller_identification.crm_url", "asks the CRM"),
            (
                Box::new(|s| s.identified = Some("platinum".into())),
                "caller_identification.identified",
                "gold",
            ),
            (Box::new(|s| s.prompt = Some("x".repeat(501))), "caller_identification.prompt", "500"),
        ];
        for (change, field, needle) in cases {
            let mut s = setup();
            change(&mut s);
            let err = CallerIdentification::from_setup(&s, &gold(), None).unwrap_err();
            assert_eq!(err.field(), Some(field), "{err}");
            assert!(err.to_string().contains(needle), "{err} should mention {needle}");
        }
        let any = CallerIdentificationSetup { mode: IdentificationMode::Any, crm_url: None, ..setup() };
        assert!(CallerIdentification::from_setup(&any, &gold(), None).is_ok(), "mode any needs no CRM");
    }

    #[test]
    fn destinations_are_checked() {
        let owned = [PhoneNumber::parse("+15550100201").unwrap()];
        let set = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
        };
        assert_eq!(destinations_from_setup(&set(&[("gold", "+1 555 010 0500")]), &owned).unwrap(), gold());
        for (pairs, field, needle) in [
            (set(&[("business", "+15550100500")]), "destinations.business", "reserved"),
            (set(&[("Gold Line", "+15550100500")]), "destinations.Gold Line", "a-z"),
            (set(&[("gold", "call me")]), "destinations.gold", "call me"),
            (set(&[("gold", "+15550100201")]), "destinations.gold", "loop"),
        ] {
            let err = destinations_from_setup(&pairs, &owned).unwrap_err();
            assert_eq!(err.field(), Some(field), "{err}");
            assert!(err.to_string().contains(needle), "{err}");
        }
        assert_eq!(Destination::named("hangup", &gold()), Some(Destination::Hangup));
        assert_eq!(Destination::named("silver", &gold()), None);
    }
}
