// Driving the dashboard in Debian Chromium (playwright-core, never a downloaded browser).
import { chromium } from "playwright-core";
import { AxeBuilder } from "@axe-core/playwright";
import { mkdtemp, mkdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { seed, stack, userToken } from "../../support/stack.mjs";

export const SCREENSHOTS = fileURLToPath(new URL("../../../artifacts/screenshots/", import.meta.url));
export const WIDE = { width: 1440, height: 900 };
export const NARROW = { width: 390, height: 844 };

const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync"];

/**
 * A fresh browser profile. Collects CSP violations and page errors, which tests assert are
 * empty: the dashboard must run under its own strict Content-Security-Policy.
 */
export async function openBrowser() {
  const dir = await mkdtemp(join(tmpdir(), "driftlock-browser-"));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    headless: true,
    args: ARGS,
    viewport: WIDE,
  });
  const problems = [];
  const watch = (page) => {
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    page.on("console", (m) => {
      if (m.type() === "error" && /Content Security Policy|Refused to/i.test(m.text())) problems.push(`CSP: ${m.text()}`);
    });
  };
  context.pages().forEach(watch);
  context.on("page", watch);
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    problems,
    async close() {
      await context.close().catch(() => {});
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The dashboard URL for a path. */
export const dash = (path = "/") => new URL(path, stack.dashboardUrl).toString();

/** Signs in the way scripts/dev's link does: Supabase's implicit-flow hash with a local token. */
export async function signIn(page, user = seed.users.acmeOwner, path = "/") {
  const token = userToken(user);
  await page.goto("about:blank");
  await page.goto(`${dash(path)}#access_token=${token}&token_type=bearer`);
  await page.locator("#page-title").waitFor({ timeout: 15000 });
  return token;
}

/** Full-page screenshots at 1440 and 390 px wide; the viewport is wide again afterwards. */
export async function screenshots(page, name) {
  await mkdir(SCREENSHOTS, { recursive: true });
  for (const vp of [WIDE, NARROW]) {
    await page.setViewportSize(vp);
    await page.waitForTimeout(250);
    await page.screenshot({ path: join(SCREENSHOTS, `${name}-${vp.width}.png`), fullPage: true });
  }
  await page.setViewportSize(WIDE);
}

/** axe-core's serious and critical violations on the current page (WCAG 2.x A/AA rules and best practices). */
export async function seriousViolations(page) {
  const r = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]).analyze();
  return r.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(" | ")})`);
}

/** True when nothing is wider than the viewport (no sideways scrolling of the page). */
export async function fitsWidth(page) {
  return page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);
}
