//! The Widget section: which pages may show the site's numbers, and how fast new leases may go.

use super::form::Form;
use crate::components::field_error::{invalid, FieldError, FieldErrors};
use crate::components::text_field::TextField;
use leptos::prelude::*;

#[component]
pub fn WidgetSection(form: Form, errors: FieldErrors) -> impl IntoView {
    view! {
        <fieldset class="card" data-section="widget">
            <legend>"Widget"</legend>
            <div class="fields">
                <div class="field wide">
                    <label for="f-allowed_origins">"Pages allowed to show your numbers"</label>
                    <textarea id="f-allowed_origins" rows="3" bind:value=form.allowed_origins placeholder="https://www.example.com"
                        aria-invalid=invalid(errors, || "allowed_origins".to_string())></textarea>
                    <span class="hint">"One per line, e.g. https://www.example.com, https://*.example.com (any subdomain). Empty: any website can use your tracking numbers."</span>
                    <FieldError errors=errors field="allowed_origins".to_string() within=true/>
                </div>
                <TextField errors=errors field="max_new_leases_per_minute" label="New leases a minute, at most" value=form.max_new_leases
                    kind="number" placeholder="twice the pool" hint="Past it, visitors (or a bot) see the overflow or your own number; the pool stays for the others."/>
            </div>
        </fieldset>
    }
}
