import { exportAccount } from "@/lib/account/export";
import { AccountExportSchema } from "@/lib/api-schemas";
import { answer, json, unauthorized } from "@/lib/http/answers";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";

export const GET = apiRoute(
  {
    tag: "Accounts",
    summary: "Download everything stored about the user",
    description: "GDPR articles 15 and 20. No password hash, token hash, TOTP secret or recovery code. `Content-Disposition: attachment`.",
    rateLimit: "api",
    auth: "bearer",
    answers: [answer(200, "The account's data.", AccountExportSchema, ["Content-Disposition"])],
  },
  async ({ auth }) => {
    const document = await exportAccount(auth.user.id);
    // Erased since the token was checked (a delete racing this request).
    if (!document) return unauthorized("invalid");
    const day = document.exported_at.slice(0, 10);
    return json(document, { headers: { "Content-Disposition": `attachment; filename="gatehouse-account-${auth.user.id}-${day}.json"` } });
  },
);

export const { POST, PUT, PATCH, DELETE } = methodNotAllowed("GET", "HEAD");
