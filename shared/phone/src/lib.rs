//! Phone numbers: E.164 parsing of what people type (the edge validates owner input with
//! it), and the known-number matcher (`known`) that finds a site's own numbers in page text
//! and rewrites them in the page's format (separators, grouping, parentheses, prefix).
//!
//! Hand-written rather than a full numbering-plan library on purpose: the widget ships this
//! code to every visitor, and a metadata-driven library (e.g. `phonenumber`) adds hundreds of
//! KB of Wasm. The edge only needs to validate and normalise numbers a site owner gives.

#![cfg_attr(not(test), no_std)]

extern crate alloc;

mod known;

use alloc::string::String;
use core::fmt;

pub use known::{occurrences, swap_across, swap_text, Known, Pair, Shown, Where};

/// A phone number in E.164 form (`+` then 8–15 digits), with its country calling code known.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "String", into = "String"))]
pub struct PhoneNumber {
    e164: String,
    cc_len: u8,
}

/// Why a text is not a phone number: the text and a short reason ("too few digits").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidPhoneNumber {
    pub input: String,
    pub reason: &'static str,
}

impl fmt::Display for InvalidPhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid phone number {:?}: {}", self.input, self.reason)
    }
}

pub type Result<T, E = InvalidPhoneNumber> = core::result::Result<T, E>;

/// Two-digit ITU country calling codes; 1 and 7 are the one-digit ones, and every other code
/// is three digits (the set is prefix-free, so this decides the split).
const TWO_DIGIT_CODES: &[u8] = &[
    20, 27, 30, 31, 32, 33, 34, 36, 39, 40, 41, 43, 44, 45, 46, 47, 48, 49, 51, 52, 53, 54, 55, 56, 57, 58,
    60, 61, 62, 63, 64, 65, 66, 81, 82, 84, 86, 90, 91, 92, 93, 94, 95, 98,
];

/// Concatenation without `format!`: the widget ships this module, and `core::fmt` would add
/// kilobytes to every visitor's download.
fn cat(parts: &[&str]) -> String {
    let mut out = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for p in parts {
        out.push_str(p);
    }
    out
}

/// `s[a..b]`, or `""` out of range: this module has no panicking paths, since the widget
/// ships it and a panic's message would bring `core::fmt` into the download.
fn sub(s: &str, a: usize, b: usize) -> &str {
    s.get(a..b).unwrap_or("")
}

/// `s[a..]`, or `""` out of range.
fn tail(s: &str, a: usize) -> &str {
    s.get(a..).unwrap_or("")
}

fn country_code_len(digits: &str) -> usize {
    match digits.as_bytes() {
        [b'1' | b'7', ..] => 1,
        [a, b, ..] => {
            let two = a.wrapping_sub(b'0').wrapping_mul(10).wrapping_add(b.wrapping_sub(b'0'));
            // A loop, not `contains`: that one brings a memchr into the widget.
            for code in TWO_DIGIT_CODES {
                if *code == two {
                    return 2;
                }
            }
            3
        }
        _ => 1,
    }
}

/// Why a text is not a phone number (the messages are only linked where they are shown).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Invalid {
    Characters,
    NotInternational,
    Length,
    LeadingZero,
    NorthAmericanLength,
    NorthAmericanArea,
}

impl Invalid {
    fn reason(self) -> &'static str {
        match self {
            Invalid::Characters => "only digits, spaces and + - . ( ) / are allowed",
            Invalid::NotInternational => {
                "write it in international form, starting with + and the country code"
            }
            Invalid::Length => "an international number has 8 to 15 digits",
            Invalid::LeadingZero => "a country code never starts with 0",
            Invalid::NorthAmericanLength => "a North American number has 10 digits after +1",
            // Found by fuzzing: `+1 001 001 5550` was accepted, and printed as
            // `(001) 001-5550`, which reads back as another number.
            Invalid::NorthAmericanArea => "a North American area code starts with 2 to 9",
        }
    }
}

/// The E.164 form (`+15550100100`) of a number as a person would type it, spaces around it
/// aside (ASCII ones; [`PhoneNumber::parse`] also trims Unicode ones). Accepts `+` or `00`
/// international prefixes; a number without one is read as North American when it has 10
/// digits (or 11 starting with 1), since that is the only plan where that is unambiguous.
pub fn normalize(input: &str) -> Option<String> {
    international(input).ok()
}

fn international(input: &str) -> Result<String, Invalid> {
    let typed = input.trim_ascii().as_bytes();
    // First the digits, and what is written around them.
    let (mut count, mut first, mut second, mut i) = (0, 0, 0, 0);
    while let Some(&c) = typed.get(i) {
        match (c, typed.get(i + 1)) {
            (b'0'..=b'9', _) => {
                (first, second) = if count == 0 {
                    (c, 0)
                } else if count == 1 {
                    (first, c)
                } else {
                    (first, second)
                };
                count += 1;
            }
            (b'+', _) if i == 0 => {}
            (b' ' | b'-' | b'.' | b'(' | b')' | b'/', _) => {}
            (0xC2, Some(0xA0)) => i += 1, // no-break space
            _ => return Err(Invalid::Characters),
        }
        i += 1;
    }
    // Then how they read internationally: digits to drop (`00`), or a `1` to add.
    let (skip, prefix) = match (typed.first(), first, second, count) {
        (Some(b'+'), ..) => (0, "+"),
        (_, b'0', b'0', _) => (2, "+"),
        (_, _, _, 10) => (0, "+1"),
        (_, b'1', _, 11) => (0, "+"),
        _ => return Err(Invalid::NotInternational),
    };
    let mut e164 = String::with_capacity(17);
    e164.push_str(prefix);
    let mut digit = 0;
    for (i, c) in typed.iter().enumerate() {
        if c.is_ascii_digit() {
            if digit >= skip {
                e164.push_str(sub(input.trim_ascii(), i, i + 1));
            }
            digit += 1;
        }
    }
    match e164.as_bytes() {
        e if !(9..=16).contains(&e.len()) => Err(Invalid::Length),
        [_, b'0', ..] => Err(Invalid::LeadingZero),
        [_, b'1', ..] if e164.len() != 12 => Err(Invalid::NorthAmericanLength),
        // A North American area code starts with 2-9.
        [_, b'1', b'0' | b'1', ..] => Err(Invalid::NorthAmericanArea),
        _ => Ok(e164),
    }
}

impl PhoneNumber {
    /// Parses a number as a person would type it (see [`normalize`]).
    pub fn parse(input: &str) -> Result<Self> {
        let e164 = international(input.trim())
            .map_err(|why| InvalidPhoneNumber { input: String::from(input), reason: why.reason() })?;
        let cc_len = country_code_len(tail(&e164, 1)) as u8;
        Ok(PhoneNumber { e164, cc_len })
    }

    /// For people to read: `(555) 010-0100` for North American numbers, which marketers there
    /// read nationally; `+44 2079460958` (country code set apart) elsewhere.
    pub fn formatted(&self) -> String {
        let nat = self.national();
        if self.country_code() == "1" {
            cat(&["(", sub(nat, 0, 3), ") ", sub(nat, 3, 6), "-", tail(nat, 6)])
        } else {
            cat(&["+", self.country_code(), " ", nat])
        }
    }

    /// `+15550100100`
    pub fn e164(&self) -> &str {
        &self.e164
    }

    /// The country calling code's digits, e.g. `1` or `44`.
    pub fn country_code(&self) -> &str {
        sub(&self.e164, 1, 1 + usize::from(self.cc_len))
    }

    /// The national significant number: the digits after the country code.
    pub fn national(&self) -> &str {
        tail(&self.e164, 1 + usize::from(self.cc_len))
    }

    /// Its digits for the known-number matcher.
    pub fn known(&self) -> Known<'_> {
        Known { digits: tail(&self.e164, 1), cc_len: self.cc_len }
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.e164)
    }
}

impl TryFrom<String> for PhoneNumber {
    type Error = InvalidPhoneNumber;
    fn try_from(s: String) -> Result<Self> {
        PhoneNumber::parse(&s)
    }
}

impl From<PhoneNumber> for String {
    fn from(p: PhoneNumber) -> String {
        p.e164
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> PhoneNumber {
        PhoneNumber::parse(s).unwrap()
    }

    #[test]
    fn parses_common_inputs_to_e164() {
        assert_eq!(n("(555) 010-0100").e164(), "+15550100100");
        assert_eq!(n("+1 555 010 0100").e164(), "+15550100100");
        assert_eq!(n("1-555-010-0100").e164(), "+15550100100");
        assert_eq!(n("+44 20 7946 0958").e164(), "+442079460958");
        assert_eq!(n("0044 20 7946 0958").e164(), "+442079460958");
        assert_eq!(n("+7 495 123-45-67").country_code(), "7");
        assert_eq!(n("+44 20 7946 0958").country_code(), "44");
        assert_eq!(n("+353 1 234 5678").country_code(), "353");
        assert_eq!(n("+44 20 7946 0958").national(), "2079460958");
    }

    #[test]
    fn normalizes_what_people_type_as_parse_reads_it() {
        for (typed, e164) in [
            ("(555) 010-0100", Some("+15550100100")),
            (" +44 20\u{a0}7946 0958 ", Some("+442079460958")),
            ("0044 20 7946 0958", Some("+442079460958")),
            ("1.555.010.0100", Some("+15550100100")),
            ("555 CALL NOW", None),
            ("+1 001 001 5550", None),
            ("44+20 7946 0958", None),
            ("+1 555 010 01000", None),
        ] {
            assert_eq!(normalize(typed).as_deref(), e164, "{typed:?}");
            assert_eq!(PhoneNumber::parse(typed).ok().map(String::from).as_deref(), e164, "{typed:?}");
        }
        // Unicode spaces around a number: `parse` trims them; the widget's `normalize` only
        // ASCII ones.
        assert_eq!(n("\u{2003}+15550100100\u{2003}").e164(), "+15550100100");
    }

    #[test]
    fn formats_for_people() {
        assert_eq!(n("+15550100100").formatted(), "(555) 010-0100");
        assert_eq!(n("+442079460958").formatted(), "+44 2079460958");
    }

    #[test]
    fn rejects_what_is_not_a_number() {
        for bad in ["", "555-0100", "call me", "+1 555 010 01000", "+0123456789", "12345678901234567"] {
            assert!(PhoneNumber::parse(bad).is_err(), "{bad:?} should be rejected");
        }
        let err = PhoneNumber::parse("555 CALL NOW").unwrap_err();
        assert_eq!(err.input, "555 CALL NOW", "the error names what was given");
    }
}
