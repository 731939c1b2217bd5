//! Where randomness comes from: `crypto.getRandomValues` on the edge, a seeded generator in
//! host tests. Extensions are drawn with it, so one visitor's cannot be guessed from another's.

#[cfg(test)]
use std::cell::Cell;

/// A source of random numbers (no `Send`: Workers are single-threaded).
pub trait Entropy {
    fn next_u64(&self) -> u64;

    /// A number in `0..bound` (`bound` > 0), without modulo bias.
    fn below(&self, bound: u64) -> u64 {
        let bound = bound.max(1);
        // Reject the top partial range so every residue is equally likely.
        let zone = u64::MAX - (u64::MAX % bound);
        loop {
            let x = self.next_u64();
            if x < zone {
                return x % bound;
            }
        }
    }
}

/// A deterministic generator (splitmix64) for host tests: a failing test repeats.
#[derive(Debug, Default)]
#[cfg(test)]
pub struct SeededEntropy(Cell<u64>);

#[cfg(test)]
impl SeededEntropy {
    pub fn new(seed: u64) -> Self {
        SeededEntropy(Cell::new(seed))
    }
}

#[cfg(test)]
impl Entropy for SeededEntropy {
    fn next_u64(&self) -> u64 {
        let s = self.0.get().wrapping_add(0x9E37_79B9_7F4A_7C15);
        self.0.set(s);
        let mut z = s;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn below_stays_in_range_and_covers_it() {
        let e = SeededEntropy::new(7);
        let mut seen = [false; 10];
        for _ in 0..1000 {
            let x = e.below(10);
            assert!(x < 10);
            seen[x as usize] = true;
        }
        assert!(seen.iter().all(|s| *s));
        assert_eq!(e.below(1), 0);
    }
}
