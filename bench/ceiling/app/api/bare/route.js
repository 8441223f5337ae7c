// A bare route handler answering a small JSON, as /api/health/ does without its work.
export function GET() {
  return Response.json({ status: "ok" });
}
