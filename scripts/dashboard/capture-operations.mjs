// Screenshots of what an operator on call uses in a running dashboard (./scripts/dev.sh), for the
// README: the processor's dead letters, and the end-to-end latency chart whose exemplars lead to
// traces. Run through ../capture-dashboard.sh, which installs playwright-core and uses Debian's chromium.
import { chromium } from 'playwright-core';
import { dismissBanners } from './dashboard-page.mjs';

const dashboard = process.env.DASHBOARD_URL ?? 'http://localhost:15888';
const gateway = process.env.GATEWAY_URL ?? 'http://127.0.0.1:3000';
const out = process.env.OUT_DIR ?? 'docs/images';

// Some tasks for the latency chart; a dead letter needs an undecodable message, which only the
// NATS operator can publish (see the README's "Dead letters").
for (let i = 0; i < 60; i++) {
  await fetch(`${gateway}/tasks`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ task_type: 'compute', data: { value: i } }),
  });
  await new Promise(resolve => setTimeout(resolve, 100));
}

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
const page = await browser.newPage({ viewport: { width: 1400, height: 820 } });
if (process.env.DASHBOARD_LOGIN_URL) await page.goto(process.env.DASHBOARD_LOGIN_URL, { waitUntil: 'networkidle' });

// 1. The processor's dead letters, from the command on one replica's row.
await page.goto(`${dashboard}/`, { waitUntil: 'networkidle' });
await page.getByRole('row').filter({ hasText: 'gateway' }).first().waitFor();
await dismissBanners(page);
const row = page.getByRole('row').filter({ hasText: 'processor-' }).first();
await row.getByRole('button', { name: 'Actions' }).click();
await page.waitForTimeout(500);
const more = page.getByRole('menuitem', { name: 'Commands', exact: true });
if (await more.count() > 0) { await more.hover(); await page.waitForTimeout(500); }
await page.getByRole('menuitem', { name: 'Dead letters', exact: true }).click();
await page.getByText('original subject').first().waitFor({ timeout: 30000 });
await page.waitForTimeout(1000);
await page.screenshot({ path: `${out}/dashboard-dead-letters.png` });

// 2. The end-to-end latency with its exemplars: each dot opens the trace of a task measured there.
await page.goto(`${dashboard}/metrics/resource/aggregator?meter=Distributed&instrument=task_end_to_end&duration=5&view=Graph`, { waitUntil: 'networkidle' });
await dismissBanners(page);
await page.waitForTimeout(4000);
await page.screenshot({ path: `${out}/dashboard-latency-exemplars.png` });
await browser.close();
