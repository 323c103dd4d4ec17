/**
 * Deploys the protocol from the SDK's own bytecode, without Hardhat: the same contracts, wired the same way, as the
 * Ignition module `ignition/modules/PharmaChain.ts` (use Ignition where its journal and resumption matter): the
 * registry, lots, custody's run store (a linked library) and custody, which deploys the order book.
 */
import { Signer, TransactionRequest, getAddress } from "ethers";
import {
  Deployment,
  PackCustody__factory,
  PackRunsStore__factory,
  ProductLots__factory,
  StakeholderRegistry__factory,
} from "./contracts";
import { NotFoundError } from "./errors";
import { sendAndWait } from "./network";

export interface DeployOptions {
  /** The regulator council, admin of the registry (default: the deployer); may be a Safe. */
  council?: string;
  /** Seconds a new admin waits in the two-step admin transfer (default: 3 days). */
  adminDelay?: number;
  /** Called as each contract is deployed. */
  onProgress?: (step: string, address: string) => void;
  /** Blocks to wait for after each deployment, its own included (default 1: its receipt). */
  confirmations?: number;
}

/** The fully qualified name custody's bytecode links its run store by. */
export const RUN_STORE_LINK = "contracts/libraries/PackRunsStore.sol:PackRunsStore";

/** Deploys registry, lots, custody's run store and custody; returns their addresses and the chain id. */
export async function deployProtocol(deployer: Signer, options: DeployOptions = {}): Promise<Deployment> {
  const council = getAddress(options.council ?? (await deployer.getAddress()));
  const adminDelay = options.adminDelay ?? 3 * 24 * 60 * 60;
  // Each deployment waits for its receipt before the next is sent, which needs the previous one's address.
  const deploy = async (step: string, tx: TransactionRequest): Promise<string> => {
    const receipt = await sendAndWait(deployer, tx, { confirmations: options.confirmations });
    if (!receipt.contractAddress) throw new NotFoundError(`the ${step} deployment ${receipt.hash} created no contract`);
    const address = getAddress(receipt.contractAddress);
    options.onProgress?.(step, address);
    return address;
  };
  const registryAddress = await deploy(
    "StakeholderRegistry",
    await new StakeholderRegistry__factory(deployer).getDeployTransaction(adminDelay, council),
  );
  const lotsAddress = await deploy(
    "ProductLots",
    await new ProductLots__factory(deployer).getDeployTransaction(registryAddress),
  );
  const storeAddress = await deploy("PackRunsStore", await new PackRunsStore__factory(deployer).getDeployTransaction());
  const custodyAddress = await deploy(
    "PackCustody",
    await new PackCustody__factory({ [RUN_STORE_LINK]: storeAddress }, deployer).getDeployTransaction(
      registryAddress,
      lotsAddress,
    ),
  );
  const network = await deployer.provider!.getNetwork();
  return { registry: registryAddress, lots: lotsAddress, custody: custodyAddress, chainId: network.chainId };
}
