//! Kubernetes quantity strings (`500m`, `2Gi`, `1k`, `1e3`) as exact integer milli-units.
//!
//! The controller compares milli-values (`Quantity.MilliValue()` upstream), so parsing straight
//! to integer milli keeps every ratio the same as the real controller computes it.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

/// A Kubernetes quantity held as milli-units, rounded up like `MilliValue()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Quantity {
    milli: i64,
}

/// Why a quantity string was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid quantity {input:?}: {why}")]
pub struct QuantityError {
    pub input: String,
    pub why: &'static str,
}

impl Quantity {
    pub const fn from_milli(milli: i64) -> Self {
        Self { milli }
    }

    pub const fn from_units(units: i64) -> Self {
        Self { milli: units * 1000 }
    }

    pub const fn milli(self) -> i64 {
        self.milli
    }

    pub fn as_f64(self) -> f64 {
        self.milli as f64 / 1000.0
    }

    /// Parses `[+-]digits[.digits][suffix]` where suffix is a decimal SI prefix
    /// (`n u m k M G T P E`), a binary one (`Ki`..`Ei`) or an exponent (`e3`, `E-2`).
    pub fn parse(input: &str) -> Result<Self, QuantityError> {
        let err = |why| QuantityError { input: input.to_string(), why };
        let s = input.trim();
        if s.is_empty() {
            return Err(err("empty"));
        }
        let (negative, rest) = match s.as_bytes()[0] {
            b'-' => (true, &s[1..]),
            b'+' => (false, &s[1..]),
            _ => (false, s),
        };
        let num_end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        let (number, suffix) = rest.split_at(num_end);
        let (int_part, frac_part) = match number.split_once('.') {
            Some((i, f)) => {
                if f.contains('.') {
                    return Err(err("more than one decimal point"));
                }
                (i, f)
            }
            None => (number, ""),
        };
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(err("no digits"));
        }
        if int_part.len() + frac_part.len() > 30 {
            return Err(err("too many digits"));
        }
        let mut mantissa: i128 = 0;
        for c in int_part.bytes().chain(frac_part.bytes()) {
            mantissa = mantissa * 10 + i128::from(c - b'0');
        }
        // value = mantissa / 10^frac * scale ; milli = value * 1000
        let mut num: i128 = mantissa * 1000;
        let mut den: i128 = 10i128.pow(frac_part.len() as u32);
        let (dec_exp, bin_exp): (i32, u32) = match suffix {
            "" => (0, 0),
            "n" => (-9, 0),
            "u" => (-6, 0),
            "m" => (-3, 0),
            "k" => (3, 0),
            "M" => (6, 0),
            "G" => (9, 0),
            "T" => (12, 0),
            "P" => (15, 0),
            "E" => (18, 0),
            "Ki" => (0, 10),
            "Mi" => (0, 20),
            "Gi" => (0, 30),
            "Ti" => (0, 40),
            "Pi" => (0, 50),
            "Ei" => (0, 60),
            _ if suffix.len() > 1 && (suffix.starts_with('e') || suffix.starts_with('E')) => {
                let exp: i32 = suffix[1..].parse().map_err(|_| err("bad exponent or unknown suffix"))?;
                if exp.abs() > 24 {
                    return Err(err("exponent out of range"));
                }
                (exp, 0)
            }
            _ => return Err(err("unknown suffix")),
        };
        let overflow = || err("out of range");
        if dec_exp >= 0 {
            num = num.checked_mul(10i128.pow(dec_exp as u32)).ok_or_else(overflow)?;
        } else {
            den = den.checked_mul(10i128.pow((-dec_exp) as u32)).ok_or_else(overflow)?;
        }
        num = num.checked_mul(1i128 << bin_exp).ok_or_else(overflow)?;
        if negative {
            num = -num;
        }
        // ceil(num / den), den > 0
        let milli = num.div_euclid(den) + i128::from(num.rem_euclid(den) != 0);
        let milli = i64::try_from(milli).map_err(|_| overflow())?;
        Ok(Self { milli })
    }
}

impl std::str::FromStr for Quantity {
    type Err = QuantityError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.milli % 1000 == 0 { write!(f, "{}", self.milli / 1000) } else { write!(f, "{}m", self.milli) }
    }
}

impl<'de> Deserialize<'de> for Quantity {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct QVisitor;
        impl Visitor<'_> for QVisitor {
            type Value = Quantity;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a Kubernetes quantity such as \"500m\", \"2Gi\" or 3")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Quantity, E> {
                Quantity::parse(v).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Quantity, E> {
                v.checked_mul(1000).map(Quantity::from_milli).ok_or_else(|| E::custom("quantity out of range"))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Quantity, E> {
                i64::try_from(v)
                    .ok()
                    .and_then(|v| v.checked_mul(1000))
                    .map(Quantity::from_milli)
                    .ok_or_else(|| E::custom("quantity out of range"))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Quantity, E> {
                Quantity::parse(&format!("{v}")).map_err(E::custom)
            }
        }
        deserializer.deserialize_any(QVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_common_forms() {
        let cases = [
            ("500m", 500),
            ("1", 1000),
            ("1.0", 1000),
            ("0.9", 900),
            ("1k", 1_000_000),
            ("2Gi", 2 * 1024 * 1024 * 1024 * 1000),
            ("1e3", 1_000_000),
            ("15.0", 15_000),
            ("1n", 1), // rounds up like MilliValue
            ("-1.5", -1500),
            (".5", 500),
        ];
        for (s, milli) in cases {
            assert_eq!(Quantity::parse(s).unwrap().milli(), milli, "{s}");
        }
    }

    #[test]
    fn rejects_bad_input() {
        for s in ["500mm", "", "m", "1.2.3", "1x", "abc", "1e", "1Ki2"] {
            assert!(Quantity::parse(s).is_err(), "{s} should fail");
        }
    }

    #[test]
    fn displays_units_or_milli() {
        assert_eq!(Quantity::from_milli(2_400_000).to_string(), "2400");
        assert_eq!(Quantity::from_milli(500).to_string(), "500m");
    }
}
