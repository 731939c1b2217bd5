use super::*;

const TODAY: i64 = 20_428; // 2025-12-06

fn day(s: &str) -> i64 {
    day_number(parse_date(s).unwrap())
}

#[test]
fn day_numbers_are_the_calendars() {
    assert_eq!(day("1970-01-01"), 0);
    assert_eq!(day("2025-12-06"), TODAY);
    assert_eq!(day("2000-03-01") - day("2000-02-28"), 2, "2000 was a leap year");
    for n in [-800_000, -1, 0, 59, 60, 10_956, 20_428, 2_000_000] {
        assert_eq!(day_number(date_of_day(n)), n);
    }
    assert_eq!(date_of_day(20_428).to_string(), "2025-12-06");
    assert_eq!(parse_date("2026-02-29"), None);
    assert_eq!(parse_date("2026-1-01"), None);
    assert_eq!(parse_date("2026-01-01T00:00"), None);
}

fn upload(csv: &str) -> Result<Vec<SpendDay>> {
    parse_spend_upload(csv.as_bytes(), true, Currency::USD, TODAY)
}

#[test]
fn a_csv_in_any_column_order_and_delimiter_is_read() {
    let comma = "date,channel,source,medium,campaign,spend,currency\n\
                 2025-11-01,paid search,Google,CPC,Spring,120.50,USD\n\
                 2025-11-01,,facebook,paid_social,\"Spring, again\",30,\n";
    let days = upload(comma).unwrap();
    assert_eq!(days.len(), 2);
    let google = days.iter().find(|d| d.source == "google").unwrap();
    assert_eq!((google.medium.as_str(), google.campaign.as_str(), google.amount), ("cpc", "Spring", 12_050));
    assert_eq!(google.channel, "paid search");
    let facebook = days.iter().find(|d| d.source == "facebook").unwrap();
    assert_eq!((facebook.channel.as_str(), facebook.campaign.as_str()), ("paid social", "Spring, again"));
    let semicolon = "Spend;Source;Date\n7.25;bing;2025-11-02\r\n\r\n";
    let days = upload(semicolon).unwrap();
    // No medium: the network's paid one, as its ads are tagged and its click ids classify.
    assert_eq!((days[0].day, days[0].amount, days[0].medium.as_str()), (day("2025-11-02"), 725, "cpc"));
    assert_eq!(days[0].channel, "paid search");
    let tab = "\u{feff}date\tsource\tspend\n2025-11-03\tfacebook\t1\n2025-11-03\tyelp\t2\n";
    let days = upload(tab).unwrap();
    let (facebook, yelp) = (&days[0], &days[1]);
    assert_eq!(
        (facebook.amount, facebook.medium.as_str(), facebook.channel.as_str()),
        (100, "paid_social", "paid social")
    );
    assert_eq!((yelp.medium.as_str(), yelp.channel.as_str()), ("(not set)", "other"), "not a known network");
}

#[test]
fn a_week_or_month_row_is_spread_evenly_to_the_cent() {
    let days = upload("date,date_to,source,spend\n2025-11-01,2025-11-07,google,100\n").unwrap();
    assert_eq!(days.len(), 7);
    assert_eq!(days.iter().map(|d| d.amount).sum::<i64>(), 10_000);
    assert_eq!(days.iter().map(|d| d.amount).collect::<Vec<_>>(), [1429, 1429, 1429, 1429, 1428, 1428, 1428]);
    let month = upload("date,date_to,source,campaign,spend\n2025-02-01,2025-02-28,google,a,28\n").unwrap();
    assert!(month.iter().all(|d| d.amount == 100));
}

#[test]
fn rows_of_one_day_and_campaign_add_up() {
    let days =
        upload("date,source,campaign,spend\n2025-11-01,google,a,1\n2025-11-01,Google,a,2.5\n").unwrap();
    assert_eq!(days.len(), 1);
    assert_eq!(days[0].amount, 350);
}

#[test]
fn bad_cells_name_their_row_and_column() {
    let header = "date,date_to,source,spend,currency\n";
    let cases = [
        ("2025-11-01,,google,12,50,USD\n", "rows[0]", "6 cells"),
        ("2025-11-01,,google,\"12.5,USD\n", "", "never closed"),
        ("2025-11-01,,goo\"gle,1,USD\n", "", "quote inside"),
        ("2025-11-01,,\"google\"x,1,USD\n", "", "after a closing quote"),
        ("2025-11-01,,google,\"12,50\",USD\n", "rows[0].spend", "comma"),
        ("2025-11-01,,google,-5,USD\n", "rows[0].spend", "negative"),
        ("2025-11-01,,google,5,XXX\n", "rows[0].currency", "not a known currency"),
        ("2025-11-01,,google,5,EUR\n", "rows[0].currency", "not the site's currency"),
        ("2025-02-30,,google,5,\n", "rows[0].date", "not a date"),
        ("11/01/2025,,google,5,\n", "rows[0].date", "not a date"),
        ("1999-12-31,,google,5,\n", "rows[0].date", "out of range"),
        ("2027-12-31,,google,5,\n", "rows[0].date", "out of range"),
        ("2025-11-07,2025-11-01,google,5,\n", "rows[0].date_to", "before"),
        ("2024-01-01,2025-06-01,google,5,\n", "rows[0].date_to", "at most 366"),
        ("2025-11-01,,,5,\n", "rows[0].source", "empty"),
        (",,google,5,\n", "rows[0].date", "empty"),
        ("2025-11-01,,google,,\n", "rows[0].spend", "empty"),
    ];
    for (row, field, needle) in cases {
        let csv = format!("{header}2025-10-01,,google,1,USD\n{row}").replace("rows[0]", "rows[1]");
        let err = upload(&csv).unwrap_err();
        assert_eq!(err.http_status(), 400, "{row}: {err}");
        let field = field.replace("rows[0]", "rows[1]");
        if !field.is_empty() {
            assert_eq!(err.field(), Some(field.as_str()), "{row}: {err}");
            assert!(err.to_string().contains("row 2 (line 3)"), "{row}: {err}");
        } else {
            assert!(err.to_string().contains("line 3"), "{row}: {err}");
        }
        assert!(err.to_string().contains(needle), "{row}: {err} should say {needle}");
    }
    let unknown = upload("date,source,spend,clicks\n2025-11-01,google,1,4\n").unwrap_err();
    assert_eq!(unknown.field(), Some("columns[3]"));
    assert!(upload("source,spend\ngoogle,1\n").unwrap_err().to_string().contains("\"date\""));
    assert!(upload("").unwrap_err().to_string().contains("empty"));
    assert!(upload("date,source,spend\n").unwrap_err().to_string().contains("no rows"));
    let channel = upload("date,source,spend,channel\n2025-11-01,google,1,carrier pigeon\n").unwrap_err();
    assert_eq!(channel.field(), Some("rows[0].channel"));
}

#[test]
fn every_error_of_a_sheet_is_listed_for_the_preview() {
    let sheet =
        read_spend_csv("date,source,spend\nnope,google,1\n2025-11-01,,x\n2025-11-02,bing,3\n").unwrap();
    let (_, errors) = check_spend(&sheet, Currency::USD, TODAY);
    let cells: Vec<(usize, &str)> = errors.iter().map(|e| (e.row, e.column.as_str())).collect();
    assert_eq!(cells, [(0, "date"), (1, "spend"), (1, "source")]);
}

#[test]
fn limits_are_enforced() {
    let mut csv = String::from("date,source,spend\n");
    for _ in 0..=MAX_SPEND_ROWS {
        csv.push_str("2025-11-01,google,1\n");
    }
    assert!(upload(&csv).unwrap_err().to_string().contains("at most 10000 rows"));
    let big = vec![b'a'; MAX_SPEND_BODY + 1];
    assert_eq!(parse_spend_upload(&big, true, Currency::USD, TODAY).unwrap_err().http_status(), 413);
    let mut wide = String::from("date,date_to,source,campaign,spend\n");
    for i in 0..600 {
        wide.push_str(&format!("2025-01-01,2025-12-31,google,c{i},1\n"));
    }
    assert!(upload(&wide).unwrap_err().to_string().contains("more than 200000 days"));
}

#[test]
fn json_rows_are_read_like_the_csv() {
    let body = br#"{"rows": [{"date": "2025-11-01", "source": "google", "campaign": "a", "spend": 12.5},
                              {"date": "2025-11-02", "source": "google", "spend": "3"}]}"#;
    let days = parse_spend_upload(body, false, Currency::USD, TODAY).unwrap();
    assert_eq!(days.iter().map(|d| d.amount).collect::<Vec<_>>(), [1250, 300]);
    let bare = br#"[{"date": "2025-11-01", "source": "google", "spend": 1}]"#;
    assert_eq!(parse_spend_upload(bare, false, Currency::USD, TODAY).unwrap().len(), 1);
    let bad = br#"{"rows": [{"date": "2025-11-01", "source": "google", "spend": 1.005}]}"#;
    let err = parse_spend_upload(bad, false, Currency::USD, TODAY).unwrap_err();
    assert_eq!(err.field(), Some("rows[0].spend"));
    let nested = br#"{"rows": [{"date": "2025-11-01", "source": {"a": 1}, "spend": 1}]}"#;
    assert_eq!(
        parse_spend_upload(nested, false, Currency::USD, TODAY).unwrap_err().field(),
        Some("rows[0].source")
    );
    assert!(is_csv(None, b"date,source"));
    assert!(!is_csv(None, b"  [{}]"));
    assert!(is_csv(Some("text/csv; charset=utf-8"), b"[x"));
}

#[test]
fn spend_lists_group_by_month_and_campaign() {
    use crate::money::spend_query::{raw_spend_groups, SpendList, SpendQuery};
    let days = upload(
        "date,date_to,source,campaign,spend\n2025-10-30,2025-11-02,google,a,40\n2025-11-05,,bing,,5\n",
    )
    .unwrap();
    let q = |s: &str| SpendQuery::parse(&crate::support::parse_urlencoded(s), TODAY, false);
    let query = q("from=2025-10-01&to=2025-11-30").unwrap();
    let list = SpendList::build(
        &query,
        Currency::USD,
        raw_spend_groups(&days, &query.group_by, query.from, query.to),
    );
    let rows: Vec<(Vec<String>, &str)> =
        list.rows.iter().map(|r| (r.key.clone(), r.spend.as_str())).collect();
    assert_eq!(
        rows,
        [
            (vec!["2025-10".to_string(), "a".to_string()], "20.00"),
            (vec!["2025-11".to_string(), "a".to_string()], "20.00"),
            (vec!["2025-11".to_string(), "(none)".to_string()], "5.00"),
        ]
    );
    assert_eq!(
        (list.total.as_str(), list.from.as_str(), list.to.as_str()),
        ("45.00", "2025-10-01", "2025-11-30")
    );
    assert!(q("group_by=colour").unwrap_err().to_string().contains("colour"));
    assert!(q("from=2025-12-01&to=2025-11-01").is_err());
    assert!(q("from=2020-01-01&to=2025-11-01").unwrap_err().to_string().contains("at most"));
    assert!(SpendQuery::parse(&crate::support::parse_urlencoded("from=2025-11-01"), TODAY, true).is_err());
}

proptest::proptest! {
    /// However an amount is spread over however many days, the days add up to it exactly and
    /// differ by at most a cent.
    #[test]
    fn a_spread_row_sums_to_its_amount(cents in 0i64..100_000_000, span in 0i64..366) {
        let to = date_of_day(day("2025-01-01") + span);
        let csv = format!("date,date_to,source,spend\n2025-01-01,{to},google,{}.{:02}\n", cents / 100, cents % 100);
        let days = upload(&csv).unwrap();
        proptest::prop_assert_eq!(days.len() as i64, span + 1);
        proptest::prop_assert_eq!(days.iter().map(|d| d.amount).sum::<i64>(), cents);
        let (min, max) = (days.iter().map(|d| d.amount).min().unwrap(), days.iter().map(|d| d.amount).max().unwrap());
        proptest::prop_assert!(max - min <= 1);
    }
}
