import { getToken } from "next-auth/jwt";

// Sign out here and at Gatehouse: drop this app's session cookie, then RP-initiated
// logout at Gatehouse's end_session_endpoint (found in discovery) with the id_token as
// id_token_hint, a registered post_logout_redirect_uri and a state that comes back.
export default async function logout(req, res) {
  const token = await getToken({ req, secret: process.env.NEXTAUTH_SECRET });
  const discovery = await (await fetch(`${process.env.GATEHOUSE_ISSUER}/.well-known/openid-configuration`)).json();
  res.setHeader("Set-Cookie", "next-auth.session-token=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax");
  const url = new URL(discovery.end_session_endpoint);
  if (token?.idToken) url.searchParams.set("id_token_hint", token.idToken);
  url.searchParams.set("client_id", process.env.GATEHOUSE_CLIENT_ID);
  url.searchParams.set("post_logout_redirect_uri", `${process.env.NEXTAUTH_URL}/`);
  url.searchParams.set("state", "signed-out");
  res.redirect(303, url.href);
}
