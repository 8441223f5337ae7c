import { HealthSchema, HealthUnavailableSchema } from "@/lib/api-schemas";
import { databaseAnswers } from "@/lib/db";
import { answer, json } from "@/lib/http/answers";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";
import { isDraining } from "@/lib/shutdown";

// 503 while the instance drains for shutdown, so a load balancer stops sending it work
// (docs/decisions/017), and when the database does not answer.
export const GET = apiRoute(
  {
    tag: "Service",
    summary: "Liveness for load balancers (never rate limited)",
    answers: [
      answer(200, '`{"status": "ok"}`', HealthSchema),
      answer(503, '`{"status": "unavailable"}`: the database does not answer; `{"status": "draining"}`: the instance is shutting down.', HealthUnavailableSchema),
    ],
  },
  async () => {
    if (isDraining()) return json({ status: "draining" }, { status: 503 });
    return (await databaseAnswers()) ? json({ status: "ok" }) : json({ status: "unavailable" }, { status: 503 });
  },
);
export const { POST, PUT, PATCH, DELETE } = methodNotAllowed("GET", "HEAD");
