import { characterCount, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from "@/lib/validation";

// The API speaks Django REST Framework's words, which the seed's clients know
// (lib/validation.ts). The pages say the same things in their own words, once each, and
// without repeating the field's hint: what is wrong with what was typed.

type Messages = string[] | undefined;

const replace = (messages: Messages, match: (m: string) => boolean, words: () => string): Messages =>
  messages?.map((m) => (match(m) ? words() : m));

/** "Enter a valid username…": which characters are the trouble, shown as typed. */
export function usernameWords(messages: Messages, value: string): Messages {
  return replace(messages, (m) => m.startsWith("Enter a valid username."), () => {
    const bad = [...new Set([...value.trim()].filter((c) => !/[\p{L}\p{N}_.@+-]/u.test(c)))];
    const named = bad.map((c) => (c === " " ? "spaces" : /\s/u.test(c) ? "line breaks or tabs" : `“${c}”`));
    if (named.length === 0) return "That username has a character that cannot be used.";
    const list = named.length === 1 ? named[0] : `${named.slice(0, -1).join(", ")} and ${named.at(-1)}`;
    return `A username cannot contain ${list}.`;
  });
}

/** The length rules of a new password, counted as the API counts them. */
export function newPasswordWords(messages: Messages, value: string): Messages {
  const length = characterCount(value.normalize("NFKC"));
  const counted = length === 1 ? "1 character" : `${length} characters`;
  return replace(
    replace(messages, (m) => m.startsWith("Ensure this field has at least"), () => `That is ${counted}; it needs at least ${PASSWORD_MIN_LENGTH}.`),
    (m) => m.startsWith("Ensure this field has no more than"),
    () => `That is ${counted}; it can have at most ${PASSWORD_MAX_LENGTH}.`,
  );
}

/** One wording for a refused code, wherever one is typed ("Invalid code" from the API). */
export const WRONG_CODE = "That code is not right. Check your authenticator app and try again.";
export const WRONG_RECOVERY_CODE = "That recovery code is not right, or it was already used.";
export const WRONG_CODE_OR_RECOVERY_CODE = "That code is not right. Use the code your app shows now, or an unused recovery code.";

export function codeWords(messages: Messages, kind: "code" | "recovery_code" | "either" = "code"): Messages {
  const words = kind === "code" ? WRONG_CODE : kind === "recovery_code" ? WRONG_RECOVERY_CODE : WRONG_CODE_OR_RECOVERY_CODE;
  return replace(messages, (m) => m === "Invalid code", () => words);
}
