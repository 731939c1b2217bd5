//! What the Live page shows: the calls ringing or talking now, and the last calls that ended,
//! from the calls in progress loaded once and the stream's events on top.

use shared::wire::{CallView, CallerHistory, LiveEvent, CALL_ENDED_LIVE};
use std::collections::VecDeque;

/// How many ended calls the page keeps.
pub const RECENT_CALLS: usize = 20;

/// A call still ringing or talking this long after it started is no longer shown as live: its
/// end was never heard (`call.ended` lost). The server's horizon for `/calls/live`
/// (`shared::wire::LIVE_CALL_HORIZON_SECS`), in ms.
pub const LIVE_HORIZON_MS: i64 = shared::wire::LIVE_CALL_HORIZON_SECS * 1000;

/// When `call` stops being shown as live unless its end is heard first (ms).
pub fn live_until(call: &CallView) -> i64 {
    call.started_at.millis().saturating_add(LIVE_HORIZON_MS)
}

/// A call as the stream describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveCall {
    pub call: CallView,
    /// The caller's earlier calls (`None`: loaded from `/calls/live`, which does not say).
    pub caller: Option<CallerHistory>,
    /// The business line called (`None`: masked, or not known).
    pub line: Option<String>,
}

impl LiveCall {
    fn of(event: &LiveEvent) -> LiveCall {
        LiveCall { call: event.call.clone(), caller: Some(event.caller.clone()), line: event.line.clone() }
    }

    /// The caller called before.
    pub fn repeat(&self) -> bool {
        self.call.repeat || self.caller.as_ref().is_some_and(|c| c.earlier_calls > 0)
    }

    /// Someone picked up.
    pub fn answered(&self) -> bool {
        self.call.answered
    }

    /// How the call ended, a word for `data-outcome`: `answered`, `missed`, `busy`, `failed`.
    pub fn outcome(&self) -> &'static str {
        match self.call.outcome {
            Some(shared::CallOutcome::Answered) => "answered",
            Some(shared::CallOutcome::Missed) => "missed",
            Some(shared::CallOutcome::Busy) => "busy",
            Some(shared::CallOutcome::Failed) => "failed",
            None if self.call.answered => "answered",
            None => "missed",
        }
    }
}

/// The call is over, whatever event said so.
pub fn has_ended(call: &CallView) -> bool {
    call.status.is_some_and(|s| s.is_final()) || call.ended_at.is_some()
}

/// How far along a call is: a later state is never undone by an older event.
fn progress(call: &CallView) -> u8 {
    if has_ended(call) {
        2
    } else if call.answered {
        1
    } else {
        0
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LiveBoard {
    /// Newest first.
    in_progress: Vec<LiveCall>,
    /// Newest first, at most [`RECENT_CALLS`].
    recent: VecDeque<LiveCall>,
    /// While the calls in progress load: the events that came meanwhile, applied again on top.
    reloading: Option<Vec<LiveEvent>>,
    /// The calls in progress were loaded (or could not be: then the stream's alone count).
    loaded: bool,
}

impl LiveBoard {
    pub fn in_progress(&self) -> &[LiveCall] {
        &self.in_progress
    }

    pub fn recent(&self) -> impl Iterator<Item = &LiveCall> {
        self.recent.iter()
    }

    pub fn loaded(&self) -> bool {
        self.loaded
    }

    /// The calls in progress are being loaded again (the first connection, a reset). Events
    /// are recorded from the first of overlapping loads on, for the last one to apply.
    pub fn begin_reload(&mut self) {
        self.reloading.get_or_insert_with(Vec::new);
    }

    /// The calls in progress as `/calls/live` answered, with what the stream said since.
    pub fn reloaded(&mut self, calls: Vec<CallView>) {
        let since = self.reloading.take().unwrap_or_default();
        self.loaded = true;
        let known = std::mem::take(&mut self.in_progress);
        self.in_progress = calls
            .into_iter()
            .filter(|c| !has_ended(c))
            .map(|call| {
                // What the stream said of the caller and line outlives the reload.
                let before = known.iter().find(|k| k.call.call_sid == call.call_sid);
                LiveCall {
                    caller: before.and_then(|b| b.caller.clone()),
                    line: before.and_then(|b| b.line.clone()),
                    call,
                }
            })
            .collect();
        self.sort();
        for event in &since {
            self.apply(event);
        }
    }

    /// The calls in progress could not be loaded: keep what the stream says.
    pub fn reload_failed(&mut self) {
        self.reloading = None;
        self.loaded = true;
    }

    /// Whether a call in progress is past the live horizon at `now_ms` (then
    /// [`LiveBoard::expire`] changes something).
    pub fn due(&self, now_ms: i64) -> bool {
        self.in_progress.iter().any(|c| live_until(&c.call) <= now_ms)
    }

    /// Takes away the calls in progress whose end was never heard, 4 hours after they started
    /// (as `/calls/live` leaves them out). Should their end come after all, it is among the
    /// recent as any other.
    pub fn expire(&mut self, now_ms: i64) {
        self.in_progress.retain(|c| live_until(&c.call) > now_ms);
    }

    /// An event of the stream (new: the seq gate let it through).
    pub fn apply(&mut self, event: &LiveEvent) {
        if let Some(pending) = &mut self.reloading {
            pending.push(event.clone());
        }
        let sid = &event.call.call_sid;
        let ended = event.event == CALL_ENDED_LIVE || has_ended(&event.call);
        let was_recent = self.recent.iter().position(|c| &c.call.call_sid == sid);
        let at = self.in_progress.iter().position(|c| &c.call.call_sid == sid);
        if ended || was_recent.is_some() {
            // Over: not in progress any more (also when the calls loaded said otherwise).
            if let Some(i) = at {
                self.in_progress.remove(i);
            }
            match was_recent {
                // A recording or transcript after the end: the call stays where it is.
                Some(i) => {
                    if progress(&event.call) >= progress(&self.recent[i].call) {
                        self.recent[i].call = event.call.clone();
                    }
                }
                None => {
                    self.recent.push_front(LiveCall::of(event));
                    self.recent.truncate(RECENT_CALLS);
                }
            }
            return;
        }
        if event.at.millis() >= live_until(&event.call) {
            // Said of a call past the horizon (a late update of one whose end was lost): not
            // live any more.
            if let Some(i) = at {
                self.in_progress.remove(i);
            }
            return;
        }
        match at {
            Some(i) => {
                let known = &mut self.in_progress[i];
                if progress(&event.call) >= progress(&known.call) {
                    known.call = event.call.clone();
                }
                known.caller = Some(event.caller.clone());
                known.line.clone_from(&event.line);
            }
            None => {
                self.in_progress.push(LiveCall::of(event));
                self.sort();
            }
        }
    }

    fn sort(&mut self) {
        self.in_progress.sort_by_key(|c| std::cmp::Reverse(c.call.started_at));
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use shared::Timestamp;

    /// A call's JSON as the calls API writes it, ringing, started at 10:00:00.
    pub(crate) fn call(sid: &str) -> CallView {
        serde_json::from_value(serde_json::json!({
            "call_sid": sid, "from": "+15550100111", "to": "+15550100200",
            "started_at": "2026-03-02T10:00:00.000Z", "attributed": true, "channel": "paid search",
            "late": false, "other_candidates": 0, "overflow": false, "repeat": false,
            "static_number": false, "source": "google", "medium": "cpc", "campaign": "spring",
            "status": "ringing",
        }))
        .expect("a call view")
    }

    /// Event `seq` named `name` of call `sid`, its call changed by `edit`.
    pub(crate) fn event(seq: u64, name: &str, sid: &str, edit: impl FnOnce(&mut CallView)) -> LiveEvent {
        let mut call = call(sid);
        match name {
            "call.answered" => {
                call.status = Some(shared::CallStatus::InProgress);
                call.answered = true;
            }
            "call.ended" => {
                call.status = Some(shared::CallStatus::Completed);
                call.ended_at = Some(call.started_at.plus_secs(90));
                call.outcome = Some(shared::CallOutcome::Missed);
            }
            _ => {}
        }
        edit(&mut call);
        LiveEvent {
            seq,
            at: Timestamp::from_millis(call.started_at.millis() + 1000 * seq as i64),
            event: name.to_string(),
            call,
            caller: CallerHistory::default(),
            line: Some("+15550100999".into()),
        }
    }

    fn answered_end(c: &mut CallView) {
        c.answered = true;
        c.outcome = Some(shared::CallOutcome::Answered);
        c.talk_secs = Some(75);
    }

    fn sids<'a>(calls: impl IntoIterator<Item = &'a LiveCall>) -> Vec<&'a str> {
        calls.into_iter().map(|c| c.call.call_sid.as_str()).collect()
    }

    #[test]
    fn a_call_rings_is_answered_and_ends_among_the_recent() {
        let mut board = LiveBoard::default();
        board.apply(&event(1, "call.incoming", "CA1", |_| {}));
        board.apply(&event(2, "call.incoming", "CA2", |c| c.started_at = c.started_at.plus_secs(5)));
        assert_eq!(sids(board.in_progress()), ["CA2", "CA1"], "newest first");
        board.apply(&event(3, "call.answered", "CA1", |_| {}));
        assert!(board.in_progress()[1].answered());
        board.apply(&event(4, "call.ended", "CA1", answered_end));
        assert_eq!(sids(board.in_progress()), ["CA2"]);
        assert_eq!(sids(board.recent()), ["CA1"]);
        assert_eq!(board.recent().next().map(LiveCall::outcome), Some("answered"));
        board.apply(&event(5, "call.ended", "CA2", |_| {}));
        assert_eq!(board.recent().next().map(LiveCall::outcome), Some("missed"));
        assert!(board.in_progress().is_empty());
        // A recording after the end updates the ended call where it is.
        board.apply(&event(6, "call.updated", "CA1", |c| {
            answered_end(c);
            c.status = Some(shared::CallStatus::Completed);
            c.customer_id = Some("C-9".into());
        }));
        assert_eq!(sids(board.recent()), ["CA2", "CA1"]);
        assert!(board.in_progress().is_empty());
        assert_eq!(board.recent().nth(1).and_then(|c| c.call.customer_id.clone()).as_deref(), Some("C-9"));
    }

    #[test]
    fn only_the_last_20_ended_calls_are_kept() {
        let mut board = LiveBoard::default();
        for n in 1..=25 {
            board.apply(&event(n, "call.ended", &format!("CA{n}"), |_| {}));
        }
        let recent = sids(board.recent());
        assert_eq!(recent.len(), RECENT_CALLS);
        assert_eq!((recent[0], recent[19]), ("CA25", "CA6"));
    }

    #[test]
    fn an_older_event_never_undoes_an_answer() {
        let mut board = LiveBoard::default();
        board.begin_reload();
        board.apply(&event(1, "call.incoming", "CA1", |_| {}));
        // The list was read after the answer; the incoming is applied again on top of it.
        let mut talking = call("CA1");
        talking.answered = true;
        talking.status = Some(shared::CallStatus::InProgress);
        board.reloaded(vec![talking]);
        assert_eq!(sids(board.in_progress()), ["CA1"]);
        assert!(board.in_progress()[0].answered(), "a ringing view never replaces a talking one");
        assert!(board.in_progress()[0].caller.is_some(), "what the event said of the caller is kept");
    }

    #[test]
    fn a_reload_keeps_the_events_that_came_while_it_loaded() {
        let mut board = LiveBoard::default();
        board.apply(&event(1, "call.incoming", "GONE", |_| {}));
        board.begin_reload();
        assert!(!board.loaded());
        board.apply(&event(2, "call.incoming", "NEW", |_| {}));
        board.apply(&event(3, "call.ended", "OLD", |_| {}));
        // The list was read before OLD ended and before NEW came; GONE ended unseen.
        let mut talking = call("TALK");
        talking.answered = true;
        talking.status = Some(shared::CallStatus::InProgress);
        board.reloaded(vec![call("OLD"), talking]);
        assert!(board.loaded());
        let mut now: Vec<&str> = sids(board.in_progress());
        now.sort_unstable();
        assert_eq!(now, ["NEW", "TALK"]);
        assert_eq!(sids(board.recent()), ["OLD"]);
        // A call that came and went while the list loaded ends among the recent, and stays.
        board.begin_reload();
        board.apply(&event(5, "call.incoming", "QUICK", |_| {}));
        board.apply(&event(6, "call.ended", "QUICK", answered_end));
        board.reloaded(vec![call("QUICK")]);
        assert_eq!(sids(board.recent()), ["QUICK", "OLD"]);
        assert_eq!(board.recent().next().map(LiveCall::outcome), Some("answered"));
        assert!(!sids(board.in_progress()).contains(&"QUICK"));
        // Later events are not recorded again.
        board.apply(&event(4, "call.ended", "NEW", |_| {}));
        board.reloaded(Vec::new());
        assert!(board.in_progress().is_empty());
    }

    #[test]
    fn a_call_whose_end_is_never_heard_leaves_4_hours_after_it_started() {
        let mut board = LiveBoard::default();
        let ringing = event(1, "call.incoming", "RING", |_| {});
        let start = ringing.call.started_at.millis();
        board.apply(&ringing);
        board.apply(&event(2, "call.answered", "TALK", |c| c.started_at = c.started_at.plus_secs(600)));
        assert_eq!(sids(board.in_progress()), ["TALK", "RING"]);
        assert!(!board.due(start + LIVE_HORIZON_MS - 1));
        assert!(board.due(start + LIVE_HORIZON_MS));
        board.expire(start + LIVE_HORIZON_MS);
        assert_eq!(sids(board.in_progress()), ["TALK"]);
        assert!(board.recent().next().is_none(), "not known to have ended");
        board.expire(start + LIVE_HORIZON_MS + 600_000);
        assert!(board.in_progress().is_empty());
        assert!(!board.due(start + 2 * LIVE_HORIZON_MS));
        // A late update of a call past the horizon does not bring it back…
        let mut late = event(3, "call.updated", "TALK", |c| c.answered = true);
        late.at = Timestamp::from_millis(start + LIVE_HORIZON_MS + 600_000);
        board.apply(&late);
        assert!(board.in_progress().is_empty());
        // …and its end, should it come after all, is among the recent.
        board.apply(&event(4, "call.ended", "RING", |_| {}));
        assert_eq!(sids(board.recent()), ["RING"]);
        assert!(board.in_progress().is_empty());
    }

    #[test]
    fn a_repeat_caller_is_known_by_the_call_or_the_history() {
        let mut ev = event(1, "call.incoming", "CA1", |_| {});
        assert!(!LiveCall::of(&ev).repeat());
        ev.caller.earlier_calls = 2;
        assert!(LiveCall::of(&ev).repeat());
        ev.caller.earlier_calls = 0;
        ev.call.repeat = true;
        assert!(LiveCall::of(&ev).repeat());
    }
}
