//! The host beneath a runtime: environment, working directory, standard
//! streams and files.
//!
//! CPython reads these from process globals (`environ`, `getcwd()`, file
//! descriptors 0–2). pyrt has no process globals (DESIGN.md decision 1):
//! each [`Runtime`](crate::Runtime) gets a [`Platform`] value at creation
//! and reads the host only through it. The CLI builds one from the real
//! process ([`Platform::host`]); tests, the conformance runner, the browser
//! package and embedders build their own — captured output, a chosen
//! environment, an in-memory file system — so several runtimes with
//! different environments can live in one process.
//!
//! Paths and environment entries are bytes, as on POSIX; the runtime
//! decodes them with the file-system encoding like CPython does.

use std::io::{self, Read, Write};
use std::sync::{Arc, Mutex, PoisonError};

/// The environment block: `NAME=VALUE` pairs as bytes, in order.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Environ {
    vars: Vec<(Vec<u8>, Vec<u8>)>,
}

impl Environ {
    /// An empty environment.
    pub fn new() -> Environ {
        Environ::default()
    }

    /// The current process's environment.
    pub fn from_process() -> Environ {
        Environ {
            vars: std::env::vars_os()
                .map(|(k, v)| (os_to_bytes(&k), os_to_bytes(&v)))
                .collect(),
        }
    }

    /// Builds an environment from `(name, value)` pairs.
    pub fn from_pairs<K, V, I>(pairs: I) -> Environ
    where
        K: AsRef<[u8]>,
        V: AsRef<[u8]>,
        I: IntoIterator<Item = (K, V)>,
    {
        let mut env = Environ::new();
        for (k, v) in pairs {
            env.set(k.as_ref(), v.as_ref());
        }
        env
    }

    /// `getenv(name)`: the first entry named `name`.
    pub fn get(&self, name: &[u8]) -> Option<&[u8]> {
        self.vars
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_slice())
    }

    /// `_Py_GetEnv`: like [`get`](Self::get) but an empty value counts as
    /// unset, as for every `PYTHON*` variable.
    pub fn get_nonempty(&self, name: &[u8]) -> Option<&[u8]> {
        self.get(name).filter(|v| !v.is_empty())
    }

    /// `setenv(name, value, 1)`.
    pub fn set(&mut self, name: &[u8], value: &[u8]) {
        match self.vars.iter_mut().find(|(k, _)| k == name) {
            Some(entry) => entry.1 = value.to_vec(),
            None => self.vars.push((name.to_vec(), value.to_vec())),
        }
    }

    /// `unsetenv(name)`.
    pub fn remove(&mut self, name: &[u8]) {
        self.vars.retain(|(k, _)| k != name);
    }

    /// The entries in order.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        self.vars.iter().map(|(k, v)| (k.as_slice(), v.as_slice()))
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.vars.len()
    }

    /// True if there are no entries.
    pub fn is_empty(&self) -> bool {
        self.vars.is_empty()
    }
}

impl std::fmt::Debug for Environ {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map()
            .entries(
                self.vars
                    .iter()
                    .map(|(k, v)| (String::from_utf8_lossy(k), String::from_utf8_lossy(v))),
            )
            .finish()
    }
}

fn os_to_bytes(s: &std::ffi::OsStr) -> Vec<u8> {
    // On Unix and WASI the encoded bytes are the OS's bytes.
    s.as_encoded_bytes().to_vec()
}

#[cfg(unix)]
fn bytes_to_path(b: &[u8]) -> std::path::PathBuf {
    use std::os::unix::ffi::OsStrExt;
    std::ffi::OsStr::from_bytes(b).into()
}

#[cfg(all(target_os = "wasi", target_env = "p1"))]
fn bytes_to_path(b: &[u8]) -> std::path::PathBuf {
    use std::os::wasi::ffi::OsStrExt;
    std::ffi::OsStr::from_bytes(b).into()
}

/// WASI 0.2 paths are `string`s (UTF-8) in its file-system interface, and
/// other hosts have no byte paths either.
#[cfg(not(any(unix, all(target_os = "wasi", target_env = "p1"))))]
fn bytes_to_path(b: &[u8]) -> std::path::PathBuf {
    String::from_utf8_lossy(b).into_owned().into()
}

/// One of the three standard streams.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StdStream {
    /// File descriptor 0.
    Stdin,
    /// File descriptor 1.
    Stdout,
    /// File descriptor 2.
    Stderr,
}

/// The standard streams of a runtime.
pub trait Stdio: Send + Sync {
    /// Writes all of `data` to stdout or stderr.
    fn write(&self, stream: StdStream, data: &[u8]) -> io::Result<()>;
    /// Flushes stdout or stderr.
    fn flush(&self, stream: StdStream) -> io::Result<()>;
    /// Reads from stdin; `Ok(0)` at end of input.
    fn read_stdin(&self, buf: &mut [u8]) -> io::Result<usize>;
    /// `isatty(fd)`.
    fn is_tty(&self, stream: StdStream) -> bool;
}

/// The process's real standard streams.
#[derive(Debug, Default, Clone, Copy)]
pub struct HostStdio;

impl Stdio for HostStdio {
    fn write(&self, stream: StdStream, data: &[u8]) -> io::Result<()> {
        match stream {
            StdStream::Stdout => io::stdout().lock().write_all(data),
            StdStream::Stderr => io::stderr().lock().write_all(data),
            StdStream::Stdin => Err(io::Error::from(io::ErrorKind::Unsupported)),
        }
    }

    fn flush(&self, stream: StdStream) -> io::Result<()> {
        match stream {
            StdStream::Stdout => io::stdout().lock().flush(),
            StdStream::Stderr => io::stderr().lock().flush(),
            StdStream::Stdin => Ok(()),
        }
    }

    fn read_stdin(&self, buf: &mut [u8]) -> io::Result<usize> {
        io::stdin().lock().read(buf)
    }

    fn is_tty(&self, stream: StdStream) -> bool {
        use std::io::IsTerminal;
        match stream {
            StdStream::Stdin => io::stdin().is_terminal(),
            StdStream::Stdout => io::stdout().is_terminal(),
            StdStream::Stderr => io::stderr().is_terminal(),
        }
    }
}

/// Standard streams kept in memory: output is captured, input is given.
///
/// Used by tests, the conformance runner and embedders that route output
/// themselves. `fail_writes_to` makes writes to a stream fail, to exercise
/// CPython's "flush failed → exit status 120" path.
#[derive(Debug, Default)]
pub struct CapturedStdio {
    stdout: Mutex<Vec<u8>>,
    stderr: Mutex<Vec<u8>>,
    stdin: Mutex<io::Cursor<Vec<u8>>>,
    failing: Mutex<Option<StdStream>>,
}

impl CapturedStdio {
    /// Empty output, empty input.
    pub fn new() -> CapturedStdio {
        CapturedStdio::default()
    }

    /// Empty output; stdin reads `input`.
    pub fn with_stdin(input: impl Into<Vec<u8>>) -> CapturedStdio {
        CapturedStdio {
            stdin: Mutex::new(io::Cursor::new(input.into())),
            ..CapturedStdio::default()
        }
    }

    /// Makes every later write or flush of `stream` fail with EBADF-like
    /// errors (`None` restores normal behaviour).
    pub fn fail_writes_to(&self, stream: Option<StdStream>) {
        *lock(&self.failing) = stream;
    }

    /// Everything written to stdout so far.
    pub fn stdout(&self) -> Vec<u8> {
        lock(&self.stdout).clone()
    }

    /// Everything written to stderr so far.
    pub fn stderr(&self) -> Vec<u8> {
        lock(&self.stderr).clone()
    }

    /// Takes (and clears) the captured stdout.
    pub fn take_stdout(&self) -> Vec<u8> {
        std::mem::take(&mut *lock(&self.stdout))
    }

    /// Takes (and clears) the captured stderr.
    pub fn take_stderr(&self) -> Vec<u8> {
        std::mem::take(&mut *lock(&self.stderr))
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Stdio for CapturedStdio {
    fn write(&self, stream: StdStream, data: &[u8]) -> io::Result<()> {
        if *lock(&self.failing) == Some(stream) {
            return Err(io::Error::other("write to a closed stream"));
        }
        match stream {
            StdStream::Stdout => lock(&self.stdout).extend_from_slice(data),
            StdStream::Stderr => lock(&self.stderr).extend_from_slice(data),
            StdStream::Stdin => return Err(io::Error::from(io::ErrorKind::Unsupported)),
        }
        Ok(())
    }

    fn flush(&self, stream: StdStream) -> io::Result<()> {
        if *lock(&self.failing) == Some(stream) {
            return Err(io::Error::other("flush of a closed stream"));
        }
        Ok(())
    }

    fn read_stdin(&self, buf: &mut [u8]) -> io::Result<usize> {
        lock(&self.stdin).read(buf)
    }

    fn is_tty(&self, _stream: StdStream) -> bool {
        false
    }
}

/// What a path names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// A regular file (or anything readable that is not a directory).
    File,
    /// A directory.
    Dir,
}

/// The file system a runtime sees. Paths are bytes.
pub trait FileSystem: Send + Sync {
    /// Reads a whole file.
    fn read(&self, path: &[u8]) -> io::Result<Vec<u8>>;
    /// Writes a whole file, creating or truncating it.
    fn write(&self, path: &[u8], data: &[u8]) -> io::Result<()>;
    /// `stat()`: what `path` names, or `None` if nothing.
    fn kind(&self, path: &[u8]) -> Option<FileKind>;
    /// `realpath()`.
    fn canonicalize(&self, path: &[u8]) -> io::Result<Vec<u8>>;
}

/// The host's file system through `std::fs`.
#[derive(Debug, Default, Clone, Copy)]
pub struct HostFs;

impl FileSystem for HostFs {
    fn read(&self, path: &[u8]) -> io::Result<Vec<u8>> {
        std::fs::read(bytes_to_path(path))
    }

    fn write(&self, path: &[u8], data: &[u8]) -> io::Result<()> {
        std::fs::write(bytes_to_path(path), data)
    }

    fn kind(&self, path: &[u8]) -> Option<FileKind> {
        let md = std::fs::metadata(bytes_to_path(path)).ok()?;
        Some(if md.is_dir() {
            FileKind::Dir
        } else {
            FileKind::File
        })
    }

    fn canonicalize(&self, path: &[u8]) -> io::Result<Vec<u8>> {
        std::fs::canonicalize(bytes_to_path(path)).map(|p| os_to_bytes(p.as_os_str()))
    }
}

/// A file system held in memory (the browser package's, and tests').
#[derive(Debug, Default)]
pub struct MemoryFs {
    files: Mutex<std::collections::BTreeMap<Vec<u8>, Vec<u8>>>,
}

impl MemoryFs {
    /// An empty file system.
    pub fn new() -> MemoryFs {
        MemoryFs::default()
    }
}

impl FileSystem for MemoryFs {
    fn read(&self, path: &[u8]) -> io::Result<Vec<u8>> {
        lock(&self.files)
            .get(path)
            .cloned()
            .ok_or_else(|| io::Error::from(io::ErrorKind::NotFound))
    }

    fn write(&self, path: &[u8], data: &[u8]) -> io::Result<()> {
        lock(&self.files).insert(path.to_vec(), data.to_vec());
        Ok(())
    }

    fn kind(&self, path: &[u8]) -> Option<FileKind> {
        let files = lock(&self.files);
        if files.contains_key(path) {
            return Some(FileKind::File);
        }
        let mut dir = path.to_vec();
        if !dir.ends_with(b"/") {
            dir.push(b'/');
        }
        files
            .keys()
            .any(|k| k.starts_with(&dir))
            .then_some(FileKind::Dir)
    }

    fn canonicalize(&self, path: &[u8]) -> io::Result<Vec<u8>> {
        match self.kind(path) {
            Some(_) => Ok(path.to_vec()),
            None => Err(io::Error::from(io::ErrorKind::NotFound)),
        }
    }
}

/// Time as the runtime sees it. Core code never calls `Instant::now()`:
/// `wasm32-unknown-unknown` has no clock (the browser package supplies
/// one) and deterministic emulation runs on virtual time.
pub trait Clock: Send + Sync {
    /// Monotonic time in nanoseconds from an arbitrary origin.
    fn monotonic_ns(&self) -> u64;
    /// Wall-clock time in nanoseconds since the Unix epoch.
    fn time_ns(&self) -> u64;
}

/// The host's clocks (`std::time`).
#[cfg(has_host_clock)]
#[derive(Debug)]
pub struct HostClock {
    origin: std::time::Instant,
}

#[cfg(has_host_clock)]
impl HostClock {
    /// A clock whose monotonic origin is now.
    pub fn new() -> HostClock {
        HostClock {
            origin: std::time::Instant::now(),
        }
    }
}

#[cfg(has_host_clock)]
impl Default for HostClock {
    fn default() -> Self {
        HostClock::new()
    }
}

#[cfg(has_host_clock)]
impl Clock for HostClock {
    fn monotonic_ns(&self) -> u64 {
        u64::try_from(self.origin.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }

    fn time_ns(&self) -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
    }
}

/// A clock that moves only when told to (virtual time).
#[derive(Debug, Default)]
pub struct ManualClock {
    now_ns: std::sync::atomic::AtomicU64,
    epoch_ns: u64,
}

impl ManualClock {
    /// A clock at monotonic time 0 whose wall clock reads `epoch_ns`.
    pub fn new(epoch_ns: u64) -> ManualClock {
        ManualClock {
            now_ns: std::sync::atomic::AtomicU64::new(0),
            epoch_ns,
        }
    }

    /// Moves time forward by `ns`.
    pub fn advance(&self, ns: u64) {
        self.now_ns
            .fetch_add(ns, std::sync::atomic::Ordering::Relaxed);
    }
}

impl Clock for ManualClock {
    fn monotonic_ns(&self) -> u64 {
        self.now_ns.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn time_ns(&self) -> u64 {
        self.epoch_ns.saturating_add(self.monotonic_ns())
    }
}

#[cfg(has_host_clock)]
fn host_clock() -> Arc<dyn Clock> {
    Arc::new(HostClock::new())
}

#[cfg(not(has_host_clock))]
fn host_clock() -> Arc<dyn Clock> {
    Arc::new(ManualClock::new(0))
}

/// Everything a runtime may ask of its host.
#[derive(Clone)]
pub struct Platform {
    /// The environment the runtime starts with (`environ`).
    pub environ: Environ,
    /// The working directory (`getcwd()`), if known.
    pub cwd: Option<Vec<u8>>,
    /// Standard streams.
    pub stdio: Arc<dyn Stdio>,
    /// Files.
    pub fs: Arc<dyn FileSystem>,
    /// Clocks.
    pub clock: Arc<dyn Clock>,
    /// `getpid()`, if the host has process ids.
    pub pid: Option<u32>,
    /// Number of logical CPUs the host offers (`os.cpu_count()`).
    pub cpu_count: Option<usize>,
    /// The host's own idea of the running executable (used when `argv[0]`
    /// cannot be resolved through `PATH`).
    pub executable: Option<Vec<u8>>,
}

impl std::fmt::Debug for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Platform")
            .field("environ", &self.environ)
            .field("cwd", &self.cwd.as_deref().map(String::from_utf8_lossy))
            .field("pid", &self.pid)
            .field("cpu_count", &self.cpu_count)
            .finish_non_exhaustive()
    }
}

impl Platform {
    /// The real process: its environment, working directory, standard
    /// streams and file system.
    pub fn host() -> Platform {
        Platform {
            environ: Environ::from_process(),
            cwd: std::env::current_dir()
                .ok()
                .map(|p| os_to_bytes(p.as_os_str())),
            stdio: Arc::new(HostStdio),
            fs: Arc::new(HostFs),
            clock: host_clock(),
            pid: host_pid(),
            cpu_count: std::thread::available_parallelism().ok().map(|n| n.get()),
            executable: std::env::current_exe()
                .ok()
                .map(|p| os_to_bytes(p.as_os_str())),
        }
    }

    /// A platform with the given environment whose output is captured in
    /// the returned [`CapturedStdio`], seeing the host's files.
    pub fn captured(environ: Environ, cwd: Option<Vec<u8>>) -> (Platform, Arc<CapturedStdio>) {
        Platform::captured_with_stdin(environ, cwd, Vec::new())
    }

    /// Like [`captured`](Self::captured), with `stdin` as standard input.
    pub fn captured_with_stdin(
        environ: Environ,
        cwd: Option<Vec<u8>>,
        stdin: Vec<u8>,
    ) -> (Platform, Arc<CapturedStdio>) {
        let stdio = Arc::new(CapturedStdio::with_stdin(stdin));
        let platform = Platform {
            environ,
            cwd,
            stdio: stdio.clone(),
            fs: Arc::new(HostFs),
            clock: host_clock(),
            pid: host_pid(),
            cpu_count: std::thread::available_parallelism().ok().map(|n| n.get()),
            executable: None,
        };
        (platform, stdio)
    }
}

#[cfg(any(unix, windows))]
fn host_pid() -> Option<u32> {
    Some(std::process::id())
}

#[cfg(not(any(unix, windows)))]
fn host_pid() -> Option<u32> {
    // wasm hosts have no process ids of their own; the host layer (WIT or
    // JS) passes the embedding process's id in `Platform::pid`.
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environ_getenv_semantics() {
        let mut env = Environ::from_pairs([("A", "1"), ("E", "")]);
        assert_eq!(env.get(b"A"), Some(&b"1"[..]));
        assert_eq!(env.get(b"E"), Some(&b""[..]));
        assert_eq!(env.get_nonempty(b"E"), None);
        env.set(b"A", b"2");
        assert_eq!(env.get(b"A"), Some(&b"2"[..]));
        env.remove(b"A");
        assert_eq!(env.get(b"A"), None);
        assert_eq!(env.len(), 1);
    }

    #[test]
    fn captured_stdio_records_and_fails_on_request() {
        let s = CapturedStdio::with_stdin("in");
        s.write(StdStream::Stdout, b"out").unwrap();
        s.write(StdStream::Stderr, b"err").unwrap();
        let mut buf = [0u8; 8];
        assert_eq!(s.read_stdin(&mut buf).unwrap(), 2);
        assert_eq!(s.take_stdout(), b"out");
        assert_eq!(s.stdout(), b"");
        s.fail_writes_to(Some(StdStream::Stdout));
        assert!(s.flush(StdStream::Stdout).is_err());
        assert!(s.flush(StdStream::Stderr).is_ok());
    }

    #[test]
    fn memory_fs_kinds() {
        let fs = MemoryFs::new();
        fs.write(b"/a/b.py", b"x").unwrap();
        assert_eq!(fs.kind(b"/a/b.py"), Some(FileKind::File));
        assert_eq!(fs.kind(b"/a"), Some(FileKind::Dir));
        assert_eq!(fs.kind(b"/c"), None);
        assert_eq!(fs.read(b"/a/b.py").unwrap(), b"x");
    }
}
