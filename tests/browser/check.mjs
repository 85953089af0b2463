// Checks HTML pages in headless Chromium: axe-core's WCAG 2.2 AA rules and reflow, in three views.
//
//   node tests/browser/check.mjs [--tabs 2] [--screenshots DIR] PAGE.html[=VIEWS]... > results.json
//
// Views: "100" is a 1280 x 800 window at 100% zoom; "200" the same window at 200% zoom (640 CSS px
// wide, two device pixels each); "320" a window 320 CSS px wide (1280 px at 400% zoom: WCAG 1.4.10).
// Every page is loaded in every view and must not scroll sideways there; axe runs in the views
// named after its path (`page.html=100`), in all three when none are named. Axe leaves the text
// inside SVG figures undecided (it cannot tell what is under it), so the contrast of that text
// with what is drawn under it is checked here too, as "svg-text-contrast".
// Prints one JSON result per page and view: the violations, and whether the page scrolls sideways
// (with the elements that stick out beyond the window, for finding why).
// One browser checks every page, a few tabs at a time. Chromium is /usr/bin/chromium unless
// CHROMIUM names another.
import { existsSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const AXE = require.resolve("axe-core/axe.min.js");
const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];
const VIEWS = {
  100: { viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 },
  200: { viewport: { width: 640, height: 400 }, deviceScaleFactor: 2 },
  320: { viewport: { width: 320, height: 256 }, deviceScaleFactor: 1 },
};

function parseArgs(argv) {
  const opts = { screenshots: null, tabs: 2, pages: [] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--screenshots") opts.screenshots = argv[++i];
    else if (argv[i] === "--tabs") opts.tabs = Number(argv[++i]);
    else opts.pages.push(argv[i]);
  }
  return opts;
}

// In the page: the outermost elements that reach past the window's right edge and are not inside
// an element that scrolls them itself (a table's scrollable region).
function overflowing() {
  const width = document.documentElement.clientWidth;
  const found = [];
  const seen = new Set();
  for (const el of document.body.querySelectorAll("*")) {
    const rect = el.getBoundingClientRect();
    if (rect.right <= width + 0.5 || rect.width === 0) continue;
    let parent = el.parentElement;
    let contained = false;
    while (parent && parent !== document.body) {
      const style = getComputedStyle(parent);
      if (seen.has(parent) || ["auto", "scroll", "hidden"].includes(style.overflowX)) {
        contained = true;
        break;
      }
      parent = parent.parentElement;
    }
    if (contained) continue;
    seen.add(el);
    const id = el.id ? `#${el.id}` : "";
    const cls = el.classList.length ? `.${[...el.classList].join(".")}` : "";
    found.push(`${el.tagName.toLowerCase()}${id}${cls} (right edge ${Math.round(rect.right)} px)`);
    if (found.length >= 10) break;
  }
  return found;
}

// In the page: the contrast of each text in an inline SVG figure with what is drawn under it (axe
// leaves SVG text "incomplete": it cannot tell its background). Small text needs 4.5:1 (WCAG 1.4.3).
function svgTextContrast() {
  const rgb = (colour) => {
    const m = /rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)/.exec(colour);
    return m && (m[4] === undefined || Number(m[4]) > 0) ? [m[1], m[2], m[3]].map(Number) : null;
  };
  const luminance = (c) => {
    const [r, g, b] = c.map((v) => {
      const s = v / 255;
      return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const shapes = new Set(["path", "rect", "circle", "ellipse", "polygon", "use"]);
  const failing = [];
  for (const text of document.querySelectorAll("svg text")) {
    if (!text.textContent.trim()) continue;
    const ink = rgb(getComputedStyle(text).fill);
    if (!ink) continue;
    let rect = text.getBoundingClientRect();
    if (!rect.width) continue;
    if (rect.top < 0 || rect.bottom > innerHeight || rect.left < 0 || rect.right > innerWidth) {
      text.scrollIntoView({ block: "center", inline: "center" }); // only what is in view can be hit
      rect = text.getBoundingClientRect();
    }
    // what lies under the text's middle: the first filled shape of its figure, else the page
    let ground = [255, 255, 255];
    const under = document.elementsFromPoint(rect.left + rect.width / 2, rect.top + rect.height / 2);
    for (const el of under) {
      if (el === text || !shapes.has(el.tagName)) continue;
      if (el.closest("svg") !== text.closest("svg")) break;
      const fill = rgb(getComputedStyle(el).fill);
      if (fill) {
        ground = fill;
        break;
      }
    }
    const [hi, lo] = [luminance(ink), luminance(ground)].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    if (ratio < 4.5) {
      const figure = text.closest("svg").parentElement.closest("[id]");
      failing.push({
        target: [`${figure ? `#${figure.id} ` : ""}text "${text.textContent.trim()}"`],
        summary: `contrast ${ratio.toFixed(2)}:1, text rgb(${ink}) on rgb(${ground})`,
      });
    }
  }
  return failing.length
    ? [{ id: "svg-text-contrast", impact: "serious", help: "Text in a figure must contrast 4.5:1 with what is under it", nodes: failing }]
    : [];
}

// One page in one view: reflow first (and the screenshot), then axe and the figures' text.
async function check(browser, path, view, withAxe, screenshots) {
  const started = Date.now();
  const context = await browser.newContext({ ...VIEWS[view], reducedMotion: "reduce" });
  try {
    // pages are local files: anything else they ask for is refused
    await context.route(/^(?!file:|data:|about:)/, (route) => route.abort());
    const tab = await context.newPage();
    await tab.goto(pathToFileURL(path).href, { waitUntil: "load" });
    const reflow = await tab.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      clientWidth: document.documentElement.clientWidth,
    }));
    reflow.overflowing = reflow.scrollWidth > reflow.clientWidth ? await tab.evaluate(overflowing) : [];
    if (screenshots) {
      mkdirSync(screenshots, { recursive: true });
      const name = `${basename(dirname(path))}-${basename(path, ".html")}-${view}.png`;
      await tab.screenshot({ path: join(screenshots, name), fullPage: true });
    }
    if (!withAxe) return { page: path, view, axe: false, violations: [], ...reflow, ms: Date.now() - started };
    await tab.addScriptTag({ path: AXE });
    const violations = await tab.evaluate(
      async (tags) => {
        const r = await window.axe.run(document, {
          runOnly: { type: "tag", values: tags },
          resultTypes: ["violations"],
        });
        return r.violations.map((v) => ({
          id: v.id,
          impact: v.impact,
          help: v.help,
          helpUrl: v.helpUrl,
          nodes: v.nodes.map((n) => ({ target: n.target, summary: n.failureSummary })),
        }));
      },
      TAGS,
    );
    violations.push(...(await tab.evaluate(svgTextContrast)));
    return { page: path, view, axe: true, violations, ...reflow, ms: Date.now() - started };
  } finally {
    await context.close();
  }
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
  if (!existsSync(executablePath)) {
    console.error(`no Chromium at ${executablePath}: install Debian's chromium package (bash tasks.sh setup does)`);
    process.exit(3);
  }
  const jobs = [];
  for (const spec of opts.pages) {
    const named = /=([\d,]+)$/.exec(spec);
    const path = resolve(named ? spec.slice(0, named.index) : spec);
    const axeViews = named ? named[1].split(",") : Object.keys(VIEWS);
    for (const view of axeViews) {
      if (!VIEWS[view]) throw new Error(`unknown view ${view}: one of ${Object.keys(VIEWS)}`);
    }
    for (const view of Object.keys(VIEWS)) jobs.push([path, view, axeViews.includes(view)]);
  }
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    // a fresh profile each run (Playwright makes one); nothing reaches the network
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  const results = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await check(browser, ...jobs[i], opts.screenshots);
    }
  };
  try {
    // a few tabs at a time: axe is most of the time, and each tab renders in its own process
    await Promise.all(Array.from({ length: Math.min(opts.tabs, jobs.length) }, worker));
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(results, null, 1) + "\n");
}

await main();
