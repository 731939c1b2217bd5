//! Screen pops: a card for each incoming call, on every page, that follows the call — ringing,
//! answered, then missed or ended — and leaves some seconds after the end unless the pointer
//! is on it (or, should the end never be heard, 4 hours after the call started).

use super::board::{has_ended, live_until};
use shared::wire::{CallView, CallerHistory, LiveEvent, CALL_ANSWERED, CALL_ENDED_LIVE, CALL_INCOMING};

/// Cards shown at most; a new call pushes out the oldest (an ended one first).
pub const MAX_CARDS: usize = 5;
/// How long a card stays after its call ended (ms)…
const ENDED_STAYS_MS: i64 = 8_000;
/// …or ended unanswered: someone may want to call back.
const MISSED_STAYS_MS: i64 = 20_000;
/// How long a card stays once the pointer left it, when its time was up (ms).
const AFTER_HOVER_MS: i64 = 3_000;
/// The last part of a card's stay, when it fades (ms; the stylesheet's transition).
pub const FADE_MS: i64 = 1_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PopState {
    Ringing,
    /// Picked up; the call goes on.
    Answered,
    /// Ended without an answer (busy, failed, hung up while ringing).
    Missed,
    /// Ended after an answer.
    Ended,
}

impl PopState {
    /// `data-state`.
    pub fn as_str(self) -> &'static str {
        match self {
            PopState::Ringing => "ringing",
            PopState::Answered => "answered",
            PopState::Missed => "missed",
            PopState::Ended => "ended",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            PopState::Ringing => "Incoming call",
            PopState::Answered => "Answered",
            PopState::Missed => "Missed call",
            PopState::Ended => "Call ended",
        }
    }

    fn is_over(self) -> bool {
        matches!(self, PopState::Missed | PopState::Ended)
    }

    /// The state after an event named `event` about `call`: over is over, an answer is kept.
    fn after(self, event: &str, call: &CallView) -> PopState {
        if self.is_over() {
            return self;
        }
        let answered = self == PopState::Answered || call.answered;
        if event == CALL_ENDED_LIVE || has_ended(call) {
            if answered {
                PopState::Ended
            } else {
                PopState::Missed
            }
        } else if event == CALL_ANSWERED || answered {
            PopState::Answered
        } else {
            self
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pop {
    pub call: CallView,
    pub caller: CallerHistory,
    /// The business line called (`None` for a masked call).
    pub line: Option<String>,
    pub state: PopState,
    /// When the card leaves (ms; set when the call ends). Until then, at the live horizon
    /// ([`live_until`]): a call whose end was never heard does not ring forever.
    leave_at: Option<i64>,
    hovered: bool,
}

impl Pop {
    pub fn sid(&self) -> &str {
        &self.call.call_sid
    }

    /// The caller called before.
    pub fn repeat(&self) -> bool {
        self.call.repeat || self.caller.earlier_calls > 0
    }

    /// In the last moment of its stay: the card fades.
    pub fn fading(&self, now_ms: i64) -> bool {
        !self.hovered && self.leaves_at() - now_ms <= FADE_MS
    }

    /// When the card leaves (ms): some seconds after the end, or at the live horizon.
    fn leaves_at(&self) -> i64 {
        self.leave_at.unwrap_or_else(|| live_until(&self.call))
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pops {
    /// Oldest first.
    cards: Vec<Pop>,
}

impl Pops {
    pub fn get(&self, sid: &str) -> Option<&Pop> {
        self.cards.iter().find(|p| p.sid() == sid)
    }

    /// The call ids, oldest first (the stack's keys).
    pub fn sids(&self) -> Vec<String> {
        self.cards.iter().map(|p| p.call.call_sid.clone()).collect()
    }

    /// An event of the stream at `now_ms`. An incoming call gets a card when `fresh` (not a
    /// replay of what happened long ago); other events change the card their call has.
    /// True when a card appeared.
    pub fn apply(&mut self, event: &LiveEvent, now_ms: i64, fresh: bool) -> bool {
        if let Some(card) = self.cards.iter_mut().find(|p| p.call.call_sid == event.call.call_sid) {
            let was_over = card.state.is_over();
            card.state = card.state.after(&event.event, &event.call);
            card.call = event.call.clone();
            if !was_over && card.state.is_over() {
                let stays = if card.state == PopState::Missed { MISSED_STAYS_MS } else { ENDED_STAYS_MS };
                card.leave_at = Some(now_ms + stays);
            }
            return false;
        }
        if event.event != CALL_INCOMING || !fresh {
            return false;
        }
        let state = PopState::Ringing.after(&event.event, &event.call);
        if state.is_over() || live_until(&event.call) <= now_ms {
            return false;
        }
        if self.cards.len() >= MAX_CARDS {
            let out = self.cards.iter().position(|p| p.state != PopState::Ringing).unwrap_or(0);
            self.cards.remove(out);
        }
        self.cards.push(Pop {
            call: event.call.clone(),
            caller: event.caller.clone(),
            line: event.line.clone(),
            state,
            leave_at: None,
            hovered: false,
        });
        true
    }

    pub fn dismiss(&mut self, sid: &str) {
        self.cards.retain(|p| p.sid() != sid);
    }

    /// The pointer entered (`true`) or left a card: a card under the pointer stays.
    pub fn hover(&mut self, sid: &str, on: bool, now_ms: i64) {
        if let Some(card) = self.cards.iter_mut().find(|p| p.sid() == sid) {
            card.hovered = on;
            // A card whose time came while under the pointer stays a few seconds more.
            if !on && (card.leave_at.is_some() || card.leaves_at() < now_ms + AFTER_HOVER_MS) {
                card.leave_at = Some(card.leaves_at().max(now_ms + AFTER_HOVER_MS));
            }
        }
    }

    /// Whether a card is due to leave at `now_ms` (then [`Pops::expire`] changes something).
    pub fn due(&self, now_ms: i64) -> bool {
        self.cards.iter().any(|p| !p.hovered && p.leaves_at() <= now_ms)
    }

    /// Takes away the cards whose time is up.
    pub fn expire(&mut self, now_ms: i64) {
        self.cards.retain(|p| p.hovered || p.leaves_at() > now_ms);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::board::tests::event;

    fn state(pops: &Pops, sid: &str) -> Option<&'static str> {
        pops.get(sid).map(|p| p.state.as_str())
    }

    #[test]
    fn a_card_rings_then_is_answered_then_ends_and_leaves() {
        let mut pops = Pops::default();
        assert!(pops.apply(&event(1, "call.incoming", "CA1", |_| {}), 0, true));
        assert_eq!(state(&pops, "CA1"), Some("ringing"));
        assert!(!pops.apply(&event(2, "call.answered", "CA1", |_| {}), 1_000, true));
        assert_eq!(state(&pops, "CA1"), Some("answered"));
        // The customer id arrives while they talk: still answered.
        pops.apply(&event(3, "call.updated", "CA1", |c| c.customer_id = Some("C-7".into())), 2_000, true);
        assert_eq!(state(&pops, "CA1"), Some("answered"));
        assert_eq!(pops.get("CA1").and_then(|p| p.call.customer_id.as_deref()), Some("C-7"));
        // The talk goes on as long as it does: the card stays.
        assert!(!pops.due(600_000));
        pops.apply(&event(4, "call.ended", "CA1", |c| c.answered = true), 600_000, true);
        assert_eq!(state(&pops, "CA1"), Some("ended"));
        assert!(!pops.due(600_000 + ENDED_STAYS_MS - 1));
        assert!(pops.get("CA1").is_some_and(|p| p.fading(600_000 + ENDED_STAYS_MS - FADE_MS)));
        assert!(pops.due(600_000 + ENDED_STAYS_MS));
        pops.expire(600_000 + ENDED_STAYS_MS);
        assert!(pops.sids().is_empty());
    }

    #[test]
    fn a_call_that_ends_unanswered_is_missed_and_stays_longer() {
        let mut pops = Pops::default();
        pops.apply(&event(1, "call.incoming", "CA1", |_| {}), 0, true);
        pops.apply(&event(2, "call.ended", "CA1", |_| {}), 30_000, true);
        assert_eq!(state(&pops, "CA1"), Some("missed"));
        // A later event (the voicemail's recording) changes nothing of that.
        pops.apply(&event(3, "call.updated", "CA1", |c| c.voicemail = true), 31_000, true);
        assert_eq!(state(&pops, "CA1"), Some("missed"));
        assert!(!pops.due(30_000 + ENDED_STAYS_MS));
        assert!(pops.due(30_000 + MISSED_STAYS_MS));
        // Busy, failed: missed too.
        pops.apply(&event(4, "call.incoming", "CA2", |_| {}), 0, true);
        pops.apply(&event(5, "call.ended", "CA2", |c| c.status = Some(shared::CallStatus::Busy)), 0, true);
        assert_eq!(state(&pops, "CA2"), Some("missed"));
    }

    #[test]
    fn a_card_under_the_pointer_stays() {
        let mut pops = Pops::default();
        pops.apply(&event(1, "call.incoming", "CA1", |_| {}), 0, true);
        pops.apply(&event(2, "call.ended", "CA1", |c| c.answered = true), 0, true);
        pops.hover("CA1", true, 5_000);
        assert!(!pops.due(60_000));
        pops.expire(60_000);
        assert!(pops.get("CA1").is_some_and(|p| !p.fading(60_000)));
        // Left: a few more seconds, then it goes.
        pops.hover("CA1", false, 60_000);
        assert!(!pops.due(60_000 + AFTER_HOVER_MS - 1));
        pops.expire(60_000 + AFTER_HOVER_MS);
        assert!(pops.sids().is_empty());
    }

    #[test]
    fn a_card_whose_call_never_ends_leaves_4_hours_after_it_started() {
        use crate::live::board::LIVE_HORIZON_MS;
        let mut pops = Pops::default();
        let ringing = event(1, "call.incoming", "RING", |_| {});
        let start = ringing.call.started_at.millis();
        pops.apply(&ringing, start, true);
        pops.apply(
            &event(2, "call.incoming", "TALK", |c| c.started_at = c.started_at.plus_secs(60)),
            start,
            true,
        );
        pops.apply(
            &event(3, "call.answered", "TALK", |c| c.started_at = c.started_at.plus_secs(60)),
            start,
            true,
        );
        let horizon = start + LIVE_HORIZON_MS;
        assert!(!pops.due(horizon - 1));
        assert!(pops
            .get("RING")
            .is_some_and(|p| !p.fading(horizon - FADE_MS - 1) && p.fading(horizon - FADE_MS)));
        assert!(pops.due(horizon));
        pops.expire(horizon);
        assert_eq!(pops.sids(), ["TALK"]);
        // Under the pointer at its horizon: it stays, then goes a few seconds after.
        pops.hover("TALK", true, horizon);
        pops.expire(horizon + 120_000);
        assert_eq!(pops.sids(), ["TALK"]);
        pops.hover("TALK", false, horizon + 120_000);
        assert!(!pops.due(horizon + 120_000 + AFTER_HOVER_MS - 1));
        pops.expire(horizon + 120_000 + AFTER_HOVER_MS);
        assert!(pops.sids().is_empty());
        // A call already past its horizon gets no card (nor a notification, nor the tone).
        assert!(!pops.apply(&event(4, "call.incoming", "OLD", |_| {}), horizon, true));
        assert!(pops.sids().is_empty());
    }

    #[test]
    fn only_a_fresh_incoming_call_gets_a_card() {
        let mut pops = Pops::default();
        // Replayed from long ago, or events about a call without a card.
        assert!(!pops.apply(&event(1, "call.incoming", "OLD", |_| {}), 0, false));
        assert!(!pops.apply(&event(2, "call.answered", "CA1", |_| {}), 0, true));
        assert!(!pops.apply(&event(3, "call.ended", "CA2", |_| {}), 0, true));
        assert!(pops.sids().is_empty());
        // Dismissed: its later events bring nothing back.
        pops.apply(&event(4, "call.incoming", "CA3", |_| {}), 0, true);
        pops.dismiss("CA3");
        pops.apply(&event(5, "call.answered", "CA3", |_| {}), 0, true);
        assert!(pops.sids().is_empty());
    }

    #[test]
    fn a_full_stack_lets_an_ended_card_go_first() {
        let mut pops = Pops::default();
        for n in 1..=MAX_CARDS as u64 {
            pops.apply(&event(n, "call.incoming", &format!("CA{n}"), |_| {}), 0, true);
        }
        pops.apply(&event(10, "call.ended", "CA3", |_| {}), 0, true);
        pops.apply(&event(11, "call.incoming", "CA6", |_| {}), 0, true);
        assert_eq!(pops.sids(), ["CA1", "CA2", "CA4", "CA5", "CA6"]);
        pops.apply(&event(12, "call.incoming", "CA7", |_| {}), 0, true);
        assert_eq!(pops.sids(), ["CA2", "CA4", "CA5", "CA6", "CA7"], "all ringing: the oldest goes");
    }
}
