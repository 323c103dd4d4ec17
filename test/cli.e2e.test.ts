/**
 * The local-node path of the README, end to end: `hardhat node` on a free port, the documented Ignition deploy, then a
 * short lifecycle driven by the `pharmachain` command as child processes, each party signing from its own encrypted
 * keystore file made here; then that lifecycle's EPCIS 2.0 export (`pharmachain epcis export`) and the importer
 * (`pharmachain epcis import`: a dry run of the GS1 US DSCSA example, a real run of a small document). Needs the built
 * SDK (`npm run build`).
 */
import { spawn } from "child_process";
import fs from "fs";
import os from "os";
import path from "path";
import { expect } from "chai";
import { JsonRpcProvider, Wallet, encryptKeystoreJson } from "ethers";
import { validateEpcisDocument } from "../sdk/src/epcis";
import { ROOT, RunningNode, hardhat, startAnvilNode, startNode } from "./helpers/node";
import { DSCSA_CONVERTED, DSCSA_XML } from "./helpers/fixtures";

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

/** The GS1 US DSCSA example (EPCIS 1.2 XML and its EPCIS 2.0 conversion) and the parties it names. */
const DSCSA_MANUFACTURER = "urn:epc:id:sgln:030001.111111.0";
const DSCSA_WHOLESALER = "urn:epc:id:sgln:039999.999999.0";

/** The parties' GLNs as the lifecycle registers them, written as the exporter does (SGLN, company prefix length 7). */
const SGLN = {
  manufacturer: "urn:epc:id:sgln:0614141.00000.0",
  distributor: "urn:epc:id:sgln:0614141.07346.0",
  dispenser: "urn:epc:id:sgln:0614141.00001.0",
} as const;
const sgtin = (serial: string): string => `urn:epc:id:sgtin:0614141.012345.${serial}`;
const serialOf = (i: number): string => `S${String(i).padStart(6, "0")}`;

/** An event of an exported EPCIS document, with the fields the tests read. */
interface EpcisEventJson {
  type: string;
  eventID: string;
  action: string;
  bizStep: string;
  disposition: string;
  epcList?: string[];
  quantityList?: { epcClass: string; quantity: number }[];
  readPoint?: { id: string };
  bizLocation?: { id: string };
  sourceList?: { type: string; source: string }[];
  destinationList?: { type: string; destination: string }[];
  bizTransactionList?: { type?: string; bizTransaction: string }[];
  ilmd?: Record<string, string>;
  [key: string]: unknown;
}
const eventsOf = (doc: unknown): EpcisEventJson[] =>
  (doc as { epcisBody: { eventList: EpcisEventJson[] } }).epcisBody.eventList;
const bizStepsOf = (doc: unknown): string[] => eventsOf(doc).map((e) => e.bizStep);
const eventIdsOf = (doc: unknown): string[] => eventsOf(doc).map((e) => e.eventID);

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  json: Record<string, unknown>;
}

/**
 * The same lifecycle on Hardhat's node (`npm test`), which mines each transaction as it arrives, or on anvil (another
 * EVM implementation) mining a block every second as a QBFT consortium chain does (`npm run test:e2e:anvil`, which sets
 * PHARMACHAIN_E2E_CHAIN=anvil; its own step in .ci/run), so that nothing in the CLI may assume a transaction is mined
 * when it is sent.
 */
const CHAINS: Record<string, { name: string; start: () => Promise<RunningNode> }> = {
  hardhat: { name: "a local Hardhat node", start: () => startNode() },
  anvil: { name: "anvil with 1-second blocks", start: () => startAnvilNode({ blockTime: 1 }) },
};
const chain = CHAINS[process.env.PHARMACHAIN_E2E_CHAIN ?? "hardhat"];
if (!chain) throw new Error(`PHARMACHAIN_E2E_CHAIN must be hardhat or anvil, not ${process.env.PHARMACHAIN_E2E_CHAIN}`);

describe(`pharmachain command line against ${chain.name} @skip-on-coverage`, function () {
  let node: RunningNode;
  let dir: string;
  let deploymentDir: string;
  const deploymentId = `test-cli-${process.pid}-${Date.now()}`;
  const address = (p: Party): string => new Wallet(KEYS[p]).address;
  /** What the lifecycle made, for the EPCIS steps after it. */
  const made = { lotId: "", expiry: "", toDistributor: "", forOrder: "" };

  function cli(args: string[], party?: Party, input?: string): Promise<CliResult> {
    const env: NodeJS.ProcessEnv = { ...process.env, PHARMACHAIN_KEYSTORE_PASSWORD: PASSWORD };
    delete env.PHARMACHAIN_PRIVATE_KEY;
    const full = [...args, "--rpc", node.url];
    if (!args.includes("--deployment")) full.push("--deployment", deploymentDir);
    if (party) full.push("--keystore", path.join(dir, `${party}.json`));
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, ...full], { cwd: dir, env, stdio: "pipe" });
      child.stdin.end(input ?? "");
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

  let rpc: JsonRpcProvider | undefined;
  /** Transactions sent by the parties so far (their nonces): unchanged when nothing was sent, whatever the blocks do. */
  async function transactionsSent(): Promise<number> {
    rpc ??= new JsonRpcProvider(node.url, 31337, { staticNetwork: true, cacheTimeout: -1 });
    const counts = await Promise.all(
      (Object.keys(KEYS) as Party[]).map((p) => rpc!.send("eth_getTransactionCount", [address(p), "latest"])),
    );
    return counts.reduce((sum: number, c: string) => sum + Number(c), 0);
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
      const json = await encryptKeystoreJson({ address: wallet.address, privateKey: key }, PASSWORD, {
        scrypt: { N: 1 << 10 },
      });
      fs.writeFileSync(path.join(dir, `${party}.json`), json, { mode: 0o600 });
    }
    node = await chain.start();
    await hardhat(
      [
        "ignition",
        "deploy",
        "ignition/modules/FirstRegulator.ts",
        "--network",
        "remote",
        "--parameters",
        path.join(ROOT, "ignition", "parameters", "local.json"),
        "--deployment-id",
        deploymentId,
      ],
      {
        HARDHAT_VAR_PHARMACHAIN_RPC_URL: node.url,
        HARDHAT_VAR_PHARMACHAIN_KEY: "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
      },
    );
    deploymentDir = path.join(ROOT, "ignition", "deployments", deploymentId);
  });

  after(async function () {
    rpc?.destroy();
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
    expect(sub.stdout).to.contain("ship --to BUYER (--range LOT:START-END");
    expect((await cli(["teleport"])).code).to.equal(2);
    const typo = await cli(["shp"]);
    expect(typo.code).to.equal(2);
    expect(typo.stderr).to.contain('did you mean "ship"?');
    const version = await cli(["--version"]);
    expect(version.code).to.equal(0);
    expect(version.stdout.trim()).to.match(/^pharmachain \d+\.\d+\.\d+$/);
    const badOption = await cli(["ship", "--colour", "red"]);
    expect(badOption.code).to.equal(2);
    expect(badOption.stderr).to.contain("--colour");
  });

  it("runs onboarding, a co-signed lot, two shipments, verification, a dispense and a clone's verdict", async function () {
    // Onboarding: each party applies with its own keystore; the regulator (appointed by the Ignition deployment) approves.
    for (const [party, role, gln] of [
      ["manufacturer", "manufacturer", "614141000005"],
      ["distributor", "distributor", "614141073467"],
      ["dispenser", "pharmacy", "614141000012"], // the trade's name for a dispenser
    ] as const) {
      await ok(
        ["stakeholder", "apply", "--role", role, "--gln", gln, "--jurisdiction", "US", "--licence", `${party} licence`],
        party,
      );
      await ok(["stakeholder", "approve", address(party), "--valid-until", "+365d"], "regulator");
    }
    const shown = await ok(["stakeholder", "show", address("distributor"), "--json"]);
    expect(shown.json.roleName).to.equal("Distributor");
    expect(shown.json.authorised).to.equal(true);
    const stranger = await cli(["stakeholder", "show", "0x000000000000000000000000000000000000dEaD"]);
    expect(stranger.code, "an unknown account is not found").to.equal(6);
    expect(stranger.stderr).to.contain("is not a stakeholder");
    const me = await ok(["account", "show", "--json"], "dispenser");
    expect(me.json).to.deep.include({ address: address("dispenser"), roleName: "Dispenser", authorised: true });
    expect(BigInt(me.json.balanceWei as string) > 0n).to.equal(true);

    await ok(["product", "register", GTIN, "--metadata", "Example 10 mg"], "manufacturer");
    await ok(["product", "approve", GTIN], "regulator");

    // A 1,000-pack lot: manifest from a CSV file, attestation, two signatures made offline, commission.
    const serials = Array.from({ length: 1000 }, (_, i) => `S${String(i).padStart(6, "0")}`);
    fs.writeFileSync(path.join(dir, "serials.csv"), "serial\n" + serials.join("\n") + "\n");
    const built = await ok(["manifest", "build", "serials.csv", "--out", "manifest.json", "--json"]);
    expect(built.json).to.deep.include({ size: 1000, first: "S000000", last: "S000999" });
    const rebuilt = await cli(["manifest", "build", "serials.csv", "--out", "manifest.json"]);
    expect(rebuilt.code, "an existing manifest is not overwritten without --force").to.equal(3);
    expect(rebuilt.stderr).to.contain("--force");
    // a serial line's file of several columns needs --column
    fs.writeFileSync(path.join(dir, "rows.csv"), serials.map((s) => `${GTIN};${s};${LOT}`).join("\n") + "\n");
    const ambiguous = await cli(["manifest", "build", "rows.csv", "--out", "rows.json"]);
    expect(ambiguous.code).to.equal(3);
    expect(ambiguous.stderr).to.contain("--column");
    const byColumn = await ok(["manifest", "build", "rows.csv", "--column", "2", "--out", "rows.json", "--json"]);
    expect(byColumn.json.root).to.equal(built.json.root);
    expect((await cli(["manifest", "build", "nowhere.csv", "--out", "x.json"])).code).to.equal(6);
    const expiry = new Date(Date.now() + 400 * 86400_000).toISOString().slice(2, 10).replace(/-/g, "");
    await ok([
      "lot",
      "attest",
      "--manifest",
      "manifest.json",
      "--gtin",
      GTIN,
      "--lot",
      LOT,
      "--expiry",
      expiry,
      "--manufacturer",
      address("manufacturer"),
      "--data-hash",
      "0x" + "ab".repeat(32),
      "--out",
      "attestation.json",
    ]);
    // Offline: no --rpc is needed to sign, only the chain id and the lots contract from the deployment.
    await ok(
      ["lot", "sign", "attestation.json", "--out", "manufacturer.sig.json", "--chain-id", "31337"],
      "manufacturer",
    );
    await ok(["lot", "sign", "attestation.json", "--out", "regulator.sig.json", "--chain-id", "31337"], "regulator");
    const commissioned = await ok(
      [
        "lot",
        "commission",
        "attestation.json",
        "--manufacturer-signature",
        "manufacturer.sig.json",
        "--regulator-signature",
        "regulator.sig.json",
        "--json",
      ],
      "distributor",
    );
    expect(commissioned.json.released).to.equal(true);
    const lotId = commissioned.json.lotId as string;
    Object.assign(made, { lotId, expiry });
    const lot = await ok(["lot", "show", `${GTIN}/${LOT}`, "--json"]);
    expect(lot.json.lotId).to.equal(lotId);
    expect(lot.json.unitCount).to.equal(1000);

    // Shipments: a pallet to the distributor, a case onwards to the pharmacy.
    const toDistributor = await ok(
      ["ship", "--to", address("distributor"), "--range", `${GTIN}/${LOT}:0-500`, "--notice", "ASN-1", "--json"],
      "manufacturer",
    );
    expect(toDistributor.json.packCount).to.equal("500");
    await ok(["receive", String(toDistributor.json.shipmentId)], "distributor");
    const toPharmacy = await ok(
      ["ship", "--to", address("dispenser"), "--range", `${lotId}:0-20`, "--json"],
      "distributor",
    );
    await ok(["receive", String(toPharmacy.json.shipmentId)], "dispenser");

    // A refusal keeps its contract error and exits with 5.
    const again = await cli(["receive", String(toPharmacy.json.shipmentId), "--json"], "dispenser");
    expect(again.code).to.equal(5);
    expect(again.json.errorName).to.equal("CustodyInvalidShipmentStatus");
    expect(String(again.json.message)).to.match(/shipment 2/i);

    // The trade behind a shipment: the pharmacy orders 10 packs, the distributor confirms and ships for the order.
    const placed = await ok(
      [
        "order",
        "place",
        "--seller",
        address("distributor"),
        "--gtin",
        GTIN,
        "--quantity",
        "10",
        "--document",
        "PO-1",
        "--json",
      ],
      "dispenser",
    );
    const orderId = String(placed.json.orderId);
    await ok(["order", "confirm", orderId], "distributor");
    const forOrder = await ok(["ship", "--order", orderId, "--range", `${GTIN}/${LOT}:20-30`, "--json"], "distributor");
    expect(forOrder.json.packCount).to.equal("10");
    await ok(["receive", String(forOrder.json.shipmentId)], "dispenser");
    Object.assign(made, {
      toDistributor: String(toDistributor.json.shipmentId),
      forOrder: String(forOrder.json.shipmentId),
    });
    expect((await ok(["order", "show", orderId, "--json"])).json.statusName).to.equal("Delivered");
    const stock = await ok(["inventory", address("distributor"), "--json"]);
    expect((stock.json.totals as Record<string, string>).available).to.equal("470");

    // Verification from a Digital Link, a dispense from an element string, then the second scan of that code.
    const link = `https://id.gs1.org/01/${GTIN}/10/${LOT}/21/${serials[5]}?17=${expiry}`;
    // --json is always an array of answers, one a scan
    const first = (r: CliResult): Record<string, unknown> => (r.json as unknown as Record<string, unknown>[])[0];
    const genuine = await cli(["verify", link, "--manifest", "manifest.json", "--json"]);
    expect(genuine.code).to.equal(0);
    expect(genuine.json).to.be.an("array").with.length(1);
    expect(first(genuine).verdictName).to.equal("verified");
    expect(first(genuine).holder).to.equal(address("dispenser"));

    await ok(
      ["dispense", `(01)${GTIN}(17)${expiry}(10)${LOT}(21)${serials[5]}`, "--manifest", "manifest.json"],
      "dispenser",
    );
    const clone = await cli(["verify", link, "--manifest", "manifest.json", "--json"]);
    expect(clone.code).to.equal(1);
    expect(first(clone).verdictName).to.equal("decommissioned");
    expect((first(clone).eu as { returnCode: string }).returnCode).to.equal("NMVS_NC_PCK_22");
    expect((first(clone).dscsa as { verified: boolean }).verified).to.equal(false);

    const unknown = await cli([
      "verify",
      `https://id.gs1.org/01/${GTIN}/10/${LOT}/21/NOPE1`,
      "--manifest",
      "manifest.json",
      "--json",
    ]);
    expect(unknown.code).to.equal(1);
    expect(first(unknown).verdictName).to.equal("unknown serial");

    // Without the lot's serial list, a genuine pack is "cannot verify" (exit 6), never an unknown serial.
    const genuineLink = `https://id.gs1.org/01/${GTIN}/10/${LOT}/21/${serials[6]}?17=${expiry}`;
    const blind = await cli(["verify", genuineLink, "--json"]);
    expect(blind.code).to.equal(6);
    expect(first(blind)).to.deep.include({ verdictName: "cannot verify", verified: false, cannotVerify: true });
    expect((first(blind).eu as { returnCode: string | null }).returnCode).to.equal(null);
    const blindText = await cli(["verify", genuineLink]);
    expect(blindText.code).to.equal(6);
    expect(blindText.stdout).to.contain("NOT VERIFIED (cannot verify)").and.to.contain("--manifest");
    expect(blindText.stdout).to.not.contain("0x0000000000000000000000000000000000000000");

    // At a counter: one scan a line on standard input, each answered as it comes; manifests found in a folder; a scan
    // that cannot be read is reported for itself, the others still verified, and the exit code is 3 at the end.
    fs.mkdirSync(path.join(dir, "manifests"), { recursive: true });
    fs.copyFileSync(path.join(dir, "manifest.json"), path.join(dir, "manifests", "lot.json"));
    const counter = await cli(
      ["verify", "--scans", "-", "--manifest-dir", "manifests", "--json-lines"],
      undefined,
      `${genuineLink}\nnot a scan\n\n${genuineLink}\n`,
    );
    expect(counter.code).to.equal(3);
    const answers = counter.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(answers.map((a) => a.verdictName ?? `error: ${a.scan}`)).to.deep.equal([
      "verified",
      "error: not a scan",
      "verified",
    ]);
    expect(answers[1].error).to.be.a("string").and.not.equal("");
    const counterText = await cli(["verify", "--scans", "-", "--manifest-dir", "manifests"], undefined, `${link}\n`);
    expect(counterText.code, "a clone's code at the counter").to.equal(1);
    expect(counterText.stdout).to.contain("NOT VERIFIED (decommissioned)");

    // Provenance of the dispensed pack, from events.
    const history = await ok(["history", "pack", `${lotId}:5`, "--json"]);
    const names = (history.json as unknown as { name: string }[]).map((e) => e.name);
    expect(names).to.include.members([
      "LotCommissioned",
      "LotReleased",
      "PacksShipped",
      "ShipmentReceived",
      "PacksDecommissioned",
    ]);
    expect(names.filter((n) => n === "PacksShipped")).to.have.length(2);
    const text = await ok(["history", "shipment", String(toDistributor.json.shipmentId)]);
    expect(text.stdout).to.contain("received by");
  });

  it("refuses a missing key and a wrong password with exit code 4, a missing deployment as not found (6)", async function () {
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
    // a file that is not there is "not found", like every missing file, found before anything connects
    const missing = await cli(["lot", "show", `${GTIN}/${LOT}`, "--deployment", path.join(dir, "nowhere")]);
    expect(missing.code).to.equal(6);
    expect(missing.stderr).to.contain(`--deployment: no file or folder at ${path.join(dir, "nowhere")}`);
  });

  // ---------------------------------------------------------------- EPCIS, on the lifecycle above

  it("exports the lot as EPCIS 2.0 that the official schema accepts: by class, by serial with --manifest, as Digital Links", async function () {
    expect(made.lotId, "the lifecycle test runs first").to.match(/^0x[0-9a-f]{64}$/);
    const lot = `${GTIN}/${LOT}`;
    const [byClass, bySerial, asLinks] = await Promise.all([
      ok(["epcis", "export", "lot", lot, "--out", "epcis/lot-class.jsonld", "--json"]),
      ok(["epcis", "export", "lot", made.lotId, "--manifest", "manifest.json", "--out", "epcis/lot-serials.jsonld"]),
      ok([
        "epcis",
        "export",
        "lot",
        lot,
        "--manifest",
        "manifest.json",
        "--digital-link",
        "--out",
        "epcis/lot-links.jsonld",
      ]),
    ]);
    const read = (file: string): unknown => JSON.parse(fs.readFileSync(path.join(dir, "epcis", file), "utf8"));
    const [classDoc, serialDoc, linkDoc] = ["lot-class.jsonld", "lot-serials.jsonld", "lot-links.jsonld"].map(read);
    for (const doc of [classDoc, serialDoc, linkDoc]) {
      const validation = validateEpcisDocument(doc);
      expect(validation.errors).to.deep.equal([]);
      expect(validation.valid).to.equal(true);
      // The lifecycle, in chain order: commissioned, shipped and received three times (pallet, case, order), one pack dispensed.
      expect(bizStepsOf(doc)).to.deep.equal([
        "commissioning",
        "shipping",
        "receiving",
        "shipping",
        "receiving",
        "shipping",
        "receiving",
        "dispensing",
      ]);
    }
    // What the command reports: the file, the count, the on-chain events with no EPCIS counterpart.
    expect(byClass.json.file).to.equal("epcis/lot-class.jsonld");
    expect(byClass.json.events).to.equal(8);
    expect((byClass.json.skipped as { name: string }[]).map((s) => s.name)).to.deep.equal([
      "LotSigned",
      "LotSigned",
      "LotReleased",
    ]);
    expect(byClass.json.warnings).to.deep.equal([]);
    expect(bySerial.stdout).to.contain(
      "8 EPCIS events written to epcis/lot-serials.jsonld (3 on-chain events without an EPCIS counterpart)",
    );
    expect(asLinks.stdout).to.contain("8 EPCIS events written to epcis/lot-links.jsonld");
    expect(bySerial.stderr).to.contain("not exported: LotReleased");
    expect(bySerial.stderr).not.to.contain("warning");

    // Without the manifest: packs as a quantity of the lot's class (LGTIN), with the index ranges.
    const [commissioning, ship1, receive1, ship2, , ship3, , dispensing] = eventsOf(classDoc);
    const day = `20${made.expiry.slice(0, 2)}-${made.expiry.slice(2, 4)}-${made.expiry.slice(4, 6)}`;
    expect(commissioning.action).to.equal("ADD");
    expect(commissioning.epcList).to.equal(undefined);
    expect(commissioning.quantityList).to.deep.equal([
      { epcClass: `urn:epc:class:lgtin:0614141.012345.${LOT}`, quantity: 1000 },
    ]);
    expect(commissioning.ilmd).to.deep.equal({ "cbvmda:lotNumber": LOT, "cbvmda:itemExpirationDate": day });
    expect(commissioning.bizLocation).to.deep.equal({ id: SGLN.manufacturer });
    expect(commissioning["pharmachain:lotId"]).to.equal(made.lotId);
    expect([ship1, ship2, ship3].map((e) => e.quantityList![0].quantity)).to.deep.equal([500, 20, 10]);
    expect(ship1.sourceList).to.deep.equal([{ type: "owning_party", source: SGLN.manufacturer }]);
    expect(ship1.destinationList).to.deep.equal([{ type: "owning_party", destination: SGLN.distributor }]);
    expect(ship1.bizTransactionList).to.have.length(1);
    expect(ship1.bizTransactionList![0].type).to.equal("desadv");
    expect(ship1.bizTransactionList![0].bizTransaction).to.match(/^urn:pharmachain:notice:0x[0-9a-f]{64}$/);
    expect(ship1["pharmachain:shipmentId"]).to.equal(made.toDistributor);
    expect(ship2.sourceList).to.deep.equal([{ type: "owning_party", source: SGLN.distributor }]);
    expect(ship2.destinationList).to.deep.equal([{ type: "owning_party", destination: SGLN.dispenser }]);
    expect(receive1.bizLocation).to.deep.equal({ id: SGLN.distributor });
    expect(dispensing.disposition).to.equal("dispensed");
    expect(dispensing.quantityList).to.deep.equal([
      { epcClass: `urn:epc:class:lgtin:0614141.012345.${LOT}`, quantity: 1 },
    ]);
    expect(dispensing["pharmachain:ranges"]).to.deep.equal([{ lotId: made.lotId, start: 5, end: 6 }]);
    expect(dispensing.bizLocation).to.deep.equal({ id: SGLN.dispenser });

    // With the manifest: every pack by its SGTIN, in manifest order.
    const serialEvents = eventsOf(serialDoc);
    expect(serialEvents[0].quantityList).to.equal(undefined);
    expect(serialEvents[0].epcList).to.have.length(1000);
    expect(serialEvents[0].epcList!.slice(0, 2)).to.deep.equal([sgtin("S000000"), sgtin("S000001")]);
    expect(serialEvents[0].epcList![999]).to.equal(sgtin("S000999"));
    expect(serialEvents[1].epcList).to.have.length(500);
    expect(serialEvents[3].epcList).to.deep.equal(Array.from({ length: 20 }, (_, i) => sgtin(serialOf(i))));
    expect(serialEvents[5].epcList).to.deep.equal(Array.from({ length: 10 }, (_, i) => sgtin(serialOf(20 + i))));
    expect(serialEvents[7].epcList).to.deep.equal([sgtin("S000005")]);

    // --digital-link: packs, locations and parties as GS1 Digital Links on the id.gs1.org resolver.
    const linkEvents = eventsOf(linkDoc);
    expect(linkEvents[7].epcList).to.deep.equal([`https://id.gs1.org/01/${GTIN}/21/S000005`]);
    expect(linkEvents[7].bizLocation).to.deep.equal({ id: "https://id.gs1.org/414/0614141000012" });
    expect(linkEvents[1].sourceList).to.deep.equal([
      { type: "owning_party", source: "https://id.gs1.org/417/0614141000005" },
    ]);
    expect(linkEvents[1].destinationList).to.deep.equal([
      { type: "owning_party", destination: "https://id.gs1.org/417/0614141073467" },
    ]);
    for (const e of linkEvents)
      for (const epc of e.epcList ?? [])
        expect(epc).to.match(/^https:\/\/id\.gs1\.org\/01\/00614141123452\/21\/S\d{6}$/);
    expect(JSON.stringify(linkDoc)).not.to.contain("urn:epc:");

    // One on-chain event, one eventID, whatever the rendering: the three exports agree, and no two events share an id.
    const ids = eventIdsOf(classDoc);
    for (const id of ids)
      expect(id).to.match(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).to.equal(ids.length);
    expect(eventIdsOf(serialDoc)).to.deep.equal(ids);
    expect(eventIdsOf(linkDoc)).to.deep.equal(ids);
  });

  it("exports a pack to standard output and a shipment with --json, with the same eventIDs each time", async function () {
    const [pack, packAgain, shipment] = await Promise.all([
      ok(["epcis", "export", "pack", `${GTIN}/${LOT}:5`]),
      ok(["epcis", "export", "pack", `${made.lotId}:5`]),
      // A shipment names no lot, so its manifest is given as LOT=FILE.
      ok(["epcis", "export", "shipment", made.forOrder, "--manifest", `${made.lotId}=manifest.json`, "--json"]),
    ]);
    const lotDoc = JSON.parse(fs.readFileSync(path.join(dir, "epcis", "lot-class.jsonld"), "utf8"));

    // The pack: its document is standard output; every event narrowed to pack 5.
    const packDoc = JSON.parse(pack.stdout);
    expect(validateEpcisDocument(packDoc).errors).to.deep.equal([]);
    expect(bizStepsOf(packDoc)).to.deep.equal([
      "commissioning",
      "shipping",
      "receiving",
      "shipping",
      "receiving",
      "dispensing",
    ]);
    for (const e of eventsOf(packDoc)) {
      expect(e["pharmachain:ranges"], e.bizStep).to.deep.equal([{ lotId: made.lotId, start: 5, end: 6 }]);
      expect(e.quantityList, e.bizStep).to.deep.equal([
        { epcClass: `urn:epc:class:lgtin:0614141.012345.${LOT}`, quantity: 1 },
      ]);
    }
    // Stable ids: the same pack named by GTIN/LOT or by lot id, exported twice, gives the same eventIDs; they are the
    // pack's own (scoped to the pack), not the lot's.
    expect(eventIdsOf(JSON.parse(packAgain.stdout))).to.deep.equal(eventIdsOf(packDoc));
    expect(eventIdsOf(packDoc).filter((id) => eventIdsOf(lotDoc).includes(id))).to.deep.equal([]);

    // The shipment made for the order: --json prints the document itself, its packs by serial.
    expect(validateEpcisDocument(shipment.json).errors).to.deep.equal([]);
    expect(bizStepsOf(shipment.json)).to.deep.equal(["shipping", "receiving"]);
    const [shipping, receiving] = eventsOf(shipment.json);
    expect(shipping.epcList).to.deep.equal(Array.from({ length: 10 }, (_, i) => sgtin(serialOf(20 + i))));
    expect(shipping["pharmachain:ranges"]).to.deep.equal([{ lotId: made.lotId, start: 20, end: 30 }]);
    expect(shipping["pharmachain:shipmentId"]).to.equal(made.forOrder);
    expect(shipping.sourceList).to.deep.equal([{ type: "owning_party", source: SGLN.distributor }]);
    expect(shipping.destinationList).to.deep.equal([{ type: "owning_party", destination: SGLN.dispenser }]);
    expect(receiving.epcList).to.deep.equal(shipping.epcList);
    expect(receiving.bizLocation).to.deep.equal({ id: SGLN.dispenser });
    // A shipment's events keep the ids they have in the lot's export (made by class, without the manifest).
    const inLot = eventsOf(lotDoc)
      .filter((e) => e["pharmachain:shipmentId"] === made.forOrder)
      .map((e) => e.eventID);
    expect(inLot).to.have.length(2);
    expect(eventIdsOf(shipment.json)).to.deep.equal(inLot);
  });

  it("refuses bad epcis export and import arguments and documents with the exit code and message", async function () {
    fs.writeFileSync(path.join(dir, "not-json.jsonld"), "EPCIS, but not JSON: {eventList: [");
    const invalid = {
      "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
      type: "EPCISDocument",
      schemaVersion: "2.0",
      creationDate: "2026-01-01T00:00:00Z",
      epcisBody: {
        eventList: [
          {
            type: "ObjectEvent",
            eventTime: "yesterday",
            eventTimeZoneOffset: "+00:00",
            epcList: [sgtin("S000001")],
            action: "ADD",
            bizStep: "commissioning",
          },
        ],
      },
    };
    fs.writeFileSync(path.join(dir, "invalid.jsonld"), JSON.stringify(invalid, null, 2));
    fs.writeFileSync(
      path.join(dir, "nolot-sig.json"),
      JSON.stringify({ signer: address("regulator"), signature: "0x12" }),
    );
    const first = validateEpcisDocument(invalid).errors[0];
    expect(first.schemaPath).to.match(/^#\//);

    const cases: [string[], number, string | RegExp][] = [
      // a usage error (2), with the command's usage after the message
      [["epcis", "export", "foo", "1"], 2, 'KIND "foo" is not one of lot, pack, shipment'],
      [
        ["epcis", "import", "invalid.jsonld", "--dry-run", "--signature", "nolot-sig.json"],
        2,
        "--attestation and --signature are for the import itself, not --dry-run",
      ],
      // invalid input (3)
      [["epcis", "export", "pack", `${GTIN}/${LOT}`], 3, `pack "${GTIN}/${LOT}" must be LOT:INDEX`],
      [["epcis", "export", "pack", `${GTIN}/${LOT}:1000`], 3, `pack index 1000 is outside lot ${made.lotId} (0-999)`],
      [["epcis", "export", "shipment", "first"], 3, 'shipment "first" must be a whole number'],
      [
        ["epcis", "export", "shipment", made.toDistributor, "--manifest", "manifest.json"],
        3,
        "manifest manifest.json names no lot: give it as LOT=FILE",
      ],
      [
        ["epcis", "export", "lot", `${GTIN}/${LOT}`, "--from-block", "1O"],
        3,
        '--from-block "1O" must be a whole number',
      ],
      [["epcis", "import", "missing.jsonld"], 6, "no EPCIS document at missing.jsonld"],
      [
        ["epcis", "import", "invalid.jsonld", "--signature", "nolot-sig.json"],
        3,
        "nolot-sig.json names no lotId: make it with pharmachain lot sign ATTESTATION.json",
      ],
      [
        ["epcis", "import", "invalid.jsonld", "--attestation", "nolot-sig.json"],
        3,
        'nolot-sig.json has no "lotId": not an attestation file',
      ],
      [["epcis", "import", "not-json.jsonld", "--dry-run"], 3, /error: the EPCIS document is .*not valid JSON/],
      // not found (6)
      [["epcis", "export", "shipment", "999"], 6, "shipment 999 is not on chain 31337"],
    ];
    const [results, json] = await Promise.all([
      Promise.all(cases.map(([args]) => cli(args))),
      // The schema refusal with --json: a JSON document on standard output.
      cli(["epcis", "import", "invalid.jsonld", "--dry-run", "--json"]),
    ]);
    results.forEach((r, i) => {
      const [args, code, message] = cases[i];
      const what = `pharmachain ${args.join(" ")}:\n${r.stderr}`;
      expect(r.code, what).to.equal(code);
      if (typeof message === "string") expect(r.stderr, what).to.contain(`error: ${message}`);
      else expect(r.stderr, what).to.match(message);
      expect(r.stdout, what).to.equal("");
      if (code === 2)
        expect(r.stderr, what).to.contain(
          `pharmachain epcis ${args[1]} ${args[1] === "export" ? "lot LOT | pack PACK" : "FILE [--dry-run]"}`,
        );
    });
    expect(json.code).to.equal(3);
    expect(json.json).to.deep.equal({
      error: "EpcisSchemaValidationError",
      message: `the EPCIS document is not valid EPCIS 2.0: at ${first.instancePath} ${first.message} (schema ${first.schemaPath})`,
      exitCode: 3,
    });
  });

  it("plans the GS1 US DSCSA example with --dry-run: the lot has expired, both steps would be refused, nothing is sent", async function () {
    fs.writeFileSync(
      path.join(dir, "dscsa-parties.json"),
      JSON.stringify({ [DSCSA_MANUFACTURER]: address("manufacturer"), [DSCSA_WHOLESALER]: address("distributor") }),
    );
    const before = await transactionsSent();
    const args = [
      "epcis",
      "import",
      DSCSA_CONVERTED,
      "--dry-run",
      "--parties",
      "dscsa-parties.json",
      "--regulator",
      address("regulator"),
    ];
    // No key: a dry run signs nothing. Every step would be refused, so the plan exits 5 (refused), not 0.
    const refusedPlan = async (a: string[]) => {
      const r = await cli(a);
      expect(r.code, `${a.join(" ")}\n${r.stderr}`).to.equal(5);
      return r;
    };
    const [text, json, xml] = await Promise.all([
      refusedPlan(args),
      refusedPlan([...args, "--json"]),
      // The EPCIS 1.2 XML original of the same example plans the same.
      refusedPlan(["epcis", "import", DSCSA_XML, ...args.slice(3), "--json"]),
    ]);
    expect(text.stdout).to.contain("every step would be refused");

    const lines = text.stdout.split("\n");
    expect(lines).to.include("1 lot(s), 2 operation(s), 0 event(s) not representable");
    expect(text.stdout).to.contain(
      "1. commissionLot: commission lot A123 of GTIN 00300010123455: 12 packs, expiry 2025-03-27",
    );
    expect(text.stdout).to.contain(`manufacturer: ${address("manufacturer")} (${DSCSA_MANUFACTURER})`);
    expect(text.stdout).to.contain(`regulator (cosigns): ${address("regulator")}`);
    expect(text.stdout).to.contain(
      "WILL BE REFUSED: the lot expired on 2025-03-27: the contracts refuse to commission an expired lot (LotsAlreadyExpired)",
    );
    expect(text.stdout).to.contain(
      `2. ship: ship A123[0-11] from ${DSCSA_MANUFACTURER} to ${DSCSA_WHOLESALER} (notice: 1 EPCs, 4 packings, 2 business transactions)`,
    );
    expect(text.stdout).to.contain(`buyer: ${address("distributor")} (${DSCSA_WHOLESALER})`);
    expect(text.stdout).to.match(/WILL BE REFUSED: depends on step 1 \(lot 0x[0-9a-f]{64}\), which will be refused/);
    expect(lines.filter((l) => l.trim().startsWith("represented:"))).to.have.length(6);
    expect(text.stdout).not.to.contain("not imported:");
    expect(text.stderr).not.to.contain("planning without the chain");

    type Plan = {
      lots: { lotNumber: string; gtin: string; expiryDate: string; serials: string[] }[];
      operations: { kind: string; refused?: string; accounts: { role: string; address?: string }[] }[];
      unsupported: unknown[];
    };
    const plan = json.json as unknown as Plan;
    expect(plan.lots.map((l) => [l.gtin, l.lotNumber, l.expiryDate])).to.deep.equal([
      ["00300010123455", "A123", "2025-03-27"],
    ]);
    expect(plan.lots[0].serials).to.deep.equal([
      "11",
      "12",
      "13",
      "14",
      "15",
      "16",
      "17",
      "18",
      "19",
      "20",
      "21",
      "22",
    ]);
    expect(plan.operations.map((o) => o.kind)).to.deep.equal(["commissionLot", "ship"]);
    expect(plan.operations[0].refused).to.match(/^the lot expired on 2025-03-27/);
    expect(plan.operations[0].accounts.map((a) => a.address)).to.deep.equal([
      address("manufacturer"),
      address("regulator"),
    ]);
    expect(plan.operations[1].refused).to.match(/^depends on step 1 /);
    expect(plan.operations[1].accounts.map((a) => [a.role, a.address])).to.deep.equal([
      ["seller", address("manufacturer")],
      ["buyer", address("distributor")],
    ]);
    expect(plan.unsupported).to.deep.equal([]);
    const fromXml = xml.json as unknown as Plan & { warnings: string[] };
    expect(fromXml.lots).to.deep.equal(plan.lots);
    expect(fromXml.operations).to.deep.equal(plan.operations);
    expect(fromXml.warnings[0]).to.match(/^read as EPCIS 1\.2 XML/);

    // A dry run sends nothing: no party's nonce moved.
    expect(await transactionsSent()).to.equal(before);
  });

  it("imports a new lot from EPCIS with two parties' keys: the dry run writes the attestation, the regulator signs it, the manufacturer imports", async function () {
    // A small EPCIS 2.0 document: 4 packs of a new lot commissioned at the manufacturer's GLN, shipped to the distributor.
    const lotNumber = "CLI-EPCIS-1";
    const expiry = new Date(Date.now() + 400 * 86400_000).toISOString().slice(0, 10);
    const epcs = ["E00001", "E00002", "E00003", "E00004"].map(sgtin);
    const time = new Date().toISOString();
    const document = {
      "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
      type: "EPCISDocument",
      schemaVersion: "2.0",
      creationDate: time,
      epcisBody: {
        eventList: [
          {
            type: "ObjectEvent",
            eventTime: time,
            eventTimeZoneOffset: "+00:00",
            epcList: epcs,
            action: "ADD",
            bizStep: "commissioning",
            disposition: "active",
            readPoint: { id: SGLN.manufacturer },
            bizLocation: { id: SGLN.manufacturer },
            ilmd: { "cbvmda:lotNumber": lotNumber, "cbvmda:itemExpirationDate": expiry },
          },
          {
            type: "ObjectEvent",
            eventTime: time,
            eventTimeZoneOffset: "+00:00",
            epcList: epcs,
            action: "OBSERVE",
            bizStep: "shipping",
            disposition: "in_transit",
            readPoint: { id: SGLN.manufacturer },
            sourceList: [{ type: "owning_party", source: SGLN.manufacturer }],
            destinationList: [{ type: "owning_party", destination: SGLN.distributor }],
          },
        ],
      },
    };
    expect(validateEpcisDocument(document).errors).to.deep.equal([]);
    fs.writeFileSync(path.join(dir, "new-lot.jsonld"), JSON.stringify(document, null, 2));
    fs.writeFileSync(
      path.join(dir, "parties.json"),
      JSON.stringify({ [SGLN.manufacturer]: address("manufacturer"), [SGLN.distributor]: address("distributor") }),
    );
    const args = [
      "epcis",
      "import",
      "new-lot.jsonld",
      "--parties",
      "parties.json",
      "--regulator",
      address("regulator"),
    ];

    // Checked against the chain (product approved and the manufacturer's, lot new and unexpired, roles active): no refusal.
    const dry = await ok([...args, "--dry-run", "--json"]);
    const planned = dry.json.operations as { kind: string; refused?: string }[];
    expect(planned.map((o) => o.kind)).to.deep.equal(["commissionLot", "ship"]);
    expect(planned.map((o) => o.refused)).to.deep.equal([undefined, undefined]);
    const lotId = (dry.json.lots as { lotId: string }[])[0].lotId;

    // With the manufacturer's key alone, commissioning lacks the regulator's signature: skipped, nothing sent, exit 8.
    const before = await transactionsSent();
    const alone = await cli([...args, "--out", "imported", "--json"], "manufacturer");
    type Steps = { step: number; kind: string; status: string; reason?: string }[];
    expect(alone.code, alone.stderr).to.equal(8);
    expect(alone.json.steps as Steps).to.deep.equal([
      {
        step: 1,
        kind: "commissionLot",
        status: "skipped",
        cause: "signer",
        reason: `needs the signer of the regulator (cosigns) ${address("regulator")}; or give the attestation a dry run wrote and the missing party's signature of it (pharmachain lot sign)`,
      },
      { step: 2, kind: "ship", status: "skipped", cause: "dependency", reason: `lot ${lotId} was not commissioned` },
    ]);
    expect(alone.json.files).to.deep.equal([]);
    expect(fs.existsSync(path.join(dir, "imported"))).to.equal(true);
    expect(fs.readdirSync(path.join(dir, "imported"))).to.deep.equal([]);
    expect(await transactionsSent()).to.equal(before);

    // The dry run with --out writes the lot's attestation; the regulator signs it offline with `lot sign`.
    const attest = await ok([...args, "--dry-run", "--out", "attest", "--deadline", "+2d"]);
    const attestationPath = path.join("attest", `attestation-${GTIN}-${lotNumber}.json`);
    expect(attest.stdout).to.contain(`attestation of lot ${lotNumber} written to ${attestationPath}`);
    const attestation = JSON.parse(fs.readFileSync(path.join(dir, attestationPath), "utf8")) as Record<string, string>;
    expect(attestation).to.deep.include({ lotId, lotNumber, unitCount: 4, manufacturer: address("manufacturer") });
    await ok(["lot", "sign", attestationPath, "--out", "regulator-sig.json"], "regulator");
    // a second dry run keeps the attestation the regulator signed
    const again = await ok([...args, "--dry-run", "--out", "attest"]);
    expect(again.stdout).to.contain(
      `attestation of lot ${lotNumber} kept at ${attestationPath} (written before, valid until`,
    );
    expect(JSON.parse(fs.readFileSync(path.join(dir, attestationPath), "utf8"))).to.deep.equal(attestation);
    expect(await transactionsSent()).to.equal(before);

    // A signature without the attestation it signs does not apply: said as not used, the step left for the regulator (8).
    const unsigned = await cli([...args, "--signature", "regulator-sig.json", "--json"], "manufacturer");
    expect(unsigned.code, unsigned.stderr).to.equal(8);
    expect((unsigned.json.steps as Steps)[0]).to.deep.include({
      step: 1,
      kind: "commissionLot",
      status: "skipped",
      cause: "signer",
    });
    expect(unsigned.json.unused).to.deep.equal([
      `signature by ${address("regulator")} of lot ${lotId}: no attestation of that lot is given, and a signature applies only to the attestation it signs`,
    ]);
    expect(unsigned.stderr).to.contain("warning: not used: signature by");
    // The manufacturer's own signature given as the regulator's: refused before sending, exit 3.
    await ok(["lot", "sign", attestationPath, "--out", "manufacturer-sig.json"], "manufacturer");
    const sig = JSON.parse(fs.readFileSync(path.join(dir, "manufacturer-sig.json"), "utf8")) as Record<string, string>;
    fs.writeFileSync(path.join(dir, "forged-sig.json"), JSON.stringify({ ...sig, signer: address("regulator") }));
    const forged = await cli(
      [...args, "--attestation", attestationPath, "--signature", "forged-sig.json", "--json"],
      "manufacturer",
    );
    expect(forged.code, forged.stderr).to.equal(3);
    expect((forged.json.steps as Steps)[0]).to.deep.include({
      status: "failed",
      cause: "input",
      reason: `the signature given by ${address("regulator")} is not a signature of this attestation on this chain and contract`,
    });
    expect(await transactionsSent()).to.equal(before);

    // With both, the manufacturer's key imports the whole document: the lot released with both signers, the shipment made.
    const imported = await ok(
      [...args, "--attestation", attestationPath, "--signature", "regulator-sig.json", "--out", "imported", "--json"],
      "manufacturer",
    );
    expect((imported.json.steps as Steps).map((x) => x.status)).to.deep.equal(["done", "done"]);
    const shipmentId = String((imported.json.shipments as Record<string, string>)["2"]);
    const files = (imported.json.files as string[]).map((f) => path.basename(f)).sort();
    expect(files[0]).to.equal(`manifest-${GTIN}-${lotNumber}.json`);
    expect(files[1]).to.match(/^notice-0x[0-9a-f]{64}\.json$/);
    // by its id: the lot number (from the lot's commissioning), the expiry as printed, the parties as registered
    const lot = await ok(["lot", "show", lotId]);
    expect(lot.stdout).to.contain(`lot ${lotNumber} of GTIN ${GTIN}`);
    expect(lot.stdout).to.match(/expiry \d{4}-\d{2}-\d{2} \(17\)\d{6}, end of day UTC/);
    expect(lot.stdout).to.match(
      new RegExp(
        `signed by ${address("manufacturer")} \\(Manufacturer, GLN \\d{13}\\) \\(for the manufacturer\\) and ` +
          `${address("regulator")} \\(Regulator, GLN \\d{13}\\) \\(regulator\\)`,
      ),
    );
    // the distributor receives it with the ordinary command, and the export of the lot names the imported serials
    await ok(["receive", shipmentId], "distributor");
    const exported = await ok(["epcis", "export", "lot", lotId, "--manifest", path.join("imported", files[0])]);
    const doc = JSON.parse(exported.stdout) as { epcisBody: { eventList: { bizStep: string; epcList?: string[] }[] } };
    expect(validateEpcisDocument(doc).errors).to.deep.equal([]);
    const steps = doc.epcisBody.eventList.map((e) => e.bizStep);
    expect(steps).to.deep.equal(["commissioning", "shipping", "receiving"]);
    expect(doc.epcisBody.eventList[0].epcList).to.deep.equal(epcs);
  });
});
