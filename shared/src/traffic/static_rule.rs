//! Static numbers: a site's fixed numbers for whole traffic sources ("every visitor from
//! Facebook sees this number"), which win over the pool. A call to one is credited to the
//! rule's source rather than to a session.

use crate::error::{Error, Result};
use crate::traffic::{Channel, TrafficSource};
use phone::PhoneNumber;
use serde::{Deserialize, Serialize};

/// A rule as a site owner writes it: the number and the conditions (all must hold).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaticRuleSetup {
    pub number: String,
    #[serde(default)]
    pub channel: Option<String>,
    #[serde(default)]
    pub utm_source: Option<String>,
    #[serde(default)]
    pub utm_medium: Option<String>,
    #[serde(default)]
    pub utm_campaign: Option<String>,
    /// Which of the site's business numbers it replaces (default: the main one).
    #[serde(default)]
    pub business_number: Option<String>,
}

/// A validated rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaticRule {
    pub number: PhoneNumber,
    pub channel: Option<Channel>,
    pub source: Option<String>,
    pub medium: Option<String>,
    pub campaign: Option<String>,
    /// Calls to it forward here (`None`: the site's main business number).
    #[serde(default)]
    pub business_number: Option<PhoneNumber>,
}

fn lower(v: &Option<String>) -> Option<String> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_lowercase)
}

impl StaticRule {
    pub fn from_setup(setup: &StaticRuleSetup) -> Result<Self> {
        let number = PhoneNumber::parse(&setup.number)?;
        let channel = match setup.channel.as_deref() {
            None => None,
            Some(c) => Some(Channel::parse(c).ok_or_else(|| {
                Error::invalid(format!(
                    "static number {number}: channel {c:?} is not one of paid search, paid social, organic \\
                     search, organic social, email, display, referral, other, direct"
                ))
            })?),
        };
        let rule = StaticRule {
            number,
            channel,
            source: lower(&setup.utm_source),
            medium: lower(&setup.utm_medium),
            campaign: lower(&setup.utm_campaign),
            business_number: setup.business_number.as_deref().map(PhoneNumber::parse).transpose()?,
        };
        if rule.channel.is_none() && rule.source.is_none() && rule.medium.is_none() && rule.campaign.is_none()
        {
            return Err(Error::invalid(format!(
                "static number {}: give at least one of channel, utm_source, utm_medium, utm_campaign",
                rule.number
            )));
        }
        Ok(rule)
    }

    /// Whether a visit from `source` gets this number.
    pub fn matches(&self, source: &TrafficSource) -> bool {
        let eq = |want: &Option<String>, have: Option<&str>| {
            want.as_deref().is_none_or(|w| have.is_some_and(|h| h.eq_ignore_ascii_case(w)))
        };
        self.channel.is_none_or(|c| c == source.channel)
            && eq(&self.source, Some(&source.source))
            && eq(&self.medium, Some(&source.medium))
            && eq(&self.campaign, source.campaign.as_deref())
    }

    /// The source a call to this number is credited to: what the rule names.
    pub fn credited_source(&self) -> TrafficSource {
        TrafficSource {
            channel: self.channel.unwrap_or_default(),
            source: self.source.clone().unwrap_or_else(|| "(static number)".into()),
            medium: self.medium.clone().unwrap_or_else(|| "(static number)".into()),
            campaign: self.campaign.clone(),
            term: None,
            content: None,
            referrer: None,
            landing_page: None,
            ad_ids: crate::traffic::AdIds::default(),
        }
    }
}

/// The first rule (in the site's order) that `source` matches.
pub fn static_rule_for<'a>(rules: &'a [StaticRule], source: &TrafficSource) -> Option<&'a StaticRule> {
    rules.iter().find(|r| r.matches(source))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::traffic::Visit;

    fn rule(channel: Option<&str>, source: Option<&str>) -> Result<StaticRule> {
        StaticRule::from_setup(&StaticRuleSetup {
            number: "+15550100777".into(),
            channel: channel.map(Into::into),
            utm_source: source.map(Into::into),
            business_number: None,
            utm_medium: None,
            utm_campaign: None,
        })
    }

    fn from(source: Option<&str>, referrer: Option<&str>) -> TrafficSource {
        TrafficSource::from_visit(&Visit {
            utm_source: source.map(Into::into),
            referrer: referrer.map(Into::into),
            landing_page: Some("https://a.example/".into()),
            ..Visit::default()
        })
    }

    #[test]
    fn rules_match_by_source_or_channel() {
        let facebook = rule(None, Some("Facebook")).unwrap();
        assert!(facebook.matches(&from(Some("facebook"), None)));
        assert!(!facebook.matches(&from(Some("google"), None)));
        let organic = rule(Some("organic search"), None).unwrap();
        assert!(organic.matches(&from(None, Some("https://www.google.com/"))));
        assert!(!organic.matches(&from(None, None)));
        let rules = [facebook, organic];
        assert_eq!(static_rule_for(&rules, &from(None, Some("https://www.bing.com/"))), Some(&rules[1]));
        assert_eq!(rules[1].credited_source().channel, Channel::OrganicSearch);
    }

    #[test]
    fn bad_rules_say_what_is_wrong() {
        assert!(rule(None, None).unwrap_err().to_string().contains("at least one"));
        assert!(rule(Some("carrier pigeon"), None).unwrap_err().to_string().contains("not one of"));
    }
}
