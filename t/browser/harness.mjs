// What the browser scripts share: their arguments, the JSON lines they
// print ({"check", "ok", "detail"}, {"data"}, {"done"}, {"error"}),
// Debian's headless Chromium with a throw-away profile, pages that record
// script errors, a watch on requests that leave our server, screenshots,
// and the end of a run (failure screenshots, the browser closed).

import { chromium } from 'playwright-core';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const launchOptions = {
  executablePath: process.env.LIAISON_CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
    '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
};

export const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');
export const check = (name, ok, detail) => out({ check: name, ok: !!ok, detail: detail ?? null });
export const text = async (p, sel) => ((await p.locator(sel).first().textContent()) ?? '').trim();

// the script's arguments (n of them) or its usage and exit 2
export function args(usage, n) {
  const a = process.argv.slice(2);
  if (a.length < n || a.slice(0, n).some((x) => !x)) {
    console.error('usage: ' + usage);
    process.exit(2);
  }
  return a;
}

// A 390x844 phone (or opt.viewport) in a persistent profile of its own;
// opt.bypassCSP: the pages' CSP ignored (what their own escaping does).
export async function browser(base, artifacts, opt = {}) {
  mkdirSync(artifacts, { recursive: true });
  const profile = mkdtempSync(join(tmpdir(), 'liaison-chromium-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    ...launchOptions, viewport: opt.viewport || { width: 390, height: 844 },
    deviceScaleFactor: 1, isMobile: opt.isMobile ?? true, hasTouch: true,
    locale: 'zh-CN', timezoneId: 'Asia/Shanghai', bypassCSP: !!opt.bypassCSP,
  });
  ctx.setDefaultTimeout(opt.timeout || 15000);
  const b = { ctx, foreign: new Set(), pageErrors: [], origin: new URL(base).origin };
  b.watch = (c) => c.on('request', (req) => {
    const u = new URL(req.url());
    if (u.origin !== b.origin && !['data:', 'blob:', 'about:'].includes(u.protocol)) b.foreign.add(req.url());
  });
  b.watch(ctx);
  // script errors and Content-Security-Policy refusals are failures
  b.newPage = async (c = ctx) => {
    const p = await c.newPage();
    p.on('pageerror', (e) => b.pageErrors.push(String(e)));
    p.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy/.test(m.text())) b.pageErrors.push('CSP: ' + m.text());
    });
    return p;
  };
  b.shot = (p, name, full) => p.screenshot({ path: join(artifacts, name + '.png'), fullPage: !!full });
  // the common last checks, then {"done"}; on a throw, screenshots of
  // every page open; the browser closed either way
  b.run = async (body) => {
    try {
      await body();
      check('no request left our server', b.foreign.size === 0, [...b.foreign].join(' '));
      check('no script errors on any page', b.pageErrors.length === 0, b.pageErrors.join(' | '));
      out({ done: true });
    } catch (e) {
      out({ error: String(e && e.stack || e) });
      for (const [i, pg] of ctx.pages().entries()) {
        try { await pg.screenshot({ path: join(artifacts, `99-failure-${i}.png`) }); } catch {}
      }
      process.exitCode = 1;
    } finally {
      await ctx.close();
      rmSync(profile, { recursive: true, force: true });
    }
  };
  return b;
}
