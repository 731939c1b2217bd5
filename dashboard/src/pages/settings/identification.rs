//! The Caller identification section: its settings, the named destinations, a test request to the CRM.

use super::form::{chosen, DestinationRow, Form, IDENTIFICATION_MODES};
use crate::api::{self, ApiError, Session};
use crate::components::call_steps::decision_text;
use crate::components::field_error::{dom_id, invalid, FieldError, FieldErrors};
use crate::components::row_table::RowTable;
use crate::components::text_field::TextField;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::wire::{IdentificationTest, IdentificationTestBody};
use shared::IdentificationMode;

/// Destinations every site has, with what they mean.
const BUILT_IN: [(&str, &str); 3] =
    [("business", "The business number"), ("voicemail", "Voicemail"), ("hangup", "Hang up")];

/// Most of a CRM's answer shown (the edge keeps 16 KB of it).
const SHOWN_ANSWER: usize = 2000;

fn mode_hint(m: IdentificationMode) -> &'static str {
    match m {
        IdentificationMode::Any => "Any entry of the right length counts as identified; no CRM is asked.",
        IdentificationMode::Check => {
            "The CRM is asked about the entry and answers {\"status\": \"ok\", \"destination\": true} for a customer it knows."
        }
        IdentificationMode::Destination => {
            "The CRM answers where the call goes: {\"status\": \"ok\", \"destination\": \"gold\"} (a destination's name)."
        }
    }
}

/// The name a destinations row is keyed by in the document.
fn destination_name(row: &DestinationRow) -> RwSignal<String> {
    row.name
}

/// `text`, cut to `max` characters.
fn truncated(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

/// A `<select>` of where a call goes: the built-in destinations and the named ones. (Re-drawn
/// when the names change; each option says whether it is the chosen one, so the choice shown
/// stays the one saved.)
#[component]
fn DestinationSelect(
    form: Form,
    errors: FieldErrors,
    chosen: RwSignal<String>,
    field: &'static str,
    label: &'static str,
) -> impl IntoView {
    let rows = form.identification.destinations;
    let options = move || {
        let current = chosen.get_untracked();
        let mut names: Vec<String> = Vec::new();
        for row in rows.get() {
            let name = row.name.get().trim().to_string();
            if !name.is_empty() && !BUILT_IN.iter().any(|(b, _)| *b == name) && !names.contains(&name) {
                names.push(name);
            }
        }
        BUILT_IN
            .iter()
            .map(|(value, text)| (value.to_string(), text.to_string()))
            .chain(names.into_iter().map(|n| (n.clone(), n)))
            .map(|(value, text)| {
                let selected = value == current;
                view! { <option value=value selected=selected>{text}</option> }
            })
            .collect_view()
    };
    let id = dom_id(field);
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <select id=id name=field prop:value=move || chosen.get() aria-invalid=invalid(errors, move || field.to_string())
                aria-describedby=format!("{}-error", dom_id(field))
                on:change=move |ev| chosen.set(event_target_value(&ev))>{options}</select>
            <FieldError errors=errors field=field.to_string()/>
        </div>
    }
}

/// What the test request brought back.
fn test_result(t: IdentificationTest) -> impl IntoView {
    let answer = match (t.status, &t.error) {
        (Some(status), _) => format!("HTTP {status} in {} ms", t.ms),
        (None, Some(e)) => format!("No answer after {} ms: {e}", t.ms),
        (None, None) => format!("No answer after {} ms", t.ms),
    };
    let call = decision_text(t.outcome == "identified", t.reason.as_deref(), &t.destination);
    view! {
        <dl class="facts">
            <dt>"Sent to"</dt><dd>{t.url}</dd>
            <dt>"CRM answer"</dt><dd>{answer}</dd>
            <dt>"A call would be"</dt><dd class="decision">{call}</dd>
        </dl>
        {t.answer.filter(|a| !a.is_empty()).map(|a| view! {
            <pre class="answer" aria-label="The CRM's answer">{truncated(&a, SHOWN_ANSWER)}</pre>
        })}
        <details><summary>"Request sent"</summary><pre class="answer">{t.request}</pre></details>
    }
}

/// The "Send a test request" button and what came back: nothing is sent until it is pressed.
#[component]
fn TestRequest(session: Session, on_unauthorized: Callback<()>) -> impl IntoView {
    let session = StoredValue::new(session);
    let customer = RwSignal::new(String::new());
    let testing = RwSignal::new(false);
    // `Some(Ok(answer))`: the CRM's answer; `Some(Err(message))`: the test could not run.
    let result = RwSignal::new(None::<Result<IdentificationTest, String>>);
    let run = move || {
        if testing.get_untracked() {
            return;
        }
        testing.set(true);
        result.set(None);
        let customer_id = Some(customer.get_untracked().trim().to_string()).filter(|c| !c.is_empty());
        let body = IdentificationTestBody { customer_id };
        spawn_local(async move {
            let answer = api::test_identification(&session.get_value(), &body).await;
            testing.try_set(false);
            match answer {
                Ok(t) => {
                    result.try_set(Some(Ok(t)));
                }
                Err(ApiError::Unauthorized) => on_unauthorized.run(()),
                Err(e) => {
                    let message = e.to_string();
                    let message = message.trim_start_matches("invalid request: ").to_string();
                    result.try_set(Some(Err(message)));
                }
            }
        });
    };
    view! {
        <div class="test-request">
            <div class="row">
                <label for="f-identification-test">"Customer number to try"</label>
                <input id="f-identification-test" inputmode="numeric" size="12" placeholder="111111" autocomplete="off"
                    bind:value=customer
                    // Enter here tests; it must not save the whole form.
                    on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                        if ev.key() == "Enter" {
                            ev.prevent_default();
                            run();
                        }
                    }/>
                <button type="button" class="secondary small" disabled=move || testing.get() on:click=move |_| run()>
                    {move || if testing.get() { "Sending…" } else { "Send a test request" }}
                </button>
            </div>
            <p class="hint">"Tests the saved settings: save first if you changed them. The CRM gets a request like a real call's, signed with the secret."</p>
            <div class="test-result" aria-live="polite">
                {move || match result.get() {
                    Some(Ok(t)) => Some(test_result(t).into_any()),
                    Some(Err(m)) => Some(view! { <p class="error" role="alert">{format!("Not tested. {m}")}</p> }.into_any()),
                    None => None,
                }}
            </div>
        </div>
    }
}

#[component]
pub fn IdentificationSection(
    form: Form,
    errors: FieldErrors,
    session: Session,
    on_unauthorized: Callback<()>,
) -> impl IntoView {
    let i = form.identification;
    let secret_hint = if i.crm_secret_set {
        "A secret is stored; leave blank to keep it."
    } else {
        "At least 16 characters; each request is signed with it."
    };
    let cells = move |row: DestinationRow, field: Signal<String>| {
        view! {
            <td><input aria-label="Destination name" placeholder="gold" size="10" bind:value=row.name
                aria-invalid=invalid(errors, move || field.get())/></td>
            <td><input type="tel" aria-label="Destination number" bind:value=row.number/></td>
        }
    };
    let rows = i.destinations;
    view! {
        <fieldset class="card" data-section="identification">
            <legend>"Caller identification"</legend>
            <div class="field check">
                <label><input type="checkbox" name="identification_on" bind:checked=i.on/>" Ask callers for their customer number"</label>
                <span class="hint">"Before the call rings, the caller keys their customer number; your CRM can say who they are and where the call goes. Unticked: callers are asked nothing."</span>
                <FieldError errors=errors field="caller_identification".to_string()/>
            </div>
            <div class="identification" hidden=move || !i.on.get()>
                <div class="fields">
                    <TextField errors=errors field="caller_identification.digits" label="Digits in a customer number"
                        value=i.digits kind="number" placeholder="6" hint="1–30."/>
                    <TextField errors=errors field="caller_identification.attempts" label="Times the caller is asked"
                        value=i.attempts kind="number" placeholder="2" hint="1–5; empty: 2."/>
                    <TextField errors=errors field="caller_identification.timeout_seconds" label="Wait for the keys, seconds"
                        value=i.timeout_seconds kind="number" placeholder="5" hint="1–30; empty: 5."/>
                    <div class="field">
                        <label for="f-caller_identification-mode">"How a number is checked"</label>
                        <select id="f-caller_identification-mode" name="caller_identification.mode"
                            prop:value=move || i.mode.get().as_str()
                            aria-invalid=invalid(errors, || "caller_identification.mode".to_string())
                            on:change=move |ev| {
                                if let Some(m) = chosen(&IDENTIFICATION_MODES, IdentificationMode::as_str, &event_target_value(&ev)) {
                                    i.mode.set(m);
                                }
                            }>
                            <option value="any">"Any number of the right length"</option>
                            <option value="check">"The CRM says whether it knows the customer"</option>
                            <option value="destination">"The CRM says where the call goes"</option>
                        </select>
                        <span class="hint">{move || mode_hint(i.mode.get())}</span>
                        <FieldError errors=errors field="caller_identification.mode".to_string()/>
                    </div>
                    <div class="field wide">
                        <TextField errors=errors field="caller_identification.prompt" label="What the caller hears" value=i.prompt
                            placeholder="Please enter your customer number, then press the pound key."/>
                    </div>
                    <TextField errors=errors field="caller_identification.crm_url" label="CRM URL" value=i.crm_url kind="url"
                        placeholder="https://crm.example.com/identify" hint="Asked in the two CRM modes (https)."/>
                    <TextField errors=errors field="caller_identification.crm_secret" label="CRM secret" value=i.crm_secret
                        kind="password" placeholder=if i.crm_secret_set { "stored" } else { "" } hint=secret_hint/>
                    <DestinationSelect form=form errors=errors chosen=i.identified field="caller_identification.identified"
                        label="Identified callers go to"/>
                    <DestinationSelect form=form errors=errors chosen=i.unidentified field="caller_identification.unidentified"
                        label="Everyone else goes to"/>
                </div>
                <TestRequest session=session on_unauthorized=on_unauthorized/>
            </div>
            <h3>"Destinations"</h3>
            <p class="hint">"Named numbers a call can be sent to (a VIP line, a collections desk): names of a-z, 0-9, _ and -."</p>
            <p class="muted" hidden=move || rows.with(|r| !r.is_empty())>"No named destinations."</p>
            <RowTable rows=rows errors=errors list="destinations" headers=&["Name", "Number"] cells=cells
                hide_empty=true keyed_by=destination_name/>
            <FieldError errors=errors field="destinations".to_string()/>
            <button type="button" class="secondary small" on:click=move |_| {
                rows.update(|r| r.push(DestinationRow::blank()));
            }>"Add a destination"</button>
        </fieldset>
    }
}
