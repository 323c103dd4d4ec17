/**
 * The README's walkthrough ("Deploy to a local node, then drive it with the CLI"), run exactly as written: the lines
 * between its `walkthrough:start` and `walkthrough:end` markers, with bash, against a Hardhat node of the test's own
 * (PHARMACHAIN_RPC) and in a temporary folder (WALKTHROUGH_DIR, which the walkthrough honours). Needs bash.
 */
import { spawn } from "child_process";
import fs from "fs";
import os from "os";
import path from "path";
import { expect } from "chai";
import { validateEpcisDocument } from "../sdk/src/epcis";
import { ROOT, RunningNode, startNode } from "./helpers/node";

/** The walkthrough's shell lines, as the README has them. */
export function walkthroughScript(readme: string): string {
  const m = /<!-- walkthrough:start -->\s*```bash\n([\s\S]*?)```\s*<!-- walkthrough:end -->/.exec(readme);
  if (!m) throw new Error("README.md has no walkthrough between its walkthrough:start and walkthrough:end markers");
  return m[1];
}

describe("README walkthrough, pasted into bash @skip-on-coverage", function () {
  let node: RunningNode;
  let dir: string;

  before(async function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "pharmachain-walkthrough-"));
    node = await startNode();
  });

  after(async function () {
    await node?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("runs from deployment to EPCIS export, every command succeeding", async function () {
    const script = walkthroughScript(fs.readFileSync(path.join(ROOT, "README.md"), "utf8"));
    const env: NodeJS.ProcessEnv = { ...process.env, PHARMACHAIN_RPC: node.url, WALKTHROUGH_DIR: dir };
    for (const name of ["PHARMACHAIN_PRIVATE_KEY", "PHARMACHAIN_KEYSTORE_PASSWORD", "PHARMACHAIN_DEPLOYMENT"]) {
      delete env[name];
    }
    const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>(
      (resolve, reject) => {
        // -e: the first failing command stops it, as a careful operator would; -o pipefail likewise
        const child = spawn("bash", ["-e", "-o", "pipefail", "-c", script], { cwd: ROOT, env, stdio: "pipe" });
        let out = "";
        let err = "";
        child.stdout.on("data", (c: Buffer) => (out += c.toString()));
        child.stderr.on("data", (c: Buffer) => (err += c.toString()));
        child.on("error", reject);
        child.on("exit", (c) => resolve({ code: c ?? -1, stdout: out, stderr: err }));
      },
    );
    expect(code, `the walkthrough stopped:\n${stdout.slice(-3000)}\n${stderr.slice(-3000)}`).to.equal(0);
    // what the operator sees along the way
    expect(stdout).to.contain("PharmaChain deployed on chain 31337");
    expect(stdout).to.match(/sent 1\.0 ether to 0x[0-9a-fA-F]{40}/);
    expect(stdout).to.contain("lot L1 of GTIN 00614141123452: 100 packs, Released");
    expect(stderr, "the scans' progress").to.contain("3 scanned packs in 1 range(s)");
    expect(stderr, "what lot sign shows before signing").to.contain("signing, as 0x");
    expect(stdout).to.match(/Genuine: pack S000011 of lot L1 \(GTIN 00614141123452\)/);
    expect(stdout).to.contain("was already dispensed on");
    expect(stdout).to.contain("exit 1: not verified (already dispensed), as expected");
    // the files it leaves: the deployment the commands found, the keystore, the EPCIS document (schema-valid)
    expect(fs.existsSync(path.join(dir, "deployments", "chain-31337.json"))).to.equal(true);
    expect(fs.existsSync(path.join(dir, "pharmacy.json"))).to.equal(true);
    const doc = JSON.parse(fs.readFileSync(path.join(dir, "lot-L1.jsonld"), "utf8"));
    expect(validateEpcisDocument(doc).errors).to.deep.equal([]);
    expect(fs.existsSync(path.join(ROOT, "walkthrough")), "nothing written into the repository").to.equal(false);
  });
});
