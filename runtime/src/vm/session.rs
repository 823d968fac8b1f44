//! A `python` run that a host drives in time slices: the component's
//! `session.program` resource and the browser package's runtime are thin
//! wrappers around [`Session`].
//!
//! A session pre-initializes and initializes a runtime from a command line
//! exactly as `python` does (`Py_BytesMain` up to `pymain_run_python`),
//! then starts either the program that command line selects
//! ([`Session::start_main`]) or source the host hands it
//! ([`Session::start_source`]), runs it in slices
//! ([`Session::run_slice`]) so the host keeps control between them, and
//! ends the way `Py_RunMain` ends ([`Session::finish`]).

use super::driver::{self, HostTracer, SliceOutcome, Uncaught, VmExecutor};
use crate::lifecycle::Runtime;
use crate::platform::Platform;
use crate::{Args, Config, PreConfig};

/// A runtime and the program it runs in slices.
#[derive(Debug)]
pub struct Session {
    rt: Runtime,
    ex: VmExecutor,
    /// The run ended without slices (a command-line error, `-V`, a program
    /// that ran to completion on OS threads): its status.
    early: Option<i32>,
    /// The runtime initialized (so there is something to finalize).
    initialized: bool,
    /// `finish` ran.
    finished: bool,
}

impl Session {
    /// A runtime on `platform`, configured and initialized from `args`
    /// (argv[0] is the executable, as for `python`). A command line that
    /// ends the run (`-V`, `--help`, an unknown option) does so here:
    /// [`Session::early_exit`] then has its status, and its output went to
    /// the platform's stderr/stdout.
    pub fn new(platform: Platform, args: Args) -> Session {
        let rt = Runtime::new(platform);
        let init = (|| {
            rt.pre_initialize_from_args(&PreConfig::python(), &args)?;
            let mut config = Config::python();
            rt.config_set_args(&mut config, &args)?;
            rt.initialize_from_config(&config)
        })();
        Session::with_init(rt, init)
    }

    /// A runtime on `platform`, pre-initialized and initialized from
    /// explicit configurations (the host built them, e.g. from records
    /// with [`PreConfig::from_fields`] / [`Config::from_fields`]); errors as
    /// for [`Session::new`].
    pub fn from_configs(platform: Platform, preconfig: &PreConfig, config: &Config) -> Session {
        let rt = Runtime::new(platform);
        let init = rt
            .pre_initialize(preconfig)
            .and_then(|()| rt.initialize_from_config(config));
        Session::with_init(rt, init)
    }

    fn with_init(rt: Runtime, init: crate::InitResult) -> Session {
        let (early, initialized) = match init {
            Err(status) => (Some(rt.exit_status_exception(&status)), false),
            Ok(()) => (None, true),
        };
        Session {
            rt,
            ex: VmExecutor::new(),
            early,
            initialized,
            finished: false,
        }
    }

    /// The runtime.
    pub fn runtime(&self) -> &Runtime {
        &self.rt
    }

    /// The executor (its VM, for embedders and tests).
    pub fn executor(&self) -> &VmExecutor {
        &self.ex
    }

    /// The status of a run that ended before any slice, if it did.
    pub fn early_exit(&self) -> Option<i32> {
        self.early
    }

    /// True once the runtime initialized.
    pub fn is_initialized(&self) -> bool {
        self.initialized
    }

    /// Starts the program the command line selects (script, `-c`, `-m`,
    /// stdin) as `python` would, deferred to [`Session::run_slice`].
    pub fn start_main(&mut self) {
        if self.early.is_some() || !self.initialized {
            return;
        }
        if let Err(code) = self.ex.defer_main(&self.rt) {
            self.early = Some(code);
            return;
        }
        let code = self.rt.run_program(&mut self.ex);
        if !self.ex.has_started_program() {
            self.early = Some(code);
        }
    }

    /// Starts `source` as `__main__` (compiled as `filename`), deferred
    /// to [`Session::run_slice`]; a SyntaxError ends the run at the first
    /// slice with status 1. May be called again after a program finished:
    /// the next one runs in the same interpreter.
    pub fn start_source(&mut self, source: &[u8], filename: &str) {
        if !self.initialized || self.finished {
            return;
        }
        self.early = None;
        if self.ex.vm().is_none() {
            // sys.path[0] is fixed when the VM is built.
            self.rt.prepare_main();
        }
        if let Err(code) = self.ex.start_source(&self.rt, source, filename) {
            self.early = Some(code);
        }
    }

    /// Runs the started program for about `instructions` more (None:
    /// until it ends or every thread waits). Flushes `sys.stdout` and
    /// `sys.stderr` at the end of the slice, so a host streaming output
    /// shows it slice by slice.
    pub fn run_slice(&mut self, instructions: Option<u64>) -> SliceOutcome {
        if let Some(code) = self.early {
            return SliceOutcome::Finished(code);
        }
        if !self.initialized || self.finished {
            return SliceOutcome::Finished(1);
        }
        let out = self.ex.run_slice(instructions);
        self.ex.flush_std();
        out
    }

    /// Raises KeyboardInterrupt in the main thread (also out of a sleep or
    /// a lock wait), as Ctrl-C does. False if the runtime is not running.
    pub fn interrupt(&self) -> bool {
        self.initialized && !self.finished && driver::interrupt(&self.rt)
    }

    /// The exception that ended the last started program, if one did
    /// (not `SystemExit`).
    pub fn uncaught(&self) -> Option<&Uncaught> {
        self.ex.uncaught()
    }

    /// See [`VmExecutor::set_host_tracer`].
    pub fn set_host_tracer(&mut self, tracer: Option<HostTracer>) {
        self.ex.set_host_tracer(tracer);
    }

    /// Ends the run as `Py_RunMain` does: waits for non-daemon threads,
    /// runs `atexit` callbacks, flushes and finalizes. `status` is the
    /// program's; the result is the process exit status (120 if flushing
    /// failed). Later calls return `status` unchanged.
    pub fn finish(&mut self, status: i32) -> i32 {
        if !self.initialized || self.finished {
            return status;
        }
        self.finished = true;
        self.early = Some(status);
        self.ex.finish(&self.rt, status)
    }

    /// True once [`Session::finish`] ran.
    pub fn is_finished(&self) -> bool {
        self.finished
    }
}
