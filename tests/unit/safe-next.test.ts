import { describe, expect, it } from "vitest";
import { DEFAULT_NEXT_PATH, safeNextPath } from "@/lib/safe-next";

describe("safeNextPath", () => {
  it.each(["/profile/", "/", "/dev/mail/?x=1#top", "/a/b%2F/c", "/search/?q=//x", "/a\\b"])("keeps the same-origin path %s", (path) => {
    expect(safeNextPath(path)).toBe(path);
  });

  it.each([
    ["nothing", undefined],
    ["null", null],
    ["an empty string", ""],
    ["a relative path", "profile/"],
    ["a scheme-relative URL", "//evil.example/"],
    ["a backslash trick", "/\\evil.example/"],
    ["an absolute URL", "https://evil.example/"],
    ["a javascript: URL", "javascript:alert(1)"],
    ["a tab that browsers strip", "/\t/evil.example/"],
    ["a newline that browsers strip", "/\n/evil.example/"],
    ["a very long value", `/${"a".repeat(3000)}`],
  ])("falls back to the profile for %s", (_, value) => {
    expect(safeNextPath(value)).toBe(DEFAULT_NEXT_PATH);
  });
});
