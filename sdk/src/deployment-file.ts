/**
 * Deployment addresses from files (Node only): an Ignition deployment folder such as `ignition/deployments/chain-31337`,
 * its `deployed_addresses.json`, or a JSON file written by `pharmachain deploy`.
 */
import fs from "fs";
import path from "path";
import { Deployment, deploymentFromJson, deploymentToJson } from "./contracts";
import { ConfigurationError } from "./errors";

/** Loads a deployment from a folder or file; the chain id comes from the file or from a `chain-<id>` folder name. */
export function loadDeployment(location: string): Deployment {
  let file = location;
  if (fs.existsSync(location) && fs.statSync(location).isDirectory())
    file = path.join(location, "deployed_addresses.json");
  if (!fs.existsSync(file)) {
    throw new ConfigurationError(`no deployment at ${location}`, {
      details: "give an Ignition deployment folder (ignition/deployments/chain-<id>) or its deployed_addresses.json",
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (cause) {
    throw new ConfigurationError(`${file} is not valid JSON`, { cause });
  }
  const deployment = deploymentFromJson(json, file);
  if (deployment.chainId === undefined) {
    const match = /chain-(\d+)$/.exec(path.basename(path.dirname(path.resolve(file))));
    if (match) deployment.chainId = BigInt(match[1]);
  }
  return deployment;
}

/** Writes `deployment` in the Ignition `deployed_addresses.json` form (plus its chain id). */
export function saveDeployment(file: string, deployment: Deployment): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(deploymentToJson(deployment), null, 2) + "\n");
}
