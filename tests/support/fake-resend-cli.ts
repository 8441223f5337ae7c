import { startFakeResend } from "./fake-resend";

// The fake Resend API (./fake-resend.ts) as a process of its own, for Playwright's web
// servers: the app sends through it and e2e/support/mailbox.ts reads what arrived.
//
//   FAKE_RESEND_PORT     port to listen on, on 127.0.0.1 (required)
//   FAKE_RESEND_API_KEY  the only key it accepts (required): the app's RESEND_API_KEY

const port = Number(process.env.FAKE_RESEND_PORT);
const apiKey = process.env.FAKE_RESEND_API_KEY;
if (!port || !apiKey) {
  console.error("FAKE_RESEND_PORT and FAKE_RESEND_API_KEY are required");
  process.exit(2);
}

const fake = await startFakeResend(apiKey, { port });
console.log(`Fake Resend API on ${fake.url}`);
// Nothing to flush: what it holds lives only as long as the test run.
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => process.exit(0));
