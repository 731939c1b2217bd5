//! Amounts of money as integers of a currency's minor units (cents), never floating point:
//! parsed from the decimal text people write (`12.50`), shown the same way.

use crate::error::{Error, Result};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An ISO 4217 currency and how many decimals its minor unit has (`USD` 2, `JPY` 0, `KWD` 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency {
    code: &'static str,
    exponent: u8,
}

/// The currencies ad platforms bill in, with their minor units (ISO 4217). A small table
/// rather than a crate: the dashboard ships it to the browser.
const CURRENCIES: &[(&str, u8)] = &[
    ("USD", 2),
    ("EUR", 2),
    ("GBP", 2),
    ("CAD", 2),
    ("AUD", 2),
    ("NZD", 2),
    ("CHF", 2),
    ("SEK", 2),
    ("NOK", 2),
    ("DKK", 2),
    ("PLN", 2),
    ("CZK", 2),
    ("HUF", 2),
    ("RON", 2),
    ("BGN", 2),
    ("ISK", 0),
    ("TRY", 2),
    ("ILS", 2),
    ("AED", 2),
    ("SAR", 2),
    ("QAR", 2),
    ("KWD", 3),
    ("BHD", 3),
    ("OMR", 3),
    ("JOD", 3),
    ("EGP", 2),
    ("ZAR", 2),
    ("NGN", 2),
    ("KES", 2),
    ("MAD", 2),
    ("INR", 2),
    ("PKR", 2),
    ("BDT", 2),
    ("LKR", 2),
    ("JPY", 0),
    ("KRW", 0),
    ("CNY", 2),
    ("HKD", 2),
    ("TWD", 2),
    ("SGD", 2),
    ("MYR", 2),
    ("THB", 2),
    ("IDR", 2),
    ("PHP", 2),
    ("VND", 0),
    ("MXN", 2),
    ("BRL", 2),
    ("ARS", 2),
    ("CLP", 0),
    ("COP", 2),
    ("PEN", 2),
    ("UYU", 2),
    ("UAH", 2),
    ("KZT", 2),
    ("GEL", 2),
    ("RSD", 2),
];

/// The largest amount accepted anywhere: 10^13 minor units (a hundred billion dollars).
pub const MAX_MINOR_UNITS: i64 = 10_000_000_000_000;

impl Currency {
    pub const USD: Currency = Currency { code: "USD", exponent: 2 };

    /// The currency with the most decimals (KWD, 3): for checking an amount's shape before the
    /// site's currency is known.
    pub fn widest() -> Currency {
        Currency { code: "KWD", exponent: 3 }
    }

    /// `usd`, ` EUR ` → the currency; an unknown code is an error naming `field`.
    pub fn parse(raw: &str, field: &str) -> Result<Currency> {
        let code = raw.trim().to_ascii_uppercase();
        CURRENCIES
            .iter()
            .find(|(c, _)| *c == code)
            .map(|(code, exponent)| Currency { code, exponent: *exponent })
            .ok_or_else(|| {
                Error::invalid(format!(
                    "{field} {raw:?} is not a currency this edge knows (an ISO 4217 code such as USD, EUR, GBP)"
                ))
                .at(field)
            })
    }

    pub fn code(self) -> &'static str {
        self.code
    }

    /// Decimals of the minor unit.
    pub fn exponent(self) -> u8 {
        self.exponent
    }

    fn scale(self) -> i64 {
        10i64.pow(u32::from(self.exponent))
    }

    /// `12.50` (or `12.5`, `12`) → 1250 for USD. Dot decimals only, no sign, no thousands
    /// separators, at most the currency's decimals (more only if they are zeros); errors say
    /// what to write and name `field`.
    pub fn parse_amount(self, raw: &str, field: &str) -> Result<i64> {
        let text = raw.trim();
        let bad = |why: String| Error::invalid(format!("{field} {raw:?} {why}")).at(field);
        if text.is_empty() {
            return Err(bad("is empty; write an amount such as 12.50".into()));
        }
        if text.starts_with('-') {
            return Err(bad("is negative; amounts are 0 or more".into()));
        }
        let text = text.strip_prefix('+').unwrap_or(text);
        let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
        if text.contains(',') {
            return Err(bad("has a comma; write dot decimals without thousands separators (1234.50)".into()));
        }
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() && fraction.is_empty() || !digits(whole) || !digits(fraction) {
            return Err(bad("is not an amount; write digits with a dot for decimals (12.50)".into()));
        }
        let places = usize::from(self.exponent);
        let (kept, extra) = fraction.split_at(fraction.len().min(places));
        if !extra.bytes().all(|b| b == b'0') {
            return Err(bad(format!("has more than {places} decimals for {}", self.code)));
        }
        let whole: i64 = if whole.is_empty() {
            0
        } else if whole.len() > 15 {
            return Err(bad("is too large".into()));
        } else {
            whole.parse().map_err(|_| bad("is not an amount".into()))?
        };
        let mut minor_text = kept.to_string();
        while minor_text.len() < places {
            minor_text.push('0');
        }
        let minor: i64 = if minor_text.is_empty() { 0 } else { minor_text.parse().unwrap_or(0) };
        let total = whole.checked_mul(self.scale()).and_then(|w| w.checked_add(minor));
        match total {
            Some(t) if t <= MAX_MINOR_UNITS => Ok(t),
            _ => Err(bad("is too large".into())),
        }
    }

    /// 1250 → `12.50` (USD), 1250 → `1250` (JPY).
    pub fn format(self, minor: i64) -> String {
        let sign = if minor < 0 { "-" } else { "" };
        let abs = minor.unsigned_abs();
        if self.exponent == 0 {
            return format!("{sign}{abs}");
        }
        let scale = self.scale().unsigned_abs();
        let places = usize::from(self.exponent);
        format!("{sign}{}.{:0places$}", abs / scale, abs % scale)
    }

    /// The amount as a JSON number for platforms that take one (GA4, Meta): exact for every
    /// amount below 2^53 minor units.
    pub fn to_number(self, minor: i64) -> f64 {
        minor as f64 / self.scale() as f64
    }
}

impl Default for Currency {
    fn default() -> Self {
        Currency::USD
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.code)
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Currency::parse(&raw, "currency").map_err(|e| serde::de::Error::custom(e.to_string()))
    }
}

/// `total / count` in minor units, rounded half away from zero (a cost per call).
pub fn per(total: i64, count: u64) -> Option<i64> {
    if count == 0 {
        return None;
    }
    let count = i128::from(count);
    let total = i128::from(total);
    let q = (2 * total.abs() + count) / (2 * count);
    i64::try_from(if total < 0 { -q } else { q }).ok()
}

/// An amount with its currency, as a call's value is stored: `{"amount": "50.00",
/// "currency": "USD"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Money {
    pub minor: i64,
    pub currency: Currency,
}

#[derive(Serialize, Deserialize)]
struct MoneyText {
    amount: String,
    currency: Currency,
}

impl Money {
    pub fn amount(&self) -> String {
        self.currency.format(self.minor)
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        MoneyText { amount: self.amount(), currency: self.currency }.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let text = MoneyText::deserialize(d)?;
        let minor = text
            .currency
            .parse_amount(&text.amount, "amount")
            .map_err(|e| serde::de::Error::custom(e.to_string()))?;
        Ok(Money { minor, currency: text.currency })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd(s: &str) -> Result<i64> {
        Currency::USD.parse_amount(s, "spend")
    }

    #[test]
    fn amounts_are_read_as_people_write_them() {
        assert_eq!(usd("12.50").unwrap(), 1250);
        assert_eq!(usd("12.5").unwrap(), 1250);
        assert_eq!(usd("12").unwrap(), 1200);
        assert_eq!(usd(" .5 ").unwrap(), 50);
        assert_eq!(usd("0").unwrap(), 0);
        assert_eq!(usd("3.100").unwrap(), 310, "trailing zeros are the same amount");
        let jpy = Currency::parse("jpy", "currency").unwrap();
        assert_eq!(jpy.parse_amount("1500", "v").unwrap(), 1500);
        assert!(jpy.parse_amount("1500.5", "v").unwrap_err().to_string().contains("more than 0 decimals"));
        let kwd = Currency::parse("KWD", "currency").unwrap();
        assert_eq!(kwd.parse_amount("1.234", "v").unwrap(), 1234);
        for (raw, needle) in [
            ("12,50", "comma"),
            ("1,234.50", "comma"),
            ("-3.00", "negative"),
            ("12.505", "more than 2 decimals"),
            ("twelve", "not an amount"),
            ("1e3", "not an amount"),
            ("", "empty"),
            (".", "not an amount"),
            ("12.5.0", "not an amount"),
            ("99999999999999999999", "too large"),
        ] {
            let err = usd(raw).unwrap_err();
            assert_eq!(err.field(), Some("spend"), "{raw}");
            assert!(err.to_string().contains(needle), "{raw}: {err}");
        }
    }

    #[test]
    fn amounts_are_shown_in_their_currencys_decimals() {
        assert_eq!(Currency::USD.format(1250), "12.50");
        assert_eq!(Currency::USD.format(5), "0.05");
        assert_eq!(Currency::USD.format(-1250), "-12.50");
        assert_eq!(Currency::parse("JPY", "c").unwrap().format(1500), "1500");
        assert_eq!(Currency::parse("BHD", "c").unwrap().format(1005), "1.005");
        assert!(Currency::parse("XYZ", "currency").unwrap_err().to_string().contains("XYZ"));
        let m = Money { minor: 5000, currency: Currency::USD };
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(json, r#"{"amount":"50.00","currency":"USD"}"#);
        assert_eq!(serde_json::from_str::<Money>(&json).unwrap(), m);
    }

    #[test]
    fn costs_per_call_round_half_away_from_zero() {
        assert_eq!(per(1000, 3), Some(333));
        assert_eq!(per(1001, 2), Some(501), "5.005 rounds up");
        assert_eq!(per(-1001, 2), Some(-501));
        assert_eq!(per(1000, 0), None);
    }
}
