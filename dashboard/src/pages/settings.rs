//! The site's settings in one form, saved through `PATCH /v1/sites/{site}/settings`.
//!
//! The edge checks every value with the same rules as the admin API and names the field an
//! error is about; the message is shown beside that field (and above the Save button, in case
//! the field is further up). The form itself checks only what it needs to write the JSON
//! (whole numbers). Secrets are write-only: the form shows whether one is stored, and a blank
//! field keeps it.

use crate::api::{self, ApiError, Session};
use crate::components::calls_table::readable;
use crate::load::{fetch_on, Load};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::{json, Value};
use shared::settings::SiteSettings;
use shared::{AttributionModel, ExhaustionPolicy, PoolEntrySetup};
use std::sync::atomic::{AtomicU64, Ordering};

/// Errors by the settings document's field names (`lease_minutes`, `pool[2].region`).
type Errors = RwSignal<Vec<(String, String)>>;

const DAYS: [(&str, &str); 7] = [
    ("mon", "Monday"),
    ("tue", "Tuesday"),
    ("wed", "Wednesday"),
    ("thu", "Thursday"),
    ("fri", "Friday"),
    ("sat", "Saturday"),
    ("sun", "Sunday"),
];

/// The message for `field`: exactly that field, or (`within`) also anything inside it.
fn message_for(errors: &[(String, String)], field: &str, within: bool) -> Option<String> {
    errors
        .iter()
        .find(|(f, _)| {
            f == field
                || (within && (f.starts_with(&format!("{field}.")) || f.starts_with(&format!("{field}["))))
        })
        .map(|(_, m)| m.clone())
}

/// An id an element can carry for a field (`pool[2].region` → `f-pool-2--region`).
fn dom_id(field: &str) -> String {
    let tail: String =
        field.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '-' }).collect();
    format!("f-{tail}")
}

/// The message beside a field, if the last save named it.
#[component]
fn FieldError(
    errors: Errors,
    #[prop(into)] field: Signal<String>,
    #[prop(optional)] within: bool,
) -> impl IntoView {
    move || {
        let field = field.get();
        errors.with(|e| message_for(e, &field, within)).map(|m| {
            view! { <p class="field-error" id=format!("{}-error", dom_id(&field))>{m}</p> }
        })
    }
}

/// `aria-invalid` for an input whose field has an error.
fn invalid(errors: Errors, field: impl Fn() -> String + Send + Sync + 'static) -> impl Fn() -> &'static str {
    move || if errors.with(|e| message_for(e, &field(), true).is_some()) { "true" } else { "false" }
}

fn next_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

fn text(v: Option<&str>) -> RwSignal<String> {
    RwSignal::new(v.unwrap_or_default().to_string())
}

#[derive(Clone)]
struct NumberRow {
    id: u64,
    number: RwSignal<String>,
}

#[derive(Clone)]
struct PoolRow {
    id: u64,
    number: RwSignal<String>,
    region: RwSignal<String>,
    line: RwSignal<String>,
}

#[derive(Clone)]
struct StaticRow {
    id: u64,
    number: RwSignal<String>,
    channel: RwSignal<String>,
    source: RwSignal<String>,
    medium: RwSignal<String>,
    campaign: RwSignal<String>,
    line: RwSignal<String>,
}

/// The form's state: text as typed, turned into the settings document on save.
#[derive(Clone, Copy)]
struct Form {
    name: RwSignal<String>,
    business_number: RwSignal<String>,
    business_numbers: RwSignal<Vec<NumberRow>>,
    pool: RwSignal<Vec<PoolRow>>,
    home_region: RwSignal<String>,
    exhaustion: RwSignal<String>,
    overflow_number: RwSignal<String>,
    static_numbers: RwSignal<Vec<StaticRow>>,
    lease_minutes: RwSignal<String>,
    max_new_leases: RwSignal<String>,
    allowed_origins: RwSignal<String>,
    retention_minutes: RwSignal<String>,
    attribution_model: RwSignal<String>,
    touch_lifetime_days: RwSignal<String>,
    qualified_talk_seconds: RwSignal<String>,
    caller_id: RwSignal<String>,
    caller_id_number: RwSignal<String>,
    record_calls: RwSignal<bool>,
    dial_timeout_seconds: RwSignal<String>,
    keywords: RwSignal<String>,
    hours_on: RwSignal<bool>,
    time_zone: RwSignal<String>,
    weekly: [RwSignal<String>; 7],
    closed_dates: RwSignal<String>,
    after_hours_forward: RwSignal<String>,
    greeting: RwSignal<String>,
    /// The site has after-hours settings stored (else they are sent only once filled in).
    after_hours_set: bool,
    crm_url: RwSignal<String>,
    crm_secret: RwSignal<String>,
    crm_secret_set: bool,
    twilio_token: RwSignal<String>,
    twilio_remove: RwSignal<bool>,
    twilio_set: bool,
}

fn attribution_value(m: AttributionModel) -> &'static str {
    match m {
        AttributionModel::FirstTouch => "first_touch",
        AttributionModel::LastTouch => "last_touch",
        AttributionModel::LastNonDirect => "last_non_direct",
    }
}

impl Form {
    fn of(s: &SiteSettings) -> Form {
        let pool = s
            .pool
            .iter()
            .map(|e| {
                let (number, region, line) = match e {
                    PoolEntrySetup::Number(n) => (n.as_str(), None, None),
                    PoolEntrySetup::Detailed { number, region, business_number } => {
                        (number.as_str(), region.as_deref(), business_number.as_deref())
                    }
                };
                PoolRow { id: next_id(), number: text(Some(number)), region: text(region), line: text(line) }
            })
            .collect();
        let statics = s
            .static_numbers
            .iter()
            .map(|r| StaticRow {
                id: next_id(),
                number: text(Some(&r.number)),
                channel: text(r.channel.as_deref()),
                source: text(r.utm_source.as_deref()),
                medium: text(r.utm_medium.as_deref()),
                campaign: text(r.utm_campaign.as_deref()),
                line: text(r.business_number.as_deref()),
            })
            .collect();
        let hours = s.business_hours.as_ref();
        let weekly = DAYS.map(|(key, _)| {
            RwSignal::new(hours.and_then(|h| h.weekly.get(key)).map(|r| r.join(", ")).unwrap_or_default())
        });
        let (caller_id, caller_id_number) = match s.caller_id.as_str() {
            "caller" | "tracking_number" => (s.caller_id.clone(), String::new()),
            number => ("number".to_string(), number.to_string()),
        };
        let after = s.after_hours.as_ref();
        Form {
            name: text(Some(&s.name)),
            business_number: text(Some(&s.business_number)),
            business_numbers: RwSignal::new(
                s.business_numbers
                    .iter()
                    .map(|n| NumberRow { id: next_id(), number: text(Some(n)) })
                    .collect(),
            ),
            pool: RwSignal::new(pool),
            home_region: text(s.home_region.as_deref()),
            exhaustion: RwSignal::new(
                match s.exhaustion {
                    ExhaustionPolicy::Share => "share",
                    ExhaustionPolicy::Overflow => "overflow",
                }
                .to_string(),
            ),
            overflow_number: text(s.overflow_number.as_deref()),
            static_numbers: RwSignal::new(statics),
            lease_minutes: RwSignal::new(s.lease_minutes.to_string()),
            max_new_leases: RwSignal::new(
                s.max_new_leases_per_minute.map(|n| n.to_string()).unwrap_or_default(),
            ),
            allowed_origins: RwSignal::new(s.allowed_origins.join("\n")),
            retention_minutes: RwSignal::new(s.retention_minutes.to_string()),
            attribution_model: RwSignal::new(attribution_value(s.attribution_model).to_string()),
            touch_lifetime_days: RwSignal::new(s.touch_lifetime_days.to_string()),
            qualified_talk_seconds: RwSignal::new(s.qualified_talk_seconds.to_string()),
            caller_id: RwSignal::new(caller_id),
            caller_id_number: RwSignal::new(caller_id_number),
            record_calls: RwSignal::new(s.record_calls),
            dial_timeout_seconds: RwSignal::new(s.dial_timeout_seconds.to_string()),
            keywords: RwSignal::new(s.keywords.join("\n")),
            hours_on: RwSignal::new(hours.is_some()),
            // New business hours start in the browser's own time zone.
            time_zone: RwSignal::new(hours.map_or_else(crate::period::time_zone, |h| h.time_zone.clone())),
            weekly,
            closed_dates: RwSignal::new(hours.map(|h| h.closed_dates.join(", ")).unwrap_or_default()),
            after_hours_forward: text(after.and_then(|a| a.forward_to.as_deref())),
            greeting: text(after.and_then(|a| a.voicemail_greeting.as_deref())),
            after_hours_set: after.is_some(),
            crm_url: text(s.crm_webhook.as_ref().map(|c| c.url.as_str())),
            crm_secret: RwSignal::new(String::new()),
            crm_secret_set: s.crm_webhook.is_some(),
            twilio_token: RwSignal::new(String::new()),
            twilio_remove: RwSignal::new(false),
            twilio_set: s.twilio_auth_token_set,
        }
    }

    /// The settings document to send, or the fields the form cannot write.
    fn document(&self) -> Result<Value, Vec<(String, String)>> {
        let mut errors = Vec::new();
        let mut whole = |field: &str, value: RwSignal<String>| -> u32 {
            let raw = value.get_untracked();
            match raw.trim().parse::<u32>() {
                Ok(n) => n,
                Err(_) => {
                    errors.push((field.to_string(), format!("{:?} is not a whole number.", raw.trim())));
                    0
                }
            }
        };
        let lease_minutes = whole("lease_minutes", self.lease_minutes);
        let retention_minutes = whole("retention_minutes", self.retention_minutes);
        let touch_lifetime_days = whole("touch_lifetime_days", self.touch_lifetime_days);
        let qualified_talk_seconds = whole("qualified_talk_seconds", self.qualified_talk_seconds);
        let dial_timeout_seconds = whole("dial_timeout_seconds", self.dial_timeout_seconds);
        let max_new_leases = match self.max_new_leases.get_untracked().trim() {
            "" => None,
            raw => match raw.parse::<u32>() {
                Ok(n) => Some(n),
                Err(_) => {
                    errors.push((
                        "max_new_leases_per_minute".into(),
                        format!("{raw:?} is not a whole number."),
                    ));
                    None
                }
            },
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        let get = |s: RwSignal<String>| s.get_untracked().trim().to_string();
        let optional = |s: RwSignal<String>| Some(get(s)).filter(|v| !v.is_empty());
        let list = |s: String| -> Vec<String> {
            s.split([',', '\n']).map(str::trim).filter(|v| !v.is_empty()).map(str::to_string).collect()
        };
        let caller_id = match self.caller_id.get_untracked().as_str() {
            "number" => get(self.caller_id_number),
            other => other.to_string(),
        };
        let hours = self.hours_on.get_untracked().then(|| {
            let weekly: serde_json::Map<String, Value> = DAYS
                .iter()
                .zip(self.weekly)
                .map(|((key, _), ranges)| (key.to_string(), json!(list(ranges.get_untracked()))))
                .filter(|(_, ranges)| ranges.as_array().is_some_and(|r| !r.is_empty()))
                .collect();
            json!({"time_zone": get(self.time_zone), "weekly": weekly,
                   "closed_dates": list(self.closed_dates.get_untracked())})
        });
        let (forward_to, greeting) = (optional(self.after_hours_forward), optional(self.greeting));
        let after_hours_given = self.after_hours_set || forward_to.is_some() || greeting.is_some();
        let after_hours = (self.hours_on.get_untracked() && after_hours_given)
            .then(|| json!({"forward_to": forward_to, "voicemail_greeting": greeting}));
        let crm = optional(self.crm_url).map(|url| json!({"url": url, "secret": optional(self.crm_secret)}));
        let mut doc = json!({
            "name": get(self.name),
            "business_number": get(self.business_number),
            "business_numbers": self.business_numbers.get_untracked().iter().map(|r| get(r.number)).collect::<Vec<_>>(),
            "pool": self.pool.get_untracked().iter().map(|r| json!({
                "number": get(r.number), "region": optional(r.region), "business_number": optional(r.line),
            })).collect::<Vec<_>>(),
            "home_region": optional(self.home_region),
            "exhaustion": self.exhaustion.get_untracked(),
            "overflow_number": optional(self.overflow_number),
            "static_numbers": self.static_numbers.get_untracked().iter().map(|r| json!({
                "number": get(r.number), "channel": optional(r.channel), "utm_source": optional(r.source),
                "utm_medium": optional(r.medium), "utm_campaign": optional(r.campaign),
                "business_number": optional(r.line),
            })).collect::<Vec<_>>(),
            "lease_minutes": lease_minutes,
            "max_new_leases_per_minute": max_new_leases,
            "allowed_origins": self.allowed_origins.get_untracked().lines().map(str::trim).filter(|o| !o.is_empty()).collect::<Vec<_>>(),
            "retention_minutes": retention_minutes,
            "attribution_model": self.attribution_model.get_untracked(),
            "touch_lifetime_days": touch_lifetime_days,
            "qualified_talk_seconds": qualified_talk_seconds,
            "caller_id": caller_id,
            "record_calls": self.record_calls.get_untracked(),
            "dial_timeout_seconds": dial_timeout_seconds,
            // One per line: a keyword may itself hold a comma.
            "keywords": self.keywords.get_untracked().lines().map(str::trim).filter(|k| !k.is_empty()).collect::<Vec<_>>(),
            "business_hours": hours,
            "after_hours": after_hours,
            "crm_webhook": crm,
        });
        if self.twilio_remove.get_untracked() {
            doc["twilio_auth_token"] = json!("");
        } else if let Some(token) = optional(self.twilio_token) {
            doc["twilio_auth_token"] = json!(token);
        }
        Ok(doc)
    }
}

/// A labelled text input bound to one field, with its error beside it.
#[component]
fn TextField(
    form_errors: Errors,
    field: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    #[prop(optional)] hint: &'static str,
    #[prop(optional)] kind: &'static str,
    #[prop(optional)] placeholder: &'static str,
) -> impl IntoView {
    let id = dom_id(field);
    let described = format!("{id}-error");
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <input id=id name=field type=if kind.is_empty() { "text" } else { kind } placeholder=placeholder
                bind:value=value aria-invalid=invalid(form_errors, move || field.to_string())
                aria-describedby=described inputmode=if kind == "number" { "numeric" } else { "text" }
                // A browser must not fill a secret with the dashboard's own saved token.
                autocomplete=if kind == "password" { "new-password" } else { "off" }/>
            {(!hint.is_empty()).then(|| view! { <span class="hint">{hint}</span> })}
            <FieldError errors=form_errors field=field.to_string() within=true/>
        </div>
    }
}

/// The business numbers a tracking number can stand in for, as `<option>`s.
/// (Re-drawn when the business numbers change; each option says whether it is the chosen one,
/// so the choice shown stays the one saved.)
fn line_options(form: Form, chosen: RwSignal<String>) -> impl IntoView {
    move || {
        let main = form.business_number.get();
        let others: Vec<String> = form
            .business_numbers
            .get()
            .iter()
            .map(|r| r.number.get())
            .filter(|n| !n.trim().is_empty())
            .collect();
        let current = chosen.get_untracked();
        let mut options = vec![view! {
            <option value="" selected=current.is_empty()>{format!("main: {}", readable(&main))}</option>
        }
        .into_any()];
        options.extend(others.into_iter().map(|n| {
            let selected = n == current;
            view! { <option value=n.clone() selected=selected>{readable(&n)}</option> }.into_any()
        }));
        options
    }
}

fn remove_button(number: RwSignal<String>, on_remove: impl Fn() + 'static) -> impl IntoView {
    let label = move || format!("Remove {}", number.get());
    view! { <button type="button" class="secondary small" aria-label=label on:click=move |_| on_remove()>"Remove"</button> }
}

#[component]
fn BusinessSection(form: Form, errors: Errors) -> impl IntoView {
    let rows = form.business_numbers;
    let index_of = move |id: u64| rows.with(|r| r.iter().position(|x| x.id == id).unwrap_or(0));
    view! {
        <fieldset class="card" data-section="business">
            <legend>"Business"</legend>
            <TextField form_errors=errors field="name" label="Site name" value=form.name/>
            <TextField form_errors=errors field="business_number" label="Main business number" value=form.business_number
                kind="tel" hint="The number printed on your pages; calls to tracking numbers forward here."/>
            <div class="field">
                <span class="label">"Other business numbers"</span>
                <span class="hint">"A sales and a service line: each can have tracking numbers of its own."</span>
                <For each=move || rows.get() key=|r| r.id let:row>
                    {
                        let id = row.id;
                        let field = move || format!("business_numbers[{}]", index_of(id));
                        view! {
                            <div class="row">
                                <input type="tel" aria-label="Business number" bind:value=row.number
                                    aria-invalid=invalid(errors, field)/>
                                {remove_button(row.number, move || {
                                    errors.set(Vec::new());
                                    rows.update(|r| r.retain(|x| x.id != id));
                                })}
                                <FieldError errors=errors field=Signal::derive(field) within=true/>
                            </div>
                        }
                    }
                </For>
                <FieldError errors=errors field="business_numbers".to_string()/>
                <button type="button" class="secondary small" on:click=move |_| {
                    rows.update(|r| r.push(NumberRow { id: next_id(), number: RwSignal::new(String::new()) }));
                }>"Add a business number"</button>
            </div>
        </fieldset>
    }
}

#[component]
fn PoolSection(form: Form, errors: Errors) -> impl IntoView {
    let rows = form.pool;
    let index_of = move |id: u64| rows.with(|r| r.iter().position(|x| x.id == id).unwrap_or(0));
    view! {
        <fieldset class="card" data-section="pool">
            <legend>"Tracking numbers"</legend>
            <p class="hint">"The pool each visitor borrows a number from. A region (US-TX, GB) gives that number to visitors from there first."</p>
            <div class="table-wrap">
                <table class="calls form-table">
                    <thead><tr><th>"Number"</th><th>"Region"</th><th>"Replaces"</th><th><span class="sr-only">"Remove"</span></th></tr></thead>
                    <tbody>
                        <For each=move || rows.get() key=|r| r.id let:row>
                            {
                                let id = row.id;
                                let field = move || format!("pool[{}]", index_of(id));
                                let line = row.line;
                                view! {
                                    <tr data-number=move || row.number.get()>
                                        <td><input type="tel" aria-label="Tracking number" bind:value=row.number
                                            aria-invalid=invalid(errors, move || format!("{}.number", field()))/></td>
                                        <td><input aria-label="Region" placeholder="any" size="6" bind:value=row.region
                                            aria-invalid=invalid(errors, move || format!("{}.region", field()))/></td>
                                        <td><select aria-label="Replaces" prop:value=move || line.get()
                                            on:change=move |ev| line.set(event_target_value(&ev))>{line_options(form, line)}</select></td>
                                        <td>{remove_button(row.number, move || {
                                            errors.set(Vec::new());
                                            rows.update(|r| r.retain(|x| x.id != id));
                                        })}</td>
                                    </tr>
                                    <FieldErrorRow errors=errors field=Signal::derive(field)/>
                                }
                            }
                        </For>
                    </tbody>
                </table>
            </div>
            <FieldError errors=errors field="pool".to_string()/>
            <button type="button" class="secondary small" on:click=move |_| {
                rows.update(|r| r.push(PoolRow { id: next_id(), number: RwSignal::new(String::new()),
                    region: RwSignal::new(String::new()), line: RwSignal::new(String::new()) }));
            }>"Add a tracking number"</button>
            <div class="fields">
                <TextField form_errors=errors field="home_region" label="Home region" value=form.home_region placeholder="none"
                    hint="Visitors from regions without numbers of their own get this region's numbers first."/>
                <div class="field">
                    <label for="f-exhaustion">"When every number is in use"</label>
                    <select id="f-exhaustion" prop:value=move || form.exhaustion.get()
                        on:change=move |ev| form.exhaustion.set(event_target_value(&ev))>
                        <option value="share">"Share a number (its calls list every candidate)"</option>
                        <option value="overflow">"Show the overflow number"</option>
                    </select>
                </div>
                <TextField form_errors=errors field="overflow_number" label="Overflow number" value=form.overflow_number kind="tel"
                    placeholder="none"/>
            </div>
        </fieldset>
    }
}

/// A field's error as a table row under the row it is about.
#[component]
fn FieldErrorRow(errors: Errors, field: Signal<String>) -> impl IntoView {
    move || {
        let field = field.get();
        errors.with(|e| message_for(e, &field, true)).map(|m| {
            view! { <tr class="error-row"><td colspan="9"><p class="field-error">{m}</p></td></tr> }
        })
    }
}

#[component]
fn StaticSection(form: Form, errors: Errors) -> impl IntoView {
    let rows = form.static_numbers;
    let index_of = move |id: u64| rows.with(|r| r.iter().position(|x| x.id == id).unwrap_or(0));
    let mut channels: Vec<(String, String)> = vec![(String::new(), "any channel".into())];
    channels.extend(shared::ALL_CHANNELS.iter().map(|c| (c.label().to_string(), c.label().to_string())));
    view! {
        <fieldset class="card" data-section="static">
            <legend>"Static numbers"</legend>
            <p class="hint">"A fixed number for a whole traffic source (every visitor from a Facebook campaign, a print ad's landing page). The first rule whose conditions all match wins over the pool."</p>
            <p class="muted" hidden=move || rows.with(|r| !r.is_empty())>"No static numbers: every visitor gets a number from the pool."</p>
            <div class="table-wrap" hidden=move || rows.with(Vec::is_empty)>
                <table class="calls form-table">
                    <thead><tr><th>"Number"</th><th>"Channel"</th><th>"utm_source"</th><th>"utm_medium"</th><th>"utm_campaign"</th><th>"Replaces"</th><th><span class="sr-only">"Remove"</span></th></tr></thead>
                    <tbody>
                        <For each=move || rows.get() key=|r| r.id let:row>
                            {
                                let id = row.id;
                                let field = move || format!("static_numbers[{}]", index_of(id));
                                let (channel, line) = (row.channel, row.line);
                                let channels = channels.clone();
                                view! {
                                    <tr>
                                        <td><input type="tel" aria-label="Static number" bind:value=row.number
                                            aria-invalid=invalid(errors, field)/></td>
                                        <td><select aria-label="Channel" prop:value=move || channel.get()
                                            on:change=move |ev| channel.set(event_target_value(&ev))>
                                            {channels.into_iter().map(|(v, t)| view! { <option value=v>{t}</option> }).collect_view()}
                                        </select></td>
                                        <td><input aria-label="utm_source" placeholder="any" size="10" bind:value=row.source/></td>
                                        <td><input aria-label="utm_medium" placeholder="any" size="8" bind:value=row.medium/></td>
                                        <td><input aria-label="utm_campaign" placeholder="any" size="10" bind:value=row.campaign/></td>
                                        <td><select aria-label="Replaces" prop:value=move || line.get()
                                            on:change=move |ev| line.set(event_target_value(&ev))>{line_options(form, line)}</select></td>
                                        <td>{remove_button(row.number, move || {
                                            errors.set(Vec::new());
                                            rows.update(|r| r.retain(|x| x.id != id));
                                        })}</td>
                                    </tr>
                                    <FieldErrorRow errors=errors field=Signal::derive(field)/>
                                }
                            }
                        </For>
                    </tbody>
                </table>
            </div>
            <button type="button" class="secondary small" on:click=move |_| {
                let blank = || RwSignal::new(String::new());
                rows.update(|r| r.push(StaticRow { id: next_id(), number: blank(), channel: blank(), source: blank(),
                    medium: blank(), campaign: blank(), line: blank() }));
            }>"Add a static number"</button>
        </fieldset>
    }
}

#[component]
fn WidgetSection(form: Form, errors: Errors) -> impl IntoView {
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
                <TextField form_errors=errors field="max_new_leases_per_minute" label="New leases a minute, at most" value=form.max_new_leases
                    kind="number" placeholder="twice the pool" hint="Past it, visitors (or a bot) see the overflow or your own number; the pool stays for the others."/>
            </div>
        </fieldset>
    }
}

#[component]
fn AttributionSection(form: Form, errors: Errors) -> impl IntoView {
    view! {
        <fieldset class="card" data-section="attribution">
            <legend>"Leases and attribution"</legend>
            <div class="fields">
                <TextField form_errors=errors field="lease_minutes" label="Lease, minutes" value=form.lease_minutes kind="number"
                    hint="How long a visitor keeps a number after their last page view (1–1440)."/>
                <TextField form_errors=errors field="retention_minutes" label="Cooling, minutes" value=form.retention_minutes kind="number"
                    hint="How long a number still credits its last visitor after the lease (0–10080)."/>
                <div class="field">
                    <label for="f-attribution_model">"Attribution model"</label>
                    <select id="f-attribution_model" prop:value=move || form.attribution_model.get()
                        on:change=move |ev| form.attribution_model.set(event_target_value(&ev))>
                        <option value="last_non_direct">"Last non-direct touch"</option>
                        <option value="last_touch">"Last touch"</option>
                        <option value="first_touch">"First touch"</option>
                    </select>
                    <FieldError errors=errors field="attribution_model".to_string()/>
                </div>
                <TextField form_errors=errors field="touch_lifetime_days" label="Visitor lifetime, days" value=form.touch_lifetime_days
                    kind="number" hint="How long a visitor's earlier visits count (1–730)."/>
                <TextField form_errors=errors field="qualified_talk_seconds" label="Qualified call, seconds" value=form.qualified_talk_seconds
                    kind="number" hint="An answered call with at least this much talk time is qualified (0–3600)."/>
            </div>
        </fieldset>
    }
}

#[component]
fn CallsSection(form: Form, errors: Errors) -> impl IntoView {
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
                <TextField form_errors=errors field="dial_timeout_seconds" label="Ring for, seconds" value=form.dial_timeout_seconds
                    kind="number" hint="Before the call counts as missed (5–120)."/>
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

#[component]
fn HoursSection(form: Form, errors: Errors) -> impl IntoView {
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
                <TextField form_errors=errors field="business_hours.time_zone" label="Time zone" value=form.time_zone
                    placeholder="America/Chicago"/>
                <p class="hint">"Opening hours as 24-hour ranges, e.g. 09:00-17:00, or 09:00-12:00, 13:00-17:00; empty: closed that day."</p>
                <FieldError errors=errors field="business_hours.weekly".to_string()/>
                <div class="fields">{days}</div>
                <TextField form_errors=errors field="business_hours.closed_dates" label="Closed dates" value=form.closed_dates
                    placeholder="2026-12-25, 2027-01-01"/>
                <div class="fields">
                    <TextField form_errors=errors field="after_hours.forward_to" label="After hours, forward to" value=form.after_hours_forward
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

#[component]
fn IntegrationsSection(form: Form, errors: Errors) -> impl IntoView {
    let crm_hint = if form.crm_secret_set {
        "A secret is stored; leave blank to keep it."
    } else {
        "At least 16 characters; each delivery is signed with it."
    };
    view! {
        <fieldset class="card" data-section="integrations">
            <legend>"Integrations"</legend>
            <div class="fields">
                <TextField form_errors=errors field="crm_webhook.url" label="CRM webhook URL" value=form.crm_url kind="url"
                    placeholder="https://crm.example.com/hooks/calls" hint="Call start and end are posted here; empty: none."/>
                <TextField form_errors=errors field="crm_webhook.secret" label="CRM webhook secret" value=form.crm_secret
                    kind="password" placeholder=if form.crm_secret_set { "stored" } else { "" } hint=crm_hint/>
                <div class="field">
                    <TextField form_errors=errors field="twilio_auth_token" label="Twilio auth token" value=form.twilio_token
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

#[component]
pub fn SettingsPage(session: Session, on_unauthorized: Callback<()>) -> impl IntoView {
    let data = fetch_on::<SiteSettings>(session.clone(), || "/settings".to_string(), on_unauthorized);
    let errors: Errors = RwSignal::new(Vec::new());
    // `Some(Ok(()))`: saved; `Some(Err(message))`: refused.
    let outcome = RwSignal::new(None::<Result<(), String>>);
    let saving = RwSignal::new(false);
    let save = move |form: Form| {
        outcome.set(None);
        let doc = match form.document() {
            Ok(doc) => doc,
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
            let result = api::patch::<SiteSettings>(&session, "/settings", &doc).await;
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
                    let form = Form::of(&settings);
                    let save = save.clone();
                    view! {
                        <form class="settings-form" novalidate on:submit=move |ev: leptos::ev::SubmitEvent| {
                            ev.prevent_default();
                            save(form);
                        }>
                            <BusinessSection form=form errors=errors/>
                            <PoolSection form=form errors=errors/>
                            <StaticSection form=form errors=errors/>
                            <WidgetSection form=form errors=errors/>
                            <AttributionSection form=form errors=errors/>
                            <CallsSection form=form errors=errors/>
                            <HoursSection form=form errors=errors/>
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
