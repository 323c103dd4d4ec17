/**
 * The pause, role and licence checks of every state-changing function of StakeholderRegistry, ProductLots,
 * PackCustody and TradeOrders, as shared behaviours built from each contract's ABI (test/behaviours/access.ts).
 *
 * One fixture serves the four tables: the trade world (test/helpers/tradeFixture.ts) plus, for each function, the
 * state its call needs (a pending lot, open shipments, a placed order, an open offer, a revoked manufacturer …).
 * Each table says, per function, what it requires; a function added to a contract without an entry here fails the
 * completeness test of its table.
 */
import { ethers } from "hardhat";
import { setBalance, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { Signer } from "ethers";
import {
  ADMIN_DELAY,
  GTIN,
  NO_SIGNATURE,
  PackState,
  Role,
  ShipmentStatus,
  attestationFor,
  bytes32,
  commission,
  domainOf,
  packProof,
  range,
  serialsFor,
  sig,
} from "./helpers/fixture";
import {
  PRICE,
  TradeLot,
  TradeWorld,
  US,
  USD,
  confirmedOrder,
  later,
  placeOrder,
  tradeWorld,
} from "./helpers/tradeFixture";
import { Manifest } from "../sdk/src/manifest";
import { gs1CheckDigit } from "../sdk/src/gs1";
import { LotAttestation, signLotAttestation } from "../sdk/src/attestation";
import { AccessSubject, AccessTable, err, shouldBehaveLikeAccessChecked } from "./behaviours/access";

const ZERO = ethers.ZeroAddress;
const HASH = bytes32("access: a document");
/** A GLN with a valid check digit (test/fixtures/gs1/vectors.md). */
const GLN = 614141073467n;
/** A signing key the manufacturer authorised (an address is all the contract keeps). */
const KEY = "0x000000000000000000000000000000000000bEEF";
/** A role of OpenZeppelin's AccessControl other than the admin's, which the registry itself never uses. */
const SOME_ROLE = bytes32("access: some role");

/** A GTIN-14 made of a 13-digit body and its check digit. */
function gtinOf(body: string): bigint {
  return BigInt(body + gs1CheckDigit(body));
}

interface AccessWorld extends TradeWorld {
  /** Applied as a distributor, not yet approved. */
  applicant: HardhatEthersSigner;
  /** No record in the registry. */
  newcomer: HardhatEthersSigner;
  /** The council's successor, whose admin transfer is due. */
  pendingAdmin: HardhatEthersSigner;
  /** A manufacturer revoked (two keys), owner of `oldGtin`. */
  oldMaker: HardhatEthersSigner;
  oldGtin: bigint;
  /** A distributor suspended by a regulator. */
  suspendedTrader: HardhatEthersSigner;
  /** A regulator suspended by the council. */
  regulator3: HardhatEthersSigner;
  /** The order book's only reporter, impersonated. */
  custodyAccount: HardhatEthersSigner;
  /** Registered by `manufacturer`, not yet approved or rejected. */
  proposedGtin: bigint;
  /** Valid and unregistered. */
  newGtin: bigint;
  /** A lot signed by both, not yet commissioned. */
  newLot: { att: LotAttestation; manufacturerSig: string; regulatorSig: string };
  /** A lot signed by its manufacturer only (pending), and the regulator's signature that would release it. */
  pendingLot: { att: LotAttestation; regulatorSig: string };
  /** A released lot, recalled. */
  recalledLotId: string;
  /** lotA [0, 5) to `distributor`, no transporter, open. */
  openShipment: bigint;
  /** lotA [5, 10) to `distributor` through `transporter`, not picked up. */
  toPickUp: bigint;
  /** lotA [10, 15) to `distributor` through `transporter`, picked up. */
  pickedUp: bigint;
  /** lotA [15, 17) to `distributor` for `shippedOrder`, open. */
  orderShipment: bigint;
  /** `distributor` orders 10 packs of GTIN from `manufacturer`: placed. */
  placedOrder: bigint;
  /** `distributor` orders 5 packs of GTIN from `manufacturer`: confirmed. */
  confirmedOrder: bigint;
  /** `distributor` orders 2 packs of GTIN from `manufacturer`: confirmed, shipped in `orderShipment`. */
  shippedOrder: bigint;
  /** `manufacturer` offers GTIN to `distributor`: open. */
  openOffer: bigint;
  deliverBy: bigint;
  validUntil: bigint;
}

/**
 * The one fixture of this file. In lotB (20 packs, held by `manufacturer`): pack 10 exported (undoable), packs
 * [15, 17) quarantined, pack 18 destroyed, pack 19 confirmed illegitimate (two keys); the rest active.
 */
async function accessFixture(): Promise<AccessWorld> {
  const t = await tradeWorld(20);
  const signers = await ethers.getSigners();
  const [applicant, newcomer, pendingAdmin, oldMaker, suspendedTrader, regulator3] = signers.slice(12, 18);
  const { registry, lots, custody, orders, council, regulator, regulator2, manufacturer, distributor } = t;

  // The admin transfer first: its delay moves the clock, before anything below that expires.
  await registry.connect(council).beginDefaultAdminTransfer(pendingAdmin.address);
  await time.increase(ADMIN_DELAY + 1n);

  // Registry: an applicant, a suspended trader, a suspended regulator, a revoked manufacturer with a product, and a
  // proposed revocation.
  const until = t.licenceUntil;
  await registry.connect(applicant).applyForRole(Role.Distributor, HASH, 0, US, HASH);
  await registry.connect(suspendedTrader).applyForRole(Role.Distributor, HASH, 0, US, HASH);
  await registry.connect(regulator).approve(suspendedTrader.address, until);
  await registry.connect(regulator).suspend(suspendedTrader.address, HASH);
  await registry.connect(council).appointRegulator(regulator3.address, HASH, 0, US, until);
  await registry.connect(council).suspend(regulator3.address, HASH);
  const oldGtin = gtinOf("0061414177777");
  await registry.connect(oldMaker).applyForRole(Role.Manufacturer, HASH, 0, US, HASH);
  await registry.connect(regulator).approve(oldMaker.address, until);
  await lots.connect(oldMaker).registerProduct(oldGtin, HASH);
  await lots.connect(regulator).approveProduct(oldGtin);
  await registry.connect(regulator).revoke(oldMaker.address, HASH);
  await registry.connect(regulator2).revoke(oldMaker.address, HASH);
  await registry.connect(regulator).revoke(t.distributor2.address, HASH);

  // Products and lots.
  const proposedGtin = gtinOf("0061414188888");
  await lots.connect(manufacturer).registerProduct(proposedGtin, HASH);
  await lots.connect(manufacturer).setSigner(KEY, true);
  const domain = await domainOf(t);
  const newAtt = await attestationFor(t, Manifest.fromSerials(serialsFor("ACC-N-", 4)), { lotNumber: "ACC-NEW" });
  const newLot = {
    att: newAtt,
    manufacturerSig: await signLotAttestation(manufacturer, domain, newAtt),
    regulatorSig: await signLotAttestation(regulator, domain, newAtt),
  };
  const pendingAtt = await attestationFor(t, Manifest.fromSerials(serialsFor("ACC-P-", 4)), {
    lotNumber: "ACC-PEND",
  });
  await lots
    .connect(manufacturer)
    .commissionLot(
      pendingAtt,
      sig(manufacturer.address, await signLotAttestation(manufacturer, domain, pendingAtt)),
      NO_SIGNATURE,
    );
  const pendingLot = { att: pendingAtt, regulatorSig: await signLotAttestation(regulator, domain, pendingAtt) };
  const { lotId: recalledLotId } = await commission(t, Manifest.fromSerials(serialsFor("ACC-R-", 4)), {
    lotNumber: "ACC-REC",
  });
  await lots.connect(regulator).recallLot(recalledLotId, HASH);

  // Custody: shipments in each open status, and lotB's exported, suspect and destroyed packs.
  const lotA = t.lotA.lotId;
  const lotB = t.lotB.lotId;
  const ship = async (r: ReturnType<typeof range>, transporter = ZERO) => {
    await custody.connect(manufacturer).ship(distributor.address, transporter, HASH, [r]);
    return custody.shipmentCount();
  };
  const openShipment = await ship(range(lotA, 0, 5));
  const toPickUp = await ship(range(lotA, 5, 10), t.transporter.address);
  const pickedUp = await ship(range(lotA, 10, 15), t.transporter.address);
  await custody.connect(t.transporter).pickUp(pickedUp, GLN);
  await custody.connect(manufacturer).decommissionRange(range(lotB, 10, 11), PackState.Exported);
  await custody.connect(manufacturer).quarantine([range(lotB, 15, 17)], HASH);
  await custody.connect(manufacturer).decommissionRange(range(lotB, 18, 19), PackState.Destroyed);
  await custody.connect(manufacturer).quarantine([range(lotB, 19, 20)], HASH);
  await custody.connect(regulator).confirmIllegitimate([range(lotB, 19, 20)], HASH);
  await custody.connect(regulator2).confirmIllegitimate([range(lotB, 19, 20)], HASH);

  // Orders and offers.
  const deliverBy = await later();
  const placed = await placeOrder(t, distributor, manufacturer, { quantity: 10 });
  const confirmed = await confirmedOrder(t, distributor, manufacturer, { quantity: 5 });
  const shippedOrder = await confirmedOrder(t, distributor, manufacturer, { quantity: 2 });
  await custody
    .connect(manufacturer)
    .shipForOrder(shippedOrder, distributor.address, ZERO, HASH, [range(lotA, 15, 17)], [t.lotA.lotNumber]);
  const orderShipment = await custody.shipmentCount();
  const validUntil = await later();
  await orders.connect(manufacturer).offerPrice(distributor.address, GTIN, PRICE, USD, validUntil, HASH);
  const openOffer = await orders.offerCount();

  // The order book's reporter, impersonated to call onShipped and onShipmentSettled as custody does.
  const custodyAddress = await custody.getAddress();
  await setBalance(custodyAddress, ethers.parseEther("1"));
  const custodyAccount = await ethers.getImpersonatedSigner(custodyAddress);

  return {
    ...t,
    applicant,
    newcomer,
    pendingAdmin,
    oldMaker,
    oldGtin,
    suspendedTrader,
    regulator3,
    custodyAccount,
    proposedGtin,
    newGtin: gtinOf("0061414166666"),
    newLot,
    pendingLot,
    recalledLotId,
    openShipment,
    toPickUp,
    pickedUp,
    orderShipment,
    placedOrder: placed,
    confirmedOrder: confirmed,
    shippedOrder,
    openOffer,
    deliverBy,
    validUntil,
  };
}

// ------------------------------------------------------------------ licences and the pause switch

async function ruler(w: AccessWorld, party: Signer): Promise<HardhatEthersSigner> {
  const { role } = await w.registry.stakeholder(await party.getAddress());
  // A regulator's record is the council's to rule on; anyone else's a regulator's (the second one, which no case
  // below has suspended).
  return role === BigInt(Role.Regulator) ? w.council : w.regulator2;
}

async function suspendParty(w: AccessWorld, party: Signer): Promise<void> {
  await w.registry.connect(await ruler(w, party)).suspend(await party.getAddress(), HASH);
}

async function lapseParty(w: AccessWorld, party: Signer): Promise<void> {
  // The renewal is mined at a timestamp set here, so that a slow run (under coverage) cannot pass `until` first.
  const now = BigInt(await time.latest());
  const ruling = w.registry.connect(await ruler(w, party));
  await time.setNextBlockTimestamp(now + 1n);
  await ruling.renew(await party.getAddress(), now + 2n, HASH);
  await time.increaseTo(now + 3n);
}

async function pauseProtocol(w: AccessWorld): Promise<void> {
  if (!(await w.registry.paused())) await w.registry.connect(w.council).pause();
}

function subject(name: string, contract: AccessSubject<AccessWorld>["contract"]): AccessSubject<AccessWorld> {
  return {
    name,
    fixture: accessFixture,
    contract,
    pauseError: "ProtocolPaused",
    pause: pauseProtocol,
    suspend: suspendParty,
    lapse: lapseParty,
  };
}

/** `UnauthorisedAccount(account, role)`, the protocol's role error. */
async function unauthorised(account: Signer, role: Role) {
  return err("UnauthorisedAccount", await account.getAddress(), role);
}

/** The rule of a function any authorised trader may call: the caller's own role in the error. */
const traderLicence = {
  with: async (w: AccessWorld, party: Signer) => {
    const { role } = await w.registry.stakeholder(await party.getAddress());
    return unauthorised(party, Number(role) as Role);
  },
};

// ------------------------------------------------------------------ StakeholderRegistry

const councilOnly = {
  refused: (w: AccessWorld) => w.regulator,
  with: async (_w: AccessWorld, caller: Signer) =>
    err("AccessControlUnauthorizedAccount", await caller.getAddress(), ethers.ZeroHash),
};
const regulatorOnly = {
  refused: (w: AccessWorld) => w.manufacturer,
  with: (_w: AccessWorld, caller: Signer) => unauthorised(caller, Role.Regulator),
};
const regulatorLicence = { with: (_w: AccessWorld, party: Signer) => unauthorised(party, Role.Regulator) };
const COUNCIL = { none: "the council (the registry's admin) holds no licence" };
const ADMIN_NOT_PAUSED = {
  allowed: "OpenZeppelin's admin functions are not gated: the council's handover must work in an emergency",
};

const registryTable: AccessTable<AccessWorld> = {
  appointRegulator: {
    call: async (w) => ({
      caller: w.council,
      args: [w.newcomer.address, HASH, 0, US, await later()],
    }),
    role: councilOnly,
    licence: COUNCIL,
  },
  pause: {
    call: (w) => ({ caller: w.council, args: [] }),
    pause: { refused: err("EnforcedPause") },
    role: councilOnly,
    licence: COUNCIL,
  },
  unpause: {
    before: pauseProtocol,
    call: (w) => ({ caller: w.council, args: [] }),
    pause: { allowed: "unpausing is what it is for" },
    role: councilOnly,
    licence: COUNCIL,
  },
  applyForRole: {
    call: (w) => ({ caller: w.newcomer, args: [Role.Dispenser, HASH, 0, US, HASH] }),
    role: { anyone: "any account without a record applies" },
    licence: { none: "an applicant has no licence yet" },
  },
  updateMetadata: {
    call: (w) => ({ caller: w.distributor, args: [HASH] }),
    role: {
      refused: (w) => w.newcomer,
      with: async (_w, caller) => err("RegistryUnknownStakeholder", await caller.getAddress()),
    },
    licence: { allowed: "a stakeholder keeps its own metadata current in any standing but revoked" },
  },
  approve: {
    call: async (w) => ({ caller: w.regulator, args: [w.applicant.address, await later()] }),
    role: regulatorOnly,
    licence: regulatorLicence,
  },
  suspend: [
    {
      name: "a regulator suspends a trader",
      call: (w) => ({ caller: w.regulator, args: [w.distributor.address, HASH] }),
      role: regulatorOnly,
      licence: regulatorLicence,
    },
    {
      name: "the council suspends a regulator",
      call: (w) => ({ caller: w.council, args: [w.regulator2.address, HASH] }),
      pause: { allowed: "the council's remedy against a rogue regulator" },
      role: {
        refused: (w) => w.regulator,
        with: (w) => err("RegistryNotAllowed", w.regulator.address, w.regulator2.address),
      },
      licence: COUNCIL,
    },
  ],
  reinstate: [
    {
      name: "a regulator reinstates a trader",
      call: (w) => ({ caller: w.regulator, args: [w.suspendedTrader.address] }),
      role: regulatorOnly,
      licence: regulatorLicence,
    },
    {
      name: "the council reinstates a regulator",
      call: (w) => ({ caller: w.council, args: [w.regulator3.address] }),
      role: {
        refused: (w) => w.regulator,
        with: (w) => err("RegistryNotAllowed", w.regulator.address, w.regulator3.address),
      },
      licence: COUNCIL,
    },
  ],
  renew: [
    {
      name: "a regulator renews a trader",
      call: async (w) => ({ caller: w.regulator, args: [w.distributor.address, await later(), HASH] }),
      role: regulatorOnly,
      licence: regulatorLicence,
    },
    {
      name: "the council renews a regulator",
      call: async (w) => ({ caller: w.council, args: [w.regulator2.address, await later(), HASH] }),
      role: {
        refused: (w) => w.regulator,
        with: (w) => err("RegistryNotAllowed", w.regulator.address, w.regulator2.address),
      },
      licence: COUNCIL,
    },
  ],
  revoke: [
    {
      name: "a regulator proposes revoking a trader",
      call: (w) => ({ caller: w.regulator, args: [w.distributor.address, HASH] }),
      role: regulatorOnly,
      licence: regulatorLicence,
    },
    {
      name: "a second regulator confirms a proposed revocation",
      call: (w) => ({ caller: w.regulator2, args: [w.distributor2.address, HASH] }),
      role: {
        refused: (w) => w.regulator,
        with: (w) => err("RegistrySameApprover", w.distributor2.address, w.regulator.address),
      },
      licence: regulatorLicence,
    },
    {
      name: "the council revokes a regulator",
      call: (w) => ({ caller: w.council, args: [w.regulator2.address, HASH] }),
      pause: { allowed: "the council's remedy against a rogue regulator" },
      role: {
        refused: (w) => w.regulator,
        with: (w) => err("RegistryNotAllowed", w.regulator.address, w.regulator2.address),
      },
      licence: COUNCIL,
    },
  ],
  // OpenZeppelin's AccessControlDefaultAdminRules.
  beginDefaultAdminTransfer: {
    call: (w) => ({ caller: w.council, args: [w.newcomer.address] }),
    pause: ADMIN_NOT_PAUSED,
    role: councilOnly,
    licence: COUNCIL,
  },
  acceptDefaultAdminTransfer: {
    call: (w) => ({ caller: w.pendingAdmin, args: [] }),
    pause: ADMIN_NOT_PAUSED,
    role: {
      refused: (w) => w.newcomer,
      with: (w) => err("AccessControlInvalidDefaultAdmin", w.newcomer.address),
    },
    licence: COUNCIL,
  },
  cancelDefaultAdminTransfer: {
    call: (w) => ({ caller: w.council, args: [] }),
    pause: ADMIN_NOT_PAUSED,
    role: councilOnly,
    licence: COUNCIL,
  },
  changeDefaultAdminDelay: {
    call: (w) => ({ caller: w.council, args: [ADMIN_DELAY * 2n] }),
    pause: ADMIN_NOT_PAUSED,
    role: councilOnly,
    licence: COUNCIL,
  },
  rollbackDefaultAdminDelay: {
    call: (w) => ({ caller: w.council, args: [] }),
    pause: ADMIN_NOT_PAUSED,
    role: councilOnly,
    licence: COUNCIL,
  },
  grantRole: {
    call: (w) => ({ caller: w.council, args: [SOME_ROLE, w.newcomer.address] }),
    pause: ADMIN_NOT_PAUSED,
    role: councilOnly,
    licence: COUNCIL,
  },
  revokeRole: {
    call: (w) => ({ caller: w.council, args: [SOME_ROLE, w.newcomer.address] }),
    pause: ADMIN_NOT_PAUSED,
    role: councilOnly,
    licence: COUNCIL,
  },
  renounceRole: {
    call: (w) => ({ caller: w.newcomer, args: [SOME_ROLE, w.newcomer.address] }),
    pause: { allowed: "an account may always give up its own roles" },
    role: { refused: (w) => w.outsider, with: () => err("AccessControlBadConfirmation") },
    licence: { none: "the registry's OpenZeppelin roles carry no licence" },
  },
};

shouldBehaveLikeAccessChecked(
  subject("StakeholderRegistry", (w) => w.registry),
  registryTable,
);

// ------------------------------------------------------------------ ProductLots

const manufacturerOnly = {
  refused: (w: AccessWorld) => w.distributor,
  with: (_w: AccessWorld, caller: Signer) => unauthorised(caller, Role.Manufacturer),
};
const manufacturerLicence = { with: (_w: AccessWorld, party: Signer) => unauthorised(party, Role.Manufacturer) };
const councilOfLots = {
  refused: (w: AccessWorld) => w.regulator,
  with: async (_w: AccessWorld, caller: Signer) => err("LotsNotCouncil", await caller.getAddress()),
};
/** The regulator whose signature a lot carries: its standing is checked when the lot is released. */
const regulatorSignerLicence = {
  of: (w: AccessWorld) => w.regulator,
  with: (w: AccessWorld) => err("LotsInvalidSigner", w.regulator.address, true),
};

const lotsTable: AccessTable<AccessWorld> = {
  registerProduct: {
    call: (w) => ({ caller: w.manufacturer, args: [w.newGtin, HASH] }),
    role: manufacturerOnly,
    licence: manufacturerLicence,
  },
  approveProduct: {
    call: (w) => ({ caller: w.regulator, args: [w.proposedGtin] }),
    role: regulatorOnly,
    licence: regulatorLicence,
  },
  rejectProduct: {
    call: (w) => ({ caller: w.regulator, args: [w.proposedGtin, HASH] }),
    role: regulatorOnly,
    licence: regulatorLicence,
  },
  setSigner: [
    {
      name: "authorising a key",
      call: (w) => ({ caller: w.manufacturer, args: [w.outsider.address, true] }),
      role: manufacturerOnly,
      licence: manufacturerLicence,
    },
    {
      name: "withdrawing a key",
      call: (w) => ({ caller: w.manufacturer, args: [KEY, false] }),
      pause: { allowed: "a leaked key must be stoppable whatever else is wrong" },
      role: manufacturerOnly,
      licence: { allowed: "a suspended or lapsed manufacturer still withdraws its own keys" },
    },
  ],
  transferProduct: {
    call: (w) => ({ caller: w.council, args: [w.oldGtin, w.manufacturer2.address] }),
    role: councilOfLots,
    licence: [
      COUNCIL,
      {
        of: (w) => w.manufacturer2,
        with: (w) => err("ProductsInvalidSuccessor", w.oldGtin, w.manufacturer2.address),
      },
    ],
  },
  commissionLot: {
    call: (w) => ({
      caller: w.outsider,
      args: [
        w.newLot.att,
        sig(w.manufacturer.address, w.newLot.manufacturerSig),
        sig(w.regulator.address, w.newLot.regulatorSig),
      ],
    }),
    role: { anyone: "anyone may submit an attestation its signers signed" },
    licence: [{ of: (w) => w.manufacturer, ...manufacturerLicence }, regulatorSignerLicence],
  },
  cosignLot: {
    call: (w) => ({
      caller: w.outsider,
      args: [w.pendingLot.att, sig(w.regulator.address, w.pendingLot.regulatorSig)],
    }),
    role: { anyone: "anyone may submit the missing signature" },
    licence: [{ of: (w) => w.manufacturer, ...manufacturerLicence }, regulatorSignerLicence],
  },
  recallLot: {
    call: (w) => ({ caller: w.regulator, args: [w.lotA.lotId, HASH] }),
    // A recall is a safety action, but not a council's remedy: the pause stops it like any ruling.
    role: {
      refused: (w) => w.distributor,
      with: (_w, caller) => unauthorised(caller, Role.Regulator),
    },
    licence: regulatorLicence,
  },
  voidLot: {
    call: (w) => ({ caller: w.manufacturer, args: [w.pendingLot.att.lotId, HASH] }),
    role: {
      refused: (w) => w.manufacturer2,
      with: (_w, caller) => unauthorised(caller, Role.Regulator),
    },
    // The lot's manufacturer or a regulator: the error names the regulator's role.
    licence: { with: (_w, party) => unauthorised(party, Role.Regulator) },
  },
  liftRecall: {
    call: (w) => ({ caller: w.council, args: [w.recalledLotId, HASH] }),
    pause: { allowed: "the council's remedy for a mistaken recall" },
    role: councilOfLots,
    licence: COUNCIL,
  },
};

shouldBehaveLikeAccessChecked(
  subject("ProductLots", (w) => w.lots),
  lotsTable,
);

// ------------------------------------------------------------------ PackCustody

const notATrader = {
  refused: (w: AccessWorld) => w.transporter,
  with: (_w: AccessWorld, caller: Signer) => unauthorised(caller, Role.None),
};
const notAStakeholder = {
  refused: (w: AccessWorld) => w.outsider,
  with: (_w: AccessWorld, caller: Signer) => unauthorised(caller, Role.None),
};
const buyerLicence = { of: (w: AccessWorld) => w.distributor, ...traderLicence };
const transporterLicence = { with: (_w: AccessWorld, party: Signer) => unauthorised(party, Role.Transporter) };

function proofOf(lot: TradeLot, index: number) {
  return packProof(lot.manifest, lot.lotId, lot.manifest.serials[index], 0);
}

const custodyTable: AccessTable<AccessWorld> = {
  ship: {
    call: (w) => ({ caller: w.manufacturer, args: [w.distributor.address, ZERO, HASH, [range(w.lotB.lotId, 0, 2)]] }),
    role: notATrader,
    licence: [traderLicence, buyerLicence],
  },
  shipForOrder: {
    call: (w) => ({
      caller: w.manufacturer,
      args: [w.confirmedOrder, w.distributor.address, ZERO, HASH, [range(w.lotA.lotId, 17, 20)], [w.lotA.lotNumber]],
    }),
    role: notATrader,
    licence: [traderLicence, buyerLicence],
  },
  pickUp: {
    call: (w) => ({ caller: w.transporter, args: [w.toPickUp, GLN] }),
    role: {
      refused: (w) => w.outsider,
      with: (w, caller) => caller.getAddress().then((a) => err("CustodyNotParty", w.toPickUp, a)),
    },
    licence: transporterLicence,
  },
  handOver: {
    call: (w) => ({ caller: w.transporter, args: [w.pickedUp, GLN] }),
    role: {
      refused: (w) => w.outsider,
      with: (w, caller) => caller.getAddress().then((a) => err("CustodyNotParty", w.pickedUp, a)),
    },
    licence: transporterLicence,
  },
  receiveShipment: {
    call: (w) => ({ caller: w.distributor, args: [w.openShipment] }),
    role: {
      refused: (w) => w.distributor2,
      with: (w) => err("CustodyNotParty", w.openShipment, w.distributor2.address),
    },
    licence: traderLicence,
  },
  rejectShipment: {
    call: (w) => ({ caller: w.distributor, args: [w.openShipment, HASH] }),
    role: {
      refused: (w) => w.distributor2,
      with: (w) => err("CustodyNotParty", w.openShipment, w.distributor2.address),
    },
    licence: traderLicence,
  },
  cancelShipment: {
    call: (w) => ({ caller: w.manufacturer, args: [w.openShipment, range(w.lotA.lotId, 0, 5)] }),
    role: {
      refused: (w) => w.distributor,
      with: (w) => err("CustodyNotParty", w.openShipment, w.distributor.address),
    },
    licence: traderLicence,
  },
  voidShipment: {
    call: (w) => ({ caller: w.regulator, args: [w.openShipment, HASH] }),
    role: regulatorOnly,
    licence: regulatorLicence,
  },
  decommission: {
    call: (w) => ({ caller: w.manufacturer, args: [proofOf(w.lotB, 2), PackState.Destroyed] }),
    role: notATrader,
    licence: traderLicence,
  },
  decommissionRange: {
    call: (w) => ({ caller: w.manufacturer, args: [range(w.lotB.lotId, 3, 5), PackState.Destroyed] }),
    role: notATrader,
    licence: traderLicence,
  },
  undoDecommission: {
    call: (w) => ({ caller: w.manufacturer, args: [range(w.lotB.lotId, 10, 11)] }),
    role: {
      refused: (w) => w.distributor,
      with: (w) => err("CustodyNotHolder", w.lotB.lotId, 10, w.manufacturer.address),
    },
    licence: traderLicence,
  },
  quarantine: {
    call: (w) => ({ caller: w.manufacturer, args: [[range(w.lotB.lotId, 12, 14)], HASH] }),
    role: {
      refused: (w) => w.distributor,
      with: (w) => err("CustodyNotHolder", w.lotB.lotId, 12, w.manufacturer.address),
    },
    licence: traderLicence,
  },
  reportSuspicion: {
    call: (w) => ({ caller: w.distributor, args: [[range(w.lotB.lotId, 0, 5)], HASH] }),
    role: notAStakeholder,
    licence: traderLicence,
  },
  clearSuspect: {
    call: (w) => ({ caller: w.regulator, args: [[range(w.lotB.lotId, 15, 17)], HASH] }),
    role: regulatorOnly,
    licence: regulatorLicence,
  },
  // Two keys: this first call by a regulator proposes (the council, or another regulator, completes it).
  confirmIllegitimate: {
    call: (w) => ({ caller: w.regulator, args: [[range(w.lotB.lotId, 15, 17)], HASH] }),
    role: regulatorOnly,
    licence: regulatorLicence,
  },
  // One report per pack and reporter: the baseline is a first report.
  reportClone: {
    call: (w) => ({ caller: w.distributor, args: [proofOf(w.lotB, 18)] }),
    role: notAStakeholder,
    licence: traderLicence,
  },
  destroyIllegitimate: {
    call: (w) => ({ caller: w.manufacturer, args: [[range(w.lotB.lotId, 19, 20)]] }),
    role: {
      refused: (w) => w.distributor,
      with: (w) => err("CustodyNotHolder", w.lotB.lotId, 19, w.manufacturer.address),
    },
    licence: traderLicence,
  },
};

shouldBehaveLikeAccessChecked(
  subject("PackCustody", (w) => w.custody),
  custodyTable,
);

// ------------------------------------------------------------------ TradeOrders

const sellerLicence = { of: (w: AccessWorld) => w.manufacturer, ...traderLicence };
function notOrderParty(pick: (w: AccessWorld) => HardhatEthersSigner, order: (w: AccessWorld) => bigint) {
  return {
    refused: pick,
    with: (w: AccessWorld) => err("TradeNotOrderParty", order(w), pick(w).address),
  };
}
function notOfferParty(pick: (w: AccessWorld) => HardhatEthersSigner) {
  return { refused: pick, with: (w: AccessWorld) => err("TradeNotOfferParty", w.openOffer, pick(w).address) };
}
const CUSTODY_REPORTS = {
  pause: { allowed: "custody checks the pause (and the parties) before it reports" },
  role: {
    refused: (w: AccessWorld) => w.outsider,
    with: (w: AccessWorld) => err("TradeNotCustody", w.outsider.address),
  },
  licence: { none: "custody, a contract, reports; it checked the parties' standing" },
} as const;

const ordersTable: AccessTable<AccessWorld> = {
  placeOrder: {
    call: (w) => ({ caller: w.distributor, args: [w.manufacturer.address, GTIN, 10, w.deliverBy, HASH] }),
    role: notATrader,
    licence: [traderLicence, sellerLicence],
  },
  amendOrder: {
    call: (w) => ({ caller: w.distributor, args: [w.placedOrder, 12, w.deliverBy, HASH] }),
    role: notOrderParty(
      (w) => w.manufacturer,
      (w) => w.placedOrder,
    ),
    licence: traderLicence,
  },
  confirmOrder: {
    call: (w) => ({ caller: w.manufacturer, args: [w.placedOrder, 10, 0, HASH] }),
    role: notOrderParty(
      (w) => w.distributor,
      (w) => w.placedOrder,
    ),
    licence: traderLicence,
  },
  declineOrder: {
    call: (w) => ({ caller: w.manufacturer, args: [w.placedOrder, HASH] }),
    role: notOrderParty(
      (w) => w.distributor,
      (w) => w.placedOrder,
    ),
    licence: traderLicence,
  },
  cancelOrder: {
    call: (w) => ({ caller: w.distributor, args: [w.placedOrder, HASH] }),
    role: notOrderParty(
      (w) => w.distributorUs,
      (w) => w.placedOrder,
    ),
    licence: traderLicence,
  },
  offerPrice: {
    call: (w) => ({ caller: w.manufacturer, args: [w.distributor.address, GTIN, PRICE, USD, w.validUntil, HASH] }),
    role: notATrader,
    licence: [traderLicence, buyerLicence],
  },
  counterOffer: {
    call: (w) => ({ caller: w.distributor, args: [w.openOffer, PRICE - 1n, USD, w.validUntil, HASH] }),
    role: notOfferParty((w) => w.manufacturer),
    licence: traderLicence,
  },
  acceptOffer: {
    call: (w) => ({ caller: w.distributor, args: [w.openOffer] }),
    role: notOfferParty((w) => w.manufacturer),
    licence: traderLicence,
  },
  declineOffer: {
    call: (w) => ({ caller: w.distributor, args: [w.openOffer, HASH] }),
    role: notOfferParty((w) => w.manufacturer),
    licence: traderLicence,
  },
  withdrawOffer: {
    call: (w) => ({ caller: w.manufacturer, args: [w.openOffer] }),
    role: notOfferParty((w) => w.distributor),
    licence: traderLicence,
  },
  assignPrimaryDistributor: {
    call: (w) => ({ caller: w.manufacturer, args: [GTIN, w.distributor.address] }),
    role: manufacturerOnly,
    licence: [
      manufacturerLicence,
      { of: (w) => w.distributor, with: (w) => unauthorised(w.distributor, Role.Distributor) },
    ],
  },
  assignRegionalDistributor: {
    call: (w) => ({ caller: w.manufacturer, args: [US, w.distributorUs.address] }),
    role: manufacturerOnly,
    licence: [
      manufacturerLicence,
      { of: (w) => w.distributorUs, with: (w) => unauthorised(w.distributorUs, Role.Distributor) },
    ],
  },
  onShipped: {
    call: (w) => ({
      caller: w.custodyAccount,
      args: [
        w.confirmedOrder,
        999,
        w.manufacturer.address,
        w.distributor.address,
        2,
        [range(w.lotB.lotId, 0, 2)],
        [w.lotB.lotNumber],
      ],
    }),
    ...CUSTODY_REPORTS,
  },
  onShipmentSettled: {
    call: (w) => ({ caller: w.custodyAccount, args: [w.shippedOrder, w.orderShipment, ShipmentStatus.Received, 2] }),
    ...CUSTODY_REPORTS,
  },
};

shouldBehaveLikeAccessChecked(
  subject("TradeOrders", (w) => w.orders),
  ordersTable,
);
