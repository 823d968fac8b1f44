// Types of the `pyrt` npm package.

/** Options of createRuntime(). */
export interface RuntimeOptions {
  /** The words after `python` on its command line, e.g. `['-X', 'dev', 'main.py', 'arg1']`. */
  argv?: string[];
  /** The environment the runtime sees (`PYTHON*` variables are read as CPython reads them). */
  env?: Record<string, string>;
  /** The working directory (default `/`). */
  cwd?: string;
  /** Files of the in-memory file system: path (relative to cwd or absolute) to contents. */
  files?: Record<string, string | Uint8Array>;
  /** argv[0] (default `python`). */
  executable?: string;
  /** Called with each chunk written to stdout, newlines included (default: console.log per line). */
  stdout?: (text: string) => void;
  /** Called with each chunk written to stderr (default: console.error per line). */
  stderr?: (text: string) => void;
  /** Trace events of every thread (a stepper, a debugger). */
  onTrace?: (event: TraceEvent) => void;
  /** GIL events, delivered in batches after each time slice. */
  onGil?: (events: GilEvent[]) => void;
  /** Caps the runtime's memory in bytes; allocations past it raise MemoryError. */
  memoryLimit?: number;
  /** Target length of a time slice in milliseconds (default 4). */
  sliceMs?: number;
  /** Where the WebAssembly comes from: URL, bytes or a compiled module (default: next to pyrt.js). */
  wasm?: string | URL | ArrayBuffer | ArrayBufferView | WebAssembly.Module;
}

export interface TraceEvent {
  event: 'call' | 'line' | 'return' | 'exception';
  /** The thread state's unique id (1 for the main thread; the same id GIL events carry). */
  thread: number;
  filename: string;
  /** The function's `co_name` (`<module>` at top level). */
  name: string;
  lineno: number;
}

export interface GilEvent {
  /** Milliseconds on `performance.now()`'s clock. */
  time: number;
  /** The thread state's unique id (as in trace events). */
  thread: number;
  /** `take`: the thread got the GIL; `drop`: it let it go; `request`: a waiter asked for it. */
  kind: 'take' | 'drop' | 'request';
  /** Why a drop happened (null for take/request). */
  reason: 'interval' | 'block' | 'exit' | 'yield' | null;
}

export interface RunResult {
  /** The exit status `python` would end with (SystemExit's code, 1 for an uncaught exception, 130 for KeyboardInterrupt). */
  exitCode: number;
  /** The uncaught exception that ended the program, if one did (not SystemExit). */
  exception: { type: string; message: string } | null;
}

export interface MemoryStats {
  used: number;
  peak: number;
  limit: number | null;
  arenas: number;
  allocatedBlocks: number;
}

export class PyrtError extends Error {}

export class Runtime {
  /** True after a panic; create a new runtime. */
  readonly dead: boolean;
  /** `{ pre_config, config }` as `_testinternalcapi.get_configs()` gives them. */
  readonly config: { pre_config: Record<string, unknown>; config: Record<string, unknown> } | null;
  run(source: string, options?: { filename?: string }): Promise<RunResult>;
  runMain(): Promise<RunResult>;
  interrupt(): boolean;
  setTrace(f: ((event: TraceEvent) => void) | null): void;
  memoryStats(): MemoryStats;
  /** Thread names by thread id, for threads started while GIL events were recorded. */
  threadNames(): Map<number, string>;
  writeFile(path: string, data: string | Uint8Array): void;
  readFile(path: string): Uint8Array | undefined;
  finalize(): { exitCode: number };
  debugPanic(): void;
}

export function createRuntime(options?: RuntimeOptions): Promise<Runtime>;
export function preload(source?: RuntimeOptions['wasm']): Promise<WebAssembly.Module>;
