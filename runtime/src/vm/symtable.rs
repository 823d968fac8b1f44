//! Scopes: which names are local, global, free or cell in each function,
//! class and module (Python/symtable.c, 3.13, for the subset).
//!
//! Comprehensions are compiled as nested functions that behave as 3.12's
//! inlined ones (their iteration variables stay private, as in CPython).

use std::collections::HashMap;
use std::rc::Rc;

use super::ast::*;
use super::error::SyntaxErr;

/// Name flags collected from one scope's body.
pub const DEF_LOCAL: u32 = 1;
/// Declared `global`.
pub const DEF_GLOBAL: u32 = 2;
/// Declared `nonlocal`.
pub const DEF_NONLOCAL: u32 = 4;
/// A parameter.
pub const DEF_PARAM: u32 = 8;
/// Read.
pub const USE: u32 = 16;
/// Imported.
pub const DEF_IMPORT: u32 = 32;

/// How a name is accessed after analysis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// A fast local.
    Local,
    /// A cell (local captured by an inner scope).
    Cell,
    /// A free variable (captured from an outer scope).
    Free,
    /// Declared global.
    GlobalExplicit,
    /// Not bound here or in an enclosing function.
    GlobalImplicit,
    /// Module and class bodies: the namespace dict.
    Name,
}

/// Scope kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScopeKind {
    /// The module.
    Module,
    /// A function or lambda.
    Function,
    /// A class body.
    Class,
    /// A comprehension or generator expression.
    Comprehension,
}

/// One analysed scope.
#[derive(Debug)]
pub struct Scope {
    /// Kind.
    pub kind: ScopeKind,
    /// Name (for qualnames).
    pub name: Rc<str>,
    /// Flags per name, in first-seen order.
    pub names: Vec<(Rc<str>, u32)>,
    /// Resolved access per name.
    pub access: HashMap<Rc<str>, Access>,
    /// Children, in source order.
    pub children: Vec<Scope>,
    /// Contains `yield`.
    pub is_generator: bool,
    /// A class body whose methods use `super()`/`__class__`.
    pub needs_class_cell: bool,
    /// Cell variable names (sorted as CPython does: alphabetically).
    pub cellvars: Vec<Rc<str>>,
    /// Free variable names.
    pub freevars: Vec<Rc<str>>,
    /// Parameters, in order.
    pub params: Vec<Rc<str>>,
    /// Line of the scope's definition (for errors).
    pub line: u32,
    /// The defining node's position (the compiler finds the scope of a
    /// node by it: a `finally` body is compiled more than once).
    pub key: (u32, u32, u32, u32),
    /// `super` or `__class__` is used directly (functions).
    pub uses_class: bool,
    /// The class whose private names (`__x`) are mangled here: a class
    /// body's own, a function's or comprehension's enclosing class's.
    pub private: Option<Rc<str>>,
    /// Where each name is in `names`.
    pos: HashMap<Rc<str>, usize>,
}

/// CPython's private name mangling (`_Py_Mangle`): in the scope of class
/// `private`, `__x` (not ending in `__`, no dot) is `_Class__x`, the class
/// name without its leading underscores (no mangling if that leaves none).
pub(crate) fn mangle(private: Option<&str>, name: &Rc<str>) -> Rc<str> {
    let Some(class) = private else {
        return name.clone();
    };
    if !name.starts_with("__") || name.ends_with("__") || name.contains('.') {
        return name.clone();
    }
    let stripped = class.trim_start_matches('_');
    if stripped.is_empty() {
        return name.clone();
    }
    Rc::from(format!("_{stripped}{name}").as_str())
}

impl Scope {
    fn new(kind: ScopeKind, name: Rc<str>, line: u32) -> Scope {
        Scope {
            kind,
            name,
            names: Vec::new(),
            access: HashMap::new(),
            children: Vec::new(),
            is_generator: false,
            needs_class_cell: false,
            cellvars: Vec::new(),
            freevars: Vec::new(),
            params: Vec::new(),
            line,
            key: (line, 0, 0, 0),
            uses_class: false,
            private: None,
            pos: HashMap::new(),
        }
    }

    /// `name` as this scope knows it (mangled when private).
    pub(crate) fn mangled(&self, name: &Rc<str>) -> Rc<str> {
        mangle(self.private.as_deref(), name)
    }

    fn add(&mut self, name: &Rc<str>, flag: u32) {
        let name = &self.mangled(name);
        if let Some(&i) = self.pos.get(name) {
            self.names[i].1 |= flag;
        } else {
            self.pos.insert(name.clone(), self.names.len());
            self.names.push((name.clone(), flag));
        }
    }

    fn flags(&self, name: &Rc<str>) -> u32 {
        self.pos
            .get(&self.mangled(name))
            .map_or(0, |&i| self.names[i].1)
    }

    /// The access of `name` in this scope.
    pub fn lookup(&self, name: &str) -> Access {
        match self.access.get(name) {
            Some(a) => *a,
            None => match self.kind {
                ScopeKind::Module | ScopeKind::Class => Access::Name,
                _ => Access::GlobalImplicit,
            },
        }
    }
}

/// The key of a scope-defining node.
pub fn loc_key(l: Loc) -> (u32, u32, u32, u32) {
    (l.line, l.col, l.end_line, l.end_col)
}

/// Builds and analyses the scopes of a module.
pub fn build(m: &Module) -> Result<Scope, SyntaxErr> {
    let mut top = Scope::new(ScopeKind::Module, Rc::from("top"), 1);
    {
        let mut b = Builder { stack: vec![] };
        b.stack.push(top);
        for s in &m.body {
            b.stmt(s)?;
        }
        top = b.stack.pop().expect("module scope");
    }
    analyze(&mut top, &[])?;
    Ok(top)
}

/// Builds the scope of one expression (`eval`).
pub fn build_expr(e: &Expr) -> Result<Scope, SyntaxErr> {
    let mut top = Scope::new(ScopeKind::Module, Rc::from("top"), 1);
    {
        let mut b = Builder { stack: vec![] };
        b.stack.push(top);
        b.expr(e)?;
        top = b.stack.pop().expect("module scope");
    }
    analyze(&mut top, &[])?;
    Ok(top)
}

struct Builder {
    stack: Vec<Scope>,
}

impl Builder {
    fn cur(&mut self) -> &mut Scope {
        self.stack.last_mut().expect("a scope")
    }

    fn def(&mut self, name: &Rc<str>, loc: Loc) -> Result<(), SyntaxErr> {
        let f = self.cur().flags(name);
        if f & DEF_GLOBAL != 0 && f & (USE | DEF_LOCAL) == 0 {
            // fine: a declared global being assigned
        }
        let _ = loc;
        self.cur().add(name, DEF_LOCAL);
        Ok(())
    }

    fn use_name(&mut self, name: &Rc<str>) {
        if &**name == "super" || &**name == "__class__" {
            self.cur().uses_class = true;
        }
        self.cur().add(name, USE);
    }

    fn stmts(&mut self, ss: &[Stmt]) -> Result<(), SyntaxErr> {
        for s in ss {
            self.stmt(s)?;
        }
        Ok(())
    }

    fn stmt(&mut self, s: &Stmt) -> Result<(), SyntaxErr> {
        match &s.kind {
            StmtKind::FunctionDef {
                name,
                args,
                body,
                decorator_list,
                returns,
                ..
            } => {
                for d in decorator_list {
                    self.expr(d)?;
                }
                self.arguments_defaults(args)?;
                // Annotations are evaluated in the enclosing scope, in
                // the compiler's order.
                for (_, e) in super::compile::annotations(args, returns.as_deref()) {
                    self.expr(e)?;
                }
                self.def(name, s.loc)?;
                let mut sc = Scope::new(ScopeKind::Function, name.clone(), s.loc.line);
                sc.key = loc_key(s.loc);
                sc.private = self.cur().private.clone();
                self.params(&mut sc, args);
                self.stack.push(sc);
                self.stmts(body)?;
                let sc = self.stack.pop().expect("function scope");
                self.cur().children.push(sc);
            }
            StmtKind::ClassDef {
                name,
                bases,
                keywords,
                body,
                decorator_list,
            } => {
                for d in decorator_list {
                    self.expr(d)?;
                }
                self.def(name, s.loc)?;
                let mut sc = Scope::new(ScopeKind::Class, name.clone(), s.loc.line);
                sc.key = loc_key(s.loc);
                sc.private = Some(name.clone());
                self.stack.push(sc);
                self.stmts(body)?;
                let sc = self.stack.pop().expect("class scope");
                self.cur().children.push(sc);
                // Bases are evaluated in the enclosing scope, after the
                // body's function is made (the compiler's child order).
                for b in bases {
                    self.expr(b)?;
                }
                for k in keywords {
                    self.expr(&k.value)?;
                }
            }
            StmtKind::Return { value } => {
                if let Some(v) = value {
                    self.expr(v)?;
                }
            }
            StmtKind::Delete { targets } => {
                for t in targets {
                    self.target(t)?;
                }
            }
            StmtKind::Assign { targets, value } => {
                self.expr(value)?;
                for t in targets {
                    self.target(t)?;
                }
            }
            StmtKind::AugAssign { target, value, .. } => {
                self.expr(value)?;
                if let ExprKind::Name { id, .. } = &target.kind {
                    self.use_name(id);
                }
                self.target(target)?;
            }
            StmtKind::AnnAssign {
                target,
                value,
                annotation,
                ..
            } => {
                if let Some(v) = value {
                    self.expr(v)?;
                }
                if value.is_some() || !matches!(target.kind, ExprKind::Name { .. }) {
                    self.target(target)?;
                } else if let ExprKind::Name { id, .. } = &target.kind {
                    // `x: int` alone makes x local in a function.
                    if self.cur().kind == ScopeKind::Function {
                        let id = id.clone();
                        self.def(&id, target.loc)?;
                    }
                }
                // A module's or class's annotations are evaluated (into
                // `__annotations__`); a function's are not.
                if matches!(self.cur().kind, ScopeKind::Module | ScopeKind::Class) {
                    self.expr(annotation)?;
                }
            }
            StmtKind::For {
                target,
                iter,
                body,
                orelse,
                ..
            } => {
                self.expr(iter)?;
                self.target(target)?;
                self.stmts(body)?;
                self.stmts(orelse)?;
            }
            StmtKind::While { test, body, orelse } | StmtKind::If { test, body, orelse } => {
                self.expr(test)?;
                self.stmts(body)?;
                self.stmts(orelse)?;
            }
            StmtKind::With { items, body, .. } => {
                for it in items {
                    self.expr(&it.context_expr)?;
                    if let Some(v) = &it.optional_vars {
                        self.target(v)?;
                    }
                }
                self.stmts(body)?;
            }
            StmtKind::Raise { exc, cause } => {
                if let Some(e) = exc {
                    self.expr(e)?;
                }
                if let Some(c) = cause {
                    self.expr(c)?;
                }
            }
            StmtKind::Try {
                body,
                handlers,
                orelse,
                finalbody,
                ..
            } => {
                self.stmts(body)?;
                for h in handlers {
                    if let Some(t) = &h.typ {
                        self.expr(t)?;
                    }
                    if let Some(n) = &h.name {
                        self.def(n, h.loc)?;
                    }
                    self.stmts(&h.body)?;
                }
                self.stmts(orelse)?;
                self.stmts(finalbody)?;
            }
            StmtKind::Assert { test, msg } => {
                self.expr(test)?;
                if let Some(m) = msg {
                    self.expr(m)?;
                }
            }
            StmtKind::Import { names } => {
                for a in names {
                    let bound: Rc<str> = match &a.asname {
                        Some(n) => n.clone(),
                        None => Rc::from(a.name.split('.').next().unwrap_or(&a.name)),
                    };
                    self.cur().add(&bound, DEF_LOCAL | DEF_IMPORT);
                }
            }
            StmtKind::ImportFrom { names, .. } => {
                for a in names {
                    if &*a.name == "*" {
                        if self.cur().kind != ScopeKind::Module {
                            return Err(SyntaxErr::new(
                                "import * only allowed at module level",
                                s.loc.line,
                                s.loc.col,
                            ));
                        }
                        continue;
                    }
                    let bound = a.asname.clone().unwrap_or_else(|| a.name.clone());
                    self.cur().add(&bound, DEF_LOCAL | DEF_IMPORT);
                }
            }
            StmtKind::Global { names } | StmtKind::Nonlocal { names } => {
                let global = matches!(s.kind, StmtKind::Global { .. });
                if !global && self.cur().kind == ScopeKind::Module {
                    return Err(SyntaxErr::new(
                        "nonlocal declaration not allowed at module level",
                        s.loc.line,
                        s.loc.col,
                    ));
                }
                for n in names {
                    let f = self.cur().flags(n);
                    let what = if global { "global" } else { "nonlocal" };
                    if f & DEF_PARAM != 0 {
                        return Err(SyntaxErr::new(
                            format!("name '{n}' is parameter and {what}"),
                            s.loc.line,
                            s.loc.col,
                        ));
                    }
                    if f & USE != 0 {
                        return Err(SyntaxErr::new(
                            format!("name '{n}' is used prior to {what} declaration"),
                            s.loc.line,
                            s.loc.col,
                        ));
                    }
                    if f & DEF_LOCAL != 0 {
                        return Err(SyntaxErr::new(
                            format!("name '{n}' is assigned to before {what} declaration"),
                            s.loc.line,
                            s.loc.col,
                        ));
                    }
                    if global && f & DEF_NONLOCAL != 0 {
                        return Err(SyntaxErr::new(
                            format!("name '{n}' is nonlocal and global"),
                            s.loc.line,
                            s.loc.col,
                        ));
                    }
                    if !global && f & DEF_GLOBAL != 0 {
                        return Err(SyntaxErr::new(
                            format!("name '{n}' is nonlocal and global"),
                            s.loc.line,
                            s.loc.col,
                        ));
                    }
                    self.cur()
                        .add(n, if global { DEF_GLOBAL } else { DEF_NONLOCAL });
                }
            }
            StmtKind::Expr { value } => self.expr(value)?,
            StmtKind::Pass
            | StmtKind::Break
            | StmtKind::Continue
            | StmtKind::Unsupported { .. } => {}
        }
        Ok(())
    }

    fn params(&mut self, sc: &mut Scope, a: &Arguments) {
        let all = a
            .posonlyargs
            .iter()
            .chain(&a.args)
            .chain(&a.kwonlyargs)
            .chain(a.vararg.iter())
            .chain(a.kwarg.iter());
        // CPython orders varnames: positional, keyword-only, *args, **kwargs.
        let mut ordered: Vec<&Arg> = a.posonlyargs.iter().chain(&a.args).collect();
        ordered.extend(a.kwonlyargs.iter());
        ordered.extend(a.vararg.iter());
        ordered.extend(a.kwarg.iter());
        let _ = all;
        for p in ordered {
            sc.add(&p.arg, DEF_PARAM);
            let name = sc.mangled(&p.arg);
            sc.params.push(name);
        }
    }

    fn arguments_defaults(&mut self, a: &Arguments) -> Result<(), SyntaxErr> {
        for d in &a.defaults {
            self.expr(d)?;
        }
        for d in a.kw_defaults.iter().flatten() {
            self.expr(d)?;
        }
        Ok(())
    }

    fn target(&mut self, t: &Expr) -> Result<(), SyntaxErr> {
        match &t.kind {
            ExprKind::Name { id, .. } => {
                let id = id.clone();
                self.def(&id, t.loc)?;
            }
            ExprKind::Tuple { elts, .. } | ExprKind::List { elts, .. } => {
                for e in elts {
                    self.target(e)?;
                }
            }
            ExprKind::Starred { value, .. } => self.target(value)?,
            ExprKind::Attribute { value, .. } => self.expr(value)?,
            ExprKind::Subscript { value, slice, .. } => {
                self.expr(value)?;
                self.expr(slice)?;
            }
            _ => self.expr(t)?,
        }
        Ok(())
    }

    fn comprehension(
        &mut self,
        name: &str,
        generators: &[Comprehension],
        elts: &[&Expr],
        loc: Loc,
        is_gen: bool,
    ) -> Result<(), SyntaxErr> {
        // The first iterable is evaluated in the enclosing scope.
        self.expr(&generators[0].iter)?;
        let mut sc = Scope::new(ScopeKind::Comprehension, Rc::from(name), loc.line);
        sc.key = loc_key(loc);
        sc.private = self.cur().private.clone();
        sc.add(&Rc::from(".0"), DEF_PARAM);
        sc.params.push(Rc::from(".0"));
        sc.is_generator = is_gen;
        self.stack.push(sc);
        for (i, g) in generators.iter().enumerate() {
            if i > 0 {
                self.expr(&g.iter)?;
            }
            self.target(&g.target)?;
            for c in &g.ifs {
                self.expr(c)?;
            }
        }
        for e in elts {
            self.expr(e)?;
        }
        let sc = self.stack.pop().expect("comprehension scope");
        self.cur().children.push(sc);
        Ok(())
    }

    fn expr(&mut self, e: &Expr) -> Result<(), SyntaxErr> {
        match &e.kind {
            ExprKind::BoolOp { values, .. } => {
                for v in values {
                    self.expr(v)?;
                }
            }
            ExprKind::NamedExpr { target, value } => {
                self.expr(value)?;
                // In a comprehension, the target binds in the enclosing
                // function (PEP 572).
                if let ExprKind::Name { id, .. } = &target.kind {
                    let id = id.clone();
                    let n = self.stack.len();
                    let mut k = n - 1;
                    while k > 0 && self.stack[k].kind == ScopeKind::Comprehension {
                        k -= 1;
                    }
                    if k != n - 1 {
                        if self.stack[k].kind == ScopeKind::Class {
                            return Err(SyntaxErr::new(
                                "assignment expression within a comprehension cannot be used in a class body",
                                e.loc.line,
                                e.loc.col,
                            ));
                        }
                        self.stack[k].add(&id, DEF_LOCAL);
                        // At module level the target is a global of the
                        // comprehension; in a function, a nonlocal.
                        let how = if self.stack[k].kind == ScopeKind::Module {
                            DEF_GLOBAL
                        } else {
                            DEF_NONLOCAL
                        };
                        for s in &mut self.stack[k + 1..] {
                            s.add(&id, how);
                        }
                    } else {
                        self.def(&id, e.loc)?;
                    }
                }
            }
            ExprKind::BinOp { left, right, .. } => {
                self.expr(left)?;
                self.expr(right)?;
            }
            ExprKind::UnaryOp { operand, .. } => self.expr(operand)?,
            ExprKind::Lambda { args, body } => {
                self.arguments_defaults(args)?;
                let mut sc = Scope::new(ScopeKind::Function, Rc::from("<lambda>"), e.loc.line);
                sc.key = loc_key(e.loc);
                sc.private = self.cur().private.clone();
                self.params(&mut sc, args);
                self.stack.push(sc);
                self.expr(body)?;
                let sc = self.stack.pop().expect("lambda scope");
                self.cur().children.push(sc);
            }
            ExprKind::IfExp { test, body, orelse } => {
                self.expr(test)?;
                self.expr(body)?;
                self.expr(orelse)?;
            }
            ExprKind::Dict { keys, values } => {
                for k in keys.iter().flatten() {
                    self.expr(k)?;
                }
                for v in values {
                    self.expr(v)?;
                }
            }
            ExprKind::Set { elts } | ExprKind::List { elts, .. } | ExprKind::Tuple { elts, .. } => {
                for x in elts {
                    self.expr(x)?;
                }
            }
            ExprKind::ListComp { elt, generators } => {
                self.comprehension("<listcomp>", generators, &[elt], e.loc, false)?
            }
            ExprKind::SetComp { elt, generators } => {
                self.comprehension("<setcomp>", generators, &[elt], e.loc, false)?
            }
            ExprKind::GeneratorExp { elt, generators } => {
                self.comprehension("<genexpr>", generators, &[elt], e.loc, true)?
            }
            ExprKind::DictComp {
                key,
                value,
                generators,
            } => {
                self.comprehension("<dictcomp>", generators, &[key, value], e.loc, false)?;
            }
            ExprKind::Await { value } => self.expr(value)?,
            ExprKind::Yield { value } => {
                self.mark_yield(e)?;
                if let Some(v) = value {
                    self.expr(v)?;
                }
            }
            ExprKind::YieldFrom { value } => {
                self.mark_yield(e)?;
                self.expr(value)?;
            }
            ExprKind::Compare {
                left, comparators, ..
            } => {
                self.expr(left)?;
                for c in comparators {
                    self.expr(c)?;
                }
            }
            ExprKind::Call {
                func,
                args,
                keywords,
            } => {
                self.expr(func)?;
                for a in args {
                    self.expr(a)?;
                }
                for k in keywords {
                    self.expr(&k.value)?;
                }
            }
            ExprKind::FormattedValue {
                value, format_spec, ..
            } => {
                self.expr(value)?;
                if let Some(s) = format_spec {
                    self.expr(s)?;
                }
            }
            ExprKind::JoinedStr { values } => {
                for v in values {
                    self.expr(v)?;
                }
            }
            ExprKind::Constant { .. } => {}
            ExprKind::Attribute { value, .. } => self.expr(value)?,
            ExprKind::Subscript { value, slice, .. } => {
                self.expr(value)?;
                self.expr(slice)?;
            }
            ExprKind::Starred { value, .. } => self.expr(value)?,
            ExprKind::Name { id, ctx } => match ctx {
                Ctx::Load => self.use_name(id),
                _ => {
                    let id = id.clone();
                    self.def(&id, e.loc)?;
                }
            },
            ExprKind::Slice { lower, upper, step } => {
                for x in [lower, upper, step].into_iter().flatten() {
                    self.expr(x)?;
                }
            }
        }
        Ok(())
    }

    fn mark_yield(&mut self, e: &Expr) -> Result<(), SyntaxErr> {
        let kind = self.cur().kind;
        match kind {
            ScopeKind::Function => {
                self.cur().is_generator = true;
                Ok(())
            }
            ScopeKind::Comprehension => Err(SyntaxErr::new(
                "'yield' inside list comprehension",
                e.loc.line,
                e.loc.col,
            )),
            _ => Err(SyntaxErr::new(
                "'yield' outside function",
                e.loc.line,
                e.loc.col,
            )),
        }
    }
}

/// Resolves names: `bound` are names bound in enclosing function scopes.
fn analyze(sc: &mut Scope, enclosing: &[Rc<str>]) -> Result<Vec<Rc<str>>, SyntaxErr> {
    // Names this scope binds locally (functions: fast locals).
    let is_func = matches!(sc.kind, ScopeKind::Function | ScopeKind::Comprehension);
    let mut local: Vec<Rc<str>> = Vec::new();
    for (n, f) in &sc.names {
        if f & DEF_GLOBAL != 0 {
            sc.access.insert(n.clone(), Access::GlobalExplicit);
        } else if f & DEF_NONLOCAL != 0 {
            if !enclosing.contains(n) {
                return Err(SyntaxErr::new(
                    format!("no binding for nonlocal '{n}' found"),
                    sc.line,
                    0,
                ));
            }
            sc.access.insert(n.clone(), Access::Free);
        } else if f & (DEF_LOCAL | DEF_PARAM) != 0 {
            if is_func {
                sc.access.insert(n.clone(), Access::Local);
                local.push(n.clone());
            } else {
                sc.access.insert(n.clone(), Access::Name);
            }
        }
    }
    // What children can see: our function locals plus what we see.
    let mut visible: Vec<Rc<str>> = enclosing.to_vec();
    if is_func {
        for n in &local {
            if !visible.contains(n) {
                visible.push(n.clone());
            }
        }
    }
    // A class body makes `__class__` available to its methods.
    let mut class_visible = visible.clone();
    if sc.kind == ScopeKind::Class {
        class_visible.push(Rc::from("__class__"));
    }
    let mut child_free: Vec<Rc<str>> = Vec::new();
    let mut children = std::mem::take(&mut sc.children);
    for child in &mut children {
        let vis = if sc.kind == ScopeKind::Class {
            &class_visible
        } else {
            &visible
        };
        let free = analyze(child, vis)?;
        for f in free {
            if !child_free.contains(&f) {
                child_free.push(f);
            }
        }
    }
    sc.children = children;
    // Free names of children that we bind become cells; others pass up.
    let mut my_free: Vec<Rc<str>> = Vec::new();
    for f in &child_free {
        if sc.kind == ScopeKind::Class && &**f == "__class__" {
            sc.needs_class_cell = true;
            continue;
        }
        match sc.access.get(f).copied() {
            Some(Access::Local) => {
                sc.access.insert(f.clone(), Access::Cell);
            }
            Some(Access::Cell) | Some(Access::GlobalExplicit) => {}
            Some(Access::Free) => {
                if !my_free.contains(f) {
                    my_free.push(f.clone());
                }
            }
            Some(Access::Name) if sc.kind == ScopeKind::Module => {}
            _ => {
                if enclosing.contains(f) && !my_free.contains(f) {
                    my_free.push(f.clone());
                }
            }
        }
    }
    // Our own uses of names bound in enclosing functions are free.
    for (n, f) in sc.names.clone() {
        if f & USE != 0 && !sc.access.contains_key(&n) && enclosing.contains(&n) {
            sc.access.insert(n.clone(), Access::Free);
            if !my_free.contains(&n) {
                my_free.push(n.clone());
            }
        }
    }
    // super() / __class__ in a method: a free `__class__`.
    if is_func && sc.uses_class && enclosing.iter().any(|n| &**n == "__class__") {
        let cls: Rc<str> = Rc::from("__class__");
        sc.access.insert(cls.clone(), Access::Free);
        if !my_free.contains(&cls) {
            my_free.push(cls);
        }
    }
    for (n, a) in &sc.access {
        if *a == Access::Free && !my_free.contains(n) && sc.kind != ScopeKind::Module {
            my_free.push(n.clone());
        }
    }
    let mut cells: Vec<Rc<str>> = sc
        .access
        .iter()
        .filter(|(_, a)| **a == Access::Cell)
        .map(|(n, _)| n.clone())
        .collect();
    cells.sort();
    if sc.kind == ScopeKind::Class && sc.needs_class_cell {
        cells.push(Rc::from("__class__"));
    }
    sc.cellvars = cells;
    let mut frees: Vec<Rc<str>> = my_free.clone();
    frees.sort();
    sc.freevars = frees;
    // Class scopes pass their free names through too.
    Ok(my_free)
}
