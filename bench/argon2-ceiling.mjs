// The argon2 ceiling (docs/benchmarks.md): password verifications per second at the
// app's parameters with PASSWORD_HASH_CONCURRENCY in flight, no HTTP, no database.
// Run as its own process so it meets the same libuv pool a server process has.
// Usage: node bench/argon2-ceiling.mjs <concurrency> <seconds>; prints one JSON line.
import { readFileSync } from "node:fs";
import path from "node:path";

// The allocator settings server.js gives the app, so both hash under the same conditions.
process.env.MIMALLOC_PURGE_DELAY ??= "0";
process.env.MIMALLOC_ARENA_PURGE_MULT ??= "0";
const { hash, verify } = await import("@node-rs/argon2");

/** PASSWORD_HASH_OPTIONS as lib/auth/password.ts declares them, so the two cannot drift. */
export function passwordHashOptions() {
  const source = readFileSync(path.resolve(import.meta.dirname, "../lib/auth/password.ts"), "utf8");
  const block = /PASSWORD_HASH_OPTIONS = \{([^}]*)\}/.exec(source)?.[1];
  const number = (name) => {
    const match = new RegExp(`${name}:\\s*([\\d_]+)`).exec(block ?? "");
    if (!match) throw new Error(`bench: cannot read ${name} of PASSWORD_HASH_OPTIONS in lib/auth/password.ts`);
    return Number(match[1].replaceAll("_", ""));
  };
  if (!/algorithm:\s*ARGON2ID/.test(block ?? "")) throw new Error("bench: PASSWORD_HASH_OPTIONS is no longer argon2id");
  return { algorithm: 2, memoryCost: number("memoryCost"), timeCost: number("timeCost"), parallelism: number("parallelism") };
}

async function main() {
  const concurrency = Number(process.argv[2] ?? 4);
  const seconds = Number(process.argv[3] ?? 5);
  const options = passwordHashOptions();
  const password = "correct horse battery staple";
  const stored = await hash(password, options);
  let done = 0;
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  const lane = async () => {
    while (performance.now() < deadline) {
      if (!(await verify(stored, password))) throw new Error("argon2 verification failed");
      done++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  const elapsed = (performance.now() - started) / 1000;
  console.log(JSON.stringify({ verifications: done, seconds: elapsed, perSecond: done / elapsed, options }));
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) await main();
