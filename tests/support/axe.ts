import type { Page } from 'playwright-core'
import axe from 'axe-core'

/**
 * Serious and critical accessibility violations axe-core finds on the page, one line per rule and
 * element (`rule: selector — summary`), for the elements `keep` accepts (all by default).
 */
export async function axeViolations(page: Page, keep: (target: string) => boolean = () => true): Promise<string[]> {
  // Evaluated by the test driver: a <script> tag would be inline script, which the page's CSP refuses.
  await page.evaluate(axe.source)
  const results = await page.evaluate(() =>
    // "region" (all content inside landmarks) is best practice, not WCAG: the canvas page is one big application.
    (window as unknown as { axe: typeof axe }).axe.run(document, { resultTypes: ['violations'], rules: { region: { enabled: false } } }),
  )
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) =>
      v.nodes
        .map((n) => ({ target: n.target.join(' '), summary: n.failureSummary?.replace(/\s+/g, ' ') }))
        .filter((n) => keep(n.target))
        .map((n) => `${v.id}: ${n.target} — ${n.summary}`),
    )
}
