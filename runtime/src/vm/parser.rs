//! The parser: tokens to the syntax tree.
//!
//! A hand-written recursive-descent parser for the subset, following the
//! rules of CPython 3.13's `Grammar/python.gram` and producing the same
//! tree (checked against CPython's `ast` module by the conformance tests).
//! Why hand-written: the ready-made Rust Python parsers compile to more
//! wasm than pyrt's whole web budget (1.22 MB for `ruff_python_parser`
//! alone); this one is a few hundred KB of source and a small fraction of
//! that in wasm.
//!
//! Nesting is bounded (`MAX_DEPTH`), so no input overflows the Rust stack:
//! deeper input gets CPython's "too many nested parentheses" or
//! "expression too complex" style errors.

use std::rc::Rc;

use super::ast::*;
use super::error::{SyntaxErr, SyntaxKind};
use super::lexer::{Op, Tok, Token, tokenize, tokenize_embedded};

/// Deepest expression/statement nesting accepted.
const MAX_DEPTH: usize = 200;

const KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield",
];

/// Parses a module (`exec` mode).
pub fn parse_module(src: &str) -> Result<Module, SyntaxErr> {
    let toks = tokenize(src)?;
    let mut p = Parser::new(src, toks);
    let body = p.file()?;
    Ok(Module { body })
}

/// Parses one expression (`eval` mode).
pub fn parse_expression(src: &str) -> Result<Expr, SyntaxErr> {
    let toks = tokenize(src)?;
    let mut p = Parser::new(src, toks);
    while p.at(Tok::Newline) {
        p.pos += 1;
    }
    let e = p.star_expressions()?;
    while p.at(Tok::Newline) {
        p.pos += 1;
    }
    if !p.at(Tok::EndMarker) {
        return Err(p.invalid_syntax());
    }
    Ok(e)
}

struct Parser<'a> {
    src: &'a str,
    toks: Vec<Token>,
    pos: usize,
    depth: usize,
    /// Inside a function (for `yield`/`return` context errors the
    /// compiler reports; the parser only tracks nesting).
    in_fstring: usize,
}

type PResult<T> = Result<T, SyntaxErr>;

fn is_keyword(s: &str) -> bool {
    KEYWORDS.contains(&s)
}

impl<'a> Parser<'a> {
    fn new(src: &'a str, toks: Vec<Token>) -> Parser<'a> {
        Parser {
            src,
            toks,
            pos: 0,
            depth: 0,
            in_fstring: 0,
        }
    }

    // ---- token helpers -------------------------------------------------

    fn tok(&self) -> &Token {
        &self.toks[self.pos.min(self.toks.len() - 1)]
    }

    fn peek_tok(&self, k: usize) -> &Token {
        &self.toks[(self.pos + k).min(self.toks.len() - 1)]
    }

    fn text(&self, t: &Token) -> &'a str {
        &self.src[t.start..t.end]
    }

    fn at(&self, k: Tok) -> bool {
        self.tok().kind == k
    }

    fn at_op(&self, op: Op) -> bool {
        let t = self.tok();
        t.kind == Tok::Op && t.op == op
    }

    fn at_kw(&self, kw: &str) -> bool {
        let t = self.tok();
        t.kind == Tok::Name && self.text(t) == kw
    }

    fn peek_is_op(&self, k: usize, op: Op) -> bool {
        let t = self.peek_tok(k);
        t.kind == Tok::Op && t.op == op
    }

    fn eat_op(&mut self, op: Op) -> bool {
        if self.at_op(op) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn eat_kw(&mut self, kw: &str) -> bool {
        if self.at_kw(kw) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn loc_of(t: &Token) -> Loc {
        Loc {
            line: t.line,
            col: t.col,
            end_line: t.end_line,
            end_col: t.end_col,
        }
    }

    fn cur_loc(&self) -> Loc {
        Self::loc_of(self.tok())
    }

    fn prev_loc(&self) -> Loc {
        Self::loc_of(&self.toks[self.pos.saturating_sub(1)])
    }

    fn invalid_syntax(&self) -> SyntaxErr {
        let t = *self.tok();
        match t.kind {
            Tok::Indent => SyntaxErr::new("unexpected indent", t.line, t.col).indentation(),
            Tok::EndMarker | Tok::Newline if self.in_fstring > 0 => {
                SyntaxErr::new("f-string: expecting '}'", t.line, t.col)
            }
            Tok::EndMarker => SyntaxErr::new("invalid syntax", t.line, t.col),
            _ => SyntaxErr::new("invalid syntax", t.line, t.col).with_end(t.end_line, t.end_col),
        }
    }

    fn expect_op(&mut self, op: Op) -> PResult<Token> {
        if self.at_op(op) {
            self.pos += 1;
            return Ok(self.toks[self.pos - 1]);
        }
        if op == Op::Colon {
            // CPython: "expected ':'" at the previous token's end.
            let p = self.toks[self.pos.saturating_sub(1)];
            if !self.at(Tok::Indent) {
                return Err(SyntaxErr::new("expected ':'", p.end_line, p.end_col));
            }
        }
        Err(self.invalid_syntax())
    }

    fn expect_name(&mut self) -> PResult<(Rc<str>, Loc)> {
        let t = *self.tok();
        if t.kind == Tok::Name && !is_keyword(self.text(&t)) {
            self.pos += 1;
            return Ok((Rc::from(self.text(&t)), Self::loc_of(&t)));
        }
        Err(self.invalid_syntax())
    }

    fn enter(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            let t = self.tok();
            return Err(SyntaxErr::new("too many nested parentheses", t.line, t.col));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    // ---- statements ----------------------------------------------------

    fn file(&mut self) -> PResult<Vec<Stmt>> {
        let mut body = Vec::new();
        while self.at(Tok::Newline) {
            self.pos += 1;
        }
        while !self.at(Tok::EndMarker) {
            if self.at(Tok::Indent) {
                return Err(self.invalid_syntax());
            }
            self.statement(&mut body)?;
        }
        Ok(body)
    }

    fn statement(&mut self, out: &mut Vec<Stmt>) -> PResult<()> {
        if let Some(s) = self.compound_stmt()? {
            out.push(s);
            return Ok(());
        }
        self.simple_stmts(out)
    }

    fn simple_stmts(&mut self, out: &mut Vec<Stmt>) -> PResult<()> {
        loop {
            let s = self.simple_stmt()?;
            out.push(s);
            if self.eat_op(Op::Semi) {
                if self.at(Tok::Newline) {
                    break;
                }
                continue;
            }
            break;
        }
        if self.at(Tok::Newline) {
            self.pos += 1;
            Ok(())
        } else if self.at(Tok::EndMarker) {
            Ok(())
        } else {
            Err(self.invalid_syntax())
        }
    }

    fn block(&mut self, what: &str, header_line: u32) -> PResult<Vec<Stmt>> {
        if self.at(Tok::Newline) {
            self.pos += 1;
            if !self.at(Tok::Indent) {
                let t = self.tok();
                return Err(SyntaxErr::new(
                    format!("expected an indented block after {what} on line {header_line}"),
                    t.line,
                    t.col,
                )
                .indentation());
            }
            self.pos += 1;
            self.enter()?;
            let mut body = Vec::new();
            while !self.at(Tok::Dedent) && !self.at(Tok::EndMarker) {
                self.statement(&mut body)?;
            }
            self.eat_dedent();
            self.leave();
            Ok(body)
        } else {
            let mut body = Vec::new();
            self.simple_stmts(&mut body)?;
            Ok(body)
        }
    }

    fn eat_dedent(&mut self) {
        if self.at(Tok::Dedent) {
            self.pos += 1;
        }
    }

    fn compound_stmt(&mut self) -> PResult<Option<Stmt>> {
        let t = *self.tok();
        if t.kind == Tok::Op && t.op == Op::At {
            return self.decorated().map(Some);
        }
        if t.kind != Tok::Name {
            return Ok(None);
        }
        let s = match self.text(&t) {
            "def" => self.funcdef(Vec::new(), false, None)?,
            "class" => self.classdef(Vec::new(), None)?,
            "if" => self.if_stmt()?,
            "while" => self.while_stmt()?,
            "for" => self.for_stmt(false, None)?,
            "try" => self.try_stmt()?,
            "with" => self.with_stmt(false, None)?,
            "async" => {
                let start = self.cur_loc();
                let next = self.peek_tok(1);
                let nt = self.text(next);
                self.pos += 1;
                match nt {
                    "def" => self.funcdef(Vec::new(), true, Some(start))?,
                    "for" => self.for_stmt(true, Some(start))?,
                    "with" => self.with_stmt(true, Some(start))?,
                    _ => return Err(self.invalid_syntax()),
                }
            }
            "match" if self.looks_like_match() => {
                let start = self.cur_loc();
                self.skip_compound()?;
                Stmt {
                    kind: StmtKind::Unsupported {
                        what: "the 'match' statement",
                    },
                    loc: Loc::span(start, self.prev_loc()),
                }
            }
            _ => return Ok(None),
        };
        Ok(Some(s))
    }

    /// `match x:` at statement start (a soft keyword: `match = 1` is an
    /// assignment).
    fn looks_like_match(&self) -> bool {
        let n = self.peek_tok(1);
        if n.kind == Tok::Op
            && matches!(
                n.op,
                Op::Equal | Op::Dot | Op::LPar | Op::LSqb | Op::Comma | Op::Colon
            )
            && n.op != Op::LPar
            && n.op != Op::LSqb
        {
            return false;
        }
        if n.kind == Tok::Newline || n.kind == Tok::EndMarker {
            return false;
        }
        // Find a ':' followed by NEWLINE on this logical line.
        let mut k = self.pos + 1;
        let mut depth = 0i32;
        while k < self.toks.len() {
            let t = &self.toks[k];
            match t.kind {
                Tok::Newline | Tok::EndMarker => return false,
                Tok::Op => match t.op {
                    Op::LPar | Op::LSqb | Op::LBrace => depth += 1,
                    Op::RPar | Op::RSqb | Op::RBrace => depth -= 1,
                    Op::Colon if depth == 0 => {
                        return self.toks.get(k + 1).is_some_and(|t| t.kind == Tok::Newline);
                    }
                    Op::Equal if depth == 0 => return false,
                    _ => {}
                },
                _ => {}
            }
            k += 1;
        }
        false
    }

    /// Skips an unsupported compound statement (header and block).
    fn skip_compound(&mut self) -> PResult<()> {
        while !self.at(Tok::Newline) && !self.at(Tok::EndMarker) {
            self.pos += 1;
        }
        self.pos += 1;
        if self.at(Tok::Indent) {
            let mut depth = 0;
            loop {
                match self.tok().kind {
                    Tok::Indent => depth += 1,
                    Tok::Dedent => {
                        depth -= 1;
                        if depth == 0 {
                            self.pos += 1;
                            break;
                        }
                    }
                    Tok::EndMarker => break,
                    _ => {}
                }
                self.pos += 1;
            }
        }
        Ok(())
    }

    fn decorated(&mut self) -> PResult<Stmt> {
        let mut decos = Vec::new();
        while self.eat_op(Op::At) {
            let e = self.named_expression()?;
            decos.push(e);
            if !self.at(Tok::Newline) {
                return Err(self.invalid_syntax());
            }
            self.pos += 1;
        }
        if self.at_kw("def") {
            self.funcdef(decos, false, None)
        } else if self.at_kw("class") {
            self.classdef(decos, None)
        } else if self.at_kw("async") && self.text(self.peek_tok(1)) == "def" {
            let start = self.cur_loc();
            self.pos += 1;
            self.funcdef(decos, true, Some(start))
        } else {
            Err(self.invalid_syntax())
        }
    }

    fn funcdef(&mut self, decos: Vec<Expr>, is_async: bool, start: Option<Loc>) -> PResult<Stmt> {
        let def = self.cur_loc();
        let start = start.unwrap_or(def);
        self.pos += 1; // def
        let (name, _) = self.expect_name()?;
        if self.at_op(Op::LSqb) {
            return Err(self.unsupported_at("type parameters"));
        }
        self.expect_op(Op::LPar)?;
        let args = self.parameters(Op::RPar)?;
        self.expect_op(Op::RPar)?;
        let returns = if self.eat_op(Op::RArrow) {
            Some(Box::new(self.expression()?))
        } else {
            None
        };
        self.expect_op(Op::Colon)?;
        let body = self.block("function definition", def.line)?;
        let end = self.body_end(&body);
        Ok(Stmt {
            kind: StmtKind::FunctionDef {
                name,
                args: Box::new(args),
                body,
                decorator_list: decos,
                returns,
                is_async,
            },
            loc: Loc::span(start, end),
        })
    }

    fn unsupported_at(&self, what: &str) -> SyntaxErr {
        let t = self.tok();
        SyntaxErr::new(format!("{what} are not supported by pyrt"), t.line, t.col)
    }

    /// The end of a compound statement: its last token before the
    /// NEWLINE/DEDENT that closed its last block (a trailing `;` counts).
    fn body_end(&self, _body: &[Stmt]) -> Loc {
        let mut k = self.pos;
        while k > 0 {
            k -= 1;
            let t = &self.toks[k];
            if !matches!(
                t.kind,
                Tok::Newline | Tok::Dedent | Tok::Indent | Tok::EndMarker
            ) {
                return Self::loc_of(t);
            }
        }
        self.prev_loc()
    }

    /// Parameter list up to `close` (`)` for def, `:` for lambda).
    fn parameters(&mut self, close: Op) -> PResult<Arguments> {
        let mut a = Arguments::default();
        let mut seen_default = false;
        let mut seen_star = false;
        let lambda = close == Op::Colon;
        loop {
            if self.at_op(close) {
                break;
            }
            if self.eat_op(Op::DoubleStar) {
                let arg = self.param(lambda)?;
                a.kwarg = Some(arg);
                self.eat_op(Op::Comma);
                if !self.at_op(close) {
                    let t = self.tok();
                    return Err(SyntaxErr::new(
                        "arguments cannot follow var-keyword argument",
                        t.line,
                        t.col,
                    ));
                }
                break;
            }
            if self.eat_op(Op::Star) {
                if seen_star {
                    let t = self.prev_loc();
                    return Err(SyntaxErr::new(
                        "* argument may appear only once",
                        t.line,
                        t.col,
                    ));
                }
                seen_star = true;
                if self.at_op(Op::Comma) {
                    if self.peek_is_op(1, close) {
                        let t = self.prev_loc();
                        return Err(SyntaxErr::new(
                            "named arguments must follow bare *",
                            t.line,
                            t.col,
                        ));
                    }
                } else {
                    a.vararg = Some(self.param(lambda)?);
                }
            } else if self.at_op(Op::Slash) {
                if seen_star || !a.posonlyargs.is_empty() {
                    let t = self.cur_loc();
                    return Err(SyntaxErr::new("/ must be ahead of *", t.line, t.col));
                }
                if a.args.is_empty() {
                    let t = self.cur_loc();
                    return Err(SyntaxErr::new(
                        "at least one argument must precede /",
                        t.line,
                        t.col,
                    ));
                }
                self.pos += 1;
                a.posonlyargs = std::mem::take(&mut a.args);
            } else {
                let arg = self.param(lambda)?;
                let default = if self.eat_op(Op::Equal) {
                    Some(self.expression()?)
                } else {
                    None
                };
                if seen_star {
                    a.kwonlyargs.push(arg);
                    a.kw_defaults.push(default);
                } else {
                    match default {
                        Some(d) => {
                            seen_default = true;
                            a.defaults.push(d);
                        }
                        None if seen_default => {
                            let t = arg.loc;
                            return Err(SyntaxErr::new(
                                "parameter without a default follows parameter with a default",
                                t.line,
                                t.col,
                            ));
                        }
                        None => {}
                    }
                    a.args.push(arg);
                }
            }
            if !self.eat_op(Op::Comma) {
                break;
            }
        }
        // Duplicate parameter names.
        let mut names: Vec<&str> = Vec::new();
        let all = a
            .posonlyargs
            .iter()
            .chain(&a.args)
            .chain(a.vararg.iter())
            .chain(&a.kwonlyargs)
            .chain(a.kwarg.iter());
        for arg in all {
            if names.contains(&&*arg.arg) {
                return Err(SyntaxErr::new(
                    format!("duplicate argument '{}' in function definition", arg.arg),
                    arg.loc.line,
                    arg.loc.col,
                ));
            }
            names.push(&arg.arg);
        }
        if seen_star && a.vararg.is_none() && a.kwonlyargs.is_empty() {
            let t = self.cur_loc();
            return Err(SyntaxErr::new(
                "named arguments must follow bare *",
                t.line,
                t.col,
            ));
        }
        Ok(a)
    }

    fn param(&mut self, lambda: bool) -> PResult<Arg> {
        let (name, loc) = self.expect_name()?;
        let annotation = if !lambda && self.eat_op(Op::Colon) {
            let e = if self.at_op(Op::Star) {
                self.star_expression()?
            } else {
                self.expression()?
            };
            Some(Box::new(e))
        } else {
            None
        };
        Ok(Arg {
            arg: name,
            annotation,
            loc: Loc::span(loc, self.prev_loc()),
        })
    }

    fn classdef(&mut self, decos: Vec<Expr>, _start: Option<Loc>) -> PResult<Stmt> {
        let start = self.cur_loc();
        self.pos += 1;
        let (name, _) = self.expect_name()?;
        if self.at_op(Op::LSqb) {
            return Err(self.unsupported_at("type parameters"));
        }
        let (mut bases, mut keywords) = (Vec::new(), Vec::new());
        if self.eat_op(Op::LPar) {
            let (b, k) = self.call_args(None)?;
            bases = b;
            keywords = k;
            self.expect_op(Op::RPar)?;
        }
        self.expect_op(Op::Colon)?;
        let body = self.block("class definition", start.line)?;
        let end = self.body_end(&body);
        Ok(Stmt {
            kind: StmtKind::ClassDef {
                name,
                bases,
                keywords,
                body,
                decorator_list: decos,
            },
            loc: Loc::span(start, end),
        })
    }

    fn if_stmt(&mut self) -> PResult<Stmt> {
        let start = self.cur_loc();
        let kw = if self.at_kw("elif") {
            "'elif' statement"
        } else {
            "'if' statement"
        };
        self.pos += 1;
        let test = self.named_expression()?;
        self.expect_op(Op::Colon)?;
        let body = self.block(kw, start.line)?;
        let orelse = if self.at_kw("elif") {
            vec![self.if_stmt()?]
        } else if self.at_kw("else") {
            let l = self.cur_loc().line;
            self.pos += 1;
            self.expect_op(Op::Colon)?;
            self.block("'else' statement", l)?
        } else {
            Vec::new()
        };
        let end = if orelse.is_empty() {
            self.body_end(&body)
        } else {
            self.body_end(&orelse)
        };
        Ok(Stmt {
            kind: StmtKind::If { test, body, orelse },
            loc: Loc::span(start, end),
        })
    }

    fn while_stmt(&mut self) -> PResult<Stmt> {
        let start = self.cur_loc();
        self.pos += 1;
        let test = self.named_expression()?;
        self.expect_op(Op::Colon)?;
        let body = self.block("'while' statement", start.line)?;
        let orelse = self.else_block()?;
        let end = if orelse.is_empty() {
            self.body_end(&body)
        } else {
            self.body_end(&orelse)
        };
        Ok(Stmt {
            kind: StmtKind::While { test, body, orelse },
            loc: Loc::span(start, end),
        })
    }

    fn else_block(&mut self) -> PResult<Vec<Stmt>> {
        if self.at_kw("else") {
            let l = self.cur_loc().line;
            self.pos += 1;
            self.expect_op(Op::Colon)?;
            self.block("'else' statement", l)
        } else {
            Ok(Vec::new())
        }
    }

    fn for_stmt(&mut self, is_async: bool, start: Option<Loc>) -> PResult<Stmt> {
        let f = self.cur_loc();
        let start = start.unwrap_or(f);
        self.pos += 1;
        let target = self.star_targets()?;
        if !self.eat_kw("in") {
            return Err(self.invalid_syntax());
        }
        let iter = self.star_expressions()?;
        self.expect_op(Op::Colon)?;
        let body = self.block("'for' statement", f.line)?;
        let orelse = self.else_block()?;
        let end = if orelse.is_empty() {
            self.body_end(&body)
        } else {
            self.body_end(&orelse)
        };
        Ok(Stmt {
            kind: StmtKind::For {
                target,
                iter,
                body,
                orelse,
                is_async,
            },
            loc: Loc::span(start, end),
        })
    }

    fn with_stmt(&mut self, is_async: bool, start: Option<Loc>) -> PResult<Stmt> {
        let w = self.cur_loc();
        let start = start.unwrap_or(w);
        self.pos += 1;
        let mut items = Vec::new();
        // Parenthesized items: `with (a as b, c):`.
        let parenthesized = self.at_op(Op::LPar) && self.with_items_parenthesized();
        if parenthesized {
            self.pos += 1;
            loop {
                if self.at_op(Op::RPar) {
                    break;
                }
                items.push(self.with_item()?);
                if !self.eat_op(Op::Comma) {
                    break;
                }
            }
            self.expect_op(Op::RPar)?;
        } else {
            loop {
                items.push(self.with_item()?);
                if !self.eat_op(Op::Comma) {
                    break;
                }
            }
        }
        self.expect_op(Op::Colon)?;
        let body = self.block("'with' statement", w.line)?;
        let end = self.body_end(&body);
        Ok(Stmt {
            kind: StmtKind::With {
                items,
                body,
                is_async,
            },
            loc: Loc::span(start, end),
        })
    }

    /// True if `(` starts a parenthesized with-item list (the matching `)`
    /// is followed by `:`, and some `as` occurs at depth 1 or a comma).
    fn with_items_parenthesized(&self) -> bool {
        // `with ():` is one item, the empty tuple (as in CPython).
        if self
            .toks
            .get(self.pos + 1)
            .is_some_and(|t| t.kind == Tok::Op && t.op == Op::RPar)
        {
            return false;
        }
        let mut k = self.pos;
        let mut depth = 0i32;
        let mut has_as = false;
        while k < self.toks.len() {
            let t = &self.toks[k];
            match t.kind {
                Tok::Op if matches!(t.op, Op::LPar | Op::LSqb | Op::LBrace) => depth += 1,
                Tok::Op if matches!(t.op, Op::RPar | Op::RSqb | Op::RBrace) => {
                    depth -= 1;
                    if depth == 0 {
                        let next = self.toks.get(k + 1);
                        let _ = has_as;
                        return next.is_some_and(|n| n.kind == Tok::Op && n.op == Op::Colon);
                    }
                }
                Tok::Name if depth == 1 && self.text(t) == "as" => has_as = true,
                Tok::Newline | Tok::EndMarker => return false,
                _ => {}
            }
            k += 1;
        }
        false
    }

    fn with_item(&mut self) -> PResult<WithItem> {
        let e = self.expression()?;
        let optional_vars = if self.eat_kw("as") {
            Some(self.star_target()?)
        } else {
            None
        };
        Ok(WithItem {
            context_expr: e,
            optional_vars,
        })
    }

    fn try_stmt(&mut self) -> PResult<Stmt> {
        let start = self.cur_loc();
        self.pos += 1;
        self.expect_op(Op::Colon)?;
        let body = self.block("'try' statement", start.line)?;
        let mut handlers = Vec::new();
        let mut star = false;
        while self.at_kw("except") {
            let h = self.cur_loc();
            self.pos += 1;
            if self.eat_op(Op::Star) {
                star = true;
            }
            let mut typ = None;
            let mut name = None;
            if !self.at_op(Op::Colon) {
                let e = self.expression()?;
                let e = if self.at_op(Op::Comma) {
                    // `except A, B:` needs parentheses (3.13 message).
                    let t = e.loc;
                    return Err(SyntaxErr::new(
                        "multiple exception types must be parenthesized",
                        t.line,
                        t.col,
                    ));
                } else {
                    e
                };
                typ = Some(e);
                if self.eat_kw("as") {
                    name = Some(self.expect_name()?.0);
                }
            }
            self.expect_op(Op::Colon)?;
            let hbody = self.block(
                if star {
                    "'except*' statement"
                } else {
                    "'except' statement"
                },
                h.line,
            )?;
            let end = self.body_end(&hbody);
            handlers.push(ExceptHandler {
                typ,
                name,
                body: hbody,
                loc: Loc::span(h, end),
            });
        }
        // A bare `except:` must be last.
        for (i, h) in handlers.iter().enumerate() {
            if h.typ.is_none() && i + 1 < handlers.len() {
                return Err(SyntaxErr::new(
                    "default 'except:' must be last",
                    h.loc.line,
                    h.loc.col,
                ));
            }
        }
        let orelse = if !handlers.is_empty() {
            self.else_block()?
        } else {
            Vec::new()
        };
        let finalbody = if self.at_kw("finally") {
            let l = self.cur_loc().line;
            self.pos += 1;
            self.expect_op(Op::Colon)?;
            self.block("'finally' statement", l)?
        } else {
            Vec::new()
        };
        if handlers.is_empty() && finalbody.is_empty() {
            let t = self.tok();
            return Err(SyntaxErr::new(
                "expected 'except' or 'finally' block",
                t.line,
                t.col,
            ));
        }
        let end = if !finalbody.is_empty() {
            self.body_end(&finalbody)
        } else if !orelse.is_empty() {
            self.body_end(&orelse)
        } else {
            handlers.last().map_or(start, |h| h.loc)
        };
        Ok(Stmt {
            kind: StmtKind::Try {
                body,
                handlers,
                orelse,
                finalbody,
                star,
            },
            loc: Loc::span(start, end),
        })
    }

    fn simple_stmt(&mut self) -> PResult<Stmt> {
        let t = *self.tok();
        let start = Self::loc_of(&t);
        if t.kind == Tok::Name {
            match self.text(&t) {
                "pass" => {
                    self.pos += 1;
                    return Ok(Stmt {
                        kind: StmtKind::Pass,
                        loc: start,
                    });
                }
                "break" => {
                    self.pos += 1;
                    return Ok(Stmt {
                        kind: StmtKind::Break,
                        loc: start,
                    });
                }
                "continue" => {
                    self.pos += 1;
                    return Ok(Stmt {
                        kind: StmtKind::Continue,
                        loc: start,
                    });
                }
                "return" => {
                    self.pos += 1;
                    let value = if self.at_simple_end() {
                        None
                    } else {
                        Some(self.star_expressions()?)
                    };
                    return Ok(Stmt {
                        kind: StmtKind::Return { value },
                        loc: Loc::span(start, self.prev_loc()),
                    });
                }
                "raise" => {
                    self.pos += 1;
                    let (mut exc, mut cause) = (None, None);
                    if !self.at_simple_end() {
                        exc = Some(self.expression()?);
                        if self.eat_kw("from") {
                            cause = Some(self.expression()?);
                        }
                    }
                    return Ok(Stmt {
                        kind: StmtKind::Raise { exc, cause },
                        loc: Loc::span(start, self.prev_loc()),
                    });
                }
                "global" | "nonlocal" => {
                    let global = self.text(&t) == "global";
                    self.pos += 1;
                    let mut names = vec![self.expect_name()?.0];
                    while self.eat_op(Op::Comma) {
                        names.push(self.expect_name()?.0);
                    }
                    let loc = Loc::span(start, self.prev_loc());
                    let kind = if global {
                        StmtKind::Global { names }
                    } else {
                        StmtKind::Nonlocal { names }
                    };
                    return Ok(Stmt { kind, loc });
                }
                "del" => {
                    self.pos += 1;
                    let mut targets = Vec::new();
                    loop {
                        let e = self.primary_target(Ctx::Del)?;
                        targets.push(e);
                        if !self.eat_op(Op::Comma) || self.at_simple_end() {
                            break;
                        }
                    }
                    let loc = Loc::span(start, self.prev_loc());
                    return Ok(Stmt {
                        kind: StmtKind::Delete { targets },
                        loc,
                    });
                }
                "assert" => {
                    self.pos += 1;
                    let test = self.expression()?;
                    let msg = if self.eat_op(Op::Comma) {
                        Some(self.expression()?)
                    } else {
                        None
                    };
                    return Ok(Stmt {
                        kind: StmtKind::Assert { test, msg },
                        loc: Loc::span(start, self.prev_loc()),
                    });
                }
                "import" => return self.import_name(),
                "from" => return self.import_from(),
                "type"
                    if self.peek_tok(1).kind == Tok::Name && {
                        let n = self.peek_tok(2);
                        n.kind == Tok::Op && matches!(n.op, Op::Equal | Op::LSqb)
                    } =>
                {
                    while !self.at_simple_end() {
                        self.pos += 1;
                    }
                    return Ok(Stmt {
                        kind: StmtKind::Unsupported {
                            what: "the 'type' statement",
                        },
                        loc: Loc::span(start, self.prev_loc()),
                    });
                }
                _ => {}
            }
        }
        self.expr_or_assignment()
    }

    fn at_simple_end(&self) -> bool {
        self.at(Tok::Newline) || self.at(Tok::EndMarker) || self.at_op(Op::Semi)
    }

    fn dotted_name(&mut self) -> PResult<(String, Loc)> {
        let (n, l) = self.expect_name()?;
        let mut s = n.to_string();
        let mut end = l;
        while self.at_op(Op::Dot) {
            self.pos += 1;
            let (n, l2) = self.expect_name()?;
            s.push('.');
            s.push_str(&n);
            end = l2;
        }
        Ok((s, Loc::span(l, end)))
    }

    fn import_name(&mut self) -> PResult<Stmt> {
        let start = self.cur_loc();
        self.pos += 1;
        let mut names = Vec::new();
        loop {
            let (name, l) = self.dotted_name()?;
            let mut loc = l;
            let asname = if self.eat_kw("as") {
                let (a, al) = self.expect_name()?;
                loc = Loc::span(l, al);
                Some(a)
            } else {
                None
            };
            names.push(Alias {
                name: Rc::from(name.as_str()),
                asname,
                loc,
            });
            if !self.eat_op(Op::Comma) {
                break;
            }
        }
        Ok(Stmt {
            kind: StmtKind::Import { names },
            loc: Loc::span(start, self.prev_loc()),
        })
    }

    fn import_from(&mut self) -> PResult<Stmt> {
        let start = self.cur_loc();
        self.pos += 1;
        let mut level = 0;
        loop {
            if self.eat_op(Op::Dot) {
                level += 1;
            } else if self.eat_op(Op::Ellipsis) {
                level += 3;
            } else {
                break;
            }
        }
        let module = if self.at_kw("import") {
            if level == 0 {
                return Err(self.invalid_syntax());
            }
            None
        } else {
            Some(Rc::from(self.dotted_name()?.0.as_str()))
        };
        if !self.eat_kw("import") {
            return Err(self.invalid_syntax());
        }
        let mut names = Vec::new();
        if self.at_op(Op::Star) {
            let l = self.cur_loc();
            self.pos += 1;
            names.push(Alias {
                name: Rc::from("*"),
                asname: None,
                loc: l,
            });
        } else {
            let paren = self.eat_op(Op::LPar);
            loop {
                if paren && self.at_op(Op::RPar) {
                    break;
                }
                let (n, l) = self.expect_name()?;
                let mut loc = l;
                let asname = if self.eat_kw("as") {
                    let (a, al) = self.expect_name()?;
                    loc = Loc::span(l, al);
                    Some(a)
                } else {
                    None
                };
                names.push(Alias {
                    name: n,
                    asname,
                    loc,
                });
                if !self.eat_op(Op::Comma) {
                    break;
                }
                if !paren && self.at_simple_end() {
                    let p = self.prev_loc();
                    return Err(SyntaxErr::new(
                        "trailing comma not allowed without surrounding parentheses",
                        p.line,
                        p.col,
                    ));
                }
            }
            if paren {
                self.expect_op(Op::RPar)?;
            }
        }
        Ok(Stmt {
            kind: StmtKind::ImportFrom {
                module,
                names,
                level,
            },
            loc: Loc::span(start, self.prev_loc()),
        })
    }

    fn expr_or_assignment(&mut self) -> PResult<Stmt> {
        let start = self.cur_loc();
        // Annotated assignment: `NAME ':' expr ['=' rhs]` or a target.
        let first = if self.at_kw("yield") {
            self.yield_expr()?
        } else {
            self.star_expressions()?
        };
        if self.at_op(Op::Colon) {
            self.pos += 1;
            let simple =
                matches!(first.kind, ExprKind::Name { .. }) && !self.was_parenthesized(&first);
            let target = self.to_target(first, Ctx::Store, true)?;
            if !matches!(
                target.kind,
                ExprKind::Name { .. } | ExprKind::Attribute { .. } | ExprKind::Subscript { .. }
            ) {
                let l = target.loc;
                return Err(SyntaxErr::new(
                    "only single target (not tuple) can be annotated",
                    l.line,
                    l.col,
                ));
            }
            let annotation = self.expression()?;
            let value = if self.eat_op(Op::Equal) {
                Some(if self.at_kw("yield") {
                    self.yield_expr()?
                } else {
                    self.star_expressions()?
                })
            } else {
                None
            };
            return Ok(Stmt {
                kind: StmtKind::AnnAssign {
                    target,
                    annotation,
                    value,
                    simple,
                },
                loc: Loc::span(start, self.prev_loc()),
            });
        }
        if let Some(op) = self.augassign_op() {
            self.pos += 1;
            let target = match first.kind {
                ExprKind::Name { .. } | ExprKind::Attribute { .. } | ExprKind::Subscript { .. } => {
                    self.to_target(first, Ctx::Store, false)?
                }
                _ => {
                    let l = first.loc;
                    return Err(SyntaxErr::new(
                        format!(
                            "'{}' is an illegal expression for augmented assignment",
                            describe_expr(&first)
                        ),
                        l.line,
                        l.col,
                    )
                    .with_end(l.end_line, l.end_col));
                }
            };
            let value = if self.at_kw("yield") {
                self.yield_expr()?
            } else {
                self.star_expressions()?
            };
            return Ok(Stmt {
                kind: StmtKind::AugAssign { target, op, value },
                loc: Loc::span(start, self.prev_loc()),
            });
        }
        if self.at_op(Op::Equal) {
            let mut exprs = vec![first];
            while self.eat_op(Op::Equal) {
                let e = if self.at_kw("yield") {
                    self.yield_expr()?
                } else {
                    self.star_expressions()?
                };
                exprs.push(e);
            }
            let value = exprs.pop().expect("at least two");
            let mut targets = Vec::new();
            for e in exprs {
                targets.push(self.to_target(e, Ctx::Store, false)?);
            }
            return Ok(Stmt {
                kind: StmtKind::Assign { targets, value },
                loc: Loc::span(start, self.prev_loc()),
            });
        }
        Ok(Stmt {
            kind: StmtKind::Expr { value: first },
            loc: Loc::span(start, self.prev_loc()),
        })
    }

    fn was_parenthesized(&self, e: &Expr) -> bool {
        // A parenthesized name starts after a '(' token at its start.
        let l = e.loc;
        self.toks.iter().any(|t| {
            t.kind == Tok::Op && t.op == Op::LPar && t.line == l.line && t.end_col == l.col
        }) && self.toks.iter().any(|t| {
            t.kind == Tok::Op && t.op == Op::RPar && t.line == l.end_line && t.col == l.end_col
        })
    }

    fn augassign_op(&self) -> Option<BinOp> {
        let t = self.tok();
        if t.kind != Tok::Op {
            return None;
        }
        Some(match t.op {
            Op::PlusEqual => BinOp::Add,
            Op::MinEqual => BinOp::Sub,
            Op::StarEqual => BinOp::Mult,
            Op::AtEqual => BinOp::MatMult,
            Op::SlashEqual => BinOp::Div,
            Op::PercentEqual => BinOp::Mod,
            Op::AmperEqual => BinOp::BitAnd,
            Op::VBarEqual => BinOp::BitOr,
            Op::CircumflexEqual => BinOp::BitXor,
            Op::LeftShiftEqual => BinOp::LShift,
            Op::RightShiftEqual => BinOp::RShift,
            Op::DoubleStarEqual => BinOp::Pow,
            Op::DoubleSlashEqual => BinOp::FloorDiv,
            _ => return None,
        })
    }

    /// Turns a parsed expression into an assignment/deletion target, with
    /// CPython's messages for what cannot be assigned to.
    fn to_target(&self, e: Expr, ctx: Ctx, annotated: bool) -> PResult<Expr> {
        let loc = e.loc;
        let kind = match e.kind {
            ExprKind::Name { id, .. } => {
                if &*id == "__debug__" {
                    return Err(
                        SyntaxErr::new("cannot assign to __debug__", loc.line, loc.col)
                            .with_end(loc.end_line, loc.end_col),
                    );
                }
                ExprKind::Name { id, ctx }
            }
            ExprKind::Attribute { value, attr, .. } => ExprKind::Attribute { value, attr, ctx },
            ExprKind::Subscript { value, slice, .. } => ExprKind::Subscript { value, slice, ctx },
            ExprKind::Starred { value, .. } if !annotated => {
                let v = self.to_target(*value, ctx, false)?;
                ExprKind::Starred {
                    value: Box::new(v),
                    ctx,
                }
            }
            ExprKind::Tuple { elts, .. } if !annotated => {
                let elts = elts
                    .into_iter()
                    .map(|x| self.to_target(x, ctx, false))
                    .collect::<PResult<_>>()?;
                ExprKind::Tuple { elts, ctx }
            }
            ExprKind::List { elts, .. } if !annotated => {
                let elts = elts
                    .into_iter()
                    .map(|x| self.to_target(x, ctx, false))
                    .collect::<PResult<_>>()?;
                ExprKind::List { elts, ctx }
            }
            other => {
                let e = Expr { kind: other, loc };
                let what = describe_expr(&e);
                let verb = if ctx == Ctx::Del {
                    "delete"
                } else {
                    "assign to"
                };
                let mut msg = format!("cannot {verb} {what}");
                if ctx == Ctx::Store
                    && !annotated
                    && matches!(
                        e.kind,
                        ExprKind::Call { .. }
                            | ExprKind::Compare { .. }
                            | ExprKind::BinOp { .. }
                            | ExprKind::BoolOp { .. }
                            | ExprKind::UnaryOp { .. }
                            | ExprKind::Constant { .. }
                    )
                {
                    msg = format!(
                        "cannot assign to {what} here. Maybe you meant '==' instead of '='?"
                    );
                }
                if annotated {
                    msg = "illegal target for annotation".to_string();
                }
                return Err(
                    SyntaxErr::new(msg, loc.line, loc.col).with_end(loc.end_line, loc.end_col)
                );
            }
        };
        Ok(Expr { kind, loc })
    }

    // ---- targets ---------------------------------------------------------

    fn star_targets(&mut self) -> PResult<Expr> {
        let start = self.cur_loc();
        let first = self.star_target()?;
        if !self.at_op(Op::Comma) {
            return Ok(first);
        }
        let mut elts = vec![first];
        while self.eat_op(Op::Comma) {
            if self.at_kw("in") || self.at_op(Op::Equal) {
                break;
            }
            elts.push(self.star_target()?);
        }
        let loc = Loc::span(start, self.prev_loc());
        let loc = Loc {
            end_line: elts.last().map_or(loc.end_line, |e| e.loc.end_line),
            end_col: elts.last().map_or(loc.end_col, |e| e.loc.end_col),
            ..loc
        };
        let _ = loc;
        let loc = Loc::span(start, self.prev_loc_excluding_comma());
        Ok(Expr {
            kind: ExprKind::Tuple {
                elts,
                ctx: Ctx::Store,
            },
            loc,
        })
    }

    fn prev_loc_excluding_comma(&self) -> Loc {
        let p = &self.toks[self.pos.saturating_sub(1)];
        Self::loc_of(p)
    }

    fn star_target(&mut self) -> PResult<Expr> {
        if self.at_op(Op::Star) {
            let s = self.cur_loc();
            self.pos += 1;
            let inner = self.star_target()?;
            let loc = Loc::span(s, self.prev_loc());
            return Ok(Expr {
                kind: ExprKind::Starred {
                    value: Box::new(inner),
                    ctx: Ctx::Store,
                },
                loc,
            });
        }
        let e = self.bitwise_or()?;
        self.to_target(e, Ctx::Store, false)
    }

    fn primary_target(&mut self, ctx: Ctx) -> PResult<Expr> {
        let e = self.bitwise_or()?;
        self.to_target(e, ctx, false)
    }

    // ---- expressions -------------------------------------------------------

    fn star_expressions(&mut self) -> PResult<Expr> {
        let start = self.cur_loc();
        let first = self.star_expression()?;
        if !self.at_op(Op::Comma) {
            return Ok(first);
        }
        let mut elts = vec![first];
        while self.eat_op(Op::Comma) {
            if self.at_expr_end() {
                break;
            }
            elts.push(self.star_expression()?);
        }
        let loc = Loc::span(start, self.prev_loc());
        Ok(Expr {
            kind: ExprKind::Tuple {
                elts,
                ctx: Ctx::Load,
            },
            loc,
        })
    }

    /// The end of an expression list (a trailing comma is allowed).
    fn at_expr_end(&self) -> bool {
        let t = self.tok();
        match t.kind {
            Tok::Newline | Tok::EndMarker => true,
            Tok::Op => {
                matches!(
                    t.op,
                    Op::RPar | Op::RSqb | Op::RBrace | Op::Equal | Op::Semi | Op::Colon
                ) || self.augassign_op().is_some()
            }
            Tok::Name => matches!(self.text(t), "in" | "for" | "async"),
            _ => false,
        }
    }

    fn star_expression(&mut self) -> PResult<Expr> {
        if self.at_op(Op::Star) {
            let s = self.cur_loc();
            self.pos += 1;
            let v = self.bitwise_or()?;
            let loc = Loc::span(s, self.prev_loc());
            return Ok(Expr {
                kind: ExprKind::Starred {
                    value: Box::new(v),
                    ctx: Ctx::Load,
                },
                loc,
            });
        }
        self.expression()
    }

    fn star_named_expression(&mut self) -> PResult<Expr> {
        if self.at_op(Op::Star) {
            let s = self.cur_loc();
            self.pos += 1;
            let v = self.bitwise_or()?;
            let loc = Loc::span(s, self.prev_loc());
            return Ok(Expr {
                kind: ExprKind::Starred {
                    value: Box::new(v),
                    ctx: Ctx::Load,
                },
                loc,
            });
        }
        self.named_expression()
    }

    fn named_expression(&mut self) -> PResult<Expr> {
        let t = *self.tok();
        if t.kind == Tok::Name && self.peek_is_op(1, Op::ColonEqual) && !is_keyword(self.text(&t)) {
            let (id, l) = self.expect_name()?;
            self.pos += 1;
            let value = self.expression()?;
            let loc = Loc::span(l, self.prev_loc());
            return Ok(Expr {
                kind: ExprKind::NamedExpr {
                    target: Box::new(Expr {
                        kind: ExprKind::Name {
                            id,
                            ctx: Ctx::Store,
                        },
                        loc: l,
                    }),
                    value: Box::new(value),
                },
                loc,
            });
        }
        let e = self.expression()?;
        if self.at_op(Op::ColonEqual) {
            let l = e.loc;
            return Err(SyntaxErr::new(
                format!(
                    "cannot use assignment expressions with {}",
                    describe_expr(&e)
                ),
                l.line,
                l.col,
            )
            .with_end(l.end_line, l.end_col));
        }
        Ok(e)
    }

    fn expression(&mut self) -> PResult<Expr> {
        self.enter()?;
        let r = self.expression_inner();
        self.leave();
        r
    }

    fn expression_inner(&mut self) -> PResult<Expr> {
        if self.at_kw("lambda") {
            return self.lambdef();
        }
        let start = self.cur_loc();
        let body = self.disjunction()?;
        if self.at_kw("if") {
            self.pos += 1;
            let test = self.disjunction()?;
            if !self.eat_kw("else") {
                let t = self.tok();
                return Err(SyntaxErr::new(
                    "expected 'else' after 'if' expression",
                    t.line,
                    t.col,
                ));
            }
            let orelse = self.expression()?;
            let loc = Loc::span(start, self.prev_loc());
            return Ok(Expr {
                kind: ExprKind::IfExp {
                    test: Box::new(test),
                    body: Box::new(body),
                    orelse: Box::new(orelse),
                },
                loc,
            });
        }
        Ok(body)
    }

    fn lambdef(&mut self) -> PResult<Expr> {
        let start = self.cur_loc();
        self.pos += 1;
        let args = self.parameters(Op::Colon)?;
        self.expect_op(Op::Colon)?;
        let body = self.expression()?;
        let loc = Loc::span(start, self.prev_loc());
        Ok(Expr {
            kind: ExprKind::Lambda {
                args: Box::new(args),
                body: Box::new(body),
            },
            loc,
        })
    }

    fn disjunction(&mut self) -> PResult<Expr> {
        let start = self.cur_loc();
        let first = self.conjunction()?;
        if !self.at_kw("or") {
            return Ok(first);
        }
        let mut values = vec![first];
        while self.eat_kw("or") {
            values.push(self.conjunction()?);
        }
        let loc = Loc::span(start, self.prev_loc());
        Ok(Expr {
            kind: ExprKind::BoolOp {
                op: BoolOp::Or,
                values,
            },
            loc,
        })
    }

    fn conjunction(&mut self) -> PResult<Expr> {
        let start = self.cur_loc();
        let first = self.inversion()?;
        if !self.at_kw("and") {
            return Ok(first);
        }
        let mut values = vec![first];
        while self.eat_kw("and") {
            values.push(self.inversion()?);
        }
        let loc = Loc::span(start, self.prev_loc());
        Ok(Expr {
            kind: ExprKind::BoolOp {
                op: BoolOp::And,
                values,
            },
            loc,
        })
    }

    fn inversion(&mut self) -> PResult<Expr> {
        if self.at_kw("not") {
            let s = self.cur_loc();
            self.pos += 1;
            self.enter()?;
            let operand = self.inversion();
            self.leave();
            let operand = operand?;
            let loc = Loc::span(s, self.prev_loc());
            return Ok(Expr {
                kind: ExprKind::UnaryOp {
                    op: UnaryOp::Not,
                    operand: Box::new(operand),
                },
                loc,
            });
        }
        self.comparison()
    }

    fn comp_op(&mut self) -> Option<CmpOp> {
        let t = *self.tok();
        let op = match t.kind {
            Tok::Op => match t.op {
                Op::EqEqual => CmpOp::Eq,
                Op::NotEqual => CmpOp::NotEq,
                Op::Less => CmpOp::Lt,
                Op::LessEqual => CmpOp::LtE,
                Op::Greater => CmpOp::Gt,
                Op::GreaterEqual => CmpOp::GtE,
                _ => return None,
            },
            Tok::Name => match self.text(&t) {
                "in" => CmpOp::In,
                "is" => {
                    if self.peek_tok(1).kind == Tok::Name && self.text(self.peek_tok(1)) == "not" {
                        self.pos += 1;
                        CmpOp::IsNot
                    } else {
                        CmpOp::Is
                    }
                }
                "not"
                    if self.peek_tok(1).kind == Tok::Name
                        && self.text(self.peek_tok(1)) == "in" =>
                {
                    self.pos += 1;
                    CmpOp::NotIn
                }
                _ => return None,
            },
            _ => return None,
        };
        self.pos += 1;
        Some(op)
    }

    fn comparison(&mut self) -> PResult<Expr> {
        let start = self.cur_loc();
        let left = self.bitwise_or()?;
        let mut ops = Vec::new();
        let mut comparators = Vec::new();
        while let Some(op) = self.comp_op() {
            ops.push(op);
            comparators.push(self.bitwise_or()?);
        }
        if ops.is_empty() {
            return Ok(left);
        }
        let loc = Loc::span(start, self.prev_loc());
        Ok(Expr {
            kind: ExprKind::Compare {
                left: Box::new(left),
                ops,
                comparators,
            },
            loc,
        })
    }

    fn binary_level(&mut self, level: u8) -> PResult<Expr> {
        // 0: |  1: ^  2: &  3: << >>  4: + -  5: * / // % @
        if level > 5 {
            return self.factor();
        }
        let start = self.cur_loc();
        let mut left = self.binary_level(level + 1)?;
        loop {
            let t = *self.tok();
            if t.kind != Tok::Op {
                break;
            }
            let op = match (level, t.op) {
                (0, Op::VBar) => BinOp::BitOr,
                (1, Op::Circumflex) => BinOp::BitXor,
                (2, Op::Amper) => BinOp::BitAnd,
                (3, Op::LeftShift) => BinOp::LShift,
                (3, Op::RightShift) => BinOp::RShift,
                (4, Op::Plus) => BinOp::Add,
                (4, Op::Minus) => BinOp::Sub,
                (5, Op::Star) => BinOp::Mult,
                (5, Op::Slash) => BinOp::Div,
                (5, Op::DoubleSlash) => BinOp::FloorDiv,
                (5, Op::Percent) => BinOp::Mod,
                (5, Op::At) => BinOp::MatMult,
                _ => break,
            };
            self.pos += 1;
            let right = self.binary_level(level + 1)?;
            let loc = Loc::span(start, self.prev_loc());
            left = Expr {
                kind: ExprKind::BinOp {
                    left: Box::new(left),
                    op,
                    right: Box::new(right),
                },
                loc,
            };
        }
        Ok(left)
    }

    fn bitwise_or(&mut self) -> PResult<Expr> {
        self.binary_level(0)
    }

    fn factor(&mut self) -> PResult<Expr> {
        let t = *self.tok();
        if t.kind == Tok::Op && matches!(t.op, Op::Plus | Op::Minus | Op::Tilde) {
            self.pos += 1;
            let op = match t.op {
                Op::Plus => UnaryOp::UAdd,
                Op::Minus => UnaryOp::USub,
                _ => UnaryOp::Invert,
            };
            self.enter()?;
            let operand = self.factor();
            self.leave();
            let operand = operand?;
            let loc = Loc::span(Self::loc_of(&t), self.prev_loc());
            return Ok(Expr {
                kind: ExprKind::UnaryOp {
                    op,
                    operand: Box::new(operand),
                },
                loc,
            });
        }
        self.power()
    }

    fn power(&mut self) -> PResult<Expr> {
        let start = self.cur_loc();
        let base = if self.at_kw("await") {
            let s = self.cur_loc();
            self.pos += 1;
            let v = self.primary()?;
            let loc = Loc::span(s, self.prev_loc());
            Expr {
                kind: ExprKind::Await { value: Box::new(v) },
                loc,
            }
        } else {
            self.primary()?
        };
        if self.eat_op(Op::DoubleStar) {
            self.enter()?;
            let exp = self.factor();
            self.leave();
            let exp = exp?;
            let loc = Loc::span(start, self.prev_loc());
            return Ok(Expr {
                kind: ExprKind::BinOp {
                    left: Box::new(base),
                    op: BinOp::Pow,
                    right: Box::new(exp),
                },
                loc,
            });
        }
        Ok(base)
    }

    fn primary(&mut self) -> PResult<Expr> {
        let start = self.cur_loc();
        let mut e = self.atom()?;
        let mut trailers = 0;
        loop {
            let t = *self.tok();
            if t.kind != Tok::Op {
                break;
            }
            match t.op {
                Op::Dot => {
                    self.pos += 1;
                    let (attr, l) = self.expect_name()?;
                    let loc = Loc::span(start, l);
                    e = Expr {
                        kind: ExprKind::Attribute {
                            value: Box::new(e),
                            attr,
                            ctx: Ctx::Load,
                        },
                        loc,
                    };
                }
                Op::LPar => {
                    let open = self.cur_loc();
                    self.pos += 1;
                    let (args, keywords) = self.call_args(Some(open))?;
                    let close = self.expect_op(Op::RPar)?;
                    let loc = Loc::span(start, Self::loc_of(&close));
                    e = Expr {
                        kind: ExprKind::Call {
                            func: Box::new(e),
                            args,
                            keywords,
                        },
                        loc,
                    };
                }
                Op::LSqb => {
                    self.pos += 1;
                    let slice = self.slices()?;
                    let close = self.expect_op(Op::RSqb)?;
                    let loc = Loc::span(start, Self::loc_of(&close));
                    e = Expr {
                        kind: ExprKind::Subscript {
                            value: Box::new(e),
                            slice: Box::new(slice),
                            ctx: Ctx::Load,
                        },
                        loc,
                    };
                }
                _ => break,
            }
            trailers += 1;
            if trailers % 64 == 0 {
                self.enter()?;
                self.leave();
            }
        }
        Ok(e)
    }

    fn slices(&mut self) -> PResult<Expr> {
        let start = self.cur_loc();
        let first = self.slice()?;
        if !self.at_op(Op::Comma) {
            if matches!(first.kind, ExprKind::Starred { .. }) {
                // `a[*b]` is a one-element tuple.
                let loc = first.loc;
                return Ok(Expr {
                    kind: ExprKind::Tuple {
                        elts: vec![first],
                        ctx: Ctx::Load,
                    },
                    loc,
                });
            }
            return Ok(first);
        }
        let mut elts = vec![first];
        while self.eat_op(Op::Comma) {
            if self.at_op(Op::RSqb) {
                break;
            }
            elts.push(self.slice()?);
        }
        let loc = Loc::span(start, self.prev_loc());
        Ok(Expr {
            kind: ExprKind::Tuple {
                elts,
                ctx: Ctx::Load,
            },
            loc,
        })
    }

    fn slice(&mut self) -> PResult<Expr> {
        let start = self.cur_loc();
        let mut lower = None;
        if !self.at_op(Op::Colon) {
            let e = if self.at_op(Op::Star) {
                self.star_expression()?
            } else {
                self.named_expression()?
            };
            if !self.at_op(Op::Colon) {
                return Ok(e);
            }
            lower = Some(Box::new(e));
        }
        self.expect_op(Op::Colon)?;
        let mut end = self.prev_loc();
        let upper = if !self.at_op(Op::Colon) && !self.at_op(Op::Comma) && !self.at_op(Op::RSqb) {
            let e = self.expression()?;
            end = e.loc;
            Some(Box::new(e))
        } else {
            None
        };
        let step = if self.eat_op(Op::Colon) {
            end = self.prev_loc();
            if !self.at_op(Op::Comma) && !self.at_op(Op::RSqb) {
                let e = self.expression()?;
                end = e.loc;
                Some(Box::new(e))
            } else {
                None
            }
        } else {
            None
        };
        let _ = end;
        Ok(Expr {
            kind: ExprKind::Slice { lower, upper, step },
            loc: Loc::span(start, self.prev_loc()),
        })
    }

    /// Call arguments up to (not including) the closing `)`.
    fn call_args(&mut self, _open: Option<Loc>) -> PResult<(Vec<Expr>, Vec<Keyword>)> {
        let mut args = Vec::new();
        let mut keywords: Vec<Keyword> = Vec::new();
        let mut seen_kw_unpack = false;
        loop {
            if self.at_op(Op::RPar) {
                break;
            }
            let t = *self.tok();
            if t.kind == Tok::Op && t.op == Op::DoubleStar {
                self.pos += 1;
                let v = self.expression()?;
                let loc = Loc::span(Self::loc_of(&t), self.prev_loc());
                keywords.push(Keyword {
                    arg: None,
                    value: v,
                    loc,
                });
                seen_kw_unpack = true;
            } else if t.kind == Tok::Op && t.op == Op::Star {
                self.pos += 1;
                let v = self.expression()?;
                let loc = Loc::span(Self::loc_of(&t), self.prev_loc());
                if seen_kw_unpack {
                    return Err(SyntaxErr::new(
                        "iterable argument unpacking follows keyword argument unpacking",
                        loc.line,
                        loc.col,
                    )
                    .with_end(loc.end_line, loc.end_col));
                }
                args.push(Expr {
                    kind: ExprKind::Starred {
                        value: Box::new(v),
                        ctx: Ctx::Load,
                    },
                    loc,
                });
            } else if t.kind == Tok::Name && self.peek_is_op(1, Op::Equal) {
                let (name, l) = (Rc::<str>::from(self.text(&t)), Self::loc_of(&t));
                if is_keyword(&name) {
                    return Err(SyntaxErr::new(
                        "expression cannot contain assignment, perhaps you meant \"==\"?",
                        l.line,
                        l.col,
                    ));
                }
                self.pos += 2;
                let v = self.expression()?;
                let loc = Loc::span(l, self.prev_loc());
                if keywords.iter().any(|k| k.arg.as_deref() == Some(&*name)) {
                    return Err(SyntaxErr::new(
                        format!("keyword argument repeated: {name}"),
                        l.line,
                        l.col,
                    )
                    .with_end(loc.end_line, loc.end_col));
                }
                keywords.push(Keyword {
                    arg: Some(name),
                    value: v,
                    loc,
                });
            } else {
                let e = self.named_expression()?;
                let e = if self.at_kw("for") || self.at_kw("async") {
                    let mut g = self.comprehension_tail(e, CompKind::Gen, None)?;
                    // A bare generator argument spans the call's parens.
                    if let Some(open) = _open
                        && self.at_op(Op::RPar)
                    {
                        g.loc = Loc::span(open, self.cur_loc());
                    }
                    if self.at_op(Op::Comma) || !args.is_empty() || !keywords.is_empty() {
                        let l = g.loc;
                        return Err(SyntaxErr::new(
                            "Generator expression must be parenthesized",
                            l.line,
                            l.col,
                        )
                        .with_end(l.end_line, l.end_col));
                    }
                    g
                } else {
                    e
                };
                if !keywords.is_empty() {
                    let l = e.loc;
                    let msg = if seen_kw_unpack {
                        "positional argument follows keyword argument unpacking"
                    } else {
                        "positional argument follows keyword argument"
                    };
                    return Err(SyntaxErr::new(msg, l.line, l.col).with_end(l.end_line, l.end_col));
                }
                args.push(e);
            }
            if !self.eat_op(Op::Comma) {
                break;
            }
        }
        Ok((args, keywords))
    }

    fn atom(&mut self) -> PResult<Expr> {
        let t = *self.tok();
        let loc = Self::loc_of(&t);
        match t.kind {
            Tok::Name => {
                let s = self.text(&t);
                let kind = match s {
                    "None" => ExprKind::Constant {
                        value: Constant::None,
                        kind_u: false,
                    },
                    "True" => ExprKind::Constant {
                        value: Constant::Bool(true),
                        kind_u: false,
                    },
                    "False" => ExprKind::Constant {
                        value: Constant::Bool(false),
                        kind_u: false,
                    },
                    _ if is_keyword(s) => {
                        if s == "yield" {
                            return Err(self.invalid_syntax());
                        }
                        return Err(self.invalid_syntax());
                    }
                    _ => ExprKind::Name {
                        id: Rc::from(s),
                        ctx: Ctx::Load,
                    },
                };
                self.pos += 1;
                Ok(Expr { kind, loc })
            }
            Tok::Number => {
                self.pos += 1;
                let value =
                    parse_number(self.text(&t)).map_err(|m| SyntaxErr::new(m, t.line, t.col))?;
                Ok(Expr {
                    kind: ExprKind::Constant {
                        value,
                        kind_u: false,
                    },
                    loc,
                })
            }
            Tok::String => self.strings(),
            Tok::Op => match t.op {
                Op::LPar => self.paren(),
                Op::LSqb => self.list_display(),
                Op::LBrace => self.brace_display(),
                Op::Ellipsis => {
                    self.pos += 1;
                    Ok(Expr {
                        kind: ExprKind::Constant {
                            value: Constant::Ellipsis,
                            kind_u: false,
                        },
                        loc,
                    })
                }
                _ => Err(self.invalid_syntax()),
            },
            Tok::Indent => Err(self.invalid_syntax()),
            Tok::Dedent | Tok::Newline | Tok::EndMarker => Err(self.invalid_syntax()),
        }
    }

    fn paren(&mut self) -> PResult<Expr> {
        let open = self.cur_loc();
        self.pos += 1;
        self.enter()?;
        let r = self.paren_inner(open);
        self.leave();
        r
    }

    fn paren_inner(&mut self, open: Loc) -> PResult<Expr> {
        if self.at_op(Op::RPar) {
            self.pos += 1;
            let loc = Loc::span(open, self.prev_loc());
            return Ok(Expr {
                kind: ExprKind::Tuple {
                    elts: Vec::new(),
                    ctx: Ctx::Load,
                },
                loc,
            });
        }
        if self.at_kw("yield") {
            let e = self.yield_expr()?;
            self.expect_op(Op::RPar)?;
            return Ok(e);
        }
        let first = self.star_named_expression()?;
        if self.at_kw("for") || self.at_kw("async") {
            let mut g = self.comprehension_tail(first, CompKind::Gen, None)?;
            let close = self.expect_op(Op::RPar)?;
            g.loc = Loc::span(open, Self::loc_of(&close));
            return Ok(g);
        }
        if self.at_op(Op::RPar) {
            self.pos += 1;
            if matches!(first.kind, ExprKind::Starred { .. }) {
                let l = first.loc;
                return Err(
                    SyntaxErr::new("cannot use starred expression here", l.line, l.col)
                        .with_end(l.end_line, l.end_col),
                );
            }
            return Ok(first);
        }
        let mut elts = vec![first];
        while self.eat_op(Op::Comma) {
            if self.at_op(Op::RPar) {
                break;
            }
            elts.push(self.star_named_expression()?);
        }
        let close = self.expect_op(Op::RPar)?;
        let loc = Loc::span(open, Self::loc_of(&close));
        Ok(Expr {
            kind: ExprKind::Tuple {
                elts,
                ctx: Ctx::Load,
            },
            loc,
        })
    }

    fn yield_expr(&mut self) -> PResult<Expr> {
        let s = self.cur_loc();
        self.pos += 1;
        if self.eat_kw("from") {
            let v = self.expression()?;
            let loc = Loc::span(s, self.prev_loc());
            return Ok(Expr {
                kind: ExprKind::YieldFrom { value: Box::new(v) },
                loc,
            });
        }
        if self.at_expr_end() || self.at_op(Op::RPar) {
            return Ok(Expr {
                kind: ExprKind::Yield { value: None },
                loc: s,
            });
        }
        let v = self.star_expressions()?;
        let loc = Loc::span(s, self.prev_loc());
        Ok(Expr {
            kind: ExprKind::Yield {
                value: Some(Box::new(v)),
            },
            loc,
        })
    }

    fn list_display(&mut self) -> PResult<Expr> {
        let open = self.cur_loc();
        self.pos += 1;
        self.enter()?;
        let r = (|| {
            if self.at_op(Op::RSqb) {
                self.pos += 1;
                return Ok(Expr {
                    kind: ExprKind::List {
                        elts: Vec::new(),
                        ctx: Ctx::Load,
                    },
                    loc: Loc::span(open, self.prev_loc()),
                });
            }
            let first = self.star_named_expression()?;
            if self.at_kw("for") || self.at_kw("async") {
                let mut c = self.comprehension_tail(first, CompKind::List, None)?;
                let close = self.expect_op(Op::RSqb)?;
                c.loc = Loc::span(open, Self::loc_of(&close));
                return Ok(c);
            }
            let mut elts = vec![first];
            while self.eat_op(Op::Comma) {
                if self.at_op(Op::RSqb) {
                    break;
                }
                elts.push(self.star_named_expression()?);
            }
            let close = self.expect_op(Op::RSqb)?;
            Ok(Expr {
                kind: ExprKind::List {
                    elts,
                    ctx: Ctx::Load,
                },
                loc: Loc::span(open, Self::loc_of(&close)),
            })
        })();
        self.leave();
        r
    }

    fn brace_display(&mut self) -> PResult<Expr> {
        let open = self.cur_loc();
        self.pos += 1;
        self.enter()?;
        let r = self.brace_inner(open);
        self.leave();
        r
    }

    fn brace_inner(&mut self, open: Loc) -> PResult<Expr> {
        if self.at_op(Op::RBrace) {
            self.pos += 1;
            return Ok(Expr {
                kind: ExprKind::Dict {
                    keys: Vec::new(),
                    values: Vec::new(),
                },
                loc: Loc::span(open, self.prev_loc()),
            });
        }
        // Dict: first item is `**x` or `k: v`.
        if self.at_op(Op::DoubleStar) {
            return self.dict_rest(open, None);
        }
        let first = self.star_named_expression()?;
        if self.eat_op(Op::Colon) {
            let v = self.expression()?;
            if self.at_kw("for") || self.at_kw("async") {
                let mut c = self.comprehension_tail(v, CompKind::Dict, Some(first))?;
                let close = self.expect_op(Op::RBrace)?;
                c.loc = Loc::span(open, Self::loc_of(&close));
                return Ok(c);
            }
            return self.dict_rest(open, Some((first, v)));
        }
        if self.at_kw("for") || self.at_kw("async") {
            let mut c = self.comprehension_tail(first, CompKind::Set, None)?;
            let close = self.expect_op(Op::RBrace)?;
            c.loc = Loc::span(open, Self::loc_of(&close));
            return Ok(c);
        }
        let mut elts = vec![first];
        while self.eat_op(Op::Comma) {
            if self.at_op(Op::RBrace) {
                break;
            }
            elts.push(self.star_named_expression()?);
        }
        let close = self.expect_op(Op::RBrace)?;
        Ok(Expr {
            kind: ExprKind::Set { elts },
            loc: Loc::span(open, Self::loc_of(&close)),
        })
    }

    fn dict_rest(&mut self, open: Loc, first: Option<(Expr, Expr)>) -> PResult<Expr> {
        let mut keys = Vec::new();
        let mut values = Vec::new();
        let mut need_item = true;
        if let Some((k, v)) = first {
            keys.push(Some(k));
            values.push(v);
            need_item = false;
        }
        loop {
            if need_item {
                if self.at_op(Op::RBrace) {
                    break;
                }
                if self.eat_op(Op::DoubleStar) {
                    keys.push(None);
                    values.push(self.bitwise_or()?);
                } else {
                    let k = self.expression()?;
                    if !self.eat_op(Op::Colon) {
                        let t = self.tok();
                        if t.kind == Tok::Op && matches!(t.op, Op::Comma | Op::RBrace) {
                            let l = k.loc;
                            return Err(SyntaxErr::new(
                                "':' expected after dictionary key",
                                l.line,
                                l.col,
                            )
                            .with_end(l.end_line, l.end_col));
                        }
                        return Err(self.invalid_syntax());
                    }
                    keys.push(Some(k));
                    values.push(self.expression()?);
                }
            }
            need_item = true;
            if !self.eat_op(Op::Comma) {
                break;
            }
        }
        let close = self.expect_op(Op::RBrace)?;
        Ok(Expr {
            kind: ExprKind::Dict { keys, values },
            loc: Loc::span(open, Self::loc_of(&close)),
        })
    }

    fn comprehension_tail(
        &mut self,
        elt: Expr,
        kind: CompKind,
        key: Option<Expr>,
    ) -> PResult<Expr> {
        if let ExprKind::Starred { .. } = elt.kind {
            let l = elt.loc;
            let what = match kind {
                CompKind::Dict => "dict comprehension",
                _ => "comprehension",
            };
            let _ = what;
            return Err(SyntaxErr::new(
                "iterable unpacking cannot be used in comprehension",
                l.line,
                l.col,
            )
            .with_end(l.end_line, l.end_col));
        }
        let mut generators = Vec::new();
        loop {
            let is_async = self.eat_kw("async");
            if !self.eat_kw("for") {
                if is_async {
                    return Err(self.invalid_syntax());
                }
                break;
            }
            let target = self.star_targets()?;
            if !self.eat_kw("in") {
                return Err(self.invalid_syntax());
            }
            let iter = self.disjunction()?;
            let mut ifs = Vec::new();
            while self.eat_kw("if") {
                ifs.push(self.disjunction()?);
            }
            generators.push(Comprehension {
                target,
                iter,
                ifs,
                is_async,
            });
        }
        let start = key.as_ref().map_or(elt.loc, |k| k.loc);
        let loc = Loc::span(start, self.prev_loc());
        let kind = match kind {
            CompKind::List => ExprKind::ListComp {
                elt: Box::new(elt),
                generators,
            },
            CompKind::Set => ExprKind::SetComp {
                elt: Box::new(elt),
                generators,
            },
            CompKind::Gen => ExprKind::GeneratorExp {
                elt: Box::new(elt),
                generators,
            },
            CompKind::Dict => ExprKind::DictComp {
                key: Box::new(key.expect("dict key")),
                value: Box::new(elt),
                generators,
            },
        };
        Ok(Expr { kind, loc })
    }

    // ---- strings -------------------------------------------------------------

    /// Adjacent string literals, concatenated (f-strings make a JoinedStr).
    fn strings(&mut self) -> PResult<Expr> {
        let first = *self.tok();
        let mut parts: Vec<Token> = Vec::new();
        while self.at(Tok::String) {
            parts.push(*self.tok());
            self.pos += 1;
        }
        let last = *parts.last().expect("one");
        let loc = Loc::span(Self::loc_of(&first), Self::loc_of(&last));
        let mut is_bytes = None;
        let mut any_f = false;
        let mut kind_u = false;
        for (i, t) in parts.iter().enumerate() {
            let s = self.text(t);
            let prefix: String = s
                .chars()
                .take_while(|c| *c != '"' && *c != '\'')
                .collect::<String>()
                .to_ascii_lowercase();
            let b = prefix.contains('b');
            if i == 0 && prefix == "u" {
                kind_u = true;
            }
            match is_bytes {
                None => is_bytes = Some(b),
                Some(x) if x != b => {
                    return Err(SyntaxErr::new(
                        "cannot mix bytes and nonbytes literals",
                        first.line,
                        first.col,
                    )
                    .with_end(last.end_line, last.end_col));
                }
                _ => {}
            }
            any_f |= prefix.contains('f');
        }
        if is_bytes == Some(true) {
            let mut out = Vec::new();
            for t in &parts {
                let (prefix, body, _, _) = split_string(self.text(t));
                decode_bytes(body, prefix.contains('r'), &mut out)
                    .map_err(|m| SyntaxErr::new(m, t.line, t.col))?;
            }
            return Ok(Expr {
                kind: ExprKind::Constant {
                    value: Constant::Bytes(Rc::from(out)),
                    kind_u: false,
                },
                loc,
            });
        }
        if !any_f {
            let mut out = Vec::new();
            for t in &parts {
                let (prefix, body, _, _) = split_string(self.text(t));
                decode_str(body, prefix.contains('r'), &mut out)
                    .map_err(|m| SyntaxErr::new(m, t.line, t.col))?;
            }
            return Ok(Expr {
                kind: ExprKind::Constant {
                    value: Constant::Str(Rc::from(out)),
                    kind_u,
                },
                loc,
            });
        }
        // f-strings: a JoinedStr of constants and formatted values.
        let mut values: Vec<Expr> = Vec::new();
        let mut pending: Vec<u8> = Vec::new();
        let mut pending_loc: Option<Loc> = None;
        for t in &parts {
            let text = self.text(t);
            let (prefix, body, body_off, _) = split_string(text);
            let raw = prefix.contains('r');
            if !prefix.contains('f') {
                decode_str(body, raw, &mut pending)
                    .map_err(|m| SyntaxErr::new(m, t.line, t.col))?;
                let l = Self::loc_of(t);
                pending_loc = Some(pending_loc.map_or(l, |p| Loc::span(p, l)));
                continue;
            }
            // Position of the body's first byte.
            let (bl, bc) = advance_pos(t.line, t.col, &text[..body_off]);
            self.fstring_body(
                body,
                raw,
                bl,
                bc,
                &mut values,
                &mut pending,
                &mut pending_loc,
            )?;
        }
        if !pending.is_empty() {
            values.push(Expr {
                kind: ExprKind::Constant {
                    value: Constant::Str(Rc::from(std::mem::take(&mut pending))),
                    kind_u: false,
                },
                loc: pending_loc.unwrap_or(loc),
            });
        }
        Ok(Expr {
            kind: ExprKind::JoinedStr { values },
            loc,
        })
    }

    /// Splits one f-string body into constants and replacement fields.
    #[allow(clippy::too_many_arguments)]
    fn fstring_body(
        &mut self,
        body: &str,
        raw: bool,
        line: u32,
        col: u32,
        values: &mut Vec<Expr>,
        pending: &mut Vec<u8>,
        pending_loc: &mut Option<Loc>,
    ) -> PResult<()> {
        self.in_fstring += 1;
        let r = self.fstring_body_inner(body, raw, line, col, values, pending, pending_loc);
        self.in_fstring -= 1;
        r
    }

    #[allow(clippy::too_many_arguments)]
    fn fstring_body_inner(
        &mut self,
        body: &str,
        raw: bool,
        line: u32,
        col: u32,
        values: &mut Vec<Expr>,
        pending: &mut Vec<u8>,
        pending_loc: &mut Option<Loc>,
    ) -> PResult<()> {
        let b = body.as_bytes();
        let mut i = 0;
        let mut lit_start = 0;
        let flush_lit = |from: usize,
                         to: usize,
                         pending: &mut Vec<u8>,
                         pending_loc: &mut Option<Loc>|
         -> PResult<()> {
            if to > from {
                let seg = &body[from..to];
                // `{{` and `}}` were kept doubled; undouble after escapes.
                let mut tmp = Vec::new();
                decode_str(seg, raw, &mut tmp).map_err(|m| SyntaxErr::new(m, line, col))?;
                let mut und = Vec::with_capacity(tmp.len());
                let mut k = 0;
                while k < tmp.len() {
                    und.push(tmp[k]);
                    if (tmp[k] == b'{' || tmp[k] == b'}') && tmp.get(k + 1) == Some(&tmp[k]) {
                        k += 1;
                    }
                    k += 1;
                }
                pending.extend_from_slice(&und);
                let (l1, c1) = advance_pos(line, col, &body[..from]);
                let (l2, c2) = advance_pos(line, col, &body[..to]);
                let l = Loc {
                    line: l1,
                    col: c1,
                    end_line: l2,
                    end_col: c2,
                };
                *pending_loc = Some(pending_loc.map_or(l, |p| Loc::span(p, l)));
            }
            Ok(())
        };
        while i < b.len() {
            match b[i] {
                b'\\' if !raw => {
                    // `{` and `}` after a backslash still delimit fields.
                    i += if matches!(b.get(i + 1), Some(b'{' | b'}')) {
                        1
                    } else {
                        2
                    };
                }
                b'{' if b.get(i + 1) == Some(&b'{') => i += 2,
                b'}' if b.get(i + 1) == Some(&b'}') => i += 2,
                b'}' => {
                    let (l, c) = advance_pos(line, col, &body[..i]);
                    return Err(SyntaxErr::new("f-string: single '}' is not allowed", l, c));
                }
                b'{' => {
                    flush_lit(lit_start, i, pending, pending_loc)?;
                    let field_start = i;
                    let (fv, end) = self.fstring_field(body, raw, i, line, col)?;
                    i = end;
                    lit_start = i;
                    // A debug field `{x=}` contributes its text first.
                    if let Some((text, l)) = fv.1 {
                        pending.extend_from_slice(text.as_bytes());
                        *pending_loc = Some(pending_loc.map_or(l, |p| Loc::span(p, l)));
                    }
                    if !pending.is_empty() {
                        values.push(Expr {
                            kind: ExprKind::Constant {
                                value: Constant::Str(Rc::from(std::mem::take(pending))),
                                kind_u: false,
                            },
                            loc: pending_loc.take().unwrap_or_default(),
                        });
                    }
                    *pending_loc = None;
                    let _ = field_start;
                    values.push(fv.0);
                }
                _ => i += 1,
            }
        }
        flush_lit(lit_start, b.len(), pending, pending_loc)?;
        Ok(())
    }

    /// Parses `{expr[=][!c][:spec]}` starting at `body[start] == '{'`.
    /// Returns the FormattedValue (and a debug prefix) and the index after
    /// the closing brace.
    #[allow(clippy::type_complexity)]
    fn fstring_field(
        &mut self,
        body: &str,
        raw: bool,
        start: usize,
        line: u32,
        col: u32,
    ) -> PResult<((Expr, Option<(String, Loc)>), usize)> {
        let b = body.as_bytes();
        // Find the end of the expression: a top-level '=', '!', ':' or '}'.
        let mut i = start + 1;
        let mut depth = 0i32;
        let expr_start = i;
        let mut quote: Option<(u8, bool)> = None;
        while i < b.len() {
            let c = b[i];
            if let Some((q, triple)) = quote {
                if c == b'\\' {
                    i += 2;
                    continue;
                }
                if c == q && (!triple || (b.get(i + 1) == Some(&q) && b.get(i + 2) == Some(&q))) {
                    i += if triple { 3 } else { 1 };
                    quote = None;
                    continue;
                }
                i += 1;
                continue;
            }
            match c {
                b'\'' | b'"' => {
                    let triple = b.get(i + 1) == Some(&c) && b.get(i + 2) == Some(&c);
                    quote = Some((c, triple));
                    i += if triple { 3 } else { 1 };
                    continue;
                }
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' if depth > 0 => depth -= 1,
                b'}' => break,
                b'!' if depth == 0 && b.get(i + 1) != Some(&b'=') => break,
                b':' if depth == 0 => break,
                b'=' if depth == 0
                    && b.get(i + 1) != Some(&b'=')
                    && !matches!(b.get(i.wrapping_sub(1)), Some(b'=' | b'!' | b'<' | b'>')) =>
                {
                    break;
                }
                b'#' => {
                    // A comment (multi-line fields): runs to the line end.
                    while i < b.len() && b[i] != b'\n' {
                        i += 1;
                    }
                    continue;
                }
                _ => {}
            }
            i += 1;
        }
        let expr_end = i;
        let expr_text = &body[expr_start..expr_end];
        let (el, ec) = advance_pos(line, col, &body[..expr_start]);
        if expr_text.trim().is_empty() {
            let (l, c2) = advance_pos(line, col, &body[..expr_end]);
            return Err(SyntaxErr::new(
                if i < b.len() && b[i] == b'}' {
                    "f-string: valid expression required before '}'"
                } else {
                    "f-string: valid expression required before '!'"
                },
                l,
                c2,
            ));
        }
        let toks = tokenize_embedded(expr_text, el, ec)?;
        let mut sub = Parser::new_embedded(expr_text, toks, self.depth + 1, self.in_fstring);
        let value = if sub.at_kw("yield") {
            sub.yield_expr()?
        } else {
            sub.star_expressions()?
        };
        if !sub.at(Tok::EndMarker) {
            return Err(sub.invalid_syntax());
        }
        let mut debug = None;
        let mut conversion = -1;
        if i < b.len() && b[i] == b'=' {
            i += 1;
            // Whitespace after '=' belongs to the debug text.
            while i < b.len() && b[i] == b' ' {
                i += 1;
            }
            let text = body[expr_start..i].to_string();
            let (l1, c1) = advance_pos(line, col, &body[..expr_start]);
            let (l2, c2) = advance_pos(line, col, &body[..i]);
            debug = Some((
                text,
                Loc {
                    line: l1,
                    col: c1,
                    end_line: l2,
                    end_col: c2,
                },
            ));
        }
        if i < b.len() && b[i] == b'!' {
            let c = b.get(i + 1).copied().unwrap_or(0);
            conversion = match c {
                b's' | b'r' | b'a' => i32::from(c),
                _ => {
                    let (l, c2) = advance_pos(line, col, &body[..i + 1]);
                    let msg = if c == b'}' || c == b':' || c == 0 {
                        "f-string: missing conversion character"
                    } else {
                        "f-string: invalid conversion character: expected 's', 'r', or 'a'"
                    };
                    return Err(SyntaxErr::new(msg, l, c2));
                }
            };
            i += 2;
        }
        let mut format_spec = None;
        if i < b.len() && b[i] == b':' {
            i += 1;
            // The spec runs to the matching '}', with nested fields.
            let spec_start = i;
            let mut d = 0i32;
            while i < b.len() {
                match b[i] {
                    b'{' => d += 1,
                    b'}' if d > 0 => d -= 1,
                    b'}' => break,
                    _ => {}
                }
                i += 1;
            }
            let spec = &body[spec_start..i];
            let (sl, sc) = advance_pos(line, col, &body[..spec_start]);
            let mut vals = Vec::new();
            let mut pend = Vec::new();
            let mut ploc = None;
            self.fstring_body(spec, raw, sl, sc, &mut vals, &mut pend, &mut ploc)?;
            if !pend.is_empty() {
                vals.push(Expr {
                    kind: ExprKind::Constant {
                        value: Constant::Str(Rc::from(pend)),
                        kind_u: false,
                    },
                    loc: ploc.unwrap_or_default(),
                });
            }
            let (el2, ec2) = advance_pos(line, col, &body[..i]);
            let (cl, cc) = advance_pos(line, col, &body[..spec_start - 1]);
            format_spec = Some(Box::new(Expr {
                kind: ExprKind::JoinedStr { values: vals },
                loc: Loc {
                    line: cl,
                    col: cc,
                    end_line: el2,
                    end_col: ec2,
                },
            }));
        }
        if i >= b.len() || b[i] != b'}' {
            let (l, c2) = advance_pos(line, col, &body[..start]);
            return Err(SyntaxErr::new("f-string: expecting '}'", l, c2));
        }
        i += 1;
        if debug.is_some() && conversion == -1 && format_spec.is_none() {
            conversion = i32::from(b'r');
        }
        let (l1, c1) = advance_pos(line, col, &body[..start]);
        let (l2, c2) = advance_pos(line, col, &body[..i]);
        let loc = Loc {
            line: l1,
            col: c1,
            end_line: l2,
            end_col: c2,
        };
        Ok((
            (
                Expr {
                    kind: ExprKind::FormattedValue {
                        value: Box::new(value),
                        conversion,
                        format_spec,
                    },
                    loc,
                },
                debug,
            ),
            i,
        ))
    }

    fn new_embedded(src: &'a str, toks: Vec<Token>, depth: usize, in_fstring: usize) -> Parser<'a> {
        Parser {
            src,
            toks,
            pos: 0,
            depth,
            in_fstring,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum CompKind {
    List,
    Set,
    Dict,
    Gen,
}

/// Splits a string token into (lowercase prefix, body, body offset, quote
/// length).
fn split_string(text: &str) -> (String, &str, usize, usize) {
    let plen = text.find(['"', '\'']).unwrap_or(0);
    let prefix = text[..plen].to_ascii_lowercase();
    let rest = &text[plen..];
    let q = rest.as_bytes()[0];
    let ql = if rest.len() >= 6 && rest.as_bytes()[1] == q && rest.as_bytes()[2] == q {
        3
    } else {
        1
    };
    let body = &rest[ql..rest.len() - ql];
    (prefix, body, plen + ql, ql)
}

/// The position after `text` starting at (`line`, `col`).
fn advance_pos(mut line: u32, mut col: u32, text: &str) -> (u32, u32) {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\n' || (b[i] == b'\r' && b.get(i + 1) != Some(&b'\n')) {
            line += 1;
            col = 0;
        } else if b[i] == b'\r' {
            // \r\n: the \n advances.
        } else {
            col += 1;
        }
        i += 1;
    }
    (line, col)
}

/// Pushes a code point as generalized UTF-8 (surrogates allowed).
pub(crate) fn push_code_point(out: &mut Vec<u8>, cp: u32) {
    if cp < 0x80 {
        out.push(cp as u8);
    } else if cp < 0x800 {
        out.push(0xC0 | (cp >> 6) as u8);
        out.push(0x80 | (cp & 0x3F) as u8);
    } else if cp < 0x10000 {
        out.push(0xE0 | (cp >> 12) as u8);
        out.push(0x80 | ((cp >> 6) & 0x3F) as u8);
        out.push(0x80 | (cp & 0x3F) as u8);
    } else {
        out.push(0xF0 | (cp >> 18) as u8);
        out.push(0x80 | ((cp >> 12) & 0x3F) as u8);
        out.push(0x80 | ((cp >> 6) & 0x3F) as u8);
        out.push(0x80 | (cp & 0x3F) as u8);
    }
}

fn decode_str(body: &str, raw: bool, out: &mut Vec<u8>) -> Result<(), String> {
    decode_escapes(body, raw, false, out)
}

fn decode_bytes(body: &str, raw: bool, out: &mut Vec<u8>) -> Result<(), String> {
    if body.bytes().any(|b| b >= 0x80) {
        return Err("bytes can only contain ASCII literal characters".into());
    }
    decode_escapes(body, raw, true, out)
}

fn decode_escapes(body: &str, raw: bool, bytes: bool, out: &mut Vec<u8>) -> Result<(), String> {
    let b = body.as_bytes();
    // Normalize newlines: \r\n and \r become \n in literals.
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'\r' {
            out.push(b'\n');
            i += if b.get(i + 1) == Some(&b'\n') { 2 } else { 1 };
            continue;
        }
        if c != b'\\' || raw {
            if raw && c == b'\\' && i + 1 < b.len() {
                out.push(b'\\');
                i += 1;
                let n = b[i];
                if n == b'\r' {
                    out.push(b'\n');
                    i += if b.get(i + 1) == Some(&b'\n') { 2 } else { 1 };
                } else {
                    out.push(n);
                    i += 1;
                }
                continue;
            }
            out.push(c);
            i += 1;
            continue;
        }
        i += 1;
        let Some(&e) = b.get(i) else {
            out.push(b'\\');
            break;
        };
        i += 1;
        match e {
            b'\n' => {}
            b'\r' => {
                if b.get(i) == Some(&b'\n') {
                    i += 1;
                }
            }
            b'\\' => out.push(b'\\'),
            b'\'' => out.push(b'\''),
            b'"' => out.push(b'"'),
            b'a' => out.push(7),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'v' => out.push(11),
            b'0'..=b'7' => {
                let mut v = u32::from(e - b'0');
                for _ in 0..2 {
                    match b.get(i) {
                        Some(&d @ b'0'..=b'7') => {
                            v = v * 8 + u32::from(d - b'0');
                            i += 1;
                        }
                        _ => break,
                    }
                }
                if bytes {
                    out.push((v & 0xFF) as u8);
                } else {
                    push_code_point(out, v);
                }
            }
            b'x' => {
                let h = body
                    .get(i..i + 2)
                    .filter(|h| h.bytes().all(|c| c.is_ascii_hexdigit()));
                let Some(h) = h else {
                    return Err(format!(
                        "({}) {} can't decode bytes in position {}-{}: truncated \\xXX escape",
                        if bytes {
                            "value error"
                        } else {
                            "unicode error"
                        },
                        if bytes {
                            "invalid \\x escape"
                        } else {
                            "'unicodeescape' codec"
                        },
                        i - 2,
                        (i + 1).min(b.len()) - 1
                    ));
                };
                let v = u32::from_str_radix(h, 16).map_err(|e| e.to_string())?;
                i += 2;
                if bytes {
                    out.push(v as u8);
                } else {
                    push_code_point(out, v);
                }
            }
            b'u' | b'U' if !bytes => {
                let n = if e == b'u' { 4 } else { 8 };
                let h = body
                    .get(i..i + n)
                    .filter(|h| h.bytes().all(|c| c.is_ascii_hexdigit()));
                let Some(h) = h else {
                    return Err(format!(
                        "(unicode error) 'unicodeescape' codec can't decode bytes in position {}-{}: truncated \\{}{} escape",
                        i - 2,
                        (i + n).min(b.len()) - 1,
                        e as char,
                        "X".repeat(n)
                    ));
                };
                let v = u32::from_str_radix(h, 16).map_err(|e| e.to_string())?;
                if v > 0x10FFFF {
                    return Err(format!(
                        "(unicode error) 'unicodeescape' codec can't decode bytes in position {}-{}: illegal Unicode character",
                        i - 2,
                        i + n - 1
                    ));
                }
                i += n;
                push_code_point(out, v);
            }
            b'N' if !bytes => {
                // \N{NAME}: named characters are outside the subset.
                return Err("(unicode error) 'unicodeescape' codec can't decode bytes: \\N{...} escapes are not supported by pyrt".into());
            }
            _ => {
                // Unknown escapes stay as written (a SyntaxWarning in 3.12+).
                out.push(b'\\');
                out.push(e);
                // Keep multi-byte characters intact.
                if e >= 0x80 {
                    while i < b.len() && (b[i] & 0xC0) == 0x80 {
                        out.push(b[i]);
                        i += 1;
                    }
                }
            }
        }
    }
    Ok(())
}

/// Parses a number literal's text.
fn parse_number(s: &str) -> Result<Constant, String> {
    let clean: String = s.chars().filter(|c| *c != '_').collect();
    let lower = clean.to_ascii_lowercase();
    if lower.ends_with('j') {
        let v: f64 = lower[..lower.len() - 1]
            .parse()
            .map_err(|_| "invalid imaginary literal".to_string())?;
        return Ok(Constant::Complex(v));
    }
    if lower.starts_with("0x") || lower.starts_with("0o") || lower.starts_with("0b") {
        let radix = match &lower[..2] {
            "0x" => 16,
            "0o" => 8,
            _ => 2,
        };
        // Keep as a digit string with a radix marker; the compiler builds
        // the int (decimal conversion of big hex literals is quadratic and
        // must not be limited by int_max_str_digits).
        return Ok(Constant::Int(Rc::from(
            format!("{radix}:{}", &lower[2..]).as_str(),
        )));
    }
    if lower.contains('.') || lower.contains('e') {
        let v: f64 = lower
            .parse()
            .map_err(|_| "invalid decimal literal".to_string())?;
        return Ok(Constant::Float(v));
    }
    Ok(Constant::Int(Rc::from(format!("10:{clean}").as_str())))
}

/// How CPython names an expression in "cannot assign to …" messages.
pub(crate) fn describe_expr(e: &Expr) -> &'static str {
    match &e.kind {
        ExprKind::BoolOp { .. } | ExprKind::BinOp { .. } | ExprKind::UnaryOp { .. } => "expression",
        ExprKind::NamedExpr { .. } => "named expression",
        ExprKind::Lambda { .. } => "lambda",
        ExprKind::IfExp { .. } => "conditional expression",
        ExprKind::Dict { .. } => "dict literal",
        ExprKind::Set { .. } => "set display",
        ExprKind::ListComp { .. } => "list comprehension",
        ExprKind::SetComp { .. } => "set comprehension",
        ExprKind::DictComp { .. } => "dict comprehension",
        ExprKind::GeneratorExp { .. } => "generator expression",
        ExprKind::Await { .. } => "await expression",
        ExprKind::Yield { .. } | ExprKind::YieldFrom { .. } => "yield expression",
        ExprKind::Compare { .. } => "comparison",
        ExprKind::Call { .. } => "function call",
        ExprKind::FormattedValue { .. } | ExprKind::JoinedStr { .. } => "f-string expression",
        ExprKind::Constant { value, .. } => match value {
            Constant::None => "None",
            Constant::Bool(true) => "True",
            Constant::Bool(false) => "False",
            Constant::Ellipsis => "ellipsis",
            _ => "literal",
        },
        ExprKind::Attribute { .. } => "attribute",
        ExprKind::Subscript { .. } => "subscript",
        ExprKind::Starred { .. } => "starred",
        ExprKind::Name { .. } => "name",
        ExprKind::List { .. } => "list",
        ExprKind::Tuple { .. } => "tuple",
        ExprKind::Slice { .. } => "slice",
    }
}

#[allow(dead_code)]
fn kind_name(k: SyntaxKind) -> &'static str {
    k.name()
}
