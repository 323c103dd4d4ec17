/**
 * An automated accessibility audit of a page in the browser: axe-core (the npm package's own script, evaluated in the
 * page through the DevTools protocol, so the page's Content-Security-Policy of its own origin is untouched and nothing
 * is fetched) run against the WCAG 2.0 and 2.1 level A and AA rules, at a phone-sized and at a desktop viewport.
 */
import axe from "axe-core";
import type { Page } from "playwright-core";

/** The rules that fail the audit: every axe rule tagged WCAG 2.0 or 2.1, level A or AA. */
export const WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] as const;

export const VIEWPORTS = {
  phone: { width: 390, height: 844 },
  desktop: { width: 1280, height: 800 },
} as const;

export interface Violation {
  id: string;
  impact: string | null;
  help: string;
  /** Each failing element: its selector and axe's summary of what to fix. */
  nodes: { target: string; summary: string }[];
}

/** Runs axe in `page` as it is now; the page's violations of the WCAG 2.1 A/AA rules, and how many rules passed. */
export async function axeViolations(page: Page): Promise<{ violations: Violation[]; passes: number }> {
  if (!(await page.evaluate("typeof window.axe === 'object'"))) await page.evaluate(axe.source);
  // in the page (a string: this project's TypeScript has no DOM types)
  return (await page.evaluate(`(async () => {
    const results = await window.axe.run(document, {
      runOnly: { type: "tag", values: ${JSON.stringify(WCAG_21_AA)} },
      resultTypes: ["violations"],
    });
    return {
      passes: results.passes.length,
      violations: results.violations.map((v) => ({
        id: v.id,
        impact: v.impact ?? null,
        help: v.help,
        nodes: v.nodes.map((n) => ({ target: n.target.join(" "), summary: n.failureSummary ?? "" })),
      })),
    };
  })()`)) as { violations: Violation[]; passes: number };
}

/** The violations as lines a reader acts on (rule, impact, help, and each element with what to fix). */
export function describeViolations(violations: Violation[]): string {
  return violations
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help}\n` +
        v.nodes.map((n) => `    ${n.target}: ${n.summary.replace(/\s+/g, " ")}`).join("\n"),
    )
    .join("\n");
}

/**
 * Audits `page` at each viewport (the phone's first, then the desktop's) and restores the page's own size; returns
 * the violations found at each, keyed `label @ viewport`, and the count of audits run.
 */
export async function auditAtViewports(
  page: Page,
  label: string,
): Promise<{ failures: Record<string, Violation[]>; audits: number }> {
  const own = page.viewportSize();
  const failures: Record<string, Violation[]> = {};
  let audits = 0;
  for (const [name, size] of Object.entries(VIEWPORTS)) {
    await page.setViewportSize(size);
    // the layout settles in the next frames (media queries, wrapping) before the audit reads colours and sizes
    await page.evaluate("new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))");
    const { violations } = await axeViolations(page);
    audits++;
    if (violations.length > 0) failures[`${label} @ ${name}`] = violations;
  }
  if (own) await page.setViewportSize(own);
  return { failures, audits };
}
