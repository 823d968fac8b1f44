//! A mutation fuzzer for the VM's front end (tokenizer, parser, symbol
//! table, compiler) on stable Rust: corpus files are mutated with byte
//! edits, token insertions and splices, and each input must either
//! compile or give a syntax error, never panic.
//!
//! (`cargo fuzz` needs a nightly toolchain; pyrt pins a stable one, so the
//! fuzzer is a plain loop with a seeded generator: a failing input is
//! written out and the run is reproducible from its seed.)

use std::panic::AssertUnwindSafe;
use std::path::Path;

use num_bigint::BigInt;
use pyrt::vm::code::Code;
use pyrt::vm::compile::{CompileOptions, ConstMaker, compile_expression, compile_module};
use pyrt::vm::object::Value;

/// Constants are not needed to exercise the compiler: all become None.
struct NoConsts;

impl ConstMaker for NoConsts {
    fn str(&mut self, _s: &[u8]) -> Value {
        Value::None
    }
    fn bytes(&mut self, _b: &[u8]) -> Value {
        Value::None
    }
    fn bigint(&mut self, _v: BigInt) -> Value {
        Value::None
    }
    fn tuple(&mut self, _items: Vec<Value>) -> Value {
        Value::None
    }
    fn code(&mut self, _c: Code) -> Value {
        Value::None
    }
    fn ellipsis(&mut self) -> Value {
        Value::None
    }
}

/// xorshift64* (deterministic, seedable).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

const TOKENS: &[&str] = &[
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ":",
    ",",
    ".",
    ";",
    "=",
    "==",
    "+=",
    "**",
    "//",
    "->",
    "@",
    "*",
    "**",
    "\n",
    "\n    ",
    "\n\t",
    "    ",
    "\\\n",
    "'",
    "\"",
    "'''",
    "\"\"\"",
    "f'",
    "f\"{",
    "}",
    "{x!r:>{w}}",
    "rb'",
    "#",
    "0x",
    "1e",
    "1_0",
    "0.",
    "if ",
    "else",
    "elif ",
    "while ",
    "for ",
    " in ",
    "def ",
    "class ",
    "return",
    "yield",
    "yield from ",
    "lambda",
    "try:",
    "except",
    "finally:",
    "with ",
    " as ",
    "import ",
    "from ",
    "global ",
    "nonlocal ",
    "del ",
    "pass",
    "break",
    "continue",
    "raise ",
    " from ",
    "assert ",
    "not ",
    " and ",
    " or ",
    " is ",
    "await ",
    "async ",
    "match ",
    "case ",
    "type ",
    ":=",
    "*args",
    "**kw",
    "/",
    "...",
    "None",
    "True",
    "\u{e9}",
    "\u{1F600}",
    "\u{0}",
    "\r",
    "\u{feff}",
];

fn mutate(rng: &mut Rng, corpus: &[Vec<u8>], input: &mut Vec<u8>) {
    let edits = 1 + rng.below(4);
    for _ in 0..edits {
        let len = input.len();
        match rng.below(7) {
            0 if len > 0 => {
                let i = rng.below(len);
                input[i] = rng.next() as u8;
            }
            1 if len > 0 => {
                let i = rng.below(len);
                let n = 1 + rng.below(8.min(len - i));
                input.drain(i..i + n);
            }
            2 | 3 => {
                let i = rng.below(len + 1);
                let t = TOKENS[rng.below(TOKENS.len())].as_bytes();
                input.splice(i..i, t.iter().copied());
            }
            4 if len > 0 => {
                // Duplicate a slice (nesting, repetition).
                let i = rng.below(len);
                let n = 1 + rng.below(64.min(len - i));
                let piece: Vec<u8> = input[i..i + n].to_vec();
                let at = rng.below(len + 1);
                input.splice(at..at, piece);
            }
            5 => {
                // Splice in a piece of another corpus file.
                let other = &corpus[rng.below(corpus.len())];
                if !other.is_empty() {
                    let i = rng.below(other.len());
                    let n = 1 + rng.below(200.min(other.len() - i));
                    let at = rng.below(len + 1);
                    input.splice(at..at, other[i..i + n].iter().copied());
                }
            }
            _ => {
                // Deep nesting.
                let open = ["(", "[", "{", "not ", "-", "lambda: "][rng.below(6)];
                let depth = 1 + rng.below(300);
                let at = rng.below(len + 1);
                let s = open.repeat(depth);
                input.splice(at..at, s.bytes());
            }
        }
        if input.len() > 20_000 {
            input.truncate(20_000);
        }
    }
}

/// Parses and compiles `src` in every mode; panics propagate.
pub fn exercise(src: &[u8]) {
    let Ok(text) = std::str::from_utf8(src) else {
        return;
    };
    if let Ok(m) = pyrt::vm::parser::parse_module(text)
        && let Ok(scope) = pyrt::vm::symtable::build(&m)
    {
        for interactive in [false, true] {
            let opts = CompileOptions {
                optimize: 0,
                interactive,
            };
            let _ = compile_module(&m, &scope, "<fuzz>", None, opts, &mut NoConsts);
        }
    }
    if let Ok(e) = pyrt::vm::parser::parse_expression(text)
        && let Ok(scope) = pyrt::vm::symtable::build_expr(&e)
    {
        let _ = compile_expression(
            &e,
            &scope,
            "<fuzz>",
            CompileOptions::default(),
            &mut NoConsts,
        );
    }
    let _ = pyrt::vm::lexer::tokenize(text);
}

fn load_corpus(dirs: &[&Path]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for d in dirs {
        let Ok(rd) = std::fs::read_dir(d) else {
            continue;
        };
        let mut files: Vec<_> = rd.filter_map(Result::ok).map(|e| e.path()).collect();
        files.sort();
        for f in files {
            if f.extension().is_some_and(|x| x == "py")
                && let Ok(b) = std::fs::read(&f)
            {
                out.push(b);
            }
        }
    }
    if out.is_empty() {
        out.push(b"x = 1\n".to_vec());
    }
    out
}

/// Runs `iters` mutated inputs from `seed`; returns the number of
/// panicking inputs (each is written to `out_dir`).
pub fn run(dirs: &[&Path], iters: u64, seed: u64, out_dir: &Path) -> usize {
    let corpus = load_corpus(dirs);
    let mut rng = Rng(seed | 1);
    let mut failures = 0;
    // Silence the default panic message per input; report once below.
    let prev = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    // An input that aborts the process (a stack overflow) cannot be
    // caught: with PYRT_FUZZ_LAST=FILE each input is written there first.
    let last = std::env::var_os("PYRT_FUZZ_LAST");
    for n in 0..iters {
        let mut input = corpus[rng.below(corpus.len())].clone();
        mutate(&mut rng, &corpus, &mut input);
        if let Some(p) = &last {
            let _ = std::fs::write(p, &input);
        }
        let r = std::panic::catch_unwind(AssertUnwindSafe(|| exercise(&input)));
        if r.is_err() {
            failures += 1;
            let _ = std::fs::create_dir_all(out_dir);
            let path = out_dir.join(format!("crash-{seed}-{n}.py"));
            let _ = std::fs::write(&path, &input);
            eprintln!("panic on input {n}: saved {}", path.display());
            if failures >= 20 {
                break;
            }
        }
    }
    std::panic::set_hook(prev);
    failures
}
