//! `sys.stdout`, `sys.stderr`, `sys.stdin`: text streams over the
//! runtime's stdio, encoding with the configured encoding and error
//! handler, buffered as CPython's are (line-buffered on a terminal or with
//! `-u`, block-buffered otherwise).

use std::any::Any;
use std::cell::{Cell, RefCell};

use super::func::Args;
use super::native::NativeObject;
use super::object::{ObjKind, Value};
use super::state::{PyResult, Vm};
use crate::platform::StdStream;

/// A text stream.
#[derive(Debug)]
pub struct TextIo {
    /// Which standard stream.
    pub stream: StdStream,
    /// `encoding`.
    pub encoding: String,
    /// `errors`.
    pub errors: String,
    /// `line_buffering`.
    pub line_buffering: bool,
    /// `write_through` (unbuffered: `-u`).
    pub write_through: bool,
    /// Pending bytes.
    pub buffer: RefCell<Vec<u8>>,
    /// `closed`.
    pub closed: Cell<bool>,
}

impl NativeObject for TextIo {
    fn type_name(&self) -> &'static str {
        "_io.TextIOWrapper"
    }
    fn repr(&self, _vm: &Vm) -> PyResult<Option<String>> {
        let name = match self.stream {
            StdStream::Stdin => "<stdin>",
            StdStream::Stdout => "<stdout>",
            StdStream::Stderr => "<stderr>",
        };
        let mode = if self.stream == StdStream::Stdin {
            "r"
        } else {
            "w"
        };
        Ok(Some(format!(
            "<_io.TextIOWrapper name='{name}' mode='{mode}' encoding='{}'>",
            self.encoding
        )))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

const BUFSIZE: usize = 8192;

/// Encodes a str's generalized UTF-8 with `encoding`/`errors`.
pub fn encode(vm: &Vm, s: &[u8], encoding: &str, errors: &str) -> PyResult<Vec<u8>> {
    let enc = encoding.to_ascii_lowercase().replace('_', "-");
    let ascii = enc == "ascii" || enc == "us-ascii" || enc == "646";
    let latin1 = enc == "latin-1" || enc == "latin1" || enc == "iso-8859-1" || enc == "iso8859-1";
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    let mut pos = 0usize;
    while i < s.len() {
        let (cp, n) = super::strrepr::decode_at(s, i);
        let ok_direct = if ascii {
            cp < 0x80
        } else if latin1 {
            cp < 0x100
        } else {
            !(0xD800..0xE000).contains(&cp)
        };
        if ok_direct {
            if latin1 || ascii {
                out.push(cp as u8);
            } else {
                out.extend_from_slice(&s[i..i + n]);
            }
        } else {
            match errors {
                "surrogateescape" if (0xDC80..0xDD00).contains(&cp) => {
                    out.push((cp - 0xDC00) as u8)
                }
                "backslashreplace" => {
                    let e = if cp < 0x100 {
                        format!("\\x{cp:02x}")
                    } else if cp < 0x10000 {
                        format!("\\u{cp:04x}")
                    } else {
                        format!("\\U{cp:08x}")
                    };
                    out.extend_from_slice(e.as_bytes());
                }
                "replace" => out.push(b'?'),
                "ignore" => {}
                "surrogatepass" if !ascii && !latin1 => out.extend_from_slice(&s[i..i + n]),
                _ => {
                    let codec = if ascii {
                        "ascii"
                    } else if latin1 {
                        "latin-1"
                    } else {
                        "utf-8"
                    };
                    let reason = if ascii || latin1 {
                        format!("ordinal not in range({})", if ascii { 128 } else { 256 })
                    } else {
                        "surrogates not allowed".into()
                    };
                    let ch = if cp < 0x100 {
                        format!("\\x{cp:02x}")
                    } else if cp < 0x10000 {
                        format!("\\u{cp:04x}")
                    } else {
                        format!("\\U{cp:08x}")
                    };
                    return Err(vm.new_error(
                        "UnicodeEncodeError",
                        format!("'{codec}' codec can't encode character '{ch}' in position {pos}: {reason}"),
                    ));
                }
            }
        }
        i += n;
        pos += 1;
    }
    Ok(out)
}

impl TextIo {
    /// A text stream over one of the runtime's standard streams.
    pub fn new(
        stream: StdStream,
        encoding: &str,
        errors: &str,
        line_buffering: bool,
        write_through: bool,
    ) -> TextIo {
        TextIo {
            stream,
            encoding: encoding.to_string(),
            errors: errors.to_string(),
            line_buffering,
            write_through,
            buffer: RefCell::new(Vec::new()),
            closed: Cell::new(false),
        }
    }

    fn write_bytes(&self, vm: &Vm, b: &[u8]) -> PyResult<()> {
        let stdio = vm.rt_parts.platform.stdio.clone();
        if self.write_through {
            self.flush_to(vm)?;
            return stdio.write(self.stream, b).map_err(|e| os_error(vm, &e));
        }
        let mut buf = self.buffer.borrow_mut();
        buf.extend_from_slice(b);
        let flush = buf.len() >= BUFSIZE || (self.line_buffering && b.contains(&b'\n'));
        if flush {
            let data = std::mem::take(&mut *buf);
            drop(buf);
            stdio
                .write(self.stream, &data)
                .map_err(|e| os_error(vm, &e))?;
            if self.line_buffering {
                stdio.flush(self.stream).map_err(|e| os_error(vm, &e))?;
            }
        }
        Ok(())
    }

    /// Writes out the buffer.
    pub fn flush_to(&self, vm: &Vm) -> PyResult<()> {
        let data = std::mem::take(&mut *self.buffer.borrow_mut());
        let stdio = vm.rt_parts.platform.stdio.clone();
        if !data.is_empty() {
            stdio
                .write(self.stream, &data)
                .map_err(|e| os_error(vm, &e))?;
        }
        stdio.flush(self.stream).map_err(|e| os_error(vm, &e))
    }
}

/// An `OSError` for a failed host I/O call, numbered like CPython's.
pub fn os_error(vm: &Vm, e: &std::io::Error) -> super::state::PyErr {
    let (errno, text) = crate::lifecycle::errno_of(e);
    let cls = match errno {
        2 => "FileNotFoundError",
        13 | 1 => "PermissionError",
        17 => "FileExistsError",
        20 => "NotADirectoryError",
        21 => "IsADirectoryError",
        32 => "BrokenPipeError",
        _ => "OSError",
    };
    let cls = vm.exc_type(cls);
    let args = match vm.new_str(text) {
        Ok(t) => vec![Value::Int(i64::from(errno)), t],
        Err(e) => return e,
    };
    match vm.new_exception(&cls, args) {
        Ok(x) => super::state::PyErr(x),
        Err(e) => e,
    }
}

fn this<'a>(vm: &Vm, v: &'a Value) -> PyResult<&'a TextIo> {
    match v.as_obj().map(|o| &o.kind) {
        Some(ObjKind::Native(n)) => n
            .as_any()
            .downcast_ref::<TextIo>()
            .ok_or_else(|| vm.type_error("expected a text stream")),
        _ => Err(vm.type_error("expected a text stream")),
    }
}

fn textio_write(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let pos = a.pos();
    if pos.len() != 2 {
        return Err(vm.type_error(format!(
            "write() takes exactly one argument ({} given)",
            pos.len().saturating_sub(1)
        )));
    }
    let t = this(vm, &pos[0])?;
    let Some(s) = pos[1].as_str() else {
        return Err(vm.type_error(format!(
            "write() argument must be str, not {}",
            vm.type_name(&pos[1])
        )));
    };
    if t.closed.get() {
        return Err(vm.value_error("I/O operation on closed file."));
    }
    let bytes = encode(vm, s.as_bytes(), &t.encoding, &t.errors)?;
    t.write_bytes(vm, &bytes)?;
    Ok(Value::Int(s.len() as i64))
}

fn textio_flush(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let t = this(vm, &a.pos()[0])?;
    t.flush_to(vm)?;
    Ok(Value::None)
}

fn textio_fileno(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let t = this(vm, &a.pos()[0])?;
    Ok(Value::Int(match t.stream {
        StdStream::Stdin => 0,
        StdStream::Stdout => 1,
        StdStream::Stderr => 2,
    }))
}

fn textio_isatty(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let t = this(vm, &a.pos()[0])?;
    Ok(Value::Bool(vm.rt_parts.platform.stdio.is_tty(t.stream)))
}

fn textio_readline(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let _ = this(vm, &a.pos()[0])?;
    let line = read_line(vm)?;
    vm.new_str(&line)
}

fn textio_read(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let _ = this(vm, &a.pos()[0])?;
    let stdio = vm.rt_parts.platform.stdio.clone();
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stdio.read_stdin(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
        }
    }
    let w = crate::WString::decode_utf8_surrogateescape(&out);
    vm.new_str_bytes(w.as_bytes())
}

/// Reads one line from stdin (with its newline; empty at EOF).
pub fn read_line(vm: &Vm) -> PyResult<String> {
    let stdio = vm.rt_parts.platform.stdio.clone();
    let mut out = Vec::new();
    let mut b = [0u8; 1];
    loop {
        match stdio.read_stdin(&mut b) {
            Ok(0) | Err(_) => break,
            Ok(_) => {
                out.push(b[0]);
                if b[0] == b'\n' {
                    break;
                }
            }
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

fn textio_getattr_enc(vm: &Vm, a: Args<'_>) -> PyResult<Value> {
    let t = this(vm, &a.pos()[0])?;
    vm.new_str(&t.encoding)
}

/// Methods of `_io.TextIOWrapper`.
pub const TEXTIO_METHODS: &[(&str, super::func::NativeFn)] = &[
    ("write", textio_write),
    ("flush", textio_flush),
    ("fileno", textio_fileno),
    ("isatty", textio_isatty),
    ("readline", textio_readline),
    ("read", textio_read),
    ("_encoding", textio_getattr_enc),
];

/// The attributes `encoding`, `errors`, `line_buffering`, `closed`.
pub(crate) fn textio_attr(vm: &Vm, obj: &Value, name: &[u8]) -> PyResult<Option<Value>> {
    let Some(ObjKind::Native(n)) = obj.as_obj().map(|o| &o.kind) else {
        return Ok(None);
    };
    let Some(t) = n.as_any().downcast_ref::<TextIo>() else {
        return Ok(None);
    };
    Ok(match name {
        b"encoding" => Some(vm.new_str(&t.encoding)?),
        b"errors" => Some(vm.new_str(&t.errors)?),
        b"line_buffering" => Some(Value::Bool(t.line_buffering)),
        b"write_through" => Some(Value::Bool(t.write_through)),
        b"closed" => Some(Value::Bool(t.closed.get())),
        b"name" => Some(vm.new_str(match t.stream {
            StdStream::Stdin => "<stdin>",
            StdStream::Stdout => "<stdout>",
            StdStream::Stderr => "<stderr>",
        })?),
        b"mode" => Some(vm.new_str(if t.stream == StdStream::Stdin {
            "r"
        } else {
            "w"
        })?),
        _ => None,
    })
}

/// Writes text to `sys.stderr` (or the real stderr if it is gone).
pub fn write_stderr(vm: &Vm, text: &str) {
    let target = vm.sys.borrow().clone().and_then(|s| {
        vm.getattr_optional(&Value::Obj(s), &vm.new_str("stderr").ok()?)
            .ok()
            .flatten()
    });
    match target {
        Some(t) if !t.is_none() => {
            if let (Ok(w), Ok(s)) = (vm.new_str("write"), vm.new_str(text))
                && let Ok(f) = vm.getattr(&t, &w)
            {
                let _ = vm.call(&f, Args::positional(&[s]));
                return;
            }
        }
        _ => {}
    }
    let _ = vm
        .rt_parts
        .platform
        .stdio
        .write(StdStream::Stderr, text.as_bytes());
}

/// Flushes `sys.stdout` and `sys.stderr`; false if flushing stdout failed.
pub fn flush_std(vm: &Vm) -> bool {
    let mut ok = true;
    for name in ["stdout", "stderr"] {
        let target = vm.sys.borrow().clone().and_then(|s| {
            vm.getattr_optional(&Value::Obj(s), &vm.new_str(name).ok()?)
                .ok()
                .flatten()
        });
        let Some(t) = target.filter(|t| !t.is_none()) else {
            continue;
        };
        let Ok(f) = vm.getattr(&t, &vm.new_str("flush").unwrap_or(Value::None)) else {
            continue;
        };
        if let Err(e) = vm.call(&f, Args::positional(&[]))
            && name == "stdout"
        {
            ok = false;
            // PyErr_WriteUnraisable(stdout), to the real stderr.
            let r = vm.repr_string(&t).unwrap_or_default();
            let text = format!(
                "Exception ignored in: {r}\n{}",
                super::exc_support::format_exception(vm, &e.0)
            );
            let _ = vm
                .rt_parts
                .platform
                .stdio
                .write(StdStream::Stderr, text.as_bytes());
        }
    }
    ok
}
