import { databaseAnswers } from "@/lib/db";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";
import { json } from "@/lib/http/answers";
import { isDraining } from "@/lib/shutdown";

// 503 while the instance drains for shutdown, so a load balancer stops sending it work
// (docs/decisions/017), and when the database does not answer.
export const GET = apiRoute({}, async () => {
  if (isDraining()) return json({ status: "draining" }, { status: 503 });
  return (await databaseAnswers()) ? json({ status: "ok" }) : json({ status: "unavailable" }, { status: 503 });
});
export const { POST, PUT, PATCH, DELETE } = methodNotAllowed("GET", "HEAD");
