"use client";

import { createContext, useContext, type ReactNode } from "react";

/**
 * What the pages know of the server they run on, handed down once by the root layout:
 * the name people know the service by (APP_NAME), and whether emails are kept in the
 * development mailbox (`npm run dev`) instead of being sent.
 */
export type AppInfo = { name: string; devMailbox: boolean };

const AppInfoContext = createContext<AppInfo>({ name: "Gatehouse", devMailbox: false });

export function AppInfoProvider({ value, children }: { value: AppInfo; children: ReactNode }) {
  return <AppInfoContext value={value}>{children}</AppInfoContext>;
}

export const useAppInfo = (): AppInfo => useContext(AppInfoContext);
