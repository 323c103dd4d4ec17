/**
 * The SDK as an integrator gets it: `npm pack`, installed from the tarball into an empty project without Hardhat, used
 * from `require` and from native `import`, with its `pharmachain` command. Needs the built SDK (`npm run build`).
 */
import { execFileSync } from "child_process";
import fs from "fs";
import os from "os";
import path from "path";
import { expect } from "chai";
import { ROOT } from "../helpers/node";

const SDK = path.join(ROOT, "sdk");

function run(cmd: string, args: string[], cwd: string): string {
  return execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 300_000 });
}

function duBytes(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) total += duBytes(p);
    else if (entry.isFile()) total += fs.statSync(p).size;
  }
  return total;
}

describe("@pharmachain/sdk package @skip-on-coverage", function () {
  let project: string;
  let tarball: string;
  let ethersFloor: string;

  before(function () {
    if (!fs.existsSync(path.join(SDK, "dist", "cjs", "sdk", "src", "index.js"))) {
      throw new Error("the SDK is not built: run `npm run build` first");
    }
    project = fs.mkdtempSync(path.join(os.tmpdir(), "pharmachain-sdk-consumer-"));
    const packed = JSON.parse(run("npm", ["pack", "--json", "--pack-destination", project], SDK)) as {
      filename: string;
      files: { path: string }[];
    }[];
    tarball = path.join(project, packed[0].filename);
    const files = packed[0].files.map((f) => f.path);
    expect(files).to.include("dist/esm/index.mjs");
    expect(files).to.include("bin/pharmachain.js");
    expect(files, "the licence travels with the package").to.include("LICENSE");
    expect(fs.readFileSync(path.join(SDK, "LICENSE"), "utf8"), "the SDK's licence is the repository's").to.equal(
      fs.readFileSync(path.join(SDK, "..", "LICENSE"), "utf8"),
    );
    expect(
      files.some((f) => f.includes("hardhat.d.ts")),
      "no Hardhat type augmentation in the package",
    ).to.equal(false);
    expect(
      files.some((f) => f.includes("/mocks/")),
      "no test mocks in the package",
    ).to.equal(false);
    fs.writeFileSync(
      path.join(project, "package.json"),
      JSON.stringify({ name: "consumer", version: "1.0.0", private: true }),
    );
    // The lowest ethers of the SDK's peer range: the repository's own tests run the highest.
    const peer = JSON.parse(fs.readFileSync(path.join(SDK, "package.json"), "utf8")).peerDependencies.ethers as string;
    ethersFloor = peer.replace(/^\^/, "");
    run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", tarball, `ethers@${ethersFloor}`], project);
  });

  after(function () {
    if (project) fs.rmSync(project, { recursive: true, force: true });
  });

  it("installs without the Hardhat toolchain", function () {
    const modules = path.join(project, "node_modules");
    for (const forbidden of [
      "hardhat",
      "@nomicfoundation/hardhat-toolbox",
      "typechain",
      "solc",
      "ts-node",
      "typescript",
    ]) {
      expect(fs.existsSync(path.join(modules, forbidden)), `${forbidden} must not be installed`).to.equal(false);
    }
    const sdkBytes = duBytes(path.join(modules, "@pharmachain", "sdk"));
    const allBytes = duBytes(modules);
    console.log(
      `      installed size: @pharmachain/sdk ${(sdkBytes / 1024).toFixed(0)} KiB, with its dependencies ${(allBytes / 1024 / 1024).toFixed(1)} MiB`,
    );
  });

  it("works from require (CommonJS)", function () {
    const script = `
      const sdk = require("@pharmachain/sdk");
      const gtin = sdk.gtinToUint64("00614141123452");
      const m = sdk.Manifest.fromSerials(["A1", "A2", "A3"]);
      const e = new sdk.InvalidInputError("x");
      console.log(JSON.stringify({
        gtin: gtin.toString(),
        lotId: sdk.lotIdOf(gtin, "L1"),
        root: m.root,
        isError: e instanceof sdk.PharmaChainError,
        factory: typeof sdk.PackCustody__factory.connect,
        client: typeof sdk.PharmaChainClient.connect,
      }));`;
    const out = JSON.parse(run(process.execPath, ["-e", script], project));
    expect(out.gtin).to.equal("614141123452");
    expect(out.lotId).to.match(/^0x[0-9a-f]{64}$/);
    expect(out.root).to.match(/^0x[0-9a-f]{64}$/);
    expect(out.isError).to.equal(true);
    expect(out.factory).to.equal("function");
    expect(out.client).to.equal("function");
  });

  it("works from import (native ES modules), with the same classes as require", function () {
    const script = `
      import { gtinToUint64, lotIdOf, Manifest, PharmaChainError, InvalidInputError, parseScan } from "@pharmachain/sdk";
      import sdkDefault from "@pharmachain/sdk";
      import { createRequire } from "module";
      const cjs = createRequire(import.meta.url)("@pharmachain/sdk");
      const scan = parseScan("https://id.gs1.org/01/00614141123452/10/L1/21/A2");
      console.log(JSON.stringify({
        lotId: lotIdOf(gtinToUint64(scan.gtin), scan.lot),
        root: Manifest.fromSerials(["A1", "A2", "A3"]).root,
        sameClass: PharmaChainError === cjs.PharmaChainError && sdkDefault.Manifest === Manifest,
        subclass: new InvalidInputError("x") instanceof cjs.PharmaChainError,
      }));`;
    const file = path.join(project, "check.mjs");
    fs.writeFileSync(file, script);
    const out = JSON.parse(run(process.execPath, [file], project));
    const cjsOut = JSON.parse(
      run(
        process.execPath,
        [
          "-e",
          `const s=require("@pharmachain/sdk");console.log(JSON.stringify({lotId:s.lotIdOf(614141123452n,"L1"),root:s.Manifest.fromSerials(["A1","A2","A3"]).root}))`,
        ],
        project,
      ),
    );
    expect(out.lotId).to.equal(cjsOut.lotId);
    expect(out.root).to.equal(cjsOut.root);
    expect(out.sameClass).to.equal(true);
    expect(out.subclass).to.equal(true);
  });

  it("ships type declarations for both entry points", function () {
    const pkg = JSON.parse(
      fs.readFileSync(path.join(project, "node_modules", "@pharmachain", "sdk", "package.json"), "utf8"),
    );
    const root = path.join(project, "node_modules", "@pharmachain", "sdk");
    expect(fs.existsSync(path.join(root, pkg.exports["."].require.types))).to.equal(true);
    expect(fs.existsSync(path.join(root, pkg.exports["."].import.types))).to.equal(true);
    const dts = fs.readFileSync(path.join(root, pkg.exports["."].require.types), "utf8");
    expect(dts).to.contain("./client");
  });

  it("type-checks a .mts program that passes an ethers provider as the runner (real ES module declarations)", function () {
    const installed = JSON.parse(fs.readFileSync(path.join(project, "node_modules", "ethers", "package.json"), "utf8"));
    expect(installed.version, "the peer range's floor is what is installed").to.equal(ethersFloor);
    const dir = path.join(project, "mts");
    fs.mkdirSync(dir, { recursive: true });
    // The README's example, with a provider-only runner too, and a subpath import.
    fs.writeFileSync(
      path.join(dir, "check.mts"),
      `import { JsonRpcProvider, Wallet } from "ethers";
      import { PharmaChainClient, loadDeployment, verifyPacks, Manifest, type VerificationReport } from "@pharmachain/sdk";
      import { parseScan } from "@pharmachain/sdk/gs1";
      import { ManifestError } from "@pharmachain/sdk/errors";
      import { RegistryClient, TradeClient } from "@pharmachain/sdk/client";
      const provider = new JsonRpcProvider("http://127.0.0.1:8545");
      const reader = await PharmaChainClient.connect({ runner: provider, deployment: loadDeployment("d") });
      const writer = await PharmaChainClient.connect({
        runner: new Wallet("0x" + "11".repeat(32), provider),
        deployment: loadDeployment("d"),
      });
      const manifest = await Manifest.fromFile("serials.csv");
      const reports: VerificationReport[] = await verifyPacks(reader, [parseScan("x").gtin], { manifests: () => manifest });
      const failure: Error = new ManifestError("x");
      const registry: RegistryClient = reader.domains.registry;
      const trade: TradeClient = await TradeClient.connect({ runner: provider, deployment: loadDeployment("d") });
      console.log(registry, trade);
      console.log(reports, writer, failure);
      `,
    );
    fs.writeFileSync(
      path.join(dir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          module: "nodenext",
          moduleResolution: "nodenext",
          target: "es2022",
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          typeRoots: [path.join(ROOT, "node_modules", "@types")],
          types: ["node"],
        },
        files: ["check.mts"],
      }),
    );
    const tsc = path.join(ROOT, "node_modules", "typescript", "bin", "tsc");
    try {
      run(process.execPath, [tsc, "-p", dir], project);
    } catch (error) {
      throw new Error(`the .mts program does not type-check:\n${(error as { stdout?: string }).stdout ?? error}`);
    }
  });

  it("has subpath entries that load only what they need, from require and import; prints their cold load times", function () {
    const entries = ["gs1", "manifest", "attestation", "verification", "epcis", "client", "errors"];
    const times: Record<string, string> = {};
    for (const entry of ["", ...entries]) {
      const specifier = entry ? `@pharmachain/sdk/${entry}` : "@pharmachain/sdk";
      // What each entry pulls in, from a cold process: the heavy parsers only where they are used.
      const script = `
        const t = process.hrtime.bigint();
        const m = require(${JSON.stringify(specifier)});
        const ms = Number(process.hrtime.bigint() - t) / 1e6;
        const loaded = Object.keys(require.cache);
        console.log(JSON.stringify({
          ms, exports: Object.keys(m).length,
          ajv: loaded.some((f) => f.includes("/node_modules/ajv/")),
          xmldom: loaded.some((f) => f.includes("/node_modules/@xmldom/")),
        }));`;
      const out = JSON.parse(run(process.execPath, ["-e", script], project));
      expect(out.exports, specifier).to.be.greaterThan(0);
      if (["gs1", "manifest", "attestation", "client", "errors"].includes(entry)) {
        expect(out.ajv, `${specifier} loads ajv`).to.equal(false);
        expect(out.xmldom, `${specifier} loads xmldom`).to.equal(false);
      }
      const esm = path.join(project, `entry-${entry || "root"}.mjs`);
      fs.writeFileSync(esm, `import * as m from ${JSON.stringify(specifier)};\nconsole.log(Object.keys(m).length);\n`);
      expect(Number(run(process.execPath, [esm], project)), `${specifier} from import`).to.be.greaterThan(0);
      times[specifier] = `${out.ms.toFixed(0)} ms`;
    }
    console.log(`      cold require times: ${JSON.stringify(times)}`);
  });

  it("installs the pharmachain command", function () {
    const bin = path.join(project, "node_modules", ".bin", "pharmachain");
    const help = run(bin, ["--help"], project);
    expect(help).to.contain("Usage: pharmachain COMMAND");
    expect(help).to.contain("verify");
  });
});
