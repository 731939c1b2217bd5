//! Money: amounts in a currency's minor units (never floating point), the ad spend a site
//! imports per day and campaign, and the queries over it. Uses `support` and `traffic`.

mod amount;
mod spend;
mod spend_query;

pub use amount::{per, Currency, Money, MAX_MINOR_UNITS};
pub use spend::{
    check_spend, date_of_day, day_number, is_csv, parse_date, parse_spend_upload, read_spend_csv,
    spend_sheet_from_json, CellError, SpendDay, SpendSheet, MAX_SPAN_DAYS, MAX_SPEND_BODY, MAX_SPEND_DAYS,
    MAX_SPEND_ROWS, SPEND_COLUMNS,
};
pub use spend_query::{
    raw_spend_groups, replace_param, sql as spend_sql, RawSpend, SpendChange, SpendDimension, SpendList,
    SpendQuery, SpendRow,
};
