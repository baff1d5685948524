//! Kubernetes resource quantities (`k8s.io/apimachinery/pkg/api/resource`).
//!
//! Kyverno treats any string that `resource.ParseQuantity` accepts as a
//! number: `"1Gi"` equals `"1024Mi"`, `"500m"` is less than `"1"`, and the
//! JMESPath arithmetic functions add and subtract quantities exactly. This
//! module reproduces that parser, the exact comparison and the canonical
//! `String()` form, without floating point.
//!
//! # Representation
//!
//! A value is `mantissa × 10^exponent` with an `i128` mantissa kept free of
//! trailing zeros, so equal values have identical fields (which makes `Hash`
//! agree with `Eq`). Kubernetes uses arbitrary precision (`inf.Dec`); an
//! `i128` covers 38 significant digits, and the exponent is limited to
//! ±[`MAX_EXPONENT`]. Anything beyond that is rejected (`None`) instead of
//! being approximated.
//!
//! # Known differences from Kubernetes
//!
//! Each is deliberate and only affects inputs no real manifest contains:
//!
//! - A number needs at least one digit. Kubernetes' scanner turns a missing
//!   number into `0`, so it accepts `"-"`, `"+"`, `"."`, `"-."`, and even a
//!   bare suffix such as `"k"`, `"Mi"` or `"e3"`, all as zero.
//! - An `e`/`E` exponent must fit in `i32`. Kubernetes parses it as `int64`
//!   and then silently truncates it to `int32`.
//! - More than 38 significant digits above the nano position in a decimal
//!   quantity, or a final exponent beyond ±1000, gives `None`. (A binary
//!   quantity never fails this way: parsing caps it at 2^63-1 first.)
//! - `String()` in Kubernetes returns the original text when parsing took its
//!   int64 fast path and the text already looked canonical, so `"+1"`,
//!   `"01Ki"`, `"1E3"` and `"1.500"` print back unchanged there.
//!   [`Quantity::to_canonical_string`] always canonicalizes (`"1"`, `"1Ki"`,
//!   `"1e3"`, `"1500m"`). Kyverno's arithmetic never sees the difference
//!   because `Add`/`Sub`/`NewDecimalQuantity` drop the cached text.
//! - A DecimalSI value whose canonical exponent has no SI suffix (above `E`,
//!   as in `"1000E"`, or below `n` after arithmetic) prints with an `e`
//!   exponent (`"1e21"`). Kubernetes drops the exponent there and prints a
//!   wrong value (`"1"`); a later upstream patch makes the same `e` fallback.
//!   Likewise, a BinarySI value that is a multiple of 1024^7 (reachable only
//!   through arithmetic) keeps `Ei` rather than losing its suffix.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

/// Largest accepted magnitude of the base-10 exponent after normalisation.
/// Far beyond any real quantity, small enough that exponent arithmetic can
/// never overflow and comparisons never need more than `i128` digits.
pub const MAX_EXPONENT: i32 = 1000;

/// Parsing caps BinarySI quantities at 2^63-1 (Kubernetes' `maxAllowed`);
/// this is that cap counted in nano units, the resolution parsing keeps.
const BINARY_CAP_NANOS: u128 = (i64::MAX as u128) * 1_000_000_000;

/// How a quantity is written, remembered from its suffix so that
/// re-serialising keeps the author's style (`Format` in Kubernetes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Powers of two: `Ki`, `Mi`, `Gi`, `Ti`, `Pi`, `Ei`.
    BinarySI,
    /// SI prefixes: `n`, `u`, `m`, none, `k`, `M`, `G`, `T`, `P`, `E`.
    DecimalSI,
    /// Scientific notation: `1e3`, `5E-3`.
    DecimalExponent,
}

impl Format {
    /// The Kubernetes name of the format.
    ///
    /// ```
    /// use verno::unstable::go::quantity::Format;
    /// assert_eq!(Format::BinarySI.as_str(), "BinarySI");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Format::BinarySI => "BinarySI",
            Format::DecimalSI => "DecimalSI",
            Format::DecimalExponent => "DecimalExponent",
        }
    }
}

/// An exact Kubernetes quantity such as `"1Gi"`, `"500m"` or `"1e3"`.
///
/// Equality and ordering are numeric and ignore the format, as
/// `Quantity.Cmp` does in Kubernetes.
///
/// ```
/// use verno::unstable::go::quantity::Quantity;
/// let gi = Quantity::parse("1Gi");
/// assert!(gi.is_some());
/// assert_eq!(gi, Quantity::parse("1024Mi"));
/// assert!(Quantity::parse("100Mi") < gi);
/// ```
#[derive(Debug, Clone)]
pub struct Quantity {
    /// Never divisible by 10 unless zero; zero always has exponent 0.
    /// Never `i128::MIN`, so negation is always possible.
    mantissa: i128,
    /// Base-10 exponent, within ±`MAX_EXPONENT`.
    exponent: i32,
    format: Format,
}

/// How the suffix scales the number.
#[derive(Debug, Clone, Copy)]
enum Scale {
    /// Multiply by 10^exp.
    Decimal(i64),
    /// Multiply by 2^bits.
    Binary(u32),
}

impl Quantity {
    /// Parses a quantity like Kubernetes' `resource.ParseQuantity`.
    ///
    /// Accepts an optional sign, digits with an optional fraction (`"5"`,
    /// `"5."`, `".5"`, `"1.25"`) and one suffix: binary `Ki Mi Gi Ti Pi Ei`,
    /// decimal `n u m k M G T P E` (or none), or an exponent `e`/`E` followed
    /// by an optionally signed integer. No whitespace is allowed.
    ///
    /// As in Kubernetes, non-zero values finer than one nano are rounded away
    /// from zero to the next nano (`"0.1n"` is `1n`), and BinarySI values are
    /// capped at 2^63-1 in magnitude (`"9Ei"` is `9223372036854775807`). A
    /// BinarySI value strictly between -1 and 1 becomes DecimalSI.
    ///
    /// Returns `None` for anything Kubernetes rejects, and for the few inputs
    /// listed in the [module documentation](self) that it would accept.
    ///
    /// ```
    /// use verno::unstable::go::quantity::{Format, Quantity};
    /// let q = Quantity::parse("1.5Gi");
    /// assert_eq!(q.as_ref().map(|q| q.to_canonical_string()).as_deref(), Some("1536Mi"));
    /// assert_eq!(q.map(|q| q.format()), Some(Format::BinarySI));
    /// assert!(Quantity::parse("10 Mi").is_none());
    /// assert!(Quantity::parse("1Kb").is_none());
    /// ```
    pub fn parse(s: &str) -> Option<Quantity> {
        let Scanned {
            negative,
            int,
            frac,
            suffix,
        } = scan(s.as_bytes())?;
        let (scale, format) = interpret_suffix(suffix)?;
        if int.is_empty() && frac.is_empty() {
            // No digits: Kubernetes reads the mantissa as 0 on its fast
            // path, but its slow path (`Pi`, `Ei`, exponents below nano)
            // parses the empty text and fails.
            return match scale {
                Scale::Binary(bits) if bits >= 50 => None,
                Scale::Decimal(exp) if exp < -9 => None,
                _ => Some(Quantity::zero(format)),
            };
        }

        let mut digits = Vec::with_capacity(int.len().saturating_add(frac.len()));
        digits.extend_from_slice(int);
        digits.extend_from_slice(frac);
        let leading = digits.iter().take_while(|&&d| d == b'0').count();
        let significant = digits.get(leading..).unwrap_or_default();
        let trailing = significant.iter().rev().take_while(|&&d| d == b'0').count();
        let significant = significant
            .get(..significant.len().saturating_sub(trailing))
            .unwrap_or_default();
        if significant.is_empty() {
            return Some(Quantity::zero(format));
        }

        // Value = significant × 10^exp10 × (suffix scale).
        let exp10 = i64::try_from(trailing)
            .ok()?
            .checked_sub(i64::try_from(frac.len()).ok()?)?;
        match scale {
            Scale::Decimal(exp) => {
                parse_decimal(negative, significant, exp10.checked_add(exp)?, format)
            }
            Scale::Binary(bits) => parse_binary(negative, significant, exp10, bits),
        }
    }

    /// The canonical text, like Kubernetes' `Quantity.String()` after
    /// `CanonicalizeBytes`.
    ///
    /// The exponent (or suffix) is made as large as possible without
    /// fractional digits: `"1024Mi"` → `"1Gi"`, `"1000m"` → `"1"`, `"0.5"` →
    /// `"500m"`, `"1.5"` → `"1500m"`, `"1e3"` → `"1e3"`, `"1.5e3"` →
    /// `"1500"`. Zero is always `"0"`. A BinarySI value that is strictly
    /// between -1024 and 1024, or not a whole number, is written as
    /// DecimalSI (`"1.5Ki"` → `"1536"`, `"0.5Ki"` → `"512"`).
    ///
    /// ```
    /// use verno::unstable::go::quantity::Quantity;
    /// let canon = |s: &str| Quantity::parse(s).map(|q| q.to_canonical_string());
    /// assert_eq!(canon("1024Mi").as_deref(), Some("1Gi"));
    /// assert_eq!(canon("0.5").as_deref(), Some("500m"));
    /// assert_eq!(canon("1000m").as_deref(), Some("1"));
    /// assert_eq!(canon("1e3").as_deref(), Some("1e3"));
    /// ```
    pub fn to_canonical_string(&self) -> String {
        if self.mantissa == 0 {
            return "0".to_string();
        }
        match self.format {
            Format::BinarySI => {
                let small = cmp_magnitude(self.mantissa.unsigned_abs(), self.exponent, 1024, 0)
                    == Ordering::Less;
                let binary = if small { None } else { self.binary_string() };
                binary.unwrap_or_else(|| self.decimal_string(Format::DecimalSI))
            }
            other => self.decimal_string(other),
        }
    }

    /// The value as the nearest `f64` (±infinity beyond its range).
    ///
    /// Rounding is correct, like `AsFloat64Slow`. Kubernetes'
    /// `AsApproximateFloat64` (what Kyverno's `divide` and `modulo` use)
    /// multiplies two separately rounded floats, so it can differ in the
    /// last bit.
    ///
    /// ```
    /// use verno::unstable::go::quantity::Quantity;
    /// assert_eq!(Quantity::parse("1500m").map(|q| q.as_f64()), Some(1.5));
    /// assert_eq!(Quantity::parse("1Ki").map(|q| q.as_f64()), Some(1024.0));
    /// ```
    pub fn as_f64(&self) -> f64 {
        format!("{}e{}", self.mantissa, self.exponent)
            .parse()
            .unwrap_or(f64::NAN)
    }

    /// The format remembered from parsing (or given at construction).
    ///
    /// ```
    /// use verno::unstable::go::quantity::{Format, Quantity};
    /// assert_eq!(Quantity::parse("1Gi").map(|q| q.format()), Some(Format::BinarySI));
    /// assert_eq!(Quantity::parse("1G").map(|q| q.format()), Some(Format::DecimalSI));
    /// assert_eq!(Quantity::parse("1e9").map(|q| q.format()), Some(Format::DecimalExponent));
    /// ```
    pub fn format(&self) -> Format {
        self.format
    }

    /// Whether the value is zero (in any format).
    ///
    /// ```
    /// use verno::unstable::go::quantity::Quantity;
    /// assert_eq!(Quantity::parse("0Mi").map(|q| q.is_zero()), Some(true));
    /// ```
    pub fn is_zero(&self) -> bool {
        self.mantissa == 0
    }

    /// Builds a quantity from an `f64`, as Kyverno does with
    /// `resource.ParseQuantity(fmt.Sprintf("%v", v))`: the value is the
    /// shortest decimal that round-trips to `v` (`0.1` is exactly `100m`,
    /// not the binary fraction), rounded away from zero to a whole nano like
    /// any parsed quantity. The format is taken as given, without the
    /// BinarySI cap that applies to parsed suffixes. `None` for NaN and
    /// infinities, and for magnitudes beyond 10^1000 (impossible for `f64`).
    ///
    /// ```
    /// use verno::unstable::go::quantity::{Format, Quantity};
    /// let q = Quantity::from_f64(0.1, Format::DecimalSI);
    /// assert_eq!(q.map(|q| q.to_canonical_string()).as_deref(), Some("100m"));
    /// assert!(Quantity::from_f64(f64::NAN, Format::DecimalSI).is_none());
    /// ```
    pub fn from_f64(v: f64, format: Format) -> Option<Quantity> {
        if !v.is_finite() {
            return None;
        }
        // `{:e}` prints the shortest round-trip digits, as Go's `%v` does.
        let parsed = Quantity::parse(&format!("{v:e}"))?;
        Some(Quantity { format, ..parsed })
    }

    /// Exact sum, or `None` if it needs more than 38 significant digits.
    ///
    /// The result keeps `self`'s format unless `self` is zero, in which case
    /// it takes `other`'s, exactly like Kubernetes' `Quantity.Add` (so
    /// `0 + 1Gi` prints as `1Gi`, while `1 + 1Gi` prints in DecimalSI).
    /// Unlike parsing, no nano rounding or BinarySI cap is applied.
    ///
    /// ```
    /// use verno::unstable::go::quantity::Quantity;
    /// let (a, b) = (Quantity::parse("1Gi"), Quantity::parse("512Mi"));
    /// let sum = a.zip(b).and_then(|(a, b)| a.checked_add(&b));
    /// assert_eq!(sum.map(|q| q.to_canonical_string()).as_deref(), Some("1536Mi"));
    /// ```
    pub fn checked_add(&self, other: &Quantity) -> Option<Quantity> {
        self.add_signed(other.mantissa, other)
    }

    /// Exact difference, or `None` if it needs more than 38 significant
    /// digits. The format follows the same rule as [`Quantity::checked_add`]
    /// (Kubernetes' `Quantity.Sub`).
    ///
    /// ```
    /// use verno::unstable::go::quantity::Quantity;
    /// let (a, b) = (Quantity::parse("1"), Quantity::parse("250m"));
    /// let diff = a.zip(b).and_then(|(a, b)| a.checked_sub(&b));
    /// assert_eq!(diff.map(|q| q.to_canonical_string()).as_deref(), Some("750m"));
    /// ```
    pub fn checked_sub(&self, other: &Quantity) -> Option<Quantity> {
        self.add_signed(other.mantissa.checked_neg()?, other)
    }

    /// Exact product in `self`'s format, as Kyverno's `multiply` computes
    /// with `inf.Dec` and `NewDecimalQuantity(product, left.Format)`. No
    /// nano rounding is applied. `None` if the product needs more than 38
    /// significant digits or its exponent leaves ±[`MAX_EXPONENT`].
    ///
    /// ```
    /// use verno::unstable::go::quantity::{Format, Quantity};
    /// let a = Quantity::parse("1Gi");
    /// let b = Quantity::from_f64(1.5, Format::DecimalSI);
    /// let product = a.zip(b).and_then(|(a, b)| a.checked_mul(&b));
    /// assert_eq!(product.map(|q| q.to_canonical_string()).as_deref(), Some("1536Mi"));
    /// ```
    pub fn checked_mul(&self, other: &Quantity) -> Option<Quantity> {
        let mantissa = self.mantissa.checked_mul(other.mantissa)?;
        let exponent = i64::from(self.exponent).checked_add(i64::from(other.exponent))?;
        normalize(mantissa, exponent, self.format)
    }

    fn zero(format: Format) -> Quantity {
        Quantity {
            mantissa: 0,
            exponent: 0,
            format,
        }
    }

    /// `self + other_mantissa × 10^other.exponent`, with Kubernetes' rule
    /// that a zero receiver adopts the other operand's format.
    fn add_signed(&self, other_mantissa: i128, other: &Quantity) -> Option<Quantity> {
        let format = if self.is_zero() {
            other.format
        } else {
            self.format
        };
        if other_mantissa == 0 {
            return Some(Quantity {
                format,
                ..self.clone()
            });
        }
        if self.is_zero() {
            return normalize(other_mantissa, i64::from(other.exponent), format);
        }
        let exponent = self.exponent.min(other.exponent);
        let a = scale_up(self.mantissa, self.exponent, exponent)?;
        let b = scale_up(other_mantissa, other.exponent, exponent)?;
        normalize(a.checked_add(b)?, i64::from(exponent), format)
    }

    /// BinarySI text for a whole number, or `None` when the value is not a
    /// whole number (Kubernetes then falls back to DecimalSI so nothing is
    /// lost) or does not fit `u128` (only reachable through arithmetic).
    fn binary_string(&self) -> Option<String> {
        let exponent = u32::try_from(self.exponent).ok()?;
        let mut value = self
            .mantissa
            .unsigned_abs()
            .checked_mul(10u128.checked_pow(exponent)?)?;
        const SUFFIXES: [&str; 7] = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];
        let mut power = 0;
        while power + 1 < SUFFIXES.len() && value >= 1024 && value % 1024 == 0 {
            value /= 1024;
            power += 1;
        }
        let sign = if self.mantissa < 0 { "-" } else { "" };
        let suffix = SUFFIXES.get(power).copied().unwrap_or_default();
        Some(format!("{sign}{value}{suffix}"))
    }

    /// DecimalSI or DecimalExponent text: the exponent is lowered to a
    /// multiple of three by appending zeros to the digits.
    fn decimal_string(&self, format: Format) -> String {
        let pad = self.exponent.rem_euclid(3);
        let exponent = i64::from(self.exponent) - i64::from(pad);
        let sign = if self.mantissa < 0 { "-" } else { "" };
        let digits = self.mantissa.unsigned_abs();
        let zeros = "00".get(..usize::try_from(pad).unwrap_or(0)).unwrap_or("");
        let suffix = match (format, exponent) {
            (Format::DecimalExponent, 0) => String::new(),
            (Format::DecimalExponent, e) => format!("e{e}"),
            (_, e) => match si_suffix(e) {
                Some(s) => s.to_string(),
                None => format!("e{e}"),
            },
        };
        format!("{sign}{digits}{zeros}{suffix}")
    }
}

fn si_suffix(exponent: i64) -> Option<&'static str> {
    Some(match exponent {
        -9 => "n",
        -6 => "u",
        -3 => "m",
        0 => "",
        3 => "k",
        6 => "M",
        9 => "G",
        12 => "T",
        15 => "P",
        18 => "E",
        _ => return None,
    })
}

/// A quantity split into its textual parts.
struct Scanned<'a> {
    negative: bool,
    int: &'a [u8],
    frac: &'a [u8],
    suffix: &'a [u8],
}

/// Splits `[+-]?[0-9]*(\.[0-9]*)?` off the front; what follows is the suffix.
fn scan(s: &[u8]) -> Option<Scanned<'_>> {
    let (negative, rest) = match s.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, s),
    };
    let (int, rest) = split_digits(rest);
    let (frac, suffix) = match rest.split_first() {
        Some((b'.', after_point)) => split_digits(after_point),
        _ => (&[][..], rest),
    };
    // `parseQuantityString` reads a missing mantissa as 0 ("m", "Ki", "-",
    // "."); only the empty string is rejected (by `ParseQuantity`).
    if s.is_empty() {
        return None;
    }
    Some(Scanned {
        negative,
        int,
        frac,
        suffix,
    })
}

fn split_digits(s: &[u8]) -> (&[u8], &[u8]) {
    let n = s.iter().take_while(|c| c.is_ascii_digit()).count();
    (
        s.get(..n).unwrap_or_default(),
        s.get(n..).unwrap_or_default(),
    )
}

/// Kubernetes' suffix table; anything else starting with `e`/`E` must be a
/// `strconv.ParseInt`-valid exponent.
fn interpret_suffix(suffix: &[u8]) -> Option<(Scale, Format)> {
    let decimal = |exp| Some((Scale::Decimal(exp), Format::DecimalSI));
    let binary = |bits| Some((Scale::Binary(bits), Format::BinarySI));
    match suffix {
        b"" => decimal(0),
        b"n" => decimal(-9),
        b"u" => decimal(-6),
        b"m" => decimal(-3),
        b"k" => decimal(3),
        b"M" => decimal(6),
        b"G" => decimal(9),
        b"T" => decimal(12),
        b"P" => decimal(15),
        b"E" => decimal(18),
        b"Ki" => binary(10),
        b"Mi" => binary(20),
        b"Gi" => binary(30),
        b"Ti" => binary(40),
        b"Pi" => binary(50),
        b"Ei" => binary(60),
        [b'e' | b'E', exp @ ..] => {
            let exp = parse_exponent(exp)?;
            Some((Scale::Decimal(exp), Format::DecimalExponent))
        }
        _ => None,
    }
}

/// `[+-]?[0-9]+` within `i32`, so that exponent sums stay far from `i64`
/// limits.
fn parse_exponent(s: &[u8]) -> Option<i64> {
    let (negative, digits) = match s.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, s),
    };
    if digits.is_empty() {
        return None;
    }
    let mut value: i64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        value = value.checked_mul(10)?.checked_add(i64::from(d - b'0'))?;
        if value > i64::from(i32::MAX) + 1 {
            return None;
        }
    }
    let value = if negative { -value } else { value };
    i32::try_from(value).ok().map(i64::from)
}

/// Accumulates ASCII digits, `None` once they exceed `u128`.
fn digits_to_u128(digits: &[u8]) -> Option<u128> {
    digits.iter().try_fold(0u128, |acc, &d| {
        acc.checked_mul(10)?.checked_add(u128::from(d - b'0'))
    })
}

/// Decimal value `significant × 10^exp` (no leading or trailing zeros),
/// rounded away from zero to the nano position as Kubernetes does.
fn parse_decimal(negative: bool, significant: &[u8], exp: i64, format: Format) -> Option<Quantity> {
    let (kept, exp, round_up) = if exp < -9 {
        // Every dropped digit string ends in a non-zero digit (trailing
        // zeros were stripped), so dropping anything means rounding up.
        let dropped = (-9i64).checked_sub(exp)?;
        let keep =
            usize::try_from(dropped).map_or(0, |dropped| significant.len().saturating_sub(dropped));
        (significant.get(..keep).unwrap_or_default(), -9, true)
    } else {
        (significant, exp, false)
    };
    if !round_up {
        return from_magnitude(negative, digits_to_u128(kept)?, exp, format);
    }
    // Adding one turns trailing nines into zeros that move into the
    // exponent; doing that on the digits keeps a 39-digit `...9` input,
    // whose rounded value has only 38 significant digits, in range.
    let nines = kept.iter().rev().take_while(|&&d| d == b'9').count();
    let head = kept
        .get(..kept.len().saturating_sub(nines))
        .unwrap_or_default();
    let magnitude = digits_to_u128(head)?.checked_add(1)?;
    let exp = exp.checked_add(i64::try_from(nines).ok()?)?;
    from_magnitude(negative, magnitude, exp, format)
}

/// Binary value `significant × 10^exp10 × 2^bits`, rounded away from zero to
/// the nano position and capped at 2^63-1, computed as a whole number of
/// nanos. The cap keeps that count below 2^93, so arbitrarily long inputs
/// never overflow: an integer part too large for `u128` is simply capped,
/// and a fraction of any length is multiplied by 2^bits digit by digit.
fn parse_binary(negative: bool, significant: &[u8], exp10: i64, bits: u32) -> Option<Quantity> {
    let multiplier = 1u128.checked_shl(bits)?;
    let nano_exp = exp10.checked_add(9)?;
    let nanos = if nano_exp >= 0 {
        u32::try_from(nano_exp)
            .ok()
            .and_then(|e| 10u128.checked_pow(e))
            .and_then(|pow| digits_to_u128(significant)?.checked_mul(pow))
            .and_then(|v| v.checked_mul(multiplier))
    } else {
        // Digits below the nano position form the fraction `0.[zeros][frac]`.
        let below = nano_exp.unsigned_abs();
        let split = usize::try_from(below).map_or(0, |b| significant.len().saturating_sub(b));
        let (int_digits, frac_digits) = significant.split_at(split.min(significant.len()));
        let zeros = below.saturating_sub(u64::try_from(frac_digits.len()).unwrap_or(u64::MAX));
        let (carry, inexact) = scale_fraction(frac_digits, zeros, multiplier)?;
        digits_to_u128(int_digits)
            .and_then(|v| v.checked_mul(multiplier))
            .and_then(|v| v.checked_add(carry))
            .and_then(|v| v.checked_add(u128::from(inexact)))
    };
    let nanos = nanos.map_or(BINARY_CAP_NANOS, |n| n.min(BINARY_CAP_NANOS));
    // Kubernetes switches a BinarySI value in (-1, 1) to DecimalSI because
    // no binary suffix can express it without rounding.
    let format = if nanos < 1_000_000_000 {
        Format::DecimalSI
    } else {
        Format::BinarySI
    };
    from_magnitude(negative, nanos, -9, format)
}

/// Multiplies the decimal fraction `0.[zeros × '0'][frac]` by `multiplier`
/// (at most 2^60); returns the integer part and whether a non-zero
/// fractional part remains. The carry never exceeds `multiplier`, and once it
/// reaches zero the remaining leading zeros cannot change anything, so the
/// work is bounded by the digits present, not by `zeros`.
fn scale_fraction(frac: &[u8], mut zeros: u64, multiplier: u128) -> Option<(u128, bool)> {
    let mut carry: u128 = 0;
    let mut inexact = false;
    for &d in frac.iter().rev() {
        let t = u128::from(d - b'0')
            .checked_mul(multiplier)?
            .checked_add(carry)?;
        let digit = t % 10;
        inexact |= digit != 0;
        carry = t / 10;
    }
    while carry > 0 && zeros > 0 {
        let digit = carry % 10;
        inexact |= digit != 0;
        carry /= 10;
        zeros -= 1;
    }
    Some((carry, inexact))
}

/// Signed quantity from a `u128` magnitude. Trailing zeros are stripped
/// before narrowing to `i128`, so a 39-digit magnitude that rounding turned
/// into `...0` (e.g. `...049.5n` → `...050n`) still fits.
fn from_magnitude(
    negative: bool,
    mut magnitude: u128,
    mut exp: i64,
    format: Format,
) -> Option<Quantity> {
    while magnitude != 0 {
        let (quotient, remainder) = (magnitude / 10, magnitude % 10);
        if remainder != 0 {
            break;
        }
        magnitude = quotient;
        exp = exp.checked_add(1)?;
    }
    let mantissa = i128::try_from(magnitude).ok()?;
    normalize(if negative { -mantissa } else { mantissa }, exp, format)
}

/// Strips trailing zeros and enforces the representation's invariants.
fn normalize(mut mantissa: i128, mut exponent: i64, format: Format) -> Option<Quantity> {
    if mantissa == 0 {
        return Some(Quantity::zero(format));
    }
    if mantissa == i128::MIN {
        return None;
    }
    while mantissa % 10 == 0 {
        mantissa /= 10;
        exponent = exponent.checked_add(1)?;
    }
    if exponent.unsigned_abs() > u64::from(MAX_EXPONENT.unsigned_abs()) {
        return None;
    }
    Some(Quantity {
        mantissa,
        exponent: i32::try_from(exponent).ok()?,
        format,
    })
}

/// `mantissa × 10^(from - to)` for `from >= to`, `None` on overflow.
fn scale_up(mantissa: i128, from: i32, to: i32) -> Option<i128> {
    let shift = u32::try_from(i64::from(from) - i64::from(to)).ok()?;
    mantissa.checked_mul(10i128.checked_pow(shift)?)
}

fn decimal_digits(v: u128) -> i64 {
    v.checked_ilog10().map_or(1, |d| i64::from(d) + 1)
}

/// Compares `x × 10^ex` with `y × 10^ey` for non-zero magnitudes without
/// overflowing: first by order of magnitude, then digit-aligned.
fn cmp_magnitude(x: u128, ex: i32, y: u128, ey: i32) -> Ordering {
    let order_x = decimal_digits(x) + i64::from(ex);
    let order_y = decimal_digits(y) + i64::from(ey);
    if order_x != order_y {
        return order_x.cmp(&order_y);
    }
    // Same order of magnitude, so the exponents differ by at most 38 and
    // the aligned value has as many digits as the other mantissa; if it
    // still overflows u128 it is necessarily the larger one.
    let aligned = |m: u128, shift: i64| {
        u32::try_from(shift)
            .ok()
            .and_then(|s| 10u128.checked_pow(s))
            .and_then(|p| m.checked_mul(p))
    };
    if ex >= ey {
        aligned(x, i64::from(ex) - i64::from(ey)).map_or(Ordering::Greater, |x| x.cmp(&y))
    } else {
        aligned(y, i64::from(ey) - i64::from(ex)).map_or(Ordering::Less, |y| x.cmp(&y))
    }
}

impl Ord for Quantity {
    fn cmp(&self, other: &Self) -> Ordering {
        let (sa, sb) = (self.mantissa.signum(), other.mantissa.signum());
        if sa != sb || sa == 0 {
            return sa.cmp(&sb);
        }
        let magnitude = cmp_magnitude(
            self.mantissa.unsigned_abs(),
            self.exponent,
            other.mantissa.unsigned_abs(),
            other.exponent,
        );
        if sa > 0 {
            magnitude
        } else {
            magnitude.reverse()
        }
    }
}

impl PartialOrd for Quantity {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Quantity {
    fn eq(&self, other: &Self) -> bool {
        // Normalisation makes the representation of a value unique.
        self.mantissa == other.mantissa && self.exponent == other.exponent
    }
}

impl Eq for Quantity {}

impl Hash for Quantity {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.mantissa.hash(state);
        self.exponent.hash(state);
    }
}

/// Writes [`Quantity::to_canonical_string`].
///
/// ```
/// use verno::unstable::go::quantity::Quantity;
/// let q = Quantity::parse("2048Ki").map(|q| q.to_string());
/// assert_eq!(q.as_deref(), Some("2Mi"));
/// ```
impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_canonical_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn q(s: &str) -> Quantity {
        match Quantity::parse(s) {
            Some(q) => q,
            None => panic!("{s:?} should parse"),
        }
    }

    fn canon(s: &str) -> String {
        q(s).to_canonical_string()
    }

    /// Exact value `m × 10^e` for expectations.
    fn dq(m: i128, e: i64) -> Quantity {
        match normalize(m, e, Format::DecimalSI) {
            Some(q) => q,
            None => panic!("{m}e{e} out of range"),
        }
    }

    /// Kubernetes' TestQuantityParse table: input, value, format.
    #[test]
    fn parses_like_kubernetes() {
        use Format::*;
        let cases: &[(&str, i128, i64, Format)] = &[
            ("0", 0, 0, DecimalSI),
            ("0n", 0, 0, DecimalSI),
            ("0u", 0, 0, DecimalSI),
            ("0m", 0, 0, DecimalSI),
            ("0Ki", 0, 0, BinarySI),
            ("0k", 0, 0, DecimalSI),
            ("0Mi", 0, 0, BinarySI),
            ("0M", 0, 0, DecimalSI),
            ("0Gi", 0, 0, BinarySI),
            ("0G", 0, 0, DecimalSI),
            ("0Ti", 0, 0, BinarySI),
            ("0T", 0, 0, DecimalSI),
            ("1", 1, 0, DecimalSI),
            ("1Ki", 1024, 0, BinarySI),
            ("8Ki", 8 * 1024, 0, BinarySI),
            ("7Mi", 7 << 20, 0, BinarySI),
            ("6Gi", 6 << 30, 0, BinarySI),
            ("5Ti", 5 << 40, 0, BinarySI),
            ("4Pi", 4 << 50, 0, BinarySI),
            ("3Ei", 3 << 60, 0, BinarySI),
            ("10Ti", 10 << 40, 0, BinarySI),
            ("100Ti", 100 << 40, 0, BinarySI),
            ("5n", 5, -9, DecimalSI),
            ("4u", 4, -6, DecimalSI),
            ("3m", 3, -3, DecimalSI),
            ("9", 9, 0, DecimalSI),
            ("8k", 8, 3, DecimalSI),
            ("50k", 5, 4, DecimalSI),
            ("7M", 7, 6, DecimalSI),
            ("6G", 6, 9, DecimalSI),
            ("5T", 5, 12, DecimalSI),
            ("40T", 4, 13, DecimalSI),
            ("300T", 3, 14, DecimalSI),
            ("2P", 2, 15, DecimalSI),
            ("1E", 1, 18, DecimalSI),
            ("1E-3", 1, -3, DecimalExponent),
            ("1e3", 1, 3, DecimalExponent),
            ("1E6", 1, 6, DecimalExponent),
            ("1e9", 1, 9, DecimalExponent),
            ("1E12", 1, 12, DecimalExponent),
            ("1e15", 1, 15, DecimalExponent),
            ("1E18", 1, 18, DecimalExponent),
            ("1e14", 1, 14, DecimalExponent),
            ("1e13", 1, 13, DecimalExponent),
            ("100.035k", 100035, 0, DecimalSI),
            ("0.001", 1, -3, DecimalSI),
            ("0.0005k", 5, -1, DecimalSI),
            ("0.005", 5, -3, DecimalSI),
            ("0.05", 5, -2, DecimalSI),
            ("0.5", 5, -1, DecimalSI),
            ("0.00050k", 5, -1, DecimalSI),
            ("0.00500", 5, -3, DecimalSI),
            ("0.05000", 5, -2, DecimalSI),
            ("0.50000", 5, -1, DecimalSI),
            ("0.5e0", 5, -1, DecimalExponent),
            ("0.5e-1", 5, -2, DecimalExponent),
            ("0.5e-2", 5, -3, DecimalExponent),
            ("10.035M", 10035, 3, DecimalSI),
            ("1.2e3", 12, 2, DecimalExponent),
            ("1.3E+6", 13, 5, DecimalExponent),
            ("1.40e9", 14, 8, DecimalExponent),
            ("1.53E12", 153, 10, DecimalExponent),
            ("1.6e15", 16, 14, DecimalExponent),
            ("1.7E18", 17, 17, DecimalExponent),
            ("9.01", 901, -2, DecimalSI),
            ("8.1k", 81, 2, DecimalSI),
            ("7.123456M", 7123456, 0, DecimalSI),
            ("6.987654321G", 6987654321, 0, DecimalSI),
            ("5.444T", 5444, 9, DecimalSI),
            ("40.1T", 401, 11, DecimalSI),
            ("300.2T", 3002, 11, DecimalSI),
            ("2.5P", 25, 14, DecimalSI),
            ("1.01E", 101, 16, DecimalSI),
            // Rounded up to the next nano.
            ("3.001n", 4, -9, DecimalSI),
            ("1.1E-9", 2, -9, DecimalExponent),
            ("0.0000000001", 1, -9, DecimalSI),
            ("0.0000000005", 1, -9, DecimalSI),
            ("0.00000000050", 1, -9, DecimalSI),
            ("0.5e-9", 1, -9, DecimalExponent),
            ("0.9n", 1, -9, DecimalSI),
            ("0.00000012345", 124, -9, DecimalSI),
            ("0.00000012354", 124, -9, DecimalSI),
            // BinarySI is capped at 2^63-1.
            ("9Ei", i128::from(i64::MAX), 0, BinarySI),
            ("9223372036854775807Ki", i128::from(i64::MAX), 0, BinarySI),
            ("12E", 12, 18, DecimalSI),
            ("100.035Ki", 10243584, -2, BinarySI),
            ("0.5Mi", 512 * 1024, 0, BinarySI),
            ("0.05Gi", 536870912, -1, BinarySI),
            ("0.025Ti", 274877906944, -1, BinarySI),
            // Rounds up and changes format.
            ("0.000000000001Ki", 2, -9, DecimalSI),
            (".001", 1, -3, DecimalSI),
            (".0001k", 100, -3, DecimalSI),
            ("1.", 1, 0, DecimalSI),
            ("1.G", 1, 9, DecimalSI),
        ];
        for &(input, m, e, format) in cases {
            for (prefix, sign) in [("", 1), ("+", 1), ("-", -1)] {
                let text = format!("{prefix}{input}");
                let got = q(&text);
                assert_eq!(got, dq(sign * m, e), "{text:?}");
                assert_eq!(got.format(), format, "{text:?}");
            }
        }
    }

    #[test]
    fn rejects_invalid_input() {
        let bad = [
            "",
            "abc",
            "aoeu",
            "1.2.3",
            "1.1.M",
            "1+1.0M",
            "0.1mi",
            "0.1am",
            ".5i",
            "1i",
            "-3.01i",
            "-3.01e-",
            "10 Mi",
            " 1",
            "1 ",
            "1Kb",
            "1K",
            "1KB",
            "1ki",
            "1mi",
            "1e",
            "1e+",
            "1e-",
            "1ee3",
            "1e3.5",
            "1e1e",
            "1e+-3",
            "1Ki3",
            "1m5",
            "1.5.",
            "--1",
            "+-1",
            "1_000",
            "0x10",
            "１",
            "1µ",
            // Exponents beyond int64 (ParseInt fails) or int32 (see module docs).
            "1e99999999999999999999",
            "1e2147483648",
            "0e-2147483649",
        ];
        for s in bad {
            assert_eq!(Quantity::parse(s), None, "{s:?}");
        }
    }

    #[test]
    fn a_missing_mantissa_reads_as_zero_as_in_kubernetes() {
        // parseQuantityString: "if we stripped all numerator positions,
        // always return 0".
        for s in [
            "-", "+", ".", "-.", "k", "Mi", "m", "Ki", "e3", "-Gi", "Ti", "E", "n",
        ] {
            let q = Quantity::parse(s).unwrap_or_else(|| panic!("{s:?} must parse"));
            assert_eq!(q, Quantity::parse("0").unwrap(), "{s:?}");
        }
        // ... except where its slow path parses the empty digits and fails.
        for s in ["", "Pi", "Ei", "-Pi", "e-10"] {
            assert_eq!(Quantity::parse(s), None, "{s:?}");
        }
    }

    #[test]
    fn equality_ignores_suffix_and_format() {
        let same = [
            ("1Gi", "1024Mi"),
            ("1Gi", "1073741824"),
            ("0.5", "500m"),
            ("1e3", "1k"),
            ("1", "1000m"),
            ("1", "1000000000n"),
            ("1Ki", "1.024k"),
            ("0", "0Ki"),
            ("0", "-0"),
            ("0", "0e5"),
            ("1.5Gi", "1536Mi"),
            ("1E", "1e18"),
            ("-1m", "-0.001"),
        ];
        for (a, b) in same {
            assert_eq!(q(a), q(b), "{a} == {b}");
            assert_eq!(q(a).cmp(&q(b)), Ordering::Equal, "{a} cmp {b}");
        }
        assert_ne!(q("1Ki"), q("1k"));
        assert_ne!(q("1"), q("-1"));
    }

    #[test]
    fn ordering_is_exact() {
        let ascending = [
            "-1Ei", "-1E", "-1Gi", "-1G", "-1", "-1m", "-1n", "0", "1n", "2n", "1u", "1m", "999m",
            "1", "1001m", "1k", "1Ki", "1M", "1Mi", "100Mi", "1G", "1Gi", "1T", "1Ti", "1E", "1Ei",
            "9Ei", "1e19", "1e1000",
        ];
        for pair in ascending.windows(2) {
            if let [a, b] = pair {
                assert!(q(a) < q(b), "{a} < {b}");
                assert!(q(b) > q(a), "{b} > {a}");
            }
        }
        assert!(q("100Mi") < q("1Gi"));
        assert!(q("-1") < q("0"));
        assert!(q("1m") < q("1"));
        // Same order of magnitude, different exponents.
        assert!(
            q("123456789012345678901234567890123456") < q("123456789012345678901234567890123457")
        );
        assert!(q("1.00000000000000000000000000001e10") > q("1e10"));
        assert!(q("-1.00000000000000000000000000001e10") < q("-1e10"));
    }

    #[test]
    fn canonical_strings() {
        let cases = [
            ("1Gi", "1Gi"),
            ("1024Mi", "1Gi"),
            ("1000m", "1"),
            ("0.5", "500m"),
            ("1500m", "1500m"),
            ("1.5", "1500m"),
            ("1e3", "1e3"),
            ("1E3", "1e3"),
            ("1.5e3", "1500"),
            ("1k", "1k"),
            ("2048", "2048"),
            ("0", "0"),
            ("0Ki", "0"),
            ("-0", "0"),
            ("0e7", "0"),
            ("+1", "1"),
            ("01Ki", "1Ki"),
            ("1.500", "1500m"),
            // Kubernetes TestQuantityParseEmit.
            ("1Ki", "1Ki"),
            ("1Mi", "1Mi"),
            ("1000M", "1G"),
            (".001Ki", "1024m"),
            (".000001Ki", "1024u"),
            (".000000001Ki", "1024n"),
            (".000000000001Ki", "2n"),
            // Kubernetes TestQuantityString alternates.
            ("307200Ki", "300Mi"),
            ("1025024Mi", "1001Gi"),
            ("1024Gi", "1Ti"),
            ("0.001T", "1G"),
            ("1000u", "1m"),
            ("1.08", "1080m"),
            ("1080000000n", "1080m"),
            (".001e12", "1e9"),
            ("0.001e0", "1e-3"),
            ("1000e-12", "1e-9"),
            ("80e-3", "80e-3"),
            ("300e6", "300e6"),
            ("5Ki", "5Ki"),
            ("1.5Ki", "1536"),
            ("0.5Ki", "512"),
            ("100.035Ki", "102435840m"),
            ("1023", "1023"),
            ("1025Ki", "1025Ki"),
            ("9Ei", "9223372036854775807"),
            ("8Ei", "9223372036854775807"),
            ("7Ei", "7Ei"),
            ("12E", "12E"),
            ("1000E", "1e21"),
            ("0.00000108", "1080n"),
            ("0.00000000108", "2n"),
            ("0.000001080", "1080n"),
            // Kubernetes TestParseQuantity.
            ("999999999999999999.1", "999999999999999999100m"),
            ("9999999999999999999", "9999999999999999999"),
            ("1000000000000000000", "1E"),
            ("1.0000000000000000001E", "1000000000000000000100m"),
            ("10000000000000000000000m", "10E"),
            ("9223372036854775808.1", "9223372036854775808100m"),
            ("-9223372036854775808", "-9223372036854775808"),
            // 39 digits before rounding, 38 after (outputs from Kubernetes).
            (
                "240877965746421826007600114260262625049.0863669687n",
                "240877965746421826007600114260262625050n",
            ),
            (
                "408754003383693806096169458006171486609.3e-9",
                "408754003383693806096169458006171486610e-9",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(canon(input), want, "{input:?}");
            if want != "0" && !input.starts_with(['+', '-']) {
                assert_eq!(
                    canon(&format!("-{input}")),
                    format!("-{want}"),
                    "-{input:?}"
                );
            }
        }
    }

    #[test]
    fn canonical_binary_small_values_use_decimal() {
        // Kubernetes TestQuantityString: BinarySI below 1024 prints as DecimalSI.
        let small = Quantity {
            format: Format::BinarySI,
            ..dq(5, 0)
        };
        assert_eq!(small.to_canonical_string(), "5");
        let milli = Quantity {
            format: Format::BinarySI,
            ..dq(500, -3)
        };
        assert_eq!(milli.to_canonical_string(), "500m");
        let frac = Quantity {
            format: Format::BinarySI,
            ..dq(1234567, -3)
        };
        assert_eq!(frac.to_canonical_string(), "1234567m");
    }

    #[test]
    fn arithmetic() {
        let add = |a: &str, b: &str| q(a).checked_add(&q(b));
        let sub = |a: &str, b: &str| q(a).checked_sub(&q(b));
        let text = |r: Option<Quantity>| r.map(|r| r.to_canonical_string());

        assert_eq!(text(add("1Gi", "512Mi")).as_deref(), Some("1536Mi"));
        assert_eq!(text(add("100m", "900m")).as_deref(), Some("1"));
        assert_eq!(text(add("1", "1Gi")).as_deref(), Some("1073741825"));
        assert_eq!(add("1", "1Gi").map(|r| r.format()), Some(Format::DecimalSI));
        assert_eq!(add("1Gi", "1").map(|r| r.format()), Some(Format::BinarySI));
        // A zero receiver adopts the other format (TestQuantityAddZeroPreservesSuffix).
        assert_eq!(text(add("0", "1Gi")).as_deref(), Some("1Gi"));
        assert_eq!(text(add("0", "100m")).as_deref(), Some("100m"));
        assert_eq!(text(add("1Gi", "0")).as_deref(), Some("1Gi"));
        assert_eq!(text(sub("0", "1Gi")).as_deref(), Some("-1Gi"));
        assert_eq!(text(sub("1Gi", "0")).as_deref(), Some("1Gi"));
        assert_eq!(text(sub("1", "250m")).as_deref(), Some("750m"));
        assert_eq!(text(sub("10", "1e1")).as_deref(), Some("0"));
        assert_eq!(text(sub("1Gi", "2Gi")).as_deref(), Some("-1Gi"));
        assert_eq!(text(add("1e3", "1")).as_deref(), Some("1001"));
        // No nano rounding or cap after arithmetic.
        assert_eq!(
            text(add("8Ei", "8Ei")).as_deref(),
            Some("18446744073709551614")
        );
        assert_eq!(text(add("1n", "1e-9")).as_deref(), Some("2n"));
        // Too many digits to be exact.
        assert_eq!(add("1e1000", "1"), None);
        assert_eq!(add("1e-9", "1e1000"), None);
        // Adding a zero never needs alignment.
        assert_eq!(add("1e1000", "0"), Some(q("1e1000")));

        let mul = |a: &str, b: &str| q(a).checked_mul(&q(b));
        assert_eq!(text(mul("1Gi", "1.5")).as_deref(), Some("1536Mi"));
        assert_eq!(text(mul("1n", "0.5")).as_deref(), Some("500e-12"));
        assert_eq!(text(mul("-2k", "3")).as_deref(), Some("-6k"));
        assert_eq!(mul("1e1000", "10"), None);
    }

    #[test]
    fn float_conversions() {
        assert_eq!(q("1.5").as_f64(), 1.5);
        assert_eq!(q("-1Ki").as_f64(), -1024.0);
        assert_eq!(q("100m").as_f64(), 0.1);
        assert_eq!(q("1e1000").as_f64(), f64::INFINITY);
        assert_eq!(q("0").as_f64(), 0.0);

        let from =
            |v: f64| Quantity::from_f64(v, Format::DecimalSI).map(|q| q.to_canonical_string());
        assert_eq!(from(0.1).as_deref(), Some("100m"));
        assert_eq!(from(1.5).as_deref(), Some("1500m"));
        assert_eq!(from(-2.0).as_deref(), Some("-2"));
        assert_eq!(from(1e21).as_deref(), Some("1e21"));
        assert_eq!(from(1e-12).as_deref(), Some("1n"));
        assert_eq!(from(0.0).as_deref(), Some("0"));
        assert_eq!(from(-0.0).as_deref(), Some("0"));
        assert_eq!(from(f64::MAX).as_deref(), Some("179769313486231570e291"));
        assert_eq!(from(f64::MIN_POSITIVE).as_deref(), Some("1n"));
        assert_eq!(Quantity::from_f64(f64::NAN, Format::DecimalSI), None);
        assert_eq!(Quantity::from_f64(f64::INFINITY, Format::BinarySI), None);
        let binary = Quantity::from_f64(2048.0, Format::BinarySI);
        assert_eq!(binary.as_ref().map(|q| q.format()), Some(Format::BinarySI));
        assert_eq!(
            binary.map(|q| q.to_canonical_string()).as_deref(),
            Some("2Ki")
        );
    }

    #[test]
    fn hash_agrees_with_eq() {
        use std::collections::HashSet;
        let set: HashSet<Quantity> = ["1Gi", "1024Mi", "1073741824", "1G"]
            .iter()
            .map(|s| q(s))
            .collect();
        assert_eq!(set.len(), 2);
    }

    #[test]
    fn hostile_inputs_are_fast_and_safe() {
        let start = Instant::now();
        let long = "9".repeat(10_000);
        assert_eq!(Quantity::parse(&long), None);
        assert_eq!(
            Quantity::parse(&format!("{long}Ki"))
                .map(|q| q.to_canonical_string())
                .as_deref(),
            Some("9223372036854775807")
        );
        // Trailing zeros move into the exponent, so this is 1e9999: too large.
        assert_eq!(Quantity::parse(&format!("1{}", "0".repeat(9_999))), None);
        assert_eq!(
            Quantity::parse(&format!("1{}", "0".repeat(500))),
            Some(dq(1, 500))
        );
        // Leading zeros are free.
        assert_eq!(
            Quantity::parse(&format!("{}1", "0".repeat(10_000))),
            Some(dq(1, 0))
        );
        // Long fractions: only their nano rounding matters.
        assert_eq!(
            Quantity::parse(&format!("0.{}1", "0".repeat(10_000))),
            Some(dq(1, -9))
        );
        assert_eq!(
            Quantity::parse(&format!("1.{}", "9".repeat(10_000))),
            Some(dq(2, 0))
        );
        assert_eq!(
            Quantity::parse(&format!("0.{}Ei", "3".repeat(10_000))),
            Some(dq(384307168202282325333333334, -9))
        );
        assert_eq!(
            Quantity::parse(&format!("0.{}1Ki", "0".repeat(10_000))),
            Some(dq(1, -9))
        );
        assert_eq!(Quantity::parse("1e999999999"), None);
        assert_eq!(Quantity::parse("1e-999999999"), Some(dq(1, -9)));
        assert_eq!(Quantity::parse("1e-2147483648"), Some(dq(1, -9)));
        assert_eq!(Quantity::parse("0e999999999"), Some(dq(0, 0)));
        assert_eq!(Quantity::parse("1e1000"), Some(dq(1, 1000)));
        assert_eq!(Quantity::parse("1e1001"), None);
        assert_eq!(Quantity::parse("1e-1000Ki"), None);
        assert_eq!(
            Quantity::parse(&"1".repeat(38)),
            Some(dq(11111111111111111111111111111111111111, 0))
        );
        assert_eq!(Quantity::parse(&"1".repeat(40)), None);
        assert_eq!(Quantity::parse(&"x".repeat(10_000)), None);
        assert_eq!(Quantity::parse(&format!("1{}", "e".repeat(10_000))), None);
        assert!(start.elapsed() < Duration::from_secs(2));
    }
}
