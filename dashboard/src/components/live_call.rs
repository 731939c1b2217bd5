//! A live call in words, as the Live page and the screen pops show it: how long it has run,
//! who calls (first time, or again and how often), where they came from, which line.

use crate::components::calls_table::{or_dash, readable};
use crate::components::charts::plural;
use leptos::prelude::*;
use shared::wire::{CallView, CallerHistory};

/// `mm:ss` from `started_ms` to `now_ms` (`75:03` past the hour); `00:00` when the clocks
/// disagree and the call seems to start in the future.
pub fn running_time(now_ms: i64, started_ms: i64) -> String {
    let secs = (now_ms - started_ms).max(0) / 1000;
    format!("{:02}:{:02}", secs / 60, secs % 60)
}

/// `google / cpc`; `unattributed` for a call credited to nothing.
pub fn source_medium(c: &CallView) -> String {
    if c.attributed {
        format!("{} / {}", or_dash(&c.source), or_dash(&c.medium))
    } else {
        "unattributed".into()
    }
}

/// The business line called, as people read it (`—` when the stream does not say).
pub fn line_text(line: Option<&str>) -> String {
    line.map_or_else(|| "—".into(), readable)
}

/// The day of `millis` in the browser's locale.
fn local_date(millis: i64) -> String {
    let date = js_sys::Date::new(&(millis as f64).into());
    let locale: String =
        web_sys::window().and_then(|w| w.navigator().language()).unwrap_or_else(|| "en-US".to_string());
    date.to_locale_date_string(&locale, &wasm_bindgen::JsValue::UNDEFINED).into()
}

/// `Repeat caller · 3 earlier calls · last on 2/3/2026`, or `First-time caller`
/// (`.repeat` / `.first-time`, `.earlier-calls`).
#[component]
pub fn CallerKind(repeat: bool, history: Option<CallerHistory>) -> impl IntoView {
    if !repeat {
        return view! { <span class="first-time">"First-time caller"</span> }.into_any();
    }
    let earlier = history.as_ref().filter(|h| h.earlier_calls > 0).map(|h| {
        view! { " · " <span class="earlier-calls">{plural(h.earlier_calls, "earlier call")}</span> }
    });
    let last =
        history.and_then(|h| h.last_call_at).map(|at| format!(" · last on {}", local_date(at.millis())));
    view! { <span class="repeat">"Repeat caller"{earlier}{last}</span> }.into_any()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::board::tests::call;

    #[test]
    fn the_timer_reads_minutes_and_seconds() {
        let start = 1_700_000_000_000;
        assert_eq!(running_time(start, start), "00:00");
        assert_eq!(running_time(start + 999, start), "00:00");
        assert_eq!(running_time(start + 7_000, start), "00:07");
        assert_eq!(running_time(start + 187_500, start), "03:07");
        assert_eq!(running_time(start + (75 * 60 + 3) * 1000, start), "75:03");
        assert_eq!(running_time(start - 5_000, start), "00:00", "a clock behind the edge's");
    }

    #[test]
    fn attribution_and_line_read_as_in_the_calls_list() {
        let mut c = call("CA1");
        assert_eq!(source_medium(&c), "google / cpc");
        c.attributed = false;
        assert_eq!(source_medium(&c), "unattributed");
        assert_eq!(line_text(Some("+15550100999")), "(555) 010-0999");
        assert_eq!(line_text(None), "—");
        assert_eq!(plural(1, "earlier call"), "1 earlier call");
        assert_eq!(plural(3, "earlier call"), "3 earlier calls");
    }
}
