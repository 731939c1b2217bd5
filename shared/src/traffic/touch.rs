//! A visitor's touches — each arrival with its traffic source — and the attribution model
//! that decides which touch their session, and so their call, is credited to.

use crate::support::Timestamp;
use crate::traffic::{Channel, TrafficSource};
use serde::{Deserialize, Serialize};

/// One arrival of a visitor at the site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Touch {
    pub at: Timestamp,
    pub source: TrafficSource,
}

/// Which of a visitor's touches gets the credit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttributionModel {
    /// The touch that first brought the visitor.
    FirstTouch,
    /// The most recent touch, direct or not.
    LastTouch,
    /// The most recent touch that was not direct, so a visitor who clicked an ad and later
    /// typed the address in is still credited to the ad; direct only if nothing else.
    #[default]
    LastNonDirect,
}

/// Most touches kept per visitor: the first one and the most recent ones.
const MAX_TOUCHES: usize = 50;

/// A visitor's touches within the site's touch lifetime, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TouchHistory {
    touches: Vec<Touch>,
}

impl TouchHistory {
    pub fn touches(&self) -> &[Touch] {
        &self.touches
    }

    fn forget_before(&mut self, now: Timestamp, lifetime_secs: i64) {
        let horizon = Timestamp(now.millis().saturating_sub(lifetime_secs.saturating_mul(1000)));
        self.touches.retain(|t| t.at >= horizon);
    }

    /// Adds a touch; forgets touches older than the lifetime and, past `MAX_TOUCHES`, the
    /// oldest but the first (first-touch attribution still needs it).
    pub fn record(&mut self, touch: Touch, lifetime_secs: i64) {
        let now = touch.at;
        self.touches.retain(|t| t.at <= now); // a clock that went back replaces the future
        self.touches.push(touch);
        self.forget_before(now, lifetime_secs);
        while self.touches.len() > MAX_TOUCHES {
            self.touches.remove(1);
        }
    }

    /// The touch the model credits among those within the lifetime.
    pub fn credited(&self, model: AttributionModel, now: Timestamp, lifetime_secs: i64) -> Option<&Touch> {
        let horizon = Timestamp(now.millis().saturating_sub(lifetime_secs.saturating_mul(1000)));
        let mut live = self.touches.iter().filter(|t| t.at >= horizon && t.at <= now);
        match model {
            AttributionModel::FirstTouch => live.next(),
            AttributionModel::LastTouch => live.next_back(),
            AttributionModel::LastNonDirect => {
                let all: Vec<&Touch> = live.collect();
                all.iter().rev().find(|t| t.source.channel != Channel::Direct).or(all.last()).copied()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::traffic::Visit;

    const DAY: i64 = 24 * 3600;

    fn touch(day: i64, source: Option<&str>) -> Touch {
        let visit = Visit {
            utm_source: source.map(Into::into),
            utm_medium: source.map(|_| "cpc".into()),
            landing_page: Some("https://a.example/".into()),
            ..Visit::default()
        };
        Touch { at: Timestamp(day * DAY * 1000), source: TrafficSource::from_visit(&visit) }
    }

    fn history(touches: &[Touch]) -> TouchHistory {
        let mut h = TouchHistory::default();
        for t in touches {
            h.record(t.clone(), 90 * DAY);
        }
        h
    }

    fn credited(h: &TouchHistory, model: AttributionModel, day: i64) -> Option<String> {
        h.credited(model, Timestamp(day * DAY * 1000), 90 * DAY).map(|t| t.source.source.clone())
    }

    #[test]
    fn each_model_credits_its_touch() {
        let h = history(&[touch(1, Some("google")), touch(3, Some("facebook")), touch(5, None)]);
        assert_eq!(credited(&h, AttributionModel::FirstTouch, 6).as_deref(), Some("google"));
        assert_eq!(credited(&h, AttributionModel::LastTouch, 6).as_deref(), Some("(direct)"));
        assert_eq!(credited(&h, AttributionModel::LastNonDirect, 6).as_deref(), Some("facebook"));
        let direct_only = history(&[touch(1, None)]);
        assert_eq!(credited(&direct_only, AttributionModel::LastNonDirect, 2).as_deref(), Some("(direct)"));
        assert_eq!(AttributionModel::default(), AttributionModel::LastNonDirect);
    }

    #[test]
    fn touches_expire_after_the_lifetime() {
        let h = history(&[touch(1, Some("google")), touch(60, Some("bing"))]);
        assert_eq!(credited(&h, AttributionModel::FirstTouch, 80).as_deref(), Some("google"));
        assert_eq!(credited(&h, AttributionModel::FirstTouch, 92).as_deref(), Some("bing"));
        assert_eq!(credited(&h, AttributionModel::FirstTouch, 200), None);
    }

    #[test]
    fn history_is_bounded_but_keeps_the_first_touch() {
        let touches: Vec<Touch> = (0..80).map(|d| touch(d, Some(&format!("s{d}")))).collect();
        let h = history(&touches);
        assert_eq!(h.touches().len(), MAX_TOUCHES);
        assert_eq!(credited(&h, AttributionModel::FirstTouch, 80).as_deref(), Some("s0"));
        assert_eq!(credited(&h, AttributionModel::LastTouch, 80).as_deref(), Some("s79"));
    }
}
