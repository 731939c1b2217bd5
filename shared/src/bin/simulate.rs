//! `make simulate`: prints how call attribution accuracy depends on pool size for given
//! traffic. Options: --visitors-per-hour 200 --visit-minutes 8 --call-share 0.1 --days 7
//! --seed 42 --policy share|overflow --sizes 5,10,15,20
use shared::simulate::{table, Traffic};
use shared::ExhaustionPolicy;

fn main() {
    let mut traffic = Traffic::default();
    let mut sizes: Vec<usize> = vec![10, 20, 30, 40, 50, 60, 80, 100];
    let mut policy = ExhaustionPolicy::Share;
    let args: Vec<String> = std::env::args().skip(1).collect();
    let fail = |msg: String| -> ! {
        eprintln!("simulate: {msg}\nusage: simulate [--visitors-per-hour N] [--visit-minutes N] [--call-share F] [--days N] [--seed N] [--policy share|overflow] [--sizes 10,20,30]");
        std::process::exit(2)
    };
    let mut i = 0;
    while i < args.len() {
        let value = args.get(i + 1).cloned().unwrap_or_else(|| fail(format!("{} needs a value", args[i])));
        let num = |v: &str| v.parse::<f64>().ok().filter(|x| x.is_finite() && *x > 0.0);
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
                    "share" => ExhaustionPolicy::Share,
                    "overflow" => ExhaustionPolicy::Overflow,
                    _ => fail(format!("policy is share or overflow, not {value}")),
                }
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
    print!("{}", table(&traffic, &sizes, policy));
}
