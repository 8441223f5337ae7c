import { databaseAnswers } from "@/db/client";
import { apiRoute, json, methodNotAllowed } from "@/lib/http";

export const GET = apiRoute({}, async () =>
  (await databaseAnswers()) ? json({ status: "ok" }) : json({ status: "unavailable" }, { status: 503 }),
);
export const { POST, PUT, PATCH, DELETE } = methodNotAllowed("GET", "HEAD");
