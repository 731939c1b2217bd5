//! Ad spend as marketers upload it (`POST /v1/sites/{site}/spend`): a CSV or JSON rows of
//! `date, date_to, channel, source, medium, campaign, spend, currency`, checked cell by cell
//! and spread into one amount per day and campaign, the grain reports join calls on.

use super::amount::Currency;
use crate::error::{Error, Result};
use crate::traffic::{Channel, TrafficSource, Visit};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Most rows an upload may have, and its largest body.
pub const MAX_SPEND_ROWS: usize = 10_000;
pub const MAX_SPEND_BODY: usize = 2 * 1024 * 1024;
/// Most days an upload spreads into (10,000 monthly rows would be 300,000).
pub const MAX_SPEND_DAYS: usize = 200_000;
/// A row covers at most this many days (`date` to `date_to`).
pub const MAX_SPAN_DAYS: i64 = 366;
const MAX_TEXT: usize = 200;
/// The columns an upload may have; `date`, `source` and `spend` are required.
pub const SPEND_COLUMNS: &[&str] =
    &["date", "date_to", "channel", "source", "medium", "campaign", "spend", "currency"];

/// The spend of one day for one (source, medium, campaign): what is stored and joined. Text
/// keys are as calls store them (source and medium lowercased, `(not set)` without a medium,
/// `""` without a campaign).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpendDay {
    /// Days since 1970-01-01.
    pub day: i64,
    /// The channel's label (`paid search`).
    pub channel: String,
    pub source: String,
    pub medium: String,
    pub campaign: String,
    /// Minor units of the site's currency.
    pub amount: i64,
}

/// An upload as a table of text cells, before its values are checked: what the dashboard
/// previews and what [`check_spend`] reads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpendSheet {
    /// Column names, lowercased, in the upload's order.
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// Each row's line in the CSV (1 is the header), for messages; empty for JSON.
    pub lines: Vec<usize>,
}

/// What is wrong with one cell (or a whole row: `column` empty).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CellError {
    /// The data row, from 0.
    pub row: usize,
    pub column: String,
    pub message: String,
}

impl CellError {
    fn new(row: usize, column: &str, message: impl Into<String>) -> CellError {
        CellError { row, column: column.into(), message: message.into() }
    }

    /// The API's error: a 400 naming `rows[i].column`, its message saying row and line.
    pub fn into_error(self, sheet: &SpendSheet) -> Error {
        let at = match sheet.lines.get(self.row) {
            Some(line) => format!("row {} (line {line})", self.row + 1),
            None => format!("row {}", self.row + 1),
        };
        let field = if self.column.is_empty() {
            format!("rows[{}]", self.row)
        } else {
            format!("rows[{}].{}", self.row, self.column)
        };
        let column = if self.column.is_empty() { String::new() } else { format!(", column {}", self.column) };
        Error::invalid(format!("{at}{column}: {}", self.message)).at(field)
    }
}

/// Reads a CSV strictly (RFC 4180 quoting; a quote left open or text after a closing quote is
/// an error): the delimiter is the one of `,` `;` tab the header row uses most, the header
/// names the columns (any order, case ignored), blank lines are skipped.
pub fn read_spend_csv(text: &str) -> Result<SpendSheet> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let header_line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let delimiter = [',', ';', '\t']
        .into_iter()
        .max_by_key(|d| (header_line.matches(*d).count(), *d == ','))
        .filter(|d| header_line.contains(*d))
        .unwrap_or(',');
    let records = split_records(text, delimiter)?;
    let mut records =
        records.into_iter().filter(|(_, cells)| !(cells.len() == 1 && cells[0].trim().is_empty()));
    let Some((_, header)) = records.next() else {
        return Err(Error::invalid(
            "the CSV is empty; its first row must name the columns (date, source, spend…)",
        ));
    };
    let columns = checked_columns(header.iter().map(|c| c.trim().to_ascii_lowercase()).collect())?;
    let mut sheet = SpendSheet { columns, ..SpendSheet::default() };
    for (line, cells) in records {
        if sheet.rows.len() == MAX_SPEND_ROWS {
            return Err(Error::invalid(format!("an upload has at most {MAX_SPEND_ROWS} rows; split it")));
        }
        if cells.len() != sheet.columns.len() {
            let row = sheet.rows.len();
            sheet.lines.push(line);
            sheet.rows.push(cells.clone());
            return Err(CellError::new(
                row,
                "",
                format!("has {} cells, the header {}", cells.len(), sheet.columns.len()),
            )
            .into_error(&sheet));
        }
        sheet.lines.push(line);
        sheet.rows.push(cells);
    }
    Ok(sheet)
}

/// Splits text into records of cells, each with its first line number.
fn split_records(text: &str, delimiter: char) -> Result<Vec<(usize, Vec<String>)>> {
    let mut records = Vec::new();
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut line = 1;
    let mut start_line = 1;
    let mut chars = text.chars().peekable();
    // Where a cell stands: at its start, unquoted text, inside quotes, or after its closing quote.
    #[derive(PartialEq)]
    enum State {
        Start,
        Plain,
        Quoted,
        Closed,
    }
    let mut state = State::Start;
    let quote_error = |line: usize, why: &str| Error::invalid(format!("line {line}: {why}"));
    while let Some(c) = chars.next() {
        match (&state, c) {
            (State::Quoted, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (State::Quoted, '"') => state = State::Closed,
            (State::Quoted, c) => {
                if c == '\n' {
                    line += 1;
                }
                cell.push(c);
            }
            (State::Start, '"') => state = State::Quoted,
            (State::Plain, '"') => {
                return Err(quote_error(line, "a quote inside an unquoted cell; quote the whole cell and double the quote (\"a \"\"b\"\"\")"))
            }
            (_, c) if c == delimiter => {
                cells.push(std::mem::take(&mut cell));
                state = State::Start;
            }
            (_, '\r') if chars.peek() == Some(&'\n') => {}
            (_, '\n') | (_, '\r') => {
                cells.push(std::mem::take(&mut cell));
                records.push((start_line, std::mem::take(&mut cells)));
                line += 1;
                start_line = line;
                state = State::Start;
            }
            (State::Closed, _) => {
                return Err(quote_error(line, "text after a closing quote; a quoted cell ends at its quote"))
            }
            (_, c) => {
                cell.push(c);
                state = State::Plain;
            }
        }
    }
    if state == State::Quoted {
        return Err(quote_error(start_line, "a quote is never closed"));
    }
    if !cell.is_empty() || !cells.is_empty() || state == State::Closed {
        cells.push(cell);
        records.push((start_line, cells));
    }
    Ok(records)
}

fn checked_columns(columns: Vec<String>) -> Result<Vec<String>> {
    for (i, c) in columns.iter().enumerate() {
        let name = if c == "cost" { "spend" } else { c.as_str() };
        if !SPEND_COLUMNS.contains(&name) {
            return Err(Error::invalid(format!(
                "unknown column {c:?}; the columns are {}",
                SPEND_COLUMNS.join(", ")
            ))
            .at(format!("columns[{i}]")));
        }
        if columns[..i].iter().any(|earlier| earlier == c) {
            return Err(Error::invalid(format!("column {c:?} appears twice")).at(format!("columns[{i}]")));
        }
    }
    let columns: Vec<String> =
        columns.into_iter().map(|c| if c == "cost" { "spend".into() } else { c }).collect();
    for required in ["date", "source", "spend"] {
        if !columns.iter().any(|c| c == required) {
            return Err(Error::invalid(format!(
                "the header has no {required:?} column; the columns are {} (date, source and spend required)",
                SPEND_COLUMNS.join(", ")
            ))
            .at("columns"));
        }
    }
    Ok(columns)
}

/// JSON rows (`{"rows": [{"date": "2026-11-01", "source": "google", "spend": "12.50"}]}` or
/// the bare array) as a sheet: numbers keep the digits they were written with.
pub fn spend_sheet_from_json(body: &[u8]) -> Result<SpendSheet> {
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| Error::invalid(format!("body is not valid JSON: {e}")))?;
    let rows = match value {
        serde_json::Value::Array(rows) => rows,
        serde_json::Value::Object(mut o) if o.len() == 1 && o.contains_key("rows") => {
            match o.remove("rows") {
                Some(serde_json::Value::Array(rows)) => rows,
                _ => return Err(Error::invalid("rows must be an array of objects").at("rows")),
            }
        }
        _ => return Err(Error::invalid("body must be {\"rows\": [{\"date\", \"source\", \"spend\", …}]}")),
    };
    if rows.len() > MAX_SPEND_ROWS {
        return Err(Error::invalid(format!("an upload has at most {MAX_SPEND_ROWS} rows; split it")));
    }
    let mut names: Vec<String> = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let serde_json::Value::Object(fields) = row else {
            return Err(Error::invalid("each row must be an object").at(format!("rows[{i}]")));
        };
        for k in fields.keys() {
            if !names.contains(k) {
                names.push(k.clone());
            }
        }
    }
    if rows.is_empty() {
        return Err(Error::invalid("rows is empty: nothing to import").at("rows"));
    }
    let columns = checked_columns(names.clone())?;
    let mut sheet = SpendSheet { columns, ..SpendSheet::default() };
    for (i, row) in rows.iter().enumerate() {
        let mut cells = Vec::with_capacity(names.len());
        for name in &names {
            let cell = match row.get(name) {
                None | Some(serde_json::Value::Null) => String::new(),
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(serde_json::Value::Number(n)) => n.to_string(),
                Some(_) => {
                    return Err(Error::invalid(format!("row {}: {name} must be text or a number", i + 1))
                        .at(format!("rows[{i}].{name}")))
                }
            };
            cells.push(cell);
        }
        sheet.rows.push(cells);
    }
    Ok(sheet)
}

/// A date written `2026-11-01` (exactly that shape, a real day), or `None`. Read by hand, not
/// by jiff's parser: that one also reads time zone annotations, and linking it would put the
/// whole time zone database into the dashboard, which checks uploads with this.
pub fn parse_date(raw: &str) -> Option<Date> {
    let b = raw.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' || !digits(0..4) || !digits(5..7) || !digits(8..10) {
        return None;
    }
    let (y, m, d) = (raw[0..4].parse().ok()?, raw[5..7].parse().ok()?, raw[8..10].parse().ok()?);
    Date::new(y, m, d).ok()
}

/// Days since 1970-01-01 of a date (the proleptic Gregorian calendar's day count, computed
/// directly: no time zone arithmetic involved).
pub fn day_number(date: Date) -> i64 {
    let (m, d) = (i64::from(date.month()), i64::from(date.day()));
    let y = i64::from(date.year()) - i64::from(m <= 2);
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let day_of_year = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date of a day number (`2026-11-01`): [`day_number`]'s inverse.
pub fn date_of_day(day: i64) -> Date {
    let z = day + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let d = day_of_year - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = year_of_era + era * 400 + i64::from(m <= 2);
    let narrow = |v: i64| i8::try_from(v).unwrap_or(1);
    Date::new(i16::try_from(y).unwrap_or(1970), narrow(m), narrow(d)).unwrap_or(jiff::civil::date(1970, 1, 1))
}

/// Earliest date spend may be for.
const FIRST_DAY: (i16, i8, i8) = (2000, 1, 1);

/// Checks every row of `sheet` (`today`: the edge's day number; dates may reach a year ahead)
/// and spreads it over its days: the days to store, or every cell's error (at most 100).
/// Rows with the same day, source, medium and campaign are added together (ad groups of one
/// campaign); what is stored for that key is replaced by the sum.
pub fn check_spend(sheet: &SpendSheet, currency: Currency, today: i64) -> (Vec<SpendDay>, Vec<CellError>) {
    let col = |name: &str| sheet.columns.iter().position(|c| c == name);
    let (date_i, to_i, channel_i, source_i, medium_i, campaign_i, spend_i, currency_i) = (
        col("date"),
        col("date_to"),
        col("channel"),
        col("source"),
        col("medium"),
        col("campaign"),
        col("spend"),
        col("currency"),
    );
    let first = day_number(jiff::civil::date(FIRST_DAY.0, FIRST_DAY.1, FIRST_DAY.2));
    let last = today + 366;
    let mut errors = Vec::new();
    let mut days: BTreeMap<(i64, String, String, String), (String, i64)> = BTreeMap::new();
    let mut spread = 0usize;
    for (r, cells) in sheet.rows.iter().enumerate() {
        let cell = |i: Option<usize>| i.and_then(|i| cells.get(i)).map(|s| s.trim()).unwrap_or("");
        let before = errors.len();
        let mut err = |column: &str, message: String| errors.push(CellError::new(r, column, message));
        for (i, name) in sheet.columns.iter().enumerate() {
            if cells.get(i).is_some_and(|c| c.chars().count() > MAX_TEXT) {
                err(name, format!("is longer than {MAX_TEXT} characters"));
            }
        }
        let date = |raw: &str| -> std::result::Result<i64, String> {
            let d = parse_date(raw)
                .ok_or_else(|| format!("{raw:?} is not a date; write 2026-11-01 (year-month-day)"))?;
            let n = day_number(d);
            if n < first || n > last {
                return Err(format!("{raw} is out of range (2000-01-01 to a year from today)"));
            }
            Ok(n)
        };
        let from = match cell(date_i) {
            "" => {
                err("date", "is empty; every row needs its date".into());
                None
            }
            raw => date(raw).map_err(|m| err("date", m)).ok(),
        };
        let to = match cell(to_i) {
            "" => from,
            raw => date(raw).map_err(|m| err("date_to", m)).ok(),
        };
        if let (Some(f), Some(t)) = (from, to) {
            if t < f {
                err("date_to", format!("{} is before date {}", cell(to_i), cell(date_i)));
            } else if t - f + 1 > MAX_SPAN_DAYS {
                err("date_to", format!("a row covers at most {MAX_SPAN_DAYS} days"));
            }
        }
        match cell(currency_i) {
            "" => {}
            raw => match Currency::parse(raw, "currency") {
                Err(_) => err("currency", format!("{raw:?} is not a known currency code (USD, EUR, GBP…)")),
                Ok(c) if c != currency => err(
                    "currency",
                    format!(
                        "{} is not the site's currency {}; convert the spend first",
                        c.code(),
                        currency.code()
                    ),
                ),
                Ok(_) => {}
            },
        }
        let amount = match cell(spend_i) {
            "" => {
                err("spend", "is empty; write the amount spent (0 for none)".into());
                None
            }
            raw => currency.parse_amount(raw, "spend").map_err(|e| err("spend", strip_field(&e, raw))).ok(),
        };
        let source = cell(source_i);
        if source.is_empty() {
            err("source", "is empty; name who was paid (google, facebook, bing…)".into());
        }
        let channel = match cell(channel_i) {
            "" => None,
            raw => {
                let parsed = Channel::parse(raw);
                if parsed.is_none() {
                    err(
                        "channel",
                        format!(
                            "{raw:?} is not a channel; use {}",
                            crate::traffic::ALL_CHANNELS.map(|c| c.label()).join(", ")
                        ),
                    );
                }
                parsed
            }
        };
        if errors.len() > before {
            if errors.len() >= 100 {
                break;
            }
            continue;
        }
        let (Some(from), Some(to), Some(amount)) = (from, to, amount) else { continue };
        // The same words calls are stored with: source and medium lowercased, a medium left
        // out reads `(not set)`.
        // Spend is paid traffic: a row naming no medium takes the one the network's ads carry
        // (`cpc` for Google or Bing, `paid_social` for Facebook), not "organic".
        let medium = match cell(medium_i) {
            "" => crate::traffic::paid_medium_of(&source.to_lowercase()).map(str::to_string),
            m => Some(m.to_string()),
        };
        let classified = TrafficSource::from_visit(&Visit {
            utm_source: Some(source.to_string()),
            utm_medium: medium,
            utm_campaign: Some(cell(campaign_i).to_string()).filter(|c| !c.is_empty()),
            ..Visit::default()
        });
        let channel = channel.unwrap_or(classified.channel).label().to_string();
        let n = to - from + 1;
        spread += usize::try_from(n).unwrap_or(usize::MAX);
        if spread > MAX_SPEND_DAYS {
            errors.push(CellError::new(
                r,
                "date_to",
                format!("the upload spreads over more than {MAX_SPEND_DAYS} days; split it"),
            ));
            break;
        }
        // Spread evenly: the first days take the remainder's cents, so the days sum exactly.
        let (base, rest) = (amount / n, amount % n);
        for (i, day) in (from..=to).enumerate() {
            let share = base + i64::from(i64::try_from(i).unwrap_or(i64::MAX) < rest);
            let key = (
                day,
                classified.source.clone(),
                classified.medium.clone(),
                classified.campaign.clone().unwrap_or_default(),
            );
            let entry = days.entry(key).or_insert_with(|| (channel.clone(), 0));
            entry.0.clone_from(&channel);
            entry.1 += share;
        }
    }
    let days = days
        .into_iter()
        .map(|((day, source, medium, campaign), (channel, amount))| SpendDay {
            day,
            channel,
            source,
            medium,
            campaign,
            amount,
        })
        .collect();
    (days, errors)
}

/// An amount's error without its field prefix (the cell already names it).
fn strip_field(e: &Error, raw: &str) -> String {
    let text = e.to_string();
    let text = text.strip_prefix("invalid request: ").unwrap_or(&text);
    let prefix = format!("spend {raw:?} ");
    text.strip_prefix(&prefix).unwrap_or(text).to_string()
}

/// An upload's days, or its first error (a 400 naming the row and column): nothing is stored
/// unless every row is right. `csv`: the body is CSV (else JSON).
pub fn parse_spend_upload(body: &[u8], csv: bool, currency: Currency, today: i64) -> Result<Vec<SpendDay>> {
    if body.len() > MAX_SPEND_BODY {
        return Err(Error::PayloadTooLarge(MAX_SPEND_BODY));
    }
    let sheet = if csv {
        let text = std::str::from_utf8(body).map_err(|_| Error::invalid("the CSV is not UTF-8 text"))?;
        read_spend_csv(text)?
    } else {
        spend_sheet_from_json(body)?
    };
    if sheet.rows.is_empty() {
        return Err(Error::invalid("the upload has a header but no rows: nothing to import"));
    }
    let (days, errors) = check_spend(&sheet, currency, today);
    match errors.into_iter().next() {
        Some(e) => Err(e.into_error(&sheet)),
        None => Ok(days),
    }
}

/// Whether a body is CSV: by its content type, else by its first character (JSON starts with
/// `[` or `{`).
pub fn is_csv(content_type: Option<&str>, body: &[u8]) -> bool {
    match content_type.map(|c| c.split(';').next().unwrap_or("").trim().to_ascii_lowercase()) {
        Some(t) if t == "text/csv" || t == "text/plain" || t == "text/tab-separated-values" => true,
        Some(t) if t == "application/json" => false,
        _ => !matches!(body.iter().find(|b| !b.is_ascii_whitespace()), Some(b'[' | b'{')),
    }
}

#[cfg(test)]
mod tests;
