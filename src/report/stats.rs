//! Summary statistics of durations: count, mean, median, 90th percentile and maximum.
//!
//! Definitions (also in docs/reports.md): the mean and the median are rounded to the
//! nearest second (halves away from zero); the median of an even number of values is
//! the mean of the two middle ones; the p-th percentile is the nearest-rank one, the
//! value at rank ⌈p/100 × n⌉ of the values sorted in ascending order.

use serde::Serialize;

/// Statistics of a set of durations, in seconds; `None` when there are no values.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub count: usize,
    pub mean_secs: Option<i64>,
    pub median_secs: Option<i64>,
    pub p90_secs: Option<i64>,
    pub max_secs: Option<i64>,
}

impl Summary {
    pub fn of(values: &[i64]) -> Summary {
        let mut sorted = values.to_vec();
        sorted.sort_unstable();
        let n = sorted.len();
        if n == 0 {
            return Summary::default();
        }
        let sum: i128 = sorted.iter().map(|&v| v as i128).sum();
        let median = if n % 2 == 1 {
            sorted[n / 2]
        } else {
            rounded_div(sorted[n / 2 - 1] as i128 + sorted[n / 2] as i128, 2)
        };
        Summary {
            count: n,
            mean_secs: Some(rounded_div(sum, n as i128)),
            median_secs: Some(median),
            p90_secs: nearest_rank(&sorted, 90),
            max_secs: sorted.last().copied(),
        }
    }
}

/// The nearest-rank `p`-th percentile (0 < p ≤ 100) of values sorted ascending.
pub fn nearest_rank(sorted: &[i64], p: u32) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len();
    let rank = (p as usize * n).div_ceil(100).clamp(1, n);
    Some(sorted[rank - 1])
}

/// `a / b` rounded to the nearest integer, halves away from zero (`b > 0`).
fn rounded_div(a: i128, b: i128) -> i64 {
    let q = if a >= 0 {
        (2 * a + b) / (2 * b)
    } else {
        -((-2 * a + b) / (2 * b))
    };
    q as i64
}

/// A share: `count` of `total`, and the percentage to one decimal place (none of nothing).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Rate {
    pub count: usize,
    pub total: usize,
    pub percent: Option<f64>,
}

impl Rate {
    pub fn new(count: usize, total: usize) -> Rate {
        Rate {
            count,
            total,
            percent: percent(count, total),
        }
    }
}

/// `count / total` as a percentage rounded to one decimal place; `None` when `total` is 0.
pub fn percent(count: usize, total: usize) -> Option<f64> {
    (total > 0).then(|| (count as f64 * 1000.0 / total as f64).round() / 10.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let v = [15, 20, 35, 40, 50];
        // n = 5: p90 rank ⌈4.5⌉ = 5, p50 rank ⌈2.5⌉ = 3, p20 rank 1, p100 rank 5.
        assert_eq!(nearest_rank(&v, 90), Some(50));
        assert_eq!(nearest_rank(&v, 50), Some(35));
        assert_eq!(nearest_rank(&v, 20), Some(15));
        assert_eq!(nearest_rank(&v, 100), Some(50));
        // n = 10: p90 rank 9.
        let ten: Vec<i64> = (1..=10).collect();
        assert_eq!(nearest_rank(&ten, 90), Some(9));
        // n = 11: p90 rank ⌈9.9⌉ = 10.
        let eleven: Vec<i64> = (1..=11).collect();
        assert_eq!(nearest_rank(&eleven, 90), Some(10));
        assert_eq!(nearest_rank(&[], 90), None);
        assert_eq!(nearest_rank(&[7], 1), Some(7));
    }

    #[test]
    fn summary_of_odd_and_even_counts() {
        let s = Summary::of(&[40, 15, 50, 20, 35]);
        assert_eq!(
            s,
            Summary {
                count: 5,
                mean_secs: Some(32),
                median_secs: Some(35),
                p90_secs: Some(50),
                max_secs: Some(50),
            }
        );
        // Even: median is the mean of 20 and 35 = 27.5, rounded to 28; mean 110/4 = 27.5 → 28.
        let s = Summary::of(&[35, 15, 20, 40]);
        assert_eq!(s.median_secs, Some(28));
        assert_eq!(s.mean_secs, Some(28));
        assert_eq!(s.p90_secs, Some(40));
        assert_eq!(Summary::of(&[]), Summary::default());
    }

    #[test]
    fn rates_round_to_one_decimal() {
        assert_eq!(percent(1, 3), Some(33.3));
        assert_eq!(percent(2, 3), Some(66.7));
        assert_eq!(percent(0, 0), None);
        assert_eq!(Rate::new(3, 4).percent, Some(75.0));
    }
}
