//! The checks Kyverno and Kubernetes make on a compiled expression's output
//! type (kyverno-cel.md §7.2). Both demand the exact type: `dyn` does not
//! pass where `bool` is expected.

use super::ctype::CType;
use crate::cel::types::Type;

/// cel-go's `IsExactType` on declared types.
pub fn is_exact_type(actual: &Type, expected: &Type) -> bool {
    CType::from_type(actual).is_exact(&CType::from_type(expected))
}

/// cel-go's `TypeName()`: the name without parameters (`list`, `map`,
/// `null_type`, `google.protobuf.Timestamp`).
pub fn type_name(t: &Type) -> String {
    CType::from_type(t).type_name()
}

/// Kyverno's check (`pkg/cel/compiler`): the output must be exactly one of
/// `expected`. The message is Kyverno's: `output is expected to be of type
/// bool`, or for two types `output is expected to be either of type string
/// or null_type`.
pub fn expect_output(actual: &Type, expected: &[Type]) -> Result<(), String> {
    if expected.iter().any(|e| is_exact_type(actual, e)) {
        return Ok(());
    }
    Err(match expected {
        [one] => format!("output is expected to be of type {}", type_name(one)),
        [a, b] => format!(
            "output is expected to be either of type {} or {}",
            type_name(a),
            type_name(b)
        ),
        many => {
            let names: Vec<String> = many.iter().map(type_name).collect();
            format!("output is expected to be one of types {}", names.join(", "))
        }
    })
}

/// Kubernetes' check (`CompileCELExpression`, used for VAP, MAP and
/// `validate.cel`): `must evaluate to bool but got dyn`, or with several
/// allowed types `must evaluate to one of [bool string] but got int`.
pub fn expect_admission_output(actual: &Type, expected: &[Type]) -> Result<(), String> {
    if expected.iter().any(|e| is_exact_type(actual, e)) {
        return Ok(());
    }
    Err(match expected {
        [one] => format!("must evaluate to {one} but got {actual}"),
        many => {
            let names: Vec<String> = many.iter().map(ToString::to_string).collect();
            format!(
                "must evaluate to one of [{}] but got {actual}",
                names.join(" ")
            )
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dyn_does_not_pass_where_bool_is_expected() {
        assert_eq!(
            expect_output(&Type::Dyn, &[Type::Bool]),
            Err("output is expected to be of type bool".to_string())
        );
        assert_eq!(expect_output(&Type::Bool, &[Type::Bool]), Ok(()));
    }

    #[test]
    fn audit_annotation_values_may_be_string_or_null() {
        assert_eq!(
            expect_output(&Type::Null, &[Type::String, Type::Null]),
            Ok(())
        );
        assert_eq!(
            expect_output(&Type::Int, &[Type::String, Type::Null]),
            Err("output is expected to be either of type string or null_type".to_string())
        );
    }

    #[test]
    fn a_list_output_is_named_list_without_its_element_type() {
        assert_eq!(
            expect_output(&Type::Dyn, &[Type::list(Type::Dyn)]),
            Err("output is expected to be of type list".to_string())
        );
    }

    #[test]
    fn the_admission_check_names_both_types() {
        assert_eq!(
            expect_admission_output(&Type::Dyn, &[Type::Bool]),
            Err("must evaluate to bool but got dyn".to_string())
        );
    }
}
