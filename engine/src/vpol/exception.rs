//! CEL PolicyExceptions (`policies.kyverno.io`, kyverno-cel.md §5.4): which
//! exceptions exempt a request, and the result they give.

use serde_json::Value;

use super::compile::CompiledException;
use crate::cel::{Activation, Val};
use crate::host::Host;
use crate::model::response::{RuleResponse, RuleStatus, RuleType};

/// A CEL PolicyException document.
pub type CelException = super::model::CelExceptionDoc;

/// What the exceptions concluded for one request.
#[derive(Debug, Default)]
pub struct ExceptionOutcome {
    /// The matching exceptions (indexes), in evaluation order, when one of
    /// them exempts fully.
    pub exempting: Option<Vec<usize>>,
    /// `exceptions.allowedImages` / `allowedValues` of partial exceptions.
    pub allowed_images: Vec<String>,
    /// `allowedValues`.
    pub allowed_values: Vec<String>,
}

/// Runs every exception's matchConditions (all must be true). A matching
/// exception without images or values exempts fully, and a broken later
/// exception cannot undo that; before it, an error is returned.
pub fn evaluate<'a>(
    exceptions: &'a [CompiledException],
    activation: &Activation<'a>,
    host: &dyn Host,
    failure_policy_ignore: bool,
) -> Result<ExceptionOutcome, String> {
    let mut out = ExceptionOutcome::default();
    let mut matched = Vec::new();
    let mut full = false;
    for (i, ex) in exceptions.iter().enumerate() {
        let mut ok = true;
        let mut errs = Vec::new();
        for c in &ex.match_conditions {
            match c.eval(activation, host) {
                Ok(Val::Bool(true)) => {}
                Ok(Val::Bool(false)) => {
                    ok = false;
                    break;
                }
                Ok(other) => errs.push(format!(
                    "type conversion error from '{}' to 'bool'",
                    other.type_name()
                )),
                Err(e) => errs.push(e.message),
            }
        }
        if ok && !errs.is_empty() {
            // failurePolicy Ignore turns a broken condition into no match.
            if full || failure_policy_ignore {
                continue;
            }
            return Err(errs.join("; "));
        }
        if !ok {
            continue;
        }
        matched.push(i);
        if ex.images.is_empty() && ex.allowed_values.is_empty() {
            full = true;
        } else if !full {
            out.allowed_images.extend(ex.images.iter().cloned());
            out.allowed_values.extend(ex.allowed_values.iter().cloned());
        }
    }
    if full {
        out.exempting = Some(matched);
    }
    Ok(out)
}

/// The `exceptions` variable: `{allowedImages, allowedValues}`.
pub fn exceptions_value(outcome: &ExceptionOutcome) -> Value {
    serde_json::json!({
        "allowedImages": outcome.allowed_images,
        "allowedValues": outcome.allowed_values,
    })
}

/// The rule of an exempted request: pass when the selected exception (the
/// highest positive `polex.kyverno.io/priority`, else the first) reports
/// `pass`, else skip; the message lists every matching exception.
pub fn exempted(exceptions: &[CompiledException], matched: &[usize]) -> RuleResponse {
    let mut keys = Vec::new();
    let mut highest = 0i64;
    let mut selected = matched.first().copied().unwrap_or(0);
    for &i in matched {
        let Some(ex) = exceptions.get(i) else {
            continue;
        };
        keys.push(ex.key.clone());
        if let Some(p) = ex.priority.as_deref().and_then(go_atoi) {
            if p > highest {
                highest = p;
                selected = i;
            }
        }
    }
    let pass = exceptions
        .get(selected)
        .and_then(|e| e.report_result.as_deref())
        == Some("pass");
    let (status, verb) = if pass {
        (RuleStatus::Pass, "passed")
    } else {
        (RuleStatus::Skip, "skipped")
    };
    let mut r = RuleResponse::new(
        "exception",
        RuleType::Validation,
        status,
        format!(
            "rule is {verb} due to policy exception: {}",
            keys.join(", ")
        ),
    );
    // Reports list the exceptions by name only (`e.GetName()`).
    let names: Vec<&str> = keys
        .iter()
        .map(|k| k.rsplit('/').next().unwrap_or(k))
        .collect();
    r.properties
        .insert("exceptions".to_string(), names.join(","));
    r
}

/// Go's `strconv.Atoi`: optional sign, decimal digits, within i64.
fn go_atoi(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}
