import { describe, expect, it } from "vitest";
import { constantTimeEqual, randomToken, sha256 } from "@/lib/crypto";
import {
  CurrentPasswordSchema,
  EmailSchema,
  LinkTokenSchema,
  LoginSchema,
  NewPasswordSchema,
  RegisterSchema,
  UsernameSchema,
  fieldErrorsFrom,
  normalizeEmail,
} from "@/lib/validation";
import { sha256Hex } from "./helpers";

// docs/api.md, register: the field rules; Conventions: DRF-shaped field errors, never a 500
// for a value of the wrong type.

const errorsOf = (schema: { safeParse(v: unknown): { success: boolean; error?: unknown } }, value: unknown) => {
  const result = schema.safeParse(value);
  if (result.success) return null;
  return (result.error as { issues: Array<{ message: string }> }).issues.map((i) => i.message);
};

describe("email", () => {
  it("is stored trimmed with the domain lower-cased and the local part kept", async () => {
    expect(EmailSchema.parse("  Journey@Example.COM ")).toBe("Journey@example.com");
    expect(normalizeEmail("A.B@Sub.Example.Org")).toBe("A.B@sub.example.org");
  });

  it("refuses an invalid address", async () => {
    expect(errorsOf(EmailSchema, "not-an-email")).toEqual(["Enter a valid email address."]);
    expect(errorsOf(EmailSchema, "a@b")).toEqual(["Enter a valid email address."]);
  });

  it("allows 254 characters and refuses 255", async () => {
    const at254 = `${"a".repeat(64)}@${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(57)}.com`;
    expect(at254).toHaveLength(254);
    expect(EmailSchema.safeParse(at254).success).toBe(true);
    expect(errorsOf(EmailSchema, `x${at254}`)).toContain("Ensure this field has no more than 254 characters.");
  });

  it("answers a missing value and a value of the wrong type with a field error", async () => {
    expect(errorsOf(EmailSchema, undefined)).toEqual(["This field is required."]);
    expect(errorsOf(EmailSchema, "   ")).toEqual(["This field is required."]);
    expect(errorsOf(EmailSchema, 42)).toEqual(["Not a valid string."]);
    expect(errorsOf(EmailSchema, ["a@example.com"])).toEqual(["Not a valid string."]);
  });
});

describe("username", () => {
  it("allows letters, digits and @ . + - _, in any script", async () => {
    for (const name of ["newuser123", "a", "first.last+tag@home-1_x", "Zoë", "用户名"]) {
      expect(UsernameSchema.parse(name)).toBe(name);
    }
  });

  it("refuses other characters", async () => {
    for (const name of ["with space", "semi;colon", "slash/", "<script>", "emoji😀"]) {
      expect(errorsOf(UsernameSchema, name)?.[0]).toMatch(/^Enter a valid username/);
    }
  });

  it("allows 150 characters and refuses 151", async () => {
    expect(UsernameSchema.safeParse("u".repeat(150)).success).toBe(true);
    expect(errorsOf(UsernameSchema, "u".repeat(151))).toContain("Ensure this field has no more than 150 characters.");
  });

  it("refuses an empty or missing username", async () => {
    expect(errorsOf(UsernameSchema, "")).toContain("This field is required.");
    expect(errorsOf(UsernameSchema, null)).toEqual(["This field is required."]);
  });
});

describe("new password", () => {
  it("counts characters, not UTF-16 units", async () => {
    const eightEmoji = "😀".repeat(8); // 16 UTF-16 units
    expect(NewPasswordSchema.parse(eightEmoji)).toBe(eightEmoji);
    expect(errorsOf(NewPasswordSchema, "😀".repeat(7))).toEqual(["Ensure this field has at least 8 characters."]);
    expect(NewPasswordSchema.safeParse("😀".repeat(128)).success).toBe(true);
    expect(errorsOf(NewPasswordSchema, "😀".repeat(129))).toEqual(["Ensure this field has no more than 128 characters."]);
  });

  it("allows 8 to 128 characters and never truncates", async () => {
    expect(errorsOf(NewPasswordSchema, "1234567")).toEqual(["Ensure this field has at least 8 characters."]);
    const long = "x".repeat(127) + "y";
    expect(NewPasswordSchema.parse(long)).toBe(long);
    expect(errorsOf(NewPasswordSchema, "x".repeat(129))).toEqual(["Ensure this field has no more than 128 characters."]);
  });

  it("has no composition rules", async () => {
    expect(NewPasswordSchema.safeParse("alllowercaseletters").success).toBe(true);
    expect(NewPasswordSchema.safeParse("        ").success).toBe(true);
  });

  it("normalises to NFKC, so equivalent spellings are the same password", async () => {
    // U+FB01 LATIN SMALL LIGATURE FI, and "e" + COMBINING ACUTE ACCENT.
    expect(NewPasswordSchema.parse("\uFB01ne-caf\u0065\u0301-pass")).toBe("fine-caf\u00e9-pass");
  });

  it("keeps a current password as typed: the check normalises it (Django hashes are of the typed form)", async () => {
    expect(CurrentPasswordSchema.parse("\uFB01ne-caf\u0065\u0301-pass")).toBe("\uFB01ne-caf\u0065\u0301-pass");
  });
});

describe("current password", () => {
  it("accepts any non-empty string at login, whatever today's rules", async () => {
    expect(CurrentPasswordSchema.parse("short")).toBe("short");
    expect(errorsOf(CurrentPasswordSchema, "")).toEqual(["This field is required."]);
    expect(errorsOf(CurrentPasswordSchema, "x".repeat(4097))?.[0]).toMatch(/no more than 4096/);
  });
});

describe("field errors in the DRF shape", () => {
  it("names each field with its messages", async () => {
    const result = RegisterSchema.safeParse({ username: "bad name", email: 12, password: "short" });
    expect(result.success).toBe(false);
    expect(fieldErrorsFrom(result.error!)).toEqual({
      username: ["Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters."],
      email: ["Not a valid string."],
      password: ["Ensure this field has at least 8 characters."],
    });
  });

  it("lists every missing field", async () => {
    const result = LoginSchema.safeParse({});
    expect(fieldErrorsFrom(result.error!)).toEqual({
      email: ["This field is required."],
      password: ["This field is required."],
    });
  });

  it("puts a body of the wrong shape under non_field_errors", async () => {
    for (const body of [[], "text", 7, null]) {
      const result = RegisterSchema.safeParse(body);
      expect(result.success).toBe(false);
      expect(Object.keys(fieldErrorsFrom(result.error!))).toEqual(["non_field_errors"]);
    }
  });
});

describe("link tokens", () => {
  it("accepts what randomToken makes", async () => {
    for (let i = 0; i < 20; i++) expect(LinkTokenSchema.safeParse(randomToken(32)).success).toBe(true);
  });

  it("never hands out the same bytes twice, across refills of its pool", async () => {
    // randomToken draws from a 4 KiB pool (lib/crypto.ts): 2,000 tokens of 16 and 32
    // bytes cross many refills, and every one decodes to its full length.
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const bytes = i % 3 === 0 ? 16 : 32;
      const token = randomToken(bytes);
      expect(Buffer.from(token, "base64url")).toHaveLength(bytes);
      seen.add(token);
    }
    expect(seen.size).toBe(2000);
    // Larger requests than the pool serves go straight to the CSPRNG.
    expect(Buffer.from(randomToken(2048), "base64url")).toHaveLength(2048);
    // No token is all zeroes (the pool's spent bytes are zeroed, never given out).
    expect([...seen].some((t) => /^A+$/.test(t))).toBe(false);
  });

  it("refuses anything else before any lookup", async () => {
    for (const value of ["", "short", "a".repeat(129), "has space in it aaaaaaaa", "aaaaaaaaaaaaaaaaaaaa%27", "a/b+c=aaaaaaaaaaaaaaaa", 123, null, {}, ["x".repeat(43)]]) {
      expect(LinkTokenSchema.safeParse(value).success).toBe(false);
    }
  });
});

describe("crypto", () => {
  it("makes base64url tokens of the requested size, never repeating", async () => {
    const tokens = new Set(Array.from({ length: 200 }, () => randomToken(32)));
    expect(tokens.size).toBe(200);
    for (const token of tokens) {
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(token, "base64url")).toHaveLength(32);
    }
    expect(Buffer.from(randomToken(16), "base64url")).toHaveLength(16);
  });

  it("stores tokens as hex SHA-256", async () => {
    expect(sha256("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(sha256("some token")).toBe(sha256Hex("some token"));
  });

  it("compares in constant time, including strings of different length", async () => {
    expect(constantTimeEqual("state-value", "state-value")).toBe(true);
    expect(constantTimeEqual("state-value", "state-valuf")).toBe(false);
    expect(constantTimeEqual("state-value", "state")).toBe(false);
    expect(constantTimeEqual("", "")).toBe(true);
  });
});
