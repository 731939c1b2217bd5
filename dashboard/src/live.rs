//! The live stream while signed in: each tab holds one WebSocket to the site's stream, opened
//! with a fresh single-use ticket every time, resumed from the last `seq` seen after a drop
//! (about 1 s, 2 s, 5 s, then every 10 s, each ±50% at random), and closed on sign-out, with
//! the notifications it showed. What it hears fills the Live page (the calls in progress, the
//! last that ended) and the screen pops on every page.
//!
//! The protocol is in [`stream`], the Live page's calls in [`board`], the cards in [`pops`],
//! notifications and the tone in [`alerts`]; this module is the browser's side of it.

pub mod alerts;
pub mod board;
pub mod pops;
pub mod stream;

use crate::api::{self, ApiError, Session};
use alerts::{AlertPrefs, Notices};
use board::LiveBoard;
use leptos::prelude::*;
use leptos::task::spawn_local;
use pops::Pops;
use shared::wire::{LiveCalls, LiveEvent, LiveTicket};
use std::time::Duration;
use stream::{backoff, failures_after, AfterHello, LinkStatus, Message, SeqGate};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// How often the socket is pinged (it keeps NATs open; the server answers without waking).
const PING_EVERY: Duration = Duration::from_secs(30);
/// A try or a socket that heard nothing this long is given up (a laptop that slept, a
/// network that dropped without a word) and made again (ms).
const SILENT_MS: i64 = 90_000;
/// An incoming call replayed on a resume gets a card, a notification and the tone only if it
/// came this recently (ms).
const FRESH_MS: i64 = 60_000;

fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

fn browser_online() -> bool {
    web_sys::window().is_none_or(|w| w.navigator().on_line())
}

/// An open socket and the handlers it calls; dropped, it is closed and calls nothing more.
struct Socket {
    ws: web_sys::WebSocket,
    _on_message: Closure<dyn FnMut(web_sys::MessageEvent)>,
    _on_close: Closure<dyn FnMut(web_sys::CloseEvent)>,
}

impl Drop for Socket {
    fn drop(&mut self) {
        self.ws.set_onmessage(None);
        self.ws.set_onclose(None);
        let _ = self.ws.close();
    }
}

/// The connection's own state (not shown: the tab's side of the protocol).
struct Link {
    session: Session,
    gate: SeqGate,
    socket: Option<Socket>,
    /// Bumped on every try and every failure: what an older ticket or socket calls back with
    /// is ignored.
    generation: u64,
    /// Tries in a row that failed.
    failures: u32,
    /// When the current socket said hello (ms).
    live_since: Option<i64>,
    /// The next try, while waiting for it.
    retry: Option<TimeoutHandle>,
    /// When the current try began or its socket last said something (ms).
    heard_ms: i64,
    /// Bumped on every load of the calls in progress: only the latest answer counts.
    reload: u64,
    /// The notifications shown (closed on sign-out).
    notices: Notices,
    /// Signed out.
    stopped: bool,
}

/// The live stream of the signed-in site, for every page (from context: [`use_live`]).
#[derive(Clone, Copy)]
pub struct Live {
    pub status: RwSignal<LinkStatus>,
    /// The last event's `seq`.
    pub last_seq: RwSignal<Option<u64>>,
    pub board: RwSignal<LiveBoard>,
    pub pops: RwSignal<Pops>,
    pub alerts: RwSignal<AlertPrefs>,
    /// What the edge refused last (`{"error": …}`, the calls in progress not loading).
    pub problem: RwSignal<Option<String>>,
    /// Now (ms), every second: the timers of the calls in progress.
    pub now: RwSignal<i64>,
    link: StoredValue<Link, LocalStorage>,
    on_unauthorized: Callback<()>,
}

/// Opens the stream for `session` and provides it to the pages; closed when the owner (the
/// signed-in shell) goes. A refused token signs out, as on every page.
pub fn provide_live(session: Session, on_unauthorized: Callback<()>) -> Live {
    let live = Live {
        status: RwSignal::new(LinkStatus::Reconnecting),
        last_seq: RwSignal::new(None),
        board: RwSignal::new(LiveBoard::default()),
        pops: RwSignal::new(Pops::default()),
        alerts: RwSignal::new(AlertPrefs::restore()),
        problem: RwSignal::new(None),
        now: RwSignal::new(now_ms()),
        link: StoredValue::new_local(Link {
            session,
            gate: SeqGate::default(),
            socket: None,
            generation: 0,
            failures: 0,
            live_since: None,
            retry: None,
            heard_ms: now_ms(),
            reload: 0,
            notices: Notices::default(),
            stopped: false,
        }),
        on_unauthorized,
    };
    let tick = set_interval_with_handle(move || live.tick(), Duration::from_secs(1)).ok();
    let ping = set_interval_with_handle(move || live.ping(), PING_EVERY).ok();
    let online = window_event_listener(leptos::ev::online, move |_| live.now_online());
    let offline = window_event_listener(leptos::ev::offline, move |_| live.went_offline());
    // A browser starts audio only after a gesture: any click or key press may be the one.
    let unlock = window_event_listener(leptos::ev::pointerdown, move |_| {
        if live.alerts.get_untracked().sound {
            alerts::unlock_sound();
        }
    });
    // Turned on or off in another tab of this browser: here too.
    let prefs = window_event_listener(leptos::ev::storage, move |e| {
        if e.key().is_none_or(|k| k == alerts::PREFS_KEY) {
            live.alerts.set(AlertPrefs::restore());
        }
    });
    on_cleanup(move || {
        live.link.try_update_value(|l| {
            l.stopped = true;
            if let Some(retry) = l.retry.take() {
                retry.clear();
            }
            discard(l.socket.take());
            // The caller's number is not left on the screen of someone signed out.
            l.notices.close_all();
        });
        for handle in [tick, ping].into_iter().flatten() {
            handle.clear();
        }
        online.remove();
        offline.remove();
        unlock.remove();
        prefs.remove();
    });
    provide_context(live);
    live.try_now();
    live
}

pub fn use_live() -> Option<Live> {
    use_context::<Live>()
}

impl Live {
    fn current(self, generation: u64) -> bool {
        self.link.try_with_value(|l| !l.stopped && l.generation == generation).unwrap_or(false)
    }

    /// A try: a ticket, then the socket. While the browser says it is offline, a try could
    /// only fail (and log a refused request): it waits for `online`, or the next retry.
    fn try_now(self) {
        if !browser_online() {
            return self.wait_offline();
        }
        let started = self.link.try_update_value(|l| {
            if l.stopped {
                return None;
            }
            if let Some(retry) = l.retry.take() {
                retry.clear();
            }
            discard(l.socket.take());
            l.live_since = None;
            l.generation += 1;
            l.heard_ms = now_ms();
            Some((l.session.clone(), l.generation))
        });
        let Some((session, generation)) = started.flatten() else { return };
        spawn_local(async move {
            let ticket = api::post::<LiveTicket>(&session, "/live/ticket").await;
            if !self.current(generation) {
                return;
            }
            match ticket {
                Ok(t) => self.open(generation, &session, &t.ticket),
                Err(ApiError::Unauthorized) => self.on_unauthorized.run(()),
                Err(e) => {
                    self.problem.try_set(Some(e.to_string()));
                    self.failed(generation);
                }
            }
        });
    }

    fn open(self, generation: u64, session: &Session, ticket: &str) {
        let Some(resume) = self.link.try_with_value(|l| l.gate.last()) else { return };
        let mut pairs = vec![("ticket".to_string(), ticket.to_string())];
        pairs.extend(resume.map(|seq| ("resume".to_string(), seq.to_string())));
        let Some(url) = api::socket_url(session, &format!("/live?{}", api::query(&pairs))) else {
            return self.failed(generation);
        };
        let Ok(ws) = web_sys::WebSocket::new(&url) else { return self.failed(generation) };
        let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
            if let Some(text) = e.data().as_string() {
                self.receive(generation, &text);
            }
        });
        let on_close = Closure::<dyn FnMut(web_sys::CloseEvent)>::new(move |_| self.failed(generation));
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        let socket = Socket { ws, _on_message: on_message, _on_close: on_close };
        self.link.try_update_value(|l| {
            l.heard_ms = now_ms();
            l.socket = Some(socket);
        });
    }

    /// Offline: no try now; the next one when the browser is back online (or after the wait,
    /// should the browser not say so).
    fn wait_offline(self) {
        let failures = self.link.try_update_value(|l| {
            if l.stopped {
                return None;
            }
            if let Some(retry) = l.retry.take() {
                retry.clear();
            }
            Some(l.failures.max(1))
        });
        let Some(failures) = failures.flatten() else { return };
        self.status.set(LinkStatus::Offline);
        let retry = set_timeout_with_handle(move || self.try_now(), wait(failures)).ok();
        self.link.try_update_value(|l| l.retry = retry);
    }

    /// The try or the socket `generation` failed or closed: try again after a while.
    fn failed(self, generation: u64) {
        let failures = self.link.try_update_value(|l| {
            if l.stopped || l.generation != generation {
                return None;
            }
            // Its handler may be the one running: the socket goes once it returned.
            discard(l.socket.take());
            l.gate.closed();
            l.generation += 1;
            l.failures = failures_after(l.failures, l.live_since.take().map(|since| now_ms() - since));
            Some(l.failures)
        });
        let Some(failures) = failures.flatten() else { return };
        self.status.set(LinkStatus::waiting(failures, browser_online()));
        let retry = set_timeout_with_handle(move || self.try_now(), wait(failures)).ok();
        self.link.try_update_value(|l| l.retry = retry);
    }

    fn receive(self, generation: u64, text: &str) {
        if !self.current(generation) {
            return;
        }
        self.link.try_update_value(|l| l.heard_ms = now_ms());
        match Message::parse(text) {
            Message::Hello(seq) => {
                let Some((after, last)) = self.link.try_update_value(|l| {
                    l.live_since = Some(now_ms());
                    (l.gate.hello(seq), l.gate.last())
                }) else {
                    return;
                };
                self.status.set(LinkStatus::Live);
                self.problem.set(None);
                self.last_seq.set(last);
                if after == AfterHello::Reload {
                    self.reload();
                }
            }
            Message::Reset => self.reload(),
            Message::Refused(message) => self.problem.set(Some(message)),
            Message::Event(event) => self.event(&event),
            Message::Pong | Message::Unknown => {}
        }
    }

    fn event(self, event: &LiveEvent) {
        let gate = self.link.try_update_value(|l| (l.gate.accept(event.seq), l.gate.replayed(event.seq)));
        let Some((true, replayed)) = gate else { return };
        self.last_seq.set(Some(event.seq));
        self.board.update(|b| b.apply(event));
        let now = now_ms();
        let fresh = !replayed || now - event.at.millis() < FRESH_MS;
        let mut appeared = false;
        self.pops.update(|p| appeared = p.apply(event, now, fresh));
        if appeared {
            let prefs = self.alerts.get_untracked();
            if prefs.sound {
                alerts::chime();
            }
            if prefs.notify {
                if let Some(notice) =
                    self.pops.with_untracked(|p| p.get(&event.call.call_sid).and_then(alerts::notify))
                {
                    // Signed out meanwhile: dropped here, it is closed at once.
                    self.link.try_update_value(|l| {
                        if !l.stopped {
                            l.notices.keep(&event.call.call_sid, notice);
                        }
                    });
                }
            }
        }
    }

    /// Loads the calls in progress (the first socket, a reset); events meanwhile apply on top.
    fn reload(self) {
        self.board.update(LiveBoard::begin_reload);
        let Some((session, reload)) = self.link.try_update_value(|l| {
            l.reload += 1;
            (l.session.clone(), l.reload)
        }) else {
            return;
        };
        spawn_local(async move {
            let calls = api::get::<LiveCalls>(&session, "/calls/live").await;
            if self.link.try_with_value(|l| l.stopped || l.reload != reload).unwrap_or(true) {
                return;
            }
            match calls {
                Ok(live) => self.board.update(|b| b.reloaded(live.calls)),
                Err(ApiError::Unauthorized) => self.on_unauthorized.run(()),
                Err(e) => {
                    self.board.update(LiveBoard::reload_failed);
                    self.problem.set(Some(format!("The calls in progress could not be loaded. {e}")));
                }
            }
        });
    }

    /// Every second: the timers, the cards whose time is up, and the calls in progress whose
    /// end was never heard.
    fn tick(self) {
        let now = now_ms();
        self.now.set(now);
        if self.pops.with_untracked(|p| p.due(now)) {
            self.pops.update(|p| p.expire(now));
        }
        if self.board.with_untracked(|b| b.due(now)) {
            self.board.update(|b| b.expire(now));
        }
    }

    /// Every 30 s: a ping on the open socket; a try or socket silent too long is given up.
    fn ping(self) {
        let now = now_ms();
        let silent = self.link.try_update_value(|l| {
            if l.stopped || l.retry.is_some() {
                return None;
            }
            if now - l.heard_ms > SILENT_MS {
                return Some(l.generation);
            }
            if let Some(s) = l.socket.as_ref().filter(|s| s.ws.ready_state() == web_sys::WebSocket::OPEN) {
                let _ = s.ws.send_with_str("ping");
            }
            None
        });
        if let Some(generation) = silent.flatten() {
            self.failed(generation);
        }
    }

    /// The browser is back online: try at once rather than at the next retry.
    fn now_online(self) {
        if self.link.try_with_value(|l| l.retry.is_some()).unwrap_or(false) {
            self.status.set(LinkStatus::Reconnecting);
            self.try_now();
        }
    }

    /// The browser went offline: the socket will not survive it.
    fn went_offline(self) {
        if let Some(generation) =
            self.link.try_with_value(|l| (l.retry.is_none()).then_some(l.generation)).flatten()
        {
            self.failed(generation);
        }
        self.status.set(LinkStatus::Offline);
    }
}

/// How long to wait before the `failures`-th try again, spread at random: tabs dropped
/// together (a deploy) do not all come back at the same moment.
fn wait(failures: u32) -> Duration {
    backoff(failures, js_sys::Math::random())
}

/// Drops `socket` once the running handler (maybe its own) has returned.
fn discard(socket: Option<Socket>) {
    if let Some(socket) = socket {
        // Detached now, so it calls nothing more; dropped (closed) after this turn.
        socket.ws.set_onmessage(None);
        socket.ws.set_onclose(None);
        set_timeout(move || drop(socket), Duration::ZERO);
    }
}
