//! The Money and conversions section: the currency and time zone of spend and call values,
//! what a qualified call without a value is worth, and the ad platforms told about calls (GA4's
//! Measurement Protocol, Meta's Conversions API; their secrets write-only).

use super::form::Form;
use crate::components::field_error::FieldErrors;
use crate::components::text_field::TextField;
use leptos::prelude::*;

/// The hint under a write-only secret's field.
fn secret_hint(set: bool, what: &'static str) -> &'static str {
    match (set, what) {
        (true, _) => "One is stored; leave blank to keep it. Write-only: never shown again.",
        (false, "ga4") => "GA4: Admin → Data streams → your stream → Measurement Protocol API secrets.",
        (false, _) => {
            "Meta Events Manager → your dataset → Settings → Conversions API → Generate access token."
        }
    }
}

#[component]
pub fn MoneySection(form: Form, errors: FieldErrors) -> impl IntoView {
    let m = form.money;
    view! {
        <fieldset class="card" data-section="money">
            <legend>"Money and conversions"</legend>
            <div class="fields">
                <TextField errors=errors field="currency" label="Currency" value=m.currency placeholder="USD"
                    hint="An ISO 4217 code (USD, EUR, GBP…): spend uploads and call values are in it."/>
                <TextField errors=errors field="time_zone" label="Ad accounts' time zone" value=m.time_zone
                    placeholder="America/Chicago" hint="The zone your ad accounts report in: conversion times are written in it."/>
                <TextField errors=errors field="default_call_value" label="Default call value" value=m.default_call_value
                    placeholder="50.00" hint="What a qualified call without a value of its own is worth; blank: nothing."/>
            </div>
            <h3>"Google Analytics 4"</h3>
            <div class="fields">
                <TextField errors=errors field="ga4.measurement_id" label="Measurement id" value=m.ga4_measurement_id
                    placeholder="G-ABC123XYZ" hint="Blank: calls are not sent to GA4."/>
                <TextField errors=errors field="ga4.api_secret" label="Measurement Protocol API secret" value=m.ga4_api_secret
                    kind="password" placeholder=if m.ga4_set { "stored" } else { "" } hint=secret_hint(m.ga4_set, "ga4")/>
            </div>
            <h3>"Meta"</h3>
            <div class="fields">
                <TextField errors=errors field="meta.pixel_id" label="Pixel (dataset) id" value=m.meta_pixel_id
                    placeholder="123456789012345" hint="Blank: calls are not sent to Meta."/>
                <TextField errors=errors field="meta.access_token" label="Conversions API access token" value=m.meta_access_token
                    kind="password" placeholder=if m.meta_set { "stored" } else { "" } hint=secret_hint(m.meta_set, "meta")/>
            </div>
            <p class="hint">"Google Ads takes calls as a file: download it on the Spend page."</p>
        </fieldset>
    }
}
