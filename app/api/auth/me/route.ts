import { getProfile } from "@/lib/auth/user";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";
import { json } from "@/lib/http/answers";

export const GET = apiRoute({ rateLimit: "api", auth: "bearer" }, async (request, _context, auth) => {
  return json(await getProfile(auth.user));
});
export const { POST, PUT, PATCH, DELETE } = methodNotAllowed("GET", "HEAD");
