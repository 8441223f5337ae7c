"use client";

import { useEffect, useRef, type ReactNode } from "react";

/**
 * The heading of a screen that replaced another in place ("Verifying…" became
 * "Verified", a form became "Check your email"). It takes focus when it appears, so
 * keyboard and screen-reader users learn of the change and continue from there.
 */
export function AnnouncedHeading({ children }: { children: ReactNode }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  return (
    <h1 tabIndex={-1} ref={heading}>
      {children}
    </h1>
  );
}
