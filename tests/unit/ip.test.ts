import { describe, expect, it } from "vitest";
import { forwardedAddress, rateLimitKey } from "@/lib/ip";

// docs/security.md, abuse limits: which client a per-IP limit counts.

describe("rateLimitKey", () => {
  it("keys IPv4 by the address", async () => {
    expect(rateLimitKey("198.51.100.7")).toBe("198.51.100.7");
  });

  it("keys IPv6 by its /64, whatever the spelling", async () => {
    const key = "2001:db8:1:2::/64";
    for (const ip of ["2001:db8:1:2::1", "2001:DB8:1:2:ffff:ffff:ffff:ffff", "2001:0db8:0001:0002:0:0:0:9", "2001:db8:1:2::5%eth0"]) {
      expect(rateLimitKey(ip), ip).toBe(key);
    }
    expect(rateLimitKey("2001:db8:1:3::1")).toBe("2001:db8:1:3::/64");
  });

  it("keys IPv4-mapped IPv6 as the IPv4 address, in either notation", async () => {
    expect(rateLimitKey("::ffff:198.51.100.7")).toBe("198.51.100.7");
    expect(rateLimitKey("::ffff:c633:6407")).toBe("198.51.100.7");
  });

  it("leaves what is not an address as it is (unknown)", async () => {
    expect(rateLimitKey("unknown")).toBe("unknown");
  });
});

describe("forwardedAddress", () => {
  it("takes the address out of what proxies write", async () => {
    expect(forwardedAddress("203.0.113.9")).toBe("203.0.113.9");
    expect(forwardedAddress("203.0.113.9:40001")).toBe("203.0.113.9");
    expect(forwardedAddress("2001:db8::1")).toBe("2001:db8::1");
    expect(forwardedAddress("[2001:db8::1]")).toBe("2001:db8::1");
    expect(forwardedAddress("[2001:db8::1]:443")).toBe("2001:db8::1");
  });

  it("refuses what is not an address, so a client cannot name its own bucket", async () => {
    for (const entry of ["garbage-10549", "unknown", "999.1.1.1", "203.0.113.9:port", "[not-ipv6]:1", "1.2.3.4:5:6", ""]) {
      expect(forwardedAddress(entry), entry).toBeNull();
    }
  });
});
