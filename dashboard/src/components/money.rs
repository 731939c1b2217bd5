//! Money as the dashboard shows it: amounts as the edge writes them (decimal text in the
//! site's currency, never rounded again here), ROI as a signed percentage, ROAS as a multiple,
//! and, where a figure has no meaning (no spend, no calls), a word that says why instead of a
//! 0 or an ∞ a marketer would take at face value.

use leptos::prelude::*;

/// `1250.00 USD`.
pub fn amount(value: &str, currency: &str) -> String {
    format!("{value} {currency}")
}

/// ROI as a percentage: 1.3333 → `+133%`, −0.2857 → `−29%`, 0 → `±0%`.
pub fn roi_text(roi: f64) -> String {
    match (roi * 100.0).round() as i64 {
        0 => "±0%".into(),
        p if p > 0 => format!("+{p}%"),
        p => format!("−{}%", -p),
    }
}

/// ROAS as a multiple of the spend: 2.3333 → `2.33×`.
pub fn roas_text(roas: f64) -> String {
    format!("{roas:.2}×")
}

/// `+12%`, `−5%` or `±0%`: the change from `before` to `now` (decimal text), if both are amounts
/// and `before` is not 0.
pub fn change_text(now: &str, before: &str) -> Option<String> {
    let (now, before) = (now.parse::<f64>().ok()?, before.parse::<f64>().ok()?);
    (before > 0.0).then(|| roi_text((now - before) / before))
}

/// Decimal text as a number, for sorting only (shown figures stay the edge's text); what is
/// not a number sorts last.
pub fn sort_value(text: Option<&str>) -> f64 {
    text.and_then(|t| t.parse::<f64>().ok()).unwrap_or(-1.0)
}

/// A figure of a money column: its text, or why it has none (a word, and a sentence for the
/// cell's title).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Figure {
    Shown(String),
    Undefined { word: &'static str, why: String },
}

/// A table cell of `figure`: an undefined one is muted, its word explained in its title.
#[component]
pub fn FigureCell(figure: Figure, class: &'static str) -> impl IntoView {
    match figure {
        Figure::Shown(text) => view! { <td class=format!("num {class}")>{text}</td> }.into_any(),
        Figure::Undefined { word, why } => {
            view! { <td class=format!("num {class} undefined") title=why>{word}</td> }.into_any()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn returns_read_as_marketers_write_them() {
        assert_eq!(roi_text(200.0 / 150.0), "+133%");
        assert_eq!(roi_text(-20.0 / 70.0), "−29%");
        assert_eq!(roi_text(0.001), "±0%");
        assert_eq!(roi_text(-1.0), "−100%");
        assert_eq!(roas_text(350.0 / 150.0), "2.33×");
        assert_eq!(roas_text(0.0), "0.00×");
        assert_eq!(amount("12.50", "USD"), "12.50 USD");
        assert_eq!(change_text("150.00", "100.00").as_deref(), Some("+50%"));
        assert_eq!(change_text("150.00", "0.00"), None);
    }

    #[test]
    fn figures_sort_by_their_amount_and_missing_ones_last() {
        assert!(sort_value(Some("100.00")) > sort_value(Some("99.99")));
        assert!(sort_value(Some("0.00")) > sort_value(None));
    }
}
