// Screenshots of the experiment commands in a running dashboard (./scripts/dev.sh), for the README.
// Run through ../capture-dashboard.sh, which installs playwright-core and uses Debian's chromium.
import { chromium } from 'playwright-core';
import { dismissBanners } from './dashboard-page.mjs';

const dashboard = process.env.DASHBOARD_URL ?? 'http://localhost:15888';
const out = process.env.OUT_DIR ?? 'docs/images';
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
const page = await browser.newPage({ viewport: { width: 1400, height: 820 } });
// The dashboard asks for its browser token: the login URL the AppHost prints sets the cookie.
if (process.env.DASHBOARD_LOGIN_URL) await page.goto(process.env.DASHBOARD_LOGIN_URL, { waitUntil: 'networkidle' });

async function resources() {
  await page.goto(`${dashboard}/`, { waitUntil: 'networkidle' });
  await page.getByRole('row').filter({ hasText: 'gateway' }).first().waitFor();
  await dismissBanners(page);
}

async function openCommands(resource) {
  const row = page.getByRole('row').filter({ hasText: resource }).first();
  await row.getByRole('button', { name: 'Actions' }).click();
  await page.waitForTimeout(500);
  // A resource with a few commands lists them in the menu; with more, under a "Commands" submenu.
  const more = page.getByRole('menuitem', { name: 'Commands', exact: true });
  if (await more.count() > 0) {
    await more.hover();
    await page.waitForTimeout(500);
  }
}

async function runCommand(resource, command) {
  await openCommands(resource);
  await page.getByRole('menuitem', { name: command, exact: true }).click();
}

// 1. The processor's commands.
await resources();
await openCommands('processor-');
await page.screenshot({ path: `${out}/dashboard-commands.png` });
await page.keyboard.press('Escape');

// 2. Send load: the dialog with its presets, then run the gentle one.
await resources();
await runCommand('gateway', 'Send load');
// A command's inputs open the dashboard's interaction dialog; its submit button carries the command's name.
// The dialog's host element has no box of its own, so wait for its content.
const dialog = page.locator('#interactions-input-dialog');
await dialog.getByText('Or a rate (tasks/s)').waitFor();
await page.waitForTimeout(500);
await page.screenshot({ path: `${out}/dashboard-send-load.png` });
await dialog.locator('fluent-button', { hasText: /^\s*Send load\s*$/ }).click();

// 3. Meanwhile, fail half the enrichment requests so degraded results show up, then heal.
await page.waitForTimeout(2000);
await runCommand('enricher', 'Fail requests');
await dialog.getByText('Requests to fail (%)').waitFor();
await dialog.locator('input').first().fill('50');
await dialog.locator('fluent-button', { hasText: /^\s*Fail requests\s*$/ }).click();
await page.waitForTimeout(15000);
await resources();
await runCommand('enricher', 'Heal');

// 4. The load's progress and summary in the gateway's console logs.
await page.waitForTimeout(Number(process.env.LOAD_WAIT_MS ?? 30000));
await page.goto(`${dashboard}/consolelogs/resource/gateway`, { waitUntil: 'networkidle' });
await page.getByText('Load finished').first().waitFor({ timeout: 120000 });
await page.waitForTimeout(1000);
await page.screenshot({ path: `${out}/dashboard-load-logs.png` });

// 5. Show pipeline: accepted vs stored, backlogs, dead letters.
await resources();
await page.getByRole('row').filter({ hasText: 'aggregator' }).first().getByRole('button', { name: /Accepted vs stored/ }).click();
await page.getByRole('dialog').waitFor();
await page.waitForTimeout(1000);
await page.screenshot({ path: `${out}/dashboard-show-pipeline.png` });

await browser.close();
