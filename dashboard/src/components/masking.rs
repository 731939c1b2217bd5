//! Number masking in words: a participant's real number partly hidden (and the control that
//! shows it), a session's time left and state, a masked call in a line.

use leptos::prelude::*;
use shared::MaskedCall;

/// What stands for a hidden digit.
const HIDDEN: char = '•';

/// `digits` in groups as people read them: threes, the last group two to four digits
/// (`555 010 0112`).
fn grouped(digits: &[char]) -> String {
    let mut groups: Vec<String> = Vec::new();
    let mut rest = digits;
    while rest.len() > 4 {
        let (group, tail) = rest.split_at(3);
        groups.push(group.iter().collect());
        rest = tail;
    }
    groups.push(rest.iter().collect());
    groups.join(" ")
}

/// `number` grouped (`+1 555 010 0112`), with all but its first national digits and its last
/// two hidden when `hide` (`+1 555 ••• ••12`). What is not a number is shown as it is.
pub fn participant_number(number: &str, hide: bool) -> String {
    let Ok(parsed) = shared::PhoneNumber::parse(number) else {
        return number.to_string();
    };
    let national: Vec<char> = parsed.national().chars().collect();
    let len = national.len();
    // At least two digits hidden whatever the length; the first three shown on a long number.
    let head = 3.min(len.saturating_sub(4));
    let tail = len.saturating_sub(2);
    let shown: Vec<char> = national
        .iter()
        .enumerate()
        .map(|(i, &d)| if hide && (head..tail).contains(&i) { HIDDEN } else { d })
        .collect();
    format!("+{} {}", parsed.country_code(), grouped(&shown))
}

/// A span of whole minutes as people say it: `3 h 12 min`, `2 d 4 h`, `45 min`.
pub fn span(minutes: i64) -> String {
    let (days, hours, minutes) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    match (days, hours, minutes) {
        (0, 0, m) if m <= 0 => "less than a minute".into(),
        (0, 0, m) => format!("{m} min"),
        (0, h, 0) => format!("{h} h"),
        (0, h, m) => format!("{h} h {m} min"),
        (d, 0, _) => format!("{d} d"),
        (d, h, _) => format!("{d} d {h} h"),
    }
}

/// How long an open session has left at `now_ms` (`3 h 12 min left`).
pub fn time_left(now_ms: i64, expires_ms: i64) -> String {
    if expires_ms <= now_ms {
        // Still open on the edge until something looks at it again.
        return "closing now".into();
    }
    format!("{} left", span((expires_ms - now_ms) / 60_000))
}

/// Why a session closed, in words.
pub fn closed_reason_text(reason: &str) -> String {
    match reason {
        "expired" => "expired".into(),
        "closed" => "closed by the business".into(),
        other => other.replace('_', " "),
    }
}

/// `customer → courier`, as far as the call's roles are known.
pub fn roles_text(m: &MaskedCall) -> Option<String> {
    match (&m.from_role, &m.to_role) {
        (Some(from), Some(to)) => Some(format!("{from} \u{2192} {to}")),
        (Some(from), None) => Some(format!("from the {from}")),
        (None, Some(to)) => Some(format!("to the {to}")),
        (None, None) => None,
    }
}

/// A masked call in a line: `masked · order A123 · customer → courier`, with `· not connected`
/// when no open session put it through.
pub fn masked_tag(m: &MaskedCall) -> String {
    let mut parts = vec!["masked".to_string()];
    parts.push(m.order_id.as_ref().map_or_else(|| "no order".into(), |o| format!("order {o}")));
    parts.extend(roles_text(m));
    if !m.connected {
        parts.push("not connected".into());
    }
    parts.join(" \u{b7} ")
}

/// A participant's real number, partly hidden until clicked (a second click hides it again).
#[component]
pub fn RevealNumber(number: String) -> impl IntoView {
    let shown = RwSignal::new(false);
    let (hidden, full) = (participant_number(&number, true), participant_number(&number, false));
    view! {
        <button type="button" class="link reveal-number" aria-pressed=move || shown.get().to_string()
            title=move || if shown.get() { "Hide the number" } else { "Show the whole number" }
            on:click=move |_| shown.update(|s| *s = !*s)>
            {move || if shown.get() { full.clone() } else { hidden.clone() }}
        </button>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_participant_number_shows_its_start_and_its_last_two_digits() {
        assert_eq!(participant_number("+15550100112", true), "+1 555 ••• ••12");
        assert_eq!(participant_number("+15550100112", false), "+1 555 010 0112");
        assert_eq!(participant_number("+442079460958", true), "+44 207 ••• ••58");
        assert_eq!(participant_number("+33612345678", true), "+33 612 ••• •78");
        // Short numbers still hide two digits; what is not a number is shown as it is.
        assert_eq!(participant_number("+3541234567", true), "+354 123 ••67");
        assert_eq!(participant_number("anonymous", true), "anonymous");
    }

    #[test]
    fn time_left_reads_in_days_hours_and_minutes() {
        let min = 60_000;
        assert_eq!(time_left(0, (3 * 60 + 12) * min + 59_000), "3 h 12 min left");
        assert_eq!(time_left(0, 2 * 60 * min), "2 h left");
        assert_eq!(time_left(0, 45 * min), "45 min left");
        assert_eq!(time_left(0, 30_000), "less than a minute left");
        assert_eq!(time_left(0, (26 * 60 + 5) * min), "1 d 2 h left");
        assert_eq!(time_left(0, 3 * 1440 * min), "3 d left");
        assert_eq!(time_left(5 * min, 5 * min), "closing now");
        assert_eq!(time_left(6 * min, 5 * min), "closing now");
        assert_eq!(span(1440), "1 d");
        assert_eq!(span(90), "1 h 30 min");
    }

    #[test]
    fn a_masked_call_reads_as_its_order_and_roles() {
        let mut m = MaskedCall {
            session_id: Some("MS0123".into()),
            order_id: Some("A123".into()),
            from_role: Some("customer".into()),
            to_role: Some("courier".into()),
            connected: true,
        };
        assert_eq!(masked_tag(&m), "masked · order A123 · customer → courier");
        m.connected = false;
        assert_eq!(masked_tag(&m), "masked · order A123 · customer → courier · not connected");
        assert_eq!(masked_tag(&MaskedCall::default()), "masked · no order · not connected");
        assert_eq!(closed_reason_text("closed"), "closed by the business");
    }
}
