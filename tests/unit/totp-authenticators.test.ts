import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { startTotpSetup } from "@/lib/auth/mfa/enrolment";
import { matchTotpStep } from "@/lib/auth/mfa/totp";
import { decodeBase32IgnorePadding } from "@oslojs/encoding";
import { createUser, setEnv } from "./helpers";

// The key URI of TOTP setup read by authenticator implementations nobody here wrote:
// Debian's pyotp (python3-pyotp, the parser behind many apps' tests) and oathtool (OATH
// Toolkit). Each computes the code for now from what it read; ours must accept it. The
// issuer with a port in it (APP_URL http://localhost:3000) once made pyotp refuse the URI.

const PYTHON = "/usr/bin/python3";
const pyotp = existsSync(PYTHON) && spawnSync(PYTHON, ["-c", "import pyotp"]).status === 0;
const oathtool = spawnSync("oathtool", ["--version"]).status === 0;

/** pyotp's reading of the URI: its issuer and account name, and the code it shows now. */
function readWithPyotp(uri: string): { issuer: string; name: string; code: string } {
  const script = "import json, sys, pyotp; t = pyotp.parse_uri(sys.argv[1]); print(json.dumps({'issuer': t.issuer, 'name': t.name, 'code': t.now()}))";
  const run = spawnSync(PYTHON, ["-c", script, uri], { encoding: "utf8" });
  if (run.status !== 0) throw new Error(`pyotp refused the URI: ${run.stderr.trim().split("\n").at(-1)}`);
  return JSON.parse(run.stdout);
}

async function setupUri(appUrl: string, appName?: string): Promise<{ uri: string; secret: string }> {
  setEnv({ APP_URL: appUrl, APP_NAME: appName });
  const user = await createUser({ email: "pat@example.com" });
  const setup = await startTotpSetup(user);
  if (!setup.ok) throw new Error("setup refused");
  return { uri: setup.otpauthUri, secret: setup.secret };
}

describe("the TOTP key URI, as authenticator implementations read it", () => {
  it.skipIf(!pyotp)(`pyotp reads it, with a port in APP_URL, and its code for now passes${pyotp ? "" : " (skipped: needs Debian's python3-pyotp at /usr/bin/python3)"}`, async () => {
    const { uri, secret } = await setupUri("http://localhost:3000");
    const read = readWithPyotp(uri);
    expect(read).toMatchObject({ issuer: "Gatehouse", name: "pat@example.com" });
    expect(matchTotpStep(decodeBase32IgnorePadding(secret), read.code, Date.now())).not.toBeNull();
  });

  it.skipIf(!pyotp)(`names the service as APP_NAME says${pyotp ? "" : " (skipped: needs Debian's python3-pyotp)"}`, async () => {
    const { uri } = await setupUri("https://auth.example.com:8443", "Acme Accounts");
    expect(readWithPyotp(uri)).toMatchObject({ issuer: "Acme Accounts", name: "pat@example.com" });
  });

  it.skipIf(!oathtool)(`oathtool's code from the URI's secret passes${oathtool ? "" : " (skipped: needs oathtool, Debian's oathtool package)"}`, async () => {
    const { uri, secret } = await setupUri("http://localhost:3000");
    const params = new URL(uri).searchParams;
    expect({ algorithm: params.get("algorithm"), digits: params.get("digits"), period: params.get("period") }).toEqual({ algorithm: "SHA1", digits: "6", period: "30" });
    const run = spawnSync("oathtool", ["--totp=SHA1", "--digits=6", "--time-step-size=30s", "--base32", params.get("secret")!], { encoding: "utf8" });
    expect(run.status).toBe(0);
    expect(matchTotpStep(decodeBase32IgnorePadding(secret), run.stdout.trim(), Date.now())).not.toBeNull();
  });
});
