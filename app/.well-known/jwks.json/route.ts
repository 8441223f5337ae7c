import { publicJwks } from "@/lib/auth/tokens";
import { JwksSchema } from "@/lib/api-schemas";
import { answer, json } from "@/lib/http/answers";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";

export const GET = apiRoute(
  { tag: "Service", summary: "Public keys that verify access tokens (cacheable for 5 minutes)", answers: [answer(200, "The key set.", JwksSchema)] },
  // Verifiers may cache the key set for a few minutes; a rotated key appears within that.
  async () => json(await publicJwks(), { headers: { "Cache-Control": "public, max-age=300" } }),
);
export const { POST, PUT, PATCH, DELETE } = methodNotAllowed("GET", "HEAD");
