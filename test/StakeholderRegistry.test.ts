/**
 * StakeholderRegistry: applications, the admin's appointments, the regulators' rulings, licence expiry, the pause
 * switch and the two-step, delayed transfer of the admin role.
 */
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import type { ContractTransactionResponse } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { StakeholderRegistry } from "../typechain-types";
import {
  ADMIN_DELAY,
  DAY,
  GLN,
  JURISDICTION,
  Role,
  Status,
  World,
  YEAR,
  bytes32,
  worldFixture,
} from "./helpers/fixture";

const DEFAULT_ADMIN_ROLE = ethers.ZeroHash;
/** GLN 0614141073468: the fixture's GLN with its check digit off by one. */
const GLN_BAD_CHECK_DIGIT = GLN + 1n;
/** 14 digits whose last 13 are the valid GLN: refused for its length alone. */
const GLN_FOURTEEN_DIGITS = 10n ** 13n + GLN;
/** A second valid GLN (GS1's example 4012345000009). */
const GLN2 = 4012345000009n;
const US = "0x5553"; // "US"
const REASON = bytes32("reason:inspection-failed");
const LICENCE = bytes32("licence:renewed");
const META = bytes32("meta:updated");

const APPLICANT_ROLES: Role[] = [Role.Manufacturer, Role.Distributor, Role.Transporter, Role.Dispenser];

interface StakeholderRecord {
  role: Role;
  status: Status;
  validUntil: bigint;
  gln: bigint;
  jurisdiction: string;
  updatedAt: bigint;
  licenceHash: string;
  metadataHash: string;
}

async function recordOf(registry: StakeholderRegistry, account: string): Promise<StakeholderRecord> {
  const r = await registry.stakeholder(account);
  return {
    role: Number(r.role) as Role,
    status: Number(r.status) as Status,
    validUntil: r.validUntil,
    gln: r.gln,
    jurisdiction: r.jurisdiction,
    updatedAt: r.updatedAt,
    licenceHash: r.licenceHash,
    metadataHash: r.metadataHash,
  };
}

async function standingOf(registry: StakeholderRegistry, account: string): Promise<[Role, boolean, boolean]> {
  const [role, authorised, paused] = await registry.standing(account);
  return [Number(role) as Role, authorised, paused];
}

/** The timestamp of the block that mined `tx`. */
async function minedAt(tx: Promise<ContractTransactionResponse>): Promise<bigint> {
  const receipt = await (await tx).wait();
  if (receipt === null) throw new Error("transaction not mined");
  const block = await ethers.provider.getBlock(receipt.blockNumber);
  if (block === null) throw new Error("block not found");
  return BigInt(block.timestamp);
}

async function now(): Promise<bigint> {
  return BigInt(await time.latest());
}

function xorSelectors(signatures: string[]): string {
  let id = 0n;
  for (const s of signatures) id ^= BigInt(ethers.id(s).slice(0, 10));
  return ethers.toBeHex(id, 4);
}

describe("StakeholderRegistry", function () {
  let w: World;
  let registry: StakeholderRegistry;
  /** Accounts without a record (the fixture uses signers 0..10). */
  let newcomer: HardhatEthersSigner;
  let newcomer2: HardhatEthersSigner;
  let newRegulator: HardhatEthersSigner;
  let newAdmin: HardhatEthersSigner;

  beforeEach(async function () {
    w = await loadFixture(worldFixture);
    registry = w.registry;
    const signers = await ethers.getSigners();
    [newcomer, newcomer2, newRegulator, newAdmin] = signers.slice(11, 15);
  });

  async function applyAs(signer: HardhatEthersSigner, role: Role = Role.Manufacturer): Promise<void> {
    await registry
      .connect(signer)
      .applyForRole(role, bytes32(`licence:${signer.address}`), GLN, JURISDICTION, bytes32(`meta:${signer.address}`));
  }

  /** An account whose record is in `status` (a non-regulator's record). */
  async function accountIn(status: Status): Promise<HardhatEthersSigner> {
    switch (status) {
      case Status.None:
        return newcomer;
      case Status.Applied:
        await applyAs(newcomer);
        return newcomer;
      case Status.Active:
        return w.distributor;
      case Status.Suspended:
        await registry.connect(w.regulator).suspend(w.distributor.address, REASON);
        return w.distributor;
      case Status.Revoked:
        // Two keys: one regulator proposes, a different one confirms.
        await registry.connect(w.regulator).revoke(w.distributor.address, REASON);
        await registry.connect(w.regulator2).revoke(w.distributor.address, REASON);
        return w.distributor;
    }
  }

  /** A regulator whose licence ends one day from now, with time moved to that end. */
  async function expiredRegulator(): Promise<HardhatEthersSigner> {
    const validUntil = (await now()) + DAY;
    await registry
      .connect(w.council)
      .appointRegulator(newRegulator.address, bytes32("licence:short"), 0, JURISDICTION, validUntil);
    await time.increaseTo(validUntil);
    return newRegulator;
  }

  /** Callers that are not authorised regulators, each with a label for the test name. */
  const unauthorisedCallers: [string, () => Promise<HardhatEthersSigner>][] = [
    ["an unregistered account", async () => w.outsider],
    ["an active manufacturer", async () => w.manufacturer],
    ["the admin, which is not a regulator", async () => w.council],
    [
      "a suspended regulator",
      async () => {
        await registry.connect(w.council).suspend(w.regulator2.address, REASON);
        return w.regulator2;
      },
    ],
    ["a regulator whose licence has expired", expiredRegulator],
    [
      "a revoked regulator",
      async () => {
        await registry.connect(w.council).revoke(w.regulator2.address, REASON);
        return w.regulator2;
      },
    ],
  ];

  // ------------------------------------------------------------------ deployment

  describe("deployment", function () {
    it("makes the council the admin with a delay of ADMIN_DELAY and starts unpaused", async function () {
      expect(await registry.defaultAdmin()).to.equal(w.council.address);
      expect(await registry.hasRole(DEFAULT_ADMIN_ROLE, w.council.address)).to.equal(true);
      expect(await registry.defaultAdminDelay()).to.equal(ADMIN_DELAY);
      expect(await registry.paused()).to.equal(false);
    });

    it("supports the ERC-165, IAccessControl and IAccessControlDefaultAdminRules interfaces and not 0xffffffff", async function () {
      const accessControl = xorSelectors([
        "hasRole(bytes32,address)",
        "getRoleAdmin(bytes32)",
        "grantRole(bytes32,address)",
        "revokeRole(bytes32,address)",
        "renounceRole(bytes32,address)",
      ]);
      expect(accessControl).to.equal("0x7965db0b");
      const defaultAdminRules = xorSelectors([
        "defaultAdmin()",
        "pendingDefaultAdmin()",
        "defaultAdminDelay()",
        "pendingDefaultAdminDelay()",
        "beginDefaultAdminTransfer(address)",
        "cancelDefaultAdminTransfer()",
        "acceptDefaultAdminTransfer()",
        "changeDefaultAdminDelay(uint48)",
        "rollbackDefaultAdminDelay()",
        "defaultAdminDelayIncreaseWait()",
      ]);
      expect(await registry.supportsInterface("0x01ffc9a7")).to.equal(true);
      expect(await registry.supportsInterface(accessControl)).to.equal(true);
      expect(await registry.supportsInterface(defaultAdminRules)).to.equal(true);
      expect(await registry.supportsInterface("0xffffffff")).to.equal(false);
    });
  });

  // ------------------------------------------------------------------ applyForRole

  describe("applyForRole", function () {
    for (const role of APPLICANT_ROLES) {
      it(`records an application for the ${Role[role]} role`, async function () {
        const licence = bytes32(`licence:${Role[role]}`);
        const meta = bytes32(`meta:${Role[role]}`);
        const tx = registry.connect(newcomer).applyForRole(role, licence, GLN, JURISDICTION, meta);
        await expect(tx)
          .to.emit(registry, "StakeholderApplied")
          .withArgs(newcomer.address, role, licence, GLN, JURISDICTION, meta);
        const at = await minedAt(tx);
        expect(await recordOf(registry, newcomer.address)).to.deep.equal({
          role,
          status: Status.Applied,
          validUntil: 0n,
          gln: GLN,
          jurisdiction: JURISDICTION,
          updatedAt: at,
          licenceHash: licence,
          metadataHash: meta,
        });
        expect(await registry.isAuthorised(newcomer.address, role)).to.equal(false);
        expect(await standingOf(registry, newcomer.address)).to.deep.equal([role, false, false]);
      });
    }

    it("accepts a GLN of 0, meaning none was given", async function () {
      await expect(registry.connect(newcomer).applyForRole(Role.Dispenser, LICENCE, 0, JURISDICTION, META))
        .to.emit(registry, "StakeholderApplied")
        .withArgs(newcomer.address, Role.Dispenser, LICENCE, 0, JURISDICTION, META);
      expect((await recordOf(registry, newcomer.address)).gln).to.equal(0n);
    });

    it("accepts another valid 13-digit GLN and the jurisdiction US", async function () {
      await registry.connect(newcomer).applyForRole(Role.Distributor, LICENCE, GLN2, US, META);
      const record = await recordOf(registry, newcomer.address);
      expect(record.gln).to.equal(GLN2);
      expect(record.jurisdiction).to.equal(US);
    });

    it("refuses the None role", async function () {
      await expect(registry.connect(newcomer).applyForRole(Role.None, LICENCE, GLN, JURISDICTION, META))
        .to.be.revertedWithCustomError(registry, "RegistryInvalidRole")
        .withArgs(Role.None);
    });

    it("refuses the Regulator role, which only the admin appoints", async function () {
      await expect(registry.connect(newcomer).applyForRole(Role.Regulator, LICENCE, GLN, JURISDICTION, META))
        .to.be.revertedWithCustomError(registry, "RegistryInvalidRole")
        .withArgs(Role.Regulator);
      expect((await recordOf(registry, newcomer.address)).status).to.equal(Status.None);
    });

    it("refuses a second application from an account that has already applied", async function () {
      await applyAs(newcomer, Role.Manufacturer);
      await expect(registry.connect(newcomer).applyForRole(Role.Distributor, LICENCE, GLN, JURISDICTION, META))
        .to.be.revertedWithCustomError(registry, "RegistryAlreadyRegistered")
        .withArgs(newcomer.address);
      expect((await recordOf(registry, newcomer.address)).role).to.equal(Role.Manufacturer);
    });

    it("refuses an application from an active stakeholder", async function () {
      await expect(registry.connect(w.manufacturer).applyForRole(Role.Dispenser, LICENCE, GLN, JURISDICTION, META))
        .to.be.revertedWithCustomError(registry, "RegistryAlreadyRegistered")
        .withArgs(w.manufacturer.address);
    });

    it("refuses an application from a regulator", async function () {
      await expect(registry.connect(w.regulator).applyForRole(Role.Manufacturer, LICENCE, GLN, JURISDICTION, META))
        .to.be.revertedWithCustomError(registry, "RegistryAlreadyRegistered")
        .withArgs(w.regulator.address);
    });

    it("refuses a new application from a revoked account", async function () {
      const revoked = await accountIn(Status.Revoked);
      await expect(registry.connect(revoked).applyForRole(Role.Distributor, LICENCE, GLN, JURISDICTION, META))
        .to.be.revertedWithCustomError(registry, "RegistryAlreadyRegistered")
        .withArgs(revoked.address);
      expect((await recordOf(registry, revoked.address)).status).to.equal(Status.Revoked);
    });

    it("refuses a GLN with a wrong check digit", async function () {
      await expect(
        registry.connect(newcomer).applyForRole(Role.Manufacturer, LICENCE, GLN_BAD_CHECK_DIGIT, JURISDICTION, META),
      )
        .to.be.revertedWithCustomError(registry, "RegistryInvalidGln")
        .withArgs(GLN_BAD_CHECK_DIGIT);
    });

    it("refuses a GLN with more than 13 digits", async function () {
      await expect(
        registry.connect(newcomer).applyForRole(Role.Manufacturer, LICENCE, GLN_FOURTEEN_DIGITS, JURISDICTION, META),
      )
        .to.be.revertedWithCustomError(registry, "RegistryInvalidGln")
        .withArgs(GLN_FOURTEEN_DIGITS);
    });

    for (const [label, jurisdiction] of [
      ["a lower-case jurisdiction", "0x6264"], // "bd"
      ["a jurisdiction whose first letter is lower case", "0x6244"], // "bD"
      ["a jurisdiction whose second letter is lower case", "0x4264"], // "Bd"
      ["a jurisdiction of digits", "0x3132"], // "12"
      ["a jurisdiction with the character just before A", "0x4041"], // "@A"
      ["a jurisdiction with the character just after Z", "0x5a5b"], // "Z["
      ["an empty jurisdiction", "0x0000"],
    ]) {
      it(`refuses ${label}`, async function () {
        await expect(registry.connect(newcomer).applyForRole(Role.Manufacturer, LICENCE, GLN, jurisdiction, META))
          .to.be.revertedWithCustomError(registry, "RegistryInvalidJurisdiction")
          .withArgs(jurisdiction);
      });
    }

    it("accepts the jurisdiction AZ, the bounds of the upper-case letters", async function () {
      await registry.connect(newcomer).applyForRole(Role.Manufacturer, LICENCE, GLN, "0x415a", META);
      expect((await recordOf(registry, newcomer.address)).jurisdiction).to.equal("0x415a");
    });

    it("refuses an application while the protocol is paused", async function () {
      await registry.connect(w.council).pause();
      await expect(
        registry.connect(newcomer).applyForRole(Role.Manufacturer, LICENCE, GLN, JURISDICTION, META),
      ).to.be.revertedWithCustomError(registry, "ProtocolPaused");
    });
  });

  // ------------------------------------------------------------------ appointRegulator

  describe("appointRegulator", function () {
    it("appoints a regulator who is authorised at once and can approve an application", async function () {
      const validUntil = (await now()) + YEAR;
      const licence = bytes32("licence:new-regulator");
      const tx = registry.connect(w.council).appointRegulator(newRegulator.address, licence, GLN, US, validUntil);
      await expect(tx)
        .to.emit(registry, "RegulatorAppointed")
        .withArgs(newRegulator.address, w.council.address, licence, GLN, US, validUntil);
      const at = await minedAt(tx);
      expect(await recordOf(registry, newRegulator.address)).to.deep.equal({
        role: Role.Regulator,
        status: Status.Active,
        validUntil,
        gln: GLN,
        jurisdiction: US,
        updatedAt: at,
        licenceHash: licence,
        metadataHash: ethers.ZeroHash,
      });
      expect(await registry.isAuthorised(newRegulator.address, Role.Regulator)).to.equal(true);
      expect(await standingOf(registry, newRegulator.address)).to.deep.equal([Role.Regulator, true, false]);

      await applyAs(newcomer);
      await expect(registry.connect(newRegulator).approve(newcomer.address, validUntil))
        .to.emit(registry, "StakeholderApproved")
        .withArgs(newcomer.address, newRegulator.address, Role.Manufacturer, validUntil);
    });

    for (const [label, caller] of [
      ["a regulator", (): HardhatEthersSigner => w.regulator],
      ["an unregistered account", (): HardhatEthersSigner => w.outsider],
    ] as const) {
      it(`refuses an appointment by ${label}, which is not the admin`, async function () {
        const signer = caller();
        await expect(
          registry.connect(signer).appointRegulator(newRegulator.address, LICENCE, GLN, JURISDICTION, w.licenceUntil),
        )
          .to.be.revertedWithCustomError(registry, "AccessControlUnauthorizedAccount")
          .withArgs(signer.address, DEFAULT_ADMIN_ROLE);
        expect((await recordOf(registry, newRegulator.address)).status).to.equal(Status.None);
      });
    }

    it("refuses to appoint the zero address", async function () {
      await expect(
        registry.connect(w.council).appointRegulator(ethers.ZeroAddress, LICENCE, GLN, JURISDICTION, w.licenceUntil),
      ).to.be.revertedWithCustomError(registry, "RegistryZeroAddress");
    });

    for (const [label, prepare] of [
      ["an applicant", (): Promise<HardhatEthersSigner> => accountIn(Status.Applied)],
      ["an active distributor", (): Promise<HardhatEthersSigner> => accountIn(Status.Active)],
      ["a suspended distributor", (): Promise<HardhatEthersSigner> => accountIn(Status.Suspended)],
      ["a live regulator", async (): Promise<HardhatEthersSigner> => w.regulator2],
      [
        "a suspended regulator",
        async (): Promise<HardhatEthersSigner> => {
          await registry.connect(w.council).suspend(w.regulator2.address, REASON);
          return w.regulator2;
        },
      ],
    ] as const) {
      it(`refuses to appoint ${label}, whose record is live`, async function () {
        const account = await prepare();
        const before = await recordOf(registry, account.address);
        await expect(
          registry
            .connect(w.council)
            .appointRegulator(account.address, LICENCE, GLN, JURISDICTION, w.licenceUntil + YEAR),
        )
          .to.be.revertedWithCustomError(registry, "RegistryAlreadyRegistered")
          .withArgs(account.address);
        expect(await recordOf(registry, account.address)).to.deep.equal(before);
      });
    }

    it("refuses to turn a revoked party into a regulator: only a former regulator's record may be replaced", async function () {
      const revoked = await accountIn(Status.Revoked);
      await expect(
        registry.connect(w.council).appointRegulator(revoked.address, LICENCE, GLN, JURISDICTION, w.licenceUntil),
      )
        .to.be.revertedWithCustomError(registry, "RegistryAlreadyRegistered")
        .withArgs(revoked.address);
    });

    it("refuses a ruling by the admin on its own record after appointing itself regulator", async function () {
      await registry.connect(w.council).appointRegulator(w.council.address, LICENCE, GLN, JURISDICTION, w.licenceUntil);
      await expect(registry.connect(w.council).suspend(w.council.address, REASON))
        .to.be.revertedWithCustomError(registry, "RegistryNotAllowed")
        .withArgs(w.council.address, w.council.address);
      await expect(registry.connect(w.council).renew(w.council.address, w.licenceUntil + YEAR, LICENCE))
        .to.be.revertedWithCustomError(registry, "RegistryNotAllowed")
        .withArgs(w.council.address, w.council.address);
    });

    it("re-appoints a revoked regulator with a fresh record", async function () {
      await registry.connect(w.council).revoke(w.regulator2.address, REASON);
      expect(await registry.isAuthorised(w.regulator2.address, Role.Regulator)).to.equal(false);
      const validUntil = w.licenceUntil + YEAR;
      const tx = registry.connect(w.council).appointRegulator(w.regulator2.address, LICENCE, GLN2, US, validUntil);
      await expect(tx)
        .to.emit(registry, "RegulatorAppointed")
        .withArgs(w.regulator2.address, w.council.address, LICENCE, GLN2, US, validUntil);
      const at = await minedAt(tx);
      expect(await recordOf(registry, w.regulator2.address)).to.deep.equal({
        role: Role.Regulator,
        status: Status.Active,
        validUntil,
        gln: GLN2,
        jurisdiction: US,
        updatedAt: at,
        licenceHash: LICENCE,
        metadataHash: ethers.ZeroHash,
      });
      expect(await registry.isAuthorised(w.regulator2.address, Role.Regulator)).to.equal(true);
    });

    it("refuses a validUntil equal to the block's timestamp", async function () {
      const t = (await now()) + 100n;
      await time.setNextBlockTimestamp(t);
      await expect(registry.connect(w.council).appointRegulator(newRegulator.address, LICENCE, GLN, JURISDICTION, t))
        .to.be.revertedWithCustomError(registry, "RegistryInvalidValidity")
        .withArgs(t);
    });

    it("refuses a validUntil in the past", async function () {
      const past = (await now()) - DAY;
      await expect(registry.connect(w.council).appointRegulator(newRegulator.address, LICENCE, GLN, JURISDICTION, past))
        .to.be.revertedWithCustomError(registry, "RegistryInvalidValidity")
        .withArgs(past);
    });

    it("accepts a validUntil one second after the block's timestamp, a licence that lasts that one block", async function () {
      const t = (await now()) + 100n;
      await time.setNextBlockTimestamp(t);
      await registry.connect(w.council).appointRegulator(newRegulator.address, LICENCE, GLN, JURISDICTION, t + 1n);
      expect(await registry.isAuthorised(newRegulator.address, Role.Regulator)).to.equal(true);
      await time.increaseTo(t + 1n);
      expect(await registry.isAuthorised(newRegulator.address, Role.Regulator)).to.equal(false);
    });

    it("refuses a regulator's GLN with a wrong check digit", async function () {
      await expect(
        registry
          .connect(w.council)
          .appointRegulator(newRegulator.address, LICENCE, GLN_BAD_CHECK_DIGIT, JURISDICTION, w.licenceUntil),
      )
        .to.be.revertedWithCustomError(registry, "RegistryInvalidGln")
        .withArgs(GLN_BAD_CHECK_DIGIT);
    });

    it("refuses a regulator's jurisdiction in lower case", async function () {
      await expect(
        registry.connect(w.council).appointRegulator(newRegulator.address, LICENCE, GLN, "0x7573", w.licenceUntil),
      )
        .to.be.revertedWithCustomError(registry, "RegistryInvalidJurisdiction")
        .withArgs("0x7573");
    });

    it("refuses an appointment while the protocol is paused", async function () {
      await registry.connect(w.council).pause();
      await expect(
        registry.connect(w.council).appointRegulator(newRegulator.address, LICENCE, GLN, JURISDICTION, w.licenceUntil),
      ).to.be.revertedWithCustomError(registry, "ProtocolPaused");
    });
  });

  // ------------------------------------------------------------------ refusals common to the five rulings

  interface Ruling {
    name: string;
    /** Prepares a non-regulator record on which the ruling is valid; returns its address. */
    prepare: () => Promise<string>;
    call: (caller: HardhatEthersSigner, account: string) => Promise<ContractTransactionResponse>;
    /** What the ruling changes (the record unless given; a revocation's first key changes only the proposal). */
    observe?: (account: string) => Promise<unknown>;
  }

  const rulings: Ruling[] = [
    {
      name: "approve",
      prepare: async () => (await accountIn(Status.Applied)).address,
      call: (caller, account) => registry.connect(caller).approve(account, w.licenceUntil),
    },
    {
      name: "suspend",
      prepare: async () => (await accountIn(Status.Active)).address,
      call: (caller, account) => registry.connect(caller).suspend(account, REASON),
    },
    {
      name: "reinstate",
      prepare: async () => (await accountIn(Status.Suspended)).address,
      call: (caller, account) => registry.connect(caller).reinstate(account),
    },
    {
      name: "renew",
      prepare: async () => (await accountIn(Status.Active)).address,
      call: (caller, account) => registry.connect(caller).renew(account, w.licenceUntil + YEAR, LICENCE),
    },
    {
      name: "revoke",
      prepare: async () => (await accountIn(Status.Active)).address,
      call: (caller, account) => registry.connect(caller).revoke(account, REASON),
      observe: async (account) => [await recordOf(registry, account), await registry.revocationProposer(account)],
    },
  ];

  /** The state `ruling` may change for `account`. */
  function observed(ruling: Ruling, account: string): Promise<unknown> {
    return ruling.observe ? ruling.observe(account) : recordOf(registry, account);
  }

  for (const ruling of rulings) {
    describe(`${ruling.name}: refusals shared by every ruling`, function () {
      for (const [label, makeCaller] of unauthorisedCallers) {
        it(`refuses ${ruling.name} by ${label}`, async function () {
          const account = await ruling.prepare();
          const caller = await makeCaller();
          const before = await observed(ruling, account);
          await expect(ruling.call(caller, account))
            .to.be.revertedWithCustomError(registry, "UnauthorisedAccount")
            .withArgs(caller.address, Role.Regulator);
          expect(await observed(ruling, account)).to.deep.equal(before);
        });
      }

      it(`lets an authorised regulator ${ruling.name} the same record`, async function () {
        const account = await ruling.prepare();
        const before = await observed(ruling, account);
        await ruling.call(w.regulator, account);
        expect(await observed(ruling, account)).to.not.deep.equal(before);
      });

      it(`refuses ${ruling.name} of an account without a record`, async function () {
        await expect(ruling.call(w.regulator, newcomer2.address))
          .to.be.revertedWithCustomError(registry, "RegistryUnknownStakeholder")
          .withArgs(newcomer2.address);
      });

      it(`refuses ${ruling.name} while the protocol is paused`, async function () {
        const account = await ruling.prepare();
        await registry.connect(w.council).pause();
        await expect(ruling.call(w.regulator, account)).to.be.revertedWithCustomError(registry, "ProtocolPaused");
      });
    });
  }

  /** The four rulings that apply to a regulator's record too (approve never does: a regulator never applies). */
  const adminRulings = rulings.filter((r) => r.name !== "approve");

  for (const ruling of adminRulings) {
    describe(`${ruling.name}: rulings on a regulator's record`, function () {
      async function prepareRegulator(): Promise<string> {
        if (ruling.name === "reinstate") await registry.connect(w.council).suspend(w.regulator2.address, REASON);
        return w.regulator2.address;
      }

      it(`refuses ${ruling.name} of another regulator by a regulator`, async function () {
        const account = await prepareRegulator();
        await expect(ruling.call(w.regulator, account))
          .to.be.revertedWithCustomError(registry, "RegistryNotAllowed")
          .withArgs(w.regulator.address, account);
      });

      it(`refuses ${ruling.name} of a regulator by itself`, async function () {
        const account = await prepareRegulator();
        await expect(ruling.call(w.regulator2, account))
          .to.be.revertedWithCustomError(registry, "RegistryNotAllowed")
          .withArgs(w.regulator2.address, account);
      });

      it(`refuses ${ruling.name} of a regulator by a non-admin stakeholder`, async function () {
        const account = await prepareRegulator();
        await expect(ruling.call(w.manufacturer, account))
          .to.be.revertedWithCustomError(registry, "RegistryNotAllowed")
          .withArgs(w.manufacturer.address, account);
      });

      if (ruling.name === "suspend" || ruling.name === "revoke") {
        // The council's defensive actions on a regulator are the remedy the pause must not block.
        it(`lets the admin ${ruling.name} a regulator while the protocol is paused`, async function () {
          const account = await prepareRegulator();
          await registry.connect(w.council).pause();
          const before = await recordOf(registry, account);
          await ruling.call(w.council, account);
          expect(await recordOf(registry, account)).to.not.deep.equal(before);
          expect(await registry.isAuthorised(account, Role.Regulator)).to.equal(false);
        });
      } else {
        it(`refuses ${ruling.name} of a regulator by the admin while the protocol is paused`, async function () {
          const account = await prepareRegulator();
          await registry.connect(w.council).pause();
          await expect(ruling.call(w.council, account)).to.be.revertedWithCustomError(registry, "ProtocolPaused");
        });
      }
    });
  }

  // ------------------------------------------------------------------ approve

  describe("approve", function () {
    for (const role of APPLICANT_ROLES) {
      it(`approves a ${Role[role]}'s application, which authorises it for that role only`, async function () {
        await applyAs(newcomer, role);
        const before = await recordOf(registry, newcomer.address);
        const validUntil = (await now()) + YEAR;
        const tx = registry.connect(w.regulator2).approve(newcomer.address, validUntil);
        await expect(tx)
          .to.emit(registry, "StakeholderApproved")
          .withArgs(newcomer.address, w.regulator2.address, role, validUntil);
        const at = await minedAt(tx);
        expect(await recordOf(registry, newcomer.address)).to.deep.equal({
          ...before,
          status: Status.Active,
          validUntil,
          updatedAt: at,
        });
        for (const other of [Role.None, Role.Regulator, ...APPLICANT_ROLES]) {
          expect(await registry.isAuthorised(newcomer.address, other)).to.equal(other === role);
        }
        expect(await standingOf(registry, newcomer.address)).to.deep.equal([role, true, false]);
      });
    }

    for (const status of [Status.Active, Status.Suspended, Status.Revoked]) {
      it(`refuses to approve a record that is ${Status[status]}`, async function () {
        const account = await accountIn(status);
        await expect(registry.connect(w.regulator).approve(account.address, w.licenceUntil + YEAR))
          .to.be.revertedWithCustomError(registry, "RegistryInvalidStatus")
          .withArgs(account.address, status);
      });
    }

    it("refuses to approve a regulator's record, which is never Applied", async function () {
      await expect(registry.connect(w.regulator).approve(w.regulator2.address, w.licenceUntil + YEAR))
        .to.be.revertedWithCustomError(registry, "RegistryInvalidStatus")
        .withArgs(w.regulator2.address, Status.Active);
    });

    it("refuses a validUntil equal to the block's timestamp", async function () {
      await applyAs(newcomer);
      const t = (await now()) + 100n;
      await time.setNextBlockTimestamp(t);
      await expect(registry.connect(w.regulator).approve(newcomer.address, t))
        .to.be.revertedWithCustomError(registry, "RegistryInvalidValidity")
        .withArgs(t);
      expect((await recordOf(registry, newcomer.address)).status).to.equal(Status.Applied);
    });

    it("refuses a validUntil in the past", async function () {
      await applyAs(newcomer);
      await expect(registry.connect(w.regulator).approve(newcomer.address, 1))
        .to.be.revertedWithCustomError(registry, "RegistryInvalidValidity")
        .withArgs(1);
    });
  });

  // ------------------------------------------------------------------ suspend

  describe("suspend", function () {
    it("suspends an active stakeholder, which is then not authorised", async function () {
      const before = await recordOf(registry, w.distributor.address);
      const tx = registry.connect(w.regulator).suspend(w.distributor.address, REASON);
      await expect(tx)
        .to.emit(registry, "StakeholderSuspended")
        .withArgs(w.distributor.address, w.regulator.address, REASON);
      const at = await minedAt(tx);
      expect(await recordOf(registry, w.distributor.address)).to.deep.equal({
        ...before,
        status: Status.Suspended,
        updatedAt: at,
      });
      expect(await registry.isAuthorised(w.distributor.address, Role.Distributor)).to.equal(false);
      expect(await standingOf(registry, w.distributor.address)).to.deep.equal([Role.Distributor, false, false]);
    });

    it("lets the admin suspend a regulator, who can then no longer rule", async function () {
      const before = await recordOf(registry, w.regulator2.address);
      const tx = registry.connect(w.council).suspend(w.regulator2.address, REASON);
      await expect(tx)
        .to.emit(registry, "StakeholderSuspended")
        .withArgs(w.regulator2.address, w.council.address, REASON);
      const at = await minedAt(tx);
      expect(await recordOf(registry, w.regulator2.address)).to.deep.equal({
        ...before,
        status: Status.Suspended,
        updatedAt: at,
      });
      expect(await standingOf(registry, w.regulator2.address)).to.deep.equal([Role.Regulator, false, false]);
      await expect(registry.connect(w.regulator2).suspend(w.distributor.address, REASON))
        .to.be.revertedWithCustomError(registry, "UnauthorisedAccount")
        .withArgs(w.regulator2.address, Role.Regulator);
    });

    for (const status of [Status.Applied, Status.Suspended, Status.Revoked]) {
      it(`refuses to suspend a record that is ${Status[status]}`, async function () {
        const account = await accountIn(status);
        await expect(registry.connect(w.regulator).suspend(account.address, REASON))
          .to.be.revertedWithCustomError(registry, "RegistryInvalidStatus")
          .withArgs(account.address, status);
      });
    }

    it("refuses the admin's suspension of a regulator that is already suspended", async function () {
      await registry.connect(w.council).suspend(w.regulator2.address, REASON);
      await expect(registry.connect(w.council).suspend(w.regulator2.address, REASON))
        .to.be.revertedWithCustomError(registry, "RegistryInvalidStatus")
        .withArgs(w.regulator2.address, Status.Suspended);
    });
  });

  // ------------------------------------------------------------------ reinstate

  describe("reinstate", function () {
    it("reinstates a suspended stakeholder, which is authorised again", async function () {
      const account = await accountIn(Status.Suspended);
      const before = await recordOf(registry, account.address);
      const tx = registry.connect(w.regulator2).reinstate(account.address);
      await expect(tx).to.emit(registry, "StakeholderReinstated").withArgs(account.address, w.regulator2.address);
      const at = await minedAt(tx);
      expect(await recordOf(registry, account.address)).to.deep.equal({
        ...before,
        status: Status.Active,
        updatedAt: at,
      });
      expect(await registry.isAuthorised(account.address, Role.Distributor)).to.equal(true);
      expect(await standingOf(registry, account.address)).to.deep.equal([Role.Distributor, true, false]);
    });

    it("lets the admin reinstate a suspended regulator, who can rule again", async function () {
      await registry.connect(w.council).suspend(w.regulator2.address, REASON);
      const before = await recordOf(registry, w.regulator2.address);
      const tx = registry.connect(w.council).reinstate(w.regulator2.address);
      await expect(tx).to.emit(registry, "StakeholderReinstated").withArgs(w.regulator2.address, w.council.address);
      const at = await minedAt(tx);
      expect(await recordOf(registry, w.regulator2.address)).to.deep.equal({
        ...before,
        status: Status.Active,
        updatedAt: at,
      });
      expect(await registry.isAuthorised(w.regulator2.address, Role.Regulator)).to.equal(true);
      await expect(registry.connect(w.regulator2).suspend(w.distributor.address, REASON))
        .to.emit(registry, "StakeholderSuspended")
        .withArgs(w.distributor.address, w.regulator2.address, REASON);
    });

    for (const status of [Status.Applied, Status.Active, Status.Revoked]) {
      it(`refuses to reinstate a record that is ${Status[status]}`, async function () {
        const account = await accountIn(status);
        await expect(registry.connect(w.regulator).reinstate(account.address))
          .to.be.revertedWithCustomError(registry, "RegistryInvalidStatus")
          .withArgs(account.address, status);
      });
    }

    it("refuses the admin's reinstatement of a regulator that is not suspended", async function () {
      await expect(registry.connect(w.council).reinstate(w.regulator2.address))
        .to.be.revertedWithCustomError(registry, "RegistryInvalidStatus")
        .withArgs(w.regulator2.address, Status.Active);
    });
  });

  // ------------------------------------------------------------------ renew

  describe("renew", function () {
    it("renews an active stakeholder's licence with a new expiry and licence document", async function () {
      const before = await recordOf(registry, w.distributor.address);
      const validUntil = w.licenceUntil + YEAR;
      const tx = registry.connect(w.regulator).renew(w.distributor.address, validUntil, LICENCE);
      await expect(tx)
        .to.emit(registry, "LicenceRenewed")
        .withArgs(w.distributor.address, w.regulator.address, validUntil, LICENCE);
      const at = await minedAt(tx);
      expect(await recordOf(registry, w.distributor.address)).to.deep.equal({
        ...before,
        validUntil,
        licenceHash: LICENCE,
        updatedAt: at,
      });
      expect(await registry.isAuthorised(w.distributor.address, Role.Distributor)).to.equal(true);
    });

    it("renews a suspended stakeholder's licence, which stays suspended and unauthorised", async function () {
      const account = await accountIn(Status.Suspended);
      const before = await recordOf(registry, account.address);
      const validUntil = w.licenceUntil + YEAR;
      const tx = registry.connect(w.regulator).renew(account.address, validUntil, LICENCE);
      await expect(tx)
        .to.emit(registry, "LicenceRenewed")
        .withArgs(account.address, w.regulator.address, validUntil, LICENCE);
      const at = await minedAt(tx);
      expect(await recordOf(registry, account.address)).to.deep.equal({
        ...before,
        validUntil,
        licenceHash: LICENCE,
        updatedAt: at,
      });
      expect(await registry.isAuthorised(account.address, Role.Distributor)).to.equal(false);
    });

    it("lets the admin renew a regulator's licence", async function () {
      const before = await recordOf(registry, w.regulator2.address);
      const validUntil = w.licenceUntil + YEAR;
      const tx = registry.connect(w.council).renew(w.regulator2.address, validUntil, LICENCE);
      await expect(tx)
        .to.emit(registry, "LicenceRenewed")
        .withArgs(w.regulator2.address, w.council.address, validUntil, LICENCE);
      const at = await minedAt(tx);
      expect(await recordOf(registry, w.regulator2.address)).to.deep.equal({
        ...before,
        validUntil,
        licenceHash: LICENCE,
        updatedAt: at,
      });
      await time.increaseTo(w.licenceUntil);
      expect(await registry.isAuthorised(w.regulator2.address, Role.Regulator)).to.equal(true);
      expect(await registry.isAuthorised(w.regulator.address, Role.Regulator)).to.equal(false);
    });

    for (const status of [Status.Applied, Status.Revoked]) {
      it(`refuses to renew a record that is ${Status[status]}`, async function () {
        const account = await accountIn(status);
        await expect(registry.connect(w.regulator).renew(account.address, w.licenceUntil + YEAR, LICENCE))
          .to.be.revertedWithCustomError(registry, "RegistryInvalidStatus")
          .withArgs(account.address, status);
      });
    }

    it("refuses the admin's renewal of a revoked regulator", async function () {
      await registry.connect(w.council).revoke(w.regulator2.address, REASON);
      await expect(registry.connect(w.council).renew(w.regulator2.address, w.licenceUntil + YEAR, LICENCE))
        .to.be.revertedWithCustomError(registry, "RegistryInvalidStatus")
        .withArgs(w.regulator2.address, Status.Revoked);
    });

    it("refuses a validUntil equal to the block's timestamp", async function () {
      const t = (await now()) + 100n;
      await time.setNextBlockTimestamp(t);
      await expect(registry.connect(w.regulator).renew(w.distributor.address, t, LICENCE))
        .to.be.revertedWithCustomError(registry, "RegistryInvalidValidity")
        .withArgs(t);
      expect((await recordOf(registry, w.distributor.address)).validUntil).to.equal(w.licenceUntil);
    });

    it("refuses a validUntil in the past, also when the admin renews a regulator", async function () {
      const past = (await now()) - DAY;
      await expect(registry.connect(w.regulator).renew(w.distributor.address, past, LICENCE))
        .to.be.revertedWithCustomError(registry, "RegistryInvalidValidity")
        .withArgs(past);
      await expect(registry.connect(w.council).renew(w.regulator2.address, past, LICENCE))
        .to.be.revertedWithCustomError(registry, "RegistryInvalidValidity")
        .withArgs(past);
    });
  });

  // ------------------------------------------------------------------ revoke

  describe("revoke", function () {
    for (const status of [Status.Applied, Status.Active, Status.Suspended]) {
      it(`only proposes the revocation of a record that is ${Status[status]} on a regulator's first call`, async function () {
        const account = await accountIn(status);
        const before = await recordOf(registry, account.address);
        const standingBefore = await standingOf(registry, account.address);
        await expect(registry.connect(w.regulator).revoke(account.address, REASON))
          .to.emit(registry, "RevocationProposed")
          .withArgs(account.address, w.regulator.address, REASON)
          .and.not.to.emit(registry, "StakeholderRevoked");
        expect(await recordOf(registry, account.address)).to.deep.equal(before);
        expect(await standingOf(registry, account.address)).to.deep.equal(standingBefore);
        expect(await registry.revocationProposer(account.address)).to.equal(w.regulator.address);
      });

      it(`revokes a record that is ${Status[status]} for good once a second regulator confirms`, async function () {
        const account = await accountIn(status);
        const before = await recordOf(registry, account.address);
        await registry.connect(w.regulator).revoke(account.address, REASON);
        const CONFIRMED = bytes32("reason:confirmed");
        const tx = registry.connect(w.regulator2).revoke(account.address, CONFIRMED);
        await expect(tx)
          .to.emit(registry, "StakeholderRevoked")
          .withArgs(account.address, w.regulator2.address, CONFIRMED)
          .and.not.to.emit(registry, "RevocationProposed");
        const at = await minedAt(tx);
        expect(await recordOf(registry, account.address)).to.deep.equal({
          ...before,
          status: Status.Revoked,
          updatedAt: at,
        });
        expect(await registry.revocationProposer(account.address)).to.equal(ethers.ZeroAddress);
        expect(await registry.isAuthorised(account.address, before.role)).to.equal(false);
        expect(await standingOf(registry, account.address)).to.deep.equal([before.role, false, false]);
        await expect(registry.connect(w.regulator).reinstate(account.address))
          .to.be.revertedWithCustomError(registry, "RegistryInvalidStatus")
          .withArgs(account.address, Status.Revoked);
      });
    }

    it("lets the council confirm a regulator's proposed revocation", async function () {
      await registry.connect(w.regulator).revoke(w.distributor.address, REASON);
      await expect(registry.connect(w.council).revoke(w.distributor.address, REASON))
        .to.emit(registry, "StakeholderRevoked")
        .withArgs(w.distributor.address, w.council.address, REASON);
      expect((await recordOf(registry, w.distributor.address)).status).to.equal(Status.Revoked);
    });

    it("refuses the proposer's own confirmation: RegistrySameApprover, the proposal kept", async function () {
      await registry.connect(w.regulator).revoke(w.distributor.address, REASON);
      const before = await recordOf(registry, w.distributor.address);
      await expect(registry.connect(w.regulator).revoke(w.distributor.address, REASON))
        .to.be.revertedWithCustomError(registry, "RegistrySameApprover")
        .withArgs(w.distributor.address, w.regulator.address);
      expect(await recordOf(registry, w.distributor.address)).to.deep.equal(before);
      expect(await registry.revocationProposer(w.distributor.address)).to.equal(w.regulator.address);
    });

    it("re-checks the confirmer's standing only: a suspended regulator cannot confirm, nor can it be the second key later", async function () {
      await registry.connect(w.regulator).revoke(w.distributor.address, REASON);
      await registry.connect(w.council).suspend(w.regulator2.address, REASON);
      await expect(registry.connect(w.regulator2).revoke(w.distributor.address, REASON))
        .to.be.revertedWithCustomError(registry, "UnauthorisedAccount")
        .withArgs(w.regulator2.address, Role.Regulator);
      // The proposer losing its standing does not void the proposal: a second authorised key still confirms it.
      await registry.connect(w.council).reinstate(w.regulator2.address);
      await registry.connect(w.council).suspend(w.regulator.address, REASON);
      await expect(registry.connect(w.regulator2).revoke(w.distributor.address, REASON))
        .to.emit(registry, "StakeholderRevoked")
        .withArgs(w.distributor.address, w.regulator2.address, REASON);
    });

    it("clears a proposed revocation when the account is reinstated", async function () {
      const account = await accountIn(Status.Suspended);
      await registry.connect(w.regulator).revoke(account.address, REASON);
      await registry.connect(w.regulator2).reinstate(account.address);
      expect(await registry.revocationProposer(account.address)).to.equal(ethers.ZeroAddress);
      // The next call proposes afresh rather than confirming the cleared proposal.
      await expect(registry.connect(w.regulator2).revoke(account.address, REASON))
        .to.emit(registry, "RevocationProposed")
        .withArgs(account.address, w.regulator2.address, REASON);
      expect((await recordOf(registry, account.address)).status).to.equal(Status.Active);
      // Nor may the council revoke alone once the proposal is gone.
      await registry.connect(w.regulator).suspend(account.address, REASON);
      await registry.connect(w.regulator).reinstate(account.address);
      await expect(registry.connect(w.council).revoke(account.address, REASON))
        .to.be.revertedWithCustomError(registry, "UnauthorisedAccount")
        .withArgs(w.council.address, Role.Regulator);
    });

    it("lets the admin revoke a regulator, who can then no longer rule", async function () {
      const before = await recordOf(registry, w.regulator2.address);
      const tx = registry.connect(w.council).revoke(w.regulator2.address, REASON);
      await expect(tx)
        .to.emit(registry, "StakeholderRevoked")
        .withArgs(w.regulator2.address, w.council.address, REASON);
      const at = await minedAt(tx);
      expect(await recordOf(registry, w.regulator2.address)).to.deep.equal({
        ...before,
        status: Status.Revoked,
        updatedAt: at,
      });
      expect(await standingOf(registry, w.regulator2.address)).to.deep.equal([Role.Regulator, false, false]);
      await applyAs(newcomer);
      await expect(registry.connect(w.regulator2).approve(newcomer.address, w.licenceUntil))
        .to.be.revertedWithCustomError(registry, "UnauthorisedAccount")
        .withArgs(w.regulator2.address, Role.Regulator);
    });

    it("refuses to revoke a record that is already Revoked", async function () {
      const account = await accountIn(Status.Revoked);
      await expect(registry.connect(w.regulator).revoke(account.address, REASON))
        .to.be.revertedWithCustomError(registry, "RegistryInvalidStatus")
        .withArgs(account.address, Status.Revoked);
    });

    it("refuses the admin's revocation of a regulator that is already revoked", async function () {
      await registry.connect(w.council).revoke(w.regulator2.address, REASON);
      await expect(registry.connect(w.council).revoke(w.regulator2.address, REASON))
        .to.be.revertedWithCustomError(registry, "RegistryInvalidStatus")
        .withArgs(w.regulator2.address, Status.Revoked);
    });
  });

  // ------------------------------------------------------------------ updateMetadata

  describe("updateMetadata", function () {
    for (const status of [Status.Applied, Status.Active, Status.Suspended]) {
      it(`updates the metadata of the caller's own record when it is ${Status[status]}`, async function () {
        const account = await accountIn(status);
        const before = await recordOf(registry, account.address);
        const tx = registry.connect(account).updateMetadata(META);
        await expect(tx).to.emit(registry, "MetadataUpdated").withArgs(account.address, META);
        const at = await minedAt(tx);
        expect(await recordOf(registry, account.address)).to.deep.equal({
          ...before,
          metadataHash: META,
          updatedAt: at,
        });
      });
    }

    it("updates a regulator's metadata", async function () {
      const before = await recordOf(registry, w.regulator.address);
      const tx = registry.connect(w.regulator).updateMetadata(META);
      await expect(tx).to.emit(registry, "MetadataUpdated").withArgs(w.regulator.address, META);
      const at = await minedAt(tx);
      expect(await recordOf(registry, w.regulator.address)).to.deep.equal({
        ...before,
        metadataHash: META,
        updatedAt: at,
      });
    });

    it("updates the metadata of a stakeholder whose licence has expired", async function () {
      await time.increaseTo(w.licenceUntil);
      await expect(registry.connect(w.dispenser).updateMetadata(META))
        .to.emit(registry, "MetadataUpdated")
        .withArgs(w.dispenser.address, META);
      expect((await recordOf(registry, w.dispenser.address)).metadataHash).to.equal(META);
    });

    it("refuses an update from an account without a record", async function () {
      await expect(registry.connect(w.outsider).updateMetadata(META))
        .to.be.revertedWithCustomError(registry, "RegistryUnknownStakeholder")
        .withArgs(w.outsider.address);
    });

    it("refuses an update from a revoked account", async function () {
      const account = await accountIn(Status.Revoked);
      const before = await recordOf(registry, account.address);
      await expect(registry.connect(account).updateMetadata(META))
        .to.be.revertedWithCustomError(registry, "RegistryInvalidStatus")
        .withArgs(account.address, Status.Revoked);
      expect(await recordOf(registry, account.address)).to.deep.equal(before);
    });

    it("refuses an update while the protocol is paused", async function () {
      await registry.connect(w.council).pause();
      await expect(registry.connect(w.manufacturer).updateMetadata(META)).to.be.revertedWithCustomError(
        registry,
        "ProtocolPaused",
      );
    });
  });

  // ------------------------------------------------------------------ licence expiry and authorisation

  describe("licence expiry and authorisation", function () {
    it("authorises a stakeholder until the second before validUntil and no longer at validUntil", async function () {
      await applyAs(newcomer, Role.Transporter);
      const validUntil = (await now()) + DAY;
      await registry.connect(w.regulator).approve(newcomer.address, validUntil);
      await time.increaseTo(validUntil - 1n);
      expect(await registry.isAuthorised(newcomer.address, Role.Transporter)).to.equal(true);
      expect(await standingOf(registry, newcomer.address)).to.deep.equal([Role.Transporter, true, false]);
      await time.increaseTo(validUntil);
      expect(await registry.isAuthorised(newcomer.address, Role.Transporter)).to.equal(false);
    });

    it("reports the role, not authorised and not paused, after expiry, with the record still Active", async function () {
      await time.increaseTo(w.licenceUntil);
      expect(await standingOf(registry, w.manufacturer.address)).to.deep.equal([Role.Manufacturer, false, false]);
      expect(await standingOf(registry, w.regulator.address)).to.deep.equal([Role.Regulator, false, false]);
      expect((await recordOf(registry, w.manufacturer.address)).status).to.equal(Status.Active);
    });

    it("restores an expired licence on renewal", async function () {
      await registry.connect(w.council).renew(w.regulator.address, w.licenceUntil + YEAR, LICENCE);
      await time.increaseTo(w.licenceUntil);
      expect(await registry.isAuthorised(w.manufacturer.address, Role.Manufacturer)).to.equal(false);
      await registry.connect(w.regulator).renew(w.manufacturer.address, w.licenceUntil + YEAR, LICENCE);
      expect(await registry.isAuthorised(w.manufacturer.address, Role.Manufacturer)).to.equal(true);
      expect(await standingOf(registry, w.manufacturer.address)).to.deep.equal([Role.Manufacturer, true, false]);
    });

    it("lets a regulator rule until the second before its licence ends and not at that second", async function () {
      const validUntil = (await now()) + DAY;
      await registry.connect(w.council).appointRegulator(newRegulator.address, LICENCE, 0, JURISDICTION, validUntil);
      await applyAs(newcomer);
      await applyAs(newcomer2);
      await time.setNextBlockTimestamp(validUntil - 1n);
      await expect(registry.connect(newRegulator).approve(newcomer.address, w.licenceUntil)).to.emit(
        registry,
        "StakeholderApproved",
      );
      await time.setNextBlockTimestamp(validUntil);
      await expect(registry.connect(newRegulator).approve(newcomer2.address, w.licenceUntil))
        .to.be.revertedWithCustomError(registry, "UnauthorisedAccount")
        .withArgs(newRegulator.address, Role.Regulator);
    });

    it("does not authorise a suspended stakeholder, and reinstatement restores its authorisation", async function () {
      await registry.connect(w.regulator).suspend(w.dispenser.address, REASON);
      expect(await registry.isAuthorised(w.dispenser.address, Role.Dispenser)).to.equal(false);
      expect(await standingOf(registry, w.dispenser.address)).to.deep.equal([Role.Dispenser, false, false]);
      await registry.connect(w.regulator).reinstate(w.dispenser.address);
      expect(await registry.isAuthorised(w.dispenser.address, Role.Dispenser)).to.equal(true);
      expect(await standingOf(registry, w.dispenser.address)).to.deep.equal([Role.Dispenser, true, false]);
    });

    it("does not authorise a reinstated stakeholder whose licence expired while it was suspended", async function () {
      await registry.connect(w.regulator).suspend(w.dispenser.address, REASON);
      await registry.connect(w.council).renew(w.regulator.address, w.licenceUntil + YEAR, LICENCE);
      await time.increaseTo(w.licenceUntil);
      await registry.connect(w.regulator).reinstate(w.dispenser.address);
      expect(await registry.isAuthorised(w.dispenser.address, Role.Dispenser)).to.equal(false);
    });

    it("authorises no one for the None role and gives an unregistered account no standing", async function () {
      expect(await registry.isAuthorised(w.outsider.address, Role.None)).to.equal(false);
      expect(await registry.isAuthorised(w.manufacturer.address, Role.None)).to.equal(false);
      expect(await standingOf(registry, w.outsider.address)).to.deep.equal([Role.None, false, false]);
      expect(await recordOf(registry, w.outsider.address)).to.deep.equal({
        role: Role.None,
        status: Status.None,
        validUntil: 0n,
        gln: 0n,
        jurisdiction: "0x0000",
        updatedAt: 0n,
        licenceHash: ethers.ZeroHash,
        metadataHash: ethers.ZeroHash,
      });
    });
  });

  // ------------------------------------------------------------------ pause / unpause

  describe("pause and unpause", function () {
    it("lets the admin pause and unpause, which standing reports", async function () {
      await expect(registry.connect(w.council).pause()).to.emit(registry, "Paused").withArgs(w.council.address);
      expect(await registry.paused()).to.equal(true);
      expect(await standingOf(registry, w.manufacturer.address)).to.deep.equal([Role.Manufacturer, true, true]);
      expect(await standingOf(registry, w.outsider.address)).to.deep.equal([Role.None, false, true]);
      await expect(registry.connect(w.council).unpause()).to.emit(registry, "Unpaused").withArgs(w.council.address);
      expect(await registry.paused()).to.equal(false);
      expect(await standingOf(registry, w.manufacturer.address)).to.deep.equal([Role.Manufacturer, true, false]);
    });

    it("keeps the views working while paused", async function () {
      await registry.connect(w.council).pause();
      expect(await registry.isAuthorised(w.manufacturer.address, Role.Manufacturer)).to.equal(true);
      expect((await recordOf(registry, w.manufacturer.address)).status).to.equal(Status.Active);
    });

    it("resumes state changes after unpausing", async function () {
      await registry.connect(w.council).pause();
      await registry.connect(w.council).unpause();
      await expect(
        registry.connect(newcomer).applyForRole(Role.Manufacturer, LICENCE, GLN, JURISDICTION, META),
      ).to.emit(registry, "StakeholderApplied");
    });

    for (const [label, caller] of [
      ["a regulator", (): HardhatEthersSigner => w.regulator],
      ["an unregistered account", (): HardhatEthersSigner => w.outsider],
    ] as const) {
      it(`refuses a pause by ${label}`, async function () {
        const signer = caller();
        await expect(registry.connect(signer).pause())
          .to.be.revertedWithCustomError(registry, "AccessControlUnauthorizedAccount")
          .withArgs(signer.address, DEFAULT_ADMIN_ROLE);
        expect(await registry.paused()).to.equal(false);
      });

      it(`refuses an unpause by ${label}`, async function () {
        const signer = caller();
        await registry.connect(w.council).pause();
        await expect(registry.connect(signer).unpause())
          .to.be.revertedWithCustomError(registry, "AccessControlUnauthorizedAccount")
          .withArgs(signer.address, DEFAULT_ADMIN_ROLE);
        expect(await registry.paused()).to.equal(true);
      });
    }

    it("lets the council suspend and revoke a rogue regulator while paused; everything else stays paused", async function () {
      await registry.connect(w.regulator).revoke(w.manufacturer.address, REASON); // a proposal pending before the pause
      await registry.connect(w.council).pause();
      await expect(registry.connect(w.council).suspend(w.regulator2.address, REASON))
        .to.emit(registry, "StakeholderSuspended")
        .withArgs(w.regulator2.address, w.council.address, REASON);
      await expect(registry.connect(w.council).revoke(w.regulator2.address, REASON))
        .to.emit(registry, "StakeholderRevoked")
        .withArgs(w.regulator2.address, w.council.address, REASON);
      expect(await standingOf(registry, w.regulator2.address)).to.deep.equal([Role.Regulator, false, true]);
      expect(await registry.paused()).to.equal(true);

      const stillPaused: [string, () => Promise<ContractTransactionResponse>][] = [
        ["a regulator's suspension", () => registry.connect(w.regulator).suspend(w.distributor.address, REASON)],
        [
          "a regulator's proposed revocation",
          () => registry.connect(w.regulator).revoke(w.distributor.address, REASON),
        ],
        ["a regulator's approval", () => registry.connect(w.regulator).approve(w.distributor.address, w.licenceUntil)],
        ["the council's confirmation", () => registry.connect(w.council).revoke(w.manufacturer.address, REASON)],
        ["the council's reinstatement", () => registry.connect(w.council).reinstate(w.regulator.address)],
        [
          "the council's renewal",
          () => registry.connect(w.council).renew(w.regulator.address, w.licenceUntil, LICENCE),
        ],
        [
          "the council's appointment",
          () =>
            registry
              .connect(w.council)
              .appointRegulator(newRegulator.address, LICENCE, 0, JURISDICTION, w.licenceUntil),
        ],
      ];
      for (const [label, call] of stillPaused) {
        await expect(call(), label).to.be.revertedWithCustomError(registry, "ProtocolPaused");
      }
      expect((await recordOf(registry, w.manufacturer.address)).status).to.equal(Status.Active);
    });

    it("refuses to pause twice", async function () {
      await registry.connect(w.council).pause();
      await expect(registry.connect(w.council).pause()).to.be.revertedWithCustomError(registry, "EnforcedPause");
    });

    it("refuses to unpause when not paused", async function () {
      await expect(registry.connect(w.council).unpause()).to.be.revertedWithCustomError(registry, "ExpectedPause");
    });
  });

  // ------------------------------------------------------------------ admin transfer

  describe("admin transfer", function () {
    it("reports a delay of ADMIN_DELAY", async function () {
      expect(await registry.defaultAdminDelay()).to.equal(ADMIN_DELAY);
    });

    it("makes the new admin wait ADMIN_DELAY before accepting, then moves every admin power", async function () {
      const tx = registry.connect(w.council).beginDefaultAdminTransfer(newAdmin.address);
      const begunAt = await minedAt(tx);
      const schedule = begunAt + ADMIN_DELAY;
      await expect(tx).to.emit(registry, "DefaultAdminTransferScheduled").withArgs(newAdmin.address, schedule);
      const [pending, pendingSchedule] = await registry.pendingDefaultAdmin();
      expect(pending).to.equal(newAdmin.address);
      expect(pendingSchedule).to.equal(schedule);

      await expect(registry.connect(newAdmin).acceptDefaultAdminTransfer())
        .to.be.revertedWithCustomError(registry, "AccessControlEnforcedDefaultAdminDelay")
        .withArgs(schedule);
      await time.setNextBlockTimestamp(schedule);
      await expect(registry.connect(newAdmin).acceptDefaultAdminTransfer())
        .to.be.revertedWithCustomError(registry, "AccessControlEnforcedDefaultAdminDelay")
        .withArgs(schedule);
      expect(await registry.defaultAdmin()).to.equal(w.council.address);

      await time.setNextBlockTimestamp(schedule + 1n);
      await expect(registry.connect(newAdmin).acceptDefaultAdminTransfer())
        .to.emit(registry, "RoleRevoked")
        .withArgs(DEFAULT_ADMIN_ROLE, w.council.address, newAdmin.address)
        .and.to.emit(registry, "RoleGranted")
        .withArgs(DEFAULT_ADMIN_ROLE, newAdmin.address, newAdmin.address);
      expect(await registry.defaultAdmin()).to.equal(newAdmin.address);
      expect(await registry.hasRole(DEFAULT_ADMIN_ROLE, newAdmin.address)).to.equal(true);
      expect(await registry.hasRole(DEFAULT_ADMIN_ROLE, w.council.address)).to.equal(false);

      // The old admin has lost its powers ...
      await expect(registry.connect(w.council).pause())
        .to.be.revertedWithCustomError(registry, "AccessControlUnauthorizedAccount")
        .withArgs(w.council.address, DEFAULT_ADMIN_ROLE);
      await expect(
        registry.connect(w.council).appointRegulator(newRegulator.address, LICENCE, GLN, JURISDICTION, w.licenceUntil),
      )
        .to.be.revertedWithCustomError(registry, "AccessControlUnauthorizedAccount")
        .withArgs(w.council.address, DEFAULT_ADMIN_ROLE);
      await expect(registry.connect(w.council).suspend(w.regulator2.address, REASON))
        .to.be.revertedWithCustomError(registry, "RegistryNotAllowed")
        .withArgs(w.council.address, w.regulator2.address);
      // ... which the new admin holds.
      await expect(
        registry.connect(newAdmin).appointRegulator(newRegulator.address, LICENCE, GLN, JURISDICTION, w.licenceUntil),
      )
        .to.emit(registry, "RegulatorAppointed")
        .withArgs(newRegulator.address, newAdmin.address, LICENCE, GLN, JURISDICTION, w.licenceUntil);
      await expect(registry.connect(newAdmin).suspend(w.regulator2.address, REASON))
        .to.emit(registry, "StakeholderSuspended")
        .withArgs(w.regulator2.address, newAdmin.address, REASON);
      await expect(registry.connect(newAdmin).pause()).to.emit(registry, "Paused").withArgs(newAdmin.address);
    });

    it("refuses an acceptance by an account that is not the pending admin", async function () {
      await registry.connect(w.council).beginDefaultAdminTransfer(newAdmin.address);
      await time.increase(ADMIN_DELAY + 1n);
      await expect(registry.connect(w.outsider).acceptDefaultAdminTransfer())
        .to.be.revertedWithCustomError(registry, "AccessControlInvalidDefaultAdmin")
        .withArgs(w.outsider.address);
      expect(await registry.defaultAdmin()).to.equal(w.council.address);
    });

    it("refuses to begin a transfer from an account that is not the admin", async function () {
      await expect(registry.connect(w.regulator).beginDefaultAdminTransfer(w.regulator.address))
        .to.be.revertedWithCustomError(registry, "AccessControlUnauthorizedAccount")
        .withArgs(w.regulator.address, DEFAULT_ADMIN_ROLE);
    });

    it("refuses to grant the admin role directly, bypassing the delay", async function () {
      await expect(
        registry.connect(w.council).grantRole(DEFAULT_ADMIN_ROLE, newAdmin.address),
      ).to.be.revertedWithCustomError(registry, "AccessControlEnforcedDefaultAdminRules");
      expect(await registry.hasRole(DEFAULT_ADMIN_ROLE, newAdmin.address)).to.equal(false);
    });
  });
});
