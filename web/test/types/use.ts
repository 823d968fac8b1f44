// Type-checks a use of every part of the package's API against pyrt.d.ts
// (tsc --noEmit; never run).
import { createRuntime, preload, PyrtError, type GilEvent, type RunResult, type TraceEvent } from '../../dist/pkg/pyrt.js';

await preload();
const gil: GilEvent[] = [];
const rt = await createRuntime({
  argv: ['-X', 'dev', 'main.py', 'arg1'],
  env: { PYTHONHASHSEED: '0' },
  cwd: '/work',
  files: { 'helper.py': 'x = 1\n', 'data.bin': new Uint8Array([1, 2]) },
  stdout: (text: string) => void text.length,
  stderr: (text: string) => void text.length,
  onTrace: (e: TraceEvent) => void e.lineno,
  onGil: (events) => gil.push(...events),
  memoryLimit: 64 << 20,
  sliceMs: 4,
});
const r: RunResult = await rt.run('print(1)', { filename: 'main.py' });
const code: number = r.exitCode;
const type: string | undefined = r.exception?.type;
const again: RunResult = await rt.runMain();
const stopped: boolean = rt.interrupt();
rt.setTrace(null);
const used: number = rt.memoryStats().used;
const mainName: string | undefined = rt.threadNames().get(1);
const devMode: unknown = rt.config?.config.dev_mode;
rt.writeFile('x.py', 'pass');
const bytes: Uint8Array | undefined = rt.readFile('x.py');
const dead: boolean = rt.dead;
const final: number = rt.finalize().exitCode;
const isError: boolean = new Error() instanceof PyrtError;
export { mainName, code, type, again, stopped, used, devMode, bytes, dead, final, isError };
