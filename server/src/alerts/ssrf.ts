/**
 * Webhook URLs cannot be turned against the service's own network: the address a delivery connects to (after DNS,
 * checked at connect time so a rebinding name cannot slip through) must not be loopback, private or link-local unless
 * the configuration allows that range.
 */
import dns from "dns";
import net from "net";
import type { WebhookNetworkPolicy } from "./config";

type Range = "loopback" | "private" | "link-local" | "reserved";

const RANGES: [Range, string, number, "ipv4" | "ipv6"][] = [
  ["loopback", "127.0.0.0", 8, "ipv4"],
  ["loopback", "::1", 128, "ipv6"],
  ["private", "10.0.0.0", 8, "ipv4"],
  ["private", "172.16.0.0", 12, "ipv4"],
  ["private", "192.168.0.0", 16, "ipv4"],
  ["private", "100.64.0.0", 10, "ipv4"],
  ["private", "fc00::", 7, "ipv6"],
  ["link-local", "169.254.0.0", 16, "ipv4"],
  ["link-local", "fe80::", 10, "ipv6"],
  ["reserved", "0.0.0.0", 8, "ipv4"],
  ["reserved", "224.0.0.0", 4, "ipv4"],
  ["reserved", "240.0.0.0", 4, "ipv4"],
  ["reserved", "::", 128, "ipv6"],
  ["reserved", "ff00::", 8, "ipv6"],
];

const LISTS = new Map<Range, net.BlockList>();
for (const [range, address, prefix, family] of RANGES) {
  if (!LISTS.has(range)) LISTS.set(range, new net.BlockList());
  LISTS.get(range)!.addSubnet(address, prefix, family);
}

/** The range an IP address falls in, or undefined for a public address. IPv4-mapped IPv6 is read as IPv4. */
export function rangeOf(address: string): Range | undefined {
  let ip = address;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) ip = mapped[1];
  const family = net.isIPv4(ip) ? "ipv4" : net.isIPv6(ip) ? "ipv6" : undefined;
  if (!family) return "reserved";
  for (const [range, list] of LISTS) if (list.check(ip, family)) return range;
  return undefined;
}

/** Why an address is refused under `policy`, or undefined when it is allowed. */
export function refusal(address: string, policy: WebhookNetworkPolicy): string | undefined {
  const range = rangeOf(address);
  if (range === undefined) return undefined;
  if (range === "loopback" && policy.allowLoopback) return undefined;
  if (range === "private" && policy.allowPrivate) return undefined;
  if (range === "link-local" && policy.allowLinkLocal) return undefined;
  return `address ${address} is in a ${range} range, which webhooks may not reach`;
}

export class RefusedAddressError extends Error {
  readonly code = "ERR_ALERTS_REFUSED_ADDRESS";
}

/** Checks a webhook URL's form and, when `resolve`, every address its host resolves to. Throws a readable Error. */
export async function checkWebhookUrl(url: string, policy: WebhookNetworkPolicy, resolve = true): Promise<URL> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new RefusedAddressError(`"${url}" is not a URL`);
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:")
    throw new RefusedAddressError(`a webhook URL must be http or https, not ${parsed.protocol}`);
  if (parsed.username || parsed.password) throw new RefusedAddressError("a webhook URL may not carry credentials");
  const host = parsed.hostname.replace(/^\[|\]$/g, "");
  if (net.isIP(host)) {
    const why = refusal(host, policy);
    if (why) throw new RefusedAddressError(why);
  } else if (resolve) {
    let addresses: dns.LookupAddress[];
    try {
      addresses = await dns.promises.lookup(host, { all: true });
    } catch {
      throw new RefusedAddressError(`the host ${host} does not resolve`);
    }
    for (const a of addresses) {
      const why = refusal(a.address, policy);
      if (why) throw new RefusedAddressError(`${host}: ${why}`);
    }
  }
  return parsed;
}

/** A `lookup` for `http.request` that refuses a disallowed address at connect time. */
export function guardedLookup(policy: WebhookNetworkPolicy): net.LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, "", 0);
      const list = addresses as unknown as dns.LookupAddress[];
      for (const a of list) {
        const why = refusal(a.address, policy);
        if (why) return callback(new RefusedAddressError(`${hostname}: ${why}`), "", 0);
      }
      if ((options as dns.LookupOptions).all)
        return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, list);
      callback(null, list[0].address, list[0].family);
    });
  };
}
