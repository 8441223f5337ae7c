import { Landing } from "./landing";

export default function Home() {
  return (
    <main className="site-main">
      <div className="card center">
        <h1>Gatehouse</h1>
        <p className="lead">One account for your team&rsquo;s apps, kept on your own server.</p>
        <Landing />
      </div>
    </main>
  );
}
