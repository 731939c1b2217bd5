//! What the dashboard reads: the overview of a period and the attribution report grouped by
//! any mix of dimensions, each with the SQL the site's object runs for it. Uses `calls`,
//! `pool` and `traffic`.

pub mod overview;
pub mod report;
