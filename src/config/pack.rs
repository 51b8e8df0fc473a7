//! `[pack]`: when the audit committee's pack is issued, over how many
//! months, and to whom.

use toml::{Table, Value};

use super::load::{check_email, parse_cron, section};
use super::model::PackConfig;
use super::reader::{Problems, report};

const KEYS: [&str; 3] = ["schedule", "months", "recipients"];

/// Reads `[pack]`; every key has a default, so the section may be absent.
pub(super) fn pack(value: Option<&Value>, p: &mut Problems) -> Option<PackConfig> {
    let empty = Value::Table(Table::new());
    let s = section(value, "pack", &KEYS, &empty, p)?;
    let defaults = PackConfig::default();
    let schedule = match s.has("schedule") {
        true => s.parsed("schedule", p, parse_cron)?,
        false => defaults.schedule,
    };
    let months = match s.integer("months", p) {
        None if s.has("months") => return None,
        None => defaults.months,
        Some(n) => match u32::try_from(n) {
            Ok(n) if (1..=12).contains(&n) => n,
            _ => {
                p.push(
                    s.key("months"),
                    format!("{n} is not a number of months from 1 to 12"),
                );
                return None;
            }
        },
    };
    let mut recipients = Vec::new();
    if s.has("recipients") {
        for (path, text) in s.strings("recipients", p)? {
            if let Some(()) = report(check_email(text), &path, p) {
                recipients.push(text.trim().to_string());
            }
        }
    }
    Some(PackConfig {
        schedule,
        months,
        recipients,
    })
}
