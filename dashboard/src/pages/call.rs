//! One call: what it is credited to (the session, its flags, the other candidates, the ad ids
//! of its visit), what it was worth (its value card), its steps before the dial (the extension
//! keyed, caller identification), its timeline of telephony events and changes, its recording
//! and transcript, and its CRM webhooks.

use crate::api::Session;
use crate::components::call_steps::{destination_text, identification_text, reason_text, unattributed_text};
use crate::components::call_value::CallValue;
use crate::components::calls_table::{duration, local_time, or_dash, outcome, readable, session_href};
use crate::components::masking::roles_text;
use crate::components::money::amount;
use crate::load::{fetch_again_on, fetch_on, Load};
use crate::page_url::{use_page_url, Page};
use leptos::prelude::*;
use shared::wire::{CallDetail, CallView};
use shared::{AdIds, EventKind, IdentificationOutcome, MaskedCall, SiteSettings, TrafficSource};

fn source_rows(s: &TrafficSource) -> Vec<(&'static str, String)> {
    vec![
        ("Channel", s.channel.label().to_string()),
        ("Source / medium", format!("{} / {}", s.source, s.medium)),
        ("Campaign", or_dash(&s.campaign)),
        ("Keyword", or_dash(&s.term)),
        ("Ad content", or_dash(&s.content)),
        ("Landing page", or_dash(&s.landing_page)),
        ("Referrer", or_dash(&s.referrer)),
    ]
}

fn event_text(kind: &EventKind) -> String {
    match kind {
        EventKind::Started => "Call reached the tracking number".into(),
        EventKind::Forwarded { forward_to: Some(n), after_hours } => {
            format!("Forwarded to {}{}", readable(n.e164()), if *after_hours { " (after hours)" } else { "" })
        }
        EventKind::Forwarded { forward_to: None, .. } => "Sent to voicemail (after hours)".into(),
        EventKind::Ringing => "The business's phone rang".into(),
        EventKind::Answered => "The business answered".into(),
        EventKind::Ended { leg, status, duration_secs } => format!(
            "{} leg ended: {}{}",
            match leg {
                shared::Leg::Caller => "Caller",
                shared::Leg::Business => "Business",
            },
            status.as_str(),
            duration_secs.map(|d| format!(", talked {}", duration(Some(d)))).unwrap_or_default()
        ),
        EventKind::Recording { voicemail, duration_secs, .. } => format!(
            "{} ready{}",
            if *voicemail { "Voicemail" } else { "Recording" },
            duration_secs.map(|d| format!(" ({})", duration(Some(d)))).unwrap_or_default()
        ),
        EventKind::Transcription { .. } => "Transcript ready".into(),
        EventKind::Extension { digits: Some(d), attempts } => {
            format!("The caller keyed extension {d}{}", asked(*attempts))
        }
        EventKind::Extension { digits: None, attempts } => {
            format!("The caller keyed no extension{}", asked(*attempts))
        }
        EventKind::Identification(i) => format!("Caller identification: {}", identification_text(i)),
        EventKind::Updated { changes } if changes.is_empty() => "Updated".into(),
        EventKind::Updated { changes } => format!("Updated: {}", changes.join(", ")),
    }
}

/// The ad platforms' ids of the call's visit, as conversions are sent back with them.
fn ad_id_rows(ids: &AdIds) -> Vec<(&'static str, String)> {
    [
        ("Google click id (gclid)", &ids.gclid),
        ("Google app click id (gbraid)", &ids.gbraid),
        ("Google web-to-app click id (wbraid)", &ids.wbraid),
        ("Meta click id (fbclid)", &ids.fbclid),
        ("Microsoft click id (msclkid)", &ids.msclkid),
        ("GA4 client id", &ids.ga_client_id),
        ("Meta browser id (fbp)", &ids.fbp),
        ("Meta click cookie (fbc)", &ids.fbc),
    ]
    .into_iter()
    .filter_map(|(label, id)| id.clone().map(|id| (label, id)))
    .collect()
}

/// `yes`, `no` or `—`.
fn converted_text(c: Option<bool>) -> String {
    match c {
        Some(true) => "yes".into(),
        Some(false) => "no".into(),
        None => "—".into(),
    }
}

/// ` (asked 2 times)`, when the caller was asked more than once.
fn asked(attempts: u32) -> String {
    if attempts > 1 {
        format!(" (asked {attempts} times)")
    } else {
        String::new()
    }
}

/// The call's steps before the dial, as facts; empty when it had none.
fn step_rows(c: &CallView) -> Vec<(&'static str, String)> {
    let mut rows = Vec::new();
    match (c.unattributed_reason.as_deref(), &c.extension) {
        (Some(reason), extension) => {
            rows.push(("Extension", unattributed_text(reason, extension.as_deref())))
        }
        (None, Some(extension)) => rows.push(("Extension", format!("{extension} keyed"))),
        (None, None) => {}
    }
    if let Some(i) = &c.identification {
        let identified = i.outcome == IdentificationOutcome::Identified;
        rows.push(("Identification", if identified { "identified" } else { "not identified" }.to_string()));
        if let Some(reason) = &i.reason {
            rows.push(("Why", reason_text(reason)));
        }
        let customer = i.customer_id.as_ref().or(c.customer_id.as_ref());
        match (customer, &i.entry) {
            (Some(customer), _) => rows.push(("Customer number", customer.clone())),
            // Keyed but not confirmed (a CRM that timed out): what the caller said they are.
            (None, Some(entry)) => rows.push(("Customer number", format!("{entry} (keyed, not confirmed)"))),
            (None, None) => rows.push(("Customer number", or_dash(&None))),
        }
        rows.push(("Sent to", destination_text(&i.destination)));
        rows.push(("Times asked", i.attempts.to_string()));
        rows.push(("CRM answered in", i.crm_ms.map_or_else(|| "not asked".into(), |ms| format!("{ms} ms"))));
    } else if let Some(customer) = &c.customer_id {
        rows.push(("Customer number", customer.clone()));
    }
    rows
}

/// A masked call's order, session, parties and whether it was put through.
fn masking_card(m: &MaskedCall) -> impl IntoView {
    let order = match (&m.order_id, session_href(m)) {
        (Some(order), Some(href)) => view! { <a href=href>{order.clone()}</a> }.into_any(),
        _ => {
            view! { <span class="muted">"none: no session had this caller on this number"</span> }.into_any()
        }
    };
    let connected = if m.connected {
        "yes: put through to the other party, each shown only the proxy number".to_string()
    } else {
        "no: no open session connected the caller, so the site's closed-order answer played".to_string()
    };
    view! {
        <div class="card masking"><h2>"Number masking"</h2>
            <dl class="facts">
                <dt>"Order"</dt><dd class="order">{order}</dd>
                <dt>"Session"</dt><dd class="session-id">{or_dash(&m.session_id)}</dd>
                <dt>"Call"</dt><dd class="roles">{roles_text(m).unwrap_or_else(|| "—".into())}</dd>
                <dt>"Connected"</dt><dd class="connected">{connected}</dd>
            </dl>
        </div>
    }
}

fn definition_list(rows: Vec<(&'static str, String)>) -> impl IntoView {
    view! {
        <dl class="facts">
            {rows.into_iter().map(|(k, v)| view! { <dt>{k}</dt><dd>{v}</dd> }).collect_view()}
        </dl>
    }
}

#[component]
pub fn CallPage(session: Session, call_sid: String, on_unauthorized: Callback<()>) -> impl IntoView {
    let path = format!("/calls/{}", js_sys::encode_uri_component(&call_sid));
    // Loaded again after the value card saved: the summary and the timeline show the change.
    let again = RwSignal::new(0_u32);
    let data =
        fetch_again_on::<CallDetail>(session.clone(), move || path.clone(), again.into(), on_unauthorized);
    let settings = fetch_on::<SiteSettings>(session.clone(), || "/settings".to_string(), on_unauthorized);
    let site_currency = Signal::derive(move || match settings.get() {
        Load::Ready(s) => Some(s.currency),
        _ => None,
    });
    let said = RwSignal::new(None::<String>);
    let saved = Callback::new(move |_: CallView| again.update(|n| *n += 1));
    view! {
        <section class="page">
            <p><a href=move || use_page_url().get().on(Page::Calls).href()>"← All calls"</a></p>
            {move || match data.get() {
                Load::Loading => view! { <p class="muted" role="status">"Loading the call…"</p> }.into_any(),
                Load::Failed(e) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                Load::Ready(d) => {
                    let c = d.call.clone();
                    let summary = vec![
                        ("Started", local_time(c.started_at.millis())),
                        ("Caller", format!("{} ({})", readable(&c.from), if c.repeat { "repeat caller" } else { "first-time caller" })),
                        (if c.masking.is_some() { "Proxy number" } else { "Tracking number" }, readable(&c.to)),
                        ("Status", outcome(&c).to_string()),
                        ("Rang", duration(c.ring_secs)),
                        ("Talk time", duration(c.talk_secs)),
                        ("Qualified", if c.qualified { "yes" } else { "no" }.to_string()),
                        ("Forwarded to", c.forwarded_to.as_deref().map(readable).unwrap_or_else(|| "—".into())),
                        ("Tags", if c.tags.is_empty() { "—".into() } else { c.tags.join(", ") }),
                        ("Value", match (&c.value, &c.currency) {
                            (Some(v), Some(code)) => amount(v, code),
                            (Some(v), None) => v.clone(),
                            _ => "—".into(),
                        }),
                        ("Converted", converted_text(c.converted)),
                        ("Note", or_dash(&c.note)),
                    ];
                    let currency = {
                        let own = c.currency.clone();
                        Signal::derive(move || own.clone().or_else(|| site_currency.get()))
                    };
                    let attribution = match (&d.attribution, c.static_number) {
                        // Between an order's parties: not a marketing call.
                        (None, _) if c.masking.is_some() => view! {
                            <p class="muted">"A masked call between an order's parties: not credited to a visit."</p>
                        }.into_any(),
                        (Some(a), _) => {
                            let mut flags = Vec::new();
                            if a.late { flags.push("The call came after the visit ended, within the retention window.".to_string()); }
                            if !a.candidates.is_empty() {
                                flags.push(format!("The number was shared with {} other session(s) when the pool ran out; the credit is the most likely one.", a.candidates.len()));
                            }
                            if c.overflow { flags.push("A call to the overflow number.".to_string()); }
                            if a.unconsented {
                                flags.push("The number was shown to visitors of this channel who did not consent to tracking: credited to the channel, no visitor known.".to_string());
                            }
                            let mut rows = source_rows(&a.source);
                            rows.push(("Visitor", if a.unconsented { "— (no consent)".into() } else { a.visitor.clone() }));
                            rows.push(("Region", a.region.label().unwrap_or_else(|| "—".into())));
                            let ad_ids = ad_id_rows(&a.source.ad_ids);
                            let candidates = a.candidates.iter().map(|cand| view! {
                                <li>{if cand.visitor.starts_with(shared::UNCONSENTED_HOLDER) {
                                    format!("{} — visitors without consent", cand.source.channel.label())
                                } else {
                                    format!("{} / {} — visitor {}", cand.source.source, cand.source.medium, cand.visitor)
                                }}</li>
                            }).collect_view();
                            view! {
                                {definition_list(rows)}
                                {(!ad_ids.is_empty()).then(|| view! {
                                    <h3>"Ad ids of the visit"</h3>
                                    <div class="ad-ids">{definition_list(ad_ids)}</div>
                                })}
                                {flags.into_iter().map(|f| view! { <p class="flag">{f}</p> }).collect_view()}
                                {(!a.candidates.is_empty()).then(|| view! { <h3>"Other candidate sessions"</h3><ul>{candidates}</ul> })}
                            }.into_any()
                        }
                        (None, true) => view! {
                            <p>"A call to a static number, credited to its rule's source: "
                                {format!("{} / {}", or_dash(&c.source), or_dash(&c.medium))}</p>
                        }.into_any(),
                        (None, false) => match c.unattributed_reason.as_deref() {
                            Some(reason) => view! {
                                <p class="muted">{format!("Unattributed: {}, so no visit could be credited.", unattributed_text(reason, c.extension.as_deref()).to_lowercase())}</p>
                            }.into_any(),
                            None => view! {
                                <p class="muted">"Unattributed: no visitor session held this number when the call came in."</p>
                            }.into_any(),
                        },
                    };
                    let events = d.events.iter().map(|e| view! {
                        <li><time>{local_time(e.at.millis())}</time> " " {event_text(&e.kind)}
                            <span class="muted small">{format!(" ({})", e.provider)}</span></li>
                    }).collect_view();
                    let recordings = c.recordings.iter().map(|r| view! {
                        <p><a href=r.url.clone() target="_blank" rel="noopener">
                            {if r.voicemail { "Listen to the voicemail" } else { "Listen to the recording" }}</a></p>
                    }).collect_view();
                    let deliveries = d.deliveries.iter().map(|del| {
                        let last = del.attempts.last().map(|a| match (a.status, &a.error) {
                            (Some(s), _) => format!("HTTP {s}"),
                            (None, Some(e)) => e.clone(),
                            _ => "—".into(),
                        }).unwrap_or_else(|| "not tried yet".into());
                        view! {
                            <tr><td>{del.event.clone()}</td><td class="landing">{del.url.clone()}</td>
                                <td>{format!("{:?}", del.state).to_lowercase()}</td>
                                <td class="num">{del.attempts.len().to_string()}</td><td>{last}</td></tr>
                        }
                    }).collect_view();
                    let has_deliveries = !d.deliveries.is_empty();
                    let steps = step_rows(&c);
                    view! {
                        <h1>{format!("Call from {}", readable(&c.from))}</h1>
                        <div class="grid2">
                            <div class="card"><h2>"The call"</h2>{definition_list(summary)}</div>
                            <div class="card attribution"><h2>"Attribution"</h2>{attribution}</div>
                        </div>
                        <CallValue session=session.clone() call=c.clone() currency=currency saved=saved said=said
                            on_unauthorized=on_unauthorized/>
                        {c.masking.as_ref().map(masking_card)}
                        {(!steps.is_empty()).then(|| view! {
                            <div class="card steps"><h2>"Before the call was forwarded"</h2>{definition_list(steps)}</div>
                        })}
                        <div class="card"><h2>"Timeline"</h2>
                            {if d.events.is_empty() {
                                view! { <p class="muted">"No telephony events recorded for this call."</p> }.into_any()
                            } else {
                                view! { <ol class="timeline">{events}</ol> }.into_any()
                            }}
                        </div>
                        <div class="card"><h2>"Recording and transcript"</h2>
                            {if c.recordings.is_empty() { view! { <p class="muted">"No recording."</p> }.into_any() } else { recordings.into_any() }}
                            {c.transcript.clone().map(|t| view! { <blockquote class="transcript">{t}</blockquote> })}
                        </div>
                        <div class="card"><h2>"CRM webhooks"</h2>
                            {if has_deliveries {
                                view! { <table class="calls"><thead><tr><th>"Event"</th><th>"URL"</th><th>"State"</th><th>"Attempts"</th><th>"Last answer"</th></tr></thead>
                                    <tbody>{deliveries}</tbody></table> }.into_any()
                            } else {
                                view! { <p class="muted">"No webhook for this call (set a CRM webhook URL in the settings)."</p> }.into_any()
                            }}
                        </div>
                    }.into_any()
                }
            }}
        </section>
    }
}
