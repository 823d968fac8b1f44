//! `ast.dump()` of CPython 3.13, for comparing pyrt's parser with
//! CPython's node for node: optional fields that are `None` and empty list
//! fields are omitted, as 3.13 does.

use std::fmt::Write;

use super::ast::*;
use super::strrepr::repr_str;

/// Dumps `m` as `ast.dump(tree, include_attributes=attrs)` does.
pub fn dump_module(m: &Module, attrs: bool) -> String {
    let mut d = Dumper {
        out: String::new(),
        attrs,
    };
    d.out.push_str("Module(");
    if !m.body.is_empty() {
        d.out.push_str("body=");
        d.stmts(&m.body);
    }
    d.out.push(')');
    d.out
}

/// Dumps one expression (`ast.dump(ast.parse(s, mode='eval').body)`).
pub fn dump_expr(e: &Expr, attrs: bool) -> String {
    let mut d = Dumper {
        out: String::new(),
        attrs,
    };
    d.expr(e);
    d.out
}

struct Dumper {
    out: String,
    attrs: bool,
}

/// One `name=value` field writer that handles separators.
struct Fields<'a> {
    d: &'a mut Dumper,
    first: bool,
}

impl Fields<'_> {
    fn sep(&mut self, name: &str) {
        if !self.first {
            self.d.out.push_str(", ");
        }
        self.first = false;
        self.d.out.push_str(name);
        self.d.out.push('=');
    }

    fn expr(&mut self, name: &str, e: &Expr) {
        self.sep(name);
        self.d.expr(e);
    }

    fn opt_expr(&mut self, name: &str, e: Option<&Expr>) {
        if let Some(e) = e {
            self.expr(name, e);
        }
    }

    fn exprs(&mut self, name: &str, es: &[Expr]) {
        if !es.is_empty() {
            self.sep(name);
            self.d.list(es, |d, e| d.expr(e));
        }
    }

    fn stmts(&mut self, name: &str, ss: &[Stmt]) {
        if !ss.is_empty() {
            self.sep(name);
            self.d.stmts(ss);
        }
    }

    fn raw(&mut self, name: &str, v: &str) {
        self.sep(name);
        self.d.out.push_str(v);
    }

    fn s(&mut self, name: &str, v: &str) {
        self.sep(name);
        self.d.out.push_str(&repr_str(v.as_bytes()));
    }

    fn loc(&mut self, l: Loc) {
        if self.d.attrs {
            let t = format!(
                "lineno={}, col_offset={}, end_lineno={}, end_col_offset={}",
                l.line, l.col, l.end_line, l.end_col
            );
            if !self.first {
                self.d.out.push_str(", ");
            }
            self.first = false;
            self.d.out.push_str(&t);
        }
    }
}

impl Dumper {
    fn fields(&mut self) -> Fields<'_> {
        Fields {
            d: self,
            first: true,
        }
    }

    fn list<T>(&mut self, xs: &[T], mut f: impl FnMut(&mut Dumper, &T)) {
        self.out.push('[');
        for (i, x) in xs.iter().enumerate() {
            if i > 0 {
                self.out.push_str(", ");
            }
            f(self, x);
        }
        self.out.push(']');
    }

    fn stmts(&mut self, ss: &[Stmt]) {
        self.list(ss, |d, s| d.stmt(s));
    }

    fn ctx(c: Ctx) -> &'static str {
        match c {
            Ctx::Load => "Load()",
            Ctx::Store => "Store()",
            Ctx::Del => "Del()",
        }
    }

    fn arguments(&mut self, a: &Arguments) {
        self.out.push_str("arguments(");
        let mut f = self.fields();
        let args = |f: &mut Fields<'_>, name: &str, xs: &[Arg]| {
            if !xs.is_empty() {
                f.sep(name);
                f.d.list(xs, |d, a| d.arg(a));
            }
        };
        args(&mut f, "posonlyargs", &a.posonlyargs);
        args(&mut f, "args", &a.args);
        if let Some(v) = &a.vararg {
            f.sep("vararg");
            f.d.arg(v);
        }
        args(&mut f, "kwonlyargs", &a.kwonlyargs);
        if !a.kw_defaults.is_empty() {
            f.sep("kw_defaults");
            f.d.list(&a.kw_defaults, |d, e| match e {
                Some(e) => d.expr(e),
                None => d.out.push_str("None"),
            });
        }
        if let Some(v) = &a.kwarg {
            f.sep("kwarg");
            f.d.arg(v);
        }
        f.exprs("defaults", &a.defaults);
        self.out.push(')');
    }

    fn arg(&mut self, a: &Arg) {
        self.out.push_str("arg(");
        let mut f = self.fields();
        f.s("arg", &a.arg);
        f.opt_expr("annotation", a.annotation.as_deref());
        f.loc(a.loc);
        self.out.push(')');
    }

    fn keyword(&mut self, k: &Keyword) {
        self.out.push_str("keyword(");
        let mut f = self.fields();
        if let Some(a) = &k.arg {
            f.s("arg", a);
        }
        f.expr("value", &k.value);
        f.loc(k.loc);
        self.out.push(')');
    }

    fn keywords(f: &mut Fields<'_>, ks: &[Keyword]) {
        if !ks.is_empty() {
            f.sep("keywords");
            f.d.list(ks, |d, k| d.keyword(k));
        }
    }

    fn alias(&mut self, a: &Alias) {
        self.out.push_str("alias(");
        let mut f = self.fields();
        f.s("name", &a.name);
        if let Some(n) = &a.asname {
            f.s("asname", n);
        }
        f.loc(a.loc);
        self.out.push(')');
    }

    fn comprehensions(f: &mut Fields<'_>, gs: &[Comprehension]) {
        if gs.is_empty() {
            return;
        }
        f.sep("generators");
        f.d.list(gs, |d, g| {
            d.out.push_str("comprehension(");
            let mut f = d.fields();
            f.expr("target", &g.target);
            f.expr("iter", &g.iter);
            f.exprs("ifs", &g.ifs);
            f.raw("is_async", if g.is_async { "1" } else { "0" });
            d.out.push(')');
        });
    }

    fn stmt(&mut self, s: &Stmt) {
        let name = match &s.kind {
            StmtKind::FunctionDef { is_async: true, .. } => "AsyncFunctionDef",
            StmtKind::FunctionDef { .. } => "FunctionDef",
            StmtKind::ClassDef { .. } => "ClassDef",
            StmtKind::Return { .. } => "Return",
            StmtKind::Delete { .. } => "Delete",
            StmtKind::Assign { .. } => "Assign",
            StmtKind::AugAssign { .. } => "AugAssign",
            StmtKind::AnnAssign { .. } => "AnnAssign",
            StmtKind::For { is_async: true, .. } => "AsyncFor",
            StmtKind::For { .. } => "For",
            StmtKind::While { .. } => "While",
            StmtKind::If { .. } => "If",
            StmtKind::With { is_async: true, .. } => "AsyncWith",
            StmtKind::With { .. } => "With",
            StmtKind::Raise { .. } => "Raise",
            StmtKind::Try { star: true, .. } => "TryStar",
            StmtKind::Try { .. } => "Try",
            StmtKind::Assert { .. } => "Assert",
            StmtKind::Import { .. } => "Import",
            StmtKind::ImportFrom { .. } => "ImportFrom",
            StmtKind::Global { .. } => "Global",
            StmtKind::Nonlocal { .. } => "Nonlocal",
            StmtKind::Expr { .. } => "Expr",
            StmtKind::Pass => "Pass",
            StmtKind::Break => "Break",
            StmtKind::Continue => "Continue",
            StmtKind::Unsupported { .. } => "Unsupported",
        };
        self.out.push_str(name);
        self.out.push('(');
        let mut f = self.fields();
        match &s.kind {
            StmtKind::FunctionDef {
                name,
                args,
                body,
                decorator_list,
                returns,
                ..
            } => {
                f.s("name", name);
                f.sep("args");
                f.d.arguments(args);
                f.stmts("body", body);
                f.exprs("decorator_list", decorator_list);
                f.opt_expr("returns", returns.as_deref());
            }
            StmtKind::ClassDef {
                name,
                bases,
                keywords,
                body,
                decorator_list,
            } => {
                f.s("name", name);
                f.exprs("bases", bases);
                Self::keywords(&mut f, keywords);
                f.stmts("body", body);
                f.exprs("decorator_list", decorator_list);
            }
            StmtKind::Return { value } => f.opt_expr("value", value.as_ref()),
            StmtKind::Delete { targets } => f.exprs("targets", targets),
            StmtKind::Assign { targets, value } => {
                f.exprs("targets", targets);
                f.expr("value", value);
            }
            StmtKind::AugAssign { target, op, value } => {
                f.expr("target", target);
                f.raw("op", &format!("{}()", op.name()));
                f.expr("value", value);
            }
            StmtKind::AnnAssign {
                target,
                annotation,
                value,
                simple,
            } => {
                f.expr("target", target);
                f.expr("annotation", annotation);
                f.opt_expr("value", value.as_ref());
                f.raw("simple", if *simple { "1" } else { "0" });
            }
            StmtKind::For {
                target,
                iter,
                body,
                orelse,
                ..
            } => {
                f.expr("target", target);
                f.expr("iter", iter);
                f.stmts("body", body);
                f.stmts("orelse", orelse);
            }
            StmtKind::While { test, body, orelse } | StmtKind::If { test, body, orelse } => {
                f.expr("test", test);
                f.stmts("body", body);
                f.stmts("orelse", orelse);
            }
            StmtKind::With { items, body, .. } => {
                if !items.is_empty() {
                    f.sep("items");
                    f.d.list(items, |d, w| {
                        d.out.push_str("withitem(");
                        let mut f = d.fields();
                        f.expr("context_expr", &w.context_expr);
                        f.opt_expr("optional_vars", w.optional_vars.as_ref());
                        d.out.push(')');
                    });
                }
                f.stmts("body", body);
            }
            StmtKind::Raise { exc, cause } => {
                f.opt_expr("exc", exc.as_ref());
                f.opt_expr("cause", cause.as_ref());
            }
            StmtKind::Try {
                body,
                handlers,
                orelse,
                finalbody,
                ..
            } => {
                f.stmts("body", body);
                if !handlers.is_empty() {
                    f.sep("handlers");
                    f.d.list(handlers, |d, h| {
                        d.out.push_str("ExceptHandler(");
                        let mut f = d.fields();
                        f.opt_expr("type", h.typ.as_ref());
                        if let Some(n) = &h.name {
                            f.s("name", n);
                        }
                        f.stmts("body", &h.body);
                        f.loc(h.loc);
                        d.out.push(')');
                    });
                }
                f.stmts("orelse", orelse);
                f.stmts("finalbody", finalbody);
            }
            StmtKind::Assert { test, msg } => {
                f.expr("test", test);
                f.opt_expr("msg", msg.as_ref());
            }
            StmtKind::Import { names } => {
                f.sep("names");
                f.d.list(names, |d, a| d.alias(a));
            }
            StmtKind::ImportFrom {
                module,
                names,
                level,
            } => {
                if let Some(m) = module {
                    f.s("module", m);
                }
                f.sep("names");
                f.d.list(names, |d, a| d.alias(a));
                f.raw("level", &level.to_string());
            }
            StmtKind::Global { names } | StmtKind::Nonlocal { names } => {
                f.sep("names");
                let v: Vec<String> = names.iter().map(|n| repr_str(n.as_bytes())).collect();
                f.d.out.push('[');
                f.d.out.push_str(&v.join(", "));
                f.d.out.push(']');
            }
            StmtKind::Expr { value } => f.expr("value", value),
            StmtKind::Pass | StmtKind::Break | StmtKind::Continue => {}
            StmtKind::Unsupported { what } => f.s("what", what),
        }
        f.loc(s.loc);
        self.out.push(')');
    }

    fn constant(&mut self, c: &Constant) {
        match c {
            Constant::None => self.out.push_str("None"),
            Constant::Bool(true) => self.out.push_str("True"),
            Constant::Bool(false) => self.out.push_str("False"),
            Constant::Int(s) => self.out.push_str(&int_literal_decimal(s)),
            Constant::Float(v) => self.out.push_str(&super::format::float_repr(*v)),
            Constant::Complex(v) => {
                let r = super::format::float_repr(*v);
                let r = r.strip_suffix(".0").unwrap_or(&r).to_string();
                let _ = write!(self.out, "{r}j");
            }
            Constant::Str(b) => self.out.push_str(&repr_str(b)),
            Constant::Bytes(b) => self.out.push_str(&super::strrepr::repr_bytes(b)),
            Constant::Ellipsis => self.out.push_str("Ellipsis"),
        }
    }

    fn expr(&mut self, e: &Expr) {
        let name = match &e.kind {
            ExprKind::BoolOp { .. } => "BoolOp",
            ExprKind::NamedExpr { .. } => "NamedExpr",
            ExprKind::BinOp { .. } => "BinOp",
            ExprKind::UnaryOp { .. } => "UnaryOp",
            ExprKind::Lambda { .. } => "Lambda",
            ExprKind::IfExp { .. } => "IfExp",
            ExprKind::Dict { .. } => "Dict",
            ExprKind::Set { .. } => "Set",
            ExprKind::ListComp { .. } => "ListComp",
            ExprKind::SetComp { .. } => "SetComp",
            ExprKind::DictComp { .. } => "DictComp",
            ExprKind::GeneratorExp { .. } => "GeneratorExp",
            ExprKind::Await { .. } => "Await",
            ExprKind::Yield { .. } => "Yield",
            ExprKind::YieldFrom { .. } => "YieldFrom",
            ExprKind::Compare { .. } => "Compare",
            ExprKind::Call { .. } => "Call",
            ExprKind::FormattedValue { .. } => "FormattedValue",
            ExprKind::JoinedStr { .. } => "JoinedStr",
            ExprKind::Constant { .. } => "Constant",
            ExprKind::Attribute { .. } => "Attribute",
            ExprKind::Subscript { .. } => "Subscript",
            ExprKind::Starred { .. } => "Starred",
            ExprKind::Name { .. } => "Name",
            ExprKind::List { .. } => "List",
            ExprKind::Tuple { .. } => "Tuple",
            ExprKind::Slice { .. } => "Slice",
        };
        self.out.push_str(name);
        self.out.push('(');
        let mut f = self.fields();
        match &e.kind {
            ExprKind::BoolOp { op, values } => {
                f.raw("op", if *op == BoolOp::And { "And()" } else { "Or()" });
                f.exprs("values", values);
            }
            ExprKind::NamedExpr { target, value } => {
                f.expr("target", target);
                f.expr("value", value);
            }
            ExprKind::BinOp { left, op, right } => {
                f.expr("left", left);
                f.raw("op", &format!("{}()", op.name()));
                f.expr("right", right);
            }
            ExprKind::UnaryOp { op, operand } => {
                let n = match op {
                    UnaryOp::Invert => "Invert()",
                    UnaryOp::Not => "Not()",
                    UnaryOp::UAdd => "UAdd()",
                    UnaryOp::USub => "USub()",
                };
                f.raw("op", n);
                f.expr("operand", operand);
            }
            ExprKind::Lambda { args, body } => {
                f.sep("args");
                f.d.arguments(args);
                f.expr("body", body);
            }
            ExprKind::IfExp { test, body, orelse } => {
                f.expr("test", test);
                f.expr("body", body);
                f.expr("orelse", orelse);
            }
            ExprKind::Dict { keys, values } => {
                if !keys.is_empty() {
                    f.sep("keys");
                    f.d.list(keys, |d, k| match k {
                        Some(k) => d.expr(k),
                        None => d.out.push_str("None"),
                    });
                }
                f.exprs("values", values);
            }
            ExprKind::Set { elts } => f.exprs("elts", elts),
            ExprKind::ListComp { elt, generators }
            | ExprKind::SetComp { elt, generators }
            | ExprKind::GeneratorExp { elt, generators } => {
                f.expr("elt", elt);
                Self::comprehensions(&mut f, generators);
            }
            ExprKind::DictComp {
                key,
                value,
                generators,
            } => {
                f.expr("key", key);
                f.expr("value", value);
                Self::comprehensions(&mut f, generators);
            }
            ExprKind::Await { value } | ExprKind::YieldFrom { value } => f.expr("value", value),
            ExprKind::Yield { value } => f.opt_expr("value", value.as_deref()),
            ExprKind::Compare {
                left,
                ops,
                comparators,
            } => {
                f.expr("left", left);
                f.sep("ops");
                let names: Vec<String> = ops.iter().map(|o| format!("{}()", o.name())).collect();
                f.d.out.push('[');
                f.d.out.push_str(&names.join(", "));
                f.d.out.push(']');
                f.exprs("comparators", comparators);
            }
            ExprKind::Call {
                func,
                args,
                keywords,
            } => {
                f.expr("func", func);
                f.exprs("args", args);
                Self::keywords(&mut f, keywords);
            }
            ExprKind::FormattedValue {
                value,
                conversion,
                format_spec,
            } => {
                f.expr("value", value);
                f.raw("conversion", &conversion.to_string());
                f.opt_expr("format_spec", format_spec.as_deref());
            }
            ExprKind::JoinedStr { values } => f.exprs("values", values),
            ExprKind::Constant { value, kind_u } => {
                f.sep("value");
                f.d.constant(value);
                if *kind_u {
                    f.s("kind", "u");
                }
            }
            ExprKind::Attribute { value, attr, ctx } => {
                f.expr("value", value);
                f.s("attr", attr);
                f.raw("ctx", Self::ctx(*ctx));
            }
            ExprKind::Subscript { value, slice, ctx } => {
                f.expr("value", value);
                f.expr("slice", slice);
                f.raw("ctx", Self::ctx(*ctx));
            }
            ExprKind::Starred { value, ctx } => {
                f.expr("value", value);
                f.raw("ctx", Self::ctx(*ctx));
            }
            ExprKind::Name { id, ctx } => {
                f.s("id", id);
                f.raw("ctx", Self::ctx(*ctx));
            }
            ExprKind::List { elts, ctx } | ExprKind::Tuple { elts, ctx } => {
                f.exprs("elts", elts);
                f.raw("ctx", Self::ctx(*ctx));
            }
            ExprKind::Slice { lower, upper, step } => {
                f.opt_expr("lower", lower.as_deref());
                f.opt_expr("upper", upper.as_deref());
                f.opt_expr("step", step.as_deref());
            }
        }
        f.loc(e.loc);
        self.out.push(')');
    }
}

/// The decimal text of an int literal stored as `radix:digits`.
pub(crate) fn int_literal_decimal(s: &str) -> String {
    let (radix, digits) = s.split_once(':').unwrap_or(("10", s));
    let radix: u32 = radix.parse().unwrap_or(10);
    match num_bigint::BigInt::parse_bytes(digits.as_bytes(), radix) {
        Some(v) => v.to_string(),
        None => digits.to_string(),
    }
}
