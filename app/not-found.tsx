import type { Metadata } from "next";
import Link from "next/link";

export const metadata: Metadata = { title: "Page not found" };

export default function NotFound() {
  return (
    <main className="site-main">
      <div className="card">
        <h1>Page not found</h1>
        <p className="lead">There is nothing at this address. It may have moved, or the link may be mistyped.</p>
        <Link href="/" className="button">
          Go to the start page
        </Link>
      </div>
    </main>
  );
}
