//! The VM: a compact, suspendable Python for the subset in DESIGN.md.
//!
//! Front end: [`lexer`] → [`parser`] (a tree shaped like CPython's `ast`,
//! compared with it by [`ast_dump`]) → compiler → bytecode. Objects live in
//! memory from the runtime's allocator domains; frames live on the VM's own
//! stack, so a thread can stop between any two instructions.

pub mod ast;
pub mod ast_dump;
pub mod error;
pub mod format;
pub mod lexer;
pub mod parser;
pub mod strrepr;
mod unicode_case;
mod unicode_classes;
mod unicode_printable;

pub mod attr_cache;
pub mod attrs;
pub mod builtins;
pub mod call;
pub mod code;
pub mod compile;
pub mod dict;
pub mod driver;
pub mod eval;
pub mod exc;
pub mod exc_support;
pub mod frame;
pub mod func;
pub mod gc;
pub mod gen_support;
pub mod generator;
pub mod hash;
pub mod heap;
pub mod import;
pub mod int;
pub mod interpreters;
pub mod io;
pub mod items;
pub mod iter;
pub mod module;
pub mod modules;
pub mod native;
pub mod object;
pub mod ops;
pub mod session;
pub mod set;
pub mod state;
mod suggestions;
pub mod symtable;
pub mod threads;
pub mod tracing;
pub mod typeobj;
