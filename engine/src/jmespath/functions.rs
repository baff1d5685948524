//! Function table, argument checking and the JMESPath built-ins.
//!
//! Argument checking reproduces go-jmespath's `resolveArgs`/`typeCheck`:
//! it runs before any handler (so most of Kyverno's own `argument #N is not
//! of type` messages are unreachable), functions declared without arguments
//! accept any number, and variadic functions are not type-checked.

use super::ast::{FunctionCall, Node};
use super::interpreter::{Interp, MAX_STEPS};
use super::kyverno;
use super::value::{equal, go_fmt_v, node_count, to_go_json, Kind, Val};
use super::{Dialect, JmespathError};
use std::collections::BTreeMap;
use std::rc::Rc;

pub(crate) type R<'a> = Result<Val<'a>, JmespathError>;

/// Longest string a function may build. Kubernetes objects are at most a
/// few MiB, so legitimate results stay far below; without a cap, chains
/// such as ``replace(@, '', @, `-1`) | replace(...)`` grow quadratically
/// per step and exhaust memory long before the step budget notices.
pub(crate) const MAX_STRING_BYTES: usize = 16 << 20;

/// Errors when a function would build a string longer than
/// [`MAX_STRING_BYTES`]; callers check the computed length *before*
/// allocating.
pub(crate) fn check_string_len(name: &str, len: usize) -> Result<(), JmespathError> {
    if len > MAX_STRING_BYTES {
        return Err(JmespathError::Runtime(format!(
            "JMESPath function '{name}': result is longer than {MAX_STRING_BYTES} bytes"
        )));
    }
    Ok(())
}

/// An evaluated argument: a value, or an expression reference (`&expr`).
pub(crate) enum Arg<'a> {
    Val(Val<'a>),
    Expref(&'a Node),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum T {
    Number,
    String,
    Array,
    Object,
    ArrayNumber,
    ArrayString,
    Expref,
    Any,
}

impl T {
    fn go_name(self) -> &'static str {
        match self {
            T::Number => "number",
            T::String => "string",
            T::Array => "array",
            T::Object => "object",
            T::ArrayNumber => "array[number]",
            T::ArrayString => "array[string]",
            T::Expref => "expref",
            T::Any => "any",
        }
    }
}

pub(crate) struct Spec {
    pub types: &'static [T],
    pub variadic: bool,
}

const fn s(types: &'static [T]) -> Spec {
    Spec {
        types,
        variadic: false,
    }
}

const fn va(types: &'static [T]) -> Spec {
    Spec {
        types,
        variadic: true,
    }
}

const NUM: Spec = s(&[T::Number]);
const STR: Spec = s(&[T::String]);
const ARR: Spec = s(&[T::Array]);
const OBJ: Spec = s(&[T::Object]);
const ANY: Spec = s(&[T::Any]);
const EXP: Spec = s(&[T::Expref]);
const STR_NUM: Spec = s(&[T::String, T::Number]);

pub(crate) type Handler = for<'a, 'r, 'h> fn(&Interp<'r, 'h>, &'a FunctionCall, Args<'a>) -> R<'a>;

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Avail {
    Both,
    Standard,
    Kyverno,
}

pub(crate) struct FnDef {
    pub name: &'static str,
    pub avail: Avail,
    pub args: &'static [Spec],
    pub ret: &'static str,
    pub note: &'static str,
    pub handler: Handler,
}

macro_rules! f {
    ($name:expr, $avail:ident, [$($arg:expr),*], $ret:expr, $note:expr, $h:expr) => {
        FnDef { name: $name, avail: Avail::$avail, args: &[$($arg),*], ret: $ret, note: $note, handler: $h }
    };
}

pub(crate) static TABLE: &[FnDef] = &[
    // JMESPath built-ins (go-jmespath).
    f!("abs", Both, [NUM], "number", "", abs),
    f!("avg", Both, [s(&[T::ArrayNumber])], "number", "", avg),
    f!("ceil", Both, [NUM], "number", "", ceil),
    f!("contains", Both, [s(&[T::Array, T::String]), ANY], "bool", "", contains),
    f!("ends_with", Both, [STR, STR], "bool", "", ends_with),
    f!("floor", Both, [NUM], "number", "", floor),
    f!("join", Both, [STR, s(&[T::ArrayString])], "string", "", join),
    f!("keys", Both, [OBJ], "array[string]", "", keys),
    f!("length", Both, [s(&[T::String, T::Array, T::Object])], "number", "", length),
    f!("map", Both, [EXP, ARR], "array", "", map),
    f!("max", Both, [s(&[T::ArrayNumber, T::ArrayString])], "number|string", "", max),
    f!("max_by", Both, [ARR, EXP], "any", "", max_by),
    f!("merge", Both, [va(&[T::Object])], "object", "", merge),
    f!("min", Both, [s(&[T::ArrayNumber, T::ArrayString])], "number|string", "", min),
    f!("min_by", Both, [ARR, EXP], "any", "", min_by),
    f!("not_null", Both, [va(&[T::Any])], "any", "", not_null),
    f!("reverse", Both, [s(&[T::Array, T::String])], "array|string", "", reverse),
    f!("sort", Both, [s(&[T::ArrayString, T::ArrayNumber])], "array", "", sort),
    f!("sort_by", Both, [ARR, EXP], "array", "", sort_by),
    f!("starts_with", Both, [STR, STR], "bool", "", starts_with),
    f!("sum", Standard, [s(&[T::ArrayNumber])], "number", "", sum),
    f!("to_array", Both, [ANY], "array", "", to_array),
    f!("to_number", Both, [ANY], "number", "", to_number),
    f!("to_string", Both, [ANY], "string", "", to_string),
    f!("type", Both, [ANY], "string", "", type_of),
    f!("values", Both, [OBJ], "array", "", values),
    // Kyverno (pkg/engine/jmespath functions.go, time.go).
    f!("compare", Kyverno, [STR, STR], "number", "compares two strings lexicographically", kyverno::strings::compare),
    f!("equal_fold", Kyverno, [STR, STR], "bool", "allows comparing two strings for equivalency where the only differences are letter cases", kyverno::strings::equal_fold),
    f!("replace", Kyverno, [STR, STR, STR, NUM], "string", "replaces a specified number of instances of the source string with the replacement string in a parent ", kyverno::strings::replace),
    f!("replace_all", Kyverno, [STR, STR, STR], "string", "replace all instances of one string with another in an overall parent string", kyverno::strings::replace_all),
    f!("to_upper", Kyverno, [STR], "string", "takes in a string and outputs the same string with all upper-case letters", kyverno::strings::to_upper),
    f!("to_lower", Kyverno, [STR], "string", "takes in a string and outputs the same string with all lower-case letters", kyverno::strings::to_lower),
    f!("trim", Kyverno, [STR, STR], "string", "trims both ends of the source string by characters appearing in the second string", kyverno::strings::trim),
    f!("trim_prefix", Kyverno, [STR, STR], "string", "trims the second string prefix from the first string if the first string starts with the prefix", kyverno::strings::trim_prefix),
    f!("split", Kyverno, [STR, STR], "array[string]", "splits the first string when the second string is found and converts it into an array ", kyverno::strings::split),
    f!("regex_replace_all", Kyverno, [STR, STR_NUM, STR_NUM], "string", "converts all parameters to string", kyverno::regexp::regex_replace_all),
    f!("regex_replace_all_literal", Kyverno, [STR, STR_NUM, STR_NUM], "string", "converts all parameters to string", kyverno::regexp::regex_replace_all_literal),
    f!("regex_match", Kyverno, [STR, STR_NUM], "bool", "first string is the regular exression which is compared with second input which can be a number or string", kyverno::regexp::regex_match),
    f!("pattern_match", Kyverno, [STR, STR_NUM], "bool", "'*' matches zero or more alphanumeric characters, '?' matches a single alphanumeric character", kyverno::strings::pattern_match),
    f!("label_match", Kyverno, [OBJ, OBJ], "bool", "object arguments must be enclosed in backticks; ex. `{{request.object.spec.template.metadata.labels}}`", kyverno::collections::label_match),
    f!("to_boolean", Kyverno, [STR], "bool", "It returns true or false for any string, such as 'True', 'TruE', 'False', 'FAlse', 'faLSE', etc.", kyverno::strings::to_boolean),
    f!("add", Kyverno, [ANY, ANY], "any", "does arithmetic addition of two specified values of numbers, quantities, and durations", kyverno::arith::add),
    f!("sum", Kyverno, [ARR], "any", "does arithmetic addition of specified array of values of numbers, quantities, and durations", kyverno::arith::sum),
    f!("subtract", Kyverno, [ANY, ANY], "any", "does arithmetic subtraction of two specified values of numbers, quantities, and durations", kyverno::arith::subtract),
    f!("multiply", Kyverno, [ANY, ANY], "any", "does arithmetic multiplication of two specified values of numbers, quantities, and durations", kyverno::arith::multiply),
    f!("divide", Kyverno, [ANY, ANY], "any", "divisor must be non zero", kyverno::arith::divide),
    f!("modulo", Kyverno, [ANY, ANY], "any", "divisor must be non-zero, arguments must be integers", kyverno::arith::modulo),
    f!("round", Kyverno, [NUM, NUM], "number", "does roundoff to upto the given decimal places", kyverno::arith::round),
    f!("base64_decode", Kyverno, [STR], "string", "decodes a base 64 string", kyverno::encoding::base64_decode),
    f!("base64_encode", Kyverno, [STR], "string", "encodes a regular, plaintext and unencoded string to base64", kyverno::encoding::base64_encode),
    f!("time_since", Kyverno, [STR, STR, STR], "string", "calculate the difference between a start and end period of time where the end may either be a static definition or the then-current time", kyverno::time::time_since),
    f!("time_now", Kyverno, [], "string", "returns current time in RFC 3339 format", kyverno::time::time_now),
    f!("time_now_utc", Kyverno, [], "string", "returns current UTC time in RFC 3339 format", kyverno::time::time_now_utc),
    f!("path_canonicalize", Kyverno, [STR], "string", "normalizes or canonicalizes a given path by removing excess slashes", kyverno::strings::path_canonicalize),
    f!("truncate", Kyverno, [STR, NUM], "string", "length argument must be enclosed in backticks; ex. \"{{request.object.metadata.name | truncate(@, `9`)}}\"", kyverno::strings::truncate),
    f!("semver_compare", Kyverno, [STR, STR], "bool", "compares two strings which comply with the semantic versioning schema and outputs a boolean response as to the position of the second relative to the first", kyverno::semver::semver_compare),
    f!("parse_json", Kyverno, [STR], "any", "decodes a valid JSON encoded string to the appropriate type. Opposite of `to_string` function", kyverno::encoding::parse_json),
    f!("parse_yaml", Kyverno, [STR], "any", "decodes a valid YAML encoded string to the appropriate type provided it can be represented as JSON", kyverno::encoding::parse_yaml),
    f!("lookup", Kyverno, [s(&[T::Object, T::Array]), STR_NUM], "any", "returns the value corresponding to the given key/index in the given object/array", kyverno::collections::lookup),
    f!("items", Kyverno, [s(&[T::Object, T::Array]), STR, STR], "array", "converts a map or array to an array of objects where each key:value is an item in the array", kyverno::collections::items),
    f!("object_from_lists", Kyverno, [ARR, ARR], "object", "converts a pair of lists containing keys and values to an object", kyverno::collections::object_from_lists),
    f!("random", Kyverno, [STR], "string", "Generates a random sequence of characters", kyverno::regexp::random),
    f!("x509_decode", Kyverno, [STR], "object", "decodes an x.509 certificate to an object. you may also use this in conjunction with `base64_decode` jmespath function to decode a base64-encoded certificate", kyverno::x509::x509_decode),
    f!("time_to_cron", Kyverno, [STR], "string", "converts a time (RFC 3339) to a cron expression (string).", kyverno::time::time_to_cron),
    f!("time_add", Kyverno, [STR, STR], "string", "adds duration (second string) to a time value (first string)", kyverno::time::time_add),
    f!("time_parse", Kyverno, [STR, STR], "string", "changes a time value of a given layout to RFC 3339", kyverno::time::time_parse),
    f!("time_utc", Kyverno, [STR], "string", "calcutes time in UTC from a given time in RFC 3339 format", kyverno::time::time_utc),
    f!("time_diff", Kyverno, [STR, STR], "string", "calculate the difference between a start and end date in RFC3339 format", kyverno::time::time_diff),
    f!("time_before", Kyverno, [STR, STR], "bool", "checks if a time is before another time, both in RFC3339 format", kyverno::time::time_before),
    f!("time_after", Kyverno, [STR, STR], "bool", "checks if a time is after another time, both in RFC3339 format", kyverno::time::time_after),
    f!("time_between", Kyverno, [STR, STR, STR], "bool", "checks if a time is between a start and end time, all in RFC3339 format", kyverno::time::time_between),
    f!("time_truncate", Kyverno, [STR, STR], "string", "returns the result of rounding time down to a multiple of duration", kyverno::time::time_truncate),
    f!("image_normalize", Kyverno, [STR], "string", "normalizes an image reference", kyverno::image::image_normalize),
    f!("is_external_url", Kyverno, [STR], "bool", "determine if a URL points to an external network address", kyverno::url::is_external_url),
    f!("sha256", Kyverno, [STR], "string", "generate unique resources name if length exceeds the limit", kyverno::encoding::sha256),
    f!("sha1", Kyverno, [STR], "string", "generate a SHA-1 hash", kyverno::encoding::sha1),
    f!("md5", Kyverno, [STR], "string", "generates an MD5 hash", kyverno::encoding::md5),
];

/// Table indices of a function name in each dialect.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FuncId {
    standard: Option<u16>,
    kyverno: Option<u16>,
}

pub(crate) fn lookup_function(name: &str) -> Option<FuncId> {
    let mut id = FuncId {
        standard: None,
        kyverno: None,
    };
    for (i, def) in TABLE.iter().enumerate() {
        if def.name != name {
            continue;
        }
        let i = u16::try_from(i).ok();
        if matches!(def.avail, Avail::Both | Avail::Standard) && id.standard.is_none() {
            id.standard = i;
        }
        if matches!(def.avail, Avail::Both | Avail::Kyverno) && id.kyverno.is_none() {
            id.kyverno = i;
        }
    }
    if id.standard.is_none() && id.kyverno.is_none() {
        None
    } else {
        Some(id)
    }
}

/// Validated arguments of one call, with typed accessors. The accessors
/// return errors instead of panicking even though the signature check has
/// already run, so a table mistake can never crash the engine.
pub(crate) struct Args<'a> {
    pub name: &'static str,
    items: Vec<Arg<'a>>,
}

impl<'a> Args<'a> {
    fn type_error(&self, i: usize, expected: &str) -> JmespathError {
        JmespathError::InvalidType(format!(
            "JMESPath function '{}': argument #{} is not of type {}",
            self.name,
            i + 1,
            expected
        ))
    }

    pub(crate) fn val(&self, i: usize) -> Result<&Val<'a>, JmespathError> {
        match self.items.get(i) {
            Some(Arg::Val(v)) => Ok(v),
            Some(Arg::Expref(_)) => Err(self.type_error(i, "any")),
            None => Err(JmespathError::InvalidArity(format!(
                "JMESPath function '{}': {} argument is out of bounds ({})",
                self.name,
                i + 1,
                self.items.len()
            ))),
        }
    }

    pub(crate) fn take(&mut self, i: usize) -> Result<Val<'a>, JmespathError> {
        self.val(i)?;
        match self.items.get_mut(i) {
            Some(Arg::Val(v)) => Ok(std::mem::replace(v, Val::Null)),
            _ => Err(self.type_error(i, "any")),
        }
    }

    pub(crate) fn str(&self, i: usize) -> Result<&str, JmespathError> {
        self.val(i)?
            .as_str()
            .ok_or_else(|| self.type_error(i, "string"))
    }

    pub(crate) fn num(&self, i: usize) -> Result<f64, JmespathError> {
        self.val(i)?
            .as_f64()
            .ok_or_else(|| self.type_error(i, "float64"))
    }

    pub(crate) fn expref(&self, i: usize) -> Result<&'a Node, JmespathError> {
        match self.items.get(i) {
            Some(Arg::Expref(n)) => Ok(n),
            _ => Err(self.type_error(i, "expref")),
        }
    }

    pub(crate) fn all_values(self) -> Vec<Val<'a>> {
        self.items
            .into_iter()
            .map(|a| match a {
                Arg::Val(v) => v,
                Arg::Expref(_) => Val::Null,
            })
            .collect()
    }
}

fn type_matches(t: T, arg: &Arg<'_>) -> bool {
    let v = match arg {
        Arg::Expref(_) => return t == T::Expref,
        Arg::Val(v) => v.view(),
    };
    match t {
        T::Number => v.kind() == Kind::Number,
        T::String => v.kind() == Kind::String,
        T::Array => v.kind() == Kind::Array,
        T::Object => v.kind() == Kind::Object,
        T::ArrayNumber => v
            .elems()
            .map(|mut it| it.all(|e| e.kind() == Kind::Number))
            .unwrap_or(false),
        T::ArrayString => v
            .elems()
            .map(|mut it| it.all(|e| e.kind() == Kind::String))
            .unwrap_or(false),
        T::Expref => false,
        T::Any => true,
    }
}

fn check_args(def: &FnDef, args: &[Arg<'_>]) -> Result<(), JmespathError> {
    let specs = def.args;
    let last_variadic = specs.last().map(|s| s.variadic).unwrap_or(false);
    if specs.is_empty() {
        return Ok(());
    }
    if !last_variadic {
        if specs.len() != args.len() {
            return Err(JmespathError::InvalidArity(
                "incorrect number of args".to_string(),
            ));
        }
        for (spec, arg) in specs.iter().zip(args) {
            if !spec.types.iter().any(|t| type_matches(*t, arg)) {
                let mut shown = String::new();
                match arg {
                    Arg::Val(v) => go_fmt_v(v.view(), &mut shown),
                    Arg::Expref(_) => shown.push_str("{<expref>}"),
                }
                let expected: Vec<String> = spec
                    .types
                    .iter()
                    .map(|t| format!("{:?}", t.go_name()))
                    .collect();
                return Err(JmespathError::InvalidType(format!(
                    "Invalid type for: {shown}, expected: []jmespath.JpType{{{}}}",
                    expected.join(", ")
                )));
            }
        }
        return Ok(());
    }
    if args.len() < specs.len() {
        return Err(JmespathError::InvalidArity("Invalid arity.".to_string()));
    }
    Ok(())
}

pub(crate) fn call_function<'a>(
    it: &Interp<'_, '_>,
    call: &'a FunctionCall,
    args: Vec<Arg<'a>>,
) -> R<'a> {
    let index = call.id.and_then(|id| match it.rt.dialect {
        Dialect::Standard => id.standard,
        Dialect::Kyverno => id.kyverno,
    });
    let def = match index.and_then(|i| TABLE.get(usize::from(i))) {
        Some(d) => d,
        None => return Err(JmespathError::UnknownFunction(call.name.clone())),
    };
    check_args(def, &args)?;
    // Every function that takes a string reads all of it, some doing real
    // work per byte (case mapping, hashing, regexes): one step per 16.
    let read: usize = args
        .iter()
        .filter_map(|a| match a {
            Arg::Val(v) => v.as_str().map(str::len),
            Arg::Expref(_) => None,
        })
        .sum();
    it.charge(read as u64 / 16)?;
    let out = (def.handler)(
        it,
        call,
        Args {
            name: def.name,
            items: args,
        },
    )?;
    // Functions that grow their input by a constant factor (`base64_encode`,
    // `to_upper`...) are not checked individually; this catches a chain of
    // them before it compounds. Functions whose result can outgrow that
    // check before it runs (`replace`, `join`...) check the length first.
    if let Val::Str(s) = &out {
        check_string_len(def.name, s.len())?;
        it.charge(string_steps(s.len()))?;
    }
    Ok(out)
}

/// Steps for writing `bytes` bytes of string: one per 64.
pub(crate) fn string_steps(bytes: usize) -> u64 {
    bytes as u64 / 64
}

/// Steps for building a collection of `n` new elements, each of which
/// costs an allocation of a few dozen bytes; weighted so that the budget
/// also bounds memory (about 25 bytes per step).
pub(crate) const ELEMENT_STEPS: u64 = 3;

/// Steps for sorting `n` elements: one per comparison of a merge sort.
pub(crate) fn sort_steps(n: usize) -> u64 {
    let n = n as u64;
    n.saturating_mul(u64::from(u64::BITS - n.leading_zeros()))
}

// ---------------------------------------------------------------------------
// Built-ins

/// Kyverno's numbers are all float64; the standard dialect prints integral
/// results as integers like other JMESPath implementations.
pub(crate) fn number<'a>(it: &Interp<'_, '_>, f: f64) -> Val<'a> {
    if it.rt.dialect == Dialect::Standard && f.fract() == 0.0 && f.abs() < 9.0e15 {
        return Val::Own(Rc::new(serde_json::Value::from(f as i64)));
    }
    Val::Num(f)
}

fn abs<'a>(it: &Interp<'_, '_>, _: &'a FunctionCall, a: Args<'a>) -> R<'a> {
    Ok(number(it, a.num(0)?.abs()))
}

fn ceil<'a>(it: &Interp<'_, '_>, _: &'a FunctionCall, a: Args<'a>) -> R<'a> {
    Ok(number(it, a.num(0)?.ceil()))
}

fn floor<'a>(it: &Interp<'_, '_>, _: &'a FunctionCall, a: Args<'a>) -> R<'a> {
    Ok(number(it, a.num(0)?.floor()))
}

fn numbers(v: &Val<'_>) -> Vec<f64> {
    v.view()
        .elems()
        .map(|it| it.filter_map(|e| e.as_f64()).collect())
        .unwrap_or_default()
}

fn avg<'a>(it: &Interp<'_, '_>, _: &'a FunctionCall, a: Args<'a>) -> R<'a> {
    let nums = numbers(a.val(0)?);
    it.charge(nums.len() as u64)?;
    if nums.is_empty() && !it.kyverno() {
        return Ok(Val::Null);
    }
    let total: f64 = nums.iter().sum();
    Ok(number(it, total / nums.len() as f64))
}

fn sum<'a>(it: &Interp<'_, '_>, _: &'a FunctionCall, a: Args<'a>) -> R<'a> {
    let nums = numbers(a.val(0)?);
    it.charge(nums.len() as u64)?;
    Ok(number(it, nums.iter().sum()))
}

fn contains<'a>(it: &Interp<'_, '_>, _: &'a FunctionCall, a: Args<'a>) -> R<'a> {
    let hay = a.val(0)?;
    let needle = a.val(1)?;
    if let Some(n) = hay.array_len() {
        // Each comparison may walk the whole needle.
        let remaining = MAX_STEPS.saturating_sub(it.steps());
        let per_element = node_count(needle.view(), remaining.max(1));
        it.charge((n as u64).saturating_mul(per_element))?;
    }
    if let Some(s) = hay.as_str() {
        return Ok(Val::Bool(match needle.as_str() {
            Some(n) => s.contains(n),
            None => false,
        }));
    }
    let found = hay
        .view()
        .elems()
        .map(|mut it| it.any(|e| equal(e, needle.view())))
        .unwrap_or(false);
    Ok(Val::Bool(found))
}

fn starts_with<'a>(_: &Interp<'_, '_>, _: &'a FunctionCall, a: Args<'a>) -> R<'a> {
    Ok(Val::Bool(a.str(0)?.starts_with(a.str(1)?)))
}

fn ends_with<'a>(_: &Interp<'_, '_>, _: &'a FunctionCall, a: Args<'a>) -> R<'a> {
    Ok(Val::Bool(a.str(0)?.ends_with(a.str(1)?)))
}

fn join<'a>(it: &Interp<'_, '_>, _: &'a FunctionCall, a: Args<'a>) -> R<'a> {
    let sep = a.str(0)?;
    // The elements may all be the same long string (shared, so cheap to
    // hold); compute the length before building the result.
    let len = a.val(1)?.view().elems().map_or(0, |elems| {
        elems.enumerate().fold(0usize, |acc, (i, e)| {
            let sep_len = if i > 0 { sep.len() } else { 0 };
            acc.saturating_add(sep_len)
                .saturating_add(e.as_str().map_or(0, str::len))
        })
    });
    check_string_len(a.name, len)?;
    it.charge(a.val(1)?.array_len().unwrap_or(0) as u64)?;
    let mut out = String::with_capacity(len);
    if let Some(elems) = a.val(1)?.view().elems() {
        for (i, e) in elems.enumerate() {
            if i > 0 {
                out.push_str(sep);
            }
            out.push_str(e.as_str().unwrap_or(""));
        }
    }
    Ok(Val::string(out))
}

fn keys<'a>(it: &Interp<'_, '_>, _: &'a FunctionCall, a: Args<'a>) -> R<'a> {
    let v = a.val(0)?;
    it.charge(ELEMENT_STEPS * v.view().object_len().unwrap_or(0) as u64)?;
    let keys = v.object_keys().unwrap_or_default();
    Ok(Val::list(keys.into_iter().map(Val::string).collect()))
}

fn values<'a>(it: &Interp<'_, '_>, _: &'a FunctionCall, mut a: Args<'a>) -> R<'a> {
    let v = a.take(0)?;
    it.charge(v.view().object_len().unwrap_or(0) as u64)?;
    Ok(Val::list(v.object_values().unwrap_or_default()))
}

fn length<'a>(it: &Interp<'_, '_>, _: &'a FunctionCall, a: Args<'a>) -> R<'a> {
    let v = a.val(0)?.view();
    let n = if let Some(s) = v.as_str() {
        s.chars().count()
    } else if let Some(n) = v.array_len() {
        n
    } else {
        v.object_len().unwrap_or(0)
    };
    Ok(number(it, n as f64))
}

fn map<'a>(it: &Interp<'_, '_>, _: &'a FunctionCall, mut a: Args<'a>) -> R<'a> {
    let e = a.expref(0)?;
    let elems = a.take(1)?.into_elements().unwrap_or_default();
    it.charge(elems.len() as u64)?;
    let mut out = Vec::with_capacity(elems.len());
    for x in elems {
        out.push(it.swallow(it.eval(e, x))?);
    }
    Ok(Val::list(out))
}

fn extreme<'a>(it: &Interp<'_, '_>, a: &Args<'a>, want_max: bool) -> R<'a> {
    let elems = a.val(0)?.elements().unwrap_or_default();
    it.charge(elems.len() as u64)?;
    let mut best: Option<Val<'a>> = None;
    for e in elems {
        best = match best {
            None => Some(e),
            Some(b) => {
                let better = match (e.as_f64(), b.as_f64(), e.as_str(), b.as_str()) {
                    (Some(x), Some(y), _, _) => {
                        if want_max {
                            x > y
                        } else {
                            x < y
                        }
                    }
                    (_, _, Some(x), Some(y)) => {
                        if want_max {
                            x > y
                        } else {
                            x < y
                        }
                    }
                    _ => false,
                };
                Some(if better { e } else { b })
            }
        };
    }
    Ok(best.unwrap_or(Val::Null))
}

fn max<'a>(it: &Interp<'_, '_>, _: &'a FunctionCall, a: Args<'a>) -> R<'a> {
    extreme(it, &a, true)
}

fn min<'a>(it: &Interp<'_, '_>, _: &'a FunctionCall, a: Args<'a>) -> R<'a> {
    extreme(it, &a, false)
}

#[derive(Clone, Copy, PartialEq)]
enum KeyKind {
    Num,
    Str,
}

fn by_key_kind(v: &Val<'_>) -> Option<KeyKind> {
    match v.kind() {
        Kind::Number => Some(KeyKind::Num),
        Kind::String => Some(KeyKind::Str),
        _ => None,
    }
}

fn extreme_by<'a>(it: &Interp<'_, '_>, mut a: Args<'a>, want_max: bool) -> R<'a> {
    let e = a.expref(1)?;
    let elems = a.take(0)?.into_elements().unwrap_or_default();
    if elems.len() <= 1 {
        return Ok(elems.into_iter().next().unwrap_or(Val::Null));
    }
    let mut best_idx = 0;
    let first = elems.first().cloned().unwrap_or(Val::Null);
    let first = it.swallow(it.eval(e, first))?;
    let kind = by_key_kind(&first).ok_or_else(|| {
        JmespathError::InvalidType("invalid type, must be number of string".into())
    })?;
    let mut best = first;
    for (i, x) in elems.iter().enumerate().skip(1) {
        let k = it.swallow(it.eval(e, x.clone()))?;
        let better = match kind {
            KeyKind::Num => {
                let (Some(c), Some(b)) = (k.as_f64(), best.as_f64()) else {
                    return Err(JmespathError::InvalidType(
                        "invalid type, must be number".into(),
                    ));
                };
                if want_max {
                    c > b
                } else {
                    c < b
                }
            }
            KeyKind::Str => {
                let (Some(c), Some(b)) = (k.as_str(), best.as_str()) else {
                    return Err(JmespathError::InvalidType(
                        "invalid type, must be string".into(),
                    ));
                };
                if want_max {
                    c > b
                } else {
                    c < b
                }
            }
        };
        if better {
            best = k;
            best_idx = i;
        }
    }
    Ok(elems.into_iter().nth(best_idx).unwrap_or(Val::Null))
}

fn max_by<'a>(it: &Interp<'_, '_>, _: &'a FunctionCall, a: Args<'a>) -> R<'a> {
    extreme_by(it, a, true)
}

fn min_by<'a>(it: &Interp<'_, '_>, _: &'a FunctionCall, a: Args<'a>) -> R<'a> {
    extreme_by(it, a, false)
}

fn merge<'a>(it: &Interp<'_, '_>, _: &'a FunctionCall, a: Args<'a>) -> R<'a> {
    let mut out: BTreeMap<String, Val<'a>> = BTreeMap::new();
    for (i, v) in a.all_values().into_iter().enumerate() {
        it.charge(ELEMENT_STEPS * v.view().object_len().unwrap_or(0) as u64)?;
        let entries = v.entries().ok_or_else(|| {
            JmespathError::InvalidType(format!(
                "JMESPath function 'merge': argument #{} is not of type object",
                i + 1
            ))
        })?;
        out.extend(entries);
    }
    Ok(Val::Map(Rc::new(out)))
}

fn not_null<'a>(_: &Interp<'_, '_>, _: &'a FunctionCall, a: Args<'a>) -> R<'a> {
    Ok(a.all_values()
        .into_iter()
        .find(|v| !v.is_null())
        .unwrap_or(Val::Null))
}

fn reverse<'a>(it: &Interp<'_, '_>, _: &'a FunctionCall, mut a: Args<'a>) -> R<'a> {
    let v = a.take(0)?;
    it.charge(v.array_len().unwrap_or(0) as u64)?;
    if let Some(s) = v.as_str() {
        return Ok(Val::string(s.chars().rev().collect()));
    }
    let mut elems = v.into_elements().unwrap_or_default();
    elems.reverse();
    Ok(Val::list(elems))
}

fn sort<'a>(it: &Interp<'_, '_>, _: &'a FunctionCall, mut a: Args<'a>) -> R<'a> {
    let v = a.take(0)?;
    it.charge(sort_steps(v.array_len().unwrap_or(0)))?;
    let mut elems = v.into_elements().unwrap_or_default();
    if elems.first().map(|e| e.kind()) == Some(Kind::Number) {
        elems.sort_by(|x, y| {
            let (p, q) = (x.as_f64().unwrap_or(0.0), y.as_f64().unwrap_or(0.0));
            p.partial_cmp(&q).unwrap_or(std::cmp::Ordering::Equal)
        });
    } else {
        elems.sort_by(|x, y| x.as_str().unwrap_or("").cmp(y.as_str().unwrap_or("")));
    }
    Ok(Val::list(elems))
}

fn sort_by<'a>(it: &Interp<'_, '_>, _: &'a FunctionCall, mut a: Args<'a>) -> R<'a> {
    let e = a.expref(1)?;
    let elems = a.take(0)?.into_elements().unwrap_or_default();
    if elems.len() <= 1 {
        return Ok(Val::list(elems));
    }
    it.charge(sort_steps(elems.len()))?;
    let first = elems.first().cloned().unwrap_or(Val::Null);
    let first = it.swallow(it.eval(e, first))?;
    let kind = by_key_kind(&first).ok_or_else(|| {
        JmespathError::InvalidType("invalid type, must be number of string".into())
    })?;
    let comparison_error = || JmespathError::InvalidType("error in sort_by comparison".into());
    let mut keyed: Vec<(Val<'a>, Val<'a>)> = Vec::with_capacity(elems.len());
    for (i, x) in elems.into_iter().enumerate() {
        let k = if i == 0 {
            first.clone()
        } else {
            it.eval(e, x.clone()).map_err(|_| comparison_error())?
        };
        if by_key_kind(&k) != Some(kind) {
            return Err(comparison_error());
        }
        keyed.push((k, x));
    }
    match kind {
        KeyKind::Num => keyed.sort_by(|(p, _), (q, _)| {
            let (p, q) = (p.as_f64().unwrap_or(0.0), q.as_f64().unwrap_or(0.0));
            p.partial_cmp(&q).unwrap_or(std::cmp::Ordering::Equal)
        }),
        KeyKind::Str => {
            keyed.sort_by(|(p, _), (q, _)| p.as_str().unwrap_or("").cmp(q.as_str().unwrap_or("")))
        }
    }
    Ok(Val::list(keyed.into_iter().map(|(_, x)| x).collect()))
}

fn to_array<'a>(_: &Interp<'_, '_>, _: &'a FunctionCall, mut a: Args<'a>) -> R<'a> {
    let v = a.take(0)?;
    if v.kind() == Kind::Array {
        return Ok(v);
    }
    Ok(Val::list(vec![v]))
}

fn to_string<'a>(it: &Interp<'_, '_>, _: &'a FunctionCall, mut a: Args<'a>) -> R<'a> {
    let v = a.take(0)?;
    if v.kind() == Kind::String {
        return Ok(v);
    }
    // Serialising visits every node.
    let remaining = MAX_STEPS.saturating_sub(it.steps());
    it.charge(node_count(v.view(), remaining))?;
    let mut out = String::new();
    // Serialisation stops soon after passing the cap, so a value built of
    // many references to one long string cannot exhaust memory here.
    to_go_json(v.view(), &mut out, MAX_STRING_BYTES);
    check_string_len(a.name, out.len())?;
    Ok(Val::string(out))
}

fn to_number<'a>(it: &Interp<'_, '_>, _: &'a FunctionCall, mut a: Args<'a>) -> R<'a> {
    let v = a.take(0)?;
    match v.kind() {
        Kind::Number => Ok(v),
        Kind::String => Ok(
            match crate::go::strconv::parse_float(v.as_str().unwrap_or("")) {
                Some(f) => number(it, f),
                None => Val::Null,
            },
        ),
        _ => Ok(Val::Null),
    }
}

fn type_of<'a>(_: &Interp<'_, '_>, _: &'a FunctionCall, a: Args<'a>) -> R<'a> {
    Ok(Val::str(a.val(0)?.kind().name()))
}

/// Renders a signature like Kyverno's `FunctionEntry.String()`.
pub(crate) fn signature(def: &FnDef) -> String {
    let args: Vec<String> = def
        .args
        .iter()
        .map(|a| {
            let t: Vec<&str> = a.types.iter().map(|t| t.go_name()).collect();
            let mut s = t.join("|");
            if a.variadic {
                s.push_str("...");
            }
            s
        })
        .collect();
    format!("{}({}) {}", def.name, args.join(", "), def.ret)
}
