// What both capture scripts do to a dashboard page before a screenshot.

// The banners about the unsecured local endpoint and certificate are not what the pictures show.
export async function dismissBanners(page) {
  await page.getByText('Endpoint is unsecured').waitFor({ timeout: 5000 }).catch(() => {});
  for (let i = 0; i < 3; i++) {
    const close = page.locator('[aria-label="Dismiss notification"]').first();
    if (await close.count() === 0) break;
    await close.click();
    await page.waitForTimeout(300);
  }
}
