import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueName } from '@segflow/testkit';
import { eventually } from '../support/eventually.js';
import { purchase } from '../support/events.js';
import { startSystem } from '../support/system.js';
import type { Schemas, TestSystem } from '../support/system.js';
import { CHROMIUM } from './global-setup.js';

const SCREENSHOTS = join(import.meta.dirname, 'screenshots');

describe('console in a browser', () => {
  let system: TestSystem;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const regulars = [uniqueName('c'), uniqueName('c'), uniqueName('c')];
  let segmentId = '';

  const profileCount = async (id: string) => (await system.api.GET('/v1/customers/{id}', { params: { path: { id } } })).data?.purchase.count ?? 0;
  const buy = async (id: string, times: number) => {
    const before = await profileCount(id);
    for (let i = 0; i < times; i++) expect((await system.api.POST('/v1/events', { body: purchase(id) })).response.status).toBe(202);
    await eventually(() => profileCount(id), (n) => n === before + times, { what: `${id}'s purchases` });
  };
  const shoot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    system = await startSystem();
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    // Customers with 1, 2 and 3 purchases, before any segment exists.
    await Promise.all(regulars.map((id, i) => buy(id, i + 1)));
  });

  afterAll(async () => {
    await browser?.close();
    await system?.stop();
  });

  it('creates a segment in the rule editor, whose preview count is the API preview of the same rule', async () => {
    await page.goto(`${system.url}/editor`);
    await page.getByTestId('segment-name').fill(`Two or more ${segmentId = uniqueName('s').toLowerCase().replace(/[^a-z0-9-]/g, '-')}`);
    const condition = page.getByTestId('condition').first();
    await condition.getByLabel('field').selectOption('purchase.count');
    // Each operator change resets the value; what is typed right after replaces the reset value.
    await condition.getByLabel('operator').selectOption('lt');
    await condition.getByLabel('value').fill('5');
    await expect.poll(async () => JSON.parse(await page.getByTestId('rule-json').inputValue())).toEqual({ all: [{ field: 'purchase.count', op: 'lt', value: 5 }] });
    await condition.getByLabel('operator').selectOption('gte');
    await condition.getByLabel('value').fill('2');
    const rule: Schemas['Rule'] = { all: [{ field: 'purchase.count', op: 'gte', value: 2 }] };
    await expect.poll(async () => JSON.parse(await page.getByTestId('rule-json').inputValue())).toEqual(rule);

    const api = await system.api.POST('/v1/segments/preview', { body: { rule } });
    expect(api.data!.count).toBeGreaterThanOrEqual(2);
    await expect.poll(() => page.getByTestId('preview-count').textContent(), { timeout: 10_000 }).toBe(String(api.data!.count));
    await shoot('editor');

    // A condition the API refuses is marked where it is.
    await condition.getByLabel('value').fill('two');
    await expect.poll(() => condition.getByTestId('field-error').textContent(), { timeout: 10_000 }).toContain('expects a number');
    await condition.getByLabel('value').fill('2');
    await expect.poll(() => page.getByTestId('preview-count').textContent(), { timeout: 10_000 }).toBe(String(api.data!.count));

    await page.getByTestId('save').click();
    await page.waitForURL(/\/segments\/[^/]+$/);
    segmentId = decodeURIComponent(new URL(page.url()).pathname.split('/').at(-1)!);
    const saved = await system.api.GET('/v1/segments/{id}', { params: { path: { id: segmentId } } });
    expect(saved.data).toMatchObject({ version: 1, rule });
  });

  it('shows a customer who entered the segment with the reason and the explanation', async () => {
    const customerId = uniqueName('c');
    await buy(customerId, 1);
    await buy(customerId, 1);
    await eventually(
      async () => (await system.api.GET('/v1/customers/{id}/segments', { params: { path: { id: customerId } } })).data?.segments ?? [],
      (segments) => segments.some((s) => s.segmentId === segmentId),
      { what: 'the customer in the segment' },
    );
    await page.goto(`${system.url}/customers`);
    await page.getByTestId('customer-id').fill(customerId);
    await page.getByRole('button', { name: 'Look up' }).click();
    await page.waitForURL(`**/customers/${customerId}`);
    await expect.poll(() => page.locator(`[data-testid="customer-segments"] tr[data-segment="${segmentId}"]`).count()).toBe(1);
    await expect.poll(() => page.getByTestId('explanation').first().textContent()).toBe('entered because purchase.count went from 1 to 2 (purchase.count ≥ 2)');
    expect(await page.getByTestId('profile').textContent()).toContain('purchases2');
    await shoot('customer');
  });

  it('draws the segment size over time with points, and lists the segments with their sparklines', async () => {
    await page.goto(`${system.url}/segments/${segmentId}`);
    const chart = page.getByTestId('size-chart');
    await chart.locator('canvas').waitFor();
    expect(Number(await chart.getAttribute('data-points'))).toBeGreaterThanOrEqual(1);
    const box = await chart.locator('canvas').boundingBox();
    expect(box!.width).toBeGreaterThan(100);
    // The size line is drawn: the canvas holds pixels of its colour.
    // (Runs in the page: the canvas is typed structurally, the tests have no DOM types.)
    type Canvas = { width: number; height: number; getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null };
    const drawn = await chart.locator('canvas').evaluate((element) => {
      const canvas = element as unknown as Canvas;
      const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
      let blue = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i]! < 80 && data[i + 1]! < 140 && data[i + 2]! > 200) blue++;
      return blue;
    });
    expect(drawn).toBeGreaterThan(20);
    await expect.poll(() => page.getByTestId('segment-size').textContent()).toBe('3');
    // Results, overall and per A/B group, side by side.
    await page.getByTestId('results').waitFor();
    await shoot('segment');

    await page.goto(`${system.url}/`);
    const row = page.locator(`tr[data-segment="${segmentId}"]`);
    await row.getByTestId('sparkline').locator('canvas').waitFor();
    expect(await row.getByTestId('segment-size').textContent()).toBe('3');
    await shoot('segments');
  });

  it('refuses to save over a version someone else saved meanwhile, saying so (412)', async () => {
    await page.goto(`${system.url}/segments/${segmentId}/edit`);
    await page.getByTestId('preview-count').waitFor();
    const other = await system.api.PUT('/v1/segments/{id}', { params: { path: { id: segmentId } }, body: { name: 'Renamed elsewhere', rule: { field: 'purchase.count', op: 'gte', value: 2 } } });
    expect(other.data?.version).toBe(2);
    await page.getByTestId('save').click();
    await expect.poll(() => page.getByTestId('save-message').textContent()).toContain('412: someone saved this segment since you opened it (now version 2)');
    expect((await system.api.GET('/v1/segments/{id}', { params: { path: { id: segmentId } } })).data?.name).toBe('Renamed elsewhere');
  });

  it('shows the consumer lag of every group and partition, refreshed, and the DLQ count', async () => {
    await page.goto(`${system.url}/ops`);
    await page.getByTestId('lag-table').waitFor();
    for (const group of ['segflow-ingest', 'segflow-profile', 'segflow-segment']) {
      await expect.poll(() => page.locator(`tr[data-group="${system.namespace}${group}"]`).count()).toBe(1);
    }
    expect(await page.getByTestId('lag-partition').count()).toBeGreaterThanOrEqual(3);
    // Polled: another answer arrives while the page stays open.
    await page.waitForResponse((r) => r.url().endsWith('/v1/ops/consumer-lag') && r.status() === 200, { timeout: 8_000 });
    await expect.poll(() => page.getByTestId('dlq-total').textContent()).toContain('0 messages dead-lettered');
    await shoot('ops');
    expect(pageErrors).toEqual([]);
  });
});
