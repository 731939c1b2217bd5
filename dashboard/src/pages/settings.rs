//! The site's settings in one form, saved through `PATCH /v1/sites/{site}/settings`.
//!
//! The edge checks every value with the same rules as the admin API and names the field an
//! error is about; the message is shown beside that field (and above the Save button, in case
//! the field is further up). The form itself checks only what it needs to write the JSON
//! (whole numbers). Secrets are write-only: the form shows whether one is stored, and a blank
//! field keeps it.
//!
//! The form's state is in [`form`], what a save sends in [`patch`], and each `<fieldset>` in
//! a module of its own.

mod attribution;
mod business;
mod calls;
mod extensions;
mod form;
mod hours;
mod identification;
mod integrations;
mod masking;
mod money;
mod patch;
mod pool;
mod replaces;
mod static_numbers;
mod widget;

use crate::api::{self, ApiError, Session};
use crate::components::field_error::FieldErrors;
use crate::load::{fetch_on, Load};
use attribution::AttributionSection;
use business::BusinessSection;
use calls::CallsSection;
use extensions::ExtensionsSection;
use form::Form;
use hours::HoursSection;
use identification::IdentificationSection;
use integrations::IntegrationsSection;
use leptos::prelude::*;
use leptos::task::spawn_local;
use masking::MaskingSection;
use money::MoneySection;
use patch::settings_of;
use pool::PoolSection;
use shared::SiteSettings;
use static_numbers::StaticSection;
use widget::WidgetSection;

#[component]
pub fn SettingsPage(session: Session, on_unauthorized: Callback<()>) -> impl IntoView {
    let data = fetch_on::<SiteSettings>(session.clone(), || "/settings".to_string(), on_unauthorized);
    let errors: FieldErrors = RwSignal::new(Vec::new());
    // `Some(Ok(()))`: saved; `Some(Err(message))`: refused.
    let outcome = RwSignal::new(None::<Result<(), String>>);
    let saving = RwSignal::new(false);
    // The caller identification test asks the edge too.
    let test_session = session.clone();
    let save = move |form: Form| {
        outcome.set(None);
        let body = match settings_of(&form) {
            Ok(settings) => settings.change(),
            Err(found) => {
                let first = found.first().map(|(f, m)| format!("{f}: {m}")).unwrap_or_default();
                errors.set(found);
                outcome.set(Some(Err(format!("Not saved. {first}"))));
                return;
            }
        };
        errors.set(Vec::new());
        saving.set(true);
        let session = session.clone();
        spawn_local(async move {
            let result = api::patch::<SiteSettings>(&session, "/settings", &body).await;
            saving.try_set(false);
            match result {
                Ok(saved) => {
                    // The form again from what is stored (numbers in E.164, keywords tidied).
                    data.try_set(Load::Ready(saved));
                    outcome.try_set(Some(Ok(())));
                }
                Err(ApiError::Unauthorized) => on_unauthorized.run(()),
                Err(ApiError::Field { field, message }) => {
                    let message = message.trim_start_matches("invalid request: ").to_string();
                    errors.try_set(vec![(field, message.clone())]);
                    outcome.try_set(Some(Err(format!("Not saved. {message}"))));
                }
                Err(e) => {
                    outcome.try_set(Some(Err(format!("Not saved. {e}"))));
                }
            }
        });
    };
    view! {
        <section class="page settings">
            <div class="heading"><h1>"Settings"</h1></div>
            {move || match data.get() {
                Load::Loading => view! { <p class="muted" role="status">"Loading the settings…"</p> }.into_any(),
                Load::Failed(e) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                Load::Ready(settings) => {
                    let form = Form::of(&settings, crate::period::time_zone);
                    let save = save.clone();
                    let session = test_session.clone();
                    view! {
                        <form class="settings-form" novalidate on:submit=move |ev: leptos::ev::SubmitEvent| {
                            ev.prevent_default();
                            save(form);
                        }>
                            <BusinessSection form=form errors=errors/>
                            <PoolSection form=form errors=errors/>
                            <ExtensionsSection form=form errors=errors/>
                            <StaticSection form=form errors=errors/>
                            <WidgetSection form=form errors=errors/>
                            <AttributionSection form=form errors=errors/>
                            <CallsSection form=form errors=errors/>
                            <IdentificationSection form=form errors=errors session=session on_unauthorized=on_unauthorized/>
                            <HoursSection form=form errors=errors/>
                            <MaskingSection form=form errors=errors/>
                            <MoneySection form=form errors=errors/>
                            <IntegrationsSection form=form errors=errors/>
                            <div class="save-bar">
                                <button type="submit" disabled=move || saving.get()>
                                    {move || if saving.get() { "Saving…" } else { "Save settings" }}
                                </button>
                                {move || match outcome.get() {
                                    Some(Ok(())) => Some(view! { <p class="saved" role="status">"Saved. New leases and calls use these settings now."</p> }.into_any()),
                                    Some(Err(m)) => Some(view! { <p class="error" role="alert">{m}</p> }.into_any()),
                                    None => None,
                                }}
                            </div>
                        </form>
                    }.into_any()
                }
            }}
        </section>
    }
}
