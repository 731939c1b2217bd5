//! How an incoming call is announced beyond its card: a browser notification and a short,
//! soft tone, each off until the person turns it on (kept in `localStorage`, for every tab of
//! this browser). Permission to notify is asked only from a click, never on load.

use super::pops::Pop;
use crate::components::calls_table::readable;
use crate::page_url::{navigate, Page, PageUrl};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Where the choices are kept (`localStorage`: every tab of this browser).
pub const PREFS_KEY: &str = "ringtrace_live_alerts";

/// The person's choices.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertPrefs {
    /// A browser notification for each incoming call (while the tab is not in front).
    #[serde(default)]
    pub notify: bool,
    /// A short tone for each incoming call.
    #[serde(default)]
    pub sound: bool,
}

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

impl AlertPrefs {
    /// From what was stored; anything unreadable is both off.
    fn read(stored: Option<&str>) -> AlertPrefs {
        stored.and_then(|s| serde_json::from_str(s).ok()).unwrap_or_default()
    }

    pub fn restore() -> AlertPrefs {
        AlertPrefs::read(local_storage().and_then(|s| s.get_item(PREFS_KEY).ok().flatten()).as_deref())
    }

    pub fn remember(self) {
        if let (Some(s), Ok(json)) = (local_storage(), serde_json::to_string(&self)) {
            let _ = s.set_item(PREFS_KEY, &json);
        }
    }
}

/// Whether this browser may show notifications for the dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    Granted,
    Denied,
    /// Not asked yet.
    Ask,
    /// No notifications in this browser (or not in this context).
    Unsupported,
}

fn notifications_exist() -> bool {
    web_sys::window()
        .is_some_and(|w| js_sys::Reflect::has(&w, &JsValue::from_str("Notification")).unwrap_or(false))
}

pub fn permission() -> Permission {
    if !notifications_exist() {
        return Permission::Unsupported;
    }
    match web_sys::Notification::permission() {
        web_sys::NotificationPermission::Granted => Permission::Granted,
        web_sys::NotificationPermission::Denied => Permission::Denied,
        _ => Permission::Ask,
    }
}

/// Asks the browser (call it from a click): what the person answered.
pub async fn ask_permission() -> Permission {
    if !notifications_exist() {
        return Permission::Unsupported;
    }
    if let Ok(promise) = web_sys::Notification::request_permission() {
        let _ = JsFuture::from(promise).await;
    }
    permission()
}

/// A notification's title and body for the call on `pop`.
pub fn notification_text(pop: &Pop) -> (String, String) {
    let c = &pop.call;
    let title = format!("Incoming call from {}", readable(&c.from));
    let mut parts: Vec<String> = Vec::new();
    match &c.masking {
        Some(m) => parts.push(crate::components::masking::masked_tag(m)),
        None => {
            parts.extend(c.channel.clone());
            if let Some(source) = &c.source {
                parts.push(format!("{source} / {}", c.medium.as_deref().unwrap_or("—")));
            }
            parts.extend(c.campaign.clone());
        }
    }
    parts.push(if pop.repeat() { "repeat caller".into() } else { "first-time caller".into() });
    parts.extend(c.customer_id.as_ref().map(|id| format!("customer {id}")));
    (title, parts.join(" · "))
}

/// A notification for the incoming call on `pop`, when allowed and the tab is not in front
/// (there the card says it). Tagged with the call: several tabs make one notification.
/// Kept (in [`Notices`]) until signed out: dropped, it is closed and its handler freed.
pub fn notify(pop: &Pop) -> Option<Notice> {
    let in_front =
        web_sys::window().and_then(|w| w.document()).is_some_and(|d| d.has_focus().unwrap_or(false));
    if in_front || permission() != Permission::Granted {
        return None;
    }
    let (title, body) = notification_text(pop);
    let options = web_sys::NotificationOptions::new();
    options.set_body(&body);
    options.set_tag(&format!("ringtrace-call-{}", pop.sid()));
    let notification = web_sys::Notification::new_with_options(&title, &options).ok()?;
    // A click opens the call in this tab.
    let call = PageUrl::page(Page::Call(pop.sid().to_string()));
    let shown = notification.clone();
    let on_click = Closure::<dyn FnMut()>::new(move || {
        if let Some(w) = web_sys::window() {
            let _ = w.focus();
        }
        navigate(&call);
        shown.close();
    });
    notification.set_onclick(Some(on_click.as_ref().unchecked_ref()));
    Some(Notice { notification, _on_click: on_click })
}

/// A notification shown and its click handler; dropped, it is closed (the caller's number
/// does not outlive the session) and the handler freed.
pub struct Notice {
    notification: web_sys::Notification,
    _on_click: Closure<dyn FnMut()>,
}

impl Drop for Notice {
    fn drop(&mut self) {
        self.notification.set_onclick(None);
        self.notification.close();
    }
}

/// Notifications kept at most; a new one closes the oldest (by then long stale).
pub const NOTICES_KEPT: usize = 20;

/// The notifications this tab showed (one a call, oldest first), kept to be closed: the last
/// [`NOTICES_KEPT`], all of them on sign-out ([`Notices::close_all`]).
pub struct Notices<N = Notice> {
    shown: Vec<(String, N)>,
}

impl<N> Default for Notices<N> {
    fn default() -> Self {
        Notices { shown: Vec::new() }
    }
}

impl<N> Notices<N> {
    /// The notification for call `sid`, in place of the one it replaces (same tag) and pushing
    /// out the oldest past [`NOTICES_KEPT`]: those are dropped (closed).
    pub fn keep(&mut self, sid: &str, notice: N) {
        self.shown.retain(|(s, _)| s != sid);
        if self.shown.len() >= NOTICES_KEPT {
            self.shown.drain(..=self.shown.len() - NOTICES_KEPT);
        }
        self.shown.push((sid.to_string(), notice));
    }

    /// Closes them all (signed out).
    pub fn close_all(&mut self) {
        self.shown.clear();
    }
}

thread_local! {
    /// One audio context for the tab: browsers limit how many a page may open.
    static AUDIO: RefCell<Option<web_sys::AudioContext>> = const { RefCell::new(None) };
}

/// The tab's audio context, started (a browser starts it only after a click or key press).
fn audio() -> Option<web_sys::AudioContext> {
    AUDIO.with(|audio| {
        let mut audio = audio.borrow_mut();
        if audio.is_none() {
            *audio = web_sys::AudioContext::new().ok();
        }
        let context = audio.clone()?;
        if context.state() == web_sys::AudioContextState::Suspended {
            let _ = context.resume();
        }
        Some(context)
    })
}

/// Lets the tone play later: called on a click or key press while the sound is on.
pub fn unlock_sound() {
    let _ = audio();
}

/// Two short, quiet sine notes.
pub fn chime() {
    let Some(context) = audio() else { return };
    let start = context.current_time() + 0.02;
    for (i, hz) in [660.0_f32, 880.0].into_iter().enumerate() {
        let _ = note(&context, hz, start + 0.18 * i as f64);
    }
}

fn note(context: &web_sys::AudioContext, hz: f32, at: f64) -> Result<(), JsValue> {
    let oscillator = context.create_oscillator()?;
    oscillator.set_type(web_sys::OscillatorType::Sine);
    oscillator.frequency().set_value(hz);
    let gain = context.create_gain()?;
    let level = gain.gain();
    level.set_value_at_time(0.0, at)?;
    level.linear_ramp_to_value_at_time(0.08, at + 0.02)?;
    level.exponential_ramp_to_value_at_time(0.0001, at + 0.3)?;
    oscillator.connect_with_audio_node(&gain)?;
    gain.connect_with_audio_node(&context.destination())?;
    oscillator.start_with_when(at)?;
    oscillator.stop_with_when(at + 0.32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::board::tests::event;
    use crate::live::pops::Pops;

    #[test]
    fn both_alerts_are_off_until_turned_on() {
        assert_eq!(AlertPrefs::read(None), AlertPrefs { notify: false, sound: false });
        assert_eq!(AlertPrefs::read(Some("not json")), AlertPrefs::default());
        assert_eq!(AlertPrefs::read(Some(r#"{"sound":true}"#)), AlertPrefs { notify: false, sound: true });
        let both = AlertPrefs { notify: true, sound: true };
        let stored = serde_json::to_string(&both).expect("prefs write");
        assert_eq!(AlertPrefs::read(Some(&stored)), both);
    }

    /// Counts its drops: a notification closed.
    struct Counted(std::rc::Rc<std::cell::Cell<usize>>);

    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.set(self.0.get() + 1);
        }
    }

    #[test]
    fn notifications_are_closed_on_sign_out_and_never_pile_up() {
        let closed = std::rc::Rc::new(std::cell::Cell::new(0));
        let mut notices = Notices::default();
        notices.keep("CA1", Counted(closed.clone()));
        notices.keep("CA2", Counted(closed.clone()));
        // The same call again: the old one goes (the browser replaced it: same tag).
        notices.keep("CA1", Counted(closed.clone()));
        assert_eq!((notices.shown.len(), closed.get()), (2, 1));
        for n in 3..=30 {
            notices.keep(&format!("CA{n}"), Counted(closed.clone()));
        }
        assert_eq!(notices.shown.len(), NOTICES_KEPT);
        assert_eq!(closed.get(), 31 - NOTICES_KEPT);
        assert_eq!(notices.shown.first().map(|(sid, _)| sid.as_str()), Some("CA11"));
        // Signed out: every one is closed.
        notices.close_all();
        assert!(notices.shown.is_empty());
        assert_eq!(closed.get(), 31);
    }

    #[test]
    fn a_notification_says_who_calls_and_from_which_ad() {
        let mut pops = Pops::default();
        let mut ev = event(1, "call.incoming", "CA1", |c| c.customer_id = Some("C-42".into()));
        ev.caller.earlier_calls = 3;
        pops.apply(&ev, 0, true);
        let pop = pops.get("CA1").expect("a card");
        let (title, body) = notification_text(pop);
        assert_eq!(title, "Incoming call from (555) 010-0111");
        assert_eq!(body, "paid search · google / cpc · spring · repeat caller · customer C-42");
    }
}
