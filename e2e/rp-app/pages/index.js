import { getServerSession } from "next-auth/next";
import { signIn } from "next-auth/react";
import { authOptions } from "./api/auth/[...nextauth]";

export async function getServerSideProps({ req, res, query }) {
  const session = await getServerSession(req, res, authOptions);
  return { props: { user: session?.user ?? null, signedOut: query.state === "signed-out" } };
}

export default function Home({ user, signedOut }) {
  return (
    <main>
      <h1>Team Wiki</h1>
      {user ? (
        <>
          <p>
            Signed in as <strong>{user.name}</strong> ({user.email}), Gatehouse user {user.id}
          </p>
          <p>
            <button type="button" onClick={() => signIn("gatehouse", undefined, { prompt: "login" })}>
              Confirm it is me
            </button>
          </p>
          <a href="/api/logout">Sign out</a>
        </>
      ) : (
        <>
          <p>{signedOut ? "You are signed out." : "Not signed in."}</p>
          <button type="button" onClick={() => signIn("gatehouse")}>
            Sign in with Gatehouse
          </button>
        </>
      )}
    </main>
  );
}
