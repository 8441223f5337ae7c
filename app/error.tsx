"use client";

// Shown when a page throws while rendering. The pages speak to the API through results,
// not exceptions, so reaching this is a bug; the message says so without details.
export default function PageError({ retry }: { error: unknown; retry: () => void }) {
  return (
    <main className="site-main">
      <div className="card" role="alert">
        <h1>Something went wrong</h1>
        <p className="lead">This page failed to load. Trying again usually helps; if not, reload the page.</p>
        <button type="button" className="button" onClick={() => retry()}>
          Try again
        </button>
      </div>
    </main>
  );
}
