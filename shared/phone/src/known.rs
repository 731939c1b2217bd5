//! The known-number matcher: finds where a page prints one of the site's own numbers, whose
//! digits it knows, and rewrites each printing digit by digit for another number.
//!
//! Text is read as digit groups joined by at most three separators (space, no-break spaces,
//! `-` and Unicode hyphens and dashes, `.`, `/`, `(`, `)`, `+`). A number is a whole run of
//! groups whose digits spell one of its printed forms: the national significant number, with
//! the trunk prefix (`0`, `8` for +7), with the country code, with `00` and the country code,
//! or with the country code and the trunk prefix (`+44 (0)20 7946 0958`). Inside a longer run
//! a number begins and ends only where whitespace separates groups, and never right against
//! an ASCII letter, digit or `_`. Replacing a digit in place keeps the page's separators,
//! grouping, parentheses and prefix, so no formatter is needed; a number that cannot be
//! written digit for digit (another country code or length) is written `+CC NATIONAL`.
//!
//! Small on purpose (the widget ships it): borrowed digits, no `core::fmt`, no panicking path.

use crate::{country_code_len, sub, tail};
use alloc::string::String;

/// A number whose digits are known: its country code and national significant number, as
/// ASCII digits borrowed from its E.164 text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Known<'a> {
    pub(crate) digits: &'a str,
    pub(crate) cc_len: u8,
}

impl<'a> Known<'a> {
    /// `+` then 8 to 15 digits, the first not `0` (numbers as the edge sends them, already
    /// validated there: the widget only needs the country code split off).
    pub fn from_e164(e164: &'a str) -> Option<Known<'a>> {
        let digits = tail(e164, 1);
        let ok = matches!(e164.as_bytes(), [b'+', b'1'..=b'9', ..])
            && digits.len() >= 8
            && digits.len() <= 15
            && !digits.bytes().any(|b| !b.is_ascii_digit());
        ok.then(|| Known { digits, cc_len: country_code_len(digits) as u8 })
    }

    /// The country calling code's digits (`1`, `44`).
    pub fn country_code(self) -> &'a str {
        sub(self.digits, 0, usize::from(self.cc_len))
    }

    /// The national significant number: the digits after the country code.
    pub fn national(self) -> &'a str {
        tail(self.digits, usize::from(self.cc_len))
    }

    /// The country code and the national number: E.164 without its `+`.
    pub fn digits(self) -> &'a str {
        self.digits
    }

    /// The trunk prefix printed before the national number at home: `0` in most countries,
    /// `8` in Russia and Kazakhstan, none in North America (there `1` and the national
    /// number is the international form).
    fn trunk(self) -> &'static str {
        match self.country_code() {
            "1" => "",
            "7" => "8",
            _ => "0",
        }
    }

    /// The digits of printed form `form` (0..FORMS), in parts.
    fn form(self, form: usize) -> [&'a str; 4] {
        let (cc, nsn, trunk) = (self.country_code(), self.national(), self.trunk());
        match form {
            0 => ["", "", "", nsn],
            1 => ["", "", trunk, nsn],
            2 => ["", cc, "", nsn],
            3 => ["00", cc, "", nsn],
            _ => ["", cc, trunk, nsn],
        }
    }
}

/// How many printed forms a number has (see [`Known::form`]).
const FORMS: usize = 5;

/// Digit `i` of a form given in parts (by index: an iterator adaptor costs the widget more).
fn form_digit(parts: &[&str; 4], mut i: usize) -> Option<u8> {
    for part in parts {
        if let Some(d) = part.as_bytes().get(i) {
            return Some(*d);
        }
        i -= part.len();
    }
    None
}

/// A number as a page shows it: with the extension a phone keys after it, or without.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shown<'a> {
    pub number: Known<'a>,
    /// Digits only (`042`); empty: none.
    pub extension: &'a str,
}

impl<'a> Shown<'a> {
    /// As a phone dials it: `+15550100909`, or `+15550100909,042` with an extension (digits
    /// only: anything else could not be keyed, nor shown safely).
    pub fn from_dialled(dialled: &'a str) -> Option<Shown<'a>> {
        let comma = dialled.bytes().position(|b| b == b',');
        let number = Known::from_e164(sub(dialled, 0, comma.unwrap_or(dialled.len())))?;
        let extension = match comma {
            Some(i) => tail(dialled, i + 1),
            None => "",
        };
        let keyable =
            comma.is_none() || (!extension.is_empty() && extension.bytes().all(|b| b.is_ascii_digit()));
        keyable.then_some(Shown { number, extension })
    }
}

/// A business number and the number shown in its place.
pub type Pair<'a> = (Shown<'a>, Shown<'a>);

/// Where a number is printed, which says how its extension is written after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Where<'a> {
    /// Page text: ` ext. 042`, with the site's word for it (`label`).
    Text { label: &'a str },
    /// A `tel:` URL: `,042` (a phone pauses, then keys it). Percent escapes (`%20`) are read
    /// as the characters they stand for.
    Tel,
}

/// The text written after a number shown with `extension`, in parts.
fn tail_parts<'a>(place: Where<'a>, extension: &'a str) -> [&'a str; 4] {
    match place {
        _ if extension.is_empty() => ["", "", "", ""],
        Where::Text { label } => [" ", label, " ", extension],
        Where::Tel => [",", extension, "", ""],
    }
}

/// `rest` without `parts` written at its start; `None` when they are not there.
fn strip_parts<'t>(mut rest: &'t str, parts: &[&str]) -> Option<&'t str> {
    for part in parts {
        rest = rest.strip_prefix(part)?;
    }
    Some(rest)
}

const DIGITS: &str = "0123456789";

/// A character people print between a number's digit groups (read as units: no-break spaces
/// as ` `, hyphens and dashes as `-`).
fn is_separator(c: u8) -> bool {
    matches!(c, b' ' | b'-' | b'.' | b'/' | b'(' | b')' | b'+')
}

/// A word character: a number glued to one is part of a word (`A555…`, `555_x`). ASCII on
/// purpose: Unicode's letter tables would add 3 KB to the widget, and a number printed right
/// against a non-Latin word (`電話0312345678`) is still that number.
fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// A printed number found in a text: `text[start..end]`, with the pair and form it matched.
#[derive(Debug, Clone, Copy)]
struct Hit {
    start: usize,
    end: usize,
    pair: usize,
    form: usize,
}

/// Text read unit by unit: a character, or in a `tel:` URL a `%XX` escape of an ASCII one.
/// Every unit reads as one ASCII byte: separators as their ASCII kin (no-break spaces as ` `,
/// hyphens and dashes as `-`), anything else not ASCII as `0x80`. Out of range reads `0`.
struct Scan<'t> {
    text: &'t [u8],
    tel: bool,
}

fn hex(b: u8) -> Option<u8> {
    char::from(b).to_digit(16).map(|d| d as u8)
}

impl Scan<'_> {
    fn at(&self, i: usize) -> u8 {
        self.text.get(i).copied().unwrap_or(0)
    }

    /// The unit at `p`: what it reads as, and its length in bytes.
    fn unit(&self, p: usize) -> (u8, usize) {
        let (b, c1, c2) = (self.at(p), self.at(p + 1), self.at(p + 2));
        if b < 0x80 {
            if let (true, b'%', Some(h @ 0..=7), Some(l)) = (self.tel, b, hex(c1), hex(c2)) {
                return (h * 16 + l, 3);
            }
            return (b, 1);
        }
        match (b, c1, c2) {
            (0xC2, 0xA0, _) => (b' ', 2),           // no-break space
            (0xE2, 0x80, 0xAF) => (b' ', 3),        // narrow no-break space
            (0xE2, 0x80, 0x90..=0x93) => (b'-', 3), // hyphen, non-breaking hyphen, figure and en dash
            (0xF0.., _, _) => (0x80, 4),
            (0xE0.., _, _) => (0x80, 3),
            _ => (0x80, 2),
        }
    }

    fn digit_at(&self, p: usize) -> bool {
        self.unit(p).0.is_ascii_digit()
    }

    /// After a group of digits ending at `p`: where the next group begins when at most three
    /// separators lead to it, and whether whitespace is among them.
    fn gap(&self, mut p: usize) -> Option<(usize, bool)> {
        let (mut seps, mut spaced) = (0, false);
        loop {
            let (c, len) = self.unit(p);
            if c.is_ascii_digit() {
                return Some((p, spaced));
            }
            if seps == 3 || !is_separator(c) {
                return None;
            }
            seps += 1;
            spaced |= c == b' ';
            p += len;
        }
    }

    /// Where the digits of `form` end when the groups from `p` (a group's start) spell them.
    fn spell(&self, mut p: usize, form: &[&str; 4]) -> Option<usize> {
        let mut i = 0;
        while let Some(d) = form_digit(form, i) {
            i += 1;
            if !self.digit_at(p) {
                p = self.gap(p)?.0;
            }
            let (c, len) = self.unit(p);
            if c != d {
                return None;
            }
            p += len;
        }
        Some(p)
    }

    /// Whether a number may end at `p`: at a group's end, nothing glued on, and any group
    /// joined after it set apart by whitespace.
    fn may_end(&self, p: usize) -> bool {
        !is_word(self.unit(p).0) && self.gap(p).is_none_or(|(_, spaced)| spaced)
    }

    /// The first printing of a pair's business number at or after `p` (0, or where a
    /// printing ended).
    fn next_hit(&self, mut p: usize, pairs: &[Pair<'_>]) -> Option<Hit> {
        // The unit before `p`; where the `+` and `(` written right before `p` begin; how
        // many separators follow the last group (4: it is not joined to what follows), and
        // whether one of them is whitespace.
        let (mut prev, mut lead, mut seps, mut spaced) = (0, p, if p == 0 { 4 } else { 0 }, false);
        while p < self.text.len() {
            let (c, len) = self.unit(p);
            if c.is_ascii_digit() {
                if !is_word(prev) && (seps > 3 || spaced) {
                    for (pair, (business, _)) in pairs.iter().enumerate() {
                        for form in 0..FORMS {
                            match self.spell(p, &business.number.form(form)) {
                                Some(end) if self.may_end(end) => {
                                    return Some(Hit { start: lead, end, pair, form })
                                }
                                _ => {}
                            }
                        }
                    }
                }
                while self.digit_at(p) {
                    p += self.unit(p).1;
                }
                (prev, lead, seps, spaced) = (b'0', p, 0, false);
                continue;
            }
            if !matches!(c, b'+' | b'(') {
                lead = p + len;
            }
            if is_separator(c) {
                seps += 1;
                spaced |= c == b' ';
            } else {
                seps = 4;
            }
            prev = c;
            p += len;
        }
        None
    }
}

/// The new text being written, and the pieces' starts moved with it (see [`swap_across`]).
struct Writer<'c> {
    out: String,
    cuts: &'c mut [usize],
    /// How many of `cuts` are moved already (all those before the text copied so far).
    moved: usize,
}

impl Writer<'_> {
    /// Moves the starts of pieces at or before `p` (in the old text) to the end of the new.
    fn reach(&mut self, p: usize) {
        while let Some(cut) = self.cuts.get_mut(self.moved).filter(|c| **c <= p) {
            *cut = self.out.len();
            self.moved += 1;
        }
    }

    /// Copies `text[a..b]`, pieces starting inside it keeping their place in it.
    fn copy(&mut self, text: &str, a: usize, b: usize) {
        while let Some(cut) = self.cuts.get_mut(self.moved).filter(|c| **c < b) {
            *cut = self.out.len() + cut.saturating_sub(a);
            self.moved += 1;
        }
        self.out.push_str(sub(text, a, b));
    }

    /// Writes `parts` where the old text was at `p`.
    fn put(&mut self, p: usize, parts: &[&str]) {
        self.reach(p);
        for part in parts {
            self.out.push_str(part);
        }
    }

    /// The piece of the old text that `p` is in.
    fn piece_of(&self, p: usize) -> usize {
        let later = self.cuts.get(self.moved..).unwrap_or(&[]);
        (self.moved + later.iter().filter(|c| **c <= p).count()).saturating_sub(1)
    }
}

/// Swaps, in `text`, each printing of a pair's business number for its tracking number: in
/// place digit for digit where it can be (else `+CC NATIONAL`), removing the business number's
/// extension where it follows and writing the tracking number's after it.
///
/// The text may be pieces joined (the text of a line's inline elements, as in
/// `<b>(555)</b> 010-0100`): `cuts` holds where each piece starts, and on return where it
/// starts in the new text. A digit stays in its piece; a number that must be written
/// otherwise goes whole where it began, its extension where it ended. Only printings that
/// `accept(first piece, last piece)` agrees to are swapped (the widget asks there whether
/// those pieces may be written to). Returns the new text and, as bits, the pairs found
/// (`1 << index`, the 32nd bit for any later one); `None` when nothing was swapped.
pub fn swap_across(
    text: &str,
    cuts: &mut [usize],
    pairs: &[Pair<'_>],
    place: Where<'_>,
    accept: &mut dyn FnMut(usize, usize) -> bool,
) -> Option<(String, u32)> {
    let scan = Scan { text: text.as_bytes(), tel: matches!(place, Where::Tel) };
    let mut w = Writer { out: String::new(), cuts, moved: 0 };
    let (mut found, mut done, mut from) = (0u32, 0, 0);
    loop {
        let hit = loop {
            match scan.next_hit(from, pairs) {
                Some(h) if h.start < done => from = h.end, // in an extension just taken away
                Some(h) if !accept(w.piece_of(h.start), w.piece_of(h.end.saturating_sub(1))) => from = h.end,
                other => break other,
            }
        };
        let Some(h) = hit else { break };
        let Some((business, shown)) = pairs.get(h.pair) else { break };
        w.copy(text, done, h.start);
        let (old, new) = (business.number, shown.number);
        if old.country_code() == new.country_code() && old.national().len() == new.national().len() {
            let form = new.form(h.form);
            let (mut p, mut i) = (h.start, 0);
            while p < h.end {
                let (c, len) = scan.unit(p);
                let mut written = sub(text, p, p + len);
                if c.is_ascii_digit() {
                    let d = form_digit(&form, i).unwrap_or(c);
                    i += 1;
                    if d != c {
                        written = sub(DIGITS, usize::from(d - b'0'), usize::from(d - b'0') + 1);
                    }
                }
                w.put(p, &[written]);
                p += len;
            }
        } else {
            w.put(h.start, &["+", new.country_code(), " ", new.national()]);
            w.reach(h.end - 1); // pieces starting inside it now start after it
        }
        // The extension goes in the piece where the number ended.
        w.put(h.end - 1, &tail_parts(place, shown.extension));
        done = h.end;
        if !business.extension.is_empty() {
            if let Some(rest) = strip_parts(tail(text, h.end), &tail_parts(place, business.extension)) {
                done = text.len() - rest.len();
            }
        }
        found |= 1 << h.pair.min(31);
        from = h.end;
    }
    w.copy(text, done, text.len());
    w.reach(text.len());
    (found != 0).then_some((w.out, found))
}

/// [`swap_across`] for text in one piece, every printing accepted.
pub fn swap_text(text: &str, pairs: &[Pair<'_>], place: Where<'_>) -> Option<String> {
    swap_across(text, &mut [], pairs, place, &mut |_, _| true).map(|(new, _)| new)
}

/// Where `number` is printed in `text`: byte ranges, each from the `+` or `(` written
/// before it.
pub fn occurrences<'t>(
    text: &'t str,
    number: Known<'t>,
    place: Where<'_>,
) -> impl Iterator<Item = (usize, usize)> + 't {
    let scan = Scan { text: text.as_bytes(), tel: matches!(place, Where::Tel) };
    let shown = Shown { number, extension: "" };
    let mut from = 0;
    core::iter::from_fn(move || {
        let hit = scan.next_hit(from, &[(shown, shown)])?;
        from = hit.end;
        Some((hit.start, hit.end))
    })
}

#[cfg(test)]
mod tests;
