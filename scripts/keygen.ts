// `npm run keygen`: print a new Ed25519 private key as JWK JSON on stdout, for
// AUTH_SIGNING_KEY or as the next key in AUTH_SIGNING_KEYS. The rotation steps go to
// stderr, so `$(npm run -s keygen)` captures the key alone.
import { generateSigningJwk } from "@/lib/auth/tokens";

const jwk = await generateSigningJwk();
console.log(JSON.stringify(jwk));
console.error(`
New Ed25519 signing key, kid "${jwk.kid}". Keep it in your secret store.
First key: set AUTH_SIGNING_KEY to it. Rotating to it (README, "Rotating the signing key"):
  1. AUTH_SIGNING_KEYS='[<current key>, <this key>]' and AUTH_SIGNING_KID=<current kid>; deploy to every instance.
  2. Once verifiers have the new JWKS (it is cached up to 5 minutes): AUTH_SIGNING_KID=${jwk.kid}; deploy.
  3. ACCESS_TOKEN_TTL later (15 minutes by default): drop the old key from AUTH_SIGNING_KEYS; deploy.`);
