/**
 * Deploys the whole protocol with Ignition and prints the addresses: the README's main job until the demo exists.
 *
 *   npx hardhat run scripts/deploy.ts                       embedded network (default)
 *   npx hardhat run scripts/deploy.ts --network localhost   a node started with `npx hardhat node`
 *
 * Parameters come from ignition/parameters/local.json (Hardhat's well-known accounts: account 0 is the council,
 * account 1 the first regulator); set PHARMACHAIN_PARAMETERS to another file for another network.
 */
import fs from "fs";
import path from "path";
import hre from "hardhat";
import FirstRegulator from "../ignition/modules/FirstRegulator";

async function main(): Promise<void> {
  const file = process.env.PHARMACHAIN_PARAMETERS ?? path.join(__dirname, "..", "ignition", "parameters", "local.json");
  const parameters = JSON.parse(fs.readFileSync(file, "utf8"));
  const started = Date.now();
  const { registry, lots, custody } = await hre.ignition.deploy(FirstRegulator, { parameters });
  const network = await hre.ethers.provider.getNetwork();
  const regulator: string = parameters.FirstRegulator.regulator;
  console.log(
    `PharmaChain deployed on ${hre.network.name} (chain ${network.chainId}) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  console.log(`  StakeholderRegistry  ${await registry.getAddress()}`);
  console.log(`  ProductLots          ${await lots.getAddress()}`);
  console.log(`  PackCustody          ${await custody.getAddress()}`);
  console.log(`  council (admin)      ${await registry.defaultAdmin()}`);
  console.log(`  first regulator      ${regulator} (authorised: ${await registry.isAuthorised(regulator, 1)})`);
  const [domainName, version, chainId, verifyingContract] = (await lots.eip712Domain()).slice(1, 5);
  console.log(`  EIP-712 domain       ${domainName} v${version}, chain ${chainId}, ${verifyingContract}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
