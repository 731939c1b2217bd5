//! The Leases and attribution section: how long a visitor keeps a number, and who gets a call's credit.

use super::form::{attribution_value, chosen, Form, ATTRIBUTION_MODELS};
use crate::components::field_error::{FieldError, FieldErrors};
use crate::components::text_field::TextField;
use leptos::prelude::*;

#[component]
pub fn AttributionSection(form: Form, errors: FieldErrors) -> impl IntoView {
    view! {
        <fieldset class="card" data-section="attribution">
            <legend>"Leases and attribution"</legend>
            <div class="fields">
                <TextField errors=errors field="lease_minutes" label="Lease, minutes" value=form.lease_minutes kind="number"
                    hint="How long a visitor keeps a number after their last page view (1–1440)."/>
                <TextField errors=errors field="retention_minutes" label="Cooling, minutes" value=form.retention_minutes kind="number"
                    hint="How long a number still credits its last visitor after the lease (0–10080)."/>
                <div class="field">
                    <label for="f-attribution_model">"Attribution model"</label>
                    <select id="f-attribution_model" prop:value=move || attribution_value(form.attribution_model.get())
                        on:change=move |ev| {
                            if let Some(m) = chosen(&ATTRIBUTION_MODELS, attribution_value, &event_target_value(&ev)) {
                                form.attribution_model.set(m);
                            }
                        }>
                        <option value="last_non_direct">"Last non-direct touch"</option>
                        <option value="last_touch">"Last touch"</option>
                        <option value="first_touch">"First touch"</option>
                    </select>
                    <FieldError errors=errors field="attribution_model".to_string()/>
                </div>
                <TextField errors=errors field="touch_lifetime_days" label="Visitor lifetime, days" value=form.touch_lifetime_days
                    kind="number" hint="How long a visitor's earlier visits count (1–730)."/>
                <TextField errors=errors field="qualified_talk_seconds" label="Qualified call, seconds" value=form.qualified_talk_seconds
                    kind="number" hint="An answered call with at least this much talk time is qualified (0–3600)."/>
            </div>
        </fieldset>
    }
}
