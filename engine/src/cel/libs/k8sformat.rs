//! The named formats of the Kubernetes `format` CEL library
//! (`format.dns1123Label()` …) and their validators, with apimachinery's
//! exact messages. Note the two `MaxLenError` wordings: the DNS checks come
//! from `util/validation` ("characters"), qualified names and label values
//! from `api/validate/content` ("bytes").

use super::gourl::Url;
use regex::Regex;
use std::sync::OnceLock;

/// One named format: its cel-go name and its validator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NamedFormat {
    /// The key in `format.named(...)` and the function suffix.
    pub key: &'static str,
    /// The `Name` Kubernetes gives it (what equality compares).
    pub name: &'static str,
}

/// Every constant format, in a stable order.
pub const FORMATS: &[NamedFormat] = &[
    NamedFormat {
        key: "dns1123Label",
        name: "DNS1123Label",
    },
    NamedFormat {
        key: "dns1123Subdomain",
        name: "DNS1123Subdomain",
    },
    NamedFormat {
        key: "dns1035Label",
        name: "DNS1035Label",
    },
    NamedFormat {
        key: "qualifiedName",
        name: "QualifiedName",
    },
    NamedFormat {
        key: "dns1123LabelPrefix",
        name: "DNS1123LabelPrefix",
    },
    NamedFormat {
        key: "dns1123SubdomainPrefix",
        name: "DNS1123SubdomainPrefix",
    },
    NamedFormat {
        key: "dns1035LabelPrefix",
        name: "DNS1035LabelPrefix",
    },
    NamedFormat {
        key: "labelValue",
        name: "LabelValue",
    },
    NamedFormat {
        key: "uri",
        name: "URI",
    },
    NamedFormat {
        key: "uuid",
        name: "uuid",
    },
    NamedFormat {
        key: "byte",
        name: "byte",
    },
    NamedFormat {
        key: "date",
        name: "date",
    },
    NamedFormat {
        key: "datetime",
        name: "datetime",
    },
];

/// The format registered under `key`.
pub fn named(key: &str) -> Option<NamedFormat> {
    FORMATS.iter().copied().find(|f| f.key == key)
}

const DNS1123_LABEL_FMT: &str = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const DNS1123_LABEL_ERR: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
const DNS1123_SUBDOMAIN_ERR: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const DNS1035_LABEL_FMT: &str = "[a-z]([-a-z0-9]*[a-z0-9])?";
const DNS1035_LABEL_ERR: &str = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character";
const LABEL_KEY_FMT: &str = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const LABEL_KEY_ERR: &str = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_FMT: &str = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";
const LABEL_VALUE_ERR: &str = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

fn dns1123_subdomain_fmt() -> String {
    format!("{DNS1123_LABEL_FMT}(\\.{DNS1123_LABEL_FMT})*")
}

/// Compiles one of the fixed patterns above, anchored.
fn anchored(
    cell: &'static OnceLock<Option<Regex>>,
    pattern: impl FnOnce() -> String,
) -> Option<&'static Regex> {
    cell.get_or_init(|| Regex::new(&format!("^(?:{})$", pattern())).ok())
        .as_ref()
}

fn matches(
    cell: &'static OnceLock<Option<Regex>>,
    pattern: impl FnOnce() -> String,
    s: &str,
) -> bool {
    anchored(cell, pattern).is_some_and(|re| re.is_match(s))
}

fn label_re(s: &str) -> bool {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    matches(&RE, || DNS1123_LABEL_FMT.to_string(), s)
}

fn subdomain_re(s: &str) -> bool {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    matches(&RE, dns1123_subdomain_fmt, s)
}

fn regex_error(msg: &str, re: &str, examples: &[&str]) -> String {
    if examples.is_empty() {
        return format!("{msg} (regex used for validation is '{re}')");
    }
    let quoted: Vec<String> = examples.iter().map(|e| format!("'{e}', ")).collect();
    format!(
        "{msg} (e.g. {}regex used for validation is '{re}')",
        quoted.join(" or ")
    )
}

fn max_len_chars(n: usize) -> String {
    format!("must be no more than {n} characters")
}

fn max_len_bytes(n: usize) -> String {
    format!("must be no more than {n} bytes")
}

/// `validation.IsDNS1123Label`.
pub fn dns1123_label(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > 63 {
        errs.push(max_len_chars(63));
    }
    if !label_re(value) {
        if subdomain_re(value) {
            errs.push("must not contain dots".to_string());
        } else {
            errs.push(regex_error(
                DNS1123_LABEL_ERR,
                DNS1123_LABEL_FMT,
                &["my-name", "123-abc"],
            ));
        }
    }
    errs
}

/// `IsDNS1123Subdomain`, with the length message of `util/validation`
/// (`chars`) or of `api/validate/content` (bytes).
fn dns1123_subdomain_with(value: &str, max_len: fn(usize) -> String) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > 253 {
        errs.push(max_len(253));
    }
    if !subdomain_re(value) {
        errs.push(regex_error(
            DNS1123_SUBDOMAIN_ERR,
            &dns1123_subdomain_fmt(),
            &["example.com"],
        ));
    }
    errs
}

/// `validation.IsDNS1123Subdomain`.
pub fn dns1123_subdomain(value: &str) -> Vec<String> {
    dns1123_subdomain_with(value, max_len_chars)
}

/// `validation.IsDNS1035Label`.
pub fn dns1035_label(value: &str) -> Vec<String> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    let mut errs = Vec::new();
    if value.len() > 63 {
        errs.push(max_len_chars(63));
    }
    if !matches(&RE, || DNS1035_LABEL_FMT.to_string(), value) {
        errs.push(regex_error(
            DNS1035_LABEL_ERR,
            DNS1035_LABEL_FMT,
            &["my-name", "abc-123"],
        ));
    }
    errs
}

/// `content.IsLabelKey` (what `IsQualifiedName` now is).
pub fn qualified_name(value: &str) -> Vec<String> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    let mut errs = Vec::new();
    let parts: Vec<&str> = value.split('/').collect();
    let name = match parts.as_slice() {
        [name] => *name,
        [prefix, name] => {
            if prefix.is_empty() {
                errs.push("prefix part must be non-empty".to_string());
            } else {
                let msgs = dns1123_subdomain_with(prefix, max_len_bytes);
                errs.extend(msgs.into_iter().map(|m| format!("prefix part {m}")));
            }
            *name
        }
        _ => {
            errs.push(format!(
                "a valid label key {} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
                regex_error(LABEL_KEY_ERR, LABEL_KEY_FMT, &["MyName", "my.name", "123-abc"])
            ));
            return errs;
        }
    };
    if name.is_empty() {
        errs.push("name part must be non-empty".to_string());
    } else if name.len() > 63 {
        errs.push(format!("name part {}", max_len_bytes(63)));
    }
    if !matches(&RE, || LABEL_KEY_FMT.to_string(), name) {
        errs.push(format!(
            "name part {}",
            regex_error(
                LABEL_KEY_ERR,
                LABEL_KEY_FMT,
                &["MyName", "my.name", "123-abc"]
            )
        ));
    }
    errs
}

/// `content.IsLabelValue`.
pub fn label_value(value: &str) -> Vec<String> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    let mut errs = Vec::new();
    if value.len() > 63 {
        errs.push(max_len_bytes(63));
    }
    if !matches(&RE, || LABEL_VALUE_FMT.to_string(), value) {
        errs.push(regex_error(
            LABEL_VALUE_ERR,
            LABEL_VALUE_FMT,
            &["MyValue", "my_value", "12345"],
        ));
    }
    errs
}

/// apimachinery's `maskTrailingDash`, bug included: a trailing dash drops
/// the last *two* bytes before an `a` is appended.
fn mask_trailing_dash(name: &str) -> String {
    if name.len() > 1 && name.ends_with('-') {
        let cut = name.len() - 2;
        // Byte slicing as Go does; a split character is dropped whole.
        let mut end = cut;
        while !name.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}a", name.get(..end).unwrap_or_default())
    } else {
        name.to_string()
    }
}

fn is_uuid(s: &str) -> bool {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$").ok()
    })
    .as_ref()
    .is_some_and(|re| re.is_match(s))
}

fn is_base64(s: &str) -> bool {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$",
        )
        .ok()
    })
    .as_ref()
    .is_some_and(|re| re.is_match(s))
}

/// strfmt's `IsDate`: Go's `time.Parse("2006-01-02", s)`.
fn is_date(s: &str) -> bool {
    crate::jmespath::kyverno::time::go_parse("2006-01-02", s).is_ok()
}

/// strfmt's `IsDateTime`: a date, a `t`, then `hh:mm:ss[.frac](z|±hh:mm)`.
fn is_datetime(s: &str) -> bool {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    if s.len() < 4 {
        return false;
    }
    let lower = s.to_lowercase();
    let parts: Vec<&str> = lower.split('t').collect();
    let (Some(date), Some(time)) = (parts.first(), parts.get(1)) else {
        return false;
    };
    if !is_date(date) {
        return false;
    }
    let re = RE.get_or_init(|| {
        Regex::new(r"^([0-9]{2}):([0-9]{2}):([0-9]{2})(.[0-9]+)?(z|([+-][0-9]{2}:[0-9]{2}))$").ok()
    });
    let Some(caps) = re.as_ref().and_then(|re| re.captures(time)) else {
        return false;
    };
    let g = |i| caps.get(i).map_or("", |m| m.as_str());
    g(1) <= "23" && g(2) <= "59" && g(3) <= "59"
}

impl NamedFormat {
    /// The format's validation errors for `s` (empty when valid).
    pub fn validate(&self, s: &str) -> Vec<String> {
        match self.key {
            "dns1123Label" => dns1123_label(s),
            "dns1123Subdomain" => dns1123_subdomain(s),
            "dns1035Label" => dns1035_label(s),
            "qualifiedName" => qualified_name(s),
            "dns1123LabelPrefix" => dns1123_label(&mask_trailing_dash(s)),
            "dns1123SubdomainPrefix" => dns1123_subdomain(&mask_trailing_dash(s)),
            "dns1035LabelPrefix" => dns1035_label(&mask_trailing_dash(s)),
            "labelValue" => label_value(s),
            "uri" => match Url::parse_request_uri(s) {
                Ok(_) => Vec::new(),
                Err(e) => vec![e],
            },
            "uuid" if !is_uuid(s) => vec!["does not match the UUID format".to_string()],
            "byte" if !is_base64(s) => vec!["invalid base64".to_string()],
            "date" if !is_date(s) => vec!["invalid date".to_string()],
            "datetime" if !is_datetime(s) => vec!["invalid datetime".to_string()],
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
#[allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]
mod tests {
    use super::*;

    fn v(key: &str, s: &str) -> Vec<String> {
        named(key)
            .map(|f| f.validate(s))
            .unwrap_or_else(|| vec!["unknown".into()])
    }

    #[test]
    fn dns_labels_report_apimachinery_messages() {
        assert!(v("dns1123Label", "my-name").is_empty());
        assert_eq!(v("dns1123Label", "a.b"), vec!["must not contain dots"]);
        assert_eq!(
            v("dns1123Label", "A"),
            vec!["a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"]
        );
        let long = "a".repeat(64);
        assert_eq!(
            v("dns1123Label", &long),
            vec!["must be no more than 63 characters"]
        );
        assert_eq!(
            v("dns1035Label", "1abc"),
            vec!["a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"]
        );
    }

    #[test]
    fn prefixes_mask_a_trailing_dash_like_apimachinery() {
        assert!(v("dns1123LabelPrefix", "my-name-").is_empty());
        assert!(!v("dns1123Label", "my-name-").is_empty());
        // Go drops two bytes: "a-" becomes "a" (valid), "-" alone is unchanged.
        assert!(v("dns1035LabelPrefix", "ab-").is_empty());
    }

    #[test]
    fn qualified_names_and_label_values_use_content_wording() {
        assert!(v("qualifiedName", "example.com/MyName").is_empty());
        assert_eq!(
            v("qualifiedName", "/x"),
            vec!["prefix part must be non-empty"]
        );
        assert_eq!(
            v("qualifiedName", "a/b/c"),
            vec!["a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]
        );
        assert_eq!(
            v("labelValue", &"a".repeat(64)),
            vec!["must be no more than 63 bytes"]
        );
        assert!(v("labelValue", "").is_empty());
    }

    #[test]
    fn strfmt_formats_use_their_fixed_messages() {
        assert!(v("uuid", "123e4567-e89b-12d3-a456-426614174000").is_empty());
        assert_eq!(v("uuid", "nope"), vec!["does not match the UUID format"]);
        assert!(v("byte", "aGVsbG8=").is_empty());
        assert_eq!(v("byte", "aGVsbG8"), vec!["invalid base64"]);
        assert!(v("date", "2024-02-29").is_empty());
        assert_eq!(v("date", "2023-02-29"), vec!["invalid date"]);
        assert!(v("datetime", "2024-01-02T03:04:05Z").is_empty());
        assert!(v("datetime", "2024-01-02T03:04:05.123+01:00").is_empty());
        assert_eq!(
            v("datetime", "2024-01-02 03:04:05Z"),
            vec!["invalid datetime"]
        );
        assert_eq!(
            v("uri", "example.com"),
            vec![r#"parse "example.com": invalid URI for request"#]
        );
    }
}
