import fs from "fs";
import path from "path";
import { expect } from "chai";
import hre, { ethers } from "hardhat";
import FirstRegulator from "../ignition/modules/FirstRegulator";
import { ROOT, hardhat, startNode } from "./helpers/node";

const parametersFile = path.join(ROOT, "ignition", "parameters", "local.json");
const parameters = JSON.parse(fs.readFileSync(parametersFile, "utf8"));
/** Hardhat's well-known account 0 (never a real key): the council on a test node. */
const HARDHAT_KEY_0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

// Skipped under coverage: these deployments reset the coverage data that solidity-coverage collected before them.
describe("deployment with Ignition @skip-on-coverage", function () {
  it("deploys and wires the protocol on the embedded network, with its first regulator", async function () {
    const { registry, lots, custody } = await hre.ignition.deploy(FirstRegulator, { parameters });
    const [council] = await ethers.getSigners();
    expect(await registry.defaultAdmin()).to.equal(council.address);
    expect(await registry.defaultAdminDelay()).to.equal(parameters.PharmaChain.adminDelay);
    expect(await lots.registry()).to.equal(await registry.getAddress());
    const [r, l] = await custody.dependencies();
    expect(r).to.equal(await registry.getAddress());
    expect(l).to.equal(await lots.getAddress());
    const regulator = await registry.stakeholder(parameters.FirstRegulator.regulator);
    expect(regulator.role).to.equal(1);
    expect(regulator.status).to.equal(2);
    expect(regulator.gln).to.equal(parameters.FirstRegulator.gln);
    expect(await registry.isAuthorised(parameters.FirstRegulator.regulator, 1)).to.equal(true);
  });

  it("deploys over JSON-RPC to a separate node through the network taken from configuration", async function () {
    const node = await startNode();
    const deploymentId = `test-remote-${process.pid}-${Date.now()}`;
    try {
      const output = await hardhat(
        [
          "ignition",
          "deploy",
          "ignition/modules/FirstRegulator.ts",
          "--network",
          "remote",
          "--parameters",
          parametersFile,
          "--deployment-id",
          deploymentId,
        ],
        { HARDHAT_VAR_PHARMACHAIN_RPC_URL: node.url, HARDHAT_VAR_PHARMACHAIN_KEY: HARDHAT_KEY_0 },
      );
      expect(output).to.contain("Deployed Addresses");
      const addresses = JSON.parse(
        fs.readFileSync(path.join(ROOT, "ignition", "deployments", deploymentId, "deployed_addresses.json"), "utf8"),
      );
      const provider = new ethers.JsonRpcProvider(node.url);
      const registry = await ethers.getContractAt("StakeholderRegistry", addresses["PharmaChain#StakeholderRegistry"]);
      const custody = await ethers.getContractAt("PackCustody", addresses["PharmaChain#PackCustody"]);
      const remoteRegistry = registry.connect(provider) as typeof registry;
      const remoteCustody = custody.connect(provider) as typeof custody;
      expect(await remoteRegistry.isAuthorised(parameters.FirstRegulator.regulator, 1)).to.equal(true);
      const [r, l] = await remoteCustody.dependencies();
      expect(r).to.equal(addresses["PharmaChain#StakeholderRegistry"]);
      expect(l).to.equal(addresses["PharmaChain#ProductLots"]);
      provider.destroy();
    } finally {
      await node.stop();
      fs.rmSync(path.join(ROOT, "ignition", "deployments", deploymentId), { recursive: true, force: true });
    }
  });
});
