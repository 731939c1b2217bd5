//! The Integrations section: the CRM webhook and the Twilio auth token (both secrets write-only).

use super::form::Form;
use crate::components::field_error::FieldErrors;
use crate::components::text_field::TextField;
use leptos::prelude::*;

#[component]
pub fn IntegrationsSection(form: Form, errors: FieldErrors) -> impl IntoView {
    let crm_hint = if form.crm_secret_set {
        "A secret is stored; leave blank to keep it."
    } else {
        "At least 16 characters; each delivery is signed with it."
    };
    view! {
        <fieldset class="card" data-section="integrations">
            <legend>"Integrations"</legend>
            <div class="fields">
                <TextField errors=errors field="crm_webhook.url" label="CRM webhook URL" value=form.crm_url kind="url"
                    placeholder="https://crm.example.com/hooks/calls" hint="Call start and end are posted here; empty: none."/>
                <TextField errors=errors field="crm_webhook.secret" label="CRM webhook secret" value=form.crm_secret
                    kind="password" placeholder=if form.crm_secret_set { "stored" } else { "" } hint=crm_hint/>
                <div class="field">
                    <TextField errors=errors field="twilio_auth_token" label="Twilio auth token" value=form.twilio_token
                        kind="password" placeholder=if form.twilio_set { "stored" } else { "none" }
                        hint="Checks that webhooks come from Twilio. Write-only: never shown again; blank keeps it."/>
                    {form.twilio_set.then(|| view! {
                        <label class="check"><input type="checkbox" bind:checked=form.twilio_remove/>" Remove the stored token"</label>
                    })}
                </div>
            </div>
        </fieldset>
    }
}
