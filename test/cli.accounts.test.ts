/**
 * Keys and ether for an operator without a wallet app: `account new` and `account import` with a password file,
 * `account fund` from a funded development account, and the "not enough ether" answer that says how to fix it.
 * Against a separate Hardhat node; needs the built SDK (`npm run build`).
 */
import { spawn } from "child_process";
import fs from "fs";
import os from "os";
import path from "path";
import { expect } from "chai";
import { JsonRpcProvider, Wallet, parseEther } from "ethers";
import { ROOT, RunningNode, startNode } from "./helpers/node";

const BIN = path.join(ROOT, "sdk", "bin", "pharmachain.js");
/** Hardhat's well-known development account 0 (never a real key): funded on every Hardhat node. */
const FUNDED_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

describe("pharmachain accounts: keystores, password files and funding @skip-on-coverage", function () {
  let node: RunningNode;
  let dir: string;

  function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Result> {
    const base: NodeJS.ProcessEnv = { ...process.env };
    delete base.PHARMACHAIN_PRIVATE_KEY;
    delete base.PHARMACHAIN_KEYSTORE_PASSWORD;
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, ...args, "--rpc", node.url], {
        cwd: dir,
        env: { ...base, ...env },
        stdio: "pipe",
      });
      child.stdin.end("");
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
      child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
      child.on("error", reject);
      child.on("exit", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });
  }

  before(async function () {
    if (!fs.existsSync(BIN) || !fs.existsSync(path.join(ROOT, "sdk", "dist"))) {
      throw new Error("the SDK is not built: run `npm run build` first");
    }
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "pharmachain-accounts-"));
    node = await startNode();
  });

  after(async function () {
    await node?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("makes a keystore with the password from a file, opens it with the same file, and refuses a bad one", async function () {
    const passwordFile = path.join(dir, "password.txt");
    fs.writeFileSync(passwordFile, "correct horse battery staple\n", { mode: 0o600 });
    const keystore = path.join(dir, "operator.json");
    const made = await cli(["account", "new", "--out", keystore, "--password-file", passwordFile]);
    expect(made.code, made.stderr).to.equal(0);
    const address = /new account (0x[0-9a-fA-F]{40})/.exec(made.stdout)?.[1];
    expect(address).to.be.a("string");
    const shown = await cli(["account", "show", "--offline", "--keystore", keystore, "--password-file", passwordFile]);
    expect(shown.code, shown.stderr).to.equal(0);
    expect(shown.stdout.trim()).to.equal(address);

    const wrong = path.join(dir, "wrong.txt");
    fs.writeFileSync(wrong, "not the password\n");
    const refused = await cli(["account", "show", "--offline", "--keystore", keystore, "--password-file", wrong]);
    expect(refused.code).to.equal(4);
    expect(refused.stderr).to.contain("wrong password or not a keystore");
    const missing = await cli(["account", "show", "--keystore", keystore, "--password-file", path.join(dir, "none")]);
    expect(missing.code, "a missing file is 'not found'").to.equal(6);
    expect(missing.stderr).to.contain("cannot read the password file");
    const empty = path.join(dir, "empty.txt");
    fs.writeFileSync(empty, "\n");
    const blank = await cli(["account", "new", "--out", path.join(dir, "x.json"), "--password-file", empty]);
    expect(blank.code).to.equal(4);
    expect(blank.stderr).to.contain("is empty");
    expect(fs.existsSync(path.join(dir, "x.json")), "nothing written").to.equal(false);
    // without a terminal, a password file or the variable, a new keystore is refused (never a silent empty password)
    const noPassword = await cli(["account", "new", "--out", path.join(dir, "y.json")]);
    expect(noPassword.code).to.equal(4);
    expect(noPassword.stderr).to.contain("a password is needed");
  });

  it("funds a new account from a funded one, and tells an empty account how to get ether", async function () {
    const passwordFile = path.join(dir, "password2.txt");
    fs.writeFileSync(passwordFile, "another long password\n", { mode: 0o600 });
    const keystore = path.join(dir, "pharmacy.json");
    const made = await cli(["account", "new", "--out", keystore, "--password-file", passwordFile]);
    const address = /new account (0x[0-9a-fA-F]{40})/.exec(made.stdout)![1];
    const other = Wallet.createRandom().address;

    // the empty account cannot pay: the answer names it, its balance and the command that fixes it
    const poor = await cli([
      "account",
      "fund",
      other,
      "--amount",
      "0.1",
      "--keystore",
      keystore,
      "--password-file",
      passwordFile,
    ]);
    expect(poor.code).to.equal(7);
    expect(poor.stderr).to.contain("does not have enough ether");
    expect(poor.stderr).to.contain(`the signing account ${address} has 0.0 ether`);
    expect(poor.stderr).to.contain(`pharmachain account fund ${address} --amount 1`);

    const funded = await cli(["account", "fund", address, "--amount", "1.5"], { PHARMACHAIN_PRIVATE_KEY: FUNDED_KEY });
    expect(funded.code, funded.stderr).to.equal(0);
    expect(funded.stdout).to.contain(`sent 1.5 ether to ${address}`);
    expect(funded.stdout).to.contain(`balance of ${address}: 1.5 ether`);
    const provider = new JsonRpcProvider(node.url);
    expect(await provider.getBalance(address)).to.equal(parseEther("1.5"));

    const paid = await cli([
      "account",
      "fund",
      other,
      "--amount",
      "0.1",
      "--keystore",
      keystore,
      "--password-file",
      passwordFile,
    ]);
    expect(paid.code, paid.stderr).to.equal(0);
    expect(await provider.getBalance(other)).to.equal(parseEther("0.1"));
    provider.destroy();

    for (const amount of ["-1", "0", "abc", "1e3"]) {
      const bad = await cli(["account", "fund", other, `--amount=${amount}`], { PHARMACHAIN_PRIVATE_KEY: FUNDED_KEY });
      expect(bad.code, `amount ${amount}`).to.equal(3);
      expect(bad.stderr).to.contain(`amount "${amount}"`);
    }
    const noAccount = await cli(["account", "fund", "0x1234", "--amount", "1"], {
      PHARMACHAIN_PRIVATE_KEY: FUNDED_KEY,
    });
    expect(noAccount.code).to.equal(3);
  });
});
