/**
 * The command line checks its arguments before it connects: every command, given one bad argument and a node that
 * does not answer, exits at once with the exit code of that kind of mistake and a sentence naming the argument (a
 * command that connected first would end "cannot reach the network", exit 4). And every command's help lists every
 * option its parser accepts, with the option's format and an example, read from the same table as the parser.
 */
import fs from "fs";
import os from "os";
import path from "path";
import { expect } from "chai";
import { parseArgs } from "util";
import { commandHelp, commandTable, main } from "../../sdk/src/cli/main";
import { FORMATS, OPTION_FORMATS, checkArguments, exampleOfOption, formatOf } from "../../sdk/src/cli/formats";
import { expiryArg, glnArg, gtinArg, timeArg } from "../../sdk/src/cli/common";
import { expiryToExpiresAt } from "../../sdk/src/gs1";
import { UsageError } from "../../sdk/src/cli/usage";

/** Nothing listens there: a command that tried the network would fail with exit 4 naming it. */
const DEAD_RPC = "http://127.0.0.1:9";
const A = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const GTIN = "00614141123452";
const LOT = `${GTIN}/L1`;
const SCAN_NO_SERIAL = `(01)${GTIN}(10)L1`;

/** Runs the tool in this process, capturing what it writes. */
async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const out: string[] = [];
  const err: string[] = [];
  const [writeOut, writeErr] = [process.stdout.write, process.stderr.write];
  process.stdout.write = ((chunk: string) => (out.push(String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string) => (err.push(String(chunk)), true)) as typeof process.stderr.write;
  const started = Date.now();
  try {
    const code = await main([...argv, "--rpc", DEAD_RPC, "--quiet"]);
    return { code, stdout: out.join(""), stderr: err.join(""), ms: Date.now() - started };
  } finally {
    process.stdout.write = writeOut;
    process.stderr.write = writeErr;
  }
}

describe("CLI: arguments checked before connecting, and help from the parser's table", function () {
  let dir: string;
  let cwd: string;
  const saved = { ...process.env };

  before(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "pharmachain-args-"));
    fs.writeFileSync(path.join(dir, "attestation.json"), "{}");
    fs.writeFileSync(path.join(dir, "doc.json"), "{}");
    fs.writeFileSync(path.join(dir, "manifest.json"), "{}");
    cwd = process.cwd();
    process.chdir(dir);
    // a key and a service in the environment must not make a bad argument pass
    process.env.PHARMACHAIN_PRIVATE_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
    delete process.env.PHARMACHAIN_SERVICE;
    delete process.env.PHARMACHAIN_RPC;
  });

  after(function () {
    process.chdir(cwd);
    process.env = saved;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** [command line, exit code, what the message must say]: at least one bad line per command. */
  const BAD: [string[], number, string][] = [
    [["account", "new"], 2, "--out FILE is required"],
    [["account", "import"], 2, "--out FILE is required"],
    [["account", "show", "extra"], 2, 'unexpected argument "extra"'],
    [["account", "fund", "0x12", "--amount", "1"], 3, 'ACCOUNT "0x12" is not an Ethereum address'],
    [["account", "fund", A, "--amount", "lots"], 3, '--amount "lots" must be a number of ether'],
    [["deploy", "--council", "nope"], 3, '--council "nope" is not an Ethereum address'],
    [["deploy", "--admin-delay", "2d"], 3, '--admin-delay "2d" must be a whole number'],
    [
      ["regulator", "appoint", A, "--gln", "0614141000006", "--jurisdiction", "US", "--valid-until", "+1d"],
      3,
      '--gln "0614141000006" has check digit 6, expected 5',
    ],
    [
      ["stakeholder", "apply", "--role", "vet", "--gln", "0614141000005", "--jurisdiction", "US"],
      3,
      '--role "vet" is not one of',
    ],
    [
      ["stakeholder", "apply", "--role", "pharmacy", "--gln", "0614141000005", "--jurisdiction", "us"],
      3,
      '--jurisdiction: jurisdiction "us" must be two capital letters',
    ],
    [["stakeholder", "approve", A, "--valid-until", "2027-02-30"], 3, "2027-02 has no day 30"],
    [["stakeholder", "suspend", "alice"], 3, 'ACCOUNT "alice"'],
    [["stakeholder", "reinstate"], 2, "missing ACCOUNT"],
    [["stakeholder", "revoke", "0x1"], 3, 'ACCOUNT "0x1"'],
    [["stakeholder", "renew", A, "--valid-until", "soon"], 3, '--valid-until "soon" is not a time'],
    [["stakeholder", "show", "0xZZ"], 3, 'ACCOUNT "0xZZ"'],
    [["product", "register", "00614141123453"], 3, 'GTIN "00614141123453" has check digit 3, expected 2'],
    [["product", "approve", "00614141123459"], 3, "check digit 9, expected 2"],
    [["product", "reject", "12345"], 3, "has 5 digits"],
    [["product", "show", "ABC"], 3, "digits only"],
    [["manifest", "build", "missing.csv", "--out", "m.json"], 6, "no serial file at missing.csv"],
    [
      [
        "lot",
        "attest",
        "--manifest",
        "manifest.json",
        "--gtin",
        GTIN,
        "--lot",
        "L1",
        "--expiry",
        "271332",
        "--manufacturer",
        A,
        "--data-hash",
        "0x" + "00".repeat(32),
        "--out",
        "a.json",
      ],
      3,
      '--expiry "271332" is not an expiry date',
    ],
    [
      ["lot", "attest", "--manifest", "manifest.json", "--gtin", GTIN, "--lot", "L1", "--expiry", "271231"].concat([
        "--manufacturer",
        A,
        "--out",
        "a.json",
      ]),
      2,
      "--batch-record FILE, or its hash --data-hash HASH",
    ],
    [["lot", "sign", "missing.json", "--out", "s.json"], 6, "no attestation file at missing.json"],
    [["lot", "commission", "attestation.json"], 2, "give at least one of --manufacturer-signature"],
    [["lot", "cosign", "attestation.json", "--signature", "none.json"], 6, "--signature: no file at none.json"],
    [["lot", "recall", GTIN], 3, `lot "${GTIN}" must be a lot id (0x…) or GTIN/LOTNUMBER`],
    [["lot", "void", "0x1234"], 3, 'lot "0x1234" must be'],
    [["lot", "show", `${GTIN}/`], 3, "LOT: "],
    [["ship", "--to", A, "--range", `${LOT}:10-5`], 3, "END (5, excluded) must be more than START (10)"],
    [["ship", "--range", `${LOT}:0-5`], 2, "--to BUYER is required"],
    [["pickup", "1", "--gln", "124"], 3, `--gln "124" has check digit 4, expected 3`],
    [["handover", "1"], 2, "--gln GLN is required"],
    [["receive", "first"], 3, 'SHIPMENT "first" must be a whole number'],
    [["history", "order", "x"], 3, 'order "x" must be a whole number'],
    [["reject", "-"], 3, 'SHIPMENT "-" must be a whole number'],
    [["cancel", "1", "2"], 2, 'unexpected argument "2"'],
    [["shipment", "void", "1.5"], 3, 'SHIPMENT "1.5"'],
    [["shipment", "show"], 2, "missing SHIPMENT"],
    [["order", "place", "--seller", A, "--gtin", GTIN, "--quantity", "0"], 3, "--quantity 0 must be from 1"],
    [["order", "amend", "1", "--quantity", "many"], 3, '--quantity "many" must be a whole number'],
    [["order", "confirm", "1", "--price", "1.2345678"], 3, "at most six decimals"],
    [["order", "decline", "x"], 3, 'ORDER "x"'],
    [["order", "cancel"], 2, "missing ORDER"],
    [["order", "show", "1", "--deliver-by", "2027-01-01"], 2, "--deliver-by"],
    [
      ["price", "offer", "--buyer", A, "--gtin", GTIN, "--price", "1.25", "--currency", "usd", "--valid-until", "+7d"],
      3,
      'currency "usd" must be three capital letters',
    ],
    [["price", "counter", "1", "--price", "1", "--valid-until", "2027-01-01T25:00Z"], 3, "--valid-until"],
    [["price", "accept", "one"], 3, 'OFFER "one"'],
    [["price", "decline"], 2, "missing OFFER"],
    [["price", "withdraw", "-1"], 2, "-1"],
    [["price", "show", "0x1"], 3, 'OFFER "0x1"'],
    [["primary", "assign", A, "--gtin", GTIN, "--region", "US"], 2, "give --gtin or --region, not both"],
    [["inventory", "0x1"], 3, 'ACCOUNT "0x1"'],
    [["dispense", SCAN_NO_SERIAL, "--manifest", "manifest.json"], 3, "needs a serial (21) and a lot (10)"],
    [["decommission", "--range", `${LOT}:0-5`, "--state", "sold"], 3, '--state "sold" is not one of'],
    [["undo"], 2, "--range LOT:START-END is required"],
    [["quarantine", "--range", `${LOT}:a-b`], 3, "must be LOT:START-END"],
    [["clear"], 2, "--range LOT:START-END is required"],
    [["illegitimate", "--range", "L1:0-5"], 3, "--range"],
    [["destroy-illegitimate", "--range", `${LOT}:0-0`], 3, "is empty"],
    [["report-clone", "not-a-scan", "--manifest", "manifest.json"], 3, 'the scan "not-a-scan" is neither'],
    [["verify"], 2, "give at least one SCAN, or --scans FILE or -"],
    [["verify", "--scans", "-", "--manifest-dir", "nowhere"], 6, "--manifest-dir: no folder at nowhere"],
    [["serve", "--port", "70000"], 3, "--port 70000 must be from 0 to 65535"],
    [
      ["serials", "upload", LOT, "--file", "missing.csv", "--service", "http://127.0.0.1:9"],
      6,
      "--file: no file at missing.csv",
    ],
    [["pack", "status", LOT], 3, `error: pack "${LOT}" must be LOT:INDEX`],
    [["history", "planet", "x"], 2, 'KIND "planet" is not one of lot, pack, shipment, order, stakeholder'],
    [["history", "stakeholder", "0x1"], 3, 'account "0x1" is not an Ethereum address'],
    [["epcis", "export", "shipment", "x"], 3, 'shipment "x" must be a whole number'],
    [["epcis", "import", "missing.json"], 6, "no EPCIS document at missing.json"],
    [
      ["epcis", "import", "doc.json", "--dry-run", "--attestation", "attestation.json"],
      2,
      "--attestation and --signature are for the import itself",
    ],
    [["doc", "put", "doc.json", "--kind", "certificateOfAnalysis", "--subject", "lot:L1"], 3, "must be lot:0x…"],
    [["doc", "get", "not-an-id", "--out", "x.pdf", "--service", "http://127.0.0.1:9"], 3, "is not a document id"],
    [["doc", "list", "lot:0x12"], 3, "must be lot:0x…"],
    // the options of every command
    [["product", "show", GTIN, "--keystore", "missing-keystore.json"], 6, "--keystore: no file at missing-keystore"],
    [["product", "show", GTIN, "--deployment", "nowhere.json"], 6, "--deployment: no file or folder at nowhere"],
    [["product", "show", GTIN, "--key-env", "1X"], 3, `--key-env "1X" is not an environment variable's name`],
    [["lot", "sign", "attestation.json", "--out", "s.json", "--chain-id", "mainnet"], 3, "--chain-id"],
  ];

  it("refuses a bad argument of every command at once, naming it, with the exit code of its kind", async function () {
    const covered = new Set<string>();
    const names = Object.keys(commandTable());
    for (const [argv, code, message] of BAD) {
      const r = await run(argv);
      const line = argv.join(" ");
      expect(r.code, `${line}: ${r.stderr}`).to.equal(code);
      expect(r.stderr, line).to.contain(message);
      expect(r.stderr, `${line} must not have tried the network`).not.to.contain("cannot reach the network");
      expect(r.ms, `${line} answered in ${r.ms} ms`).to.be.below(1500);
      const name = names.find((n) => line === n || line.startsWith(`${n} `));
      if (name) covered.add(name);
    }
    expect(
      names.filter((n) => !covered.has(n)),
      "commands without a bad-argument case",
    ).to.deep.equal([]);
  });

  it("goes on to the network when the same arguments are right (so the refusals above come from the checks)", async function () {
    for (const argv of [
      ["stakeholder", "approve", A, "--valid-until", "271231"],
      ["product", "show", "614141123452"],
      ["pickup", "1", "--gln", "614141000005"],
      ["ship", "--to", A, "--range", `${LOT}:0-5`],
    ]) {
      const r = await run(argv);
      expect(r.code, `${argv.join(" ")}: ${r.stderr}`).to.equal(4);
      expect(r.stderr).to.contain(`cannot reach the network at ${DEAD_RPC}`);
    }
  });

  it("lists every option a command parses in its help, with its format and an example", function () {
    for (const [name, { command, options }] of Object.entries(commandTable())) {
      const help = commandHelp(name);
      for (const [option, spec] of Object.entries(options)) {
        expect(help, `${name}: --${option}`).to.match(new RegExp(`(^|\\s)--${option}\\b`, "m"));
        if (spec.type === "string") {
          const format = formatOf(option, spec);
          expect(help, `${name} --${option}'s format`).to.contain(`--${option} ${format.label}`);
          expect(exampleOfOption(option, spec), `${name} --${option}'s example`).to.not.equal("");
          expect(help, `${name} --${option}'s example`).to.contain(`e.g. ${exampleOfOption(option, spec)}`);
        }
      }
      for (const a of command.args ?? []) expect(help, `${name}: ${a.name}`).to.contain(`  ${a.name}`);
      expect(help, `${name}: an example`).to.match(new RegExp(`Example:\\n  pharmachain ${name}`));
    }
    // the names the table gives formats to are formats
    for (const [option, format] of Object.entries(OPTION_FORMATS)) expect(FORMATS, option).to.have.property(format);
  });

  it("answers `help COMMAND` and `COMMAND --help` with that command's help", async function () {
    for (const argv of [
      ["help", "stakeholder", "apply"],
      ["stakeholder", "apply", "--help"],
    ]) {
      const r = await run(argv);
      expect(r.code).to.equal(0);
      expect(r.stdout).to.contain("pharmachain stakeholder apply --role ROLE");
      expect(r.stdout).to.contain("--gln GLN");
      expect(r.stdout).to.contain("e.g. 0614141000005");
    }
  });

  it("accepts the examples the help gives for each format", function () {
    for (const [name, format] of Object.entries(FORMATS)) {
      if (!format.check || ["file", "password-file", "dir", "path", "scans-file", "manifest-spec"].includes(name))
        continue;
      const example = format.example.replace(/^'(.*)'$/, "$1");
      expect(() => format.check!(example, name), `${name}: ${example}`).not.to.throw();
    }
  });

  it("reads GTINs, GLNs, dates and times in the forms operators write them, and checks the check digits", function () {
    for (const form of ["00614141123452", "0614141123452", "614141123452"])
      expect(gtinArg(form), form).to.equal(614141123452n);
    expect(gtinArg("96385074")).to.equal(96385074n); // GTIN-8
    expect(() => gtinArg("614141123453")).to.throw(/check digit 3, expected 2/);
    for (const form of ["0614141000005", "614141000005", "(414)0614141000005", "urn:epc:id:sgln:0614141.00000.0"])
      expect(glnArg(form), form).to.equal(614141000005n);
    expect(() => glnArg("0614141000006", "--gln")).to.throw('--gln "0614141000006" has check digit 6, expected 5');
    expect(() => glnArg("06141410000051")).to.throw(/not a GLN/);

    // dates: YYMMDD as on a pack is the end of that day (AI 17); ISO dates and times; local time without a zone
    expect(timeArg("271231", "t")).to.equal(expiryToExpiresAt("271231"));
    expect(timeArg("271231", "t")).to.equal(BigInt(Date.UTC(2028, 0, 1) / 1000));
    expect(timeArg("2027-12-31", "t")).to.equal(BigInt(Date.UTC(2027, 11, 31) / 1000));
    expect(timeArg("2027-12-31T12:30Z", "t")).to.equal(BigInt(Date.UTC(2027, 11, 31, 12, 30) / 1000));
    expect(timeArg("2027-12-31T12:30:00+02:00", "t")).to.equal(BigInt(Date.UTC(2027, 11, 31, 10, 30) / 1000));
    expect(timeArg("2027-12-31 12:30", "t")).to.equal(BigInt(new Date(2027, 11, 31, 12, 30).getTime() / 1000));
    expect(timeArg("1767225600", "t")).to.equal(1767225600n);
    const now = Math.floor(Date.now() / 1000);
    expect(Number(timeArg("+2d", "t")) - now).to.be.within(172_799, 172_801);
    for (const bad of ["2027-02-29", "2027-12-31T24:00Z", "271301", "31/12/2027", "tomorrow"])
      expect(() => timeArg(bad, "--valid-until"), bad).to.throw(/--valid-until/);

    // expiry: YYMMDD (00: the month's last day), YYYY-MM-DD or YYYYMMDD, all as the AI 17 on the pack
    expect(expiryArg("271231", "e")).to.equal("271231");
    expect(expiryArg("2027-12-31", "e")).to.equal("271231");
    expect(expiryArg("20271231", "e")).to.equal("271231");
    expect(expiryArg("270200", "e")).to.equal("270200");
    for (const bad of ["2027-02-30", "270230", "2027-12", "2150-01-01", "271231T00"])
      expect(() => expiryArg(bad, "--expiry"), bad).to.throw(/--expiry/);
  });

  it("checks across arguments after each one, and before anything connects", function () {
    const ctx = { values: {}, args: ["1"], json: false, quiet: true };
    const table = commandTable();
    const { command, options } = table["order show"];
    expect(() => checkArguments(command, ctx, options)).not.to.throw();
    expect(() => checkArguments(command, { ...ctx, args: [] }, options)).to.throw(UsageError, "missing ORDER");
    // every parsed command line of an example parses
    for (const [name, entry] of Object.entries(table)) {
      const words = commandHelp(name).split("Example:\n  ")[1].split("\n")[0];
      expect(words.startsWith(`pharmachain ${name}`), name).to.equal(true);
      const argv = words
        .slice(`pharmachain ${name}`.length)
        .trim()
        .match(/'[^']*'|\S+/g);
      expect(
        () => parseArgs({ args: argv ?? [], options: entry.options, allowPositionals: true, strict: true }),
        name,
      ).not.to.throw();
    }
  });
});
