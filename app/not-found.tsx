import type { Metadata } from "next";
import Link from "next/link";
import { CardPage } from "@/app/_components/card-page";

export const metadata: Metadata = { title: "Page not found" };

export default function NotFound() {
  return (
    <CardPage>
      <h1>Page not found</h1>
      <p className="lead">There is nothing at this address. It may have moved, or the link may be mistyped.</p>
      <Link href="/" className="button">
        Go to the start page
      </Link>
    </CardPage>
  );
}
