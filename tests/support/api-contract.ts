import { appendFileSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";

// The integration suite's check of the API against its OpenAPI document: ApiClient
// records every response it sees (when API_RECORD_DIR_ENV names a directory), and the
// integration global setup's teardown runs each one through checkResponse.

export const API_RECORD_DIR_ENV = "GATEHOUSE_API_RECORD_DIR";

/**
 * The document as GET /api/openapi.json serves it, from the route handler called in this
 * process (the routes' own declarations; no server needed). `servers` names APP_URL.
 */
export async function servedOpenApiDocument(): Promise<Record<string, unknown>> {
  const [{ NextRequest }, { GET }] = await Promise.all([import("next/server"), import("@/app/api/openapi.json/route")]);
  const response = await GET(new NextRequest("http://127.0.0.1/api/openapi.json"), { params: Promise.resolve({}) });
  if (response.status !== 200) throw new Error(`GET /api/openapi.json answered ${response.status} in-process`);
  return (await response.json()) as Record<string, unknown>;
}

export type RecordedResponse = {
  method: string;
  /** The concrete path, without the query string. */
  path: string;
  status: number;
  contentType: string | null;
  body: unknown;
  /** The test file that made the request. */
  testFile?: string;
};

/** Append one response to this worker's JSONL file, when recording is on. */
export function recordResponse(response: RecordedResponse): void {
  const dir = process.env[API_RECORD_DIR_ENV];
  if (!dir) return;
  appendFileSync(path.join(dir, `${process.pid}.jsonl`), JSON.stringify(response) + "\n");
}

export function readRecordedResponses(dir: string): RecordedResponse[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith(".jsonl"))
    .flatMap((name) => readFileSync(path.join(dir, name), "utf8").split("\n").filter(Boolean))
    .map((line) => JSON.parse(line) as RecordedResponse);
}

type Document = { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>> };

/** "checked" (validated), "skipped" (not an API path), or why the response breaks the document. */
export type CheckOutcome = { result: "checked" } | { result: "skipped" } | { result: "failed"; reason: string };

const pointer = (...segments: string[]) => segments.map((s) => s.replace(/~/g, "~0").replace(/\//g, "~1")).join("/");

const templateRegex = (template: string) =>
  new RegExp(`^${template.split(/\{[^}]+\}/).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("[^/]+")}$`);

const isApiPath = (p: string) => p.startsWith("/api/") || p.startsWith("/.well-known/");

const isEmpty = (body: unknown) => body === null || body === "" || body === undefined;

export function createResponseChecker(document: unknown): (response: RecordedResponse) => CheckOutcome {
  const doc = document as Document;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addFormat("date-time", { type: "string", validate: (v: string) => !Number.isNaN(Date.parse(v)) });
  ajv.addFormat("email", /^[^\s@]+@[^\s@]+$/);
  ajv.addSchema(document as object, "openapi");
  // As Next routes: a literal segment wins over a parameter (revoke-others/ is not {id}/).
  const templates = Object.keys(doc.paths)
    .sort((a, b) => a.split("{").length - b.split("{").length)
    .map((template) => ({ template, regex: templateRegex(template) }));
  const templateOf = (p: string) => templates.find((t) => t.regex.test(p))?.template;

  const compiled = new Map<string, ValidateFunction>();
  const validate = (ref: string, body: unknown): string | null => {
    let validator = compiled.get(ref);
    if (!validator) compiled.set(ref, (validator = ajv.compile({ $ref: `openapi#${ref}` })));
    return validator(body) ? null : ajv.errorsText(validator.errors, { dataVar: "body" });
  };

  const fail = (r: RecordedResponse, why: string): CheckOutcome => ({
    result: "failed",
    reason: `${r.method} ${r.path} -> ${r.status}: ${why} (body ${JSON.stringify(r.body)?.slice(0, 300)})${r.testFile ? ` [${r.testFile}]` : ""}`,
  });

  return (r) => {
    if (!isApiPath(r.path)) return { result: "skipped" };
    const template = templateOf(r.path);
    if (!template) {
      // The trailing-slash convention: 308 to the documented form of the path.
      const documented = templateOf(r.path.endsWith("/") ? r.path.slice(0, -1) : `${r.path}/`);
      if (documented && r.status === 308) return { result: "checked" };
      return fail(r, "path not in the OpenAPI document");
    }
    const method = r.method.toLowerCase();
    if (method === "options") {
      return r.status === 204 && isEmpty(r.body) ? { result: "checked" } : fail(r, "a preflight answers 204 with no body");
    }
    const operation = doc.paths[template]![method === "head" ? "get" : method];
    if (!operation) {
      if (r.status !== 405) return fail(r, `method not documented for ${template}, and the status is not 405`);
      const why = validate(pointer("", "components", "responses", "MethodNotAllowed", "content", "application/json", "schema"), r.body);
      return why ? fail(r, why) : { result: "checked" };
    }
    const response = operation.responses[String(r.status)];
    if (!response) return fail(r, `status not documented for ${r.method} ${template}`);
    if (method === "head") return { result: "checked" };
    if (!response.content) return isEmpty(r.body) ? { result: "checked" } : fail(r, "the document says no body");
    if (!r.contentType?.toLowerCase().startsWith("application/json")) return fail(r, `content type ${r.contentType}, not JSON`);
    const why = validate(pointer("", "paths", template, method, "responses", String(r.status), "content", "application/json", "schema"), r.body);
    return why ? fail(r, why) : { result: "checked" };
  };
}

export type ContractReport = { checked: number; skipped: number; failures: string[] };

export function checkResponses(document: unknown, responses: RecordedResponse[]): ContractReport {
  const check = createResponseChecker(document);
  const report: ContractReport = { checked: 0, skipped: 0, failures: [] };
  for (const response of responses) {
    const outcome = check(response);
    if (outcome.result === "failed") report.failures.push(outcome.reason);
    else report[outcome.result]++;
  }
  return report;
}
