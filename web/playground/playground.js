// The pyrt playground: an editor, Run and Stop, output, and a timeline of
// which thread held the GIL when and why it switched.
import { createRuntime, preload } from './pyrt/pyrt.js';
import { EXAMPLES } from './examples.js';

const $ = (id) => document.getElementById(id);
const source = $('source');
const output = $('output');
const status = $('status');
const runButton = $('run');
const stopButton = $('stop');
const seedInput = $('seed');
const traceBox = $('trace');
const exampleSelect = $('example');
const canvas = $('timeline');
const summary = $('timeline-summary');
const linesView = $('lines');

const REASON_COLORS = {
  interval: '#e69138',
  block: '#3d85c6',
  yield: '#6aa84f',
  exit: '#999999',
};
const LANE_COLORS = ['#2f6fba', '#8e44ad', '#16a085', '#d35400', '#2c3e50', '#c0392b', '#7f8c8d'];
const MAX_EVENTS = 200000;

let current = null;

function setStatus(state, text) {
  status.dataset.state = state;
  status.textContent = text;
}

function append(text, cls) {
  const atBottom = output.scrollTop + output.clientHeight >= output.scrollHeight - 4;
  if (cls) {
    const span = document.createElement('span');
    span.className = cls;
    span.textContent = text;
    output.append(span);
  } else {
    output.append(text);
  }
  if (atBottom) output.scrollTop = output.scrollHeight;
}

for (const name of Object.keys(EXAMPLES)) {
  const opt = document.createElement('option');
  opt.textContent = name;
  exampleSelect.append(opt);
}
function loadExample(name) {
  source.value = EXAMPLES[name].source;
  seedInput.value = EXAMPLES[name].seed;
}
exampleSelect.addEventListener('change', () => loadExample(exampleSelect.value));
loadExample(exampleSelect.value);

source.addEventListener('keydown', (e) => {
  if (e.key === 'Tab') {
    e.preventDefault();
    source.setRangeText('    ', source.selectionStart, source.selectionEnd, 'end');
  } else if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
    e.preventDefault();
    if (!runButton.disabled) run();
  }
});

/** Draws GIL tenures, one lane per thread, and the reason of each switch. */
function drawTimeline(events, names = new Map()) {
  const dpr = window.devicePixelRatio || 1;
  const width = canvas.clientWidth || 900;
  const height = canvas.clientHeight || 160;
  canvas.width = Math.round(width * dpr);
  canvas.height = Math.round(height * dpr);
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, height);
  const holds = events.filter((e) => e.kind !== 'request');
  const lanes = [];
  for (const e of holds) if (e.kind === 'take' && !lanes.includes(e.thread)) lanes.push(e.thread);
  canvas.dataset.lanes = String(lanes.length);
  canvas.dataset.events = String(events.length);
  if (lanes.length === 0) {
    summary.textContent = '';
    return;
  }
  const t0 = holds[0].time;
  const t1 = Math.max(holds[holds.length - 1].time, t0 + 0.001);
  const labelW = 76;
  const axisH = 16;
  const laneH = Math.min(28, (height - axisH - 4) / lanes.length);
  const x = (t) => labelW + ((t - t0) / (t1 - t0)) * (width - labelW - 8);
  ctx.font = '11px system-ui, sans-serif';
  ctx.textBaseline = 'middle';
  lanes.forEach((thread, i) => {
    const y = 2 + i * laneH;
    ctx.fillStyle = i % 2 ? '#f6f7f8' : '#ffffff';
    ctx.fillRect(0, y, width, laneH);
    ctx.fillStyle = '#444';
    const label = names.get(thread) ?? (i === 0 ? 'main' : `thread ${i + 1}`);
    ctx.fillText(label.length > 11 ? `${label.slice(0, 10)}…` : label, 6, y + laneH / 2);
  });
  const open = new Map();
  const counts = { interval: 0, block: 0, yield: 0, exit: 0 };
  for (const e of holds) {
    const lane = lanes.indexOf(e.thread);
    if (lane < 0) continue;
    const y = 2 + lane * laneH;
    if (e.kind === 'take') {
      open.set(e.thread, e.time);
      continue;
    }
    const start = open.get(e.thread) ?? t0;
    open.delete(e.thread);
    const xa = x(start);
    const xb = Math.max(x(e.time), xa + 1);
    ctx.globalAlpha = 0.75;
    ctx.fillStyle = LANE_COLORS[lane % LANE_COLORS.length];
    ctx.fillRect(xa, y + 4, xb - xa, laneH - 8);
    ctx.globalAlpha = 1;
    ctx.fillStyle = REASON_COLORS[e.reason] ?? '#000';
    ctx.fillRect(xb - 1, y + 2, 2, laneH - 4);
    if (e.reason in counts) counts[e.reason]++;
  }
  for (const [thread, start] of open) {
    const lane = lanes.indexOf(thread);
    ctx.globalAlpha = 0.75;
    ctx.fillStyle = LANE_COLORS[lane % LANE_COLORS.length];
    ctx.fillRect(x(start), 2 + lane * laneH + 4, Math.max(x(t1) - x(start), 1), laneH - 8);
    ctx.globalAlpha = 1;
  }
  const axisY = height - axisH / 2;
  ctx.fillStyle = '#666';
  ctx.fillText('0 ms', labelW, axisY);
  const span = `${(t1 - t0).toFixed(1)} ms`;
  ctx.fillText(span, width - 8 - ctx.measureText(span).width, axisY);
  const switches = Object.values(counts).reduce((a, b) => a + b, 0);
  summary.textContent =
    `— ${lanes.length} thread${lanes.length > 1 ? 's' : ''}, ${switches} drops ` +
    `(interval ${counts.interval}, block ${counts.block}, yield ${counts.yield}, exit ${counts.exit})`;
}

async function run() {
  output.textContent = '';
  linesView.textContent = '';
  const events = [];
  let names = new Map();
  const lastLine = new Map();
  let drawPending = false;
  const scheduleDraw = () => {
    if (drawPending) return;
    drawPending = true;
    requestAnimationFrame(() => {
      drawPending = false;
      if (current) names = current.threadNames();
      drawTimeline(events, names);
      if (lastLine.size) {
        linesView.textContent = [...lastLine]
          .map(([t, l]) => `${names.get(t) ?? `thread ${t}`}: line ${l}`)
          .join('   ');
      }
    });
  };
  const argv = [];
  const seed = seedInput.value.trim();
  if (seed) argv.push('-X', `sched_seed=${seed}`);
  argv.push('main.py');
  runButton.disabled = true;
  stopButton.disabled = false;
  setStatus('running', 'running…');
  const started = performance.now();
  let rt;
  try {
    rt = await createRuntime({
      argv,
      stdout: (t) => append(t),
      stderr: (t) => append(t, 'err'),
      onGil: (batch) => {
        if (events.length < MAX_EVENTS) events.push(...batch);
        scheduleDraw();
      },
      onTrace: traceBox.checked
        ? (e) => {
            if (e.event === 'line' && e.filename === 'main.py') {
              lastLine.set(e.thread, e.lineno);
              scheduleDraw();
            }
          }
        : undefined,
    });
    current = rt;
    const r = await rt.run(source.value, { filename: 'main.py' });
    names = rt.threadNames();
    const { exitCode } = rt.finalize();
    const ms = (performance.now() - started).toFixed(0);
    append(`\n[exit status ${exitCode}${r.exception ? ` — ${r.exception.type}` : ''}, ${ms} ms]\n`, 'exit');
    setStatus('done', `exit ${exitCode}`);
  } catch (e) {
    append(`\n${e.message}\n`, 'err');
    setStatus('error', 'error');
  } finally {
    current = null;
    runButton.disabled = false;
    stopButton.disabled = true;
    drawTimeline(events, names);
  }
}

runButton.addEventListener('click', run);
stopButton.addEventListener('click', () => current?.interrupt());

try {
  await preload();
  runButton.disabled = false;
  setStatus('ready', 'ready');
} catch (e) {
  setStatus('error', `cannot load pyrt: ${e.message}`);
}
