//! The live stream's protocol as the dashboard speaks it: what a message says, which events
//! are new (by `seq`), how long to wait before trying again, and what the connection shows.

use shared::wire::LiveEvent;
use std::time::Duration;

/// One message from the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// `{"hello": {"seq": S}}`: the socket is open; `S` is the site's last seq.
    Hello(u64),
    /// `{"reset": true}`: more was missed than the site keeps; load the calls in progress again.
    Reset,
    /// `{"error": "…"}`: the server refused something (the socket closes after it).
    Refused(String),
    /// The answer to our `ping`.
    Pong,
    Event(Box<LiveEvent>),
    /// Anything else: a newer server may say more than this dashboard knows.
    Unknown,
}

impl Message {
    pub fn parse(text: &str) -> Message {
        if text == "pong" {
            return Message::Pong;
        }
        let Ok(value) = serde_json::from_str::<serde_json::Value>(text) else { return Message::Unknown };
        if let Some(hello) = value.get("hello") {
            return hello.get("seq").and_then(|s| s.as_u64()).map_or(Message::Unknown, Message::Hello);
        }
        if value.get("reset").and_then(|r| r.as_bool()) == Some(true) {
            return Message::Reset;
        }
        if let Some(error) = value.get("error") {
            // `{"error": "…"}`, or the API's `{"error": {"message": "…"}}` shape.
            let text = error.as_str().or_else(|| error.get("message").and_then(|m| m.as_str()));
            return Message::Refused(text.unwrap_or("The live stream refused the connection.").to_string());
        }
        serde_json::from_value::<LiveEvent>(value).map_or(Message::Unknown, |e| Message::Event(Box::new(e)))
    }
}

/// What to do after a `hello`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterHello {
    /// Missed events (if any) follow: nothing to load.
    Resume,
    /// Load the calls in progress: the first connection, or the server's seq went back (its
    /// events were lost: ours would be ignored forever).
    Reload,
}

/// The seqs seen: the last one (what a reconnect resumes from and what is new) and the
/// current socket's `hello` (what is replayed and what is live).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SeqGate {
    last: Option<u64>,
    hello: Option<u64>,
}

impl SeqGate {
    /// The last seq seen: `resume=` on the next socket.
    pub fn last(&self) -> Option<u64> {
        self.last
    }

    /// A new socket said `hello` with the site's last seq.
    pub fn hello(&mut self, seq: u64) -> AfterHello {
        self.hello = Some(seq);
        match self.last {
            Some(last) if last <= seq => AfterHello::Resume,
            _ => {
                self.last = Some(seq);
                AfterHello::Reload
            }
        }
    }

    /// Whether the event numbered `seq` is new (and, if so, it is now the last seen).
    pub fn accept(&mut self, seq: u64) -> bool {
        if self.last.is_some_and(|last| seq <= last) {
            return false;
        }
        self.last = Some(seq);
        true
    }

    /// The event was sent before this socket opened (a resume's replay), not as it happened.
    pub fn replayed(&self, seq: u64) -> bool {
        self.hello.is_some_and(|hello| seq <= hello)
    }

    /// The socket closed: the next one says its own `hello`.
    pub fn closed(&mut self) {
        self.hello = None;
    }
}

/// How long to wait before the `failures`-th try again: about 1 s, 2 s, 5 s, then 10 s each
/// time, give or take half of it. `random` (in `0..1`, `Math.random()`) picks where in that
/// range: after a deploy, every open tab reconnects at once; spread out, they do not all try
/// again at the same moment either.
pub fn backoff(failures: u32, random: f64) -> Duration {
    let base_ms: u64 = match failures {
        0 | 1 => 1_000,
        2 => 2_000,
        3 => 5_000,
        _ => 10_000,
    };
    // 0.5× to 1.5×; anything out of range (or NaN) is taken as the middle.
    let random = if (0.0..=1.0).contains(&random) { random } else { 0.5 };
    Duration::from_millis((base_ms as f64 * (0.5 + random)).round() as u64)
}

/// A socket open this long (ms) was a working connection: the next drop starts the waits
/// over. One that closes sooner (refused after its hello) keeps backing off.
const STEADY_MS: i64 = 30_000;

/// Tries in a row that failed, counting the one that just ended; `live_for_ms`: how long its
/// socket was live (after its hello), if it was.
pub fn failures_after(failures: u32, live_for_ms: Option<i64>) -> u32 {
    if live_for_ms.is_some_and(|ms| ms >= STEADY_MS) {
        1
    } else {
        failures.saturating_add(1)
    }
}

/// Tries in a row that failed before the dashboard says it is offline (it goes on trying).
const OFFLINE_AFTER: u32 = 3;

/// The connection as the marketer sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LinkStatus {
    /// Events arrive as they happen.
    Live,
    /// Connecting, or connecting again after the socket closed.
    #[default]
    Reconnecting,
    /// The browser is offline, or several tries failed: still trying, less often.
    Offline,
}

impl LinkStatus {
    /// While not connected, after `failures` tries in a row failed.
    pub fn waiting(failures: u32, browser_online: bool) -> LinkStatus {
        if !browser_online || failures >= OFFLINE_AFTER {
            LinkStatus::Offline
        } else {
            LinkStatus::Reconnecting
        }
    }

    /// `data-live-status`.
    pub fn as_str(self) -> &'static str {
        match self {
            LinkStatus::Live => "live",
            LinkStatus::Reconnecting => "reconnecting",
            LinkStatus::Offline => "offline",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            LinkStatus::Live => "Live",
            LinkStatus::Reconnecting => "Reconnecting…",
            LinkStatus::Offline => "Offline — retrying",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_read_as_the_server_writes_them() {
        assert_eq!(Message::parse(r#"{"hello":{"seq":42}}"#), Message::Hello(42));
        assert_eq!(Message::parse(r#"{"reset":true}"#), Message::Reset);
        assert_eq!(
            Message::parse(r#"{"error":"ticket expired"}"#),
            Message::Refused("ticket expired".into())
        );
        assert_eq!(Message::parse("pong"), Message::Pong);
        for other in ["", "ping", "{}", r#"{"reset":false}"#, r#"{"hello":{}}"#, r#"{"seq":1}"#] {
            assert_eq!(Message::parse(other), Message::Unknown, "{other}");
        }
        let event = crate::live::board::tests::event(7, "call.incoming", "CA1", |_| {});
        let text = serde_json::to_string(&event).expect("an event writes");
        assert_eq!(Message::parse(&text), Message::Event(Box::new(event)));
    }

    #[test]
    fn events_seen_before_are_dropped() {
        let mut gate = SeqGate::default();
        assert_eq!(gate.last(), None);
        // The first socket: only what comes after hello is new.
        assert_eq!(gate.hello(10), AfterHello::Reload);
        assert!(!gate.accept(10));
        assert!(gate.accept(11));
        assert!(!gate.accept(11), "the same event twice");
        assert!(gate.accept(13));
        assert!(!gate.accept(12), "an older one late");
        assert_eq!(gate.last(), Some(13));
        assert!(!gate.replayed(13), "after hello: as it happened");
        // Reconnected (resume=13): the server's missed events, then live ones.
        gate.closed();
        assert_eq!(gate.hello(15), AfterHello::Resume);
        assert!(!gate.accept(13));
        assert!(gate.accept(14) && gate.replayed(14));
        assert!(gate.accept(15) && gate.replayed(15));
        assert!(gate.accept(16) && !gate.replayed(16));
        // Nothing happened while away.
        gate.closed();
        assert_eq!(gate.hello(16), AfterHello::Resume);
        assert!(gate.accept(17));
        // The server went back (its events were lost): start over from its seq, or every
        // event from now on would be dropped as seen.
        gate.closed();
        assert_eq!(gate.hello(3), AfterHello::Reload);
        assert_eq!(gate.last(), Some(3));
        assert!(gate.accept(4));
    }

    #[test]
    fn each_wait_is_spread_by_half_of_it_either_way() {
        let ms = |failures, random| backoff(failures, random).as_millis();
        assert_eq!((ms(1, 0.0), ms(1, 0.5), ms(1, 1.0)), (500, 1_000, 1_500));
        assert_eq!((ms(3, 0.0), ms(3, 0.25), ms(3, 0.999)), (2_500, 3_750, 7_495));
        assert_eq!((ms(9, 0.0), ms(9, 0.75), ms(9, 1.0)), (5_000, 12_500, 15_000));
        // Tabs drawing different numbers wait different times.
        let waits: std::collections::BTreeSet<u128> = [0.1, 0.3, 0.6, 0.9].map(|r| ms(4, r)).into();
        assert_eq!(waits.len(), 4);
        for bad in [-0.1, 1.5, f64::NAN, f64::INFINITY] {
            assert_eq!(ms(2, bad), 2_000, "{bad}");
        }
    }

    #[test]
    fn tries_again_after_1_2_5_then_every_10_seconds() {
        let waits: Vec<u64> = (1..=6).map(|n| backoff(n, 0.5).as_secs()).collect();
        assert_eq!(waits, [1, 2, 5, 10, 10, 10]);
        // A connection that worked for a while starts over at 1 s; one dropped right after its
        // hello (or never opened) waits longer each time.
        assert_eq!(failures_after(3, Some(STEADY_MS)), 1);
        assert_eq!(failures_after(3, Some(2_000)), 4);
        assert_eq!(failures_after(0, None), 1);
        assert_eq!(failures_after(4, None), 5);
        assert_eq!(LinkStatus::waiting(0, true), LinkStatus::Reconnecting);
        assert_eq!(LinkStatus::waiting(2, true), LinkStatus::Reconnecting);
        assert_eq!(LinkStatus::waiting(3, true), LinkStatus::Offline);
        assert_eq!(LinkStatus::waiting(0, false), LinkStatus::Offline);
    }
}
