//! What every concept leans on: time and clocks, form and JSON decoding, the ids callers
//! send, token hashing and CSV cells. Depends on nothing else in the crate.

mod clock;
mod csv;
mod entropy;
mod form;
mod ids;
mod parse;
mod token;

#[cfg(test)]
pub use clock::FixedClock;
pub use clock::{Clock, Timestamp};
pub use csv::csv_cell;
pub use entropy::Entropy;
#[cfg(test)]
pub use entropy::SeededEntropy;
pub use form::{parse_urlencoded, percent_decode};
pub use ids::{check_call_id, valid_site_id, valid_visitor_id};
pub use parse::{
    basic_credentials, bearer_token, count_param, parse_json, parse_json_value, parse_local_time, parse_time,
};
pub(crate) use token::constant_time_eq;
pub use token::{hash_token, tokens_equal};
