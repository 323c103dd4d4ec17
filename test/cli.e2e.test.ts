/**
 * The local-node path of the README, end to end: `hardhat node` on a free port, the documented Ignition deploy, then a
 * short lifecycle driven by the `pharmachain` command as child processes, each party signing from its own encrypted
 * keystore file made here. Needs the built SDK (`npm run build`).
 */
import { spawn } from "child_process";
import fs from "fs";
import os from "os";
import path from "path";
import { expect } from "chai";
import { Wallet, encryptKeystoreJson } from "ethers";
import { ROOT, RunningNode, hardhat, startNode } from "./helpers/node";

const BIN = path.join(ROOT, "sdk", "bin", "pharmachain.js");
const PASSWORD = "correct horse battery staple";
/** Hardhat's well-known development accounts 1, 2, 3 and 6 (never real keys). */
const KEYS = {
  regulator: "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
  manufacturer: "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
  distributor: "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
  dispenser: "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
} as const;
type Party = keyof typeof KEYS;

const GTIN = "00614141123452";
const LOT = "CLI-L1";

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  json: Record<string, unknown>;
}

describe("pharmachain command line against a local node @skip-on-coverage", function () {
  let node: RunningNode;
  let dir: string;
  let deploymentDir: string;
  const deploymentId = `test-cli-${process.pid}-${Date.now()}`;
  const address = (p: Party): string => new Wallet(KEYS[p]).address;

  function cli(args: string[], party?: Party): Promise<CliResult> {
    const env: NodeJS.ProcessEnv = { ...process.env, PHARMACHAIN_KEYSTORE_PASSWORD: PASSWORD };
    delete env.PHARMACHAIN_PRIVATE_KEY;
    const full = [...args, "--rpc", node.url];
    if (!args.includes("--deployment")) full.push("--deployment", deploymentDir);
    if (party) full.push("--keystore", path.join(dir, `${party}.json`));
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, ...full], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
      child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
      child.on("error", reject);
      child.on("exit", (code) => {
        let json: Record<string, unknown> = {};
        if (args.includes("--json")) {
          try {
            json = JSON.parse(stdout);
          } catch {
            reject(new Error(`pharmachain ${args.join(" ")} printed no JSON:\n${stdout}\n${stderr}`));
            return;
          }
        }
        resolve({ code: code ?? -1, stdout, stderr, json });
      });
    });
  }

  async function ok(args: string[], party?: Party): Promise<CliResult> {
    const r = await cli(args, party);
    if (r.code !== 0) throw new Error(`pharmachain ${args.join(" ")} exited with ${r.code}:\n${r.stdout}\n${r.stderr}`);
    return r;
  }

  before(async function () {
    if (!fs.existsSync(BIN) || !fs.existsSync(path.join(ROOT, "sdk", "dist", "cjs", "sdk", "src", "cli", "main.js"))) {
      throw new Error("the SDK is not built: run `npm run build` first");
    }
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "pharmachain-cli-"));
    // Light scrypt parameters keep the test fast; `pharmachain account new` writes ethers' default (N = 2^17).
    for (const [party, key] of Object.entries(KEYS)) {
      const wallet = new Wallet(key);
      const json = await encryptKeystoreJson({ address: wallet.address, privateKey: key }, PASSWORD, { scrypt: { N: 1 << 10 } });
      fs.writeFileSync(path.join(dir, `${party}.json`), json, { mode: 0o600 });
    }
    node = await startNode();
    await hardhat([
      "ignition", "deploy", "ignition/modules/FirstRegulator.ts",
      "--network", "remote", "--parameters", path.join(ROOT, "ignition", "parameters", "local.json"), "--deployment-id", deploymentId,
    ], {
      HARDHAT_VAR_PHARMACHAIN_RPC_URL: node.url,
      HARDHAT_VAR_PHARMACHAIN_KEY: "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    });
    deploymentDir = path.join(ROOT, "ignition", "deployments", deploymentId);
  });

  after(async function () {
    if (node) await node.stop();
    fs.rmSync(path.join(ROOT, "ignition", "deployments", deploymentId), { recursive: true, force: true });
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("prints help, and refuses unknown commands and options with exit code 2", async function () {
    const help = await cli(["--help"]);
    expect(help.code).to.equal(0);
    expect(help.stdout).to.contain("Exit codes");
    const sub = await cli(["ship", "--help"]);
    expect(sub.code).to.equal(0);
    expect(sub.stdout).to.contain("ship --to BUYER --range LOT:START-END");
    expect((await cli(["teleport"])).code).to.equal(2);
    const badOption = await cli(["ship", "--colour", "red"]);
    expect(badOption.code).to.equal(2);
    expect(badOption.stderr).to.contain("--colour");
  });

  it("runs onboarding, a co-signed lot, two shipments, verification, a dispense and a clone's verdict", async function () {
    // Onboarding: each party applies with its own keystore; the regulator (appointed by the Ignition deployment) approves.
    for (const [party, role, gln] of [["manufacturer", "manufacturer", "614141000005"], ["distributor", "distributor", "614141073467"], ["dispenser", "dispenser", "614141000012"]] as const) {
      await ok(["stakeholder", "apply", "--role", role, "--gln", gln, "--jurisdiction", "US", "--licence", `${party} licence`], party);
      await ok(["stakeholder", "approve", address(party), "--valid-until", "+365d"], "regulator");
    }
    const shown = await ok(["stakeholder", "show", address("distributor"), "--json"]);
    expect(shown.json.roleName).to.equal("Distributor");
    expect(shown.json.authorised).to.equal(true);

    await ok(["product", "register", GTIN, "--metadata", "Example 10 mg"], "manufacturer");
    await ok(["product", "approve", GTIN], "regulator");

    // A 1,000-pack lot: manifest from a CSV file, attestation, two signatures made offline, commission.
    const serials = Array.from({ length: 1000 }, (_, i) => `S${String(i).padStart(6, "0")}`);
    fs.writeFileSync(path.join(dir, "serials.csv"), "serial\n" + serials.join("\n") + "\n");
    const built = await ok(["manifest", "build", "serials.csv", "--out", "manifest.json", "--json"]);
    expect(built.json.size).to.equal(1000);
    const expiry = new Date(Date.now() + 400 * 86400_000).toISOString().slice(2, 10).replace(/-/g, "");
    await ok([
      "lot", "attest", "--manifest", "manifest.json", "--gtin", GTIN, "--lot", LOT, "--expiry", expiry,
      "--manufacturer", address("manufacturer"), "--data-hash", "0x" + "ab".repeat(32), "--out", "attestation.json",
    ]);
    // Offline: no --rpc is needed to sign, only the chain id and the lots contract from the deployment.
    await ok(["lot", "sign", "attestation.json", "--out", "manufacturer.sig.json", "--chain-id", "31337"], "manufacturer");
    await ok(["lot", "sign", "attestation.json", "--out", "regulator.sig.json", "--chain-id", "31337"], "regulator");
    const commissioned = await ok(
      ["lot", "commission", "attestation.json", "--manufacturer-signature", "manufacturer.sig.json", "--regulator-signature", "regulator.sig.json", "--json"],
      "distributor",
    );
    expect(commissioned.json.released).to.equal(true);
    const lotId = commissioned.json.lotId as string;
    const lot = await ok(["lot", "show", `${GTIN}/${LOT}`, "--json"]);
    expect(lot.json.lotId).to.equal(lotId);
    expect(lot.json.unitCount).to.equal(1000);

    // Shipments: a pallet to the distributor, a case onwards to the pharmacy.
    const toDistributor = await ok(["ship", "--to", address("distributor"), "--range", `${GTIN}/${LOT}:0-500`, "--notice", "ASN-1", "--json"], "manufacturer");
    expect(toDistributor.json.packCount).to.equal("500");
    await ok(["receive", String(toDistributor.json.shipmentId)], "distributor");
    const toPharmacy = await ok(["ship", "--to", address("dispenser"), "--range", `${lotId}:0-20`, "--json"], "distributor");
    await ok(["receive", String(toPharmacy.json.shipmentId)], "dispenser");

    // A refusal keeps its contract error and exits with 5.
    const again = await cli(["receive", String(toPharmacy.json.shipmentId), "--json"], "dispenser");
    expect(again.code).to.equal(5);
    expect(again.json.errorName).to.equal("CustodyInvalidShipmentStatus");
    expect(String(again.json.message)).to.match(/shipment 2/i);

    // The trade behind a shipment: the pharmacy orders 10 packs, the distributor confirms and ships for the order.
    const placed = await ok(["order", "place", "--seller", address("distributor"), "--gtin", GTIN, "--quantity", "10", "--document", "PO-1", "--json"], "dispenser");
    const orderId = String(placed.json.orderId);
    await ok(["order", "confirm", orderId], "distributor");
    const forOrder = await ok(["ship", "--order", orderId, "--range", `${GTIN}/${LOT}:20-30`, "--json"], "distributor");
    expect(forOrder.json.packCount).to.equal("10");
    await ok(["receive", String(forOrder.json.shipmentId)], "dispenser");
    expect((await ok(["order", "show", orderId, "--json"])).json.statusName).to.equal("Delivered");
    const stock = await ok(["inventory", address("distributor"), "--json"]);
    expect((stock.json.totals as Record<string, string>).available).to.equal("470");

    // Verification from a Digital Link, a dispense from an element string, then the second scan of that code.
    const link = `https://id.gs1.org/01/${GTIN}/10/${LOT}/21/${serials[5]}?17=${expiry}`;
    const genuine = await cli(["verify", link, "--manifest", "manifest.json", "--json"]);
    expect(genuine.code).to.equal(0);
    expect(genuine.json.verdictName).to.equal("verified");
    expect(genuine.json.holder).to.equal(address("dispenser"));

    await ok(["dispense", `(01)${GTIN}(17)${expiry}(10)${LOT}(21)${serials[5]}`, "--manifest", "manifest.json"], "dispenser");
    const clone = await cli(["verify", link, "--manifest", "manifest.json", "--json"]);
    expect(clone.code).to.equal(1);
    expect(clone.json.verdictName).to.equal("decommissioned");
    expect((clone.json.eu as { returnCode: string }).returnCode).to.equal("NMVS_NC_PCK_22");
    expect((clone.json.dscsa as { verified: boolean }).verified).to.equal(false);

    const unknown = await cli(["verify", `https://id.gs1.org/01/${GTIN}/10/${LOT}/21/NOPE1`, "--manifest", "manifest.json", "--json"]);
    expect(unknown.code).to.equal(1);
    expect(unknown.json.verdictName).to.equal("unknown serial");

    // Provenance of the dispensed pack, from events.
    const history = await ok(["history", "pack", `${lotId}:5`, "--json"]);
    const names = (history.json as unknown as { name: string }[]).map((e) => e.name);
    expect(names).to.include.members(["LotCommissioned", "LotReleased", "PacksShipped", "ShipmentReceived", "PacksDecommissioned"]);
    expect(names.filter((n) => n === "PacksShipped")).to.have.length(2);
    const text = await ok(["history", "shipment", String(toDistributor.json.shipmentId)]);
    expect(text.stdout).to.contain("received by");
  });

  it("refuses a missing key, a wrong password and a wrong deployment with exit code 4", async function () {
    const noKey = await cli(["product", "register", GTIN]);
    expect(noKey.code).to.equal(4);
    expect(noKey.stderr).to.contain("no signing key");
    const wrong = await new Promise<number>((resolve) => {
      const child = spawn(process.execPath, [BIN, "account", "show", "--keystore", path.join(dir, "regulator.json")], {
        env: { ...process.env, PHARMACHAIN_KEYSTORE_PASSWORD: "not the password" },
        stdio: "ignore",
      });
      child.on("exit", (code) => resolve(code ?? -1));
    });
    expect(wrong).to.equal(4);
    const missing = await cli(["lot", "show", `${GTIN}/${LOT}`, "--deployment", path.join(dir, "nowhere")]);
    expect(missing.code).to.equal(4);
  });
});
