//! Business hours: a site's weekly schedule and closed dates in its own time zone.

use crate::error::{Error, Result};
use crate::support::Timestamp;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What the site owner writes (JSON), part of `PUT /v1/sites/{site}`:
/// `{"time_zone": "America/Chicago", "weekly": {"mon": ["09:00-17:00"], "sat": ["22:00-02:00"]},
///   "closed_dates": ["2026-12-25"]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BusinessHoursSetup {
    pub time_zone: String,
    #[serde(default)]
    pub weekly: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub closed_dates: Vec<String>,
}

/// Validated business hours as stored in the site config.
///
/// `weekly` is Monday first; each day holds sorted, merged, non-empty `[start, end)` minute
/// ranges within that day (`0 <= start < end <= 1440`). An overnight range the owner wrote
/// (`sat "22:00-02:00"`) is stored split at midnight: Sat `[1320, 1440)` and Sun `[0, 120)`.
/// `closed_dates` are sorted, distinct local dates written `YYYY-MM-DD`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusinessHours {
    time_zone: String,
    weekly: [Vec<(u16, u16)>; 7],
    closed_dates: Vec<String>,
}

const DAY_KEYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const DAY_NAMES: [&str; 7] = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
const DAY_MINUTES: u16 = 24 * 60;
const MAX_RANGES_PER_DAY: usize = 10;
const MAX_CLOSED_DATES: usize = 366;
const MAX_ZONE_LEN: usize = 64;
const FORMAT_HINT: &str = "write \"HH:MM-HH:MM\" in 24-hour time, e.g. \"09:00-17:00\"";

fn day_index(key: &str) -> Option<usize> {
    let key = key.trim().to_ascii_lowercase();
    DAY_KEYS.iter().position(|d| *d == key).or_else(|| DAY_NAMES.iter().position(|d| *d == key))
}

/// `"HH:MM"` (or a one-digit hour, so the error can suggest the fix) → (minutes, two-digit hour).
/// `None` when it is not digits and a colon at all; `Some(Err(..))` when out of range.
fn parse_clock(s: &str) -> Option<Result<(u16, bool), String>> {
    let (h, m) = s.trim().split_once(':')?;
    let digits = |x: &str| !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit());
    if !digits(h) || h.len() > 2 || !digits(m) || m.len() != 2 {
        return None;
    }
    let (hour, minute): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    if hour > 24 || minute > 59 || (hour == 24 && minute > 0) {
        let why = "use 00:00 to 23:59, or 24:00 to end a range at midnight";
        return Some(Err(format!("has {h}:{m}, which is not a time of day; {why}")));
    }
    Some(Ok((hour * 60 + minute, h.len() == 2)))
}

fn fmt_clock(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// Parses one range; returns `(start, end)` with `end > 1440` for a range crossing midnight.
fn parse_range(field: &str, raw: &str) -> Result<(u16, u16)> {
    let bad = |why: String| Error::invalid(format!("{field}: {raw:?} {why}"));
    let parsed = raw.split_once('-').and_then(|(a, b)| Some((parse_clock(a)?, parse_clock(b)?)));
    let Some((start, end)) = parsed else {
        return Err(bad(format!("is not a time range; {FORMAT_HINT}")));
    };
    let ((start, start_2), (end, end_2)) = (start.map_err(&bad)?, end.map_err(&bad)?);
    if !start_2 || !end_2 {
        return Err(bad(format!("needs two-digit hours; write \"{}-{}\"", fmt_clock(start), fmt_clock(end))));
    }
    if start == DAY_MINUTES {
        return Err(bad("starts at 24:00; start it at 00:00 on the next day instead".into()));
    }
    match end {
        e if e == start => {
            Err(bad("is empty (it starts where it ends); for all day write \"00:00-24:00\"".into()))
        }
        0 => Ok((start, DAY_MINUTES)), // "22:00-00:00": until midnight
        e if e < start => Ok((start, e + DAY_MINUTES)), // crosses midnight into the next day
        e => Ok((start, e)),
    }
}

/// Strict `YYYY-MM-DD`, and a real calendar date (no 2026-02-30).
fn parse_date(raw: &str) -> Result<String> {
    let s = raw.trim();
    let digit_or_dash = |(i, c): (usize, u8)| if i == 4 || i == 7 { c == b'-' } else { c.is_ascii_digit() };
    if s.len() != 10 || !s.bytes().enumerate().all(digit_or_dash) {
        return Err(Error::invalid(format!(
            "business_hours.closed_dates: {raw:?} is not a date; write it as YYYY-MM-DD, e.g. \"2026-12-25\""
        )));
    }
    let num = |r: std::ops::Range<usize>| s.get(r).and_then(|x| x.parse::<i8>().ok());
    let year = s.get(0..4).and_then(|x| x.parse::<i16>().ok());
    match (year, num(5..7), num(8..10)) {
        (Some(y), Some(m), Some(d)) if jiff::civil::Date::new(y, m, d).is_ok() => Ok(s.to_string()),
        _ => Err(Error::invalid(format!(
            "business_hours.closed_dates: {raw:?} is not a day of the calendar; check the month and day"
        ))),
    }
}

/// Sorts and merges overlapping or touching ranges.
fn merge(ranges: &mut Vec<(u16, u16)>) {
    ranges.sort_unstable();
    let mut out: Vec<(u16, u16)> = Vec::with_capacity(ranges.len());
    for &(s, e) in ranges.iter() {
        match out.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    *ranges = out;
}

impl BusinessHours {
    pub fn from_setup(setup: &BusinessHoursSetup) -> Result<Self> {
        let time_zone = Self::zone(&setup.time_zone).map_err(|e| e.at("business_hours.time_zone"))?;
        let weekly = Self::weekly(setup).map_err(|e| e.at("business_hours.weekly"))?;
        if setup.closed_dates.len() > MAX_CLOSED_DATES {
            return Err(Error::invalid(format!(
                "business_hours.closed_dates lists {} dates; at most {MAX_CLOSED_DATES} are allowed (remove past ones)",
                setup.closed_dates.len()
            ))
            .at("business_hours.closed_dates"));
        }
        let mut closed_dates = setup
            .closed_dates
            .iter()
            .map(|d| parse_date(d))
            .collect::<Result<Vec<_>>>()
            .map_err(|e| e.at("business_hours.closed_dates"))?;
        closed_dates.sort_unstable();
        closed_dates.dedup();
        Ok(BusinessHours { time_zone, weekly, closed_dates })
    }

    fn zone(name: &str) -> Result<String> {
        let name = name.trim();
        let zone_hint = "write an IANA time zone name such as \"America/Chicago\" or \"Europe/London\"";
        if name.is_empty() {
            return Err(Error::invalid(format!("business_hours.time_zone is missing; {zone_hint}")));
        }
        if name.len() > MAX_ZONE_LEN {
            return Err(Error::invalid(format!(
                "business_hours.time_zone is longer than {MAX_ZONE_LEN} characters; {zone_hint}"
            )));
        }
        match TimeZone::get(name) {
            // "Etc/Unknown" is jiff's placeholder for "no idea", not a real zone.
            Ok(tz) if !tz.is_unknown() => Ok(tz.iana_name().unwrap_or(name).to_string()),
            _ => Err(Error::invalid(format!(
                "business_hours.time_zone {name:?} is not a known time zone; {zone_hint}"
            ))),
        }
    }

    /// The weekly ranges, Monday first; errors name the day's field.
    fn weekly(setup: &BusinessHoursSetup) -> Result<[Vec<(u16, u16)>; 7]> {
        let mut weekly: [Vec<(u16, u16)>; 7] = Default::default();
        let mut seen: [Option<&str>; 7] = [None; 7];
        for (key, ranges) in &setup.weekly {
            let Some(day) = day_index(key) else {
                return Err(Error::invalid(format!(
                    "business_hours.weekly: {key:?} is not a day; use mon, tue, wed, thu, fri, sat, sun"
                )));
            };
            if let Some(other) = seen[day].replace(key) {
                return Err(Error::invalid(format!(
                    "business_hours.weekly lists {} twice ({other:?} and {key:?}); list each day once",
                    DAY_NAMES[day]
                )));
            }
            let field = format!("business_hours.weekly.{key}");
            if ranges.len() > MAX_RANGES_PER_DAY {
                return Err(Error::invalid(format!(
                    "{field} lists {} ranges; at most {MAX_RANGES_PER_DAY} are allowed per day",
                    ranges.len()
                ))
                .at(field));
            }
            for raw in ranges {
                let (start, end) = parse_range(&field, raw).map_err(|e| e.at(field.as_str()))?;
                weekly[day].push((start, end.min(DAY_MINUTES)));
                if end > DAY_MINUTES {
                    weekly[(day + 1) % 7].push((0, end - DAY_MINUTES));
                }
            }
        }
        weekly.iter_mut().for_each(merge);
        if weekly.iter().all(Vec::is_empty) {
            return Err(Error::invalid(
                "business_hours.weekly lists no open hours; add ranges such as {\"mon\": [\"09:00-17:00\"]}, \
                 or omit business_hours to be always open",
            ));
        }
        Ok(weekly)
    }

    /// Whether the business is open at this instant, by the local wall clock in its zone.
    ///
    /// A closed date closes the whole local calendar date, including the after-midnight part
    /// of the previous evening's overnight range (that part is stored on the next day anyway);
    /// the evening before a closed date keeps its hours until midnight. An instant jiff cannot
    /// represent, or a stored zone the bundled database no longer knows, counts as closed.
    pub fn is_open(&self, at: Timestamp) -> bool {
        let (Ok(tz), Ok(ts)) =
            (TimeZone::get(&self.time_zone), jiff::Timestamp::from_millisecond(at.millis()))
        else {
            return false;
        };
        let local = tz.to_datetime(ts);
        let date = local.date();
        let key = format!("{:04}-{:02}-{:02}", date.year(), date.month(), date.day());
        if self.closed_dates.binary_search(&key).is_ok() {
            return false;
        }
        let minute = u16::try_from(i32::from(local.hour()) * 60 + i32::from(local.minute())).unwrap_or(0);
        let day = usize::try_from(local.weekday().to_monday_zero_offset()).unwrap_or(0);
        self.weekly.get(day).is_some_and(|ranges| ranges.iter().any(|&(s, e)| s <= minute && minute < e))
    }

    /// The setup form back, for showing the settings to the owner. A range ending at midnight
    /// and its continuation at 00:00 the next day are shown joined (`"22:00-02:00"`).
    pub fn to_setup(&self) -> BusinessHoursSetup {
        let mut days = self.weekly.clone();
        for day in 0..7 {
            let next = (day + 1) % 7;
            let late = days[day].iter().position(|&(s, e)| e == DAY_MINUTES && s > 0);
            let early = days[next].iter().position(|&(s, e)| s == 0 && e < DAY_MINUTES);
            if let (Some(late), Some(early)) = (late, early) {
                let (start, end) = (days[day][late].0, days[next][early].1);
                // Joining "HH:MM-24:00" and "00:00-hh:mm" only reads unambiguously if hh:mm < HH:MM.
                if end < start {
                    days[day][late].1 = end;
                    days[next].remove(early);
                }
            }
        }
        let weekly = days
            .iter()
            .zip(DAY_KEYS)
            .filter(|(ranges, _)| !ranges.is_empty())
            .map(|(ranges, key)| {
                let shown =
                    ranges.iter().map(|&(s, e)| format!("{}-{}", fmt_clock(s), fmt_clock(e))).collect();
                (key.to_string(), shown)
            })
            .collect();
        BusinessHoursSetup {
            time_zone: self.time_zone.clone(),
            weekly,
            closed_dates: self.closed_dates.clone(),
        }
    }

    pub fn time_zone(&self) -> &str {
        &self.time_zone
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A UTC instant from an RFC 3339 string; expected local times are worked out by hand.
    fn utc(s: &str) -> Timestamp {
        Timestamp::parse_rfc3339(s).unwrap()
    }

    fn setup(zone: &str, weekly: &[(&str, &[&str])], closed: &[&str]) -> BusinessHoursSetup {
        BusinessHoursSetup {
            time_zone: zone.into(),
            weekly: weekly
                .iter()
                .map(|(d, r)| (d.to_string(), r.iter().map(|x| x.to_string()).collect()))
                .collect(),
            closed_dates: closed.iter().map(|d| d.to_string()).collect(),
        }
    }

    fn hours(zone: &str, weekly: &[(&str, &[&str])], closed: &[&str]) -> BusinessHours {
        BusinessHours::from_setup(&setup(zone, weekly, closed)).unwrap()
    }

    const NINE_TO_FIVE: &[&str] = &["09:00-17:00"];

    fn weekdays(zone: &str, closed: &[&str]) -> BusinessHours {
        let days = ["mon", "tue", "wed", "thu", "fri"].map(|d| (d, NINE_TO_FIVE));
        hours(zone, &days, closed)
    }

    #[test]
    fn the_same_instant_is_open_in_one_zone_and_closed_in_another() {
        let (chicago, london, tokyo) =
            (weekdays("America/Chicago", &[]), weekdays("Europe/London", &[]), weekdays("Asia/Tokyo", &[]));
        // Wed 2026-10-07: Chicago is UTC-5 (CDT), London UTC+1 (BST), Tokyo UTC+9.
        let noon_chicago = utc("2026-10-07T17:00:00Z"); // London 18:00
        assert!(chicago.is_open(noon_chicago) && !london.is_open(noon_chicago));
        let ten_london = utc("2026-10-07T09:00:00Z"); // Chicago 04:00
        assert!(london.is_open(ten_london) && !chicago.is_open(ten_london));
        let ten_tokyo = utc("2026-10-07T01:00:00Z"); // Chicago Tue 20:00, London 02:00
        assert!(tokyo.is_open(ten_tokyo) && !chicago.is_open(ten_tokyo) && !london.is_open(ten_tokyo));
    }

    #[test]
    fn opening_is_inclusive_and_closing_exclusive() {
        let chicago = weekdays("America/Chicago", &[]);
        assert!(!chicago.is_open(utc("2026-10-07T13:59:59Z"))); // 08:59:59 CDT
        assert!(chicago.is_open(utc("2026-10-07T14:00:00Z"))); // 09:00
        assert!(chicago.is_open(utc("2026-10-07T21:59:59Z"))); // 16:59:59
        assert!(!chicago.is_open(utc("2026-10-07T22:00:00Z"))); // 17:00
        assert!(!chicago.is_open(utc("2026-10-10T15:00:00Z"))); // Saturday 10:00: no hours
        let all_day = hours("America/Chicago", &[("sun", &["00:00-24:00"])], &[]);
        assert!(all_day.is_open(utc("2026-10-11T05:00:00Z"))); // Sun 00:00
        assert!(all_day.is_open(utc("2026-10-12T04:59:59Z"))); // Sun 23:59:59
        assert!(!all_day.is_open(utc("2026-10-12T05:00:00Z"))); // Mon 00:00
    }

    #[test]
    fn opening_follows_the_local_clock_across_daylight_saving_changes() {
        let chicago = weekdays("America/Chicago", &[]);
        // Fri 2026-10-30 is CDT (UTC-5): 09:00 is 14:00Z. Mon 2026-11-02 is CST (UTC-6): 15:00Z.
        assert!(!chicago.is_open(utc("2026-10-30T13:59:00Z")));
        assert!(chicago.is_open(utc("2026-10-30T14:00:00Z")));
        assert!(!chicago.is_open(utc("2026-11-02T14:00:00Z"))); // 08:00 CST
        assert!(chicago.is_open(utc("2026-11-02T15:00:00Z")));
        assert!(chicago.is_open(utc("2026-11-02T22:30:00Z"))); // 16:30 CST
        assert!(!chicago.is_open(utc("2026-11-02T23:00:00Z"))); // 17:00 CST

        // Spring: Fri 2026-03-06 is CST, Mon 2026-03-09 CDT.
        assert!(!chicago.is_open(utc("2026-03-06T14:30:00Z"))); // 08:30 CST
        assert!(chicago.is_open(utc("2026-03-09T14:30:00Z"))); // 09:30 CDT
    }

    #[test]
    fn closed_dates_close_the_whole_local_date() {
        let chicago = weekdays("America/Chicago", &["2026-12-25"]);
        assert!(chicago.is_open(utc("2026-12-24T16:00:00Z"))); // Thu 10:00 CST
        assert!(!chicago.is_open(utc("2026-12-25T16:00:00Z"))); // Fri 10:00 CST, Christmas
        assert!(chicago.is_open(utc("2026-12-28T16:00:00Z"))); // Mon

        // Tokyo (UTC+9) is already on the 25th at 15:00Z on the 24th.
        let all_week = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map(|d| (d, &["00:00-24:00"][..]));
        let tokyo = hours("Asia/Tokyo", &all_week, &["2026-12-25"]);
        assert!(tokyo.is_open(utc("2026-12-24T14:59:00Z"))); // Dec 24 23:59
        assert!(!tokyo.is_open(utc("2026-12-24T15:00:00Z"))); // Dec 25 00:00
        assert!(tokyo.is_open(utc("2026-12-25T15:00:00Z"))); // Dec 26 00:00
    }

    #[test]
    fn overnight_ranges_run_into_the_next_morning() {
        let bar = hours("America/Chicago", &[("sat", &["22:00-02:00"]), ("Sunday", &["22:00-02:00"])], &[]);
        // Sat 2026-10-10, CDT (UTC-5).
        assert!(!bar.is_open(utc("2026-10-11T02:59:00Z"))); // Sat 21:59
        assert!(bar.is_open(utc("2026-10-11T03:00:00Z"))); // Sat 22:00
        assert!(bar.is_open(utc("2026-10-11T06:59:00Z"))); // Sun 01:59
        assert!(!bar.is_open(utc("2026-10-11T07:00:00Z"))); // Sun 02:00
        assert!(bar.is_open(utc("2026-10-12T06:00:00Z"))); // Mon 01:00, from Sunday's range
        assert!(!bar.is_open(utc("2026-10-13T06:00:00Z"))); // Tue 01:00

        // Closing Sunday closes its early hours too; Saturday evening still runs to midnight.
        let closed = hours("America/Chicago", &[("sat", &["22:00-02:00"])], &["2026-10-11"]);
        assert!(closed.is_open(utc("2026-10-11T04:59:00Z"))); // Sat 23:59
        assert!(!closed.is_open(utc("2026-10-11T05:30:00Z"))); // Sun 00:30
    }

    #[test]
    fn settings_read_back_as_written() {
        let written = setup(
            "america/chicago",
            &[("Monday", &["13:00-17:00", "09:00-12:00", "11:00-12:30"]), ("SAT", &["22:00-02:00"])],
            &["2027-01-01", "2026-12-25", "2026-12-25"],
        );
        let hours = BusinessHours::from_setup(&written).unwrap();
        assert_eq!(hours.time_zone(), "America/Chicago");
        let shown = hours.to_setup();
        let expected = setup(
            "America/Chicago",
            &[("mon", &["09:00-12:30", "13:00-17:00"]), ("sat", &["22:00-02:00"])],
            &["2026-12-25", "2027-01-01"],
        );
        assert_eq!(shown, expected);
        assert_eq!(BusinessHours::from_setup(&shown).unwrap(), hours);
        let stored: BusinessHours = serde_json::from_str(&serde_json::to_string(&hours).unwrap()).unwrap();
        assert_eq!(stored, hours);
        // Two full days are not joined into one ambiguous range.
        let full = hours_of(&[("sat", &["00:00-24:00"]), ("sun", &["00:00-24:00"])]);
        assert_eq!(full.to_setup().weekly.len(), 2);
        assert_eq!(BusinessHours::from_setup(&full.to_setup()).unwrap(), full);
    }

    fn hours_of(weekly: &[(&str, &[&str])]) -> BusinessHours {
        hours("UTC", weekly, &[])
    }

    #[test]
    fn instants_beyond_the_calendar_are_closed() {
        let always = hours_of(&[("mon", &["00:00-24:00"]), ("thu", &["00:00-24:00"])]);
        assert!(always.is_open(utc("1970-01-01T00:00:00Z"))); // a Thursday
        assert!(!always.is_open(Timestamp(i64::MAX)));
        assert!(!always.is_open(Timestamp(i64::MIN)));
    }

    #[test]
    fn bad_setups_say_what_to_fix() {
        let err = |s: BusinessHoursSetup| {
            let e = BusinessHours::from_setup(&s).unwrap_err();
            assert_eq!(e.http_status(), 400, "{e}");
            e.to_string()
        };
        let day = |ranges: &[&str]| err(setup("America/Chicago", &[("mon", ranges)], &[]));
        let msg = err(setup("America/Chikago", &[("mon", NINE_TO_FIVE)], &[]));
        assert!(msg.contains("business_hours.time_zone") && msg.contains("\"America/Chikago\""), "{msg}");
        assert!(err(setup(" ", &[("mon", NINE_TO_FIVE)], &[])).contains("time_zone is missing"));
        assert!(err(setup("Etc/Unknown", &[("mon", NINE_TO_FIVE)], &[])).contains("not a known time zone"));
        let msg = day(&["25:00-26:00"]);
        assert!(
            msg.contains("business_hours.weekly.mon") && msg.contains("25:00, which is not a time"),
            "{msg}"
        );
        let msg = day(&["9-17"]);
        assert!(msg.contains("\"9-17\" is not a time range") && msg.contains("\"HH:MM-HH:MM\""), "{msg}");
        assert!(day(&["9:00-17:00"]).contains("write \"09:00-17:00\""));
        let msg = day(&["09:00-09:00"]);
        assert!(msg.contains("\"09:00-09:00\" is empty") && msg.contains("00:00-24:00"), "{msg}");
        assert!(day(&["24:00-02:00"]).contains("starts at 24:00"));
        assert!(day(&["09:00-10:00"; 11]).contains("at most 10"));
        let msg = err(setup("America/Chicago", &[("mun", NINE_TO_FIVE)], &[]));
        assert!(msg.contains("\"mun\" is not a day"), "{msg}");
        let msg = err(setup("America/Chicago", &[("mon", NINE_TO_FIVE), ("Monday", NINE_TO_FIVE)], &[]));
        assert!(msg.contains("monday twice"), "{msg}");
        for bad in ["12/25/2026", "2026-2-3", "2026-12-25T00:00"] {
            let msg = err(setup("America/Chicago", &[("mon", NINE_TO_FIVE)], &[bad]));
            assert!(msg.contains("closed_dates") && msg.contains(bad) && msg.contains("YYYY-MM-DD"), "{msg}");
        }
        let msg = err(setup("America/Chicago", &[("mon", NINE_TO_FIVE)], &["2026-02-30"]));
        assert!(msg.contains("\"2026-02-30\" is not a day of the calendar"), "{msg}");
        let many: Vec<String> = (0..367).map(|_| "2026-12-25".to_string()).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        assert!(err(setup("America/Chicago", &[("mon", NINE_TO_FIVE)], &many)).contains("at most 366"));
        for empty in [setup("America/Chicago", &[], &[]), setup("America/Chicago", &[("mon", &[])], &[])] {
            let msg = err(empty);
            assert!(msg.contains("business_hours.weekly lists no open hours"), "{msg}");
        }
    }
}
