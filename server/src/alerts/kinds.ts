/**
 * Which protocol events are alerts, and of what kind. Events are decoded generically from the contracts' ABIs (the
 * SDK's TypeChain factories), so a new or changed event needs one line here, not a decoder.
 */
import { Interface, LogDescription, ParamType, getAddress } from "ethers";
import {
  PackCustody__factory,
  ProductLots__factory,
  StakeholderRegistry__factory,
  TradeOrders__factory,
} from "@pharmachain/sdk";

export type ContractName = "StakeholderRegistry" | "ProductLots" | "PackCustody" | "TradeOrders";

/**
 * Who else an alert concerns besides the addresses in the event's own arguments:
 * - `lot`: the lot's manufacturer and every stakeholder that has held or been shipped its packs;
 * - `shipment`: the shipment's seller, buyer and transporter;
 * - `order`: the order's seller and buyer.
 */
export type Scope = "lot" | "shipment" | "order";

export interface KindRule {
  contract: ContractName;
  event: string;
  kind: string;
  scope: readonly Scope[];
}

/** The alert kinds that come from events: one line per event. */
export const EVENT_KINDS: readonly KindRule[] = [
  { contract: "ProductLots", event: "LotRecalled", kind: "lot.recalled", scope: ["lot"] },
  { contract: "ProductLots", event: "RecallLifted", kind: "lot.recall-lifted", scope: ["lot"] },
  { contract: "PackCustody", event: "PacksQuarantined", kind: "packs.quarantined", scope: ["lot"] },
  { contract: "PackCustody", event: "SuspicionReported", kind: "packs.suspicion-reported", scope: [] },
  { contract: "PackCustody", event: "PacksCleared", kind: "packs.cleared", scope: ["lot"] },
  { contract: "PackCustody", event: "PacksIllegitimate", kind: "packs.illegitimate", scope: ["lot"] },
  { contract: "PackCustody", event: "IllegitimacyProposed", kind: "packs.illegitimacy-proposed", scope: ["lot"] },
  { contract: "PackCustody", event: "CloneReported", kind: "pack.clone-reported", scope: ["lot"] },
  { contract: "PackCustody", event: "ShipmentCreated", kind: "shipment.created", scope: ["shipment"] },
  { contract: "PackCustody", event: "ShipmentReceived", kind: "shipment.received", scope: ["shipment"] },
  { contract: "PackCustody", event: "ShipmentRejected", kind: "shipment.rejected", scope: ["shipment"] },
  { contract: "PackCustody", event: "ShipmentCancelled", kind: "shipment.cancelled", scope: ["shipment"] },
  { contract: "PackCustody", event: "ShipmentVoided", kind: "shipment.voided", scope: ["shipment"] },
  { contract: "TradeOrders", event: "OrderPlaced", kind: "order.placed", scope: ["order"] },
  { contract: "TradeOrders", event: "OrderConfirmed", kind: "order.confirmed", scope: ["order"] },
  { contract: "TradeOrders", event: "OrderDeclined", kind: "order.declined", scope: ["order"] },
  { contract: "TradeOrders", event: "OrderCancelled", kind: "order.cancelled", scope: ["order"] },
  { contract: "StakeholderRegistry", event: "StakeholderSuspended", kind: "stakeholder.suspended", scope: [] },
  { contract: "StakeholderRegistry", event: "StakeholderRevoked", kind: "stakeholder.revoked", scope: [] },
];

/** The alert kinds that come from time: raised once per expiry date, `expiryWarningDays` before it. */
export const TIME_KINDS = ["lot.expiring", "licence.expiring"] as const;

export const ALL_KINDS: readonly string[] = [...EVENT_KINDS.map((r) => r.kind), ...TIME_KINDS];

/** The CloudEvents `type` of a kind. */
export function cloudEventType(kind: string): string {
  return `org.pharmachain.${kind}`;
}

export const INTERFACES: Record<ContractName, Interface> = {
  StakeholderRegistry: new Interface(StakeholderRegistry__factory.abi),
  ProductLots: new Interface(ProductLots__factory.abi),
  PackCustody: new Interface(PackCustody__factory.abi),
  TradeOrders: new Interface(TradeOrders__factory.abi),
};

const RULES = new Map(EVENT_KINDS.map((r) => [`${r.contract}.${r.event}`, r]));

export function ruleFor(contract: ContractName, event: string): KindRule | undefined {
  return RULES.get(`${contract}.${event}`);
}

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** An event argument as JSON: small integers as numbers, large ones as decimal strings, addresses checksummed. */
export function jsonOf(type: ParamType, value: unknown): JsonValue {
  if (type.baseType === "array" && Array.isArray(value)) return value.map((v) => jsonOf(type.arrayChildren!, v));
  if (type.baseType === "tuple" && type.components) {
    const out: Record<string, JsonValue> = {};
    type.components.forEach((c, i) => (out[c.name || String(i)] = jsonOf(c, (value as unknown[])[i])));
    return out;
  }
  if (type.baseType === "address") return getAddress(value as string);
  if (typeof value === "bigint") {
    const bits = Number(/(\d+)$/.exec(type.type)?.[1] ?? 256);
    return bits <= 32 ? Number(value) : value.toString();
  }
  if (typeof value === "boolean" || typeof value === "string" || typeof value === "number") return value;
  return String(value);
}

/** A decoded event: its contract, name, arguments by name, and the addresses among them. */
export interface DecodedEvent {
  contract: ContractName;
  event: string;
  args: Record<string, JsonValue>;
  addresses: string[];
}

const ZERO = "0x0000000000000000000000000000000000000000";

export function decode(contract: ContractName, description: LogDescription): DecodedEvent {
  const args: Record<string, JsonValue> = {};
  const addresses: string[] = [];
  description.fragment.inputs.forEach((input, i) => {
    const value = jsonOf(input, description.args[i]);
    args[input.name || String(i)] = value;
    if (input.baseType === "address" && value !== ZERO) addresses.push(value as string);
  });
  return { contract, event: description.name, args, addresses };
}
