/**
 * The end-to-end supply chain on the embedded Hardhat network, driven through the SDK as an integrator would:
 * onboarding, a product, a 100,000-pack lot co-signed by the manufacturer and (offline) the regulator, a price
 * negotiated and a pallet ordered, confirmed and shipped for the order through a transporter, cases ordered by two
 * pharmacies and shipped for their orders, the orders' delivery status and the distributor's inventory, a dispense,
 * and the verdicts a pharmacist would get for six packs.
 *
 *   npm run demo                 print every step with its gas
 *   npm run demo -- --out DIR    also write DIR/report.json
 *   npm run demo -- --packs N    a lot of N packs instead of 100,000
 *
 *   npm run demo -- --chain anvil   on anvil (Foundry's node, started here and stopped after) mining a block every
 *                                second (`--block-time S` for another period), as a QBFT consortium chain does
 *
 * Independent writes are sent together (six applications, then the regulator's six approvals, from one account): on a
 * chain with a block period they share blocks, which is what makes the demo's block count, and so its time, small.
 *
 * `runDemo` is the same run as a function, over any EIP-1193 provider with unlocked Hardhat accounts (the service's
 * `npm run serve` seeds its chain with it), or over a chain the caller opened (anvil).
 */
import fs from "fs";
import path from "path";
import { parseArgs } from "util";
import hre from "hardhat";
import { BrowserProvider, Eip1193Provider, HDNodeWallet, JsonRpcProvider, Signer, getBytes } from "ethers";
import { RunningAnvil, startAnvil } from "./anvil";
import {
  InventoryReport,
  Manifest,
  OrderRecord,
  PackState,
  PharmaChainClient,
  Role,
  Written,
  batchRecordHash,
  packToDigitalLink,
  packToElementString,
  buildLotAttestation,
  createProvider,
  deployProtocol,
  expiryToExpiresAt,
  gtinToUint64,
  signLotAttestation,
  expiresAtToExpiry,
  exportLotEpcis,
  exportShipmentEpcis,
  verifyPacks,
  VerificationReport,
} from "../sdk/src";

/** Hardhat's well-known development mnemonic: the regulator's key is derived from it to sign offline. */
const HARDHAT_MNEMONIC = "test test test test test test test test test test test junk";
const GTIN = "00300010123455"; // GS1 US DSCSA example: NDC 0001-0123-45 as a GTIN-14
const DAY = 24 * 60 * 60;

interface Step {
  n: number;
  actor: string;
  action: string;
  gasUsed?: string;
  tx?: string;
  /** A view's gas (`eth_call`, estimated): no transaction. */
  callGas?: string;
  /** Of `gasUsed`, what the transaction's calldata costs (EIP-2028: 4 gas a zero byte, 16 a non-zero byte). */
  calldataGas?: string;
  detail?: Record<string, unknown>;
}

let steps: Step[] = [];
let started = Date.now();
let say: (...text: unknown[]) => void = console.log;
/** `--verbose`: gas, addresses and hints on every line; otherwise what an operator reads (names, GLNs, verdicts). */
let verbose = false;
/** Names of the parties' accounts, and lot numbers of the lot ids, for the operator's lines. */
const known = new Map<string, string>();

/** `text` for an operator: accounts by name, lot ids by lot number, other hashes shortened. */
function plain(text: string): string {
  return text
    .replace(/0x[0-9a-fA-F]{64}/g, (h) => known.get(h.toLowerCase()) ?? `${h.slice(0, 10)}…`)
    .replace(/0x[0-9a-fA-F]{40}/g, (a) => known.get(a.toLowerCase()) ?? `${a.slice(0, 8)}…`);
}

function log(
  actor: string,
  action: string,
  written?: Written<object>,
  detail?: Record<string, unknown>,
  callGas?: bigint,
): void {
  const step: Step = { n: steps.length + 1, actor, action };
  if (written) {
    step.gasUsed = written.tx.gasUsed.toString();
    step.tx = written.tx.hash;
  }
  if (callGas !== undefined) step.callGas = callGas.toString();
  if (detail) step.detail = detail;
  steps.push(step);
  const gas = written
    ? `${written.tx.gasUsed.toLocaleString("en").padStart(9)} gas`
    : callGas !== undefined
      ? `${callGas.toLocaleString("en").padStart(9)} call`
      : "".padStart(13);
  if (verbose) say(`${String(step.n).padStart(3)}. ${gas}  ${actor.padEnd(13)} ${action}`);
  else say(`${String(step.n).padStart(3)}. ${actor.padEnd(13)} ${plain(action)}`);
}

/** The AI 17 `YYMMDD` of the day (UTC) containing `seconds`. */
function yymmdd(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(2, 10).replace(/-/g, "");
}

function serialsFor(count: number, prefix: string): string[] {
  // Deterministic, realistic-looking serials: a prefix and 12 base-36 characters from a linear congruential sequence.
  const serials: string[] = [];
  let x = 0x2545f491n;
  for (let i = 0; i < count; i++) {
    x = (x * 6364136223846793005n + 1442695040888963407n) & 0xffffffffffffffffn;
    serials.push(prefix + (x >> 4n).toString(36).toUpperCase().padStart(13, "0").slice(-12));
  }
  return serials;
}

type Party = Signer & { address: string };

/** Where the demo runs: the embedded network, an EIP-1193 provider, or an anvil node it starts (and stops). */
export interface Chain {
  label: string;
  hardfork: string;
  provider: BrowserProvider | JsonRpcProvider;
  signer(i: number): Promise<Party>;
  node?: RunningAnvil;
}

/** A chain over an EIP-1193 provider whose accounts are unlocked (Hardhat's embedded network or node). */
function browserChain(eip1193: Eip1193Provider, label: string, hardfork: string): Chain {
  // An EIP-1193 provider, as a browser wallet exposes: the SDK reaches the network through ethers' BrowserProvider.
  const provider = new BrowserProvider(eip1193);
  return { label, hardfork, provider, signer: (i) => provider.getSigner(i) };
}

async function openChain(name: string, blockTime: number): Promise<Chain> {
  if (name === "hardhat") {
    const hardfork = hre.config.networks.hardhat.hardfork ?? "default";
    return browserChain(hre.network.provider, `the embedded Hardhat network (hardfork ${hardfork})`, hardfork);
  }
  if (name === "anvil") {
    const node = await startAnvil({ blockTime });
    // The SDK's provider for a URL: no request cache, receipts polled every 250 ms; keys held here, as on a real chain.
    const provider = createProvider(node.url);
    return {
      label: `anvil at ${node.url} (pid ${node.pid}), ${blockTime > 0 ? `a block every ${blockTime} s` : "a block per transaction"}`,
      hardfork: "osaka",
      provider,
      signer: async (i) =>
        HDNodeWallet.fromPhrase(HARDHAT_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).connect(provider),
      node,
    };
  }
  throw new Error(`--chain must be hardhat or anvil, not ${name}`);
}

/** What `runDemo` takes. */
export interface DemoOptions {
  /** The network: an EIP-1193 provider whose accounts 0-7 are Hardhat's unlocked development accounts. */
  provider?: Eip1193Provider;
  /** Or a chain opened by the caller (see `openChain`). */
  chain?: Chain;
  /** The network's name in the report (default: Hardhat's network name). */
  networkName?: string;
  /** Packs in the main lot (at least 1,000). */
  packs: number;
  /** A folder for report.json and the EPCIS exports. */
  out?: string;
  /** Print nothing. */
  quiet?: boolean;
  /** Print every step's gas, the addresses and the DSCSA and EU hub answers (the default is the operator's story). */
  verbose?: boolean;
}

/** A seeded lot and its serial list, in packing order. */
export interface DemoLot {
  lotId: string;
  lotNumber: string;
  serials: string[];
}

/** What `runDemo` made: the deployment, the lots with their serial lists, and the scans it verified. */
export interface DemoResult {
  deployment: { registry: string; lots: string; custody: string; orders: string };
  chainId: bigint;
  lots: DemoLot[];
  verdicts: { label: string; scan: string; verdictName: string }[];
  /** The parties' display names by address ("pharmacy A"…), as the report names them. */
  names: Record<string, string>;
  reportFile?: string;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: "string" },
      packs: { type: "string" },
      chain: { type: "string", default: "hardhat" },
      "block-time": { type: "string", default: "1" },
      verbose: { type: "boolean", default: false },
    },
    allowPositionals: false,
  });
  const packs = values.packs ? Number(values.packs) : 100_000;
  if (!Number.isInteger(packs) || packs < 1000) throw new Error("--packs must be a whole number of at least 1,000");
  const blockTime = Number(values["block-time"]);
  if (!Number.isInteger(blockTime) || blockTime < 0) throw new Error("--block-time must be a whole number of seconds");
  const chain = await openChain(values.chain!, blockTime);
  try {
    await runDemo({ chain, packs, verbose: values.verbose, ...(values.out ? { out: values.out } : {}) });
  } finally {
    chain.provider.destroy();
    await chain.node?.stop();
  }
}

/** The demo's supply chain on `options.provider`: every step of `npm run demo`. */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  steps = [];
  started = Date.now();
  say = options.quiet ? () => undefined : console.log;
  verbose = options.verbose === true;
  known.clear();
  const packs = options.packs;
  const values = { out: options.out };
  if (!options.chain && !options.provider) throw new Error("runDemo needs a provider or a chain");
  const hardfork = hre.config.networks.hardhat.hardfork ?? "default";
  const chain =
    options.chain ?? browserChain(options.provider!, `the embedded Hardhat network (hardfork ${hardfork})`, hardfork);
  const provider = chain.provider;
  const send = (method: string, params: unknown[]): Promise<unknown> => provider.send(method, params);
  // Straight from the node: ethers' provider answers getBlockNumber from a 250 ms cache.
  const blockNumber = async (): Promise<number> => Number(await provider.send("eth_blockNumber", []));
  const firstBlock = await blockNumber();
  const [council, regulatorOnline, manufacturer, distributorA, distributorB, transporter, pharmacyA, pharmacyB] =
    await Promise.all([0, 1, 2, 3, 4, 5, 6, 7].map((i) => chain.signer(i)));
  const regulatorOffline = HDNodeWallet.fromPhrase(HARDHAT_MNEMONIC, undefined, "m/44'/60'/0'/0/1");
  const names = new Map<string, string>();
  const name = (who: Party, label: string): void => {
    names.set(who.address, label);
    known.set(who.address.toLowerCase(), label);
  };
  name(council, "council");
  name(regulatorOnline, "regulator");
  name(manufacturer, "manufacturer");
  name(distributorA, "distributor A");
  name(distributorB, "distributor B");
  name(transporter, "transporter");
  name(pharmacyA, "pharmacy A");
  name(pharmacyB, "pharmacy B");

  say(`PharmaChain demo on ${chain.label}\n`);
  if (!verbose)
    say("Who does what (npm run demo -- --verbose adds each step's gas, the addresses and the hub answers)\n");
  const deployment = await deployProtocol(council);
  const base = await PharmaChainClient.connect({ runner: council, deployment });
  log(
    "council",
    verbose
      ? `deployed registry ${deployment.registry}, lots ${deployment.lots}, custody ${deployment.custody} (order book ${base.ordersAddress})`
      : "deploys PharmaChain: the stakeholder registry, the lots, custody and the order book",
  );
  const as = (s: Signer): PharmaChainClient => base.withRunner(s);
  const now = async (): Promise<number> => (await provider.getBlock("latest"))!.timestamp;
  const inAYear = BigInt((await now()) + 365 * DAY);

  // ---------------------------------------------------------------- onboarding
  log(
    "council",
    "appoints the regulator",
    await as(council).appointRegulator({
      account: regulatorOnline.address,
      gln: 614141000005n,
      jurisdiction: "US",
      validUntil: inAYear,
      licence: "FDA authority",
    }),
  );
  const parties: [Party, Role, bigint][] = [
    [manufacturer, Role.Manufacturer, 300010000008n],
    [distributorA, Role.Distributor, 614141073467n],
    [distributorB, Role.Distributor, 614141000012n],
    [transporter, Role.Transporter, 614141000029n],
    [pharmacyA, Role.Dispenser, 614141000036n],
    [pharmacyB, Role.Dispenser, 614141000043n],
  ];
  // Six applications from six accounts at once, then the regulator's six approvals from its one account at once: the
  // SDK hands out the regulator's nonces, and on a chain with a block period each batch shares a block or two.
  const applied = await Promise.all(
    parties.map(([party, role, gln]) =>
      as(party).applyForRole({ role, gln, jurisdiction: "US", licence: `${names.get(party.address)} state licence` }),
    ),
  );
  parties.forEach(([party, role, gln], i) =>
    log(names.get(party.address)!, `applies as ${Role[role]} (GLN ${gln.toString().padStart(13, "0")})`, applied[i]),
  );
  const approvals = await Promise.all(
    parties.map(([party]) => as(regulatorOnline).approveStakeholder(party.address, inAYear)),
  );
  parties.forEach(([party], i) => log("regulator", `approves ${names.get(party.address)}`, approvals[i]));
  if (!verbose) {
    say("\n     The parties, as the registry knows them:");
    const rows: [string, string, bigint][] = [
      ["regulator", "Regulator", 614141000005n],
      ...parties.map(([p, role, gln]): [string, string, bigint] => [names.get(p.address)!, Role[role], gln]),
    ];
    for (const [who, role, gln] of rows)
      say(`       ${who.padEnd(14)} ${role.padEnd(13)} GLN ${gln.toString().padStart(13, "0")}`);
    say("");
  }

  // ---------------------------------------------------------------- product and lot
  const gtin = gtinToUint64(GTIN);
  log(
    "manufacturer",
    `registers product GTIN ${GTIN}`,
    await as(manufacturer).registerProduct(gtin, "Example tablets 10 mg, 30 count"),
  );
  log("regulator", `approves product ${GTIN}`, await as(regulatorOnline).approveProduct(gtin));

  const lotNumber = "LOT2026A";
  const serials = serialsFor(packs, "A");
  const t0 = Date.now();
  const manifest = await Manifest.fromSerials(serials);
  const manifestSeconds = (Date.now() - t0) / 1000;
  log(
    "manufacturer",
    `builds the manifest of ${packs.toLocaleString("en")} serials in ${manifestSeconds.toFixed(1)} s, root ${manifest.root.slice(0, 18)}…`,
  );
  const expiry = yymmdd((await now()) + 2 * 365 * DAY);
  const attestation = buildLotAttestation({
    gtin,
    lotNumber,
    expiresAt: expiryToExpiresAt(expiry),
    unitCount: packs,
    serialsRoot: manifest.root,
    dataHash: batchRecordHash(`batch record ${lotNumber}: ${packs} packs, released by QP`),
    manufacturer: manufacturer.address,
    deadline: BigInt((await now()) + 7 * DAY),
  });
  const domain = base.domain();
  const manufacturerSignature = await signLotAttestation(manufacturer, domain, attestation);
  log("manufacturer", `signs the lot attestation of ${lotNumber} (EIP-712, through its wallet)`);
  const regulatorSignature = await signLotAttestation(regulatorOffline, domain, attestation);
  log("regulator", "signs the same attestation offline (a key that never touches the network)");
  const commissioned = await as(manufacturer).commissionLot({
    attestation,
    manufacturerSignature: { signer: manufacturer.address, signature: manufacturerSignature },
    regulatorSignature: { signer: regulatorOffline.address, signature: regulatorSignature },
  });
  const lotId = commissioned.lotId;
  known.set(lotId.toLowerCase(), `lot ${lotNumber}`);
  log(
    "manufacturer",
    `commissions lot ${lotNumber} of ${packs.toLocaleString("en")} packs with both signatures (${commissioned.released ? "released" : "pending"})`,
    commissioned,
  );

  // ---------------------------------------------------------------- the trade: a price, an order
  const pallet = Math.floor(packs / 2);
  const offerValidUntil = BigInt((await now()) + 30 * DAY);
  const offered = await as(manufacturer).offerPrice({
    buyer: distributorA.address,
    gtin,
    price: "1.40",
    currency: "USD",
    validUntil: offerValidUntil,
    terms: "price list 2026, net 30 days",
  });
  log(
    "manufacturer",
    `offers distributor A 1.40 USD a pack of ${GTIN}, valid 30 days (offer ${offered.offerId})`,
    offered,
  );
  const countered = await as(distributorA).counterOffer(offered.offerId, {
    price: "1.25",
    validUntil: offerValidUntil,
    terms: "counter: 1.25 USD for pallet quantities",
  });
  log(
    "distributor A",
    `counters offer ${offered.offerId} with 1.25 USD a pack (offer ${countered.offerId})`,
    countered,
  );
  log(
    "manufacturer",
    `accepts offer ${countered.offerId}: 1.25 USD a pack is the contract price`,
    await as(manufacturer).acceptOffer(countered.offerId),
  );
  const palletOrder = await as(distributorA).placeOrder({
    seller: manufacturer.address,
    gtin,
    quantity: pallet,
    document: "PO DA-2026-0001",
  });
  log(
    "distributor A",
    `orders a pallet of ${pallet.toLocaleString("en")} packs from the manufacturer at the contract price (order ${palletOrder.orderId})`,
    palletOrder,
  );
  log(
    "manufacturer",
    `confirms order ${palletOrder.orderId}`,
    await as(manufacturer).confirmOrder(palletOrder.orderId, "order acknowledgement DA-2026-0001"),
  );

  // ---------------------------------------------------------------- moving the packs
  const shipped = await as(manufacturer).shipForOrder({
    orderId: palletOrder.orderId,
    transporter: transporter.address,
    notice: "ASN pallet SSCC 106141411234567897",
    ranges: [{ lotId, start: 0, end: pallet, lotNumber }],
  });
  log(
    "manufacturer",
    `ships the pallet for order ${palletOrder.orderId} to distributor A via the transporter (shipment ${shipped.shipmentId})`,
    shipped,
  );
  log(
    "transporter",
    "picks the pallet up at the manufacturer's dock",
    await as(transporter).pickUp(shipped.shipmentId, 300010000008n),
  );
  log(
    "transporter",
    "hands the pallet over at distributor A",
    await as(transporter).handOver(shipped.shipmentId, 614141073467n),
  );
  log(
    "distributor A",
    `receives shipment ${shipped.shipmentId}: custody and ownership move`,
    await as(distributorA).receiveShipment(shipped.shipmentId),
  );

  const caseSize = 100;
  const caseOrderA = await as(pharmacyA).placeOrder({
    seller: distributorA.address,
    gtin,
    quantity: caseSize,
    document: "PO PA-0042",
  });
  log("pharmacy A", `orders a case of ${caseSize} packs from distributor A (order ${caseOrderA.orderId})`, caseOrderA);
  const caseOrderB = await as(pharmacyB).placeOrder({
    seller: distributorA.address,
    gtin,
    quantity: caseSize,
    document: "PO PB-0107",
  });
  log("pharmacy B", `orders a case of ${caseSize} packs from distributor A (order ${caseOrderB.orderId})`, caseOrderB);
  log("distributor A", `confirms order ${caseOrderA.orderId}`, await as(distributorA).confirmOrder(caseOrderA.orderId));
  log("distributor A", `confirms order ${caseOrderB.orderId}`, await as(distributorA).confirmOrder(caseOrderB.orderId));
  const toA = await as(distributorA).shipForOrder({
    orderId: caseOrderA.orderId,
    ranges: [{ lotId, start: 0, end: caseSize, lotNumber }],
  });
  log(
    "distributor A",
    `ships a case (packs 0-${caseSize - 1}) for order ${caseOrderA.orderId} to pharmacy A (shipment ${toA.shipmentId})`,
    toA,
  );
  const toB = await as(distributorA).shipForOrder({
    orderId: caseOrderB.orderId,
    ranges: [{ lotId, start: caseSize, end: 2 * caseSize, lotNumber }],
  });
  log(
    "distributor A",
    `ships a case (packs ${caseSize}-${2 * caseSize - 1}) for order ${caseOrderB.orderId} to pharmacy B (shipment ${toB.shipmentId})`,
    toB,
  );
  log("pharmacy A", `receives shipment ${toA.shipmentId}`, await as(pharmacyA).receiveShipment(toA.shipmentId));
  log("pharmacy B", `receives shipment ${toB.shipmentId}`, await as(pharmacyB).receiveShipment(toB.shipmentId));

  // The orders' delivery status, derived from their shipments, and distributor A's stock, read from custody.
  const reader = base.withRunner(provider);
  const orders: OrderRecord[] = [];
  for (const orderId of [palletOrder.orderId, caseOrderA.orderId, caseOrderB.orderId]) {
    const o = await reader.order(orderId);
    orders.push(o);
    const gas = await reader.orders.order.estimateGas(orderId);
    log(
      "(view)",
      `order ${o.orderId} from ${names.get(o.buyer)} to ${names.get(o.seller)}: ${o.statusName}, ` +
        `${o.received.toLocaleString("en")} of ${o.quantity.toLocaleString("en")} packs received${o.price ? `, ${o.price} a pack` : ", no contract price"}`,
      undefined,
      { orderId: o.orderId, status: o.statusName, quantity: o.quantity, received: o.received, price: o.price },
      gas,
    );
  }
  const heldLots = await reader.history().lotsHeldBy(distributorA.address);
  const inventory: InventoryReport = await reader.inventory(distributorA.address, heldLots);
  const inventoryGas = await reader.orders.inventory.estimateGas(distributorA.address, heldLots, 0, 0, 250);
  const t = inventory.totals;
  log(
    "(view)",
    `distributor A's inventory at block ${inventory.blockNumber}: ${t.available.toLocaleString("en")} available, ` +
      `${t.inTransit.toLocaleString("en")} in transit, ${t.suspect.toLocaleString("en")} suspect, ${t.decommissioned.toLocaleString("en")} decommissioned ` +
      `(${inventory.lots.length} of the ${heldLots.length} ${heldLots.length === 1 ? "lot" : "lots"} found from events)`,
    undefined,
    { lots: inventory.lots, totals: t },
    inventoryGas,
  );

  const dispensedIndex = 17;
  const dispensedSerial = serials[dispensedIndex];
  const proof = manifest.proof(dispensedSerial);
  log(
    "pharmacy A",
    `dispenses pack ${dispensedSerial} to a patient`,
    await as(pharmacyA).dispense({ lotId, index: proof.index, serial: dispensedSerial, proof: proof.proof }),
  );

  const suspectIndex = caseSize + 42;
  log(
    "pharmacy B",
    `quarantines pack ${serials[suspectIndex]}: damaged tamper seal`,
    await as(pharmacyB).quarantine([{ lotId, start: suspectIndex, end: suspectIndex + 1 }], "photo of the broken seal"),
  );

  // Two more lots to show a recall and an expiry.
  const smallLot = async (
    lot: string,
    prefix: string,
    expiresInDays: number,
  ): Promise<{ lotId: string; serials: string[]; manifest: Manifest }> => {
    const s = serialsFor(1000, prefix);
    const m = await Manifest.fromSerials(s);
    const day = yymmdd((await now()) + expiresInDays * DAY);
    const att = buildLotAttestation({
      gtin,
      lotNumber: lot,
      expiresAt: expiryToExpiresAt(day),
      unitCount: s.length,
      serialsRoot: m.root,
      dataHash: batchRecordHash(`batch record ${lot}`),
      manufacturer: manufacturer.address,
      deadline: BigInt((await now()) + DAY),
    });
    const w = await as(pharmacyA).commissionLot({
      attestation: att,
      manufacturerSignature: {
        signer: manufacturer.address,
        signature: await signLotAttestation(manufacturer, domain, att),
      },
      regulatorSignature: {
        signer: regulatorOffline.address,
        signature: await signLotAttestation(regulatorOffline, domain, att),
      },
    });
    known.set(w.lotId.toLowerCase(), `lot ${lot}`);
    log("pharmacy A", `submits the co-signed attestation of lot ${lot} (1,000 packs): anyone may submit`, w);
    return { lotId: w.lotId, serials: s, manifest: m };
  };
  const recalled = await smallLot("LOT2026R", "R", 400);
  log(
    "manufacturer",
    "recalls lot LOT2026R: contamination found in retained samples",
    await as(manufacturer).recallLot(recalled.lotId, "CAPA-2026-114"),
  );
  const expiring = await smallLot("LOT2026X", "X", 2);
  await send("evm_increaseTime", [4 * DAY]);
  await send("evm_mine", []);
  log("(time)", "four days pass: lot LOT2026X expires");

  // ---------------------------------------------------------------- verdicts
  const expiryOf = expiresAtToExpiry(attestation.expiresAt);
  const scans: { label: string; scan: string }[] = [
    {
      label: "a genuine pack at pharmacy B",
      scan: packToDigitalLink({ gtin: GTIN, lot: lotNumber, serial: serials[caseSize + 7], expiry: expiryOf }),
    },
    {
      label: "the dispensed pack scanned again (a cloned code)",
      scan: packToElementString({ gtin: GTIN, lot: lotNumber, serial: dispensedSerial, expiry: expiryOf }),
    },
    {
      label: "an unknown serial",
      scan: packToDigitalLink({ gtin: GTIN, lot: lotNumber, serial: "A0FAKE0SERIAL1", expiry: expiryOf }),
    },
    {
      label: "a pack of the recalled lot",
      scan: packToDigitalLink({ gtin: GTIN, lot: "LOT2026R", serial: recalled.serials[5] }),
    },
    { label: "an expired pack", scan: packToDigitalLink({ gtin: GTIN, lot: "LOT2026X", serial: expiring.serials[9] }) },
    {
      label: "the quarantined pack",
      scan: packToDigitalLink({ gtin: GTIN, lot: lotNumber, serial: serials[suspectIndex], expiry: expiryOf }),
    },
  ];
  const manifests = new Map<string, Manifest>([
    [lotId, manifest],
    [recalled.lotId, recalled.manifest],
    [expiring.lotId, expiring.manifest],
  ]);
  const reports = await verifyPacks(
    reader,
    scans.map((s) => s.scan),
    { manifests: (id) => manifests.get(id) },
  );
  say("\nVerification: what a pharmacist scanning each pack is told\n");
  const verdicts = reports.map((r: VerificationReport, i) => {
    if (!verbose) {
      const verdict = r.verified ? "VERIFIED" : `NOT VERIFIED (${r.verdictName})`;
      say(`  ${scans[i].label}: GTIN ${r.gtin}, lot ${r.lotNumber}, serial ${r.serial}`);
      say(`    ${verdict}: ${r.message}\n`);
      return { label: scans[i].label, scan: scans[i].scan, ...r };
    }
    say(`  ${scans[i].label}\n    scan     ${scans[i].scan}`);
    say(`    verdict  ${r.verdictName.toUpperCase()} — ${r.message}`);
    say(
      `    DSCSA    verified=${r.dscsa.verified}${r.dscsa.verificationFailureReason ? ` verificationFailureReason=${r.dscsa.verificationFailureReason}` : ""}${r.dscsa.additionalInfo ? ` additionalInfo=${r.dscsa.additionalInfo}` : ""}`,
    );
    say(`    EU hub   ${r.eu.returnCode ?? "no alert"} (${r.eu.packStatus})\n`);
    return { label: scans[i].label, scan: scans[i].scan, ...r };
  });

  const clone = reports[1];
  if (clone.verdictName === "decommissioned") {
    log(
      "pharmacy B",
      "reports the cloned code to the regulator (CloneReported event)",
      await as(pharmacyB).reportClone({
        lotId,
        index: proof.index,
        serial: dispensedSerial,
        proof: proof.proof,
      }),
    );
  }
  const status = await reader.packStatus(lotId, dispensedIndex);
  const seconds = (Date.now() - started) / 1000;
  const blocks = (await blockNumber()) - firstBlock;
  if (verbose) {
    say(
      `Pack ${dispensedSerial} is ${PackState[status.state]}; ${steps.length} steps in ${seconds.toFixed(1)} s, ${blocks} blocks.`,
    );
  } else {
    const verified = reports.filter((r) => r.verified).length;
    const refused = reports.filter((r) => !r.verified).map((r) => r.verdictName);
    say("\nSummary");
    say(`  the council appointed the regulator, who onboarded ${parties.length} parties and approved product ${GTIN}`);
    say(
      `  3 lots commissioned with two signatures each: ${lotNumber} (${packs.toLocaleString("en")} packs), ` +
        "LOT2026R (recalled) and LOT2026X (expired)",
    );
    say(
      `  ${orders.length} orders delivered: ${orders.map((o) => `${o.quantity.toLocaleString("en")} packs to ${names.get(o.buyer)}`).join(", ")}`,
    );
    say(`  pack ${dispensedSerial} dispensed by pharmacy A, and now ${PackState[status.state]}`);
    say(
      `  ${reports.length} scans: ${verified} verified, ${refused.length} not to be supplied (${refused.join(", ")})`,
    );
    say(`  ${steps.length} steps in ${seconds.toFixed(1)} s`);
  }

  if (values.out) {
    // The calldata's share of each write's gas: inputs that depend on the clock (an attestation's deadline, hence its
    // signatures) have a different number of zero bytes from run to run, 12 gas each.
    for (const step of steps) {
      if (!step.tx) continue;
      const data = getBytes((await provider.getTransaction(step.tx))!.data);
      step.calldataGas = String(data.reduce((sum, b) => sum + (b === 0 ? 4 : 16), 0));
    }
    fs.mkdirSync(values.out, { recursive: true });
    const file = path.join(values.out, "report.json");
    const report = {
      network: {
        name: options.networkName ?? (chain.node ? "anvil" : hre.network.name),
        chainId: base.chainId.toString(),
        hardfork: chain.hardfork,
        blockTime: chain.node?.blockTime ?? 0,
      },
      deployment: {
        registry: deployment.registry,
        lots: deployment.lots,
        custody: deployment.custody,
        orders: base.ordersAddress,
      },
      parties: Object.fromEntries([...names].map(([a, n]) => [n, a])),
      product: { gtin: GTIN },
      lots: {
        main: { lotId, lotNumber, packs, manifestRoot: manifest.root, manifestSeconds },
        recalled: recalled.lotId,
        expired: expiring.lotId,
      },
      trade: {
        offers: [await reader.offer(offered.offerId), await reader.offer(countered.offerId)],
        orders,
        inventory: { distributorA: inventory },
      },
      steps,
      verdicts,
      seconds,
      blocks,
    };
    fs.writeFileSync(
      file,
      JSON.stringify(report, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2) + "\n",
    );
    say(`Report written to ${file}`);
    // The whole history as EPCIS 2.0 JSON-LD: every lot (with its shipments' events, decommissions, quarantine, recall)
    // and every shipment. GS1 US company prefix 030001 (6 digits). The demo holds every manifest, so packs are listed by
    // serial (SGTIN URIs), the 100,000-pack lot and its pallet included.
    const bySerial = { manifests, companyPrefixLength: 6 };
    const epcisFiles: [string, () => Promise<{ document: unknown }>][] = [
      [`lot-${lotNumber}.jsonld`, () => exportLotEpcis(reader, lotId, bySerial)],
      ["lot-LOT2026R.jsonld", () => exportLotEpcis(reader, recalled.lotId, bySerial)],
      ["lot-LOT2026X.jsonld", () => exportLotEpcis(reader, expiring.lotId, bySerial)],
      [`shipment-${shipped.shipmentId}.jsonld`, () => exportShipmentEpcis(reader, shipped.shipmentId, bySerial)],
      ...[toA, toB].map((s): [string, () => Promise<{ document: unknown }>] => [
        `shipment-${s.shipmentId}.jsonld`,
        () => exportShipmentEpcis(reader, s.shipmentId, bySerial),
      ]),
    ];
    for (const [fileName, exportIt] of epcisFiles) {
      fs.writeFileSync(path.join(values.out, fileName), JSON.stringify((await exportIt()).document, null, 2) + "\n");
    }
    say(
      `EPCIS 2.0 export (validated against the official schema) written to ${values.out}: ${epcisFiles.map(([f]) => f).join(", ")}`,
    );
  }
  return {
    deployment: {
      registry: deployment.registry,
      lots: deployment.lots,
      custody: deployment.custody,
      orders: base.ordersAddress,
    },
    chainId: base.chainId,
    lots: [
      { lotId, lotNumber, serials },
      { lotId: recalled.lotId, lotNumber: "LOT2026R", serials: recalled.serials },
      { lotId: expiring.lotId, lotNumber: "LOT2026X", serials: expiring.serials },
    ],
    verdicts: verdicts.map((v) => ({ label: v.label, scan: v.scan, verdictName: v.verdictName })),
    names: Object.fromEntries(names),
    ...(values.out ? { reportFile: path.join(values.out, "report.json") } : {}),
  };
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exitCode = 1;
  });
}
