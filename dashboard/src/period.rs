//! The date range a page shows: a preset (today, the last 7 or 30 days) or custom dates, in
//! the marketer's own time zone. Kept in the URL (`range=7d`, `range=custom&from=…&to=…`).
//! The last 12 months (`range=12m`) are the Spend page's default: spend is reported by the
//! month.

use crate::page_url::{navigate, PageUrl};
use leptos::prelude::*;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    /// `today`, `7d`, `30d`, `12m` or `custom`.
    pub preset: String,
    /// For `custom`: `YYYY-MM-DD`, both days included.
    pub from: String,
    pub to: String,
}

/// Local midnight of the day `days` from today (negative: before).
fn midnight(offset_days: i32) -> js_sys::Date {
    let now = js_sys::Date::new_0();
    js_sys::Date::new_with_year_month_day(
        now.get_full_year(),
        now.get_month() as i32,
        now.get_date() as i32 + offset_days,
    )
}

/// Local midnight of `date` (`YYYY-MM-DD`) plus `offset_days`.
fn midnight_of(date: &str, offset_days: i32) -> Option<js_sys::Date> {
    let mut parts = date.split('-').map(|p| p.parse::<i32>().ok());
    let (Some(Some(y)), Some(Some(m)), Some(Some(d))) = (parts.next(), parts.next(), parts.next()) else {
        return None;
    };
    let day = js_sys::Date::new_with_year_month_day(y as u32, m - 1, d + offset_days);
    (!day.get_time().is_nan()).then_some(day)
}

/// `YYYY-MM-DD` of a local date.
pub fn ymd(date: &js_sys::Date) -> String {
    format!("{:04}-{:02}-{:02}", date.get_full_year(), date.get_month() + 1, date.get_date())
}

fn iso(date: &js_sys::Date) -> String {
    date.to_iso_string().as_string().unwrap_or_default()
}

/// The browser's IANA time zone (`America/Chicago`).
pub fn time_zone() -> String {
    let options =
        js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new()).resolved_options();
    js_sys::Reflect::get(&options, &"timeZone".into())
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_else(|| "UTC".into())
}

impl Period {
    pub fn of(page_url: &PageUrl) -> Period {
        Period::or(page_url, "30d")
    }

    /// The URL's period, or `default` when it names none.
    pub fn or(page_url: &PageUrl, default: &str) -> Period {
        let preset =
            page_url.get("range").filter(|r| ["today", "7d", "30d", "12m", "custom"].contains(&r.as_str()));
        Period {
            preset: preset.unwrap_or_else(|| default.into()),
            from: page_url.get("from").unwrap_or_default(),
            to: page_url.get("to").unwrap_or_default(),
        }
    }

    /// The instants the period starts and ends (RFC 3339), for the API.
    pub fn bounds(&self) -> (String, String) {
        let (from, to) = match self.preset.as_str() {
            "today" => (midnight(0), midnight(1)),
            "7d" => (midnight(-6), midnight(1)),
            // 365 days up to today: the edge's default range of spend.
            "12m" => (midnight(-364), midnight(1)),
            "custom" => match (midnight_of(&self.from, 0), midnight_of(&self.to, 1)) {
                (Some(f), Some(t)) if f.get_time() < t.get_time() => (f, t),
                // The dates the other way round: the same days.
                _ => match (midnight_of(&self.to, 0), midnight_of(&self.from, 1)) {
                    (Some(f), Some(t)) if f.get_time() < t.get_time() => (f, t),
                    _ => (midnight(-29), midnight(1)),
                },
            },
            _ => (midnight(-29), midnight(1)),
        };
        (iso(&from), iso(&to))
    }

    /// The first and last dates of the period (`YYYY-MM-DD`, both included), local.
    pub fn dates(&self) -> (String, String) {
        let (from, to) = self.bounds();
        let date = |iso: &str, back_ms: f64| {
            let at = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(iso)).get_time() - back_ms;
            ymd(&js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at)))
        };
        (date(&from, 0.0), date(&to, 1.0))
    }

    /// How many days the period spans (at least 1).
    pub fn days(&self) -> u32 {
        let (from, to) = self.bounds();
        let ms = |iso: &str| js_sys::Date::new(&wasm_bindgen::JsValue::from_str(iso)).get_time();
        let days = ((ms(&to) - ms(&from)) / 86_400_000.0).round();
        if days.is_finite() && days >= 1.0 {
            days.min(f64::from(u32::MAX)) as u32
        } else {
            1
        }
    }

    /// The API parameters for this period: `from`, `to` and the time zone for days.
    pub fn params(&self) -> Vec<(String, String)> {
        let (from, to) = self.bounds();
        vec![("from".into(), from), ("to".into(), to), ("tz".into(), time_zone())]
    }

    pub fn label(&self) -> String {
        match self.preset.as_str() {
            "today" => "today".into(),
            "7d" => "the last 7 days".into(),
            "12m" => "the last 12 months".into(),
            "custom" if !self.from.is_empty() && !self.to.is_empty() => {
                let (a, b) =
                    if self.from <= self.to { (&self.from, &self.to) } else { (&self.to, &self.from) };
                format!("{a} to {b}")
            }
            _ => "the last 30 days".into(),
        }
    }

    /// What the change is measured against.
    pub fn previous_label(&self) -> String {
        match self.preset.as_str() {
            "today" => "yesterday".into(),
            "7d" => "the 7 days before".into(),
            "12m" => "the 12 months before".into(),
            "custom" => "the same length before".into(),
            _ => "the 30 days before".into(),
        }
    }
}

/// The range picker: presets, and two dates for a custom range. Changes go into the URL
/// (and back to the first page of a list).
/// `year`: the last 12 months are the default (the Spend page) rather than 30 days.
#[component]
pub fn PeriodPicker(page_url: RwSignal<PageUrl>, #[prop(optional)] year: bool) -> impl IntoView {
    let default = if year { "12m" } else { "30d" };
    let period = Memo::new(move |_| Period::or(&page_url.get(), default));
    let set = move |key: &str, value: String| {
        let mut next = page_url.get_untracked().with(key, &value).with("page", "");
        if key != "range" {
            next = next.with("range", "custom");
        } else if value == "custom" && next.get("from").is_none() {
            next = next.with("from", &ymd(&midnight(-6))).with("to", &ymd(&midnight(0)));
        }
        navigate(&next);
    };
    view! {
        <div class="period">
            <label>
                <span class="sr-only">"Date range"</span>
                <select
                    aria-label="Date range"
                    on:change=move |ev| set("range", event_target_value(&ev))
                    prop:value=move || period.get().preset
                >
                    <option value="today">"Today"</option>
                    <option value="7d">"Last 7 days"</option>
                    <option value="30d">"Last 30 days"</option>
                    <option value="12m">"Last 12 months"</option>
                    <option value="custom">"Custom"</option>
                </select>
            </label>
            <Show when=move || period.get().preset == "custom">
                <label>"From "
                    <input type="date" name="from" prop:value=move || period.get().from
                        on:change=move |ev| set("from", event_target_value(&ev))/>
                </label>
                <label>"to "
                    <input type="date" name="to" prop:value=move || period.get().to
                        on:change=move |ev| set("to", event_target_value(&ev))/>
                </label>
            </Show>
        </div>
    }
}
