//! The identifiers an expression reads. Callers use them to build only the
//! variables an expression can see: an admission `request` document costs
//! more to build than most checks cost to run.

use cel::common::ast::{EntryExpr, Expr, IdedExpr};

/// Every identifier of `e` (variables, comprehension variables, the roots
/// of qualified names such as `math` in `math.greatest`), sorted, without
/// duplicates. A superset of the variables the expression reads.
pub(crate) fn identifiers(e: &IdedExpr) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    // An explicit stack: macro expansion can nest deeper than the source.
    let mut stack = vec![e];
    while let Some(e) = stack.pop() {
        match &e.expr {
            Expr::Ident(name) => out.push(name.clone()),
            Expr::Select(s) => stack.push(&s.operand),
            Expr::Call(c) => {
                stack.extend(c.target.as_deref());
                stack.extend(&c.args);
            }
            Expr::List(l) => stack.extend(&l.elements),
            Expr::Map(m) => {
                for entry in &m.entries {
                    if let EntryExpr::MapEntry(me) = &entry.expr {
                        stack.push(&me.key);
                        stack.push(&me.value);
                    }
                }
            }
            Expr::Struct(s) => {
                for entry in &s.entries {
                    match &entry.expr {
                        EntryExpr::StructField(f) => stack.push(&f.value),
                        EntryExpr::MapEntry(me) => {
                            stack.push(&me.key);
                            stack.push(&me.value);
                        }
                    }
                }
            }
            Expr::Comprehension(c) => stack.extend([
                &c.iter_range,
                &c.accu_init,
                &c.loop_cond,
                &c.loop_step,
                &c.result,
            ]),
            Expr::Literal(_) | Expr::Unspecified => {}
        }
    }
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use crate::cel::{Env, EnvKind, Program};

    fn reads(source: &str, name: &str) -> bool {
        let mut env = Env::new(EnvKind::Playground);
        env.declare("request", crate::cel::Type::Dyn);
        Program::compile(&env, source).unwrap().reads(name)
    }

    #[test]
    fn reads_finds_variables_anywhere_in_the_expression() {
        assert!(reads("request.operation == 'CREATE'", "request"));
        assert!(reads("has(request.name)", "request"));
        assert!(reads(
            "[1, 2].all(x, x > 0 && request.name != '')",
            "request"
        ));
        assert!(reads("{'a': request.name}['a'] != ''", "request"));
        assert!(reads("[request][0] != null", "request"));
        assert!(reads("true ? 1 : size(request)", "request"));
        assert!(reads(
            "object.spec.containers.exists(c, c.name == request.name)",
            "request"
        ));
        assert!(!reads(
            "object.spec.containers.all(c, c.name != 'request')",
            "request"
        ));
        assert!(!reads("object.metadata.name == 'x'", "request"));
        assert!(!reads("object.request == 1", "request"));
    }
}
