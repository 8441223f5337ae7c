import type { Metadata } from "next";
import Link from "next/link";
import { CardPage } from "@/app/_components/card-page";
import { ResultScreen } from "@/app/_components/result-screen";

export const metadata: Metadata = { title: "Account deleted" };

/** Where the profile goes once DELETE /api/auth/me/ answered 204 (its cookie is gone with it). */
export default function AccountDeletedPage() {
  return (
    <CardPage>
      <ResultScreen title="Your account is deleted">
        <p>Everything stored about it is gone, and you are signed out. We sent a last email to its address.</p>
        <p className="muted">You can create a new account with the same address at any time.</p>
        <Link href="/" className="button">
          Go to the home page
        </Link>
      </ResultScreen>
    </CardPage>
  );
}
