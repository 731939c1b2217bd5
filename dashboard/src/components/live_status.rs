//! The live stream's connection in a word (live, reconnecting, offline), and the switches of
//! the alerts an incoming call makes beyond its card (a notification, a tone).

use crate::live::alerts::{self, Permission};
use crate::live::stream::LinkStatus;
use crate::live::Live;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// `span.live-status[data-live-status=live|reconnecting|offline]`; its title says what the
/// edge refused last, if anything.
#[component]
pub fn LiveStatus(live: Live) -> impl IntoView {
    let status = move || live.status.get();
    let label = move || match status() {
        // Before the first hello: nothing to reconnect yet.
        LinkStatus::Reconnecting if live.last_seq.get().is_none() => "Connecting…",
        s => s.label(),
    };
    view! {
        <span class="live-status" data-live-status=move || status().as_str() role="status"
            title=move || live.problem.get().unwrap_or_default()>
            <i class="dot" aria-hidden="true"></i>{label}
        </span>
    }
}

/// `button.notify-toggle` and `button.sound-toggle` (`aria-pressed`), both off at first. The
/// browser's permission to notify is asked on the first click that turns notifications on.
#[component]
pub fn AlertToggles(live: Live) -> impl IntoView {
    let note = RwSignal::new(None::<&'static str>);
    let set = move |change: fn(&mut alerts::AlertPrefs, bool), on: bool| {
        live.alerts.update(|a| change(a, on));
        live.alerts.get_untracked().remember();
    };
    let set_notify = move |on: bool| set(|a, on| a.notify = on, on);
    let toggle_notify = move |_| {
        note.set(None);
        if live.alerts.get_untracked().notify {
            return set_notify(false);
        }
        match alerts::permission() {
            Permission::Granted => set_notify(true),
            Permission::Ask => spawn_local(async move {
                match alerts::ask_permission().await {
                    Permission::Granted => set_notify(true),
                    _ => {
                        note.try_set(Some("Notifications stay off: the browser was not allowed to show them."));
                    }
                }
            }),
            Permission::Denied => note.set(Some(
                "Notifications are blocked for this dashboard: allow them in the browser's site settings, then try again.",
            )),
            Permission::Unsupported => note.set(Some("This browser cannot show notifications.")),
        }
    };
    let toggle_sound = move |_| {
        let on = !live.alerts.get_untracked().sound;
        set(|a, on| a.sound = on, on);
        if on {
            // A click: the browser lets the tone play, now and for the calls to come.
            alerts::chime();
        }
    };
    // Turned on earlier, but the browser no longer allows it.
    let withdrawn = move || {
        (live.alerts.get().notify && alerts::permission() != Permission::Granted)
            .then_some("Notifications are on here, but the browser no longer allows them for this dashboard.")
    };
    let word = |on: bool| if on { "on" } else { "off" };
    view! {
        <div class="alert-toggles row" role="group" aria-label="Alerts for incoming calls">
            <button type="button" class="secondary small notify-toggle"
                aria-pressed=move || live.alerts.get().notify.to_string()
                title="A browser notification for each incoming call while this tab is not in front"
                on:click=toggle_notify>
                {move || format!("Notifications: {}", word(live.alerts.get().notify))}
            </button>
            <button type="button" class="secondary small sound-toggle"
                aria-pressed=move || live.alerts.get().sound.to_string()
                title="A short tone for each incoming call"
                on:click=toggle_sound>
                {move || format!("Sound: {}", word(live.alerts.get().sound))}
            </button>
            {move || note.get().or_else(withdrawn).map(|n| view! { <p class="hint small" role="note">{n}</p> })}
        </div>
    }
}
