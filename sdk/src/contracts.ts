/**
 * The typed contract bindings (TypeChain, generated from the contracts at build time) and the protocol's deployment
 * addresses: from an Ignition deployment (`deployed_addresses.json`) or given explicitly. The order book (TradeOrders)
 * is deployed by custody's constructor: its address is read from `custody.orderBook()`, so a deployment needs only the
 * three addresses (one given for the order book is checked against custody's).
 */
import { getAddress, isAddress } from "ethers";
import { ConfigurationError } from "./errors";

export { StakeholderRegistry__factory } from "../../typechain-types/factories/contracts/StakeholderRegistry__factory";
export { ProductLots__factory } from "../../typechain-types/factories/contracts/ProductLots__factory";
export { PackCustody__factory } from "../../typechain-types/factories/contracts/PackCustody__factory";
export { PackRunsStore__factory } from "../../typechain-types/factories/contracts/libraries/PackRunsStore__factory";
export { TradeOrders__factory } from "../../typechain-types/factories/contracts/TradeOrders__factory";
export type { StakeholderRegistry, IStakeholderRegistry } from "../../typechain-types/contracts/StakeholderRegistry";
export type { ProductLots, IProductLots } from "../../typechain-types/contracts/ProductLots";
export type { PackCustody, IPackCustody } from "../../typechain-types/contracts/PackCustody";
export type { TradeOrders, ITradeOrders } from "../../typechain-types/contracts/TradeOrders";

/** Where the protocol's three contracts live on one chain. */
export interface DeploymentAddresses {
  registry: string;
  lots: string;
  custody: string;
}

/** A deployment: its chain (when known) and addresses. */
export interface Deployment extends DeploymentAddresses {
  chainId?: bigint;
  /**
   * The order book custody deployed (`custody.orderBook()`), when the deployment file names it (Ignition's
   * `PharmaChain#TradeOrders`). Never needed: the client reads it from custody and refuses one that differs.
   */
  orders?: string;
}

/** The Ignition future ids of the contracts, as `ignition/modules/PharmaChain.ts` names them. */
export const IGNITION_IDS = {
  registry: "PharmaChain#StakeholderRegistry",
  lots: "PharmaChain#ProductLots",
  custody: "PharmaChain#PackCustody",
  orders: "PharmaChain#TradeOrders",
} as const;

/**
 * Reads deployment addresses from either an Ignition `deployed_addresses.json` map (`"PharmaChain#PackCustody": "0x…"`)
 * or a plain `{ registry, lots, custody, orders?, chainId? }` object. Refuses a missing or malformed address, naming
 * it; the order book's (`orders` or `PharmaChain#TradeOrders`) is optional.
 */
export function deploymentFromJson(json: unknown, source = "deployment"): Deployment {
  if (typeof json !== "object" || json === null) throw new ConfigurationError(`${source} is not a JSON object`);
  const record = json as Record<string, unknown>;
  const pick = (key: keyof DeploymentAddresses): string => {
    const value = record[key] ?? record[IGNITION_IDS[key]];
    if (typeof value !== "string" || !isAddress(value)) {
      throw new ConfigurationError(`${source} has no valid address for ${key} ("${IGNITION_IDS[key]}" or "${key}")`);
    }
    return getAddress(value);
  };
  const deployment: Deployment = { registry: pick("registry"), lots: pick("lots"), custody: pick("custody") };
  const orders = record.orders ?? record[IGNITION_IDS.orders];
  if (orders !== undefined) {
    if (typeof orders !== "string" || !isAddress(orders)) {
      throw new ConfigurationError(
        `${source} has an invalid address for orders ("${IGNITION_IDS.orders}" or "orders")`,
      );
    }
    deployment.orders = getAddress(orders);
  }
  const chainId = record.chainId;
  if (typeof chainId === "number" || typeof chainId === "string" || typeof chainId === "bigint") {
    deployment.chainId = BigInt(chainId);
  }
  return deployment;
}

/** The Ignition file form of `addresses`, as `pharmachain deploy` writes it. */
export function deploymentToJson(deployment: Deployment): Record<string, string> {
  const json: Record<string, string> = {
    [IGNITION_IDS.registry]: deployment.registry,
    [IGNITION_IDS.lots]: deployment.lots,
    [IGNITION_IDS.custody]: deployment.custody,
  };
  if (deployment.orders !== undefined) json[IGNITION_IDS.orders] = deployment.orders;
  if (deployment.chainId !== undefined) json.chainId = deployment.chainId.toString();
  return json;
}
