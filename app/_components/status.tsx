import type { ReactNode } from "react";

type Tone = "error" | "success" | "warning" | "info";

/** A message about the whole form or page. Errors interrupt (alert); the rest waits (status). */
export function Notice({ tone, children }: { tone: Tone; children: ReactNode }) {
  return (
    <div className={`alert alert-${tone}`} role={tone === "error" ? "alert" : "status"}>
      {children}
    </div>
  );
}

/** A Notice of one paragraph; nothing while there is no text (cleared for the next try). */
export function MessageNotice({ tone, text }: { tone: Tone; text: string | null | undefined }) {
  return text ? (
    <Notice tone={tone}>
      <p>{text}</p>
    </Notice>
  ) : null;
}

/** Something could not be loaded or reached: say what, and offer to try again. */
export function RetryNotice({ children, onRetry }: { children: ReactNode; onRetry: () => void }) {
  return (
    <Notice tone="error">
      <p>{children}</p>
      <button type="button" className="button button-secondary button-small" onClick={() => onRetry()}>
        Try again
      </button>
    </Notice>
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
 * default (a form alone in a card); `block={false}` for a form inside a wider page,
 * `secondary` for one that is not the page's main action.
 */
export function SubmitButton(props: {
  busy: boolean;
  busyLabel: string;
  block?: boolean;
  secondary?: boolean;
  children: ReactNode;
}) {
  const { busy, busyLabel, block = true, secondary = false, children } = props;
  const className = ["button", secondary ? "button-secondary" : null, block ? "button-block" : null].filter(Boolean).join(" ");
  return (
    <button type="submit" className={className} disabled={busy}>
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
