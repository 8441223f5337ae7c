import { describe, expect, it } from "vitest";
import { getDb } from "@/lib/db";
import { adminAudit } from "@/db/schema";
import { AUDIT_RETENTION_MS, recordAdminActionIn, trimAdminAudit } from "@/lib/admin/audit";
import { maskEmail } from "@/lib/email/account-templates";
import { rawRows } from "./helpers";

// The administrators' audit is kept a year (docs/api.md, administration), trimmed on the
// hourly schedule of lib/startup.ts; and the masked address of the change-of-address notice.

describe("the administrators' audit", () => {
  it("keeps a year of entries and trims what is older", async () => {
    const now = Date.now();
    const actor = { kind: "admin" as const, id: 1, email: "a@example.com", ip: "203.0.113.9" };
    await recordAdminActionIn(getDb(), { action: "user_disabled", actor, target: { id: 2, email: "t@example.com" }, reason: "old" }, now - AUDIT_RETENTION_MS - 60_000);
    await recordAdminActionIn(getDb(), { action: "user_enabled", actor, target: { id: 2, email: "t@example.com" }, reason: "recent" }, now - AUDIT_RETENTION_MS + 60_000);
    await recordAdminActionIn(getDb(), { action: "role_granted", actor: { kind: "shell" }, target: { id: 3, email: "s@example.com" } }, now);
    expect(await trimAdminAudit(now)).toBe(1);
    const left = await getDb().select().from(adminAudit).orderBy(adminAudit.id);
    expect(left.map((e) => e.reason)).toEqual(["recent", null]);
    // From the shell: no administrator, no address.
    expect(rawRows("admin_audit").at(-1)).toMatchObject({ action: "role_granted", admin_id: null, admin_email: null, ip: null, target_id: 3 });
  });
});

describe("maskEmail", () => {
  it("keeps the first character and the domain only", () => {
    expect(maskEmail("nadia.new@example.org")).toBe("n***@example.org");
    expect(maskEmail("élodie@exemple.fr")).toBe("é***@exemple.fr");
    expect(maskEmail("x@y.z")).toBe("x***@y.z");
    expect(maskEmail("not-an-address")).toBe("***");
  });
});
