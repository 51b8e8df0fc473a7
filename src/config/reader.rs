//! Reading parsed TOML by hand, key by key, with the key path of every value.
//!
//! serde would stop at the first wrong value and could not say which of two
//! contracts it was in; walking the tree ourselves lets the loader collect every
//! problem in one pass (`slawatch check` prints them all) and name each one as
//! `contracts[0].service_levels[2].target`.
//!
//! The readers report what is wrong and return `None` (or skip the bad element);
//! the loader builds a [`Config`](super::Config) only when no problem was found,
//! so a partial value never escapes.

use toml::{Table, Value};

use super::load::Problem;

/// The problems found so far, in the order they were found.
#[derive(Debug, Default)]
pub(super) struct Problems(pub(super) Vec<Problem>);

impl Problems {
    /// Records a problem at `key`.
    pub(super) fn push(&mut self, key: impl Into<String>, message: impl Into<String>) {
        self.0.push(Problem {
            key: key.into(),
            message: message.into(),
        });
    }

    /// True when nothing is wrong so far.
    pub(super) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Keys that would hold a secret; the file names environment variables instead.
const SECRET_KEYS: [(&str, &str); 2] = [("password", "password_env"), ("token", "token_env")];

/// One TOML table being read, with its key path.
pub(super) struct Section<'a> {
    path: String,
    table: &'a Table,
}

impl<'a> Section<'a> {
    /// Reads `value` as a table at `path`, reporting every key not in `known`.
    pub(super) fn open(
        value: &'a Value,
        path: String,
        known: &[&str],
        p: &mut Problems,
    ) -> Option<Self> {
        let section = Self::open_unchecked(value, path, p)?;
        section.check_keys(known, p, |_| None);
        Some(section)
    }

    /// Reads the file's root table.
    pub(super) fn root(table: &'a Table) -> Self {
        Section {
            path: String::new(),
            table,
        }
    }

    /// Reads `value` as a table without checking its keys yet, for sections
    /// whose allowed keys depend on one of their values (a source's `kind`).
    pub(super) fn open_unchecked(value: &'a Value, path: String, p: &mut Problems) -> Option<Self> {
        match value {
            Value::Table(table) => Some(Section { path, table }),
            other => {
                p.push(
                    path,
                    format!("expected a table, found {}", type_name(other)),
                );
                None
            }
        }
    }

    /// Reports every key not in `known`: a secret written in the file, a likely
    /// typo with its correction, or what `hint` says about it.
    pub(super) fn check_keys(
        &self,
        known: &[&str],
        p: &mut Problems,
        hint: impl Fn(&str) -> Option<String>,
    ) {
        for key in self.table.keys() {
            if known.contains(&key.as_str()) {
                continue;
            }
            let message = if let Some((_, env)) = SECRET_KEYS.iter().find(|(k, _)| k == key) {
                format!(
                    "secrets are never written in the file: put it in an environment variable \
                     and name that variable with {env}"
                )
            } else if let Some(h) = hint(key) {
                format!("unknown key ({h})")
            } else if let Some(close) = closest(key, known) {
                format!("unknown key (did you mean '{close}'?)")
            } else {
                format!("unknown key (expected one of: {})", known.join(", "))
            };
            p.push(self.key(key), message);
        }
    }

    /// The section's own key path.
    pub(super) fn path(&self) -> &str {
        &self.path
    }

    /// The key path of `key` in this section.
    pub(super) fn key(&self, key: &str) -> String {
        join(&self.path, key)
    }

    /// True when `key` is present.
    pub(super) fn has(&self, key: &str) -> bool {
        self.table.contains_key(key)
    }

    /// The raw value of `key`, if present.
    pub(super) fn value(&self, key: &str) -> Option<&'a Value> {
        self.table.get(key)
    }

    /// The raw value of `key`, reporting it when missing.
    pub(super) fn required(&self, key: &str, p: &mut Problems) -> Option<&'a Value> {
        let value = self.table.get(key);
        if value.is_none() {
            p.push(self.key(key), "required key is missing");
        }
        value
    }

    /// An optional non-empty string.
    pub(super) fn string(&self, key: &str, p: &mut Problems) -> Option<&'a str> {
        self.value(key).and_then(|v| as_str(v, &self.key(key), p))
    }

    /// A required non-empty string.
    pub(super) fn req_string(&self, key: &str, p: &mut Problems) -> Option<&'a str> {
        self.required(key, p)
            .and_then(|v| as_str(v, &self.key(key), p))
    }

    /// An optional string turned into `T` by `parse`, whose error is reported.
    pub(super) fn parsed<T>(
        &self,
        key: &str,
        p: &mut Problems,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        let text = self.string(key, p)?;
        report(parse(text), &self.key(key), p)
    }

    /// A required string turned into `T` by `parse`.
    pub(super) fn req_parsed<T>(
        &self,
        key: &str,
        p: &mut Problems,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        let text = self.req_string(key, p)?;
        report(parse(text), &self.key(key), p)
    }

    /// An optional number (a TOML integer or float).
    pub(super) fn number(&self, key: &str, p: &mut Problems) -> Option<f64> {
        let value = self.value(key)?;
        match value {
            Value::Integer(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            other => {
                p.push(
                    self.key(key),
                    format!("expected a number, found {}", type_name(other)),
                );
                None
            }
        }
    }

    /// An optional whole number.
    pub(super) fn integer(&self, key: &str, p: &mut Problems) -> Option<i64> {
        match self.value(key)? {
            Value::Integer(i) => Some(*i),
            other => {
                p.push(
                    self.key(key),
                    format!("expected a whole number, found {}", type_name(other)),
                );
                None
            }
        }
    }

    /// An optional array of strings, each with its key path; bad elements are
    /// reported and left out.
    pub(super) fn strings(&self, key: &str, p: &mut Problems) -> Option<Vec<(String, &'a str)>> {
        let items = self.array(key, p)?;
        let base = self.key(key);
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let path = index(&base, i);
            if let Some(s) = as_str(item, &path, p) {
                out.push((path, s));
            }
        }
        Some(out)
    }

    /// An optional array.
    pub(super) fn array(&self, key: &str, p: &mut Problems) -> Option<&'a [Value]> {
        match self.value(key)? {
            Value::Array(items) => Some(items),
            other => {
                p.push(
                    self.key(key),
                    format!("expected an array, found {}", type_name(other)),
                );
                None
            }
        }
    }

    /// The entries of an optional array of tables (`service_levels`).
    pub(super) fn items(&self, key: &str, p: &mut Problems) -> Vec<(String, &'a Value)> {
        items(self.value(key), &self.key(key), p)
    }

    /// An optional table of strings (`service_map`, `partial_when`), each
    /// entry with its key path.
    pub(super) fn string_map(
        &self,
        key: &str,
        p: &mut Problems,
    ) -> Option<Vec<(String, &'a str, &'a str)>> {
        let value = self.value(key)?;
        let Value::Table(table) = value else {
            p.push(
                self.key(key),
                format!("expected a table, found {}", type_name(value)),
            );
            return None;
        };
        let base = self.key(key);
        let mut out = Vec::with_capacity(table.len());
        for (k, v) in table {
            let path = join(&base, k);
            if let Some(s) = as_str(v, &path, p) {
                out.push((path, k.as_str(), s));
            }
        }
        Some(out)
    }
}

/// The entries of an optional array of tables (`[[contracts]]`), each with its
/// key path; whether each is a table is checked when it is opened.
pub(super) fn items<'a>(
    value: Option<&'a Value>,
    path: &str,
    p: &mut Problems,
) -> Vec<(String, &'a Value)> {
    match value {
        None => Vec::new(),
        Some(Value::Array(list)) => list
            .iter()
            .enumerate()
            .map(|(i, v)| (index(path, i), v))
            .collect(),
        Some(other) => {
            p.push(
                path,
                format!("expected an array of tables, found {}", type_name(other)),
            );
            Vec::new()
        }
    }
}

/// Reports entries whose `key` (an id or name) repeats an earlier entry's, and
/// returns every value seen, so references to a broken entry are not
/// reported a second time as unknown.
pub(super) fn report_duplicates(
    items: &[(String, &Value)],
    key: &str,
    what: &str,
    p: &mut Problems,
) -> Vec<String> {
    let mut seen: Vec<(String, &str)> = Vec::new();
    for (path, item) in items {
        let Some(id) = item.get(key).and_then(Value::as_str) else {
            continue;
        };
        match seen.iter().find(|(_, s)| *s == id) {
            Some((first, _)) => p.push(
                join(path, key),
                format!("duplicate {what} '{id}' (first at {first})"),
            ),
            None => seen.push((path.clone(), id)),
        }
    }
    seen.into_iter().map(|(_, id)| id.to_string()).collect()
}

/// Runs every item to the end (each reports its own problems, which
/// `collect::<Option<_>>` would skip after the first failure) and keeps the
/// results only when all succeeded.
pub(super) fn all<T>(results: impl Iterator<Item = Option<T>>) -> Option<Vec<T>> {
    let results: Vec<Option<T>> = results.collect();
    results.into_iter().collect()
}

/// `value` as a non-empty string.
pub(super) fn as_str<'a>(value: &'a Value, path: &str, p: &mut Problems) -> Option<&'a str> {
    match value {
        Value::String(s) if s.trim().is_empty() => {
            p.push(path, "must not be empty");
            None
        }
        Value::String(s) => Some(s),
        other => {
            p.push(
                path,
                format!("expected a string, found {}", type_name(other)),
            );
            None
        }
    }
}

/// Passes `Ok` through and reports `Err` at `path`.
pub(super) fn report<T>(result: Result<T, String>, path: &str, p: &mut Problems) -> Option<T> {
    result.map_err(|message| p.push(path, message)).ok()
}

/// How a value is described in "expected …, found …" messages.
pub(super) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::String(_) => "a string",
        Value::Integer(_) => "a whole number",
        Value::Float(_) => "a decimal number",
        Value::Boolean(_) => "true/false",
        Value::Datetime(_) => "a date or time",
        Value::Array(_) => "an array",
        Value::Table(_) => "a table",
    }
}

/// `path.key`, quoting keys that are not bare TOML keys (`service_map."Corporate Network"`).
pub(super) fn join(path: &str, key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    let key = if bare {
        key.to_string()
    } else {
        format!("{key:?}")
    };
    if path.is_empty() {
        key
    } else {
        format!("{path}.{key}")
    }
}

/// `path[i]`.
pub(super) fn index(path: &str, i: usize) -> String {
    format!("{path}[{i}]")
}

/// The known key nearest to a typo, if one is close enough to be the intent:
/// a slip of a letter or two, or a shortened key (`service_credit_cap`).
fn closest<'k>(key: &str, known: &[&'k str]) -> Option<&'k str> {
    let key = key.to_ascii_lowercase();
    let near = known
        .iter()
        .map(|k| (edit_distance(&key, k), *k))
        .filter(|(d, k)| *d <= 2 && *d < k.len())
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k);
    if near.is_some() || key.len() < 4 {
        return near;
    }
    // A shortened key names the one known key it begins, if only one does.
    let mut longer = known.iter().filter(|k| k.starts_with(key.as_str()));
    if let (Some(k), None) = (longer.next(), longer.next()) {
        return Some(k);
    }
    // A key with a suffix added names the longest known key it begins with.
    known
        .iter()
        .filter(|k| key.starts_with(**k))
        .max_by_key(|k| k.len())
        .copied()
}

/// Levenshtein distance over characters (keys are short, so O(n·m) is fine).
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            let next = (row[j + 1] + 1).min(row[j] + 1).min(prev + cost);
            prev = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_nearest_key() {
        let known = ["target", "target_percent", "timezone"];
        assert_eq!(closest("target_percnt", &known), Some("target_percent"));
        assert_eq!(closest("Timezone", &known), Some("timezone"));
        assert_eq!(closest("priority", &known), None);
        assert_eq!(closest("target_percentage", &known), Some("target_percent"));
        // Both `timezone` and `timeout` start with `time`: no guess.
        assert_eq!(closest("time", &["timezone", "timeout"]), None);
    }

    #[test]
    fn quotes_keys_that_are_not_bare() {
        assert_eq!(join("a.b", "Email"), "a.b.Email");
        assert_eq!(join("m", "Corporate Network"), "m.\"Corporate Network\"");
        assert_eq!(join("", "daemon"), "daemon");
    }
}
