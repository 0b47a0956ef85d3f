//! The one place where money is computed: quantity × rate, and sums over many hours.
//!
//! Every cost the module reports goes through [`amount`] and [`Sum`], so the optimizers, the
//! pricing of an hour and the metrics agree bit for bit when they price the same thing
//! (the tests check `assert_eq!` on re-priced savings, not a tolerance).

/// Dollars for `quantity` units (instance-hours, SP dollars, …) at `rate` dollars per unit.
#[inline]
pub fn amount(quantity: f64, rate: f64) -> f64 {
    quantity * rate
}

/// Compensated (Neumaier) sum of dollars, added in the caller's (deterministic) order.
///
/// A year is 8,760 hourly terms; plain summation would lose cents' fractions that make totals
/// depend on how they were grouped. The compensation keeps the result to within one rounding of
/// the exact sum, so totals computed hour by hour and category by category agree.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Sum {
    sum: f64,
    compensation: f64,
}

impl Sum {
    pub fn new() -> Self {
        Sum::default()
    }

    pub fn add(&mut self, x: f64) {
        let t = self.sum + x;
        if self.sum.abs() >= x.abs() {
            self.compensation += (self.sum - t) + x;
        } else {
            self.compensation += (x - t) + self.sum;
        }
        self.sum = t;
    }

    pub fn value(&self) -> f64 {
        self.sum + self.compensation
    }

    /// Sum of an iterator, in its order.
    pub fn of(xs: impl IntoIterator<Item = f64>) -> f64 {
        let mut s = Sum::new();
        for x in xs {
            s.add(x);
        }
        s.value()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compensated_sum_keeps_small_terms() {
        let xs = [1e16, 1.0, -1e16, 1.0];
        assert_eq!(Sum::of(xs), 2.0);
        assert_eq!(Sum::of([0.1; 10]), 1.0);
    }
}
