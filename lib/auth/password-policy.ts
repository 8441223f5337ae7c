import "server-only";
import { dictionary } from "@zxcvbn-ts/language-common";
import { singleton } from "@/lib/singleton";

// ASVS 2.1.7: refuse passwords that appear in a list of common ones, or that are the
// account's own username or email. The list ships in a maintained package (about 49k
// entries from breach corpora), never fetched at run time.

function commonPasswords(): Set<string> {
  return singleton("common-passwords", () => new Set(dictionary.passwords.map((p) => p.toLowerCase())));
}

export function passwordProblems(input: { password: string; username?: string; email?: string }): string[] {
  const password = input.password.toLowerCase();
  const problems: string[] = [];
  if (commonPasswords().has(password)) problems.push("This password is too common.");
  if (input.username && password === input.username.toLowerCase()) {
    problems.push("This password is the same as your username.");
  }
  if (input.email && password === input.email.toLowerCase()) {
    problems.push("This password is the same as your email address.");
  }
  return problems;
}
