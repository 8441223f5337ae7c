import type { useRouter } from "next/navigation";

/**
 * On to `next` once signed in. A page of this app is a client-side navigation; a path the
 * API answers (the OpenID Connect interaction, /api/auth/oidc/…, which sends the browser
 * back to the app that asked) needs a real one.
 */
export function goToNext(router: ReturnType<typeof useRouter>, next: string): void {
  if (next.startsWith("/api/")) window.location.assign(next);
  else router.replace(next);
}
