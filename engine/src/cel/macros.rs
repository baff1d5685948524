//! Parse-time macros beyond the standard ones, expanded as cel-go expands
//! them: `cel.bind`, the two-variable comprehensions, `optMap`/`optFlatMap`,
//! the lists extension's `sortBy`, and Kyverno's `orValue` compat rewrite.

use cel::common::ast::{
    operators as op, CallExpr, ComprehensionExpr, Expr, IdedExpr, ListExpr, LiteralValue, MapExpr,
};
use cel::parser::{Macro, MacroExprHelper, ParseError};

type Expanded = Result<Option<IdedExpr>, ParseError>;

const ACCU: &str = "@result";

fn ident(h: &mut MacroExprHelper<'_>, name: &str) -> IdedExpr {
    h.next_expr(Expr::Ident(name.to_string()))
}

fn call(h: &mut MacroExprHelper<'_>, f: &str, args: Vec<IdedExpr>) -> IdedExpr {
    h.next_expr(Expr::Call(CallExpr {
        func_name: f.to_string(),
        target: None,
        args,
    }))
}

fn member(h: &mut MacroExprHelper<'_>, target: IdedExpr, f: &str, args: Vec<IdedExpr>) -> IdedExpr {
    h.next_expr(Expr::Call(CallExpr {
        func_name: f.to_string(),
        target: Some(Box::new(target)),
        args,
    }))
}

fn boolean(h: &mut MacroExprHelper<'_>, b: bool) -> IdedExpr {
    h.next_expr(Expr::Literal(LiteralValue::Boolean(b.into())))
}

fn int(h: &mut MacroExprHelper<'_>, i: i64) -> IdedExpr {
    h.next_expr(Expr::Literal(LiteralValue::Int(i.into())))
}

#[allow(clippy::too_many_arguments)]
fn fold(
    h: &mut MacroExprHelper<'_>,
    range: IdedExpr,
    var: String,
    var2: Option<String>,
    accu: &str,
    init: IdedExpr,
    cond: IdedExpr,
    step: IdedExpr,
    result: IdedExpr,
) -> IdedExpr {
    h.next_expr(Expr::Comprehension(Box::new(ComprehensionExpr {
        iter_range: range,
        iter_var: var,
        iter_var2: var2,
        accu_var: accu.to_string(),
        accu_init: init,
        loop_cond: cond,
        loop_step: step,
        result,
    })))
}

fn simple_name(h: &MacroExprHelper<'_>, e: &IdedExpr) -> Result<String, ParseError> {
    match &e.expr {
        Expr::Ident(n) => Ok(n.clone()),
        _ => Err(h.new_error(e.id, "argument must be a simple name")),
    }
}

/// The two iteration variables of a two-variable comprehension.
fn iter_vars(
    h: &MacroExprHelper<'_>,
    a: &IdedExpr,
    b: &IdedExpr,
) -> Result<(String, String), ParseError> {
    let v1 = simple_name(h, a)?;
    let v2 = simple_name(h, b)?;
    if v1 == v2 {
        return Err(h.new_error(b.id, format!("duplicate variable name: {v1}")));
    }
    if v1 == ACCU {
        return Err(h.new_error(a.id, "iteration variable overwrites accumulator variable"));
    }
    if v2 == ACCU {
        return Err(h.new_error(b.id, "iteration variable overwrites accumulator variable"));
    }
    Ok((v1, v2))
}

/// Takes the target and the arguments of a matched call.
fn take(
    target: &mut Option<IdedExpr>,
    args: &mut Vec<IdedExpr>,
) -> Option<(IdedExpr, Vec<IdedExpr>)> {
    let t = target.take()?;
    Some((t, std::mem::take(args)))
}

fn quantifier(
    kind: &'static str,
) -> impl Fn(&mut MacroExprHelper<'_>, &mut Option<IdedExpr>, &mut Vec<IdedExpr>) -> Expanded + Send + Sync
{
    move |h, target, args| {
        let Some((range, args)) = take(target, args) else {
            return Ok(None);
        };
        let [a, b, pred]: [IdedExpr; 3] = match args.try_into() {
            Ok(x) => x,
            Err(_) => return Ok(None),
        };
        let (v1, v2) = iter_vars(h, &a, &b)?;
        let expr = match kind {
            "all" => {
                let init = boolean(h, true);
                let accu = ident(h, ACCU);
                let cond = call(h, op::NOT_STRICTLY_FALSE, vec![accu]);
                let accu = ident(h, ACCU);
                let step = call(h, op::LOGICAL_AND, vec![accu, pred]);
                let result = ident(h, ACCU);
                fold(h, range, v1, Some(v2), ACCU, init, cond, step, result)
            }
            "exists" => {
                let init = boolean(h, false);
                let accu = ident(h, ACCU);
                let not = call(h, op::LOGICAL_NOT, vec![accu]);
                let cond = call(h, op::NOT_STRICTLY_FALSE, vec![not]);
                let accu = ident(h, ACCU);
                let step = call(h, op::LOGICAL_OR, vec![accu, pred]);
                let result = ident(h, ACCU);
                fold(h, range, v1, Some(v2), ACCU, init, cond, step, result)
            }
            _ => {
                let init = int(h, 0);
                let cond = boolean(h, true);
                let accu = ident(h, ACCU);
                let one = int(h, 1);
                let plus = call(h, op::ADD, vec![accu, one]);
                let accu = ident(h, ACCU);
                let step = call(h, op::CONDITIONAL, vec![pred, plus, accu]);
                let accu = ident(h, ACCU);
                let one = int(h, 1);
                let result = call(h, op::EQUALS, vec![accu, one]);
                fold(h, range, v1, Some(v2), ACCU, init, cond, step, result)
            }
        };
        Ok(Some(expr))
    }
}

/// `transformList`, `transformMap`, `transformMapEntry`, with or without a filter.
fn transform(
    kind: &'static str,
) -> impl Fn(&mut MacroExprHelper<'_>, &mut Option<IdedExpr>, &mut Vec<IdedExpr>) -> Expanded + Send + Sync
{
    move |h, target, args| {
        let Some((range, mut args)) = take(target, args) else {
            return Ok(None);
        };
        let Some(expr) = args.pop() else {
            return Ok(None);
        };
        let filter = if args.len() == 3 { args.pop() } else { None };
        let (Some(b), Some(a)) = (args.pop(), args.pop()) else {
            return Ok(None);
        };
        let (v1, v2) = iter_vars(h, &a, &b)?;
        let (init, step) = match kind {
            "list" => {
                let init = h.next_expr(Expr::List(ListExpr::new(Vec::new())));
                let accu = ident(h, ACCU);
                let one = h.next_expr(Expr::List(ListExpr::new(vec![expr])));
                (init, call(h, op::ADD, vec![accu, one]))
            }
            "map" => {
                let init = h.next_expr(Expr::Map(MapExpr::default()));
                let accu = ident(h, ACCU);
                let key = ident(h, &v1);
                (init, call(h, "cel.@mapInsert", vec![accu, key, expr]))
            }
            _ => {
                let init = h.next_expr(Expr::Map(MapExpr::default()));
                let accu = ident(h, ACCU);
                (init, call(h, "cel.@mapInsert", vec![accu, expr]))
            }
        };
        let step = match filter {
            Some(f) => {
                let accu = ident(h, ACCU);
                call(h, op::CONDITIONAL, vec![f, step, accu])
            }
            None => step,
        };
        let cond = boolean(h, true);
        let result = ident(h, ACCU);
        Ok(Some(fold(
            h,
            range,
            v1,
            Some(v2),
            ACCU,
            init,
            cond,
            step,
            result,
        )))
    }
}

/// `cel.bind(v, init, expr)`: a comprehension over an empty list whose
/// accumulator is `v`.
fn bind(
    h: &mut MacroExprHelper<'_>,
    target: &mut Option<IdedExpr>,
    args: &mut Vec<IdedExpr>,
) -> Expanded {
    if !matches!(target.as_ref().map(|t| &t.expr), Some(Expr::Ident(n)) if n == "cel") {
        return Ok(None);
    }
    let var = match args.first() {
        Some(v) => simple_name(h, v)?,
        None => return Ok(None),
    };
    let Some((_, args)) = take(target, args) else {
        return Ok(None);
    };
    let [_, init, body]: [IdedExpr; 3] = match args.try_into() {
        Ok(x) => x,
        Err(_) => return Ok(None),
    };
    let range = h.next_expr(Expr::List(ListExpr::new(Vec::new())));
    let cond = boolean(h, false);
    let step = ident(h, &var);
    Ok(Some(fold(
        h,
        range,
        "#unused".into(),
        None,
        &var,
        init,
        cond,
        step,
        body,
    )))
}

/// `opt.optMap(x, e)` → `opt.hasValue() ? optional.of(cel.bind(x, opt.value(), e)) : optional.none()`;
/// `optFlatMap` without the `optional.of`.
fn opt_map(
    flat: bool,
) -> impl Fn(&mut MacroExprHelper<'_>, &mut Option<IdedExpr>, &mut Vec<IdedExpr>) -> Expanded + Send + Sync
{
    move |h, target, args| {
        let var = match args.first() {
            Some(v) => simple_name(h, v)?,
            None => return Ok(None),
        };
        let Some((opt, args)) = take(target, args) else {
            return Ok(None);
        };
        let [_, body]: [IdedExpr; 2] = match args.try_into() {
            Ok(x) => x,
            Err(_) => return Ok(None),
        };
        let has = member(h, opt.clone(), "hasValue", vec![]);
        let value = member(h, opt, "value", vec![]);
        let range = h.next_expr(Expr::List(ListExpr::new(Vec::new())));
        let cond = boolean(h, false);
        let step = ident(h, &var);
        let bound = fold(
            h,
            range,
            "#unused".into(),
            None,
            &var,
            value,
            cond,
            step,
            body,
        );
        let then = if flat {
            bound
        } else {
            let optional = ident(h, "optional");
            member(h, optional, "of", vec![bound])
        };
        let optional = ident(h, "optional");
        let none = member(h, optional, "none", vec![]);
        Ok(Some(call(h, op::CONDITIONAL, vec![has, then, none])))
    }
}

/// `l.sortBy(x, key)` → `cel.bind(@__sortBy_input__, l, @__sortBy_input__.@sortByAssociatedKeys(@__sortBy_input__.map(x, key)))`.
fn sort_by(
    h: &mut MacroExprHelper<'_>,
    target: &mut Option<IdedExpr>,
    args: &mut Vec<IdedExpr>,
) -> Expanded {
    const INPUT: &str = "@__sortBy_input__";
    let var = match args.first() {
        Some(v) => simple_name(h, v)?,
        None => return Ok(None),
    };
    let Some((list, args)) = take(target, args) else {
        return Ok(None);
    };
    let [_, key]: [IdedExpr; 2] = match args.try_into() {
        Ok(x) => x,
        Err(_) => return Ok(None),
    };
    // The key list: `input.map(var, key)`.
    let input = ident(h, INPUT);
    let init = h.next_expr(Expr::List(ListExpr::new(Vec::new())));
    let cond = boolean(h, true);
    let accu = ident(h, ACCU);
    let one = h.next_expr(Expr::List(ListExpr::new(vec![key])));
    let step = call(h, op::ADD, vec![accu, one]);
    let result = ident(h, ACCU);
    let keys = fold(h, input, var, None, ACCU, init, cond, step, result);
    let input = ident(h, INPUT);
    let body = member(h, input, "@sortByAssociatedKeys", vec![keys]);
    let range = h.next_expr(Expr::List(ListExpr::new(Vec::new())));
    let cond = boolean(h, false);
    let step = ident(h, INPUT);
    Ok(Some(fold(
        h,
        range,
        "#unused".into(),
        None,
        INPUT,
        list,
        cond,
        step,
        body,
    )))
}

/// Kyverno's compat macro: `x.orValue(y)` → `__orValueCompat__(x, y)`.
fn or_value_compat(
    h: &mut MacroExprHelper<'_>,
    target: &mut Option<IdedExpr>,
    args: &mut Vec<IdedExpr>,
) -> Expanded {
    let Some((x, mut args)) = take(target, args) else {
        return Ok(None);
    };
    let Some(y) = args.pop() else {
        return Ok(None);
    };
    Ok(Some(call(h, "__orValueCompat__", vec![x, y])))
}

/// The macros of an environment, beyond the standard ones.
pub(crate) fn extra(two_var: bool, compat: bool) -> Vec<Macro> {
    let mut out = vec![
        Macro::receiver("bind", 3, bind),
        Macro::receiver("optMap", 2, opt_map(false)),
        Macro::receiver("optFlatMap", 2, opt_map(true)),
        Macro::receiver("sortBy", 2, sort_by),
    ];
    if two_var {
        out.extend([
            Macro::receiver("all", 3, quantifier("all")),
            Macro::receiver("exists", 3, quantifier("exists")),
            Macro::receiver("existsOne", 3, quantifier("existsOne")),
            Macro::receiver("exists_one", 3, quantifier("existsOne")),
            Macro::receiver("transformList", 3, transform("list")),
            Macro::receiver("transformList", 4, transform("list")),
            Macro::receiver("transformMap", 3, transform("map")),
            Macro::receiver("transformMap", 4, transform("map")),
            Macro::receiver("transformMapEntry", 3, transform("entry")),
            Macro::receiver("transformMapEntry", 4, transform("entry")),
        ]);
    }
    if compat {
        out.push(Macro::receiver("orValue", 1, or_value_compat));
    }
    out
}
