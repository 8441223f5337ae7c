import { expectAccessible, seriousViolations } from "./support/axe";
import { expect, test } from "./support/fixtures";

// The journeys scan each page they reach once (e2e/support/axe.ts expectAccessible); this
// shows the scan reports what it should, so a clean scan means something.
test("the start page passes the scan, and a violation planted on it is reported", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByRole("link", { name: "Create an account" })).toBeVisible();
  await expectAccessible(page, "the start page");
  await page.evaluate(() => {
    const img = document.createElement("img");
    img.src = "data:image/gif;base64,R0lGODlhAQABAAAAACw=";
    const button = document.createElement("button");
    document.querySelector("main")!.append(img, button);
  });
  const found = await seriousViolations(page);
  expect(found.some((v) => v.startsWith("image-alt (critical)"))).toBe(true);
  expect(found.some((v) => v.startsWith("button-name (critical)"))).toBe(true);
});
