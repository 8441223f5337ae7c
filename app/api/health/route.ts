import { databaseAnswers } from "@/db/client";
import { apiRoute, json } from "@/lib/http";

export const GET = apiRoute({}, () =>
  databaseAnswers() ? json({ status: "ok" }) : json({ status: "unavailable" }, { status: 503 }),
);
