/**
 * Deploys the protocol from the SDK's own bytecode, without Hardhat: the same three contracts, wired the same way, as
 * the Ignition module `ignition/modules/PharmaChain.ts` (use Ignition where its journal and resumption matter).
 */
import { Signer, getAddress } from "ethers";
import { Deployment, PackCustody__factory, ProductLots__factory, StakeholderRegistry__factory } from "./contracts";

export interface DeployOptions {
  /** The regulator council, admin of the registry (default: the deployer); may be a Safe. */
  council?: string;
  /** Seconds a new admin waits in the two-step admin transfer (default: 3 days). */
  adminDelay?: number;
  /** Called as each contract is deployed. */
  onProgress?: (step: string, address: string) => void;
}

/** Deploys registry, lots and custody; returns their addresses and the chain id. */
export async function deployProtocol(deployer: Signer, options: DeployOptions = {}): Promise<Deployment> {
  const council = getAddress(options.council ?? (await deployer.getAddress()));
  const adminDelay = options.adminDelay ?? 3 * 24 * 60 * 60;
  const registry = await new StakeholderRegistry__factory(deployer).deploy(adminDelay, council);
  await registry.waitForDeployment();
  const registryAddress = await registry.getAddress();
  options.onProgress?.("StakeholderRegistry", registryAddress);
  const lots = await new ProductLots__factory(deployer).deploy(registryAddress);
  await lots.waitForDeployment();
  const lotsAddress = await lots.getAddress();
  options.onProgress?.("ProductLots", lotsAddress);
  const custody = await new PackCustody__factory(deployer).deploy(registryAddress, lotsAddress);
  await custody.waitForDeployment();
  const custodyAddress = await custody.getAddress();
  options.onProgress?.("PackCustody", custodyAddress);
  const network = await deployer.provider!.getNetwork();
  return { registry: registryAddress, lots: lotsAddress, custody: custodyAddress, chainId: network.chainId };
}
