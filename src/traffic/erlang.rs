//! M/M/c queueing formulas (Erlang C).

/// Probability that an arrival has to wait in an M/M/c queue with `servers` servers and
/// offered load `load` = λ·S erlangs. At or above saturation (`load >= servers`) it is 1.
///
/// Uses the Erlang-B recursion 1/B(k) = 1 + (k/a)/B(k-1), which is numerically stable, then
/// C = 1 / ((1-ρ)/B + ρ). O(servers).
pub fn erlang_c(servers: u32, load: f64) -> f64 {
    if servers == 0 || load >= servers as f64 {
        return 1.0;
    }
    if load <= 0.0 {
        return 0.0;
    }
    let c = servers as f64;
    let rho = load / c;
    // Far below saturation skip the O(c) recursion when a Chernoff bound proves C < 1e-30:
    // B(c, a) ≤ 2·P(X ≥ c) ≤ 2·e^-a·(e·a/c)^c for X ~ Poisson(a), c ≥ 2a (so P(X ≤ c) ≥ 1/2),
    // and C ≤ B / (1 - ρ). Anything that small is below what any output can show.
    if c >= 2.0 * load {
        let ln_bound = std::f64::consts::LN_2 - load + c * (1.0 + load.ln() - c.ln()) - (1.0 - rho).ln();
        if ln_bound < -69.0 {
            return 0.0;
        }
    }
    let inv_load = 1.0 / load;
    let mut inv_b = 1.0f64;
    for k in 1..=servers {
        inv_b = 1.0 + inv_b * (k as f64 * inv_load);
        if inv_b > 1e280 {
            // B underflows: waiting is vanishingly unlikely.
            return 0.0;
        }
    }
    1.0 / ((1.0 - rho) * inv_b + rho)
}

/// The waiting-time distribution of a stable M/M/c queue: an atom at zero with mass
/// 1 - `p_wait`, and an exponential tail of rate `theta` = cμ - λ (per millisecond).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MmcWait {
    pub p_wait: f64,
    pub theta_per_ms: f64,
}

impl MmcWait {
    /// `servers` servers, arrival rate `lambda` per second, mean service time `service_ms`.
    /// `None` when the queue is not stable (λ ≥ cμ).
    pub fn new(servers: u32, lambda: f64, service_ms: f64) -> Option<MmcWait> {
        let mu_per_ms = 1.0 / service_ms;
        let capacity_per_ms = servers as f64 * mu_per_ms;
        let lambda_per_ms = lambda / 1000.0;
        if lambda_per_ms >= capacity_per_ms {
            return None;
        }
        Some(MmcWait {
            p_wait: erlang_c(servers, lambda_per_ms * service_ms),
            theta_per_ms: capacity_per_ms - lambda_per_ms,
        })
    }

    pub fn mean_ms(&self) -> f64 {
        self.p_wait / self.theta_per_ms
    }

    /// P(W ≤ t).
    pub fn cdf(&self, t_ms: f64) -> f64 {
        if t_ms < 0.0 { 0.0 } else { 1.0 - self.p_wait * (-self.theta_per_ms * t_ms).exp() }
    }

    /// The q-quantile of the wait.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        if self.p_wait <= 1.0 - q { 0.0 } else { (self.p_wait / (1.0 - q)).ln() / self.theta_per_ms }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        // Textbook: c = 2, a = 1 → C = 1/3.
        assert!((erlang_c(2, 1.0) - 1.0 / 3.0).abs() < 1e-12);
        // c = 1 is M/M/1: C = ρ.
        assert!((erlang_c(1, 0.7) - 0.7).abs() < 1e-12);
        // Call-centre example: 10 agents, 8 erlangs → C ≈ 0.4092.
        assert!((erlang_c(10, 8.0) - 0.409_17).abs() < 1e-4);
        assert_eq!(erlang_c(4, 4.0), 1.0);
        assert_eq!(erlang_c(4, 0.0), 0.0);
        assert!(erlang_c(2000, 10.0) < 1e-100);
    }

    /// The shortcut far below saturation agrees with the full recursion.
    #[test]
    fn shortcut_is_below_the_bound() {
        for c in [4u32, 16, 64, 256, 1024] {
            for frac in [0.05, 0.1, 0.2, 0.3, 0.4, 0.5] {
                let a = c as f64 * frac;
                let fast = erlang_c(c, a);
                let mut inv_b = 1.0f64;
                for k in 1..=c {
                    inv_b = 1.0 + inv_b * k as f64 / a;
                }
                let exact = if inv_b.is_finite() { 1.0 / ((1.0 - frac) * inv_b + frac) } else { 0.0 };
                assert!((fast - exact).abs() <= 1e-30 + 1e-12 * exact, "c={c} a={a}: {fast} vs {exact}");
            }
        }
    }

    #[test]
    fn quantile_inverts_cdf() {
        let w = MmcWait::new(8, 70.0, 100.0).unwrap();
        for q in [0.5, 0.9, 0.95, 0.99] {
            let t = w.quantile_ms(q);
            if t > 0.0 {
                assert!((w.cdf(t) - q).abs() < 1e-9);
            }
        }
    }
}
