import { registerUser } from "@/lib/auth/registration";
import { apiRoute, deliverAfterResponse, methodNotAllowed } from "@/lib/http/route";
import { fieldErrors, json } from "@/lib/http/answers";
import { parseJsonBody } from "@/lib/http/body";
import { RegisterSchema } from "@/lib/validation";

export const POST = apiRoute({ rateLimit: "register" }, async (request) => {
  const input = await parseJsonBody(request, RegisterSchema);
  if (!input.ok) return input.response;

  const result = await registerUser(input.data);
  if (!result.ok) return fieldErrors(result.errors);

  deliverAfterResponse(result.emailId);
  return json({ message: "Registered. Please verify email." }, { status: 201 });
});
export const { GET, PUT, PATCH, DELETE } = methodNotAllowed("POST");
