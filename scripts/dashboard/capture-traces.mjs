// Screenshots of the Traces page and one task's trace in a running dashboard (./scripts/dev.sh),
// for the README. Run through ../capture-dashboard.sh, which installs playwright-core and uses Debian's chromium.
import { chromium } from 'playwright-core';
import { dismissBanners } from './dashboard-page.mjs';

const dashboard = process.env.DASHBOARD_URL ?? 'http://localhost:15888';
const gateway = process.env.GATEWAY_URL ?? 'http://127.0.0.1:3000';
const aggregator = process.env.AGGREGATOR_URL ?? 'http://127.0.0.1:3001';
const out = process.env.OUT_DIR ?? 'docs/images';

// Twenty tasks, each its own trace; the row's trace_id is the trace to open.
const accepted = [];
for (let i = 0; i < 20; i++) {
  const response = await fetch(`${gateway}/tasks`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ task_type: 'compute', data: { value: i } }),
  });
  if (response.status !== 202) throw new Error(`POST /tasks answered ${response.status}`);
  accepted.push((await response.json()).request_id);
}
let row;
for (const deadline = Date.now() + 60000; Date.now() < deadline;) {
  const response = await fetch(`${aggregator}/results/${accepted.at(-1)}`);
  if (response.ok) { row = await response.json(); break; }
  await new Promise(resolve => setTimeout(resolve, 250));
}
if (!row) throw new Error('the last task was not stored within 60 s');

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
const page = await browser.newPage({ viewport: { width: 1400, height: 820 } });
// The dashboard asks for its browser token: the login URL the AppHost prints sets the cookie.
if (process.env.DASHBOARD_LOGIN_URL) await page.goto(process.env.DASHBOARD_LOGIN_URL, { waitUntil: 'networkidle' });

// Spans are exported in batches: give the last ones time to arrive.
await new Promise(resolve => setTimeout(resolve, 6000));
await page.goto(`${dashboard}/traces`, { waitUntil: 'networkidle' });
await dismissBanners(page);
await page.getByText('POST /tasks').first().waitFor();
await page.waitForTimeout(1000);
await page.screenshot({ path: `${out}/dashboard-traces.png` });

await page.goto(`${dashboard}/traces/detail/${row.trace_id}`, { waitUntil: 'networkidle' });
await page.getByText('stored result').first().waitFor({ timeout: 30000 });
await page.waitForTimeout(1000);
await page.screenshot({ path: `${out}/dashboard-task-trace.png` });
await browser.close();
console.log(`trace ${row.trace_id} of task ${row.request_id}`);
