import type { Metadata } from "next";
import { RegisterForm } from "./register-form";

export const metadata: Metadata = { title: "Create an account" };

export default function RegisterPage() {
  return (
    <main className="site-main">
      <div className="card">
        <RegisterForm />
      </div>
    </main>
  );
}
