//! `make simulate`: prints how call attribution accuracy depends on the site's setup (pool
//! size, exhaustion policy, extension numbers) for given traffic, and the smallest setup that
//! credits a target share of calls to the session that truly made them.
//!
//! Options: --visitors-per-hour 200 --visit-minutes 8 --call-share 0.1 --days 7 --seed 42
//! --policy compare|share|overflow|extension --sizes 20,40,60 --extension-numbers 1
//! --tap-share 0.65 --typed-share 0.8 --target 0.98
use shared::simulate::{candidates, compare, smallest_text, table, Traffic};
use shared::ExhaustionPolicy;

fn main() {
    let mut traffic = Traffic::default();
    let mut sizes: Vec<usize> = vec![20, 40, 60, 80];
    let mut policy: Option<ExhaustionPolicy> = None;
    let mut extension_numbers = 1usize;
    let mut target = 0.98f64;
    let args: Vec<String> = std::env::args().skip(1).collect();
    let fail = |msg: String| -> ! {
        eprintln!(
            "simulate: {msg}\nusage: simulate [--visitors-per-hour N] [--visit-minutes N] [--call-share F] [--days N] \
             [--seed N] [--policy compare|share|overflow|extension] [--sizes 10,20,30] [--extension-numbers N] \
             [--tap-share F] [--typed-share F] [--target F]"
        );
        std::process::exit(2)
    };
    let mut i = 0;
    while i < args.len() {
        let value = args.get(i + 1).cloned().unwrap_or_else(|| fail(format!("{} needs a value", args[i])));
        let num = |v: &str| v.parse::<f64>().ok().filter(|x| x.is_finite() && *x > 0.0);
        let share = |v: &str| v.parse::<f64>().ok().filter(|x| (0.0..=1.0).contains(x));
        match args[i].as_str() {
            "--visitors-per-hour" => {
                traffic.visitors_per_hour = num(&value).unwrap_or_else(|| fail(format!("bad rate {value}")))
            }
            "--visit-minutes" => {
                traffic.visit_minutes = num(&value).unwrap_or_else(|| fail(format!("bad length {value}")))
            }
            "--call-share" => {
                traffic.call_share =
                    num(&value).filter(|x| *x <= 1.0).unwrap_or_else(|| fail(format!("bad share {value}")))
            }
            "--tap-share" => {
                traffic.tap_share = share(&value).unwrap_or_else(|| fail(format!("bad share {value}")))
            }
            "--typed-share" => {
                traffic.typed_share = share(&value).unwrap_or_else(|| fail(format!("bad share {value}")))
            }
            "--target" => target = share(&value).unwrap_or_else(|| fail(format!("bad target {value}"))),
            "--days" => {
                traffic.days = value
                    .parse()
                    .ok()
                    .filter(|d| (1..=60).contains(d))
                    .unwrap_or_else(|| fail(format!("bad days {value}")))
            }
            "--seed" => traffic.seed = value.parse().unwrap_or_else(|_| fail(format!("bad seed {value}"))),
            "--policy" => {
                policy = match value.as_str() {
                    "compare" => None,
                    "share" => Some(ExhaustionPolicy::Share),
                    "overflow" => Some(ExhaustionPolicy::Overflow),
                    "extension" => Some(ExhaustionPolicy::Extension),
                    _ => fail(format!("policy is compare, share, overflow or extension, not {value}")),
                }
            }
            "--extension-numbers" => {
                extension_numbers = value
                    .parse()
                    .ok()
                    .filter(|n| (1..=100).contains(n))
                    .unwrap_or_else(|| fail(format!("bad extension numbers {value}")))
            }
            "--sizes" => {
                sizes = value
                    .split(',')
                    .map(|s| s.trim().parse::<usize>().ok().filter(|n| (1..=10_000).contains(n)))
                    .collect::<Option<Vec<_>>>()
                    .unwrap_or_else(|| fail(format!("bad sizes {value}")))
            }
            other => fail(format!("unknown option {other}")),
        }
        i += 2;
    }
    match policy {
        Some(policy) => print!("{}", table(&traffic, &sizes, policy, extension_numbers)),
        None => {
            print!("{}", compare(&traffic, &sizes));
            print!("\n{}", smallest_text(&traffic, target, &candidates(&sizes)));
        }
    }
}
