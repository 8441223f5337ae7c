import type { ReactNode } from "react";

/** A message about the whole form or page. Errors interrupt (alert); the rest waits (status). */
export function Notice({ tone, children }: { tone: "error" | "success" | "warning" | "info"; children: ReactNode }) {
  return (
    <div className={`alert alert-${tone}`} role={tone === "error" ? "alert" : "status"}>
      {children}
    </div>
  );
}

/** What the page shows while it waits, announced politely. */
export function Loading({ children }: { children: ReactNode }) {
  return (
    <p className="loading" role="status">
      <span className="spinner" aria-hidden="true" />
      {children}
    </p>
  );
}

/**
 * A submit button that says what it is doing while the request runs. Full width by
 * default (a form alone in a card); `block={false}` for a form inside a wider page.
 */
export function SubmitButton(props: { busy: boolean; busyLabel: string; block?: boolean; children: ReactNode }) {
  const { busy, busyLabel, block = true, children } = props;
  return (
    <button type="submit" className={block ? "button button-block" : "button"} disabled={busy}>
      {busy ? (
        <>
          <span className="spinner" aria-hidden="true" />
          {busyLabel}
        </>
      ) : (
        children
      )}
    </button>
  );
}
