//! A site's money settings: the currency its spend and call values are in, the time zone its
//! ad platforms report in, the value of a qualified call without one, and the ad platforms
//! that learn which clicks became calls (GA4's Measurement Protocol, Meta's Conversions API).

use crate::error::{Error, Result};
use crate::money::Currency;
use serde::{Deserialize, Deserializer, Serialize};

/// An amount as an owner writes it: `"50.00"` or `50`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct AmountText(pub String);

impl<'de> Deserialize<'de> for AmountText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::String(s) => Ok(AmountText(s)),
            // The digits as written (serde_json keeps `12.50` as `12.5`, the same amount).
            serde_json::Value::Number(n) => Ok(AmountText(n.to_string())),
            _ => Err(serde::de::Error::custom("must be an amount such as \"50.00\"")),
        }
    }
}

/// GA4 as the owner sets it: the stream's measurement id and a Measurement Protocol API
/// secret (write-only: omitted on an update, the stored one is kept).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ga4Setup {
    pub measurement_id: String,
    #[serde(default)]
    pub api_secret: Option<String>,
}

/// Meta as the owner sets it: the pixel (dataset) id and a Conversions API access token
/// (write-only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetaSetup {
    pub pixel_id: String,
    #[serde(default)]
    pub access_token: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ga4 {
    pub measurement_id: String,
    pub api_secret: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetaPixel {
    pub pixel_id: String,
    pub access_token: String,
}

/// The money settings as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MoneySettings {
    pub currency: Currency,
    /// IANA zone of the site's ad accounts (Google Ads' conversion times are written in it).
    pub time_zone: String,
    /// Minor units a qualified call without a value of its own is worth (`None`: nothing).
    pub default_call_value: Option<i64>,
    pub ga4: Option<Ga4>,
    pub meta: Option<MetaPixel>,
}

impl Default for MoneySettings {
    fn default() -> Self {
        MoneySettings {
            currency: Currency::USD,
            time_zone: "UTC".into(),
            default_call_value: None,
            ga4: None,
            meta: None,
        }
    }
}

/// What [`MoneySettings::from_setup`] reads of a setup.
pub struct MoneySetup<'a> {
    pub currency: Option<&'a str>,
    pub time_zone: Option<&'a str>,
    pub default_call_value: Option<&'a AmountText>,
    pub ga4: Option<&'a Ga4Setup>,
    pub meta: Option<&'a MetaSetup>,
}

fn token(raw: &str, field: &str, lengths: std::ops::RangeInclusive<usize>, what: &str) -> Result<String> {
    let raw = raw.trim();
    let ok = lengths.contains(&raw.len())
        && raw.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if !ok {
        return Err(Error::invalid(format!(
            "{field} must be {what} ({}-{} letters, digits, - _ .)",
            lengths.start(),
            lengths.end()
        ))
        .at(field));
    }
    Ok(raw.to_string())
}

impl MoneySettings {
    /// Checks the settings; `previous` keeps the secrets an update leaves out, and
    /// `hours_zone` (the business hours' zone) is the time zone when none is given.
    pub fn from_setup(
        setup: MoneySetup<'_>,
        previous: Option<&MoneySettings>,
        hours_zone: Option<&str>,
    ) -> Result<Self> {
        let currency = match setup.currency.map(str::trim).filter(|c| !c.is_empty()) {
            Some(c) => Currency::parse(c, "currency")?,
            None => Currency::USD,
        };
        let zone = setup.time_zone.map(str::trim).filter(|z| !z.is_empty()).or(hours_zone).unwrap_or("UTC");
        if zone.len() > 64 || jiff::tz::TimeZone::get(zone).is_err() {
            return Err(Error::invalid(format!(
                "time_zone {zone:?} is not a known time zone (an IANA name such as America/Chicago)"
            ))
            .at("time_zone"));
        }
        let default_call_value = setup
            .default_call_value
            .map(|v| currency.parse_amount(&v.0, "default_call_value"))
            .transpose()?;
        let ga4 = setup
            .ga4
            .map(|g| {
                let measurement_id = g.measurement_id.trim().to_ascii_uppercase();
                let valid = measurement_id.strip_prefix("G-").is_some_and(|rest| {
                    (4..=20).contains(&rest.len()) && rest.bytes().all(|b| b.is_ascii_alphanumeric())
                });
                if !valid {
                    return Err(Error::invalid("ga4.measurement_id must be a GA4 measurement id such as G-ABC123XYZ")
                        .at("ga4.measurement_id"));
                }
                let kept = previous.and_then(|p| p.ga4.as_ref()).map(|p| p.api_secret.as_str());
                let secret = g.api_secret.as_deref().or(kept).ok_or_else(|| {
                    Error::invalid("ga4.api_secret is required (GA4: Admin → Data streams → Measurement Protocol API secrets)")
                        .at("ga4.api_secret")
                })?;
                let api_secret = token(secret, "ga4.api_secret", 8..=100, "a Measurement Protocol API secret")?;
                Ok(Ga4 { measurement_id, api_secret })
            })
            .transpose()?;
        let meta = setup
            .meta
            .map(|m| {
                let pixel_id = m.pixel_id.trim().to_string();
                if !(5..=20).contains(&pixel_id.len()) || !pixel_id.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(Error::invalid(
                        "meta.pixel_id must be the pixel's (dataset's) id, its digits",
                    )
                    .at("meta.pixel_id"));
                }
                let kept = previous.and_then(|p| p.meta.as_ref()).map(|p| p.access_token.as_str());
                let secret = m.access_token.as_deref().or(kept).ok_or_else(|| {
                    Error::invalid(
                        "meta.access_token is required (Events Manager → Settings → Conversions API)",
                    )
                    .at("meta.access_token")
                })?;
                let access_token =
                    token(secret, "meta.access_token", 20..=500, "a Conversions API access token")?;
                Ok(MetaPixel { pixel_id, access_token })
            })
            .transpose()?;
        Ok(MoneySettings { currency, time_zone: zone.to_string(), default_call_value, ga4, meta })
    }

    /// The default call value as the settings show it (`"50.00"`).
    pub fn default_call_value_text(&self) -> Option<String> {
        self.default_call_value.map(|v| self.currency.format(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup<'a>(currency: Option<&'a str>, value: Option<&'a AmountText>) -> MoneySetup<'a> {
        MoneySetup { currency, time_zone: None, default_call_value: value, ga4: None, meta: None }
    }

    #[test]
    fn defaults_and_checks() {
        let plain = MoneySettings::from_setup(setup(None, None), None, Some("America/Chicago")).unwrap();
        assert_eq!((plain.currency, plain.time_zone.as_str()), (Currency::USD, "America/Chicago"));
        let fifty = AmountText("50".into());
        let eur = MoneySettings::from_setup(setup(Some("eur"), Some(&fifty)), None, None).unwrap();
        assert_eq!(
            (eur.currency.code(), eur.default_call_value, eur.time_zone.as_str()),
            ("EUR", Some(5000), "UTC")
        );
        assert_eq!(eur.default_call_value_text().as_deref(), Some("50.00"));
        let bad = AmountText("50,00".into());
        assert_eq!(
            MoneySettings::from_setup(setup(None, Some(&bad)), None, None).unwrap_err().field(),
            Some("default_call_value")
        );
        assert_eq!(
            MoneySettings::from_setup(setup(Some("ABC"), None), None, None).unwrap_err().field(),
            Some("currency")
        );
        let mars = MoneySetup { time_zone: Some("Mars/Base"), ..setup(None, None) };
        assert_eq!(MoneySettings::from_setup(mars, None, None).unwrap_err().field(), Some("time_zone"));
    }

    #[test]
    fn platform_secrets_are_required_once_then_kept() {
        let ga4 = Ga4Setup { measurement_id: "g-abc123".into(), api_secret: None };
        let meta = MetaSetup { pixel_id: "123456789012345".into(), access_token: Some("EAAB".repeat(8)) };
        let first = MoneySetup { ga4: Some(&ga4), ..setup(None, None) };
        assert_eq!(MoneySettings::from_setup(first, None, None).unwrap_err().field(), Some("ga4.api_secret"));
        let with_secret = Ga4Setup { api_secret: Some("s3cret-value".into()), ..ga4.clone() };
        let stored = MoneySettings::from_setup(
            MoneySetup { ga4: Some(&with_secret), meta: Some(&meta), ..setup(None, None) },
            None,
            None,
        )
        .unwrap();
        assert_eq!(stored.ga4.as_ref().unwrap().measurement_id, "G-ABC123");
        let again = MoneySettings::from_setup(
            MoneySetup { ga4: Some(&ga4), ..setup(None, None) },
            Some(&stored),
            None,
        )
        .unwrap();
        assert_eq!(again.ga4.unwrap().api_secret, "s3cret-value", "a secret left out is kept");
        let bad_pixel = MetaSetup { pixel_id: "px-1".into(), access_token: None };
        let err =
            MoneySettings::from_setup(MoneySetup { meta: Some(&bad_pixel), ..setup(None, None) }, None, None);
        assert_eq!(err.unwrap_err().field(), Some("meta.pixel_id"));
        let bad_id = Ga4Setup { measurement_id: "UA-1234-1".into(), api_secret: Some("s3cret-value".into()) };
        let err =
            MoneySettings::from_setup(MoneySetup { ga4: Some(&bad_id), ..setup(None, None) }, None, None);
        assert_eq!(err.unwrap_err().field(), Some("ga4.measurement_id"));
    }
}
