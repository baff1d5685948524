//! cel-go's `HomogeneousAggregateLiterals` validator, run after checking:
//! the elements of a list literal, and the keys and the values of a map
//! literal, must all have the same type (`dyn` counts as a type of its own).
//! Literals anywhere inside a `format` call are exempt (strings extension).

use cel::common::ast::{EntryExpr, Expr, IdedExpr};

use super::checker::{Checker, MAX_NESTING};

/// Functions whose arguments are exempt (cel-go's strings extension adds
/// `format`).
const EXEMPT: &[&str] = &["format"];

pub(crate) fn validate(c: &mut Checker<'_>, e: &IdedExpr) {
    walk(c, e, false, 0);
}

fn walk(c: &mut Checker<'_>, e: &IdedExpr, exempt: bool, depth: usize) {
    if depth > MAX_NESTING {
        return;
    }
    let depth = depth + 1;
    match &e.expr {
        Expr::List(list) => {
            if !exempt {
                let mut first = None;
                for (i, el) in list.elements.iter().enumerate() {
                    let mut t = c.final_type(el.id);
                    if list.optional_indices.contains(&i) {
                        t = t.unwrap_optional().0;
                    }
                    match &first {
                        None => first = Some(t),
                        Some(f) if !f.is_equivalent(&t) => {
                            mismatch(c, el.id, f.format(), t.format());
                            break;
                        }
                        Some(_) => {}
                    }
                }
            }
            for el in &list.elements {
                walk(c, el, exempt, depth);
            }
        }
        Expr::Map(map) => {
            if !exempt {
                let mut first: Option<(super::ctype::CType, super::ctype::CType)> = None;
                for entry in &map.entries {
                    let EntryExpr::MapEntry(me) = &entry.expr else {
                        continue;
                    };
                    let kt = c.final_type(me.key.id);
                    let mut vt = c.final_type(me.value.id);
                    if me.optional {
                        vt = vt.unwrap_optional().0;
                    }
                    match &first {
                        None => first = Some((kt, vt)),
                        Some((fk, fv)) => {
                            if !fk.is_equivalent(&kt) {
                                let (a, b) = (fk.format(), kt.format());
                                mismatch(c, me.key.id, a, b);
                            }
                            if !fv.is_equivalent(&vt) {
                                let (a, b) = (fv.format(), vt.format());
                                mismatch(c, me.value.id, a, b);
                            }
                        }
                    }
                }
            }
            for entry in &map.entries {
                if let EntryExpr::MapEntry(me) = &entry.expr {
                    walk(c, &me.key, exempt, depth);
                    walk(c, &me.value, exempt, depth);
                }
            }
        }
        Expr::Call(call) => {
            let exempt = exempt || EXEMPT.contains(&call.func_name.as_str());
            if let Some(t) = &call.target {
                walk(c, t, exempt, depth);
            }
            for a in &call.args {
                walk(c, a, exempt, depth);
            }
        }
        Expr::Select(sel) => walk(c, &sel.operand, exempt, depth),
        Expr::Struct(st) => {
            for entry in &st.entries {
                if let EntryExpr::StructField(f) = &entry.expr {
                    walk(c, &f.value, exempt, depth);
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
                walk(c, part, exempt, depth);
            }
        }
        Expr::Literal(_) | Expr::Ident(_) | Expr::Unspecified => {}
    }
}

fn mismatch(c: &mut Checker<'_>, id: u64, expected: String, found: String) {
    c.issues.report(
        id,
        format!("expected type '{expected}' but found '{found}'"),
    );
}
