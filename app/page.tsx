import { Landing } from "./landing";

export default function Home() {
  return (
    <main className="site-main">
      <div className="card center">
        <h1>Gatehouse</h1>
        <p className="lead">One account for your team&rsquo;s apps. Sign in with a password, Google or GitHub.</p>
        <Landing />
      </div>
    </main>
  );
}
