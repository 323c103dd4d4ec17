/**
 * The web page in a real browser: Debian's Chromium driven by playwright-core (no browser download), headless with
 * --no-sandbox, against a Hardhat node and the service started here with the demo's supply chain (1,000 packs).
 *
 * - GS1 DataMatrix codes drawn by bwip-js are played by Chromium's fake camera (one browser per code: the file is a
 *   launch flag) and read by the page's zxing-wasm decoder: genuine, dispensed (a clone), recalled, unknown serial,
 *   cannot verify (a lot whose serial list the service lacks); a photo upload; pasted element strings; an opened
 *   Digital Link URL.
 * - A test wallet (an EIP-1193 provider over a Hardhat test key, injected into the page) signs in, receives a shipment
 *   and dispenses a scanned pack from the counter page, and the chain shows both; a recall made on-chain appears on the
 *   alerts page within 2 seconds.
 * - No request leaves the page's origin. Screenshots of the pages and the camera-frame-to-verdict times (p95
 *   over 20 scans) with the page weight: docs/ and bench/web.json under `npm run bench:web`, else bench/out/web/.
 *
 * Without Chromium (CHROMIUM_PATH, or `chromium` on the PATH, as Debian installs it), the tests are skipped and say
 * why.
 */
import { expect } from "chai";
import fs from "fs";
import os from "os";
import path from "path";
import { HDNodeWallet, JsonRpcProvider, getBytes, type TransactionRequest } from "ethers";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { Manifest, PackState, PharmaChainClient, ShipmentStatus, packToElementString } from "@pharmachain/sdk";
import { runDemo, type DemoResult } from "../scripts/demo";
import { startNode, type RunningNode } from "./helpers/node";
import { dataMatrixPng, writeDataMatrixY4m } from "./helpers/datamatrix";
import { auditAtViewports, axeViolations, describeViolations } from "./helpers/axe";
import { startService, type RunningService } from "../server/src/start";
import { defaultConfig } from "../server/src/config";
import { alertsConfig } from "../server/src/alerts/config";
import { defaultWebRoot } from "../server/src/web";

const ROOT = path.join(__dirname, "..");
// `npm run bench:web` records the figures in bench/web.json and the screenshots in docs/ (the README shows them);
// a plain `npm test` writes both under bench/out/web/ (ignored by git), so running the tests leaves the tree clean.
const RECORD = process.env.PHARMACHAIN_WEB_RECORD === "1";
const BENCH_DIR = RECORD ? path.join(ROOT, "bench") : path.join(ROOT, "bench", "out", "web");
const SHOTS_DIR = RECORD ? path.join(ROOT, "docs") : BENCH_DIR;
const HARDHAT_MNEMONIC = "test test test test test test test test test test test junk";
const GS = "\u001d";

/** CHROMIUM_PATH, else `chromium` (or `chromium-browser`) on the PATH. */
function findChromium(): string | undefined {
  if (process.env.CHROMIUM_PATH)
    return fs.existsSync(process.env.CHROMIUM_PATH) ? process.env.CHROMIUM_PATH : undefined;
  const dirs = (process.env.PATH ?? "").split(path.delimiter).filter(Boolean);
  for (const name of ["chromium", "chromium-browser"])
    for (const dir of dirs) if (fs.existsSync(path.join(dir, name))) return path.join(dir, name);
  return undefined;
}

const CHROMIUM = findChromium();

/** The Hardhat test account `i` (the demo's parties: 2 manufacturer, 3 distributor A, 6 pharmacy A). */
function testKey(i: number): HDNodeWallet {
  return HDNodeWallet.fromPhrase(HARDHAT_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`);
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

(CHROMIUM ? describe : describe.skip)("web page in Chromium (verify, history, counter and dock, alerts)", function () {
  this.timeout(240_000);
  let node: RunningNode;
  let demo: DemoResult;
  let service: RunningService;
  let rpc: JsonRpcProvider;
  let origin: string;
  let work: string;
  const browsers: Browser[] = [];
  const requests: string[] = [];
  const consoleErrors: string[] = [];
  let main: DemoResult["lots"][number];

  const scanOf = (lot: DemoResult["lots"][number], serial: string, expiry?: string): string =>
    packToElementString({ gtin: "00300010123455", lot: lot.lotNumber, serial, ...(expiry ? { expiry } : {}) });

  before(async function () {
    const webRoot = defaultWebRoot();
    if (!webRoot) throw new Error("the web page is not built (web/dist): run npm run build first");
    work = fs.mkdtempSync(path.join(os.tmpdir(), "pharmachain-web-"));
    node = await startNode();
    rpc = new JsonRpcProvider(node.url, undefined, { cacheTimeout: -1, staticNetwork: true });
    demo = await runDemo({
      provider: { request: ({ method, params }) => rpc.send(method, (params as unknown[] | undefined) ?? []) },
      networkName: "localhost",
      packs: 1000,
      quiet: true,
    });
    main = demo.lots[0];
    const withoutList = demo.lots.find((l) => l.lotNumber === "LOT2026X")!;
    service = await startService({
      rpc: node.url,
      deployment: { ...demo.deployment, chainId: demo.chainId },
      database: "memory://",
      config: defaultConfig({
        port: 0,
        logLevel: "silent",
        rateLimit: false,
        mirrorPollMs: 100,
        webRoot,
        partyNames: demo.names,
        alerts: alertsConfig({ confirmations: 0, pollIntervalMs: 100, webhook: { allowLoopback: true } }),
      }),
      beforeListen: async (s) => {
        // every lot's list but LOT2026X's: its packs are "cannot verify"
        for (const lot of demo.lots.filter((l) => l !== withoutList))
          await s.serials.put(lot.lotId, Manifest.fromSerials(lot.serials), "test");
      },
    });
    origin = service.url;
  });

  after(async function () {
    for (const b of browsers) await b.close().catch(() => undefined);
    await service?.stop();
    rpc?.destroy();
    await node?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
    if (process.env.WEB_TEST_HANDLES) {
      const handles = (process as unknown as { _getActiveHandles(): object[] })._getActiveHandles();
      console.log(handles.map((h) => h.constructor.name));
    }
  });

  /** The Chromium of the pages whose camera plays no code (Chromium's own test pattern): one, shared. */
  let plain: Browser | undefined;

  /**
   * A phone-sized page in its own browser context, watched for requests and errors: in a new Chromium whose camera
   * plays `code` (a DataMatrix; the file is a launch flag), else in the shared one.
   */
  async function open(code?: string, name = "page"): Promise<{ page: Page; context: BrowserContext }> {
    const args = ["--no-sandbox", "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"];
    if (code) {
      const file = path.join(work, `${name}.y4m`);
      writeDataMatrixY4m(file, code);
      args.push(`--use-file-for-fake-video-capture=${file}`);
    }
    let browser = code ? undefined : plain;
    if (!browser) {
      browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args });
      browsers.push(browser);
      if (!code) plain = browser;
    }
    const context = await browser.newContext({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 1,
      locale: "en-GB",
      timezoneId: "Europe/London",
    });
    await context.grantPermissions(["camera"], { origin });
    const page = await context.newPage();
    page.on("request", (r) => requests.push(r.url()));
    page.on("console", (m) => m.type() === "error" && consoleErrors.push(`${name}: ${m.text()}`));
    page.on("pageerror", (e) => consoleErrors.push(`${name}: ${e.message}`));
    return { page, context };
  }

  /** Pages audited by axe (WCAG 2.1 A/AA) so far, each at the phone's and the desktop's size. */
  const audited: string[] = [];

  /** Fails, naming each rule and element, unless `page` as it is now passes axe at both viewports. */
  async function expectAccessible(page: Page, label: string): Promise<void> {
    const { failures, audits } = await auditAtViewports(page, label);
    const report = Object.entries(failures)
      .map(([where, violations]) => `${where}:\n${describeViolations(violations)}`)
      .join("\n");
    expect(report, `axe found WCAG 2.1 A/AA violations\n${report}`).to.equal("");
    audited.push(`${label} (${audits} viewports)`);
  }

  /**
   * Waits (2 s at most) for focus to reach the element with this text, or this `#id` (a function, not a string: the
   * page's Content-Security-Policy refuses eval).
   */
  async function focusReaches(page: Page, what: string): Promise<void> {
    type Focus = { document: { activeElement: { id: string; textContent: string | null } | null } };
    await page.waitForFunction(
      (w) => {
        const e = (globalThis as unknown as Focus).document.activeElement;
        return w.startsWith("#") ? e?.id === w.slice(1) : e?.textContent === w;
      },
      what,
      { timeout: 2000 },
    );
  }

  async function verdictOf(page: Page): Promise<{ name: string; headline: string; text: string }> {
    const section = page.locator("section.verdict[data-verdict]");
    await section.waitFor({ timeout: 20_000 });
    return {
      name: (await section.getAttribute("data-verdict"))!,
      headline: (await section.locator("h2").innerText()).trim(),
      text: await section.innerText(),
    };
  }

  async function scanWithCamera(
    code: string,
    name: string,
  ): Promise<{ page: Page; name: string; headline: string; text: string }> {
    const { page } = await open(code, name);
    await page.goto(`${origin}/`);
    await page.getByRole("button", { name: "Start camera" }).click();
    return { page, ...(await verdictOf(page)) };
  }

  it("starts on the verify page without console errors, and the camera starts only when asked", async function () {
    const { page } = await open(undefined, "start");
    await page.goto(`${origin}/`);
    await page.getByRole("heading", { name: "Verify a pack" }).waitFor();
    expect(await page.locator("video").isHidden()).to.equal(true);
    expect(await page.evaluate("document.querySelector('video').srcObject")).to.equal(null);
    // the decoder's wasm is not fetched before the user asks for the camera or a photo
    expect(requests.filter((r) => r.endsWith(".wasm"))).to.deep.equal([]);
    expect(consoleErrors).to.deep.equal([]);
    await expectAccessible(page, "verify: the start page");
  });

  it("audits with axe that fails on what it should: an unlabelled field and faint text added to the page", async function () {
    const { page } = await open(undefined, "audit");
    await page.goto(`${origin}/`);
    await page.getByRole("heading", { name: "Verify a pack" }).waitFor();
    expect((await axeViolations(page)).violations).to.deep.equal([]);
    await page.evaluate(`{
      const field = document.createElement("input");
      const faint = document.createElement("p");
      faint.textContent = "faint text";
      faint.style.color = "#bbbbbb";
      document.querySelector("main").append(field, faint);
    }`);
    const { violations } = await axeViolations(page);
    expect(violations.map((v) => v.id).sort()).to.deep.equal(["color-contrast", "label"]);
    expect(describeViolations(violations)).to.contain("insufficient color contrast");
  });

  it("reads a genuine pack through the camera, says so, and measures frame to verdict over 20 scans", async function () {
    const serial = main.serials[150]; // at pharmacy B
    const { page, name, headline, text } = await scanWithCamera(scanOf(main, serial), "genuine");
    expect(name).to.equal("verified");
    expect(headline).to.contain("Genuine — may be supplied");
    expect(text).to.contain(serial).and.to.contain("LOT2026A");
    // the holder by name and GLN (read after the verdict is shown)
    await page.locator("section.verdict .gln").waitFor();
    const holder = await page.locator("section.verdict").innerText();
    expect(holder).to.contain("pharmacy B").and.to.contain("614141000043");
    expect(text).not.to.contain("Do not supply");
    // announced: the verdict's words are in the assertive live region (not the whole block, read again as it fills)
    const live = page.locator("#verdict-announcement[aria-live=assertive]");
    expect(await live.innerText()).to.match(/^Genuine — may be supplied\. /);
    expect(await page.locator("[aria-live] section.verdict").count()).to.equal(0);
    for (let i = 0; i < 20; i++) {
      await page.getByRole("button", { name: "Scan another pack" }).click();
      await page.locator("section.verdict[data-verdict=verified]").waitFor();
    }
    // each time is recorded in the animation frame after its verdict was rendered
    await page.waitForFunction(
      () => ((globalThis as { __pharmachainScans?: unknown[] }).__pharmachainScans ?? []).length >= 21,
    );
    const scans = (await page.evaluate("window.__pharmachainScans ?? []")) as {
      frameAt: number;
      shownAt: number;
      text: string;
    }[];
    expect(scans.length).to.be.at.least(21);
    expect(scans.every((s) => s.text.includes(serial))).to.equal(true);
    const ms = scans.map((s) => s.shownAt - s.frameAt);
    const sizes = JSON.parse(fs.readFileSync(path.join(ROOT, "web", "dist", "size.json"), "utf8"));
    const result = {
      measured: new Date().toISOString().slice(0, 10),
      machine: `${os.cpus().length} cores, Chromium headless`,
      frameToVerdict: {
        scans: ms.length,
        p50Ms: Math.round(percentile(ms, 50)),
        p95Ms: Math.round(percentile(ms, 95)),
        maxMs: Math.round(Math.max(...ms)),
        goalP95Ms: 500,
      },
      pageWeight: sizes,
    };
    fs.mkdirSync(BENCH_DIR, { recursive: true });
    fs.writeFileSync(path.join(BENCH_DIR, "web.json"), JSON.stringify(result, null, 2) + "\n");
    console.log(
      `      camera frame → verdict on screen over ${ms.length} scans: p50 ${result.frameToVerdict.p50Ms} ms, p95 ${result.frameToVerdict.p95Ms} ms; ` +
        `verify page script ${(sizes.verifyPage.scriptGzBytes / 1024).toFixed(1)} KB gz, wasm ${(sizes.wasm.gzBytes / 1024).toFixed(1)} KB gz`,
    );
    await expectAccessible(page, "verify: a genuine verdict, the camera paused");
    await page.getByRole("button", { name: "Stop camera" }).click();
    await page.screenshot({ path: path.join(SHOTS_DIR, "web-verify.png"), fullPage: true });
  });

  it("says do not supply for the dispensed pack scanned again (a clone)", async function () {
    const { page, name, headline, text } = await scanWithCamera(scanOf(main, main.serials[17]), "dispensed");
    expect(name).to.equal("decommissioned");
    expect(headline).to.contain("Do not supply");
    expect(text).to.contain("clone");
    await expectAccessible(page, "verify: a do-not-supply verdict");
  });

  it("says do not supply for a pack of the recalled lot", async function () {
    const recalled = demo.lots.find((l) => l.lotNumber === "LOT2026R")!;
    const { name, headline, text } = await scanWithCamera(scanOf(recalled, recalled.serials[5]), "recalled");
    expect(name).to.equal("recalled");
    expect(headline).to.contain("Do not supply");
    expect(text).to.contain("recalled");
  });

  it("says do not supply for a serial the lot's list does not have", async function () {
    const { name, headline, text } = await scanWithCamera(scanOf(main, "FAKE0000001"), "unknown");
    expect(name).to.equal("unknown serial");
    expect(headline).to.contain("Do not supply");
    expect(text).to.contain("FAKE0000001");
  });

  it("says cannot verify, never do not supply, for a lot whose serial list the service lacks", async function () {
    const lot = demo.lots.find((l) => l.lotNumber === "LOT2026X")!;
    const { page, name, headline } = await scanWithCamera(scanOf(lot, lot.serials[1]), "cannot");
    expect(name).to.equal("cannot verify");
    expect(headline).to.contain("Cannot verify");
    expect(await page.locator("main").innerText()).not.to.contain("Do not supply");
    await expectAccessible(page, "verify: a cannot-verify verdict");
  });

  it("reads a photo of the code, and pasted element strings with <GS> or brackets", async function () {
    const { page } = await open(undefined, "paste");
    await page.goto(`${origin}/`);
    await page.locator("input[type=file]").setInputFiles({
      name: "pack.png",
      mimeType: "image/png",
      buffer: await dataMatrixPng(scanOf(main, main.serials[151])),
    });
    expect((await verdictOf(page)).text).to.contain(main.serials[151]);
    const typed = [
      [`010030001012345510LOT2026A<GS>21${main.serials[152]}`, "verified"],
      [`(01)00300010123455(10)LOT2026A(21)${main.serials[17]}`, "decommissioned"],
      [`]d2010030001012345510LOT2026A${GS}21FAKE0000002`, "unknown serial"],
    ];
    for (const [code, verdict] of typed) {
      await page.getByLabel(/What the scanner gave/).fill(code);
      await page.getByRole("button", { name: "Verify", exact: true }).click();
      await page.locator(`section.verdict[data-verdict="${verdict}"]`).waitFor({ timeout: 10_000 });
    }
    await page.getByLabel(/What the scanner gave/).fill("(01)00300010123450(21)X");
    await page.getByRole("button", { name: "Verify", exact: true }).click();
    await page
      .locator("section.verdict")
      .getByText(/cannot be read as a pack/)
      .waitFor();
    await expectAccessible(page, "verify: a code that cannot be read");
  });

  it("can be used with the keyboard alone: Tab to the code, paste it, Enter, and the verdict is announced", async function () {
    const { page } = await open(undefined, "keyboard");
    await page.goto(`${origin}/`);
    await page.getByRole("heading", { name: "Verify a pack" }).waitFor();
    /** The focused element: tag, id or type, and its name as a reader hears it (aria-label, else its text). */
    const focused = (): Promise<string> =>
      page.evaluate(`(() => {
        const e = document.activeElement;
        if (!e || e === document.body) return "body";
        const what = e.id ? "#" + e.id : e.tagName === "INPUT" ? "[" + e.type + "]" : "";
        const label = (e.getAttribute("aria-label") ?? e.innerText ?? "").trim().replace(/\\s+/g, " ");
        return (e.tagName.toLowerCase() + what + " " + label).trim();
      })()`) as Promise<string>;
    const tab = async (times: number, shift = false): Promise<string[]> => {
      const seen: string[] = [];
      for (let i = 0; i < times; i++) {
        await page.keyboard.press(shift ? "Shift+Tab" : "Tab");
        seen.push(await focused());
      }
      return seen;
    };
    // the page's order: skip link, navigation, the camera, the photo, the code, Verify
    expect(await tab(9)).to.deep.equal([
      "a Skip to content",
      "a Verify",
      "a History",
      "a Counter & dock",
      "a Alerts",
      "button Start camera",
      "input[file]",
      "input#code",
      "button Verify",
    ]);
    // the skip link takes focus to the content
    await page.keyboard.press("Shift+Tab");
    await page.keyboard.press("Shift+Tab");
    await tab(6, true);
    expect(await focused()).to.equal("a Skip to content");
    await page.keyboard.press("Enter");
    expect(await focused()).to.match(/^main#main/);
    // the code, pasted into the field reached by Tab, sent with Enter; focus stays there for the next pack
    await tab(3);
    expect(await focused()).to.equal("input#code");
    const live = page.locator("#verdict-announcement");
    expect(await live.getAttribute("aria-live")).to.equal("assertive");
    expect(await live.getAttribute("aria-atomic")).to.equal("true");
    await page.keyboard.insertText(`(01)00300010123455(10)LOT2026A(21)${main.serials[153]}`);
    await page.keyboard.press("Enter");
    await page.locator("section.verdict[data-verdict=verified]").waitFor({ timeout: 10_000 });
    expect(await live.innerText()).to.match(/^Genuine — may be supplied\. /);
    expect(await focused()).to.equal("input#code");
    await page.keyboard.press("ControlOrMeta+A");
    await page.keyboard.insertText(`(01)00300010123455(10)LOT2026A(21)${main.serials[17]}`);
    await page.keyboard.press("Enter");
    await page.locator("section.verdict[data-verdict=decommissioned]").waitFor({ timeout: 10_000 });
    const announced = await live.innerText();
    expect(announced)
      .to.match(/^Do not supply\. /)
      .and.to.contain("clone");
    // the verdict block is not in a live region (it would be read again as the holder's name arrives)
    expect(await page.locator("[aria-live] section.verdict").count()).to.equal(0);
    // the camera by keyboard: started with Enter, focus moves to the button that replaces the one pressed, and back
    expect(await tab(2, true)).to.deep.equal(["input[file]", "button Start camera"]);
    await page.keyboard.press("Enter");
    await page.locator("video:not([hidden])").waitFor();
    await focusReaches(page, "Stop camera");
    await page.keyboard.press("Enter");
    await page.getByRole("button", { name: "Start camera" }).waitFor();
    await focusReaches(page, "Start camera");
    // back from the camera, the folded answers open with Enter, and the pack's history is a link away
    expect(await tab(1, true)).to.deep.equal(["summary DSCSA and EU answers"]);
    await page.keyboard.press("Enter");
    expect(await page.locator("section.verdict details").getAttribute("open")).to.equal("");
    await page.keyboard.press("Shift+Tab");
    expect(await focused()).to.equal("a History of this pack");
    await page.keyboard.press("Enter");
    await page.waitForURL(/#\/history\?lot=/);
    // the view opened takes focus to its content
    await focusReaches(page, "#main");
    await page.getByRole("heading", { name: "History of a pack" }).waitFor();
  });

  it("lands on the verify page with the verdict shown when a Digital Link is opened; JSON clients keep JSON", async function () {
    const { page } = await open(undefined, "link");
    const link = `/01/00300010123455/10/LOT2026A/21/${encodeURIComponent(main.serials[160])}`;
    await page.goto(`${origin}${link}`);
    const v = await verdictOf(page);
    expect(v.name).to.equal("verified");
    expect(new URL(page.url()).pathname).to.equal("/");
    const json = await fetch(`${origin}${link}`, { headers: { accept: "application/json" } });
    expect(json.headers.get("content-type")).to.match(/^application\/json/);
    expect(((await json.json()) as { report: { verdictName: string } }).report.verdictName).to.equal("verified");
  });

  it("signs in with a wallet, receives a shipment and dispenses a scanned pack from the page; a recall reaches the alerts page within 2 s", async function () {
    const pharmacy = testKey(6).connect(rpc);
    const distributor = await PharmaChainClient.connect({
      runner: testKey(3).connect(rpc),
      deployment: { ...demo.deployment, chainId: demo.chainId },
    });
    const manufacturer = distributor.withRunner(testKey(2).connect(rpc));
    // distributor A ships five packs it holds to pharmacy A (the wallet)
    const { shipmentId } = await distributor.ship({
      buyer: pharmacy.address,
      ranges: [{ lotId: main.lotId, start: 300, end: 305 }],
    });
    const dispenseIndex = 3; // pharmacy A received packs 0-99 in the demo
    const { page } = await open(scanOf(main, main.serials[dispenseIndex]), "wallet");
    // the test wallet: an EIP-1193 provider whose requests the test answers with the pharmacy's key
    await page.exposeBinding("__testWallet", async (_source, method: string, params: unknown[] = []) => {
      switch (method) {
        case "eth_requestAccounts":
        case "eth_accounts":
          return [pharmacy.address];
        case "personal_sign":
          return pharmacy.signMessage(getBytes(params[0] as string));
        case "eth_sendTransaction": {
          const t = params[0] as Record<string, string>;
          const request: TransactionRequest = { to: t.to, data: t.data, value: t.value ?? 0 };
          if (t.gas) request.gasLimit = t.gas;
          if (t.nonce) request.nonce = Number(t.nonce);
          return (await pharmacy.sendTransaction(request)).hash;
        }
        default:
          try {
            return await rpc.send(method, params);
          } catch (error) {
            // the node's JSON-RPC error as a wallet gives it (code, message, revert data): the SDK reads the reason
            const rpcError = (error as { info?: { error?: unknown } }).info?.error;
            if (rpcError) return { __rpcError: rpcError };
            throw error;
          }
      }
    });
    await page.addInitScript({
      content: `window.ethereum = {
        async request({ method, params }) {
          const answer = await window.__testWallet(method, params);
          if (answer && answer.__rpcError) {
            const { code, message, data } = answer.__rpcError;
            throw Object.assign(new Error(message), { code, data });
          }
          return answer;
        },
        on() {},
        removeListener() {},
      };`,
    });
    await page.goto(`${origin}/#/counter?shipment=${shipmentId}`);
    await page.getByRole("button", { name: "Sign in with Ethereum" }).waitFor();
    await expectAccessible(page, "counter: before sign-in");
    await page.getByRole("button", { name: "Sign in with Ethereum" }).click();
    await page.getByText("Signed in as").waitFor();
    expect(await page.locator(".account").innerText()).to.contain("Dispenser");

    // the dock: dry run, then signed in the wallet
    await page.getByRole("button", { name: "Check receiving" }).click();
    await page.locator("#dock-outcome").getByText("Dry run passed").waitFor({ timeout: 20_000 });
    await page.locator("#dock-outcome").getByRole("button", { name: "Sign and send in my wallet" }).click();
    await page.locator("#dock-outcome").getByText("Done: receiving shipment").waitFor({ timeout: 20_000 });
    expect((await distributor.shipment(shipmentId)).status).to.equal(ShipmentStatus.Received);
    expect((await distributor.packStatus(main.lotId, 302)).holder).to.equal(pharmacy.address);
    // the same again is refused by the dry run, in the SDK's words, and nothing is sent
    const nonce = await rpc.getTransactionCount(pharmacy.address);
    await page.getByRole("button", { name: "Check receiving" }).click();
    const refusal = page.locator("#dock-outcome").getByText("Refused, nothing was sent");
    await refusal.waitFor({ timeout: 20_000 });
    const refused = await refusal.innerText();
    console.log(`      dock refusal: ${refused}`);
    expect(refused).not.to.contain("did not say why");
    expect(await rpc.getTransactionCount(pharmacy.address)).to.equal(nonce);
    await expectAccessible(page, "dock: a refusal in the SDK's words");

    // the counter: a pack scanned with the camera, dispensed
    await page.getByRole("button", { name: "Scan with the camera" }).click();
    await page.locator("#dispense-outcome").getByText("Dry run passed").waitFor({ timeout: 20_000 });
    await expectAccessible(page, "counter: a dispense's dry run passed");
    await page.screenshot({ path: path.join(SHOTS_DIR, "web-counter.png"), fullPage: true });
    await page.locator("#dispense-outcome").getByRole("button", { name: "Sign and send in my wallet" }).click();
    await page.locator("#dispense-outcome").getByText("Done: dispensing pack").waitFor({ timeout: 20_000 });
    expect((await distributor.packStatus(main.lotId, dispenseIndex)).state).to.equal(PackState.Dispensed);

    // the pack's history: dispensed, with the parties' names and GLNs
    await page.goto(`${origin}/#/history?lot=${main.lotId}&index=${dispenseIndex}`);
    await page.locator(".timeline .PacksDecommissioned").waitFor({ timeout: 20_000 });
    const history = await page.locator("main").innerText();
    expect(history).to.contain("pharmacy A").and.to.contain("614141000036").and.to.contain("Commissioned");
    await expectAccessible(page, "history of a pack");
    expect(await page.getByRole("link", { name: /EPCIS 2.0 export/ }).getAttribute("href")).to.equal(
      `/epcis/lots/${main.lotId}/packs/${dispenseIndex}`,
    );
    await page.screenshot({ path: path.join(SHOTS_DIR, "web-history.png") }); // the first screen: the timeline is long

    // alerts: live over the event stream, a recall made now appears within 2 s
    await page.goto(`${origin}/#/alerts`);
    await page.getByText("Stream: live").waitFor({ timeout: 20_000 });
    const t0 = Date.now();
    await manufacturer.recallLot(main.lotId, "web test recall");
    await page.locator('.alert[data-kind="lot.recalled"]').waitFor({ timeout: 10_000 });
    const ms = Date.now() - t0;
    console.log(`      recall transaction sent → alert on the page: ${ms} ms`);
    expect(ms).to.be.below(2000);
    expect(await page.locator('.alert[data-kind="lot.recalled"] a').first().getAttribute("href")).to.equal(
      `#/history?lot=${main.lotId.toLowerCase()}`,
    );
    // a webhook subscription, managed here
    await page.getByLabel("Endpoint URL").fill("http://127.0.0.1:9/hook");
    await page.getByRole("button", { name: "Subscribe" }).click();
    await page.getByText(/Subscribed\. Signing secret/).waitFor();
    await page.locator(".subs li").first().waitFor();
    await expectAccessible(page, "alerts: a recall alert and a webhook subscription");
    await page.screenshot({ path: path.join(SHOTS_DIR, "web-alerts.png"), fullPage: true });
    await page.getByRole("button", { name: /Delete the subscription/ }).click();
    await page.getByText("No subscriptions yet.").waitFor();
  });

  it("sent no request outside the page's origin and logged no console error", function () {
    const elsewhere = requests.filter((r) => !r.startsWith(`${origin}/`) && !/^(data|blob):/.test(r));
    expect(elsewhere).to.deep.equal([]);
    expect(requests.some((r) => r.endsWith(".wasm"))).to.equal(true);
    expect(consoleErrors).to.deep.equal([]);
  });
});

if (!CHROMIUM) {
  describe("web page in Chromium", function () {
    it("is skipped: no Chromium (apt-get install chromium, or set CHROMIUM_PATH)", function () {
      console.log(
        "      web browser tests skipped: no chromium on the PATH (apt-get install chromium) nor CHROMIUM_PATH",
      );
      this.skip();
    });
  });
}
