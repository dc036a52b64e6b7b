import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSystem } from '../support/system.js';
import type { TestSystem } from '../support/system.js';
import { CHROMIUM } from './global-setup.js';

const ADMIN = { name: 'admin', key: 'admin-key-of-the-console-test', scopes: ['*' as const] };
const READER = { name: 'reader', key: 'reader-key-of-the-console-test', scopes: ['segments:read' as const] };

describe('console with API keys', () => {
  let system: TestSystem;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    system = await startSystem({ services: ['segment'], apiKeys: [ADMIN, READER] });
    const created = await system.api.POST('/v1/segments', { body: { id: 'big-spenders', name: 'Big spenders', rule: { field: 'purchase.total', op: 'gte', value: 500 } } });
    expect(created.response.status).toBe(201);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
  });

  afterAll(async () => {
    await browser?.close();
    await system?.stop();
  });

  it('asks for a key on 401, keeps it in session storage, and shows what its scopes do not allow as disabled', async () => {
    await page.goto(`${system.url}/`);
    await page.getByTestId('key-dialog').waitFor();
    await page.screenshot({ path: join(import.meta.dirname, 'screenshots', 'api-key.png') });
    await page.getByTestId('key-input').fill(READER.key);
    await page.getByRole('button', { name: 'Use this key' }).click();
    await page.locator('tr[data-segment="big-spenders"]').waitFor();
    expect(await page.evaluate('sessionStorage.getItem("segflow.apiKey")')).toBe(READER.key);

    // ops:read is not the reader's: the lag is shown as not allowed, not as an error.
    await page.getByRole('link', { name: 'Ops' }).click();
    await page.locator('[data-state="forbidden"]').first().waitFor();
    expect(await page.locator('.error').count()).toBe(0);

    // The reader previews, and saving (segments:write) turns into a disabled button.
    await page.goto(`${system.url}/segments/big-spenders/edit`);
    await page.getByTestId('preview-count').waitFor();
    await page.getByTestId('save').click();
    await expect.poll(() => page.getByTestId('save').isDisabled()).toBe(true);
    expect(await page.getByTestId('save-message').textContent()).toContain('lacks the scope segments:write');
    expect(await page.getByTestId('key-dialog').count()).toBe(0);
  });
});
