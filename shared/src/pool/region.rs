//! Where a visitor is (from `request.cf`) and how well a number's region suits them.

use serde::{Deserialize, Serialize};

/// Where the visitor is, as the edge reads it from `request.cf`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Region {
    /// ISO 3166-1 alpha-2, e.g. `US`.
    pub country: Option<String>,
    /// Region name, e.g. `Texas`.
    pub region: Option<String>,
    /// ISO 3166-2 subdivision code without the country, e.g. `TX`.
    #[serde(default)]
    pub region_code: Option<String>,
    pub city: Option<String>,
}

impl Region {
    /// `Austin, Texas, US`: the most precise parts known, joined for display.
    pub fn label(&self) -> Option<String> {
        let parts: Vec<&str> =
            [&self.city, &self.region, &self.country].into_iter().flatten().map(String::as_str).collect();
        (!parts.is_empty()).then(|| parts.join(", "))
    }

    /// Where the visitor is as consent settings name places (ISO 3166-2 `US-CA`, else ISO
    /// 3166-1 `ES`), if known.
    pub fn place(&self) -> Option<String> {
        self.subdivision().or_else(|| self.country.as_deref().map(str::to_ascii_uppercase))
    }

    /// `US-TX` when both parts are known.
    fn subdivision(&self) -> Option<String> {
        Some(format!("{}-{}", self.country.as_deref()?, self.region_code.as_deref()?).to_ascii_uppercase())
    }
}

/// Normalises a region code a site owner writes for a number: `US`, `us-tx` → `US-TX`.
pub fn normalize_region_code(code: &str) -> Option<String> {
    let code = code.trim().to_ascii_uppercase();
    let (country, sub) = code.split_once('-').map_or((code.as_str(), None), |(c, s)| (c, Some(s)));
    let country_ok = country.len() == 2 && country.bytes().all(|b| b.is_ascii_uppercase());
    let sub_ok =
        sub.is_none_or(|s| (1..=3).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric()));
    (country_ok && sub_ok).then_some(code)
}

/// How well a number tagged `number_region` suits a visitor: lower is better.
pub(super) fn region_rank(number_region: Option<&str>, visitor: &Region, home: Option<&str>) -> u8 {
    let Some(nr) = number_region else { return 4 };
    let country_of = |code: &str| code.split('-').next().unwrap_or("").to_string();
    let visitor_sub = visitor.subdivision();
    let visitor_country = visitor.country.as_deref().map(str::to_ascii_uppercase);
    if visitor_sub.as_deref() == Some(nr) {
        0
    } else if !nr.contains('-') && visitor_country.as_deref() == Some(nr) {
        1
    } else if home == Some(nr) {
        2
    } else if home.is_some_and(|h| !nr.contains('-') && country_of(h) == nr) {
        3
    } else {
        4
    }
}
