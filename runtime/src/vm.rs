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
mod unicode_printable;
