import NextAuth from "next-auth";

// The whole integration with Gatehouse: its issuer, a client id and a secret.
export const authOptions = {
  secret: process.env.NEXTAUTH_SECRET,
  providers: [
    {
      id: "gatehouse",
      name: "Gatehouse",
      type: "oauth",
      wellKnown: `${process.env.GATEHOUSE_ISSUER}/.well-known/openid-configuration`,
      clientId: process.env.GATEHOUSE_CLIENT_ID,
      clientSecret: process.env.GATEHOUSE_CLIENT_SECRET,
      authorization: { params: { scope: "openid profile email" } },
      checks: ["pkce", "state"],
      idToken: true,
      profile: (claims) => ({ id: claims.sub, name: claims.preferred_username, email: claims.email }),
    },
  ],
  callbacks: {
    // Keep the id_token for RP-initiated logout (id_token_hint).
    jwt: ({ token, account }) => (account?.id_token ? { ...token, idToken: account.id_token } : token),
    session: ({ session, token }) => ({ ...session, user: { ...session.user, id: token.sub } }),
  },
};

export default NextAuth(authOptions);
