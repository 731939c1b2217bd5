use super::*;
use alloc::string::ToString;
use alloc::vec::Vec;
use proptest::prelude::*;

const TEXT: Where<'static> = Where::Text { label: "ext." };

fn shown(dialled: &str) -> Shown<'_> {
    Shown::from_dialled(dialled).expect("a dialled number")
}

fn pair<'a>(from: &'a str, to: &'a str) -> Pair<'a> {
    (shown(from), shown(to))
}

/// Every printing of `from` in `text` written as `to`.
fn replace_all(text: &str, from: &str, to: &str) -> Option<String> {
    swap_text(text, &[pair(from, to)], TEXT)
}

/// `printed`, a whole printing of `from`, written as `to`.
fn reformat_like(printed: &str, from: &str, to: &str) -> Option<String> {
    let found: Vec<_> = occurrences(printed, shown(from).number, TEXT).collect();
    (found == [(0, printed.len())]).then(|| replace_all(printed, from, to)).flatten()
}

/// The pieces of a line swapped as the widget does, each piece's new text.
fn across(
    pieces: &[&str],
    pairs: &[Pair<'_>],
    place: Where<'_>,
    accept: &mut dyn FnMut(usize, usize) -> bool,
) -> Option<Vec<String>> {
    let mut cuts: Vec<usize> =
        pieces.iter().scan(0, |at, p| Some(core::mem::replace(at, *at + p.len()))).collect();
    let (text, _) = swap_across(&pieces.concat(), &mut cuts, pairs, place, accept)?;
    let ends = cuts.iter().skip(1).copied().chain([text.len()]);
    Some(cuts.iter().zip(ends).map(|(a, b)| text[*a..b].to_string()).collect())
}

fn split(pieces: &[&str], from: &str, to: &str) -> Option<Vec<String>> {
    across(pieces, &[pair(from, to)], TEXT, &mut |_, _| true)
}

#[test]
fn reads_numbers_as_the_edge_sends_them() {
    let uk = shown("+442079460958").number;
    assert_eq!((uk.country_code(), uk.national(), uk.digits()), ("44", "2079460958", "442079460958"));
    assert_eq!(shown("+353123456789").number.country_code(), "353");
    let ext = shown("+15550100909,042");
    assert_eq!((ext.number.national(), ext.extension), ("5550100909", "042"));
    for bad in [
        "",
        "+1",
        "15550100100",
        "+0123456789",
        "+1555010010x",
        "+1234567890123456",
        "+15550100909,",
        "+15550100909,x1",
    ] {
        assert_eq!(Shown::from_dialled(bad), None, "{bad:?}");
    }
    let parsed = crate::PhoneNumber::parse("+44 20 7946 0958").expect("a number");
    assert_eq!(parsed.known(), uk);
}

#[test]
fn swaps_each_us_format_keeping_it() {
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
        ("555\u{a0}010\u{2011}0100", "555\u{a0}010\u{2011}0123"),
        ("555\u{202f}010\u{2013}0100", "555\u{202f}010\u{2013}0123"),
        ("001 555 010 0100", "001 555 010 0123"),
    ];
    for (before, after) in cases {
        assert_eq!(reformat_like(before, "+15550100100", "+15550100123").as_deref(), Some(after), "{before}");
    }
}

#[test]
fn swaps_international_formats() {
    let (from, to) = ("+442079460958", "+442079460000");
    assert_eq!(
        replace_all("Ring +44 20 7946 0958 or 020 7946 0958.", from, to).as_deref(),
        Some("Ring +44 20 7946 0000 or 020 7946 0000.")
    );
    assert_eq!(
        replace_all("8 (495) 123-45-67", "+74951234567", "+74957654321").as_deref(),
        Some("8 (495) 765-43-21")
    );
    // The `00` prefix, and the trunk zero printed in parentheses after the country code.
    for (before, after) in [
        ("0044 20 7946 0958", "0044 20 7946 0000"),
        ("00 44 20 7946 0958", "00 44 20 7946 0000"),
        ("+44 (0)20 7946 0958", "+44 (0)20 7946 0000"),
        ("+44 (0) 20 7946 0958", "+44 (0) 20 7946 0000"),
        ("+44(0)2079460958", "+44(0)2079460000"),
        ("(020) 7946 0958", "(020) 7946 0000"),
    ] {
        assert_eq!(reformat_like(before, from, to).as_deref(), Some(after), "{before}");
    }
    assert_eq!(replace_all("+44 (0)20 7946 0958", from, "+15550100100").as_deref(), Some("+1 5550100100"));
}

#[test]
fn only_latin_letters_digits_and_underscores_glue_onto_a_number() {
    let (from, to) = ("+15550100100", "+15550100123");
    for glued in ["A5550100100", "5550100100x", "id_5550100100", "05550100100", "5550100100_"] {
        assert_eq!(replace_all(glued, from, to), None, "{glued}");
    }
    // Non-Latin text right against a number does not hide it (nor does punctuation).
    assert_eq!(
        replace_all("電話03-1234-5678", "+81312345678", "+81312340000").as_deref(),
        Some("電話03-1234-0000")
    );
    assert_eq!(replace_all("Tél.:5550100100—", from, to).as_deref(), Some("Tél.:5550100123—"));
}

#[test]
fn finds_every_occurrence_in_running_text() {
    let (from, to) = ("+15550100100", "+15550100199");
    let text = "Call (555) 010-0100 today, or 555.010.0100 after 6pm; intl +1 555 010 0100.";
    assert_eq!(
        replace_all(text, from, to).as_deref(),
        Some("Call (555) 010-0199 today, or 555.010.0199 after 6pm; intl +1 555 010 0199.")
    );
    // Two numbers in a list separated by one space are two numbers.
    assert_eq!(
        replace_all("555 010 0100 555 010 0100", from, to).as_deref(),
        Some("555 010 0199 555 010 0199")
    );
    let found: Vec<_> = occurrences("555 010 0100 555 010 0101", shown(from).number, TEXT).collect();
    assert_eq!(found, [(0, 12)], "the second is another number");
}

#[test]
fn two_business_numbers_in_one_text_each_become_their_own() {
    let pairs = [pair("+15550100300", "+15550100301"), pair("+15550100400", "+15550100401")];
    let text = "Sales (555) 010-0300, service 555-010-0400, sales again 555.010.0300";
    let (new, found) = swap_across(text, &mut [], &pairs, TEXT, &mut |_, _| true).expect("both");
    assert_eq!(new, "Sales (555) 010-0301, service 555-010-0401, sales again 555.010.0301");
    assert_eq!(found, 0b11, "both pairs found");
    let (_, found) = swap_across("555-010-0400", &mut [], &pairs, TEXT, &mut |_, _| true).expect("one");
    assert_eq!(found, 0b10);
}

#[test]
fn leaves_other_numbers_that_share_digits() {
    for text in [
        "Order 25550100100",
        "555-010-01001",
        "555-010-0100-22",
        "SKU A5550100100",
        "5550100100x",
        "Fax (555) 010-0101",
        "Price 010-0100",
        "5550100100123",
        "1234555010010099",
        "555-010-0100.5",
        "+1-555-010-0100-1",
    ] {
        assert_eq!(replace_all(text, "+15550100100", "+15550100199"), None, "{text:?} must stay");
    }
}

#[test]
fn a_number_followed_or_preceded_by_other_digits_is_found_only_when_set_apart() {
    let (from, to) = ("+15550100100", "+15550100199");
    for (before, after) in [
        ("555 010 0100 22", "555 010 0199 22"),
        ("Room 12 555 010 0100", "Room 12 555 010 0199"),
        ("+1 555 010 0100 0100", "+1 555 010 0199 0100"),
        ("555-010-0100 / 555-010-0101", "555-010-0199 / 555-010-0101"),
        ("555-010-0100    2", "555-010-0199    2"),
        ("1555-010-0100,2", "1555-010-0199,2"),
    ] {
        assert_eq!(replace_all(before, from, to).as_deref(), Some(after), "{before}");
    }
    // Joined by separators without a space, the neighbours make it another number.
    assert_eq!(replace_all("22-555-010-0100", from, to), None);
    assert_eq!(replace_all("555.010.0100.22", from, to), None);
}

#[test]
fn swaps_numbers_split_across_inline_elements() {
    let (from, to) = ("+15550100100", "+15550100123");
    assert_eq!(
        split(&["Call ", "(555)", " 010-0100", " now"], from, to),
        Some(vec!["Call ".into(), "(555)".into(), " 010-0123".into(), " now".into()])
    );
    assert_eq!(
        split(&["555", "-010-01", "00"], from, to),
        Some(vec!["555".into(), "-010-01".into(), "23".into()]),
        "each digit stays in its element"
    );
    assert_eq!(split(&["555", "-010-0101"], from, to), None, "another number");
    assert_eq!(split(&["Call ", "us"], from, to), None);
    assert_eq!(
        split(&["", "555", "", "-010-0100", ""], from, to).map(|p| p.concat()).as_deref(),
        Some("555-010-0123")
    );
    // Only where the caller accepts: pieces 1..=2 hold the first number, 4 the second.
    let pieces = ["Call ", "555-", "010-0100", " or ", "(555) 010-0100"];
    let mut asked = Vec::new();
    let swapped = across(&pieces, &[pair(from, to)], TEXT, &mut |a, b| {
        asked.push((a, b));
        a == b
    });
    assert_eq!(asked, [(1, 2), (4, 4)]);
    assert_eq!(swapped.map(|p| p.concat()).as_deref(), Some("Call 555-010-0100 or (555) 010-0123"));
    // Another length: the whole new number where the old one began.
    assert_eq!(
        split(&["(555) ", "010-0100!"], from, "+442079460000"),
        Some(vec!["+44 2079460000".into(), "!".into()])
    );
    assert_eq!(
        split(&["Call ", "+44 (0)", "20 7946", " 0958", " now"], "+442079460958", "+442079460000"),
        Some(vec!["Call ".into(), "+44 (0)".into(), "20 7946".into(), " 0000".into(), " now".into()])
    );
}

#[test]
fn an_extension_is_written_after_the_number_and_taken_away_with_it() {
    let (business, ext_number, pool) = ("+15550100100", "+15550100909,042", "+15550100203");
    let all = &mut |_: usize, _: usize| true;
    let shown_with =
        across(&["Call <b>", "(555)", " 010-0100", "</b> today"], &[pair(business, ext_number)], TEXT, all);
    assert_eq!(shown_with.unwrap().concat(), "Call <b>(555) 010-0909 ext. 042</b> today");
    let text = "Call (555) 010-0909 ext. 042 or 555.010.0909 ext. 042.";
    assert_eq!(replace_all(text, ext_number, pool).as_deref(), Some("Call (555) 010-0203 or 555.010.0203."));
    assert_eq!(
        replace_all(text, ext_number, "+15550100909,117").as_deref(),
        Some("Call (555) 010-0909 ext. 117 or 555.010.0909 ext. 117.")
    );
    // Another label.
    let russian = Where::Text { label: "доб." };
    assert_eq!(
        swap_text("(555) 010-0100", &[pair(business, ext_number)], russian).as_deref(),
        Some("(555) 010-0909 доб. 042")
    );
    // An extension written across pieces goes where the number ends; a tail that is not
    // there is left alone.
    let split_ext = split(&["(555) 010-", "0100", " x"], business, ext_number).unwrap();
    assert_eq!(split_ext, ["(555) 010-", "0909 ext. 042", " x"]);
    assert_eq!(
        replace_all("(555) 010-0909 ext. 1", ext_number, pool).as_deref(),
        Some("(555) 010-0203 ext. 1")
    );
    // Taken away across pieces: the pieces that held it lose it.
    assert_eq!(
        split(&["(555) 010-0909", " ext.", " 042", "!"], ext_number, pool),
        Some(vec!["(555) 010-0203".into(), "".into(), "".into(), "!".into()])
    );
    // Written otherwise (another country): the extension still follows.
    assert_eq!(
        replace_all("(555) 010-0100", business, "+442079460000,7").as_deref(),
        Some("+44 2079460000 ext. 7")
    );
}

#[test]
fn tel_urls_keep_their_form_and_escapes() {
    let (from, to) = ("+15550100100", "+15550100123");
    let tel = |href: &str, to: &str| swap_text(href, &[pair(from, to)], Where::Tel);
    assert_eq!(tel("tel:+15550100100", to).as_deref(), Some("tel:+15550100123"));
    assert_eq!(tel("tel:555-010-0100", to).as_deref(), Some("tel:555-010-0123"));
    assert_eq!(tel("tel:(555)%20010-0100", to).as_deref(), Some("tel:(555)%20010-0123"), "escapes kept");
    assert_eq!(tel("tel:%2B1%20555%20010%200100", to).as_deref(), Some("tel:%2B1%20555%20010%200123"));
    assert_eq!(tel("tel:555010%30100", to).as_deref(), Some("tel:555010%30123"), "an escaped digit kept");
    assert_eq!(tel("tel:555010010%30", to).as_deref(), Some("tel:5550100123"), "one changed: written");
    assert_eq!(tel("tel:%41555-010-0100", to), None, "an escaped letter glues");
    assert_eq!(tel("tel:+15550100100", "+15550100909,042").as_deref(), Some("tel:+15550100909,042"));
    let back = |href: &str| swap_text(href, &[pair("+15550100909,042", "+15550100203")], Where::Tel);
    assert_eq!(back("tel:+15550100909,042").as_deref(), Some("tel:+15550100203"));
    assert_eq!(back("tel:(555)%20010-0909,042").as_deref(), Some("tel:(555)%20010-0203"));
    // In page text an escape is just text.
    assert_eq!(replace_all("555%20010%200100", from, to), None);
}

#[test]
fn different_length_falls_back_to_international() {
    let (from, to) = ("+15550100100", "+442079460958");
    assert_eq!(reformat_like("(555) 010-0100", from, to).as_deref(), Some("+44 2079460958"));
    assert_eq!(reformat_like("+1 555 010 0100", from, to).as_deref(), Some("+44 2079460958"));
    assert_eq!(replace_all("Call 1-555-010-0100!", from, to).as_deref(), Some("Call +44 2079460958!"));
}

/// `digits` printed in groups of the sizes in `groups` (what remains in a last group),
/// separated by `seps` in turn.
fn printed(digits: &str, groups: &[usize], seps: &[&str]) -> String {
    let mut out = String::new();
    let mut rest = digits;
    for (i, size) in groups.iter().enumerate() {
        if rest.is_empty() {
            break;
        }
        let (group, after) = rest.split_at((*size).min(rest.len()));
        out.push_str(group);
        rest = after;
        if !rest.is_empty() {
            out.push_str(seps[i % seps.len()]);
        }
    }
    out.push_str(rest);
    out
}

proptest! {
    /// However a page splits a number across elements, joining the swapped pieces gives
    /// the swapped whole.
    #[test]
    fn splitting_does_not_change_the_swap(cuts in proptest::collection::btree_set(1usize..27, 0..5)) {
        let text = "Call (555) 010-0100 today!";
        let mut pieces = Vec::new();
        let mut last = 0;
        for c in cuts.iter().copied().filter(|c| *c < text.len()) {
            pieces.push(&text[last..c]);
            last = c;
        }
        pieces.push(&text[last..]);
        let swapped = split(&pieces, "+15550100100", "+15550100199").expect("found");
        prop_assert_eq!(swapped.len(), pieces.len());
        prop_assert_eq!(swapped.concat(), "Call (555) 010-0199 today!");
    }

    /// Any printing of a number's digits, in any form, grouped any way with the separators
    /// people use, is found and rewritten with every separator kept.
    #[test]
    fn any_printing_is_found_and_keeps_its_separators(
        number in 0usize..4,
        form in 0usize..FORMS,
        groups in proptest::collection::vec(1usize..6, 1..8),
        seps in proptest::collection::vec(
            proptest::sample::select(vec![" ", "-", ".", "/", "\u{a0}", "\u{202f}", "\u{2010}", "\u{2013}", ") ", " (", " - ", "/ "]),
            1..4,
        ),
        lead in proptest::sample::select(vec!["", "+", "("]),
        last in 0u32..10_000,
    ) {
        let (from, to) = [
            ("+15550100100", format!("+1555010{last:04}")),
            ("+442079460958", format!("+44207946{last:04}")),
            ("+74951234567", format!("+7495123{last:04}")),
            ("+35312345678", format!("+3531234{last:04}")),
        ][number].clone();
        let (old, new) = (shown(from).number, shown(&to).number);
        let old_digits = old.form(form).concat();
        let new_digits = new.form(form).concat();
        let before = printed(&old_digits, &groups, &seps);
        let after = printed(&new_digits, &groups, &seps);
        let page = format!("Call {lead}{before} today");
        prop_assert_eq!(replace_all(&page, from, &to), Some(format!("Call {lead}{after} today")));
    }

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
        let (a, b) = (format!("+1{area}{mid}{last:04}"), format!("+1{area}{mid}{last2:04}"));
        let page = format!("Call us: {} now!", fmt(last));
        let swapped = replace_all(&page, &a, &b).unwrap();
        prop_assert_eq!(&swapped, &format!("Call us: {} now!", fmt(last2)));
        prop_assert_eq!(replace_all(&swapped, &b, &a).unwrap(), page);
    }
}

proptest! {
    /// Whatever surrounds the printings of a number (other digits, separators, letters,
    /// escapes), each one found is swapped, none is left, and swapping back restores the text.
    #[test]
    fn every_printing_is_swapped_and_swaps_back(
        parts in proptest::collection::vec(
            proptest::sample::select(vec![
                "555", "010", "0100", "5550100100", "1", "+1", "(555)", "00", "0", "44", "22",
                " ", "-", ".", "/", "(", ")", "+", "\u{a0}", "\u{2013}", "  ", "x", "_", "é", ",", "%20",
                " ext. 042", ",042",
            ]),
            0..16,
        ),
        tel in any::<bool>(),
    ) {
        let text = parts.concat();
        let place = if tel { Where::Tel } else { TEXT };
        for (from, to) in [("+15550100100", "+15550100201"), ("+15550100100", "+15550100201,042")] {
            let (a, b) = (shown(from), shown(to));
            let found: Vec<_> = occurrences(&text, a.number, place).collect();
            let swapped = swap_text(&text, &[(a, b)], place);
            prop_assert_eq!(swapped.is_some(), !found.is_empty());
            if let Some(out) = swapped {
                prop_assert_eq!(occurrences(&out, a.number, place).count(), 0, "{:?} → {:?}", text, out);
                if occurrences(&text, b.number, place).next().is_none() {
                    prop_assert_eq!(swap_text(&out, &[(b, a)], place), Some(text.clone()));
                }
            }
        }
    }
}
