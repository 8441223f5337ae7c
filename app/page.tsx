import { getEnv } from "@/lib/env";
import { Landing } from "./landing";

export default function Home() {
  const name = getEnv().APP_NAME;
  return (
    <main className="site-main">
      <div className="card center">
        <h1>{name}</h1>
        <p className="lead">One account for your team&rsquo;s apps, kept on your own server.</p>
        <Landing />
      </div>
    </main>
  );
}
