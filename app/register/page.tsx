import type { Metadata } from "next";
import { CardPage } from "@/app/_components/card-page";
import { RegisterForm } from "./register-form";

export const metadata: Metadata = { title: "Create an account" };

export default function RegisterPage() {
  return (
    <CardPage>
      <RegisterForm />
    </CardPage>
  );
}
