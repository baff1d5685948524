//! cel-go's literal validators, which the Kubernetes base environment (and
//! so ValidatingPolicy, MutatingPolicy, ImageValidatingPolicy and
//! validate.cel) enables: a string literal given to `duration`,
//! `timestamp` or `matches` must be valid when the policy is compiled, not
//! when it runs (`invalid duration argument`, at the literal).
//!
//! As in cel-go the check looks at the call's first argument whatever the
//! call style: for `s.matches('re')` that is the pattern, for
//! `matches('s', 're')` the subject.

use cel::common::ast::{EntryExpr, Expr, IdedExpr, LiteralValue};

use super::checker::{Checker, MAX_NESTING};
use crate::cel::stdlib::{regex, time};

pub(crate) fn validate(c: &mut Checker<'_>, e: &IdedExpr) {
    walk(c, e, 0);
}

fn valid(function: &str, literal: &str) -> Option<bool> {
    Some(match function {
        "duration" => time::parse_duration(literal).is_ok(),
        "timestamp" => time::parse_timestamp(literal).is_ok(),
        "matches" => regex::compile(literal).is_ok(),
        _ => return None,
    })
}

fn walk(c: &mut Checker<'_>, e: &IdedExpr, depth: usize) {
    if depth > MAX_NESTING {
        return;
    }
    let depth = depth + 1;
    match &e.expr {
        Expr::Call(call) => {
            if let Some(arg) = call.args.first() {
                if let Expr::Literal(LiteralValue::String(s)) = &arg.expr {
                    let text: &str = s;
                    if valid(&call.func_name, text) == Some(false) {
                        c.issues
                            .report(arg.id, format!("invalid {} argument", call.func_name));
                    }
                }
            }
            if let Some(t) = &call.target {
                walk(c, t, depth);
            }
            for a in &call.args {
                walk(c, a, depth);
            }
        }
        Expr::Select(sel) => walk(c, &sel.operand, depth),
        Expr::List(list) => {
            for el in &list.elements {
                walk(c, el, depth);
            }
        }
        Expr::Map(map) => {
            for entry in &map.entries {
                if let EntryExpr::MapEntry(me) = &entry.expr {
                    walk(c, &me.key, depth);
                    walk(c, &me.value, depth);
                }
            }
        }
        Expr::Struct(st) => {
            for entry in &st.entries {
                if let EntryExpr::StructField(f) = &entry.expr {
                    walk(c, &f.value, depth);
                }
            }
        }
        Expr::Comprehension(comp) => {
            for part in [
                &comp.iter_range,
                &comp.accu_init,
                &comp.loop_cond,
                &comp.loop_step,
                &comp.result,
            ] {
                walk(c, part, depth);
            }
        }
        Expr::Literal(_) | Expr::Ident(_) | Expr::Unspecified => {}
    }
}
