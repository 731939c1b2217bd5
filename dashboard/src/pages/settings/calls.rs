//! The Calls section: caller ID, ringing time, recording and transcript keywords.

use super::form::Form;
use crate::components::field_error::{invalid, FieldError, FieldErrors};
use crate::components::text_field::TextField;
use leptos::prelude::*;

#[component]
pub fn CallsSection(form: Form, errors: FieldErrors) -> impl IntoView {
    view! {
        <fieldset class="card" data-section="calls">
            <legend>"Calls"</legend>
            <div class="fields">
                <div class="field">
                    <label for="f-caller_id">"Caller ID on forwarded calls"</label>
                    <select id="f-caller_id" prop:value=move || form.caller_id.get()
                        on:change=move |ev| form.caller_id.set(event_target_value(&ev))>
                        <option value="caller">"The caller's number"</option>
                        <option value="tracking_number">"The tracking number dialled"</option>
                        <option value="number">"A number of mine"</option>
                    </select>
                    {move || (form.caller_id.get() == "number").then(|| view! {
                        <input type="tel" aria-label="Caller ID number" bind:value=form.caller_id_number
                            aria-invalid=invalid(errors, || "caller_id".to_string())/>
                    })}
                    <FieldError errors=errors field="caller_id".to_string()/>
                </div>
                <TextField errors=errors field="dial_timeout_seconds" label="Ring for, seconds" value=form.dial_timeout_seconds
                    kind="number" hint="Before the call counts as missed (5–120)."/>
                <TextField errors=errors field="retention.calls_days" label="Keep calls for, days" value=form.keep_calls_days
                    kind="number" hint="Older calls are deleted (1–3650; 730 is two years)."/>
                <TextField errors=errors field="retention.recordings_days" label="Keep recordings for, days" value=form.keep_recordings_days
                    kind="number" hint="Recordings and transcripts of older calls are deleted. Blank: as long as the calls."/>
                <TextField errors=errors field="retention.sessions_days" label="Keep visitor sessions for, days" value=form.keep_sessions_days
                    kind="number" hint="Visits older than this leave the reports' visit counts (1–3650)."/>
                <div class="field check">
                    <label><input type="checkbox" name="record_calls" bind:checked=form.record_calls/>" Record calls"</label>
                    <span class="hint">"Both sides, from the answer. Tell callers if the law where you are requires it."</span>
                </div>
                <div class="field wide">
                    <label for="f-keywords">"Keywords"</label>
                    <textarea id="f-keywords" rows="3" bind:value=form.keywords
                        aria-invalid=invalid(errors, || "keywords".to_string())></textarea>
                    <span class="hint">"One per line: a call whose transcript says one is tagged with it."</span>
                    <FieldError errors=errors field="keywords".to_string() within=true/>
                </div>
            </div>
        </fieldset>
    }
}
