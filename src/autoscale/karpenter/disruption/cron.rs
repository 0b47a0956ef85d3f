//! Minimal standard 5-field cron (minute hour day-of-month month day-of-week, UTC) with the
//! `@yearly/@annually/@monthly/@weekly/@daily/@midnight/@hourly` descriptors, as robfig/cron's
//! `ParseStandard` accepts (which upstream budgets use). Day-of-month and day-of-week combine with
//! AND when either is `*`/`?`, otherwise OR (robfig semantics).
//!
//! Activity check: a budget with schedule S and duration D is active at `now` iff S fires at some
//! minute `h` with `now − D < h ≤ now` (upstream: `!schedule.Next(now − D).After(now)`). We find it
//! by scanning backwards from `now` minute by minute, skipping whole days/hours that cannot match,
//! so long durations stay cheap.

use std::collections::BTreeSet;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cron {
    minutes: BTreeSet<u32>,
    hours: BTreeSet<u32>,
    dom: BTreeSet<u32>,
    months: BTreeSet<u32>,
    dow: BTreeSet<u32>,
    dom_star: bool,
    dow_star: bool,
}

const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

impl Cron {
    /// Parses a standard cron spec; errors read like robfig/cron's.
    pub fn parse(spec: &str) -> Result<Cron, String> {
        let spec = spec.trim();
        let expanded = match spec {
            "@yearly" | "@annually" => "0 0 1 1 *",
            "@monthly" => "0 0 1 * *",
            "@weekly" => "0 0 * * 0",
            "@daily" | "@midnight" => "0 0 * * *",
            "@hourly" => "0 * * * *",
            s if s.starts_with('@') => return Err(format!("unrecognized descriptor: {s}")),
            s => s,
        };
        let fields: Vec<&str> = expanded.split_whitespace().collect();
        if fields.len() != 5 {
            return Err(format!("expected exactly 5 fields, found {}: {spec}", fields.len()));
        }
        let (dom, dom_star) = field(fields[2], 1, 31, &[], 1)?;
        let (dow, dow_star) = field(fields[4], 0, 6, &DAYS, 0)?;
        Ok(Cron {
            minutes: field(fields[0], 0, 59, &[], 0)?.0,
            hours: field(fields[1], 0, 23, &[], 0)?.0,
            dom,
            months: field(fields[3], 1, 12, &MONTHS, 1)?.0,
            dow,
            dom_star,
            dow_star,
        })
    }

    fn day_matches(&self, month: u32, day: u32, weekday: u32) -> bool {
        if !self.months.contains(&month) {
            return false;
        }
        let d = self.dom.contains(&day);
        let w = self.dow.contains(&weekday);
        if self.dom_star || self.dow_star { d && w } else { d || w }
    }

    /// Whether the schedule fires at some whole minute `h` (Unix seconds) with `after < h ≤ at`.
    pub fn fires_in(&self, after: i64, at: i64) -> bool {
        let mut t = at.div_euclid(60) * 60;
        while t > after {
            let days = t.div_euclid(86_400);
            let secs = t.rem_euclid(86_400);
            let (_, month, day) = civil_from_days(days);
            let weekday = (days + 4).rem_euclid(7) as u32;
            if !self.day_matches(month, day, weekday) {
                t = days * 86_400 - 60;
                continue;
            }
            let hour = (secs / 3600) as u32;
            if !self.hours.contains(&hour) {
                t = days * 86_400 + i64::from(hour) * 3600 - 60;
                continue;
            }
            if self.minutes.contains(&(((secs % 3600) / 60) as u32)) {
                return true;
            }
            t -= 60;
        }
        false
    }
}

fn value(text: &str, names: &[&str], offset: u32) -> Result<u32, String> {
    if let Some(i) = names.iter().position(|n| n.eq_ignore_ascii_case(text)) {
        return Ok(i as u32 + offset);
    }
    text.parse::<u32>().map_err(|_| format!("failed to parse int from {text}"))
}

/// Parses one field; returns the allowed values and whether it was `*`/`?`.
fn field(text: &str, min: u32, max: u32, names: &[&str], offset: u32) -> Result<(BTreeSet<u32>, bool), String> {
    let mut out = BTreeSet::new();
    let mut star = false;
    for part in text.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => (r, Some(s.parse::<u32>().map_err(|_| format!("failed to parse int from {s}"))?)),
            None => (part, None),
        };
        let (lo, hi) = if range == "*" || range == "?" {
            star = step.is_none();
            (min, max)
        } else if let Some((a, b)) = range.split_once('-') {
            (value(a, names, offset)?, value(b, names, offset)?)
        } else {
            let v = value(range, names, offset)?;
            (v, if step.is_some() { max } else { v })
        };
        if lo < min {
            return Err(format!("beginning of range ({lo}) below minimum ({min}): {text}"));
        }
        if hi > max {
            return Err(format!("end of range ({hi}) above maximum ({max}): {text}"));
        }
        if lo > hi {
            return Err(format!("beginning of range ({lo}) beyond end of range ({hi}): {text}"));
        }
        let step = step.unwrap_or(1);
        if step == 0 {
            return Err(format!("step of range should be a positive number: {text}"));
        }
        out.extend((lo..=hi).step_by(step as usize));
    }
    Ok((out, star))
}

/// Days since 1970-01-01 → (year, month 1–12, day 1–31), proleptic Gregorian (H. Hinnant's algorithm).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// (year, month, day) → days since 1970-01-01.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Unix seconds of a UTC civil time (handy for tests and scenario clocks).
pub fn unix_seconds(y: i64, month: u32, day: u32, hour: u32, minute: u32, second: u32) -> i64 {
    days_from_civil(y, month, day) * 86_400 + i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second)
}
