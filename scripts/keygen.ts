// `npm run keygen`: print a new Ed25519 private key as JWK JSON, for AUTH_SIGNING_KEY.
import { generateSigningJwk } from "@/lib/auth/tokens";

console.log(JSON.stringify(await generateSigningJwk()));
