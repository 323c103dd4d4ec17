/**
 * The on-chain facts of a document's subject, read at request time: whether it exists, the hashes anchored for it (a
 * lot's dataHash, a shipment's noticeHash, an order's documentHash, a quarantine's evidence hash, a stakeholder's
 * licence and metadata hashes, a product's metadata hash), and who is a party to it (what "If involved" needs).
 *
 * Views give what the contracts keep (a lot's dataHash, a stakeholder's hashes, an order's parties); events give what
 * they only emit (a shipment's noticeHash, an order's documentHash, evidence and decision hashes, a product's
 * metadataHash, who ever held a lot's packs).
 */
import { getAddress, isAddress, type EventLog, type Log } from "ethers";
import { NotFoundError, Role, gtin14, gtinToUint64, type PharmaChainClient } from "@pharmachain/sdk";
import { ProblemError } from "../problem";
import type { Anchor, SubjectType } from "./policy";

export interface Subject {
  type: SubjectType;
  /** `lot:0x…` (lowercase), `shipment:N`, `order:N`, `stakeholder:0x…` (lowercase), `product:GTIN-14`. */
  text: string;
  /** The lot id, the shipment or order number, the address, the GTIN-14. */
  key: string;
}

/** Parses a subject as written in the API; throws a 400 problem naming `field`. */
export function parseSubject(value: string, field = "subject"): Subject {
  const m = /^(lot|shipment|order|stakeholder|product):(.+)$/.exec(value.trim());
  const bad = (why: string): never => {
    throw new ProblemError(400, "invalid-subject", `subject "${value}": ${why}`, field);
  };
  if (!m) {
    return bad("write lot:0x…, shipment:N, order:N, stakeholder:0x… or product:GTIN");
  }
  const type = m[1] as SubjectType;
  const key = m[2];
  switch (type) {
    case "lot":
      if (!/^0x[0-9a-fA-F]{64}$/.test(key)) bad("a lot is its id, 0x and 64 hex digits");
      return { type, key: key.toLowerCase(), text: `lot:${key.toLowerCase()}` };
    case "shipment":
    case "order":
      if (!/^[1-9][0-9]{0,18}$/.test(key)) bad(`a ${type} is its number (1 or more)`);
      return { type, key, text: `${type}:${key}` };
    case "stakeholder":
      if (!isAddress(key)) bad("a stakeholder is its address");
      return { type, key: key.toLowerCase(), text: `stakeholder:${key.toLowerCase()}` };
    case "product": {
      let gtin: string;
      try {
        gtin = gtin14(gtinToUint64(key));
      } catch (error) {
        return bad(`not a GTIN: ${(error as Error).message}`);
      }
      return { type, key: gtin, text: `product:${gtin}` };
    }
  }
}

export interface AnchorFact {
  anchor: Anchor;
  hash: string;
  /** Where it was read: `ProductLots.lot(…).dataHash`, `ShipmentCreated` at block N. */
  source: string;
  block: number;
}

export interface Party {
  account: string;
  relation: string;
}

export interface SubjectFacts {
  subject: Subject;
  block: number;
  /** For a stakeholder: its role in the registry; otherwise `*`. */
  subjectRole: string;
  anchors: AnchorFact[];
  parties: Party[];
}

const lower = (a: string): string => a.toLowerCase();
const ZERO_HASH = "0x" + "0".repeat(64);
const ZERO_ADDRESS = "0x" + "0".repeat(40);

/** Reads subjects' facts from the chain, at most once a block per subject (and reader, for stakeholders). */
export class ChainFacts {
  private readonly cache = new Map<string, { block: number; facts: Promise<SubjectFacts> }>();

  constructor(private readonly client: PharmaChainClient) {}

  /** The facts of a subject at the latest block; 404 problem when it is not on chain. */
  async read(subject: Subject, reader?: string): Promise<SubjectFacts> {
    const block = await this.client.provider.getBlockNumber();
    const key = subject.type === "stakeholder" ? `${subject.text}|${reader ?? ""}` : subject.text;
    const cached = this.cache.get(key);
    if (cached && cached.block === block) return cached.facts;
    const facts = this.readAt(subject, block, reader);
    facts.catch(() => this.cache.delete(key));
    this.cache.set(key, { block, facts });
    if (this.cache.size > 10_000) this.cache.delete(this.cache.keys().next().value!);
    return facts;
  }

  private async logs(
    contract: "lots" | "custody" | "orders" | "registry",
    event: string,
    args: unknown[],
    block: number,
  ): Promise<EventLog[]> {
    const c = this.client[contract] as unknown as {
      filters: Record<string, (...a: unknown[]) => unknown>;
      queryFilter(filter: unknown, from: number, to: number): Promise<Array<EventLog | Log>>;
    };
    const found = await c.queryFilter(c.filters[event](...args), 0, block);
    return found.filter((l): l is EventLog => "args" in l);
  }

  private async readAt(subject: Subject, block: number, reader?: string): Promise<SubjectFacts> {
    const unknown = (): never => {
      throw new ProblemError(404, "unknown-subject", `${subject.text} is not on chain`, "subject");
    };
    const anchors: AnchorFact[] = [];
    const parties: Party[] = [];
    const fromLogs = (anchor: Anchor, logs: EventLog[], field: string): void => {
      for (const log of logs) {
        const hash = lower(String(log.args.getValue(field)));
        if (hash !== ZERO_HASH) {
          anchors.push({
            anchor,
            hash,
            source: `${log.eventName} at block ${log.blockNumber}`,
            block: log.blockNumber,
          });
        }
      }
    };
    let subjectRole = "*";
    switch (subject.type) {
      case "lot": {
        const lot = await this.client
          .lot(subject.key)
          .catch((e) => (e instanceof NotFoundError ? unknown() : Promise.reject(e)));
        anchors.push({
          anchor: "lot.dataHash",
          hash: lower(lot.dataHash),
          source: "ProductLots.lot().dataHash",
          block,
        });
        parties.push({ account: lower(lot.manufacturer), relation: "manufacturer" });
        const [recalls, quarantines, suspicions, cleared, proposed, illegitimate, shipped] = await Promise.all([
          this.logs("lots", "LotRecalled", [subject.key], block),
          this.logs("custody", "PacksQuarantined", [subject.key], block),
          this.logs("custody", "SuspicionReported", [subject.key], block),
          this.logs("custody", "PacksCleared", [subject.key], block),
          this.logs("custody", "IllegitimacyProposed", [subject.key], block),
          this.logs("custody", "PacksIllegitimate", [subject.key], block),
          this.logs("custody", "PacksShipped", [subject.key], block),
        ]);
        fromLogs("lot.recallReasonHash", recalls, "reasonHash");
        fromLogs("lot.evidenceHash", quarantines, "evidenceHash");
        fromLogs("lot.evidenceHash", suspicions, "evidenceHash");
        fromLogs("lot.decisionHash", cleared, "decisionHash");
        fromLogs("lot.decisionHash", proposed, "decisionHash");
        fromLogs("lot.decisionHash", illegitimate, "decisionHash");
        for (const log of [...quarantines, ...suspicions]) {
          parties.push({ account: lower(String(log.args.getValue("holder"))), relation: "holder" });
        }
        // who held the lot's packs: the sellers and transporters of every shipment of them, the buyers that received
        const ids = [...new Set(shipped.map((l) => BigInt(l.args.getValue("shipmentId"))))];
        await Promise.all(
          ids.map(async (id) => {
            const [created] = await this.logs("custody", "ShipmentCreated", [id], block);
            if (!created) return;
            parties.push({ account: lower(String(created.args.getValue("seller"))), relation: "holder" });
            const transporter = lower(String(created.args.getValue("transporter")));
            if (transporter !== ZERO_ADDRESS) parties.push({ account: transporter, relation: "transporter" });
            const received = await this.logs("custody", "ShipmentReceived", [id], block);
            if (received.length > 0) {
              parties.push({ account: lower(String(created.args.getValue("buyer"))), relation: "holder" });
            }
          }),
        );
        break;
      }
      case "shipment": {
        const [created] = await this.logs("custody", "ShipmentCreated", [BigInt(subject.key)], block);
        if (!created) unknown();
        fromLogs("shipment.noticeHash", [created], "noticeHash");
        parties.push({ account: lower(String(created.args.getValue("seller"))), relation: "seller" });
        parties.push({ account: lower(String(created.args.getValue("buyer"))), relation: "buyer" });
        const { transporter } = await this.client.shipment(BigInt(subject.key));
        for (const t of [String(created.args.getValue("transporter")), transporter]) {
          if (lower(t) !== ZERO_ADDRESS) parties.push({ account: lower(t), relation: "transporter" });
        }
        break;
      }
      case "order": {
        const order = await this.client
          .order(BigInt(subject.key))
          .catch((e) => (e instanceof NotFoundError ? unknown() : Promise.reject(e)));
        parties.push({ account: lower(order.seller), relation: "seller" });
        parties.push({ account: lower(order.buyer), relation: "buyer" });
        const [placed, amended] = await Promise.all([
          this.logs("orders", "OrderPlaced", [BigInt(subject.key)], block),
          this.logs("orders", "OrderAmended", [BigInt(subject.key)], block),
        ]);
        fromLogs("order.documentHash", placed, "documentHash");
        fromLogs("order.documentHash", amended, "documentHash");
        // the transporters of the shipments that filled it carried the order
        const filled = await this.logs("orders", "OrderShipped", [BigInt(subject.key)], block);
        const carriers = await Promise.all(
          filled.map((l) => this.client.shipment(BigInt(l.args.getValue("shipmentId")))),
        );
        for (const { transporter } of carriers) {
          if (lower(transporter) !== ZERO_ADDRESS)
            parties.push({ account: lower(transporter), relation: "transporter" });
        }
        break;
      }
      case "stakeholder": {
        const s = await this.client.stakeholder(getAddress(subject.key));
        if (s.role === Role.None) unknown();
        subjectRole = Role[s.role];
        anchors.push({
          anchor: "stakeholder.licenceHash",
          hash: lower(s.licenceHash),
          source: "StakeholderRegistry.stakeholder().licenceHash",
          block,
        });
        anchors.push({
          anchor: "stakeholder.metadataHash",
          hash: lower(s.metadataHash),
          source: "StakeholderRegistry.stakeholder().metadataHash",
          block,
        });
        parties.push({ account: subject.key, relation: "self" });
        // a trading partner of the reader: a shipment between the two (either of them seller, buyer or transporter) or
        // an order between them
        if (reader && lower(reader) !== subject.key) {
          const r = getAddress(reader);
          const s2 = getAddress(subject.key);
          const pair = new Set([lower(r), subject.key]);
          const [shipments, placed, placedBack] = await Promise.all([
            Promise.all([
              this.logs("custody", "ShipmentCreated", [null, s2, null], block),
              this.logs("custody", "ShipmentCreated", [null, null, s2], block),
              this.logs("custody", "ShipmentCreated", [null, r, null], block),
              this.logs("custody", "ShipmentCreated", [null, null, r], block),
            ]),
            this.logs("orders", "OrderPlaced", [null, s2, r], block),
            this.logs("orders", "OrderPlaced", [null, r, s2], block),
          ]);
          const traded = shipments.flat().some((l) => {
            const sides = ["seller", "buyer", "transporter"].map((f) => lower(String(l.args.getValue(f))));
            return [...pair].every((a) => sides.includes(a));
          });
          if (traded || placed.length > 0 || placedBack.length > 0) {
            parties.push({ account: lower(reader), relation: "tradingPartner" });
          }
        }
        break;
      }
      case "product": {
        const gtin = gtinToUint64(subject.key);
        const product = await this.client.product(gtin);
        if (lower(product.manufacturer) === ZERO_ADDRESS) unknown();
        parties.push({ account: lower(product.manufacturer), relation: "manufacturer" });
        fromLogs("product.metadataHash", await this.logs("lots", "ProductRegistered", [gtin], block), "metadataHash");
        break;
      }
    }
    const seen = new Set<string>();
    const unique = parties.filter((p) => {
      const k = `${p.account}|${p.relation}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
    return { subject, block, subjectRole, anchors, parties: unique };
  }
}
