//! Kubernetes quantities (`500m`, `2Gi`) and human durations (`15s`, `2m`, `14d`).

use crate::engine::Millis;
use crate::error::{Error, Result};

/// Parses a Kubernetes quantity into its value in base units (cores for cpu, bytes for
/// memory). Accepts the API's forms: a decimal number with an optional binary suffix
/// (Ki Mi Gi Ti Pi Ei), decimal suffix (n u m k M G T P E) or exponent (`1e3`).
pub fn parse_quantity(text: &str) -> Result<f64> {
    let s = text.trim();
    let bad = || {
        Error::new(format!("invalid quantity {text:?}")).fix(
            "write a Kubernetes quantity: a number with an optional suffix such as 500m, 2, 1.5, 512Mi, 2Gi or 1e9",
        )
    };
    let (number, multiplier) = split_quantity(s).ok_or_else(bad)?;
    let value: f64 = number.parse().map_err(|_| bad())?;
    let result = value * multiplier;
    if !result.is_finite() || result < 0.0 {
        return Err(Error::new(format!("invalid quantity {text:?}: must be finite and not negative"))
            .fix("write a non-negative quantity such as 500m or 2Gi"));
    }
    Ok(result)
}

fn split_quantity(s: &str) -> Option<(&str, f64)> {
    const SUFFIXES: [(&str, f64); 15] = [
        ("Ki", 1024.0),
        ("Mi", 1_048_576.0),
        ("Gi", 1_073_741_824.0),
        ("Ti", 1_099_511_627_776.0),
        ("Pi", 1_125_899_906_842_624.0),
        ("Ei", 1_152_921_504_606_846_976.0),
        ("n", 1e-9),
        ("u", 1e-6),
        ("m", 1e-3),
        ("k", 1e3),
        ("M", 1e6),
        ("G", 1e9),
        ("T", 1e12),
        ("P", 1e15),
        ("E", 1e18),
    ];
    if s.is_empty() {
        return None;
    }
    for (suffix, mult) in SUFFIXES {
        if let Some(number) = s.strip_suffix(suffix) {
            return plain_decimal(number).then_some((number, mult));
        }
    }
    // An exponent form (1e3, 1E-3) or a bare number.
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    if !plain_decimal(mantissa) {
        return None;
    }
    if let Some(exp) = exponent {
        let digits = exp.strip_prefix(['+', '-']).unwrap_or(exp);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
    }
    Some((s, 1.0))
}

/// `[+-]digits[.digits]`, the number part the Kubernetes quantity grammar allows.
fn plain_decimal(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let mut parts = s.splitn(2, '.');
    let int = parts.next().unwrap_or("");
    let frac = parts.next();
    let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    match frac {
        None => !int.is_empty() && digits(int),
        Some(frac) => (!int.is_empty() || !frac.is_empty()) && digits(int) && digits(frac),
    }
}

/// Parses a human duration into milliseconds: one or more `<number><unit>` parts with units
/// `ms`, `s`, `m`, `h`, `d`, `w` (e.g. `500ms`, `15s`, `1h30m`, `14d`). `0` alone is zero.
/// Simulated time is whole milliseconds, so a fraction of a millisecond is an error here.
pub fn parse_duration(text: &str) -> Result<Millis> {
    let total = parse_duration_ms_f64(text)?;
    if total > 1e15 || total.fract() != 0.0 {
        return Err(Error::new(format!(
            "invalid duration {text:?}: must be a whole number of milliseconds below 30,000 years"
        ))
        .fix("write a duration such as 500ms, 15s, 2m, 1h30m or 14d"));
    }
    Ok(total as Millis)
}

/// Like [`parse_duration`] but also takes microseconds (`us`) and returns fractional
/// milliseconds: for CPU time per request, which is often below a millisecond.
pub fn parse_duration_ms_f64(text: &str) -> Result<f64> {
    let s = text.trim();
    let bad = || {
        Error::new(format!("invalid duration {text:?}")).fix("write a duration such as 500ms, 15s, 2m, 1h30m or 14d")
    };
    if s == "0" {
        return Ok(0.0);
    }
    if s.is_empty() {
        return Err(bad());
    }
    let mut total: f64 = 0.0;
    let mut rest = s;
    while !rest.is_empty() {
        let num_len = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).ok_or_else(bad)?;
        if num_len == 0 {
            return Err(bad());
        }
        let value: f64 = rest[..num_len].parse().map_err(|_| bad())?;
        rest = &rest[num_len..];
        let unit_len = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
        let unit_ms = match &rest[..unit_len] {
            "us" | "µs" => 0.001,
            "ms" => 1.0,
            "s" => 1_000.0,
            "m" => 60_000.0,
            "h" => 3_600_000.0,
            "d" => 86_400_000.0,
            "w" => 604_800_000.0,
            _ => return Err(bad()),
        };
        rest = &rest[unit_len..];
        total += value * unit_ms;
    }
    if !total.is_finite() {
        return Err(bad());
    }
    Ok(total)
}

/// Formats milliseconds back in the same human form (`1h30m`, `250ms`).
pub fn format_duration(ms: Millis) -> String {
    if ms == 0 {
        return "0s".into();
    }
    let mut out = String::new();
    let mut rest = ms;
    for (unit, size) in [("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1_000), ("ms", 1)] {
        if rest >= size {
            out.push_str(&format!("{}{unit}", rest / size));
            rest %= size;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities() {
        assert_eq!(parse_quantity("500m").unwrap(), 0.5);
        assert_eq!(parse_quantity("2").unwrap(), 2.0);
        assert_eq!(parse_quantity("1.5").unwrap(), 1.5);
        assert_eq!(parse_quantity("2Gi").unwrap(), 2.0 * 1024.0 * 1024.0 * 1024.0);
        assert_eq!(parse_quantity("128974848").unwrap(), 128_974_848.0);
        assert_eq!(parse_quantity("129e6").unwrap(), 129e6);
        assert_eq!(parse_quantity("123Mi").unwrap(), 123.0 * 1_048_576.0);
        assert_eq!(parse_quantity("1k").unwrap(), 1000.0);
        assert_eq!(parse_quantity(".5").unwrap(), 0.5);
    }

    #[test]
    fn bad_quantities_are_errors() {
        for bad in ["500mm", "", "m", "2GB", "1.2.3", "abc", "1e", "-1", "2 Gi", "NaN", "inf"] {
            let err = parse_quantity(bad).expect_err(bad);
            assert!(err.fix.is_some(), "{bad}");
        }
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("500ms").unwrap(), 500);
        assert_eq!(parse_duration("15s").unwrap(), 15_000);
        assert_eq!(parse_duration("2m").unwrap(), 120_000);
        assert_eq!(parse_duration("1h30m").unwrap(), 5_400_000);
        assert_eq!(parse_duration("14d").unwrap(), 14 * 86_400_000);
        assert_eq!(parse_duration("1.5s").unwrap(), 1_500);
        assert_eq!(parse_duration("0").unwrap(), 0);
        assert_eq!(format_duration(5_400_000), "1h30m");
        assert_eq!(format_duration(250), "250ms");
    }

    #[test]
    fn bad_durations_are_errors() {
        for bad in ["", "15", "15x", "m", "1.2.3s", "-5s", "1h 30m", "0.5ms", "10ss"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
