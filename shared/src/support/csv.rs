//! CSV (RFC 4180) cells for exports, with spreadsheet formulas defused.

/// One CSV cell (RFC 4180) appended to `out`: quoted when it must be, and text a spreadsheet
/// would run as a formula (`=`, `+`, `-`, `@`, tab, CR first) prefixed with `'`, except phone
/// numbers (`+` and digits).
pub fn csv_cell(out: &mut String, value: &str) {
    let is_number =
        value.strip_prefix('+').is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()));
    let guarded = !is_number && value.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let needs_quotes = guarded || value.contains([',', '"', '\n', '\r']);
    if needs_quotes {
        out.push('"');
    }
    if guarded {
        out.push('\'');
    }
    out.push_str(&value.replace('"', "\"\""));
    if needs_quotes {
        out.push('"');
    }
}
