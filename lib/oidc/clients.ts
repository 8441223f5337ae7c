import "server-only";
import { getEnv } from "@/lib/env";
import type { OidcClient } from "./config";

// The relying parties of OIDC_CLIENTS as the rest of Gatehouse asks about them.

/** The clients that may sign in now: configured and not disabled (docs/oidc.md). */
export function activeClients(): OidcClient[] {
  return (getEnv().OIDC_CLIENTS ?? []).filter((client) => !client.disabled);
}

export function findClient(clientId: string): OidcClient | undefined {
  return activeClients().find((client) => client.client_id === clientId);
}

/** What a person reads for an app: its configured name, else its id. */
export const clientName = (client: Pick<OidcClient, "client_id" | "name"> | undefined, clientId: string) => client?.name ?? clientId;
