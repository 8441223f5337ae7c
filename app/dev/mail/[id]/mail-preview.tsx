"use client";

import { useCallback, useEffect, useRef } from "react";
import styles from "../mail.module.css";

/**
 * The HTML part of a mailbox message, framed, as tall as the message so that nothing is
 * cut off at a phone's width and the page scrolls as one. Same-origin so that its height
 * can be read; it runs no script either way (sandbox without allow-scripts, and its CSP).
 * Its links open in the top window (the route adds <base target="_top">): the pages they
 * lead to refuse to be framed.
 */
export function MailPreview({ src, title }: { src: string; title: string }) {
  const frame = useRef<HTMLIFrameElement>(null);

  const fit = useCallback(() => {
    const body = frame.current?.contentDocument?.documentElement;
    if (frame.current && body) frame.current.style.height = `${body.scrollHeight + 2}px`;
  }, []);

  useEffect(() => {
    // The frame may have loaded before the page hydrated, when no onLoad was listening yet.
    if (frame.current?.contentDocument?.readyState === "complete") fit();
    window.addEventListener("resize", fit);
    return () => window.removeEventListener("resize", fit);
  }, [fit]);

  return (
    <iframe
      ref={frame}
      className={styles.html}
      src={src}
      title={title}
      onLoad={fit}
      sandbox="allow-same-origin allow-popups allow-top-navigation-by-user-activation"
    />
  );
}
