//! The Business hours section: opening hours by day, closed dates, and where calls go after hours.

use super::form::{Form, DAYS};
use crate::components::field_error::{dom_id, invalid, FieldError, FieldErrors};
use crate::components::text_field::TextField;
use leptos::prelude::*;

#[component]
pub fn HoursSection(form: Form, errors: FieldErrors) -> impl IntoView {
    let days = DAYS
        .iter()
        .zip(form.weekly)
        .map(|((key, name), ranges)| {
            let field = format!("business_hours.weekly.{key}");
            let id = dom_id(&field);
            let f = field.clone();
            view! {
                <div class="field day">
                    <label for=id.clone()>{*name}</label>
                    <input id=id placeholder="closed" bind:value=ranges aria-invalid=invalid(errors, move || f.clone())/>
                    <FieldError errors=errors field=field/>
                </div>
            }
        })
        .collect_view();
    view! {
        <fieldset class="card" data-section="hours">
            <legend>"Business hours"</legend>
            <div class="field check">
                <label><input type="checkbox" name="hours_on" bind:checked=form.hours_on/>" Calls outside opening hours go elsewhere"</label>
                <span class="hint">"Unticked: every call rings the business, at any hour."</span>
                <FieldError errors=errors field="business_hours".to_string()/>
            </div>
            <div class="hours" hidden=move || !form.hours_on.get()>
                <TextField errors=errors field="business_hours.time_zone" label="Time zone" value=form.time_zone
                    placeholder="America/Chicago"/>
                <p class="hint">"Opening hours as 24-hour ranges, e.g. 09:00-17:00, or 09:00-12:00, 13:00-17:00; empty: closed that day."</p>
                <FieldError errors=errors field="business_hours.weekly".to_string()/>
                <div class="fields">{days}</div>
                <TextField errors=errors field="business_hours.closed_dates" label="Closed dates" value=form.closed_dates
                    placeholder="2026-12-25, 2027-01-01"/>
                <div class="fields">
                    <TextField errors=errors field="after_hours.forward_to" label="After hours, forward to" value=form.after_hours_forward
                        kind="tel" placeholder="voicemail" hint="An answering service or a mobile; empty: the caller leaves a voicemail."/>
                    <div class="field wide">
                        <label for="f-greeting">"Voicemail greeting"</label>
                        <textarea id="f-greeting" rows="2" bind:value=form.greeting
                            aria-invalid=invalid(errors, || "after_hours.voicemail_greeting".to_string())></textarea>
                        <FieldError errors=errors field="after_hours.voicemail_greeting".to_string()/>
                    </div>
                </div>
            </div>
        </fieldset>
    }
}
