// End-to-end tests of the playground in headless Chromium (Debian's
// package), driven by playwright-core:
//   node --test web/test/browser/
// The playground is served from 127.0.0.1 out of web/dist/playground
// (web/scripts/build.sh). A screenshot of the playground after a threaded
// run goes to web/dist/screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdtempSync, mkdirSync, readFile, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = fileURLToPath(new URL('../../dist/playground/', import.meta.url));
const SHOTS = fileURLToPath(new URL('../../dist/screenshots/', import.meta.url));
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.ts': 'text/plain; charset=utf-8',
};

let server;
let browser;
let page;
let base;
let profile;
const consoleErrors = [];

before(async () => {
  server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname));
    const file = join(ROOT, path.endsWith('/') ? `${path}index.html` : path);
    if (!file.startsWith(ROOT)) {
      res.writeHead(403).end();
      return;
    }
    readFile(file, (err, data) => {
      if (err) {
        res.writeHead(404).end('not found');
        return;
      }
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
      res.end(data);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${server.address().port}/`;
  profile = mkdtempSync(join(tmpdir(), 'pyrt-chromium-'));
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1280, height: 860 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  page = await browser.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  await page.goto(base);
  await page.waitForSelector('#status[data-state=ready]', { timeout: 30000 });
});

after(async () => {
  await browser?.close();
  server?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

async function runExample(name, { seed } = {}) {
  await page.selectOption('#example', name);
  if (seed !== undefined) await page.fill('#seed', seed);
  await page.click('#run');
  await page.waitForSelector('#status[data-state=done]', { timeout: 60000 });
  return page.textContent('#output');
}

test('the playground loads without errors', async () => {
  assert.equal(await page.textContent('#status'), 'ready');
  assert.ok((await page.$$eval('#example option', (o) => o.length)) >= 3);
  assert.deepEqual(consoleErrors, []);
});

test('a threaded example runs, prints its output, and the GIL timeline is drawn', async () => {
  const out = await runExample('Threads with a lock');
  for (const w of ['worker-0 done', 'worker-1 done', 'worker-2 done', 'counter = 6000']) {
    assert.ok(out.includes(w), out);
  }
  assert.match(out, /\[exit status 0, \d+ ms\]/);
  const lanes = Number(await page.getAttribute('#timeline', 'data-lanes'));
  assert.ok(lanes >= 4, `${lanes} lanes`);
  const summary = await page.textContent('#timeline-summary');
  assert.match(summary, /4 threads, \d+ drops/);
  assert.match(summary, /block [1-9]/);
  // The canvas has drawn pixels in several colours.
  const colours = await page.$eval('#timeline', (c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const seen = new Set();
    for (let i = 0; i < d.length; i += 16) seen.add(`${d[i]},${d[i + 1]},${d[i + 2]}`);
    return seen.size;
  });
  assert.ok(colours > 10, `${colours} colours`);
  assert.match(await page.textContent('#timeline-summary'), /4 threads/);
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, 'playground-threads.png'), fullPage: true });
});

test('a race with a scheduling seed prints the same result every run', async () => {
  const first = await runExample('A race, reproducible with a seed', { seed: '7' });
  const second = await runExample('A race, reproducible with a seed', { seed: '7' });
  const total = (s) => s.match(/expected 80000, got (\d+)/)[1];
  assert.equal(total(first), total(second));
});

test('producer / consumer example', async () => {
  const out = await runExample('Producer / consumer');
  assert.ok(out.includes('produced 4') && out.includes('consumed 4') && out.includes('all consumed'), out);
});

async function stopAfter(name, ms) {
  await page.selectOption('#example', name);
  await page.click('#run');
  await page.waitForSelector('#status[data-state=running]');
  await page.waitForTimeout(ms);
  const t0 = Date.now();
  await page.click('#stop');
  await page.waitForSelector('#status[data-state=done]', { timeout: 10000 });
  return { out: await page.textContent('#output'), ms: Date.now() - t0 };
}

test('Stop interrupts `while True` with KeyboardInterrupt', async () => {
  const { out, ms } = await stopAfter('Stop me (a busy loop)', 300);
  assert.match(out, /interrupted after \d+ iterations/);
  assert.match(out, /KeyboardInterrupt\n/);
  assert.match(out, /\[exit status 130 — KeyboardInterrupt/);
  assert.ok(ms < 2000, `${ms} ms`);
});

test('Stop interrupts time.sleep(100) at once', async () => {
  const { out, ms } = await stopAfter('Stop me (a long sleep)', 200);
  assert.match(out, /sleeping for 100 s/);
  assert.match(out, /\[exit status 130 — KeyboardInterrupt/);
  assert.ok(ms < 2000, `${ms} ms`);
});

test('the page stays responsive while Python runs', async () => {
  await page.fill(
    '#source',
    'n = 0\nfor i in range(3000000):\n    n += i\nprint(n)\n',
  );
  await page.click('#run');
  // Count animation frames while the program runs.
  const frames = await page.evaluate(
    () =>
      new Promise((resolve) => {
        let n = 0;
        const tick = () => {
          n++;
          if (document.querySelector('#status').dataset.state === 'running') requestAnimationFrame(tick);
          else resolve(n);
        };
        requestAnimationFrame(tick);
      }),
  );
  assert.match(await page.textContent('#output'), /4499998500000/);
  assert.ok(frames >= 5, `${frames} frames`);
  assert.deepEqual(consoleErrors, []);
});
