import AxeBuilder from "@axe-core/playwright";
import { expect, type Page } from "@playwright/test";

/**
 * axe's serious and critical findings on the page as it is. Legacy mode runs axe inside
 * the page's own frame, without the blank page the default mode opens for each scan: the
 * same rules, no cross-origin frames to follow here, and the gallery took 2.0 minutes
 * instead of 2.7 on two cores (docs/benchmarks.md, test time). accessibility.spec.ts's
 * planted violation proves it still reports one.
 */
export async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page })
    .setLegacyMode(true)
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"])
    .analyze();
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

/**
 * The journeys' one scan of each page they reach (`npm test`), as the page stands, in the
 * browser's default scheme and width; every screen in both schemes at two widths is the
 * gallery's (`npm run test:gallery`, in CI).
 */
export async function expectAccessible(page: Page, where: string): Promise<void> {
  expect(await seriousViolations(page), `serious or critical accessibility findings on ${where}`).toEqual([]);
}
