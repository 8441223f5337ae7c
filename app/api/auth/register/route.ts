import { after } from "next/server";
import { registerUser } from "@/lib/auth/registration";
import { deliverEmail } from "@/lib/email/send";
import { apiRoute, fieldErrors, json, parseJsonBody, methodNotAllowed } from "@/lib/http";
import { RegisterSchema } from "@/lib/validation";

export const POST = apiRoute({ rateLimit: "register" }, async (request) => {
  const input = await parseJsonBody(request, RegisterSchema);
  if (!input.ok) return input.response;

  const result = await registerUser(input.data);
  if (!result.ok) return fieldErrors(result.errors);

  // Delivery happens after the response, so its latency (or failure) neither delays
  // the answer nor tells anyone which path the registration took.
  after(() => deliverEmail(result.emailId));
  return json({ message: "Registered. Please verify email." }, { status: 201 });
});
export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST");
