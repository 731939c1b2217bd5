//! A spend upload read and checked in the browser before it is sent, with the edge's own rules
//! (`shared::read_spend_csv`, `spend_sheet_from_json`, `check_spend`): its first rows as a
//! table with each bad cell marked and its message under it, every error listed, the rows
//! counted and the total to import. An error the edge sends back names a field
//! (`rows[3].spend`, `columns[2]`), which is placed on the same cell.

use crate::components::charts::plural;
use leptos::prelude::*;
use shared::{CellError, Currency, SpendSheet};

/// Rows the preview table shows; errors are listed for every row.
pub const PREVIEW_ROWS: usize = 20;

/// Where an error is: a cell, a whole row, a column of the header, or the upload as a whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    Cell { row: usize, column: String },
    Row(usize),
    Column(usize),
    Upload,
}

impl Place {
    /// The place a field of the edge's error names (`rows[3].spend`, `rows[3]`, `columns[2]`).
    pub fn of_field(field: &str) -> Place {
        let index = |rest: &str| -> Option<(usize, String)> {
            let (n, tail) = rest.split_once(']')?;
            Some((n.parse().ok()?, tail.trim_start_matches('.').to_string()))
        };
        if let Some((row, column)) = field.strip_prefix("rows[").and_then(index) {
            return if column.is_empty() { Place::Row(row) } else { Place::Cell { row, column } };
        }
        match field.strip_prefix("columns[").and_then(index) {
            Some((column, _)) => Place::Column(column),
            None => Place::Upload,
        }
    }

    fn of_cell_error(e: &CellError) -> Place {
        if e.column.is_empty() {
            Place::Row(e.row)
        } else {
            Place::Cell { row: e.row, column: e.column.clone() }
        }
    }
}

/// One error with its place and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub place: Place,
    pub message: String,
}

/// An upload as the preview shows it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Preview {
    /// Column names as read (lowercased; `cost` read as `spend`).
    pub columns: Vec<String>,
    /// The first [`PREVIEW_ROWS`] rows.
    pub rows: Vec<Vec<String>>,
    /// Each row's line in the CSV (empty for JSON).
    pub lines: Vec<usize>,
    pub row_count: usize,
    /// Every problem found, in the order of the rows (at most 100 cells, as the edge stops).
    pub problems: Vec<Problem>,
    /// Days of spend the upload spreads into, and their total (when it has no problem).
    pub days: usize,
    pub total: Option<String>,
    /// The body is CSV (else JSON).
    pub csv: bool,
}

impl Preview {
    /// Nothing to send, or something the edge would refuse.
    pub fn blocked(&self) -> bool {
        self.row_count == 0 || !self.problems.is_empty()
    }

    /// The message about `place`, if any.
    pub fn message_at(&self, place: &Place) -> Option<&str> {
        self.problems.iter().find(|p| &p.place == place).map(|p| p.message.as_str())
    }

    /// `Row 2 (line 3), spend` — where a problem is, for the list of them.
    pub fn where_is(&self, place: &Place) -> String {
        let row = |r: &usize| match self.line_of(*r) {
            Some(line) => format!("Row {} (line {line})", r + 1),
            None => format!("Row {}", r + 1),
        };
        match place {
            Place::Cell { row: r, column } => format!("{}, {column}", row(r)),
            Place::Row(r) => row(r),
            Place::Column(c) => format!(
                "Column {}{}",
                c + 1,
                self.columns.get(*c).map(|n| format!(" ({n})")).unwrap_or_default()
            ),
            Place::Upload => "The upload".into(),
        }
    }

    fn line_of(&self, row: usize) -> Option<usize> {
        self.lines.get(row).copied()
    }

    /// This preview with the edge's refusal of it placed where it belongs.
    pub fn with_problem(mut self, problem: Problem) -> Preview {
        self.problems.insert(0, problem);
        self
    }
}

/// An error's message without the API's `invalid request: ` prefix.
pub fn plain(message: &str) -> String {
    message.strip_prefix("invalid request: ").unwrap_or(message).to_string()
}

/// Reads and checks `text` as the edge would in `currency` (`today`: the day number of the
/// edge's today, UTC). `content_type`: what the file's name says (`None`: pasted, told by its
/// first character).
pub fn preview(text: &str, content_type: Option<&str>, currency: Currency, today: i64) -> Preview {
    let csv = shared::is_csv(content_type, text.as_bytes());
    let read =
        if csv { shared::read_spend_csv(text) } else { shared::spend_sheet_from_json(text.as_bytes()) };
    let sheet = match read {
        Ok(sheet) => sheet,
        // Not a table: there is nothing to mark, and the message says the row or line.
        Err(e) => {
            return Preview {
                problems: vec![Problem { place: Place::Upload, message: plain(&e.to_string()) }],
                csv,
                ..Preview::default()
            };
        }
    };
    if sheet.rows.is_empty() {
        let message = "the upload has a header but no rows: nothing to import".to_string();
        return shown(sheet, vec![Problem { place: Place::Upload, message }], 0, None, csv);
    }
    let (days, errors) = shared::check_spend(&sheet, currency, today);
    let problems: Vec<Problem> = errors
        .iter()
        .map(|e| Problem { place: Place::of_cell_error(e), message: e.message.clone() })
        .collect();
    let total = problems.is_empty().then(|| currency.format(days.iter().map(|d| d.amount).sum()));
    shown(sheet, problems, days.len(), total, csv)
}

fn shown(
    sheet: SpendSheet,
    problems: Vec<Problem>,
    days: usize,
    total: Option<String>,
    csv: bool,
) -> Preview {
    let row_count = sheet.rows.len();
    Preview {
        columns: sheet.columns,
        rows: sheet.rows.into_iter().take(PREVIEW_ROWS).collect(),
        lines: sheet.lines,
        row_count,
        problems,
        days,
        total,
        csv,
    }
}

/// A cell's id, for its message to describe it.
fn cell_id(row: usize, column: &str) -> String {
    format!("spend-cell-{row}-{column}")
}

/// The preview: what would be imported, the first rows with each bad cell marked and its
/// message under it, and every problem listed (a row past the table's too).
#[component]
pub fn PreviewTable(preview: Preview, currency: &'static str) -> impl IntoView {
    let p = preview;
    let summary = {
        let rows = match p.row_count {
            1 => "1 row".to_string(),
            n => format!("{n} rows"),
        };
        match (&p.total, p.problems.len()) {
            (Some(total), 0) => {
                format!("{rows} · {} · {total} {currency} to import", plural(p.days as u64, "day"))
            }
            (_, 1) => format!("{rows} · 1 problem: fix it to import"),
            (_, n) => format!("{rows} · {n} problems: fix them to import"),
        }
    };
    let heads = p
        .columns
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let message = p.message_at(&Place::Column(i)).map(str::to_string);
            let (bad, title) = (message.is_some(), message.clone());
            view! {
                <th data-column=name.clone() class:invalid=bad aria-invalid=bad.then_some("true") title=title>
                    {name.clone()}
                    {message.map(|m| view! { <p class="cell-error">{m}</p> })}
                </th>
            }
        })
        .collect_view();
    let body = p
        .rows
        .iter()
        .enumerate()
        .map(|(r, cells)| {
            let row_message = p.message_at(&Place::Row(r)).map(str::to_string);
            let cells = p
                .columns
                .iter()
                .enumerate()
                .map(|(c, column)| {
                    let value = cells.get(c).cloned().unwrap_or_default();
                    let place = Place::Cell { row: r, column: column.clone() };
                    let message = p.message_at(&place).map(str::to_string);
                    let id = cell_id(r, column);
                    let (bad, title) = (message.is_some(), message.clone());
                    let described = bad.then(|| format!("{id}-error"));
                    view! {
                        <td id=id.clone() data-column=column.clone() class:invalid=bad
                            aria-invalid=bad.then_some("true") aria-describedby=described
                            title=title>
                            <span class="cell-value">{value}</span>
                            {message.map(|m| view! { <p class="cell-error" id=format!("{id}-error")>{m}</p> })}
                        </td>
                    }
                })
                .collect_view();
            let bad = row_message.is_some();
            view! {
                <tr data-row=r.to_string() class:invalid=bad aria-invalid=bad.then_some("true")>
                    <th scope="row" class="row-number">{(r + 1).to_string()}
                        {row_message.map(|m| view! { <p class="cell-error">{m}</p> })}</th>
                    {cells}
                </tr>
            }
        })
        .collect_view();
    let more = (p.row_count > p.rows.len()).then(|| {
        view! { <p class="hint">{format!("The first {} of {} rows; problems are listed for all of them.", p.rows.len(), p.row_count)}</p> }
    });
    let blocked = !p.problems.is_empty();
    let problems = p
        .problems
        .iter()
        .map(|problem| view! { <li>{format!("{}: {}", p.where_is(&problem.place), problem.message)}</li> })
        .collect_view();
    let has_table = !p.columns.is_empty();
    view! {
        <div class="spend-preview">
            <p class="summary" class:error=blocked role="status">{summary}</p>
            {blocked.then(|| view! { <ul class="spend-problems error" role="alert">{problems}</ul> })}
            {has_table.then(|| view! {
                <div class="table-wrap">
                    <table class="calls preview">
                        <caption class="sr-only">"The upload's first rows"</caption>
                        <thead><tr><th>"Row"</th>{heads}</tr></thead>
                        <tbody>{body}</tbody>
                    </table>
                </div>
            })}
            {more}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-12-06, as the edge counts days.
    const TODAY: i64 = 20_793;

    #[test]
    fn a_bad_cell_is_placed_on_its_row_and_column() {
        let csv =
            "date,source,campaign,spend\n2026-11-01,google,spring,100.00\n2026-11-02,google,spring,12,50\n";
        // A row with one cell too many: the whole upload cannot be read as a table.
        let p = preview(csv, None, Currency::USD, TODAY);
        assert_eq!(p.problems.len(), 1);
        assert!(p.problems[0].message.starts_with("row 2 (line 3): has 5 cells"), "{p:?}");
        let csv =
            "date;source;campaign;spend\n2026-11-01;google;spring;100.00\n2026-11-02;google;spring;12,50\n";
        let p = preview(csv, None, Currency::USD, TODAY);
        assert!(p.csv && p.blocked());
        assert_eq!((p.row_count, p.rows.len()), (2, 2));
        let spend = Place::Cell { row: 1, column: "spend".into() };
        assert!(p.message_at(&spend).is_some_and(|m| m.contains("comma")), "{p:?}");
        assert_eq!(p.where_is(&spend), "Row 2 (line 3), spend");
        assert_eq!(p.total, None, "no total while a row is wrong");
    }

    #[test]
    fn a_clean_upload_counts_its_days_and_total() {
        let csv = "Date,date_to,Source,Campaign,Cost\n2026-11-01,2026-11-07,google,spring,70\n2026-11-02,,bing,brand,0.5\n";
        let p = preview(csv, Some("text/csv"), Currency::USD, TODAY);
        assert!(!p.blocked(), "{p:?}");
        assert_eq!(p.columns, ["date", "date_to", "source", "campaign", "spend"]);
        assert_eq!((p.days, p.total.as_deref()), (8, Some("70.50")));
        let json = r#"{"rows": [{"date": "2026-11-01", "source": "google", "spend": 12.5}]}"#;
        let p = preview(json, None, Currency::USD, TODAY);
        assert!(!p.csv && !p.blocked());
        assert_eq!(p.total.as_deref(), Some("12.50"));
    }

    #[test]
    fn what_cannot_be_read_says_where() {
        let p = preview("date,source,price\n", None, Currency::USD, TODAY);
        assert!(p.problems[0].message.contains("unknown column \"price\""), "{p:?}");
        let p = preview("date,source,spend\n", None, Currency::USD, TODAY);
        assert_eq!(p.problems[0].place, Place::Upload);
        assert!(p.blocked());
    }

    #[test]
    fn the_edges_fields_name_the_same_cells() {
        assert_eq!(Place::of_field("rows[3].spend"), Place::Cell { row: 3, column: "spend".into() });
        assert_eq!(Place::of_field("rows[12]"), Place::Row(12));
        assert_eq!(Place::of_field("columns[2]"), Place::Column(2));
        assert_eq!(Place::of_field("columns"), Place::Upload);
        assert_eq!(Place::of_field("rows[x].spend"), Place::Upload);
    }
}
