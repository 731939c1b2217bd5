//! Phone numbers: E.164 parsing, finding a number in page text in any common format, and
//! writing another number in the same format (separators, grouping, parentheses, prefix).
//!
//! Hand-written rather than a full numbering-plan library on purpose: the widget ships this
//! code to every visitor, and a metadata-driven library (e.g. `phonenumber`) adds hundreds of
//! KB of Wasm. The edge only needs to validate and normalise numbers a site owner gives.

#![cfg_attr(not(test), no_std)]

extern crate alloc;

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

/// A phone number in E.164 form (`+` then 8–15 digits), with its country calling code known.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "String", into = "String"))]
pub struct PhoneNumber {
    e164: String,
    cc_len: u8,
}

/// Why a text is not a phone number: the text and a short reason ("too few digits").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidPhoneNumber {
    pub input: String,
    pub reason: &'static str,
}

impl fmt::Display for InvalidPhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid phone number {:?}: {}", self.input, self.reason)
    }
}

pub type Result<T, E = InvalidPhoneNumber> = core::result::Result<T, E>;

/// Two-digit ITU country calling codes; 1 and 7 are the one-digit ones, and every other code
/// is three digits (the set is prefix-free, so this decides the split).
const TWO_DIGIT_CODES: &[u8] = &[
    20, 27, 30, 31, 32, 33, 34, 36, 39, 40, 41, 43, 44, 45, 46, 47, 48, 49, 51, 52, 53, 54, 55, 56, 57, 58,
    60, 61, 62, 63, 64, 65, 66, 81, 82, 84, 86, 90, 91, 92, 93, 94, 95, 98,
];

/// Concatenation without `format!`: the widget ships this module, and `core::fmt` would add
/// kilobytes to every visitor's download.
fn cat(parts: &[&str]) -> String {
    let mut out = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for p in parts {
        out.push_str(p);
    }
    out
}

/// `s[a..b]`, or `""` out of range: this module has no panicking paths, since the widget
/// ships it and a panic's message would bring `core::fmt` into the download.
fn sub(s: &str, a: usize, b: usize) -> &str {
    s.get(a..b).unwrap_or("")
}

/// `s[a..]`, or `""` out of range.
fn tail(s: &str, a: usize) -> &str {
    s.get(a..).unwrap_or("")
}

fn country_code_len(digits: &str) -> usize {
    match digits.as_bytes() {
        [b'1' | b'7', ..] => 1,
        [a, b, ..] => {
            let two = a.wrapping_sub(b'0').wrapping_mul(10).wrapping_add(b.wrapping_sub(b'0'));
            if TWO_DIGIT_CODES.contains(&two) {
                2
            } else {
                3
            }
        }
        _ => 1,
    }
}

impl PhoneNumber {
    /// Parses a number as a person would type it. Accepts `+` or `00` international prefixes;
    /// a number without one is read as North American when it has 10 digits (or 11 starting
    /// with 1), since that is the only plan where that is unambiguous.
    pub fn parse(input: &str) -> Result<Self> {
        let bad = |reason| InvalidPhoneNumber { input: String::from(input), reason };
        let trimmed = input.trim();
        let mut digits = String::with_capacity(16);
        for (i, c) in trimmed.char_indices() {
            match c {
                '0'..='9' => digits.push(c),
                '+' if i == 0 => {}
                ' ' | '-' | '.' | '(' | ')' | '/' | '\u{a0}' => {}
                _ => return Err(bad("only digits, spaces and + - . ( ) / are allowed")),
            }
        }
        let international = if trimmed.starts_with('+') {
            digits
        } else if let Some(rest) = digits.strip_prefix("00") {
            String::from(rest)
        } else if digits.len() == 10 {
            cat(&["1", &digits])
        } else if digits.len() == 11 && digits.starts_with('1') {
            digits
        } else {
            return Err(bad("write it in international form, starting with + and the country code"));
        };
        if !(8..=15).contains(&international.len()) {
            return Err(bad("an international number has 8 to 15 digits"));
        }
        if international.starts_with('0') {
            return Err(bad("a country code never starts with 0"));
        }
        let cc_len = country_code_len(&international) as u8;
        if international.starts_with('1') && international.len() != 11 {
            return Err(bad("a North American number has 10 digits after +1"));
        }
        // A North American area code starts with 2-9. (Found by fuzzing: `+1 001 001 5550`
        // was accepted, and printed as `(001) 001-5550`, which reads back as another number.)
        if international.starts_with('1') && matches!(international.as_bytes().get(1), Some(b'0' | b'1')) {
            return Err(bad("a North American area code starts with 2 to 9"));
        }
        Ok(PhoneNumber { e164: cat(&["+", &international]), cc_len })
    }

    /// For people to read: `(555) 010-0100` for North American numbers, which marketers there
    /// read nationally; `+44 2079460958` (country code set apart) elsewhere.
    pub fn formatted(&self) -> String {
        let nat = self.national();
        if self.country_code() == "1" {
            cat(&["(", sub(nat, 0, 3), ") ", sub(nat, 3, 6), "-", tail(nat, 6)])
        } else {
            cat(&["+", self.country_code(), " ", nat])
        }
    }

    /// `+15550100100`
    pub fn e164(&self) -> &str {
        &self.e164
    }

    /// The country calling code's digits, e.g. `1` or `44`.
    pub fn country_code(&self) -> &str {
        sub(&self.e164, 1, 1 + usize::from(self.cc_len))
    }

    /// The national significant number: the digits after the country code.
    pub fn national(&self) -> &str {
        tail(&self.e164, 1 + usize::from(self.cc_len))
    }

    /// The national trunk prefix people dial before the national number (`0` in most of
    /// Europe, `8` in Russia); North America has none that is printed.
    fn trunk_prefix(&self) -> Option<&'static str> {
        match self.country_code() {
            "1" => None,
            "7" => Some("8"),
            _ => Some("0"),
        }
    }

    /// The ways this number's digits appear in print, with the shape each one takes.
    fn printed_forms(&self) -> [(Form, String); 4] {
        let (cc, nat) = (self.country_code(), self.national());
        let trunk = self.trunk_prefix().map(|t| cat(&[t, nat])).unwrap_or_default();
        [
            (Form::International, cat(&[cc, nat])),
            (Form::National, String::from(nat)),
            (Form::Trunk, trunk),
            (Form::DoubleZero, cat(&["00", cc, nat])),
        ]
    }

    fn digits_in_form(&self, form: Form) -> String {
        let (cc, nat) = (self.country_code(), self.national());
        match form {
            Form::International => cat(&[cc, nat]),
            Form::National => String::from(nat),
            Form::Trunk => cat(&[self.trunk_prefix().unwrap_or(""), nat]),
            Form::DoubleZero => cat(&["00", cc, nat]),
        }
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.e164)
    }
}

impl TryFrom<String> for PhoneNumber {
    type Error = InvalidPhoneNumber;
    fn try_from(s: String) -> Result<Self> {
        PhoneNumber::parse(&s)
    }
}

impl From<PhoneNumber> for String {
    fn from(p: PhoneNumber) -> String {
        p.e164
    }
}

/// Which digits of a number a printed occurrence shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    /// Country code and national number: `+1 555 010 0100`, `1-555-010-0100`.
    International,
    /// National number alone: `(555) 010-0100`.
    National,
    /// Trunk prefix and national number: `020 7946 0958`, `8 (495) 123-45-67`.
    Trunk,
    /// `00` international prefix: `0044 20 7946 0958`.
    DoubleZero,
}

/// Where a number was found in a text: byte offsets, `text[start..end]` is the printed number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Occurrence {
    pub start: usize,
    pub end: usize,
    form: Form,
}

fn is_separator(c: char) -> bool {
    matches!(
        c,
        ' ' | '\u{a0}'
            | '\u{202f}'
            | '-'
            | '\u{2010}'
            | '\u{2011}'
            | '\u{2012}'
            | '\u{2013}'
            | '.'
            | '/'
            | '('
            | ')'
            | '+'
    )
}

/// A character that glues digits into a word (`A555…`, `555_x`): ASCII letters, digits and
/// `_`. Only ASCII on purpose: Unicode's letter tables would add 3 KB to the widget, and a
/// number printed right against a non-Latin word (`電話0312345678`) is still that number.
fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// A maximal group of consecutive ASCII digits: its byte range, and whether a letter or
/// digit-like word character sits directly before it (then it cannot start a number: `A555…`).
struct Group {
    start: usize,
    end: usize,
    glued_before: bool,
}

/// Splits text into runs of digit groups joined by short separator sequences (at most three
/// separator characters between groups, as in `(555) 010` or `555 - 010`).
fn digit_runs(text: &str) -> Vec<Vec<Group>> {
    let mut runs: Vec<Vec<Group>> = Vec::new();
    let mut current: Vec<Group> = Vec::new();
    let mut sep_len = 0usize;
    let mut group_start: Option<usize> = None;
    for (i, c) in text.char_indices() {
        if c.is_ascii_digit() {
            if group_start.is_none() {
                if sep_len > 3 && !current.is_empty() {
                    runs.push(core::mem::take(&mut current));
                }
                group_start = Some(i);
            }
            sep_len = 0;
        } else {
            if let Some(s) = group_start.take() {
                let glued_before = sub(text, 0, s).chars().next_back().is_some_and(is_word);
                current.push(Group { start: s, end: i, glued_before });
            }
            if is_separator(c) {
                sep_len += 1;
            } else {
                if !current.is_empty() {
                    runs.push(core::mem::take(&mut current));
                }
                sep_len = 0;
            }
        }
    }
    if let Some(s) = group_start {
        let glued_before = sub(text, 0, s).chars().next_back().is_some_and(is_word);
        current.push(Group { start: s, end: text.len(), glued_before });
    }
    if !current.is_empty() {
        runs.push(current);
    }
    runs
}

/// Every place `number` is printed in `text`, in any common format. A run of digits is only
/// matched whole: a different number that merely contains the same digits is left alone.
pub fn find_occurrences(text: &str, number: &PhoneNumber) -> Vec<Occurrence> {
    let forms = number.printed_forms();
    let max_len = forms.iter().map(|(_, d)| d.len()).max().unwrap_or(0);
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    for run in digit_runs(text) {
        // Inside a run a number may only begin or end where whitespace separates groups, so
        // `555 010 0100 555 010 0101` holds two numbers but `555-010-0100-22` holds none.
        let spaced = |k: usize| match (run.get(k), run.get(k + 1)) {
            (Some(a), Some(b)) => sub(text, a.end, b.start).chars().any(char::is_whitespace),
            _ => false,
        };
        let mut i = 0;
        while let Some(first) = run.get(i) {
            if first.glued_before || (i > 0 && !spaced(i - 1)) {
                i += 1;
                continue;
            }
            // The groups i..=j spell one of the number's printed forms, if any.
            let mut digits = String::new();
            let mut hit = None;
            for (j, group) in run.iter().enumerate().skip(i) {
                digits.push_str(sub(text, group.start, group.end));
                if digits.len() > max_len {
                    break;
                }
                if let Some((form, _)) = forms.iter().find(|(_, d)| !d.is_empty() && *d == digits) {
                    let glued_after = tail(text, group.end).chars().next().is_some_and(is_word);
                    if !glued_after && (j + 1 == run.len() || spaced(j)) {
                        hit = Some((j, *form, group.end));
                    }
                    break;
                }
            }
            let Some((j, form, end)) = hit else {
                i += 1;
                continue;
            };
            // Take a `+` or `(` written directly before the first group.
            let mut start = first.start;
            while start > 0 && matches!(bytes.get(start - 1), Some(b'+' | b'(')) {
                start -= 1;
            }
            found.push(Occurrence { start, end, form });
            i = j + 1;
        }
    }
    found
}

/// Writes `to` the way `printed` (an occurrence of some number in `form`) was written: each
/// digit is replaced in place, so separators, grouping, parentheses and `+` stay. When `to`
/// is in another country or has a different number of digits in that form, falls back to
/// `+CC NATIONAL`, which dials anywhere.
fn reformat_form(printed: &str, form: Form, from: &PhoneNumber, to: &PhoneNumber) -> String {
    reformat_in_place(printed, form, from, to)
        .unwrap_or_else(|| cat(&["+", to.country_code(), " ", to.national()]))
}

/// `printed` with each digit replaced by `to`'s in place; `None` when `to` cannot be written
/// that way (another country, or another number of digits in that form).
fn reformat_in_place(printed: &str, form: Form, from: &PhoneNumber, to: &PhoneNumber) -> Option<String> {
    let new_digits = to.digits_in_form(form);
    let old_count = printed.chars().filter(char::is_ascii_digit).count();
    if new_digits.len() != old_count || from.country_code() != to.country_code() {
        return None;
    }
    let mut next = new_digits.chars();
    Some(printed.chars().map(|c| if c.is_ascii_digit() { next.next().unwrap_or(c) } else { c }).collect())
}

/// Rewrites one printed occurrence of `from` (e.g. `(555) 010-0100`) as `to`, in the same
/// format (`(555) 010-0199`). `None` when `printed` is not a printing of `from`.
pub fn reformat_like(printed: &str, from: &PhoneNumber, to: &PhoneNumber) -> Option<String> {
    let occ = find_occurrences(printed, from);
    match occ.as_slice() {
        [o] if o.start == 0 && o.end == printed.len() => Some(reformat_form(printed, o.form, from, to)),
        _ => None,
    }
}

/// Replaces every occurrence of `from` in `text` with `to`, each in its own format.
/// `None` when `text` does not contain `from` (so callers can skip untouched nodes).
pub fn replace_all(text: &str, from: &PhoneNumber, to: &PhoneNumber) -> Option<String> {
    let occ = find_occurrences(text, from);
    if occ.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(text.len() + 4);
    let mut last = 0;
    for o in occ {
        out.push_str(sub(text, last, o.start));
        out.push_str(&reformat_form(sub(text, o.start, o.end), o.form, from, to));
        last = o.end;
    }
    out.push_str(tail(text, last));
    Some(out)
}

/// Replaces `from` with `to` in text that the page splits across adjacent pieces (the text of
/// inline elements such as `<b>(555)</b> 010-0100`), each piece keeping its share: a digit
/// stays in the piece it was in. Returns the new text of every piece, `None` when `from` is
/// not there. When `to` must be written differently (another country or length), the whole
/// new number goes where the old one started and the other pieces lose their part of it.
pub fn replace_across(pieces: &[&str], from: &PhoneNumber, to: &PhoneNumber) -> Option<Vec<String>> {
    replace_across_where(pieces, from, to, &mut |_, _| true)
}

/// [`replace_across`], swapping only the occurrences `accept(first_piece, last_piece)`
/// agrees to (the widget checks that those pieces are in one line of the page, and not in a
/// region it must leave alone, only for the few places a number is found).
pub fn replace_across_where(
    pieces: &[&str],
    from: &PhoneNumber,
    to: &PhoneNumber,
    accept: &mut dyn FnMut(usize, usize) -> bool,
) -> Option<Vec<String>> {
    replace_across_tailed(pieces, from, to, Tails { old: "", new: "" }, accept)
}

/// Text written right after a number: an extension shown with it (` ext. 042`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tails<'a> {
    /// Removed where it directly follows an occurrence of the number being replaced (the
    /// extension shown with it until now); `""`: none.
    pub old: &'a str,
    /// Written right after each rewritten number, in the piece where the number ends; `""`:
    /// none.
    pub new: &'a str,
}

/// [`replace_across_where`], with the text after each number changed as `tails` says: a
/// number shown with an extension (`(555) 010-0909 ext. 042`) becomes another, with its own
/// extension or none.
pub fn replace_across_tailed(
    pieces: &[&str],
    from: &PhoneNumber,
    to: &PhoneNumber,
    tails: Tails<'_>,
    accept: &mut dyn FnMut(usize, usize) -> bool,
) -> Option<Vec<String>> {
    let joined = cat(pieces);
    let mut occurrences = find_occurrences(&joined, from);
    if occurrences.is_empty() {
        return None;
    }
    // Where each piece starts in `joined`.
    let mut bounds = Vec::with_capacity(pieces.len() + 1);
    let mut at = 0;
    for p in pieces {
        bounds.push(at);
        at += p.len();
    }
    bounds.push(at);
    let piece_of = |byte: usize| {
        bounds.iter().rposition(|&b| b <= byte).unwrap_or(0).min(pieces.len().saturating_sub(1))
    };
    occurrences.retain(|o| accept(piece_of(o.start), piece_of(o.end.saturating_sub(1))));
    if occurrences.is_empty() {
        return None;
    }
    let mut out: Vec<String> = pieces.iter().map(|_| String::new()).collect();
    let mut last = 0;
    // Copies `joined[a..b)` into the pieces it belongs to.
    let copy = |out: &mut Vec<String>, a: usize, b: usize| {
        for (piece, span) in out.iter_mut().zip(bounds.windows(2)) {
            if let [start, end] = span {
                let (lo, hi) = ((*start).max(a), (*end).min(b));
                if lo < hi {
                    piece.push_str(sub(&joined, lo, hi));
                }
            }
        }
    };
    for o in occurrences {
        if o.start < last {
            continue; // inside the old tail just removed
        }
        copy(&mut out, last, o.start);
        let printed = sub(&joined, o.start, o.end);
        match reformat_in_place(printed, o.form, from, to) {
            // Digits replaced one for one (ASCII for ASCII): each piece keeps its bytes.
            Some(new) => {
                for (piece, span) in out.iter_mut().zip(bounds.windows(2)) {
                    if let [start, end] = span {
                        let (lo, hi) = ((*start).max(o.start), (*end).min(o.end));
                        if lo < hi {
                            piece.push_str(sub(&new, lo - o.start, hi - o.start));
                        }
                    }
                }
            }
            None => {
                if let Some(piece) = out.get_mut(piece_of(o.start)) {
                    piece.push_str(&reformat_form(printed, o.form, from, to));
                }
            }
        }
        if let Some(piece) = out.get_mut(piece_of(o.end.saturating_sub(1))) {
            piece.push_str(tails.new);
        }
        last = o.end;
        if !tails.old.is_empty() && tail(&joined, o.end).starts_with(tails.old) {
            last += tails.old.len();
        }
    }
    copy(&mut out, last, joined.len());
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn n(s: &str) -> PhoneNumber {
        PhoneNumber::parse(s).unwrap()
    }

    #[test]
    fn parses_common_inputs_to_e164() {
        assert_eq!(n("(555) 010-0100").e164(), "+15550100100");
        assert_eq!(n("+1 555 010 0100").e164(), "+15550100100");
        assert_eq!(n("1-555-010-0100").e164(), "+15550100100");
        assert_eq!(n("+44 20 7946 0958").e164(), "+442079460958");
        assert_eq!(n("0044 20 7946 0958").e164(), "+442079460958");
        assert_eq!(n("+7 495 123-45-67").country_code(), "7");
        assert_eq!(n("+44 20 7946 0958").country_code(), "44");
        assert_eq!(n("+353 1 234 5678").country_code(), "353");
        assert_eq!(n("+44 20 7946 0958").national(), "2079460958");
    }

    #[test]
    fn an_extension_is_written_after_the_number_and_taken_away_with_it() {
        let (business, ext_number, pool) = (n("+15550100100"), n("+15550100909"), n("+15550100203"));
        let all = &mut |_: usize, _: usize| true;
        let with = Tails { old: "", new: " ext. 042" };
        let shown = replace_across_tailed(
            &["Call <b>", "(555)", " 010-0100", "</b> today"],
            &business,
            &ext_number,
            with,
            all,
        );
        assert_eq!(shown.unwrap().concat(), "Call <b>(555) 010-0909 ext. 042</b> today");
        let pieces = ["Call (555) 010-0909 ext. 042 or 555.010.0909 ext. 042."];
        let back =
            replace_across_tailed(&pieces, &ext_number, &pool, Tails { old: " ext. 042", new: "" }, all)
                .unwrap();
        assert_eq!(back[0], "Call (555) 010-0203 or 555.010.0203.");
        let other = Tails { old: " ext. 042", new: " ext. 117" };
        let moved = replace_across_tailed(&pieces, &ext_number, &ext_number, other, all).unwrap();
        assert_eq!(moved[0], "Call (555) 010-0909 ext. 117 or 555.010.0909 ext. 117.");
        // An extension written across pieces goes where the number ends; a tail that is not
        // there is left alone.
        let split =
            replace_across_tailed(&["(555) 010-", "0100", " x"], &business, &ext_number, with, all).unwrap();
        assert_eq!(split, ["(555) 010-", "0909 ext. 042", " x"]);
        let no_tail = replace_across_tailed(
            &["(555) 010-0909 ext. 1"],
            &ext_number,
            &pool,
            Tails { old: " ext. 042", new: "" },
            all,
        );
        assert_eq!(no_tail.unwrap()[0], "(555) 010-0203 ext. 1");
    }

    #[test]
    fn formats_for_people() {
        assert_eq!(n("+15550100100").formatted(), "(555) 010-0100");
        assert_eq!(n("+442079460958").formatted(), "+44 2079460958");
    }

    #[test]
    fn rejects_what_is_not_a_number() {
        for bad in ["", "555-0100", "call me", "+1 555 010 01000", "+0123456789", "12345678901234567"] {
            assert!(PhoneNumber::parse(bad).is_err(), "{bad:?} should be rejected");
        }
        let err = PhoneNumber::parse("555 CALL NOW").unwrap_err();
        assert_eq!(err.input, "555 CALL NOW", "the error names what was given");
    }

    #[test]
    fn swaps_each_us_format_keeping_it() {
        let from = n("+15550100100");
        let to = n("+15550100123");
        let cases = [
            ("(555) 010-0100", "(555) 010-0123"),
            ("555-010-0100", "555-010-0123"),
            ("555.010.0100", "555.010.0123"),
            ("555 010 0100", "555 010 0123"),
            ("+1 555 010 0100", "+1 555 010 0123"),
            ("1-555-010-0100", "1-555-010-0123"),
            ("+1 (555) 010-0100", "+1 (555) 010-0123"),
            ("+15550100100", "+15550100123"),
            ("5550100100", "5550100123"),
        ];
        for (before, after) in cases {
            assert_eq!(reformat_like(before, &from, &to).as_deref(), Some(after), "{before}");
        }
    }

    #[test]
    fn only_latin_letters_digits_and_underscores_glue_onto_a_number() {
        let (from, to) = (n("+15550100100"), n("+15550100123"));
        for glued in ["A5550100100", "5550100100x", "id_5550100100", "05550100100"] {
            assert_eq!(replace_all(glued, &from, &to), None, "{glued}");
        }
        // Non-Latin text right against a number does not hide it (nor does punctuation).
        let (tokyo, other) = (n("+81 3 1234 5678"), n("+81 3 1234 0000"));
        assert_eq!(replace_all("電話03-1234-5678", &tokyo, &other).as_deref(), Some("電話03-1234-0000"));
        assert_eq!(replace_all("Tél.:5550100100—", &from, &to).as_deref(), Some("Tél.:5550100123—"));
    }

    #[test]
    fn swaps_numbers_split_across_inline_elements() {
        let (from, to) = (n("+15550100100"), n("+15550100123"));
        assert_eq!(
            replace_across(&["Call ", "(555)", " 010-0100", " now"], &from, &to),
            Some(vec!["Call ".into(), "(555)".into(), " 010-0123".into(), " now".into()])
        );
        assert_eq!(
            replace_across(&["555", "-010-01", "00"], &from, &to),
            Some(vec!["555".into(), "-010-01".into(), "23".into()]),
            "each digit stays in its element"
        );
        assert_eq!(replace_across(&["555", "-010-0101"], &from, &to), None, "another number");
        assert_eq!(replace_across(&["Call ", "us"], &from, &to), None);
        // Only where the caller accepts: pieces 1..=2 hold the first number, 4 the second.
        let pieces = ["Call ", "555-", "010-0100", " or ", "(555) 010-0100"];
        let mut asked = Vec::new();
        let swapped = replace_across_where(&pieces, &from, &to, &mut |a, b| {
            asked.push((a, b));
            a == b
        });
        assert_eq!(asked, [(1, 2), (4, 4)]);
        assert_eq!(swapped.map(|p| p.concat()).as_deref(), Some("Call 555-010-0100 or (555) 010-0123"));
        // Another length: the whole new number where the old one began.
        let uk = n("+44 20 7946 0000");
        assert_eq!(
            replace_across(&["(555) ", "010-0100!"], &from, &uk),
            Some(vec!["+44 2079460000".into(), "!".into()])
        );
    }

    proptest! {
        /// However a page splits a number across elements, joining the swapped pieces gives
        /// the swapped whole.
        #[test]
        fn splitting_does_not_change_the_swap(cuts in proptest::collection::btree_set(1usize..27, 0..5)) {
            let (from, to) = (n("+15550100100"), n("+15550100199"));
            let text = "Call (555) 010-0100 today!";
            let mut pieces = Vec::new();
            let mut last = 0;
            for c in cuts.iter().copied().filter(|c| *c < text.len()) {
                pieces.push(&text[last..c]);
                last = c;
            }
            pieces.push(&text[last..]);
            let swapped = replace_across(&pieces, &from, &to).expect("found");
            prop_assert_eq!(swapped.len(), pieces.len());
            prop_assert_eq!(swapped.concat(), "Call (555) 010-0199 today!");
        }
    }

    #[test]
    fn swaps_international_formats() {
        let from = n("+44 20 7946 0958");
        let to = n("+44 20 7946 0000");
        assert_eq!(
            replace_all("Ring +44 20 7946 0958 or 020 7946 0958.", &from, &to).as_deref(),
            Some("Ring +44 20 7946 0000 or 020 7946 0000.")
        );
        let ru = n("+7 495 123 45 67");
        let ru2 = n("+7 495 765 43 21");
        assert_eq!(replace_all("8 (495) 123-45-67", &ru, &ru2).as_deref(), Some("8 (495) 765-43-21"));
    }

    #[test]
    fn finds_every_occurrence_in_running_text() {
        let from = n("+15550100100");
        let to = n("+15550100199");
        let text = "Call (555) 010-0100 today, or 555.010.0100 after 6pm; intl +1 555 010 0100.";
        assert_eq!(
            replace_all(text, &from, &to).as_deref(),
            Some("Call (555) 010-0199 today, or 555.010.0199 after 6pm; intl +1 555 010 0199.")
        );
        // two numbers in a list separated by one space are two numbers
        assert_eq!(
            replace_all("555 010 0100 555 010 0100", &from, &to).as_deref(),
            Some("555 010 0199 555 010 0199")
        );
    }

    #[test]
    fn leaves_other_numbers_that_share_digits() {
        let from = n("+15550100100");
        let to = n("+15550100199");
        for text in [
            "Order 25550100100",
            "555-010-01001",
            "555-010-0100-22",
            "SKU A5550100100",
            "5550100100x",
            "Fax (555) 010-0101",
            "Price 010-0100",
        ] {
            assert_eq!(replace_all(text, &from, &to), None, "{text:?} must stay");
        }
    }

    #[test]
    fn tel_hrefs_keep_their_form() {
        let from = n("+15550100100");
        let to = n("+15550100123");
        assert_eq!(replace_all("tel:+15550100100", &from, &to).as_deref(), Some("tel:+15550100123"));
        assert_eq!(replace_all("tel:555-010-0100", &from, &to).as_deref(), Some("tel:555-010-0123"));
    }

    #[test]
    fn different_length_falls_back_to_international() {
        let from = n("+15550100100");
        let to = n("+442079460958");
        assert_eq!(reformat_like("(555) 010-0100", &from, &to).as_deref(), Some("+44 2079460958"));
        assert_eq!(reformat_like("+1 555 010 0100", &from, &to).as_deref(), Some("+44 2079460958"));
    }

    proptest! {
        /// Any same-country swap keeps every non-digit character exactly where it was, and
        /// swapping back restores the original text.
        #[test]
        fn swap_round_trips(area in 200u32..999, mid in 200u32..999, last in 0u32..9999,
                            last2 in 0u32..9999, style in 0usize..6) {
            let fmt = |l: u32| match style {
                0 => format!("({area}) {mid}-{l:04}"),
                1 => format!("{area}-{mid}-{l:04}"),
                2 => format!("{area}.{mid}.{l:04}"),
                3 => format!("+1 {area} {mid} {l:04}"),
                4 => format!("1-{area}-{mid}-{l:04}"),
                _ => format!("{area}{mid}{l:04}"),
            };
            let a = n(&fmt(last));
            let b = n(&fmt(last2));
            let page = format!("Call us: {} now!", fmt(last));
            let swapped = replace_all(&page, &a, &b).unwrap();
            prop_assert_eq!(&swapped, &format!("Call us: {} now!", fmt(last2)));
            prop_assert_eq!(replace_all(&swapped, &b, &a).unwrap(), page);
        }
    }
}
