/**
 * From the metrics to what people read: the comparison with the baselines (each operation's gas, the baselines'
 * and the ratios), the targets of the benchmark issue, and the Markdown tables that `npm run bench` prints and
 * writes into BENCHMARKS.md between its `bench:begin` and `bench:end` markers.
 */
import { Environment, Metrics } from "./common";

export interface Comparison {
  key: string;
  operation: string;
  packs: number;
  ours: number;
  perSlot: number | null;
  erc721: number | null;
  /** baseline gas / PharmaChain gas: how many times what PharmaChain costs the baseline costs. */
  ratioPerSlot: number | null;
  ratioErc721: number | null;
  /** How the baselines' figures were obtained. */
  basis: string | null;
}

export interface Target {
  name: string;
  metric: string;
  value: number;
  limit: number;
  unit: string;
  met: boolean;
  /** value - limit: negative when the target is met with room to spare. */
  margin: number;
  marginPercent: number;
}

/** Baseline gas for `packs` packs of an operation: one-pack transactions as measured, more packs at the batch rate. */
function baseline(m: Metrics, prefix: string, packs: number): number {
  return packs === 1 ? m.get(`${prefix}.1pack`) : m.get(`${prefix}.perPack`) * packs;
}

export function comparisons(m: Metrics): Comparison[] {
  const rows: Comparison[] = [];
  const add = (
    key: string,
    operation: string,
    packs: number,
    ours: string,
    base?: { perSlot: string; erc721: string; basis?: string },
  ) => {
    const o = m.get(ours);
    const perSlot = base ? baseline(m, base.perSlot, packs) : null;
    const erc721 = base ? baseline(m, base.erc721, packs) : null;
    const ratio = (b: number | null): number | null => (b === null ? null : Math.round((b / o) * 100) / 100);
    const basis = !base
      ? null
      : (base.basis ?? "") +
        (packs === 1
          ? "one-pack transactions, measured"
          : `${packs.toLocaleString("en")} × the gas a pack of a full batch transaction (${m.get(`${base.perSlot}.batch`)} packs with one slot a pack, ${m.get(`${base.erc721}.batch`)} with ERC-721): extrapolated`);
    rows.push({
      key,
      operation,
      packs,
      ours: o,
      perSlot,
      erc721,
      ratioPerSlot: ratio(perSlot),
      ratioErc721: ratio(erc721),
      basis,
    });
  };
  const commission = { perSlot: "baseline.perSlot.commission", erc721: "baseline.erc721.mint" };
  const move = { perSlot: "baseline.perSlot.move", erc721: "baseline.erc721.transfer" };
  add("registerStakeholder", "register and approve a stakeholder", 0, "gas.registerStakeholder");
  add("registerProduct", "register and approve a product", 0, "gas.registerProduct");
  for (const size of [1, 1_000, 100_000]) {
    if (m.has(`gas.commission.${size}`))
      add(`commission.${size}`, "commission a lot, both signatures", size, `gas.commission.${size}`, commission);
  }
  for (const size of [1, 1_000, 100_000]) {
    if (m.has(`gas.shipReceive.${size}`))
      add(`shipReceive.${size}`, "ship + receive, contiguous", size, `gas.shipReceive.${size}`, move);
  }
  add(
    "shipReceive.ranges100",
    "ship + receive 100 separate ranges of 10 packs",
    m.get("gas.shipReceive.ranges100.packs"),
    "gas.shipReceive.ranges100",
    move,
  );
  add(
    "transport",
    "ship, pick up, hand over, receive (transporter)",
    m.get("gas.transport.packs"),
    "gas.transport.total",
    { ...move, basis: "a move (no transporter step); " },
  );
  add("dispense.1", "dispense one pack with its proof", 1, "gas.dispense.1", { ...move, basis: "a one-pack move; " });
  add("decommissionRange.1000", "decommission a range", 1_000, "gas.decommissionRange.1000", {
    ...move,
    basis: "a move of each pack; ",
  });
  add("undoDecommission.1000", "undo that decommission", 1_000, "gas.undoDecommission.1000");
  add("quarantineClear.1000", "quarantine a range, then clear it", 1_000, "gas.quarantineClear.1000");
  add("recall", "recall a lot", 1_000, "gas.recall");
  add("verify.1", "verify one pack (estimate of a transaction)", 1, "gas.verify.1");
  add("verifyBatch.100", "verify 100 packs at once (estimate)", 100, "gas.verifyBatch.100");
  return rows;
}

/** Adds `compare.<key>.*` and `ratio.<key>.*` to the flat metrics. */
export function flattenComparisons(m: Metrics, rows: readonly Comparison[]): void {
  for (const r of rows) {
    if (r.perSlot === null || r.erc721 === null) continue;
    const extrapolated = r.packs > 1;
    m.set(`compare.${r.key}.ours`, r.ours);
    m.set(`compare.${r.key}.perSlot`, r.perSlot, { extrapolated });
    m.set(`compare.${r.key}.erc721`, r.erc721, { extrapolated });
    m.set(`ratio.${r.key}.perSlot`, r.ratioPerSlot!, { extrapolated });
    m.set(`ratio.${r.key}.erc721`, r.ratioErc721!, { extrapolated });
  }
}

export function targets(m: Metrics): Target[] {
  const commissionMetric = ["gas.commission.1", "gas.commission.1000", "gas.commission.100000"]
    .filter((n) => m.has(n))
    .reduce((a, b) => (m.get(a) >= m.get(b) ? a : b));
  const list: [string, string, number, string][] = [
    ["commission, at any size (the largest of 1, 1,000, 100,000 packs)", commissionMetric, 200_000, "gas"],
    ["ship + receive of 100,000 packs", "gas.shipReceive.100000", 150_000, "gas"],
    ["dispense one pack", "gas.dispense.1", 90_000, "gas"],
    ["ship + receive half of a fresh 1,000-pack lot (the first split)", "gas.shipReceive.partial", 150_000, "gas"],
    ["each further range of 10 packs in a shipment, cut from a run's middle", "gas.ship.perExtraRange", 30_000, "gas"],
    ["dispense one pack of a 1,048,576-pack lot (20-level proof)", "gas.dispense.1048576", 90_000, "gas"],
    ["verify without a hint, lot of 10,000 runs (estimate)", "gas.verify.noHint.10000runs", 2_000_000, "gas"],
    ["verify one pack, p95", "verify.p95.ms", 10, "ms"],
    ["build the manifest of 1,000,000 serials", "manifest.1000000.seconds", 20, "s"],
    ["storage slots written moving 100,000 packs", "slots.shipReceive.100000", 10, "slots"],
  ];
  return list
    .filter(([, metric]) => m.has(metric))
    .map(([name, metric, limit, unit]) => {
      const value = m.get(metric);
      return {
        name,
        metric,
        value,
        limit,
        unit,
        met: value <= limit,
        margin: Math.round((value - limit) * 1000) / 1000,
        marginPercent: Math.round(((value - limit) / limit) * 1000) / 10,
      };
    });
}

const int = (n: number): string => Math.round(n).toLocaleString("en");
const ratio = (n: number | null): string =>
  n === null ? "" : n >= 100 ? `${int(n)}×` : `${n.toFixed(n >= 10 ? 1 : 2)}×`;
const num = (n: number, digits = 2): string =>
  n.toLocaleString("en", { minimumFractionDigits: digits, maximumFractionDigits: digits });
const star = (m: Metrics, name: string): string => (m.extrapolated.has(name) ? " *" : "");

function table(head: string[], rows: string[][], align: ("l" | "r")[]): string {
  const line = (cells: string[]): string => `| ${cells.join(" | ")} |`;
  return [line(head), line(align.map((a) => (a === "r" ? "---:" : "---"))), ...rows.map(line)].join("\n");
}

export interface MarkdownInput {
  metrics: Metrics;
  comparisons: Comparison[];
  targets: Target[];
  quick: boolean;
  environment: Environment;
  compiler: { version: string; optimizer: unknown; viaIR: boolean; evmVersion: string };
  hardfork: string;
  seconds: number;
}

/** The generated part of BENCHMARKS.md (and what the run prints). */
export function markdown(input: MarkdownInput): string {
  const m = input.metrics;
  const env = input.environment;
  const out: string[] = [];
  out.push(
    `Run of ${env.date.slice(0, 10)}${input.quick ? " (QUICK: small sizes, not for comparison)" : ""}, commit ` +
      `\`${(env.gitCommit ?? "unknown").slice(0, 12)}\`${env.gitDirty ? " with uncommitted changes" : ""}, in ${num(input.seconds / 60, 1)} minutes: ` +
      `${env.cpu} (${env.cpuCount} cores), ${env.memoryGiB} GiB, ${env.os}, Node ${env.node}, ` +
      `load average ${env.loadAverageAtStart?.[0] ?? "?"} at the start and ${env.loadAverageAtEnd?.[0] ?? "?"} at the end (1 minute). ` +
      `Hardhat network, hardfork ${input.hardfork}; solc ${input.compiler.version}, optimizer ${JSON.stringify(input.compiler.optimizer)}, ` +
      `viaIR ${input.compiler.viaIR}, evmVersion ${input.compiler.evmVersion}. Figures marked * are extrapolated, not measured.`,
  );

  out.push("\n### Gas\n");
  out.push(
    table(
      ["operation", "packs", "PharmaChain", "one slot a pack", "ratio", "ERC-721 a pack", "ratio"],
      input.comparisons.map((r) => [
        r.operation,
        r.packs === 0 ? "" : int(r.packs),
        int(r.ours),
        r.perSlot === null ? "" : int(r.perSlot) + (r.packs > 1 ? " *" : ""),
        ratio(r.ratioPerSlot),
        r.erc721 === null ? "" : int(r.erc721) + (r.packs > 1 ? " *" : ""),
        ratio(r.ratioErc721),
      ]),
      ["l", "r", "r", "r", "r", "r", "r"],
    ),
  );
  out.push(
    `\nParts: stakeholder ${int(m.get("gas.registerStakeholder.apply"))} (apply) + ${int(m.get("gas.registerStakeholder.approve"))} (approve); ` +
      `product ${int(m.get("gas.registerProduct.register"))} + ${int(m.get("gas.registerProduct.approve"))}; ` +
      `ship + receive of 100,000 packs ${int(m.get("gas.ship.100000"))} + ${int(m.get("gas.receive.100000"))}; ` +
      `100 ranges ${int(m.get("gas.ship.ranges100"))} + ${int(m.get("gas.receive.ranges100"))}; ` +
      `transporter ${int(m.get("gas.transport.ship"))} + ${int(m.get("gas.transport.pickUp"))} + ${int(m.get("gas.transport.handOver"))} + ${int(m.get("gas.transport.receive"))}; ` +
      `quarantine ${int(m.get("gas.quarantine.1000"))} + clear ${int(m.get("gas.clearSuspect.1000"))}. ` +
      `Dispensing the next pack: ${int(m.get("gas.dispense.next"))} (the proof has ${m.get("gas.dispense.proofLevels")} levels). ` +
      `Verify without a hint, in a lot of ${m.get("gas.verify.lotRuns")} runs: ${int(m.get("gas.verify.1.noHint"))}; ` +
      `the 100-pack batch is ${int(m.get("gas.verifyBatch.100.perPack"))} a pack.`,
  );
  out.push(
    `\nBaselines, a pack: one slot a pack commissions at ${int(m.get("baseline.perSlot.commission.perPack"))} ` +
      `(${int(m.get("baseline.perSlot.commission.batch"))} packs a transaction; one pack alone ${int(m.get("baseline.perSlot.commission.1pack"))}) ` +
      `and moves at ${int(m.get("baseline.perSlot.move.perPack"))} (${int(m.get("baseline.perSlot.move.batch"))} a transaction; alone ${int(m.get("baseline.perSlot.move.1pack"))}); ` +
      `ERC-721 mints at ${int(m.get("baseline.erc721.mint.perPack"))} (${int(m.get("baseline.erc721.mint.batch"))} a transaction; alone ${int(m.get("baseline.erc721.mint.1pack"))}) ` +
      `and transfers at ${int(m.get("baseline.erc721.transfer.perPack"))} (${int(m.get("baseline.erc721.transfer.batch"))} a transaction; alone ${int(m.get("baseline.erc721.transfer.1pack"))}). ` +
      `100,000 packs take ${int(m.get("baseline.perSlot.commission.100000.txs"))} + ${int(m.get("baseline.perSlot.move.100000.txs"))} transactions with one slot a pack, ` +
      `${int(m.get("baseline.erc721.mint.100000.txs"))} + ${int(m.get("baseline.erc721.transfer.100000.txs"))} with ERC-721; PharmaChain 1 + 2.`,
  );

  out.push("\n### Storage written (state growth)\n");
  const slots = (prefix: string): string[] => [
    int(m.get(prefix)) + star(m, prefix),
    int(m.get(`${prefix}.changed`)) + star(m, `${prefix}.changed`),
    int(m.get(`${prefix}.created`)) + star(m, `${prefix}.created`),
    int(m.get(`${prefix}.sstores`)) + star(m, `${prefix}.sstores`),
  ];
  out.push(
    table(
      ["100,000 packs", "slots written", "of which changed", "of which new", "SSTOREs"],
      [
        ["PharmaChain: ship + receive", ...slots("slots.shipReceive.100000")],
        ["one slot a pack: move", ...slots("slots.perSlot.move.100000")],
        ["ERC-721: transfer", ...slots("slots.erc721.transfer.100000")],
        [
          "PharmaChain: commission",
          ...[
            int(m.get("slots.commission.100000")),
            "",
            int(m.get("slots.commission.100000.created")),
            int(m.get("slots.commission.100000.sstores")),
          ],
        ],
        ["one slot a pack: commission", ...slots("slots.perSlot.commission.100000")],
        ["ERC-721: mint", ...slots("slots.erc721.mint.100000")],
      ],
      ["l", "r", "r", "r", "r"],
    ),
  );
  out.push(
    `\nPharmaChain's figures are traced (\`debug_traceTransaction\`) on the 100,000-pack transactions themselves; the ` +
      `baselines' from transactions of 10 and 20 packs, extrapolated linearly.`,
  );

  out.push("\n### Verification over JSON-RPC (SDK → `hardhat node` on the same machine)\n");
  const lat = (prefix: string): string[] =>
    ["p50", "p95", "p99", "mean", "max"].map((p) => num(m.get(`${prefix}.${p}.ms`)));
  out.push(
    table(
      [
        `one pack, at random, of a lot of ${int(m.get("verify.lotSize"))} in ${m.get("verify.lotRuns")} runs`,
        "samples",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "mean ms",
        "max ms",
      ],
      [
        ["`verifyPack` with hints (run starts read once)", int(m.get("verify.samples")), ...lat("verify")],
        [
          "… of which inside ethers' provider `call` (HTTP, the node)",
          int(m.get("verify.inProvider.samples")),
          ...lat("verify.inProvider"),
        ],
        [
          "… of which in the SDK and ethers' contract and ABI coding",
          int(m.get("verify.client.samples")),
          ...lat("verify.client"),
        ],
        ["`verifyPack` without hints", int(m.get("verify.noHint.samples")), ...lat("verify.noHint")],
        [
          "with hints, the node logging each request",
          int(m.get("verify.nodeLogging.samples")),
          num(m.get("verify.nodeLogging.p50.ms")),
          num(m.get("verify.nodeLogging.p95.ms")),
          "",
          "",
          "",
        ],
        [
          "the same `eth_call`, encoded beforehand, sent raw",
          int(m.get("verify.rawCall.samples")),
          ...lat("verify.rawCall"),
        ],
        [
          "a bare round trip (`eth_blockNumber`)",
          int(m.get("verify.rpcRoundTrip.samples")),
          ...lat("verify.rpcRoundTrip"),
        ],
      ],
      ["l", "r", "r", "r", "r", "r", "r"],
    ),
  );
  out.push(
    `\n1,000 packs at once (one \`verifyPacks\`, sent as \`verifyBatch\` calls of ${m.get("verify.batch1000.callSize")}, median of ${m.get("verify.batch1000.repeats")}): ` +
      `with hints ${num(m.get("verify.batch1000.seconds"), 2)} s, **${int(m.get("verify.batch1000.perSecond"))} packs a second**` +
      (m.has("verify.batch1000.noHint.seconds")
        ? `; without hints ${num(m.get("verify.batch1000.noHint.seconds"), 2)} s, ${int(m.get("verify.batch1000.noHint.perSecond"))} a second. `
        : ". ") +
      `Of the hinted batch, the node's five calls sent raw take ${num(m.get("verify.batch1000.rawCalls.seconds"), 2)} s` +
      (m.has("verify.batch1000.gas")
        ? ` (${int(m.get("verify.batch1000.gas"))} gas, the node executing ${num(m.get("verify.batch1000.nodeMgasPerSecond"), 1)} million gas a second). `
        : ". ") +
      `The manifest lookup and Merkle proof take ${num(m.get("verify.proofLookup.us"), 1)} µs of each verification.`,
  );

  out.push("\n### Manifests (SDK `Manifest.fromSerials`, 20-character serials, each build in its own process)\n");
  const sizes = Object.keys(m.values)
    .map((k) => /^manifest\.(\d+)\.peakRssMiB$/.exec(k)?.[1])
    .filter((s): s is string => s !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
  out.push(
    table(
      ["serials", "build s", "peak RSS MiB", "RSS before MiB", "RSS with the serials MiB", "a proof µs"],
      sizes.map((s) => [
        int(s),
        num(m.get(`manifest.${s}.seconds`)),
        int(m.get(`manifest.${s}.peakRssMiB`)),
        int(m.get(`manifest.${s}.startRssMiB`)),
        int(m.get(`manifest.${s}.serialsRssMiB`)),
        num(m.get(`manifest.${s}.proof.us`), 1),
      ]),
      ["r", "r", "r", "r", "r", "r"],
    ),
  );
  if (m.extrapolated.has("manifest.1000000.seconds")) {
    out.push(
      `\n1,000,000 serials: ${num(m.get("manifest.1000000.seconds"))} s *, scaled from the largest build by n log n.`,
    );
  }

  out.push("\n### Targets\n");
  out.push(
    table(
      ["target", "limit", "measured", "met", "margin"],
      input.targets.map((t) => {
        const digits = t.unit === "gas" || t.unit === "slots" ? 0 : 2;
        const f = (n: number): string => (digits ? num(n, digits) : int(n));
        return [
          t.name,
          `≤ ${f(t.limit)} ${t.unit}`,
          `${f(t.value)} ${t.unit}${star(m, t.metric)}`,
          t.met ? "yes" : "**no**",
          `${t.margin > 0 ? "+" : ""}${f(t.margin)} (${t.marginPercent > 0 ? "+" : ""}${t.marginPercent} %)`,
        ];
      }),
      ["l", "r", "r", "l", "r"],
    ),
  );
  return out.join("\n");
}
