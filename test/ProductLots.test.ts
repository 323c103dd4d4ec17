import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { ContractTransactionResponse, TypedDataDomain } from "ethers";
import type { ERC1271MaliciousMock, ERC1271WalletMock, ProductLots } from "../typechain-types";
import type { IProductLots } from "../typechain-types/contracts/ProductLots";
import { Manifest } from "../sdk/src/manifest";
import { gs1CheckDigit, gtinToUint64, lotIdOf } from "../sdk/src/gs1";
import {
  LOT_ATTESTATION_TYPES,
  LotAttestation,
  pharmaChainDomain,
  recoverAttestationSigner,
  signLotAttestation,
} from "../sdk/src/attestation";
import {
  DAY,
  GTIN,
  GTIN2,
  JURISDICTION,
  NO_SIGNATURE,
  Role,
  Status,
  World,
  YEAR,
  attestationFor,
  bytes32,
  commission,
  domainOf,
  range,
  serialsFor,
  sig,
  worldFixture,
} from "./helpers/fixture";

// ------------------------------------------------------------------ local vocabulary

enum ProductStatus {
  None,
  Proposed,
  Approved,
  Rejected,
}

enum LotStatus {
  None,
  Pending,
  Released,
}

enum MaliciousMode {
  AcceptAll,
  WrongMagic,
  Revert,
  ShortReturn,
}

const LOT_ATTESTATION_TYPE =
  "LotAttestation(bytes32 lotId,uint64 gtin,string lotNumber,uint64 expiresAt,uint32 unitCount,bytes32 serialsRoot,bytes32 dataHash,address manufacturer,uint64 deadline)";

/** The order of secp256k1. */
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const ECRECOVER = "0x0000000000000000000000000000000000000001";
const UINT40_LIMIT = 2n ** 40n;

function manifestOf(prefix = "S"): Manifest {
  return Manifest.fromSerials(serialsFor(prefix, 8));
}

/** A fresh GTIN-14 value with a valid check digit (company prefix 0614141, item reference 77xxx). */
function gtinNumbered(n: number): bigint {
  const body = `06141417${n.toString().padStart(5, "0")}`;
  return BigInt(body + gs1CheckDigit(body));
}

/** `keccak256(abi.encode(gtin, lotNumber))` without the SDK's lot-number check, for malformed lot numbers. */
function rawLotId(gtin: bigint, lotNumber: string): string {
  return ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(["uint64", "string"], [gtin, lotNumber]));
}

async function minedAt(tx: ContractTransactionResponse): Promise<bigint> {
  const receipt = await tx.wait();
  if (receipt === null) throw new Error("transaction not mined");
  const block = await ethers.provider.getBlock(receipt.blockNumber);
  if (block === null) throw new Error("block not found");
  return BigInt(block.timestamp);
}

interface DecodedWord {
  manufacturer: string;
  expiresAt: bigint;
  unitCount: bigint;
  status: bigint;
  recalled: bigint;
  above: bigint;
}

/** `manufacturer | expiresAt << 160 | unitCount << 200 | status << 232 | recalled << 240`. */
function decodeLotWord(word: bigint): DecodedWord {
  return {
    manufacturer: ethers.getAddress(ethers.toBeHex(word & ((1n << 160n) - 1n), 20)),
    expiresAt: (word >> 160n) & ((1n << 40n) - 1n),
    unitCount: (word >> 200n) & ((1n << 32n) - 1n),
    status: (word >> 232n) & 0xffn,
    recalled: (word >> 240n) & 0xffn,
    above: word >> 248n,
  };
}

/** Checks that `lotWord`, `lotWords` and `lotStanding` agree with `lot()` field for field. */
async function expectViewsAgree(lots: ProductLots, lotId: string): Promise<void> {
  const l = await lots.lot(lotId);
  const word = await lots.lotWord(lotId);
  const [word2, serialsRoot] = await lots.lotWords(lotId);
  expect(word2).to.equal(word);
  expect(serialsRoot).to.equal(l.serialsRoot);
  const d = decodeLotWord(word);
  expect(d.manufacturer).to.equal(l.manufacturer);
  expect(d.expiresAt).to.equal(l.expiresAt);
  expect(d.unitCount).to.equal(l.unitCount);
  expect(d.status).to.equal(l.status);
  expect(d.recalled).to.equal(l.recalled ? 1n : 0n);
  expect(d.above).to.equal(0n);
  const s = await lots.lotStanding(lotId);
  expect(s.manufacturer).to.equal(l.manufacturer);
  expect(s.unitCount).to.equal(l.unitCount);
  expect(s.expiresAt).to.equal(l.expiresAt);
  expect(s.status).to.equal(l.status);
  expect(s.recalled).to.equal(l.recalled);
  expect(s.serialsRoot).to.equal(l.serialsRoot);
}

/** Replaces `s` by `n - s` and flips `v` (27 <-> 28): the other, high-s, signature of the same message and key. */
function malleate(signature: string): { signature: string; r: string; s: string; v: number } {
  const bytes = ethers.getBytes(signature);
  expect(bytes.length).to.equal(65);
  const r = ethers.hexlify(bytes.slice(0, 32));
  const s = ethers.toBigInt(bytes.slice(32, 64));
  const v = bytes[64] === 27 ? 28 : 27;
  const highS = ethers.toBeHex(SECP256K1_N - s, 32);
  return { signature: ethers.concat([r, highS, new Uint8Array([v])]), r, s: highS, v };
}

async function appointRegulator(w: World, account: string, label: string): Promise<void> {
  await w.registry
    .connect(w.council)
    .appointRegulator(account, bytes32(`licence:${label}`), 0, JURISDICTION, w.licenceUntil);
}

async function extraSigners(): Promise<{
  lineKey: HardhatEthersSigner;
  regulatorKey: HardhatEthersSigner;
  strangerKey: HardhatEthersSigner;
}> {
  const all = await ethers.getSigners();
  // The fixture uses the first eleven accounts.
  return { lineKey: all[11], regulatorKey: all[12], strangerKey: all[13] };
}

async function signedByBoth(w: World, att: LotAttestation, domain?: TypedDataDomain) {
  const d = domain ?? (await domainOf(w));
  const ms = await signLotAttestation(w.manufacturer, d, att);
  const rs = await signLotAttestation(w.regulator, d, att);
  return { m: sig(w.manufacturer.address, ms), r: sig(w.regulator.address, rs), ms, rs };
}

/**
 * The attestation of the latest commissioning of `lotId` and the signatures it was recorded with, rebuilt from its
 * `LotCommissioned` and `LotSigned` events alone, as anyone can.
 */
async function rebuiltFromEvents(
  lots: ProductLots,
  lotId: string,
): Promise<{ att: LotAttestation; m: IProductLots.SignerSignatureStruct; r: IProductLots.SignerSignatureStruct }> {
  const commissioned = (await lots.queryFilter(lots.filters.LotCommissioned(lotId))).at(-1);
  if (commissioned === undefined) throw new Error(`lot ${lotId} was never commissioned`);
  const signed = (await lots.queryFilter(lots.filters.LotSigned(lotId))).filter(
    (e) => e.transactionHash === commissioned.transactionHash,
  );
  expect(signed.length).to.be.greaterThan(0);
  const c = commissioned.args;
  const att: LotAttestation = {
    lotId: c.lotId,
    gtin: c.gtin,
    lotNumber: c.lotNumber,
    expiresAt: c.expiresAt,
    unitCount: Number(c.unitCount),
    serialsRoot: c.serialsRoot,
    dataHash: c.dataHash,
    manufacturer: c.manufacturer,
    deadline: signed[0].args.deadline,
  };
  const placed = (byRegulator: boolean) => {
    const e = signed.find((x) => x.args.byRegulator === byRegulator);
    return e === undefined ? NO_SIGNATURE : sig(e.args.signer, e.args.signature);
  };
  return { att, m: placed(false), r: placed(true) };
}

// ------------------------------------------------------------------ signer kinds

/** A place's signer: its address, a valid signature, and a signature of the same attestation by a key it does not trust. */
interface Place {
  address: string;
  sign(att: LotAttestation): Promise<string>;
  signWithWrongKey(att: LotAttestation): Promise<string>;
}

interface KindWorld {
  manufacturerPlace: Place;
  regulatorPlace: Place;
  /** A signer the manufacturer authorised with `setSigner`, signing in its place. */
  delegatePlace: Place;
  /** A signer with a valid signature that is neither the manufacturer nor a signer it authorised. */
  unlistedManufacturerSigner: Place;
  /** A signer with a valid signature that is not an authorised regulator. */
  unlistedRegulator: Place;
}

function eoaPlace(signer: HardhatEthersSigner, wrongKey: HardhatEthersSigner, domain: TypedDataDomain): Place {
  return {
    address: signer.address,
    sign: (att) => signLotAttestation(signer, domain, att),
    signWithWrongKey: (att) => signLotAttestation(wrongKey, domain, att),
  };
}

async function walletPlace(
  owner: HardhatEthersSigner,
  wrongKey: HardhatEthersSigner,
  domain: TypedDataDomain,
): Promise<{ place: Place; wallet: ERC1271WalletMock }> {
  const wallet = await ethers.deployContract("ERC1271WalletMock", [owner.address]);
  const address = await wallet.getAddress();
  return {
    wallet,
    place: {
      address,
      sign: (att) => signLotAttestation(owner, domain, att),
      signWithWrongKey: (att) => signLotAttestation(wrongKey, domain, att),
    },
  };
}

const SIGNER_KINDS: { name: string; setup(w: World): Promise<KindWorld> }[] = [
  {
    name: "EOAs",
    async setup(w) {
      const domain = await domainOf(w);
      const { lineKey } = await extraSigners();
      await w.lots.connect(w.manufacturer).setSigner(lineKey.address, true);
      return {
        manufacturerPlace: eoaPlace(w.manufacturer, w.outsider, domain),
        regulatorPlace: eoaPlace(w.regulator, w.outsider, domain),
        delegatePlace: eoaPlace(lineKey, w.outsider, domain),
        unlistedManufacturerSigner: eoaPlace(w.outsider, w.distributor, domain),
        unlistedRegulator: eoaPlace(w.distributor, w.outsider, domain),
      };
    },
  },
  {
    name: "ERC-1271 contract wallets",
    async setup(w) {
      const domain = await domainOf(w);
      const { lineKey, regulatorKey, strangerKey } = await extraSigners();
      const line = await walletPlace(lineKey, w.outsider, domain);
      await w.lots.connect(w.manufacturer).setSigner(line.place.address, true);
      const reg = await walletPlace(regulatorKey, w.outsider, domain);
      await appointRegulator(w, reg.place.address, "wallet-regulator");
      const strangerM = await walletPlace(strangerKey, w.outsider, domain);
      const strangerR = await walletPlace(strangerKey, w.outsider, domain);
      return {
        manufacturerPlace: line.place,
        regulatorPlace: reg.place,
        delegatePlace: line.place,
        unlistedManufacturerSigner: strangerM.place,
        unlistedRegulator: strangerR.place,
      };
    },
  },
];

// ------------------------------------------------------------------ tests

describe("ProductLots", function () {
  describe("deployment", function () {
    it("refuses a zero registry", async function () {
      const factory = await ethers.getContractFactory("ProductLots");
      await expect(factory.deploy(ethers.ZeroAddress)).to.be.revertedWithCustomError(factory, "LotsZeroAddress");
    });

    it("reports the registry it was deployed with", async function () {
      const w = await loadFixture(worldFixture);
      expect(await w.lots.registry()).to.equal(await w.registry.getAddress());
    });
  });

  describe("products", function () {
    describe("registerProduct", function () {
      it("registers a proposed product under the calling manufacturer", async function () {
        const w = await loadFixture(worldFixture);
        const gtin = gtinNumbered(1);
        const tx = await w.lots.connect(w.manufacturer).registerProduct(gtin, bytes32("meta"));
        await expect(tx).to.emit(w.lots, "ProductRegistered").withArgs(gtin, w.manufacturer.address, bytes32("meta"));
        const p = await w.lots.product(gtin);
        expect(p.manufacturer).to.equal(w.manufacturer.address);
        expect(p.status).to.equal(ProductStatus.Proposed);
        expect(p.registeredAt).to.equal(await minedAt(tx));
      });

      it("accepts a GTIN-8 stored as the value of its GTIN-14 form", async function () {
        const w = await loadFixture(worldFixture);
        const gtin = gtinToUint64("96385074");
        await expect(w.lots.connect(w.manufacturer).registerProduct(gtin, bytes32("meta")))
          .to.emit(w.lots, "ProductRegistered")
          .withArgs(gtin, w.manufacturer.address, bytes32("meta"));
      });

      it("refuses a distributor, an unregistered account and a suspended manufacturer", async function () {
        const w = await loadFixture(worldFixture);
        await w.registry.connect(w.regulator).suspend(w.manufacturer2.address, bytes32("reason"));
        const gtin = gtinNumbered(2);
        for (const caller of [w.distributor, w.outsider, w.manufacturer2]) {
          await expect(w.lots.connect(caller).registerProduct(gtin, bytes32("meta")))
            .to.be.revertedWithCustomError(w.lots, "UnauthorisedAccount")
            .withArgs(caller.address, Role.Manufacturer);
        }
        expect((await w.lots.product(gtin)).status).to.equal(ProductStatus.None);
      });

      it("refuses a GTIN with a wrong check digit, zero, and a 15-digit value", async function () {
        const w = await loadFixture(worldFixture);
        const wrongCheckDigit = GTIN + 1n; // 00614141123453
        const fifteenDigits = 10n ** 14n + GTIN; // 100614141123452: its last 14 digits are a valid GTIN-14
        for (const gtin of [wrongCheckDigit, 0n, fifteenDigits]) {
          await expect(w.lots.connect(w.manufacturer).registerProduct(gtin, bytes32("meta")))
            .to.be.revertedWithCustomError(w.lots, "ProductsInvalidGtin")
            .withArgs(gtin);
        }
      });

      it("refuses a GTIN that is already registered, by anyone", async function () {
        const w = await loadFixture(worldFixture);
        for (const caller of [w.manufacturer, w.manufacturer2]) {
          await expect(w.lots.connect(caller).registerProduct(GTIN, bytes32("again")))
            .to.be.revertedWithCustomError(w.lots, "ProductsAlreadyRegistered")
            .withArgs(GTIN);
        }
        expect((await w.lots.product(GTIN)).manufacturer).to.equal(w.manufacturer.address);
      });

      it("refuses while the protocol is paused", async function () {
        const w = await loadFixture(worldFixture);
        await w.registry.connect(w.council).pause();
        await expect(
          w.lots.connect(w.manufacturer).registerProduct(gtinNumbered(3), bytes32("meta")),
        ).to.be.revertedWithCustomError(w.lots, "ProtocolPaused");
      });
    });

    describe("approveProduct and rejectProduct", function () {
      it("lets a regulator approve a proposed product", async function () {
        const w = await loadFixture(worldFixture);
        const gtin = gtinNumbered(4);
        await w.lots.connect(w.manufacturer).registerProduct(gtin, bytes32("meta"));
        await expect(w.lots.connect(w.regulator2).approveProduct(gtin))
          .to.emit(w.lots, "ProductApproved")
          .withArgs(gtin, w.regulator2.address);
        const p = await w.lots.product(gtin);
        expect(p.status).to.equal(ProductStatus.Approved);
        expect(p.manufacturer).to.equal(w.manufacturer.address);
      });

      it("lets a regulator reject a proposed product", async function () {
        const w = await loadFixture(worldFixture);
        const gtin = gtinNumbered(5);
        await w.lots.connect(w.manufacturer).registerProduct(gtin, bytes32("meta"));
        await expect(w.lots.connect(w.regulator).rejectProduct(gtin, bytes32("reason")))
          .to.emit(w.lots, "ProductRejected")
          .withArgs(gtin, w.regulator.address, bytes32("reason"));
        expect((await w.lots.product(gtin)).status).to.equal(ProductStatus.Rejected);
      });

      it("lets a rejected product be registered again, by its rightful manufacturer", async function () {
        const w = await loadFixture(worldFixture);
        const gtin = gtinNumbered(6);
        await w.lots.connect(w.manufacturer2).registerProduct(gtin, bytes32("squat"));
        await w.lots.connect(w.regulator).rejectProduct(gtin, bytes32("not your company prefix"));
        await expect(w.lots.connect(w.manufacturer).registerProduct(gtin, bytes32("meta")))
          .to.emit(w.lots, "ProductRegistered")
          .withArgs(gtin, w.manufacturer.address, bytes32("meta"));
        const p = await w.lots.product(gtin);
        expect(p.status).to.equal(ProductStatus.Proposed);
        expect(p.manufacturer).to.equal(w.manufacturer.address);
      });

      it("refuses approval and rejection by anyone but an active regulator", async function () {
        const w = await loadFixture(worldFixture);
        const gtin = gtinNumbered(6);
        await w.lots.connect(w.manufacturer).registerProduct(gtin, bytes32("meta"));
        await w.registry.connect(w.council).suspend(w.regulator2.address, bytes32("reason"));
        for (const caller of [w.manufacturer, w.distributor, w.outsider, w.regulator2]) {
          await expect(w.lots.connect(caller).approveProduct(gtin))
            .to.be.revertedWithCustomError(w.lots, "UnauthorisedAccount")
            .withArgs(caller.address, Role.Regulator);
          await expect(w.lots.connect(caller).rejectProduct(gtin, bytes32("reason")))
            .to.be.revertedWithCustomError(w.lots, "UnauthorisedAccount")
            .withArgs(caller.address, Role.Regulator);
        }
        expect((await w.lots.product(gtin)).status).to.equal(ProductStatus.Proposed);
      });

      it("refuses to rule on an unknown product", async function () {
        const w = await loadFixture(worldFixture);
        const gtin = gtinNumbered(7);
        await expect(w.lots.connect(w.regulator).approveProduct(gtin))
          .to.be.revertedWithCustomError(w.lots, "ProductsUnknownProduct")
          .withArgs(gtin);
        await expect(w.lots.connect(w.regulator).rejectProduct(gtin, bytes32("r")))
          .to.be.revertedWithCustomError(w.lots, "ProductsUnknownProduct")
          .withArgs(gtin);
      });

      it("refuses to rule on a product that is no longer proposed", async function () {
        const w = await loadFixture(worldFixture);
        const rejected = gtinNumbered(8);
        await w.lots.connect(w.manufacturer).registerProduct(rejected, bytes32("meta"));
        await w.lots.connect(w.regulator).rejectProduct(rejected, bytes32("r"));
        const cases: [bigint, ProductStatus][] = [
          [GTIN, ProductStatus.Approved],
          [rejected, ProductStatus.Rejected],
        ];
        for (const [gtin, status] of cases) {
          await expect(w.lots.connect(w.regulator).approveProduct(gtin))
            .to.be.revertedWithCustomError(w.lots, "ProductsInvalidStatus")
            .withArgs(gtin, status);
          await expect(w.lots.connect(w.regulator).rejectProduct(gtin, bytes32("r")))
            .to.be.revertedWithCustomError(w.lots, "ProductsInvalidStatus")
            .withArgs(gtin, status);
        }
      });

      it("refuses to rule while the protocol is paused", async function () {
        const w = await loadFixture(worldFixture);
        const gtin = gtinNumbered(9);
        await w.lots.connect(w.manufacturer).registerProduct(gtin, bytes32("meta"));
        await w.registry.connect(w.council).pause();
        await expect(w.lots.connect(w.regulator).approveProduct(gtin)).to.be.revertedWithCustomError(
          w.lots,
          "ProtocolPaused",
        );
        await expect(w.lots.connect(w.regulator).rejectProduct(gtin, bytes32("r"))).to.be.revertedWithCustomError(
          w.lots,
          "ProtocolPaused",
        );
      });
    });

    describe("setSigner", function () {
      it("authorises and then removes a signer for the calling manufacturer only", async function () {
        const w = await loadFixture(worldFixture);
        const { lineKey } = await extraSigners();
        expect(await w.lots.isSigner(w.manufacturer.address, lineKey.address)).to.equal(false);
        await expect(w.lots.connect(w.manufacturer).setSigner(lineKey.address, true))
          .to.emit(w.lots, "SignerAuthorised")
          .withArgs(w.manufacturer.address, lineKey.address, true);
        expect(await w.lots.isSigner(w.manufacturer.address, lineKey.address)).to.equal(true);
        expect(await w.lots.isSigner(w.manufacturer2.address, lineKey.address)).to.equal(false);
        await expect(w.lots.connect(w.manufacturer).setSigner(lineKey.address, false))
          .to.emit(w.lots, "SignerAuthorised")
          .withArgs(w.manufacturer.address, lineKey.address, false);
        expect(await w.lots.isSigner(w.manufacturer.address, lineKey.address)).to.equal(false);
      });

      it("counts a manufacturer as its own signer", async function () {
        const w = await loadFixture(worldFixture);
        expect(await w.lots.isSigner(w.manufacturer.address, w.manufacturer.address)).to.equal(true);
        expect(await w.lots.isSigner(w.manufacturer.address, w.manufacturer2.address)).to.equal(false);
      });

      it("refuses the zero address", async function () {
        const w = await loadFixture(worldFixture);
        await expect(w.lots.connect(w.manufacturer).setSigner(ethers.ZeroAddress, true)).to.be.revertedWithCustomError(
          w.lots,
          "LotsZeroAddress",
        );
      });

      it("refuses the manufacturer itself, which always signs for itself", async function () {
        const w = await loadFixture(worldFixture);
        await expect(w.lots.connect(w.manufacturer).setSigner(w.manufacturer.address, false))
          .to.be.revertedWithCustomError(w.lots, "LotsInvalidSigner")
          .withArgs(w.manufacturer.address, false);
        expect(await w.lots.isSigner(w.manufacturer.address, w.manufacturer.address)).to.equal(true);
      });

      it("refuses a caller that is not an active manufacturer", async function () {
        const w = await loadFixture(worldFixture);
        const { lineKey } = await extraSigners();
        for (const caller of [w.distributor, w.regulator, w.outsider]) {
          await expect(w.lots.connect(caller).setSigner(lineKey.address, true))
            .to.be.revertedWithCustomError(w.lots, "UnauthorisedAccount")
            .withArgs(caller.address, Role.Manufacturer);
        }
      });

      const lostStandings: [string, (w: World) => Promise<unknown>][] = [
        [
          "a suspended manufacturer",
          (w) => w.registry.connect(w.regulator).suspend(w.manufacturer.address, bytes32("reason")),
        ],
        [
          "a revoked manufacturer",
          // two keys: one regulator proposes, another confirms
          async (w) => {
            await w.registry.connect(w.regulator).revoke(w.manufacturer.address, bytes32("reason"));
            return w.registry.connect(w.regulator2).revoke(w.manufacturer.address, bytes32("reason"));
          },
        ],
        ["a manufacturer whose licence has lapsed", (w) => time.increaseTo(w.licenceUntil)],
      ];
      for (const [label, lose] of lostStandings) {
        it(`lets ${label} withdraw a signer, but not authorise one`, async function () {
          const w = await loadFixture(worldFixture);
          const { lineKey, strangerKey } = await extraSigners();
          await w.lots.connect(w.manufacturer).setSigner(lineKey.address, true);
          await lose(w);
          expect(await w.registry.isAuthorised(w.manufacturer.address, Role.Manufacturer)).to.equal(false);
          await expect(w.lots.connect(w.manufacturer).setSigner(lineKey.address, false))
            .to.emit(w.lots, "SignerAuthorised")
            .withArgs(w.manufacturer.address, lineKey.address, false);
          expect(await w.lots.isSigner(w.manufacturer.address, lineKey.address)).to.equal(false);
          for (const signer of [lineKey, strangerKey]) {
            await expect(w.lots.connect(w.manufacturer).setSigner(signer.address, true))
              .to.be.revertedWithCustomError(w.lots, "UnauthorisedAccount")
              .withArgs(w.manufacturer.address, Role.Manufacturer);
            expect(await w.lots.isSigner(w.manufacturer.address, signer.address)).to.equal(false);
          }
        });
      }

      it("lets a manufacturer withdraw a signer while the protocol is paused, but not authorise one", async function () {
        const w = await loadFixture(worldFixture);
        const { lineKey, strangerKey } = await extraSigners();
        await w.lots.connect(w.manufacturer).setSigner(lineKey.address, true);
        await w.registry.connect(w.council).pause();
        await expect(w.lots.connect(w.manufacturer).setSigner(lineKey.address, false))
          .to.emit(w.lots, "SignerAuthorised")
          .withArgs(w.manufacturer.address, lineKey.address, false);
        expect(await w.lots.isSigner(w.manufacturer.address, lineKey.address)).to.equal(false);
        await expect(w.lots.connect(w.manufacturer).setSigner(strangerKey.address, true)).to.be.revertedWithCustomError(
          w.lots,
          "ProtocolPaused",
        );
        expect(await w.lots.isSigner(w.manufacturer.address, strangerKey.address)).to.equal(false);
        await w.registry.connect(w.council).unpause();
        await expect(w.lots.connect(w.manufacturer).setSigner(strangerKey.address, true))
          .to.emit(w.lots, "SignerAuthorised")
          .withArgs(w.manufacturer.address, strangerKey.address, true);
      });

      it("refuses a withdrawal by an account that is not a manufacturer, paused or not; another manufacturer withdraws only its own", async function () {
        const w = await loadFixture(worldFixture);
        const { lineKey } = await extraSigners();
        await w.lots.connect(w.manufacturer).setSigner(lineKey.address, true);
        for (const paused of [false, true]) {
          if (paused) await w.registry.connect(w.council).pause();
          for (const caller of [w.distributor, w.regulator, w.outsider, w.manufacturer2]) {
            if (caller === w.manufacturer2) {
              // Another manufacturer withdraws only its own signers: the manufacturer's stays.
              await expect(w.lots.connect(caller).setSigner(lineKey.address, false))
                .to.emit(w.lots, "SignerAuthorised")
                .withArgs(caller.address, lineKey.address, false);
              continue;
            }
            await expect(w.lots.connect(caller).setSigner(lineKey.address, false))
              .to.be.revertedWithCustomError(w.lots, "UnauthorisedAccount")
              .withArgs(caller.address, Role.Manufacturer);
          }
        }
        expect(await w.lots.isSigner(w.manufacturer.address, lineKey.address)).to.equal(true);
      });

      it("refuses to withdraw the zero address or the manufacturer itself, whatever its standing", async function () {
        const w = await loadFixture(worldFixture);
        await w.registry.connect(w.regulator).suspend(w.manufacturer.address, bytes32("reason"));
        await w.registry.connect(w.council).pause();
        await expect(w.lots.connect(w.manufacturer).setSigner(ethers.ZeroAddress, false)).to.be.revertedWithCustomError(
          w.lots,
          "LotsZeroAddress",
        );
        await expect(w.lots.connect(w.manufacturer).setSigner(w.manufacturer.address, false))
          .to.be.revertedWithCustomError(w.lots, "LotsInvalidSigner")
          .withArgs(w.manufacturer.address, false);
      });
    });
  });

  describe("EIP-712", function () {
    it("exposes the normative domain through eip712Domain()", async function () {
      const w = await loadFixture(worldFixture);
      const [fields, name, version, chainId, verifyingContract, salt, extensions] = await w.lots.eip712Domain();
      expect(fields).to.equal("0x0f");
      expect(name).to.equal("PharmaChain");
      expect(version).to.equal("1");
      expect(chainId).to.equal(w.chainId);
      expect(verifyingContract).to.equal(await w.lots.getAddress());
      expect(salt).to.equal(ethers.ZeroHash);
      expect(extensions).to.deep.equal([]);
    });

    it("defines LOT_ATTESTATION_TYPEHASH as the hash of the normative type", async function () {
      const w = await loadFixture(worldFixture);
      expect(await w.lots.LOT_ATTESTATION_TYPEHASH()).to.equal(
        ethers.keccak256(ethers.toUtf8Bytes(LOT_ATTESTATION_TYPE)),
      );
      expect(ethers.TypedDataEncoder.from(LOT_ATTESTATION_TYPES).encodeType("LotAttestation")).to.equal(
        LOT_ATTESTATION_TYPE,
      );
    });

    it("computes the same attestation digest as ethers' TypedDataEncoder", async function () {
      const w = await loadFixture(worldFixture);
      const domain = await domainOf(w);
      const att = await attestationFor(w, manifestOf());
      expect(await w.lots.attestationDigest(att)).to.equal(
        ethers.TypedDataEncoder.hash(domain, LOT_ATTESTATION_TYPES, att),
      );
      const other = { ...att, dataHash: bytes32("other") };
      expect(await w.lots.attestationDigest(other)).to.equal(
        ethers.TypedDataEncoder.hash(domain, LOT_ATTESTATION_TYPES, other),
      );
      expect(await w.lots.attestationDigest(other)).to.not.equal(await w.lots.attestationDigest(att));
    });
  });

  describe("commissionLot", function () {
    it("commissions and releases a lot signed by the manufacturer and a regulator", async function () {
      const w = await loadFixture(worldFixture);
      const manifest = manifestOf();
      const att = await attestationFor(w, manifest);
      const { m, r, ms, rs } = await signedByBoth(w, att);
      expect(await w.lots.commissionLot.staticCall(att, m, r)).to.equal(att.lotId);
      const tx = await w.lots.connect(w.outsider).commissionLot(att, m, r);
      await expect(tx)
        .to.emit(w.lots, "LotCommissioned")
        .withArgs(
          att.lotId,
          GTIN,
          w.manufacturer.address,
          att.lotNumber,
          att.expiresAt,
          manifest.size,
          manifest.root,
          att.dataHash,
        );
      await expect(tx)
        .to.emit(w.lots, "LotSigned")
        .withArgs(att.lotId, w.manufacturer.address, false, ms, att.deadline);
      await expect(tx).to.emit(w.lots, "LotSigned").withArgs(att.lotId, w.regulator.address, true, rs, att.deadline);
      await expect(tx).to.emit(w.lots, "LotReleased").withArgs(att.lotId);
      const at = await minedAt(tx);

      const l = await w.lots.lot(att.lotId);
      expect(l.gtin).to.equal(GTIN);
      expect(l.manufacturer).to.equal(w.manufacturer.address);
      expect(l.expiresAt).to.equal(att.expiresAt);
      expect(l.unitCount).to.equal(manifest.size);
      expect(l.status).to.equal(LotStatus.Released);
      expect(l.recalled).to.equal(false);
      expect(l.commissionedAt).to.equal(at);
      expect(l.releasedAt).to.equal(at);
      expect(l.recalledAt).to.equal(0n);
      expect(l.serialsRoot).to.equal(manifest.root);
      expect(l.dataHash).to.equal(att.dataHash);
      expect(l.manufacturerSigner).to.equal(w.manufacturer.address);
      expect(l.regulatorSigner).to.equal(w.regulator.address);

      const s = await w.lots.lotStanding(att.lotId);
      expect(s.manufacturer).to.equal(w.manufacturer.address);
      expect(s.unitCount).to.equal(manifest.size);
      expect(s.expiresAt).to.equal(att.expiresAt);
      expect(s.status).to.equal(LotStatus.Released);
      expect(s.recalled).to.equal(false);
      expect(s.serialsRoot).to.equal(manifest.root);

      const d = decodeLotWord(await w.lots.lotWord(att.lotId));
      expect(d).to.deep.equal({
        manufacturer: w.manufacturer.address,
        expiresAt: att.expiresAt,
        unitCount: BigInt(manifest.size),
        status: BigInt(LotStatus.Released),
        recalled: 0n,
        above: 0n,
      });
      await expectViewsAgree(w.lots, att.lotId);
    });

    it("reports an unknown lot as all zero in every view", async function () {
      const w = await loadFixture(worldFixture);
      const lotId = lotIdOf(GTIN, "NEVER");
      expect(await w.lots.lotWord(lotId)).to.equal(0n);
      const [word, root] = await w.lots.lotWords(lotId);
      expect(word).to.equal(0n);
      expect(root).to.equal(ethers.ZeroHash);
      const l = await w.lots.lot(lotId);
      expect(l.status).to.equal(LotStatus.None);
      expect(l.manufacturer).to.equal(ethers.ZeroAddress);
      expect(l.manufacturerSigner).to.equal(ethers.ZeroAddress);
      expect((await w.lots.lotStanding(lotId)).status).to.equal(LotStatus.None);
    });

    it("stores the largest expiry that fits in 40 bits and decodes it from the lot word", async function () {
      const w = await loadFixture(worldFixture);
      const base = await attestationFor(w, manifestOf());
      const att = { ...base, expiresAt: UINT40_LIMIT - 1n };
      const { m, r } = await signedByBoth(w, att);
      await w.lots.commissionLot(att, m, r);
      expect((await w.lots.lot(att.lotId)).expiresAt).to.equal(UINT40_LIMIT - 1n);
      expect(decodeLotWord(await w.lots.lotWord(att.lotId)).expiresAt).to.equal(UINT40_LIMIT - 1n);
      await expectViewsAgree(w.lots, att.lotId);
    });

    it("leaves a lot signed only by the manufacturer pending until a regulator co-signs it", async function () {
      const w = await loadFixture(worldFixture);
      const att = await attestationFor(w, manifestOf());
      const { m, rs } = await signedByBoth(w, att);
      const tx = await w.lots.commissionLot(att, m, NO_SIGNATURE);
      await expect(tx).to.emit(w.lots, "LotCommissioned");
      await expect(tx)
        .to.emit(w.lots, "LotSigned")
        .withArgs(att.lotId, w.manufacturer.address, false, m.signature, att.deadline);
      await expect(tx).to.not.emit(w.lots, "LotReleased");
      const commissionedAt = await minedAt(tx);
      let l = await w.lots.lot(att.lotId);
      expect(l.status).to.equal(LotStatus.Pending);
      expect(l.commissionedAt).to.equal(commissionedAt);
      expect(l.releasedAt).to.equal(0n);
      expect(l.manufacturerSigner).to.equal(w.manufacturer.address);
      expect(l.regulatorSigner).to.equal(ethers.ZeroAddress);
      await expectViewsAgree(w.lots, att.lotId);

      const co = await w.lots.connect(w.outsider).cosignLot(att, sig(w.regulator.address, rs));
      await expect(co).to.emit(w.lots, "LotSigned").withArgs(att.lotId, w.regulator.address, true, rs, att.deadline);
      await expect(co).to.emit(w.lots, "LotReleased").withArgs(att.lotId);
      l = await w.lots.lot(att.lotId);
      expect(l.status).to.equal(LotStatus.Released);
      expect(l.commissionedAt).to.equal(commissionedAt);
      expect(l.releasedAt).to.equal(await minedAt(co));
      expect(l.manufacturerSigner).to.equal(w.manufacturer.address);
      expect(l.regulatorSigner).to.equal(w.regulator.address);
      await expectViewsAgree(w.lots, att.lotId);
    });

    it("leaves a lot signed only by a regulator pending until the manufacturer co-signs it", async function () {
      const w = await loadFixture(worldFixture);
      const att = await attestationFor(w, manifestOf());
      const { r, ms } = await signedByBoth(w, att);
      const tx = await w.lots.commissionLot(att, NO_SIGNATURE, r);
      await expect(tx)
        .to.emit(w.lots, "LotSigned")
        .withArgs(att.lotId, w.regulator.address, true, r.signature, att.deadline);
      await expect(tx).to.not.emit(w.lots, "LotReleased");
      let l = await w.lots.lot(att.lotId);
      expect(l.status).to.equal(LotStatus.Pending);
      expect(l.manufacturerSigner).to.equal(ethers.ZeroAddress);
      expect(l.regulatorSigner).to.equal(w.regulator.address);
      await expectViewsAgree(w.lots, att.lotId);

      const co = await w.lots.cosignLot(att, sig(w.manufacturer.address, ms));
      await expect(co)
        .to.emit(w.lots, "LotSigned")
        .withArgs(att.lotId, w.manufacturer.address, false, ms, att.deadline);
      await expect(co).to.emit(w.lots, "LotReleased").withArgs(att.lotId);
      l = await w.lots.lot(att.lotId);
      expect(l.status).to.equal(LotStatus.Released);
      expect(l.releasedAt).to.equal(await minedAt(co));
      expect(l.manufacturerSigner).to.equal(w.manufacturer.address);
      expect(l.regulatorSigner).to.equal(w.regulator.address);
      await expectViewsAgree(w.lots, att.lotId);
    });

    it("lets a signer the manufacturer authorised sign in its place", async function () {
      const w = await loadFixture(worldFixture);
      const { lineKey } = await extraSigners();
      await w.lots.connect(w.manufacturer).setSigner(lineKey.address, true);
      const att = await attestationFor(w, manifestOf());
      const domain = await domainOf(w);
      const ls = await signLotAttestation(lineKey, domain, att);
      const { r } = await signedByBoth(w, att, domain);
      await expect(w.lots.commissionLot(att, sig(lineKey.address, ls), r))
        .to.emit(w.lots, "LotSigned")
        .withArgs(att.lotId, lineKey.address, false, ls, att.deadline);
      const l = await w.lots.lot(att.lotId);
      expect(l.manufacturer).to.equal(w.manufacturer.address);
      expect(l.manufacturerSigner).to.equal(lineKey.address);
      expect(l.status).to.equal(LotStatus.Released);
    });

    it("stops accepting a signer once the manufacturer removes it", async function () {
      const w = await loadFixture(worldFixture);
      const { lineKey } = await extraSigners();
      await w.lots.connect(w.manufacturer).setSigner(lineKey.address, true);
      const att = await attestationFor(w, manifestOf());
      const ls = sig(lineKey.address, await signLotAttestation(lineKey, await domainOf(w), att));
      expect(await w.lots.commissionLot.staticCall(att, ls, NO_SIGNATURE)).to.equal(att.lotId);
      await w.lots.connect(w.manufacturer).setSigner(lineKey.address, false);
      await expect(w.lots.commissionLot(att, ls, NO_SIGNATURE))
        .to.be.revertedWithCustomError(w.lots, "LotsInvalidSigner")
        .withArgs(lineKey.address, false);
    });
  });

  for (const kind of SIGNER_KINDS) {
    describe(`signatures from ${kind.name}`, function () {
      async function setup(): Promise<{ w: World; k: KindWorld; att: LotAttestation }> {
        const w = await loadFixture(worldFixture);
        const k = await kind.setup(w);
        const att = await attestationFor(w, manifestOf());
        return { w, k, att };
      }

      it("commissions and releases a lot signed in both places", async function () {
        const { w, k, att } = await setup();
        const ms = await k.manufacturerPlace.sign(att);
        const rs = await k.regulatorPlace.sign(att);
        const tx = await w.lots.commissionLot(
          att,
          sig(k.manufacturerPlace.address, ms),
          sig(k.regulatorPlace.address, rs),
        );
        await expect(tx)
          .to.emit(w.lots, "LotSigned")
          .withArgs(att.lotId, k.manufacturerPlace.address, false, ms, att.deadline);
        await expect(tx)
          .to.emit(w.lots, "LotSigned")
          .withArgs(att.lotId, k.regulatorPlace.address, true, rs, att.deadline);
        await expect(tx).to.emit(w.lots, "LotReleased").withArgs(att.lotId);
        const l = await w.lots.lot(att.lotId);
        expect(l.status).to.equal(LotStatus.Released);
        expect(l.manufacturer).to.equal(w.manufacturer.address);
        expect(l.manufacturerSigner).to.equal(k.manufacturerPlace.address);
        expect(l.regulatorSigner).to.equal(k.regulatorPlace.address);
      });

      it("releases a lot pending on the regulator place when that place co-signs", async function () {
        const { w, k, att } = await setup();
        await w.lots.commissionLot(
          att,
          sig(k.manufacturerPlace.address, await k.manufacturerPlace.sign(att)),
          NO_SIGNATURE,
        );
        expect((await w.lots.lot(att.lotId)).status).to.equal(LotStatus.Pending);
        const rs = await k.regulatorPlace.sign(att);
        await expect(w.lots.cosignLot(att, sig(k.regulatorPlace.address, rs)))
          .to.emit(w.lots, "LotSigned")
          .withArgs(att.lotId, k.regulatorPlace.address, true, rs, att.deadline);
        const l = await w.lots.lot(att.lotId);
        expect(l.status).to.equal(LotStatus.Released);
        expect(l.regulatorSigner).to.equal(k.regulatorPlace.address);
      });

      it("releases a lot pending on the manufacturer place when that place co-signs", async function () {
        const { w, k, att } = await setup();
        await w.lots.commissionLot(att, NO_SIGNATURE, sig(k.regulatorPlace.address, await k.regulatorPlace.sign(att)));
        const ms = await k.manufacturerPlace.sign(att);
        await expect(w.lots.cosignLot(att, sig(k.manufacturerPlace.address, ms)))
          .to.emit(w.lots, "LotSigned")
          .withArgs(att.lotId, k.manufacturerPlace.address, false, ms, att.deadline);
        const l = await w.lots.lot(att.lotId);
        expect(l.status).to.equal(LotStatus.Released);
        expect(l.manufacturerSigner).to.equal(k.manufacturerPlace.address);
      });

      it("refuses a manufacturer-place signature made with the wrong key", async function () {
        const { w, k, att } = await setup();
        const bad = sig(k.manufacturerPlace.address, await k.manufacturerPlace.signWithWrongKey(att));
        await expect(w.lots.commissionLot(att, bad, NO_SIGNATURE))
          .to.be.revertedWithCustomError(w.lots, "LotsInvalidSignature")
          .withArgs(k.manufacturerPlace.address);
        const rs = sig(k.regulatorPlace.address, await k.regulatorPlace.sign(att));
        await expect(w.lots.commissionLot(att, bad, rs))
          .to.be.revertedWithCustomError(w.lots, "LotsInvalidSignature")
          .withArgs(k.manufacturerPlace.address);
      });

      it("refuses a regulator-place signature made with the wrong key", async function () {
        const { w, k, att } = await setup();
        const bad = sig(k.regulatorPlace.address, await k.regulatorPlace.signWithWrongKey(att));
        await expect(w.lots.commissionLot(att, NO_SIGNATURE, bad))
          .to.be.revertedWithCustomError(w.lots, "LotsInvalidSignature")
          .withArgs(k.regulatorPlace.address);
        const ms = sig(k.manufacturerPlace.address, await k.manufacturerPlace.sign(att));
        await expect(w.lots.commissionLot(att, ms, bad))
          .to.be.revertedWithCustomError(w.lots, "LotsInvalidSignature")
          .withArgs(k.regulatorPlace.address);
      });

      it("refuses a co-signature made with the wrong key", async function () {
        const { w, k, att } = await setup();
        await w.lots.commissionLot(
          att,
          sig(k.manufacturerPlace.address, await k.manufacturerPlace.sign(att)),
          NO_SIGNATURE,
        );
        const bad = sig(k.regulatorPlace.address, await k.regulatorPlace.signWithWrongKey(att));
        await expect(w.lots.cosignLot(att, bad))
          .to.be.revertedWithCustomError(w.lots, "LotsInvalidSignature")
          .withArgs(k.regulatorPlace.address);
        expect((await w.lots.lot(att.lotId)).status).to.equal(LotStatus.Pending);
      });

      it("refuses a signer the manufacturer has not authorised in the manufacturer place", async function () {
        const { w, k, att } = await setup();
        const u = k.unlistedManufacturerSigner;
        await expect(w.lots.commissionLot(att, sig(u.address, await u.sign(att)), NO_SIGNATURE))
          .to.be.revertedWithCustomError(w.lots, "LotsInvalidSigner")
          .withArgs(u.address, false);
      });

      it("refuses a signer that is not an authorised regulator in the regulator place", async function () {
        const { w, k, att } = await setup();
        const u = k.unlistedRegulator;
        await expect(w.lots.commissionLot(att, NO_SIGNATURE, sig(u.address, await u.sign(att))))
          .to.be.revertedWithCustomError(w.lots, "LotsInvalidSigner")
          .withArgs(u.address, true);
      });

      it("refuses the manufacturer-place signer in the regulator place, and the regulator in the manufacturer place", async function () {
        const { w, k, att } = await setup();
        const ms = await k.manufacturerPlace.sign(att);
        const rs = await k.regulatorPlace.sign(att);
        await expect(w.lots.commissionLot(att, sig(k.regulatorPlace.address, rs), NO_SIGNATURE))
          .to.be.revertedWithCustomError(w.lots, "LotsInvalidSigner")
          .withArgs(k.regulatorPlace.address, false);
        await expect(w.lots.commissionLot(att, NO_SIGNATURE, sig(k.manufacturerPlace.address, ms)))
          .to.be.revertedWithCustomError(w.lots, "LotsInvalidSigner")
          .withArgs(k.manufacturerPlace.address, true);
      });

      for (const first of ["manufacturer", "regulator"] as const) {
        it(`refuses a voided attestation signed first in the ${first} place, rebuilt from its events, with either or both signatures`, async function () {
          const { w, k, att } = await setup();
          const m = sig(k.manufacturerPlace.address, await k.manufacturerPlace.sign(att));
          const r = sig(k.regulatorPlace.address, await k.regulatorPlace.sign(att));
          await w.lots.commissionLot(
            att,
            first === "manufacturer" ? m : NO_SIGNATURE,
            first === "regulator" ? r : NO_SIGNATURE,
          );
          const digest = await w.lots.attestationDigest(att);
          expect(await w.lots.voidedAttestations(digest)).to.equal(false);
          const voider = first === "manufacturer" ? w.regulator : w.manufacturer;
          await expect(w.lots.connect(voider).voidLot(att.lotId, bytes32("draft")))
            .to.emit(w.lots, "LotVoided")
            .withArgs(att.lotId, voider.address, bytes32("draft"));
          expect(await w.lots.voidedAttestations(digest)).to.equal(true);

          const rebuilt = await rebuiltFromEvents(w.lots, att.lotId);
          expect(rebuilt.att).to.deep.equal(att);
          const firstSignature = first === "manufacturer" ? rebuilt.m : rebuilt.r;
          expect(firstSignature.signer).to.equal(first === "manufacturer" ? m.signer : r.signer);
          const attempts: [IProductLots.SignerSignatureStruct, IProductLots.SignerSignatureStruct][] = [
            first === "manufacturer" ? [rebuilt.m, NO_SIGNATURE] : [NO_SIGNATURE, rebuilt.r],
            [m, NO_SIGNATURE],
            [NO_SIGNATURE, r],
            [m, r],
          ];
          for (const [ms, rs] of attempts) {
            await expect(w.lots.connect(w.outsider).commissionLot(rebuilt.att, ms, rs))
              .to.be.revertedWithCustomError(w.lots, "LotsAttestationVoided")
              .withArgs(digest);
          }
          expect((await w.lots.lot(att.lotId)).status).to.equal(LotStatus.None);
          expect(await w.lots.lotWord(att.lotId)).to.equal(0n);
          expect(await w.lots.voidedAttestations(digest)).to.equal(true);
        });
      }

      it("refuses to release a lot with a co-signature over a voided attestation, and accepts one over the corrected attestation", async function () {
        const { w, k, att } = await setup();
        const m = sig(k.manufacturerPlace.address, await k.manufacturerPlace.sign(att));
        await w.lots.commissionLot(att, m, NO_SIGNATURE);
        await w.lots.connect(w.regulator).voidLot(att.lotId, bytes32("draft"));
        const corrected = { ...att, deadline: att.deadline + 1n };
        await w.lots.commissionLot(
          corrected,
          NO_SIGNATURE,
          sig(k.regulatorPlace.address, await k.regulatorPlace.sign(corrected)),
        );
        await expect(w.lots.cosignLot(att, m))
          .to.be.revertedWithCustomError(w.lots, "LotsAttestationVoided")
          .withArgs(await w.lots.attestationDigest(att));
        let l = await w.lots.lot(att.lotId);
        expect(l.status).to.equal(LotStatus.Pending);
        expect(l.manufacturerSigner).to.equal(ethers.ZeroAddress);

        const ms = await k.manufacturerPlace.sign(corrected);
        await expect(w.lots.cosignLot(corrected, sig(k.manufacturerPlace.address, ms)))
          .to.emit(w.lots, "LotSigned")
          .withArgs(att.lotId, k.manufacturerPlace.address, false, ms, corrected.deadline);
        l = await w.lots.lot(att.lotId);
        expect(l.status).to.equal(LotStatus.Released);
        expect(l.manufacturerSigner).to.equal(k.manufacturerPlace.address);
        expect(l.regulatorSigner).to.equal(k.regulatorPlace.address);
        expect(await w.lots.voidedAttestations(await w.lots.attestationDigest(corrected))).to.equal(false);
      });

      it("refuses to release a lot by co-signature once its first, regulator-place signer is suspended, and releases it once reinstated", async function () {
        const { w, k, att } = await setup();
        await w.lots.commissionLot(att, NO_SIGNATURE, sig(k.regulatorPlace.address, await k.regulatorPlace.sign(att)));
        await w.registry.connect(w.council).suspend(k.regulatorPlace.address, bytes32("reason"));
        const ms = await k.manufacturerPlace.sign(att);
        await expect(w.lots.cosignLot(att, sig(k.manufacturerPlace.address, ms)))
          .to.be.revertedWithCustomError(w.lots, "LotsInvalidSigner")
          .withArgs(k.regulatorPlace.address, true);
        let l = await w.lots.lot(att.lotId);
        expect(l.status).to.equal(LotStatus.Pending);
        expect(l.manufacturerSigner).to.equal(ethers.ZeroAddress);
        expect(l.regulatorSigner).to.equal(k.regulatorPlace.address);

        await w.registry.connect(w.council).reinstate(k.regulatorPlace.address);
        await expect(w.lots.cosignLot(att, sig(k.manufacturerPlace.address, ms)))
          .to.emit(w.lots, "LotReleased")
          .withArgs(att.lotId);
        l = await w.lots.lot(att.lotId);
        expect(l.status).to.equal(LotStatus.Released);
        expect(l.manufacturerSigner).to.equal(k.manufacturerPlace.address);
      });

      it("refuses to release a lot by co-signature once the manufacturer withdraws its first, delegated signer, and releases it once authorised again", async function () {
        const { w, k, att } = await setup();
        const d = k.delegatePlace;
        await w.lots.commissionLot(att, sig(d.address, await d.sign(att)), NO_SIGNATURE);
        await expect(w.lots.connect(w.manufacturer).setSigner(d.address, false))
          .to.emit(w.lots, "SignerAuthorised")
          .withArgs(w.manufacturer.address, d.address, false);
        const rs = await k.regulatorPlace.sign(att);
        await expect(w.lots.cosignLot(att, sig(k.regulatorPlace.address, rs)))
          .to.be.revertedWithCustomError(w.lots, "LotsInvalidSigner")
          .withArgs(d.address, false);
        let l = await w.lots.lot(att.lotId);
        expect(l.status).to.equal(LotStatus.Pending);
        expect(l.manufacturerSigner).to.equal(d.address);
        expect(l.regulatorSigner).to.equal(ethers.ZeroAddress);

        await w.lots.connect(w.manufacturer).setSigner(d.address, true);
        await expect(w.lots.cosignLot(att, sig(k.regulatorPlace.address, rs)))
          .to.emit(w.lots, "LotReleased")
          .withArgs(att.lotId);
        l = await w.lots.lot(att.lotId);
        expect(l.status).to.equal(LotStatus.Released);
        expect(l.regulatorSigner).to.equal(k.regulatorPlace.address);
      });

      it("refuses both signatures at once when either signer has lost its standing", async function () {
        const { w, k, att } = await setup();
        const dm = sig(k.delegatePlace.address, await k.delegatePlace.sign(att));
        const r = sig(k.regulatorPlace.address, await k.regulatorPlace.sign(att));
        expect(await w.lots.commissionLot.staticCall(att, dm, r)).to.equal(att.lotId);
        await w.registry.connect(w.council).suspend(k.regulatorPlace.address, bytes32("reason"));
        await expect(w.lots.commissionLot(att, dm, r))
          .to.be.revertedWithCustomError(w.lots, "LotsInvalidSigner")
          .withArgs(k.regulatorPlace.address, true);
        await w.registry.connect(w.council).reinstate(k.regulatorPlace.address);
        await w.lots.connect(w.manufacturer).setSigner(k.delegatePlace.address, false);
        await expect(w.lots.commissionLot(att, dm, r))
          .to.be.revertedWithCustomError(w.lots, "LotsInvalidSigner")
          .withArgs(k.delegatePlace.address, false);
        expect((await w.lots.lot(att.lotId)).status).to.equal(LotStatus.None);
      });
    });
  }

  describe("malicious ERC-1271 wallets", function () {
    async function maliciousWorld(
      mode: MaliciousMode,
    ): Promise<{ w: World; mal: ERC1271MaliciousMock; address: string; att: LotAttestation }> {
      const w = await loadFixture(worldFixture);
      const mal = await ethers.deployContract("ERC1271MaliciousMock");
      await mal.setMode(mode);
      const att = await attestationFor(w, manifestOf());
      return { w, mal, address: await mal.getAddress(), att };
    }

    const badModes: [string, MaliciousMode][] = [
      ["WrongMagic", MaliciousMode.WrongMagic],
      ["Revert", MaliciousMode.Revert],
      ["ShortReturn", MaliciousMode.ShortReturn],
    ];

    for (const [label, mode] of badModes) {
      it(`refuses a ${label} wallet that the manufacturer authorised, though it accepts the same wallet once it answers properly`, async function () {
        const { w, mal, address, att } = await maliciousWorld(mode);
        await w.lots.connect(w.manufacturer).setSigner(address, true);
        const claimed = sig(address, "0x1234");
        await expect(w.lots.commissionLot(att, claimed, NO_SIGNATURE))
          .to.be.revertedWithCustomError(w.lots, "LotsInvalidSignature")
          .withArgs(address);
        await mal.setMode(MaliciousMode.AcceptAll);
        expect(await w.lots.commissionLot.staticCall(att, claimed, NO_SIGNATURE)).to.equal(att.lotId);
      });

      it(`refuses a ${label} wallet appointed as a regulator`, async function () {
        const { w, mal, address, att } = await maliciousWorld(mode);
        await appointRegulator(w, address, `malicious-${label}`);
        const claimed = sig(address, "0x1234");
        await expect(w.lots.commissionLot(att, NO_SIGNATURE, claimed))
          .to.be.revertedWithCustomError(w.lots, "LotsInvalidSignature")
          .withArgs(address);
        await mal.setMode(MaliciousMode.AcceptAll);
        expect(await w.lots.commissionLot.staticCall(att, NO_SIGNATURE, claimed)).to.equal(att.lotId);
      });

      it(`refuses a ${label} wallet as a co-signer`, async function () {
        const { w, address, att } = await maliciousWorld(mode);
        await appointRegulator(w, address, `malicious-co-${label}`);
        const { m } = await signedByBoth(w, att);
        await w.lots.commissionLot(att, m, NO_SIGNATURE);
        await expect(w.lots.cosignLot(att, sig(address, "0x1234")))
          .to.be.revertedWithCustomError(w.lots, "LotsInvalidSignature")
          .withArgs(address);
        expect((await w.lots.lot(att.lotId)).status).to.equal(LotStatus.Pending);
      });
    }

    it("refuses an accept-all wallet that is neither an authorised signer nor a regulator", async function () {
      const { w, address, att } = await maliciousWorld(MaliciousMode.AcceptAll);
      const claimed = sig(address, "0x");
      await expect(w.lots.commissionLot(att, claimed, NO_SIGNATURE))
        .to.be.revertedWithCustomError(w.lots, "LotsInvalidSigner")
        .withArgs(address, false);
      await expect(w.lots.commissionLot(att, NO_SIGNATURE, claimed))
        .to.be.revertedWithCustomError(w.lots, "LotsInvalidSigner")
        .withArgs(address, true);
      const { m } = await signedByBoth(w, att);
      await expect(w.lots.commissionLot(att, m, claimed))
        .to.be.revertedWithCustomError(w.lots, "LotsInvalidSigner")
        .withArgs(address, true);
    });
  });

  describe("commissionLot refusals", function () {
    it("refuses an attestation whose deadline has passed", async function () {
      const w = await loadFixture(worldFixture);
      const att = await attestationFor(w, manifestOf(), { deadlineIn: DAY });
      const { m, r } = await signedByBoth(w, att);
      await time.increaseTo(att.deadline + 1n);
      await expect(w.lots.commissionLot(att, m, r))
        .to.be.revertedWithCustomError(w.lots, "LotsExpiredDeadline")
        .withArgs(att.deadline);
      await expect(w.lots.commissionLot(att, m, NO_SIGNATURE))
        .to.be.revertedWithCustomError(w.lots, "LotsExpiredDeadline")
        .withArgs(att.deadline);
    });

    it("accepts an attestation in the block whose time is its deadline", async function () {
      const w = await loadFixture(worldFixture);
      const att = await attestationFor(w, manifestOf(), { deadlineIn: DAY });
      const { m, r } = await signedByBoth(w, att);
      await time.setNextBlockTimestamp(att.deadline);
      const tx = await w.lots.commissionLot(att, m, r);
      await expect(tx).to.emit(w.lots, "LotReleased").withArgs(att.lotId);
      expect(await minedAt(tx)).to.equal(att.deadline);
    });

    it("refuses a suspended regulator's signature", async function () {
      const w = await loadFixture(worldFixture);
      const att = await attestationFor(w, manifestOf());
      const { m } = await signedByBoth(w, att);
      const r2 = sig(w.regulator2.address, await signLotAttestation(w.regulator2, await domainOf(w), att));
      expect(await w.lots.commissionLot.staticCall(att, m, r2)).to.equal(att.lotId);
      await w.registry.connect(w.council).suspend(w.regulator2.address, bytes32("reason"));
      await expect(w.lots.commissionLot(att, m, r2))
        .to.be.revertedWithCustomError(w.lots, "LotsInvalidSigner")
        .withArgs(w.regulator2.address, true);
    });

    it("refuses a regulator whose licence has expired", async function () {
      const w = await loadFixture(worldFixture);
      const { regulatorKey } = await extraSigners();
      const until = BigInt(await time.latest()) + 2n * DAY;
      await w.registry
        .connect(w.council)
        .appointRegulator(regulatorKey.address, bytes32("licence:short"), 0, JURISDICTION, until);
      await time.increaseTo(until);
      const att = await attestationFor(w, manifestOf());
      const rs = sig(regulatorKey.address, await signLotAttestation(regulatorKey, await domainOf(w), att));
      await expect(w.lots.commissionLot(att, NO_SIGNATURE, rs))
        .to.be.revertedWithCustomError(w.lots, "LotsInvalidSigner")
        .withArgs(regulatorKey.address, true);
    });

    it("refuses a distributor in the regulator place", async function () {
      const w = await loadFixture(worldFixture);
      const att = await attestationFor(w, manifestOf());
      const { m } = await signedByBoth(w, att);
      const ds = sig(w.distributor.address, await signLotAttestation(w.distributor, await domainOf(w), att));
      await expect(w.lots.commissionLot(att, m, ds))
        .to.be.revertedWithCustomError(w.lots, "LotsInvalidSigner")
        .withArgs(w.distributor.address, true);
    });

    it("refuses a lot of a product that is proposed, rejected or unknown", async function () {
      const w = await loadFixture(worldFixture);
      const proposed = gtinNumbered(10);
      const rejected = gtinNumbered(11);
      const unknown = gtinNumbered(12);
      await w.lots.connect(w.manufacturer).registerProduct(proposed, bytes32("meta"));
      await w.lots.connect(w.manufacturer).registerProduct(rejected, bytes32("meta"));
      await w.lots.connect(w.regulator).rejectProduct(rejected, bytes32("r"));
      const cases: [bigint, ProductStatus][] = [
        [proposed, ProductStatus.Proposed],
        [rejected, ProductStatus.Rejected],
        [unknown, ProductStatus.None],
      ];
      for (const [gtin, status] of cases) {
        const att = await attestationFor(w, manifestOf(), { gtin });
        const { m, r } = await signedByBoth(w, att);
        await expect(w.lots.commissionLot(att, m, r))
          .to.be.revertedWithCustomError(w.lots, "LotsProductNotApproved")
          .withArgs(gtin, status);
      }
    });

    it("refuses a lot attributed to another manufacturer than the product's", async function () {
      const w = await loadFixture(worldFixture);
      const att = await attestationFor(w, manifestOf(), { gtin: GTIN2, manufacturer: w.manufacturer });
      const { m, r } = await signedByBoth(w, att);
      await expect(w.lots.commissionLot(att, m, r))
        .to.be.revertedWithCustomError(w.lots, "LotsWrongManufacturer")
        .withArgs(GTIN2, w.manufacturer.address, w.manufacturer2.address);
    });

    it("refuses to commission the same lot twice", async function () {
      const w = await loadFixture(worldFixture);
      const { lotId, att } = await commission(w, manifestOf());
      const { m, r } = await signedByBoth(w, att);
      await expect(w.lots.commissionLot(att, m, r))
        .to.be.revertedWithCustomError(w.lots, "LotsAlreadyCommissioned")
        .withArgs(lotId);
      await expect(w.lots.commissionLot(att, m, NO_SIGNATURE))
        .to.be.revertedWithCustomError(w.lots, "LotsAlreadyCommissioned")
        .withArgs(lotId);
    });

    it("refuses to commission a pending lot again", async function () {
      const w = await loadFixture(worldFixture);
      const att = await attestationFor(w, manifestOf());
      const { m, r } = await signedByBoth(w, att);
      await w.lots.commissionLot(att, m, NO_SIGNATURE);
      await expect(w.lots.commissionLot(att, NO_SIGNATURE, r))
        .to.be.revertedWithCustomError(w.lots, "LotsAlreadyCommissioned")
        .withArgs(att.lotId);
    });

    it("refuses a lot of zero units", async function () {
      const w = await loadFixture(worldFixture);
      const att = { ...(await attestationFor(w, manifestOf())), unitCount: 0 };
      const { m, r } = await signedByBoth(w, att);
      await expect(w.lots.commissionLot(att, m, r)).to.be.revertedWithCustomError(w.lots, "LotsZeroUnits");
    });

    it("refuses an attestation without any signature", async function () {
      const w = await loadFixture(worldFixture);
      const att = await attestationFor(w, manifestOf());
      await expect(w.lots.commissionLot(att, NO_SIGNATURE, NO_SIGNATURE)).to.be.revertedWithCustomError(
        w.lots,
        "LotsMissingSignatures",
      );
    });

    it("refuses a lot id that is not derived from the GTIN and lot number", async function () {
      const w = await loadFixture(worldFixture);
      const base = await attestationFor(w, manifestOf());
      const expected = lotIdOf(GTIN, base.lotNumber);
      for (const lotId of [bytes32("arbitrary"), lotIdOf(GTIN2, base.lotNumber), lotIdOf(GTIN, "LOT-B2")]) {
        const att = { ...base, lotId };
        const { m, r } = await signedByBoth(w, att);
        await expect(w.lots.commissionLot(att, m, r))
          .to.be.revertedWithCustomError(w.lots, "LotsInvalidLotId")
          .withArgs(lotId, expected);
      }
    });

    it("refuses a lot number that is empty, 21 characters long, or has a space or '#'", async function () {
      const w = await loadFixture(worldFixture);
      const base = await attestationFor(w, manifestOf());
      for (const lotNumber of ["", "A".repeat(21), "LOT A1", "LOT#A1"]) {
        const att = { ...base, lotNumber, lotId: rawLotId(GTIN, lotNumber) };
        const { m, r } = await signedByBoth(w, att);
        await expect(w.lots.commissionLot(att, m, r))
          .to.be.revertedWithCustomError(w.lots, "LotsInvalidLotNumber")
          .withArgs(lotNumber);
      }
    });

    it("accepts a 20-character lot number using the AI 82 punctuation", async function () {
      const w = await loadFixture(worldFixture);
      const lotNumber = `!"%&'()*+,-./:;<=>?_`;
      expect(lotNumber.length).to.equal(20);
      const att = await attestationFor(w, manifestOf(), { lotNumber });
      const { m, r } = await signedByBoth(w, att);
      await expect(w.lots.commissionLot(att, m, r))
        .to.emit(w.lots, "LotCommissioned")
        .withArgs(
          att.lotId,
          GTIN,
          w.manufacturer.address,
          lotNumber,
          att.expiresAt,
          att.unitCount,
          att.serialsRoot,
          att.dataHash,
        );
    });

    it("refuses a lot that has already expired", async function () {
      const w = await loadFixture(worldFixture);
      const att = await attestationFor(w, manifestOf(), { expiresIn: 0n });
      const { m, r } = await signedByBoth(w, att);
      await expect(w.lots.commissionLot(att, m, r))
        .to.be.revertedWithCustomError(w.lots, "LotsAlreadyExpired")
        .withArgs(att.expiresAt);
    });

    it("refuses an expiry that does not fit in 40 bits", async function () {
      const w = await loadFixture(worldFixture);
      const base = await attestationFor(w, manifestOf());
      for (const expiresAt of [UINT40_LIMIT, 2n ** 64n - 1n]) {
        const att = { ...base, expiresAt };
        const { m, r } = await signedByBoth(w, att);
        await expect(w.lots.commissionLot(att, m, r))
          .to.be.revertedWithCustomError(w.lots, "LotsInvalidExpiry")
          .withArgs(expiresAt);
      }
    });

    it("refuses a lot of a suspended manufacturer", async function () {
      const w = await loadFixture(worldFixture);
      const att = await attestationFor(w, manifestOf());
      const { m, r } = await signedByBoth(w, att);
      await w.registry.connect(w.regulator).suspend(w.manufacturer.address, bytes32("reason"));
      await expect(w.lots.commissionLot(att, m, r))
        .to.be.revertedWithCustomError(w.lots, "UnauthorisedAccount")
        .withArgs(w.manufacturer.address, Role.Manufacturer);
      await expect(w.lots.commissionLot(att, NO_SIGNATURE, r))
        .to.be.revertedWithCustomError(w.lots, "UnauthorisedAccount")
        .withArgs(w.manufacturer.address, Role.Manufacturer);
    });

    it("refuses while the protocol is paused and accepts the same lot once it resumes", async function () {
      const w = await loadFixture(worldFixture);
      const att = await attestationFor(w, manifestOf());
      const { m, r } = await signedByBoth(w, att);
      await w.registry.connect(w.council).pause();
      await expect(w.lots.commissionLot(att, m, r)).to.be.revertedWithCustomError(w.lots, "ProtocolPaused");
      await w.registry.connect(w.council).unpause();
      await expect(w.lots.commissionLot(att, m, r))
        .to.emit(w.lots, "LotReleased")
        .withArgs(att.lotId);
    });

    it("refuses a signature whose attestation was changed after signing", async function () {
      const w = await loadFixture(worldFixture);
      const att = await attestationFor(w, manifestOf());
      const { m, r } = await signedByBoth(w, att);
      const changed = { ...att, unitCount: att.unitCount + 1 };
      await expect(w.lots.commissionLot(changed, m, NO_SIGNATURE))
        .to.be.revertedWithCustomError(w.lots, "LotsInvalidSignature")
        .withArgs(w.manufacturer.address);
      await expect(w.lots.commissionLot(changed, NO_SIGNATURE, r))
        .to.be.revertedWithCustomError(w.lots, "LotsInvalidSignature")
        .withArgs(w.regulator.address);
    });
  });

  describe("replays and malleability", function () {
    it("refuses a signature made for another chain id", async function () {
      const w = await loadFixture(worldFixture);
      const att = await attestationFor(w, manifestOf());
      const otherChain = pharmaChainDomain(w.chainId + 1n, await w.lots.getAddress());
      const ms = await signLotAttestation(w.manufacturer, otherChain, att);
      const rs = await signLotAttestation(w.regulator, otherChain, att);
      expect(recoverAttestationSigner(otherChain, att, ms)).to.equal(w.manufacturer.address);
      await expect(w.lots.commissionLot(att, sig(w.manufacturer.address, ms), NO_SIGNATURE))
        .to.be.revertedWithCustomError(w.lots, "LotsInvalidSignature")
        .withArgs(w.manufacturer.address);
      await expect(w.lots.commissionLot(att, NO_SIGNATURE, sig(w.regulator.address, rs)))
        .to.be.revertedWithCustomError(w.lots, "LotsInvalidSignature")
        .withArgs(w.regulator.address);
    });

    it("refuses a signature made for another ProductLots contract, which that contract accepts", async function () {
      const w = await loadFixture(worldFixture);
      const other = await ethers.deployContract("ProductLots", [await w.registry.getAddress()]);
      await other.connect(w.manufacturer).registerProduct(GTIN, bytes32("product:1"));
      await other.connect(w.regulator).approveProduct(GTIN);
      const att = await attestationFor(w, manifestOf());
      const otherDomain = pharmaChainDomain(w.chainId, await other.getAddress());
      const { m, r } = await signedByBoth(w, att, otherDomain);
      await expect(w.lots.commissionLot(att, m, NO_SIGNATURE))
        .to.be.revertedWithCustomError(w.lots, "LotsInvalidSignature")
        .withArgs(w.manufacturer.address);
      await expect(w.lots.commissionLot(att, NO_SIGNATURE, r))
        .to.be.revertedWithCustomError(w.lots, "LotsInvalidSignature")
        .withArgs(w.regulator.address);
      await expect(other.commissionLot(att, m, r))
        .to.emit(other, "LotReleased")
        .withArgs(att.lotId);
      expect((await w.lots.lot(att.lotId)).status).to.equal(LotStatus.None);
    });

    it("refuses the high-s twin of a valid signature, which ecrecover alone would accept", async function () {
      const w = await loadFixture(worldFixture);
      const att = await attestationFor(w, manifestOf());
      const { m, ms } = await signedByBoth(w, att);
      const twin = malleate(ms);
      expect(ethers.toBigInt(twin.s) > SECP256K1_N / 2n).to.equal(true);
      const digest = await w.lots.attestationDigest(att);
      const recovered = await ethers.provider.call({
        to: ECRECOVER,
        data: ethers.concat([digest, ethers.toBeHex(twin.v, 32), twin.r, twin.s]),
      });
      expect(ethers.getAddress(ethers.dataSlice(recovered, 12))).to.equal(w.manufacturer.address);

      await expect(w.lots.commissionLot(att, sig(w.manufacturer.address, twin.signature), NO_SIGNATURE))
        .to.be.revertedWithCustomError(w.lots, "LotsInvalidSignature")
        .withArgs(w.manufacturer.address);
      await expect(w.lots.commissionLot(att, m, NO_SIGNATURE)).to.emit(w.lots, "LotCommissioned");
    });

    it("refuses the high-s twin of a valid co-signature", async function () {
      const w = await loadFixture(worldFixture);
      const att = await attestationFor(w, manifestOf());
      const { m, r, rs } = await signedByBoth(w, att);
      await w.lots.commissionLot(att, m, NO_SIGNATURE);
      const twin = malleate(rs);
      await expect(w.lots.cosignLot(att, sig(w.regulator.address, twin.signature)))
        .to.be.revertedWithCustomError(w.lots, "LotsInvalidSignature")
        .withArgs(w.regulator.address);
      await expect(w.lots.cosignLot(att, r)).to.emit(w.lots, "LotReleased").withArgs(att.lotId);
    });
  });

  describe("voidLot", function () {
    it("lets the manufacturer or a regulator void a pending lot, freeing its id for a corrected attestation", async function () {
      const w = await loadFixture(worldFixture);
      for (const by of [w.manufacturer, w.regulator]) {
        const att = await attestationFor(w, manifestOf(), { lotNumber: `DRAFT-${by.address.slice(2, 8)}` });
        const { r } = await signedByBoth(w, att);
        await w.lots.commissionLot(att, NO_SIGNATURE, r);
        const reason = bytes32("draft attestation");
        await expect(w.lots.connect(by).voidLot(att.lotId, reason))
          .to.emit(w.lots, "LotVoided")
          .withArgs(att.lotId, by.address, reason);
        expect((await w.lots.lot(att.lotId)).status).to.equal(LotStatus.None);
        expect(await w.lots.lotWord(att.lotId)).to.equal(0n);
        const corrected = { ...att, deadline: att.deadline + 1n };
        const both = await signedByBoth(w, corrected);
        await expect(w.lots.commissionLot(corrected, both.m, both.r))
          .to.emit(w.lots, "LotReleased")
          .withArgs(att.lotId);
        expect((await w.lots.lot(att.lotId)).status).to.equal(LotStatus.Released);
        await expectViewsAgree(w.lots, att.lotId);
      }
    });

    it("commissions corrected attestations of a voided lot number (a new deadline, manifest or batch record) and refuses every voided one", async function () {
      const w = await loadFixture(worldFixture);
      const draft = await attestationFor(w, manifestOf());
      const corrections: LotAttestation[] = [
        draft,
        { ...draft, deadline: draft.deadline + 60n },
        { ...draft, serialsRoot: manifestOf("V").root },
        { ...draft, dataHash: bytes32("corrected batch record") },
      ];
      const voided: string[] = [];
      for (const att of corrections.slice(0, -1)) {
        const { m } = await signedByBoth(w, att);
        await expect(w.lots.commissionLot(att, m, NO_SIGNATURE))
          .to.emit(w.lots, "LotCommissioned")
          .withArgs(
            att.lotId,
            att.gtin,
            att.manufacturer,
            att.lotNumber,
            att.expiresAt,
            att.unitCount,
            att.serialsRoot,
            att.dataHash,
          );
        await w.lots.connect(w.regulator).voidLot(att.lotId, bytes32("wrong"));
        voided.push(await w.lots.attestationDigest(att));
      }
      expect(new Set(voided).size).to.equal(voided.length);
      for (const [i, att] of corrections.slice(0, -1).entries()) {
        const { m, r } = await signedByBoth(w, att);
        await expect(w.lots.commissionLot(att, m, r))
          .to.be.revertedWithCustomError(w.lots, "LotsAttestationVoided")
          .withArgs(voided[i]);
      }

      const final = corrections[corrections.length - 1];
      const { m, r, ms, rs } = await signedByBoth(w, final);
      const tx = await w.lots.commissionLot(final, m, r);
      await expect(tx)
        .to.emit(w.lots, "LotSigned")
        .withArgs(final.lotId, w.manufacturer.address, false, ms, final.deadline);
      await expect(tx)
        .to.emit(w.lots, "LotSigned")
        .withArgs(final.lotId, w.regulator.address, true, rs, final.deadline);
      await expect(tx).to.emit(w.lots, "LotReleased").withArgs(final.lotId);
      const l = await w.lots.lot(final.lotId);
      expect(l.status).to.equal(LotStatus.Released);
      expect(l.dataHash).to.equal(final.dataHash);
      expect(l.serialsRoot).to.equal(final.serialsRoot);
      expect(l.commissionedAt).to.equal(await minedAt(tx));
      await expectViewsAgree(w.lots, final.lotId);
      for (const digest of voided) expect(await w.lots.voidedAttestations(digest)).to.equal(true);
      expect(await w.lots.voidedAttestations(await w.lots.attestationDigest(final))).to.equal(false);
    });

    it("voids only the attestation the lot was recorded from, not the same lot of another product", async function () {
      const w = await loadFixture(worldFixture);
      const att = await attestationFor(w, manifestOf());
      const { m } = await signedByBoth(w, att);
      await w.lots.commissionLot(att, m, NO_SIGNATURE);
      await w.lots.connect(w.manufacturer).voidLot(att.lotId, bytes32("draft"));
      const other = await attestationFor(w, manifestOf(), { gtin: GTIN2, manufacturer: w.manufacturer2 });
      expect(other.lotNumber).to.equal(att.lotNumber);
      const domain = await domainOf(w);
      const om = sig(w.manufacturer2.address, await signLotAttestation(w.manufacturer2, domain, other));
      const or = sig(w.regulator.address, await signLotAttestation(w.regulator, domain, other));
      await expect(w.lots.commissionLot(other, om, or))
        .to.emit(w.lots, "LotReleased")
        .withArgs(other.lotId);
      expect(await w.lots.voidedAttestations(await w.lots.attestationDigest(other))).to.equal(false);
      expect(await w.lots.voidedAttestations(await w.lots.attestationDigest(att))).to.equal(true);
    });

    it("refuses to void a released or unknown lot, or by another party", async function () {
      const w = await loadFixture(worldFixture);
      const { att } = await commission(w, manifestOf());
      await expect(w.lots.connect(w.regulator).voidLot(att.lotId, ethers.ZeroHash))
        .to.be.revertedWithCustomError(w.lots, "LotsNotPending")
        .withArgs(att.lotId);
      const unknown = bytes32("unknown");
      await expect(w.lots.connect(w.regulator).voidLot(unknown, ethers.ZeroHash))
        .to.be.revertedWithCustomError(w.lots, "LotsUnknownLot")
        .withArgs(unknown);
      const att2 = await attestationFor(w, manifestOf("U"), { lotNumber: "PENDING-V" });
      const { m } = await signedByBoth(w, att2);
      await w.lots.commissionLot(att2, m, NO_SIGNATURE);
      for (const caller of [w.manufacturer2, w.distributor, w.outsider]) {
        await expect(w.lots.connect(caller).voidLot(att2.lotId, ethers.ZeroHash))
          .to.be.revertedWithCustomError(w.lots, "UnauthorisedAccount")
          .withArgs(caller.address, Role.Regulator);
      }
      await w.registry.connect(w.council).pause();
      await expect(w.lots.connect(w.regulator).voidLot(att2.lotId, ethers.ZeroHash)).to.be.revertedWithCustomError(
        w.lots,
        "ProtocolPaused",
      );
    });

    it("refuses to release a pending lot once it has expired", async function () {
      const w = await loadFixture(worldFixture);
      const att = await attestationFor(w, manifestOf(), { deadlineIn: 3n * YEAR });
      const { m, r } = await signedByBoth(w, att);
      await w.lots.commissionLot(att, m, NO_SIGNATURE);
      await time.increaseTo(att.expiresAt);
      await expect(w.lots.cosignLot(att, r))
        .to.be.revertedWithCustomError(w.lots, "LotsAlreadyExpired")
        .withArgs(att.expiresAt);
    });
  });

  describe("two parties, two accounts", function () {
    it("refuses one account in both places, even when the manufacturer made a regulator its signer", async function () {
      const w = await loadFixture(worldFixture);
      await w.lots.connect(w.manufacturer).setSigner(w.regulator.address, true);
      const att = await attestationFor(w, manifestOf());
      const rs = await signLotAttestation(w.regulator, await domainOf(w), att);
      await expect(w.lots.commissionLot(att, sig(w.regulator.address, rs), sig(w.regulator.address, rs)))
        .to.be.revertedWithCustomError(w.lots, "LotsInvalidSigner")
        .withArgs(w.regulator.address, true);
    });

    it("refuses a co-signature by the account that signed the other place", async function () {
      const w = await loadFixture(worldFixture);
      await w.lots.connect(w.manufacturer).setSigner(w.regulator.address, true);
      const att = await attestationFor(w, manifestOf());
      const rs = await signLotAttestation(w.regulator, await domainOf(w), att);
      await w.lots.commissionLot(att, NO_SIGNATURE, sig(w.regulator.address, rs));
      await expect(w.lots.cosignLot(att, sig(w.regulator.address, rs)))
        .to.be.revertedWithCustomError(w.lots, "LotsInvalidSigner")
        .withArgs(w.regulator.address, false);
      const att2 = await attestationFor(w, manifestOf("T"), { lotNumber: "LOT-2" });
      const rs2 = await signLotAttestation(w.regulator, await domainOf(w), att2);
      await w.lots.commissionLot(att2, sig(w.regulator.address, rs2), NO_SIGNATURE);
      await expect(w.lots.cosignLot(att2, sig(w.regulator.address, rs2)))
        .to.be.revertedWithCustomError(w.lots, "LotsInvalidSigner")
        .withArgs(w.regulator.address, true);
    });
  });

  describe("cosignLot refusals", function () {
    async function pendingLot(): Promise<{ w: World; att: LotAttestation; r: IProductLots.SignerSignatureStruct }> {
      const w = await loadFixture(worldFixture);
      const att = await attestationFor(w, manifestOf());
      const { m, r } = await signedByBoth(w, att);
      await w.lots.commissionLot(att, m, NO_SIGNATURE);
      return { w, att, r };
    }

    it("refuses an unknown lot", async function () {
      const w = await loadFixture(worldFixture);
      const att = await attestationFor(w, manifestOf());
      const { r } = await signedByBoth(w, att);
      await expect(w.lots.cosignLot(att, r))
        .to.be.revertedWithCustomError(w.lots, "LotsUnknownLot")
        .withArgs(att.lotId);
    });

    it("refuses a lot that is already released", async function () {
      const w = await loadFixture(worldFixture);
      const { att } = await commission(w, manifestOf());
      const { r } = await signedByBoth(w, att);
      await expect(w.lots.cosignLot(att, r))
        .to.be.revertedWithCustomError(w.lots, "LotsAlreadyReleased")
        .withArgs(att.lotId);
    });

    it("refuses an attestation that differs from the commissioned lot in any field", async function () {
      const { w, att } = await pendingLot();
      const changes: Partial<LotAttestation>[] = [
        { dataHash: bytes32("another batch record") },
        { serialsRoot: bytes32("another manifest") },
        { unitCount: att.unitCount + 1 },
        { expiresAt: att.expiresAt + 1n },
        { manufacturer: w.manufacturer2.address },
      ];
      for (const change of changes) {
        const changed = { ...att, ...change };
        const { r } = await signedByBoth(w, changed);
        await expect(w.lots.cosignLot(changed, r))
          .to.be.revertedWithCustomError(w.lots, "LotsAttestationMismatch")
          .withArgs(att.lotId);
      }
      expect((await w.lots.lot(att.lotId)).status).to.equal(LotStatus.Pending);
    });

    it("accepts lot numbers in lower case and the rest of the AI 82 set", async function () {
      const w = await loadFixture(worldFixture);
      for (const lotNumber of ["lot-abc.xyz_2026", "A!\"%&'()*+,-./:;<=>?"]) {
        const { lotId } = await commission(w, manifestOf(), { lotNumber });
        expect((await w.lots.lot(lotId)).status).to.equal(LotStatus.Released);
      }
    });

    it("refuses a co-signature without a signer", async function () {
      const { w, att } = await pendingLot();
      await expect(w.lots.cosignLot(att, NO_SIGNATURE)).to.be.revertedWithCustomError(w.lots, "LotsMissingSignatures");
    });

    it("refuses a co-signature after the deadline", async function () {
      const { w, att, r } = await pendingLot();
      await time.increaseTo(att.deadline + 1n);
      await expect(w.lots.cosignLot(att, r))
        .to.be.revertedWithCustomError(w.lots, "LotsExpiredDeadline")
        .withArgs(att.deadline);
    });

    it("refuses the manufacturer signing the missing regulator place, and a distributor", async function () {
      const { w, att } = await pendingLot();
      const domain = await domainOf(w);
      const ms = sig(w.manufacturer.address, await signLotAttestation(w.manufacturer, domain, att));
      await expect(w.lots.cosignLot(att, ms))
        .to.be.revertedWithCustomError(w.lots, "LotsInvalidSigner")
        .withArgs(w.manufacturer.address, true);
      const ds = sig(w.distributor.address, await signLotAttestation(w.distributor, domain, att));
      await expect(w.lots.cosignLot(att, ds))
        .to.be.revertedWithCustomError(w.lots, "LotsInvalidSigner")
        .withArgs(w.distributor.address, true);
    });

    it("refuses another regulator signing the missing manufacturer place", async function () {
      const w = await loadFixture(worldFixture);
      const att = await attestationFor(w, manifestOf());
      const { r } = await signedByBoth(w, att);
      await w.lots.commissionLot(att, NO_SIGNATURE, r);
      const r2 = sig(w.regulator2.address, await signLotAttestation(w.regulator2, await domainOf(w), att));
      await expect(w.lots.cosignLot(att, r2))
        .to.be.revertedWithCustomError(w.lots, "LotsInvalidSigner")
        .withArgs(w.regulator2.address, false);
    });

    it("refuses a co-signature made with the wrong key", async function () {
      const { w, att } = await pendingLot();
      const forged = sig(w.regulator.address, await signLotAttestation(w.outsider, await domainOf(w), att));
      await expect(w.lots.cosignLot(att, forged))
        .to.be.revertedWithCustomError(w.lots, "LotsInvalidSignature")
        .withArgs(w.regulator.address);
    });

    it("refuses a co-signature once the first regulator is revoked or its licence has lapsed", async function () {
      const w = await loadFixture(worldFixture);
      const { regulatorKey } = await extraSigners();
      const until = BigInt(await time.latest()) + 2n * DAY;
      await w.registry
        .connect(w.council)
        .appointRegulator(regulatorKey.address, bytes32("licence:short"), 0, JURISDICTION, until);
      const domain = await domainOf(w);
      const lapsed = await attestationFor(w, manifestOf(), { lotNumber: "LAPSED", deadlineIn: 7n * DAY });
      await w.lots.commissionLot(
        lapsed,
        NO_SIGNATURE,
        sig(regulatorKey.address, await signLotAttestation(regulatorKey, domain, lapsed)),
      );
      const revoked = await attestationFor(w, manifestOf(), { lotNumber: "REVOKED", deadlineIn: 7n * DAY });
      await w.lots.commissionLot(
        revoked,
        NO_SIGNATURE,
        sig(w.regulator2.address, await signLotAttestation(w.regulator2, domain, revoked)),
      );
      await w.registry.connect(w.council).revoke(w.regulator2.address, bytes32("reason"));
      await time.increaseTo(until);
      const cases: [LotAttestation, string][] = [
        [lapsed, regulatorKey.address],
        [revoked, w.regulator2.address],
      ];
      for (const [att, regulator] of cases) {
        const ms = sig(w.manufacturer.address, await signLotAttestation(w.manufacturer, domain, att));
        await expect(w.lots.cosignLot(att, ms))
          .to.be.revertedWithCustomError(w.lots, "LotsInvalidSigner")
          .withArgs(regulator, true);
        const l = await w.lots.lot(att.lotId);
        expect(l.status).to.equal(LotStatus.Pending);
        expect(l.regulatorSigner).to.equal(regulator);
        expect(l.manufacturerSigner).to.equal(ethers.ZeroAddress);
      }
    });

    it("refuses to release a lot whose first signer a suspended manufacturer withdrew, once it is reinstated", async function () {
      const w = await loadFixture(worldFixture);
      const { lineKey } = await extraSigners();
      await w.lots.connect(w.manufacturer).setSigner(lineKey.address, true);
      const att = await attestationFor(w, manifestOf());
      const domain = await domainOf(w);
      await w.lots.commissionLot(
        att,
        sig(lineKey.address, await signLotAttestation(lineKey, domain, att)),
        NO_SIGNATURE,
      );
      await w.registry.connect(w.regulator).suspend(w.manufacturer.address, bytes32("key leaked"));
      await expect(w.lots.connect(w.manufacturer).setSigner(lineKey.address, false))
        .to.emit(w.lots, "SignerAuthorised")
        .withArgs(w.manufacturer.address, lineKey.address, false);
      await w.registry.connect(w.regulator).reinstate(w.manufacturer.address);
      const { r } = await signedByBoth(w, att, domain);
      await expect(w.lots.cosignLot(att, r))
        .to.be.revertedWithCustomError(w.lots, "LotsInvalidSigner")
        .withArgs(lineKey.address, false);
      expect((await w.lots.lot(att.lotId)).status).to.equal(LotStatus.Pending);
      await expect(w.lots.connect(w.regulator).voidLot(att.lotId, bytes32("key leaked")))
        .to.emit(w.lots, "LotVoided")
        .withArgs(att.lotId, w.regulator.address, bytes32("key leaked"));
    });

    it("refuses a co-signature once the manufacturer is suspended, and while the protocol is paused", async function () {
      const { w, att, r } = await pendingLot();
      await w.registry.connect(w.council).pause();
      await expect(w.lots.cosignLot(att, r)).to.be.revertedWithCustomError(w.lots, "ProtocolPaused");
      await w.registry.connect(w.council).unpause();
      await w.registry.connect(w.regulator).suspend(w.manufacturer.address, bytes32("reason"));
      await expect(w.lots.cosignLot(att, r))
        .to.be.revertedWithCustomError(w.lots, "UnauthorisedAccount")
        .withArgs(w.manufacturer.address, Role.Manufacturer);
    });
  });

  describe("recallLot", function () {
    it("lets the product's manufacturer recall its lot", async function () {
      const w = await loadFixture(worldFixture);
      const { lotId } = await commission(w, manifestOf());
      const tx = await w.lots.connect(w.manufacturer).recallLot(lotId, bytes32("contamination"));
      await expect(tx).to.emit(w.lots, "LotRecalled").withArgs(lotId, w.manufacturer.address, bytes32("contamination"));
      const l = await w.lots.lot(lotId);
      expect(l.recalled).to.equal(true);
      expect(l.recalledAt).to.equal(await minedAt(tx));
      expect(l.status).to.equal(LotStatus.Released);
      expect((await w.lots.lotStanding(lotId)).recalled).to.equal(true);
      expect(decodeLotWord(await w.lots.lotWord(lotId)).recalled).to.equal(1n);
      await expectViewsAgree(w.lots, lotId);
    });

    it("lets any regulator recall a lot", async function () {
      const w = await loadFixture(worldFixture);
      const { lotId } = await commission(w, manifestOf());
      const tx = await w.lots.connect(w.regulator2).recallLot(lotId, bytes32("falsified"));
      await expect(tx).to.emit(w.lots, "LotRecalled").withArgs(lotId, w.regulator2.address, bytes32("falsified"));
      const l = await w.lots.lot(lotId);
      expect(l.recalled).to.equal(true);
      expect(l.recalledAt).to.equal(await minedAt(tx));
      await expectViewsAgree(w.lots, lotId);
    });

    it("lets a contract-wallet regulator recall a lot through the wallet", async function () {
      const w = await loadFixture(worldFixture);
      const { regulatorKey } = await extraSigners();
      const wallet = await ethers.deployContract("ERC1271WalletMock", [regulatorKey.address]);
      const walletAddress = await wallet.getAddress();
      await appointRegulator(w, walletAddress, "wallet-recaller");
      const { lotId } = await commission(w, manifestOf());
      const data = w.lots.interface.encodeFunctionData("recallLot", [lotId, bytes32("reason")]);
      await expect(wallet.connect(regulatorKey).execute(await w.lots.getAddress(), data))
        .to.emit(w.lots, "LotRecalled")
        .withArgs(lotId, walletAddress, bytes32("reason"));
      expect((await w.lots.lot(lotId)).recalled).to.equal(true);
    });

    it("refuses an unknown lot", async function () {
      const w = await loadFixture(worldFixture);
      const lotId = lotIdOf(GTIN, "NEVER");
      await expect(w.lots.connect(w.regulator).recallLot(lotId, bytes32("r")))
        .to.be.revertedWithCustomError(w.lots, "LotsUnknownLot")
        .withArgs(lotId);
    });

    it("refuses a distributor, another manufacturer, an outsider and a suspended manufacturer", async function () {
      const w = await loadFixture(worldFixture);
      const { lotId } = await commission(w, manifestOf());
      await w.registry.connect(w.regulator).suspend(w.manufacturer.address, bytes32("reason"));
      for (const caller of [w.distributor, w.manufacturer2, w.outsider, w.manufacturer]) {
        await expect(w.lots.connect(caller).recallLot(lotId, bytes32("r")))
          .to.be.revertedWithCustomError(w.lots, "UnauthorisedAccount")
          .withArgs(caller.address, Role.Regulator);
      }
      expect((await w.lots.lot(lotId)).recalled).to.equal(false);
    });

    it("refuses a lot that is already recalled", async function () {
      const w = await loadFixture(worldFixture);
      const { lotId } = await commission(w, manifestOf());
      const first = await w.lots.connect(w.manufacturer).recallLot(lotId, bytes32("r"));
      const recalledAt = await minedAt(first);
      await expect(w.lots.connect(w.regulator).recallLot(lotId, bytes32("r2")))
        .to.be.revertedWithCustomError(w.lots, "LotsAlreadyRecalled")
        .withArgs(lotId);
      expect((await w.lots.lot(lotId)).recalledAt).to.equal(recalledAt);
    });

    it("refuses while the protocol is paused", async function () {
      const w = await loadFixture(worldFixture);
      const { lotId } = await commission(w, manifestOf());
      await w.registry.connect(w.council).pause();
      await expect(w.lots.connect(w.regulator).recallLot(lotId, bytes32("r"))).to.be.revertedWithCustomError(
        w.lots,
        "ProtocolPaused",
      );
      await expect(w.lots.connect(w.manufacturer).recallLot(lotId, bytes32("r"))).to.be.revertedWithCustomError(
        w.lots,
        "ProtocolPaused",
      );
    });

    it("recalls a pending lot, which can then never be released", async function () {
      const w = await loadFixture(worldFixture);
      const att = await attestationFor(w, manifestOf());
      const { m, r } = await signedByBoth(w, att);
      await w.lots.commissionLot(att, m, NO_SIGNATURE);
      await expect(w.lots.connect(w.regulator).recallLot(att.lotId, bytes32("r"))).to.emit(w.lots, "LotRecalled");
      await expect(w.lots.cosignLot(att, r))
        .to.be.revertedWithCustomError(w.lots, "LotsAlreadyRecalled")
        .withArgs(att.lotId);
      const l = await w.lots.lot(att.lotId);
      expect(l.status).to.equal(LotStatus.Pending);
      expect(l.recalled).to.equal(true);
      await expectViewsAgree(w.lots, att.lotId);
    });
  });

  describe("liftRecall (the council)", function () {
    it("lets the council lift a recall: the lot reads not recalled, recalledAt cleared, and can be recalled again", async function () {
      const w = await loadFixture(worldFixture);
      const { lotId } = await commission(w, manifestOf());
      await w.lots.connect(w.regulator).recallLot(lotId, bytes32("contamination"));
      await expect(w.lots.connect(w.council).liftRecall(lotId, bytes32("mistaken")))
        .to.emit(w.lots, "RecallLifted")
        .withArgs(lotId, w.council.address, bytes32("mistaken"));
      const l = await w.lots.lot(lotId);
      expect(l.recalled).to.equal(false);
      expect(l.recalledAt).to.equal(0n);
      expect(l.status).to.equal(LotStatus.Released);
      expect(decodeLotWord(await w.lots.lotWord(lotId)).recalled).to.equal(0n);
      await expectViewsAgree(w.lots, lotId);
      const again = await w.lots.connect(w.manufacturer).recallLot(lotId, bytes32("real"));
      expect((await w.lots.lot(lotId)).recalledAt).to.equal(await minedAt(again));
    });

    it("lets the packs of a lifted lot be shipped again through custody", async function () {
      const w = await loadFixture(worldFixture);
      const { lotId } = await commission(w, manifestOf());
      await w.lots.connect(w.manufacturer).recallLot(lotId, bytes32("r"));
      const ship = () =>
        w.custody
          .connect(w.manufacturer)
          .ship(w.distributor.address, ethers.ZeroAddress, ethers.ZeroHash, [range(lotId, 0, 1)]);
      await expect(ship()).to.be.revertedWithCustomError(w.custody, "CustodyLotRecalled").withArgs(lotId);
      await w.lots.connect(w.council).liftRecall(lotId, bytes32("mistaken"));
      await expect(ship()).to.emit(w.custody, "PacksShipped");
    });

    it("lifts a recall while the protocol is paused (a remedial act)", async function () {
      const w = await loadFixture(worldFixture);
      const { lotId } = await commission(w, manifestOf());
      await w.lots.connect(w.regulator).recallLot(lotId, bytes32("r"));
      await w.registry.connect(w.council).pause();
      await expect(w.lots.connect(w.council).liftRecall(lotId, bytes32("mistaken"))).to.emit(w.lots, "RecallLifted");
      expect((await w.lots.lot(lotId)).recalled).to.equal(false);
    });

    it("refuses anyone but the council, paused or not: regulators, the manufacturer, an outsider", async function () {
      const w = await loadFixture(worldFixture);
      const { lotId } = await commission(w, manifestOf());
      await w.lots.connect(w.regulator).recallLot(lotId, bytes32("r"));
      for (const paused of [false, true]) {
        if (paused) await w.registry.connect(w.council).pause();
        for (const caller of [w.regulator, w.regulator2, w.manufacturer, w.outsider]) {
          await expect(w.lots.connect(caller).liftRecall(lotId, bytes32("r")))
            .to.be.revertedWithCustomError(w.lots, "LotsNotCouncil")
            .withArgs(caller.address);
        }
      }
      expect((await w.lots.lot(lotId)).recalled).to.equal(true);
    });

    it("refuses an unknown lot and a lot that is not recalled", async function () {
      const w = await loadFixture(worldFixture);
      const unknown = lotIdOf(GTIN, "NEVER");
      await expect(w.lots.connect(w.council).liftRecall(unknown, bytes32("r")))
        .to.be.revertedWithCustomError(w.lots, "LotsUnknownLot")
        .withArgs(unknown);
      const { lotId } = await commission(w, manifestOf());
      await expect(w.lots.connect(w.council).liftRecall(lotId, bytes32("r")))
        .to.be.revertedWithCustomError(w.lots, "LotsNotRecalled")
        .withArgs(lotId);
      await w.lots.connect(w.regulator).recallLot(lotId, bytes32("r"));
      await w.lots.connect(w.council).liftRecall(lotId, bytes32("r"));
      await expect(w.lots.connect(w.council).liftRecall(lotId, bytes32("r")))
        .to.be.revertedWithCustomError(w.lots, "LotsNotRecalled")
        .withArgs(lotId);
    });

    it("lets a pending lot whose recall is lifted be co-signed", async function () {
      const w = await loadFixture(worldFixture);
      const att = await attestationFor(w, manifestOf());
      const { m, r } = await signedByBoth(w, att);
      await w.lots.commissionLot(att, m, NO_SIGNATURE);
      await w.lots.connect(w.regulator).recallLot(att.lotId, bytes32("r"));
      await w.lots.connect(w.council).liftRecall(att.lotId, bytes32("mistaken"));
      await expect(w.lots.cosignLot(att, r)).to.emit(w.lots, "LotReleased").withArgs(att.lotId);
    });
  });

  describe("transferProduct (the council)", function () {
    /** Revokes `manufacturer` in the registry: a second regulator confirms when the first call only proposes. */
    async function revoke(w: World, manufacturer: HardhatEthersSigner): Promise<void> {
      await w.registry.connect(w.regulator).revoke(manufacturer.address, bytes32("revoked"));
      if ((await w.registry.stakeholder(manufacturer.address)).status !== BigInt(Status.Revoked)) {
        await w.registry.connect(w.regulator2).revoke(manufacturer.address, bytes32("revoked"));
      }
      expect((await w.registry.stakeholder(manufacturer.address)).status).to.equal(Status.Revoked);
    }

    it("moves a revoked manufacturer's product to a successor, who alone commissions new lots; old lots keep their manufacturer", async function () {
      const w = await loadFixture(worldFixture);
      const { lotId: oldLot } = await commission(w, manifestOf(), { lotNumber: "OLD" });
      await revoke(w, w.manufacturer);
      await expect(w.lots.connect(w.council).transferProduct(GTIN, w.manufacturer2.address))
        .to.emit(w.lots, "ProductTransferred")
        .withArgs(GTIN, w.manufacturer.address, w.manufacturer2.address);
      const p = await w.lots.product(GTIN);
      expect(p.manufacturer).to.equal(w.manufacturer2.address);
      expect(p.status).to.equal(ProductStatus.Approved);
      expect((await w.lots.lot(oldLot)).manufacturer).to.equal(w.manufacturer.address);

      const { lotId } = await commission(w, manifestOf("N"), { lotNumber: "NEW", manufacturer: w.manufacturer2 });
      const l = await w.lots.lot(lotId);
      expect(l.manufacturer).to.equal(w.manufacturer2.address);
      expect(l.manufacturerSigner).to.equal(w.manufacturer2.address);
      expect(l.status).to.equal(LotStatus.Released);

      const att = await attestationFor(w, manifestOf("X"), { lotNumber: "BY-OLD" });
      const { m, r } = await signedByBoth(w, att);
      await expect(w.lots.commissionLot(att, m, r))
        .to.be.revertedWithCustomError(w.lots, "LotsWrongManufacturer")
        .withArgs(GTIN, w.manufacturer.address, w.manufacturer2.address);
    });

    it("refuses anyone but the council", async function () {
      const w = await loadFixture(worldFixture);
      await revoke(w, w.manufacturer);
      for (const caller of [w.regulator, w.manufacturer2, w.manufacturer, w.outsider]) {
        await expect(w.lots.connect(caller).transferProduct(GTIN, w.manufacturer2.address))
          .to.be.revertedWithCustomError(w.lots, "LotsNotCouncil")
          .withArgs(caller.address);
      }
      expect((await w.lots.product(GTIN)).manufacturer).to.equal(w.manufacturer.address);
    });

    it("refuses an unknown product", async function () {
      const w = await loadFixture(worldFixture);
      const gtin = gtinNumbered(1);
      await expect(w.lots.connect(w.council).transferProduct(gtin, w.manufacturer2.address))
        .to.be.revertedWithCustomError(w.lots, "ProductsUnknownProduct")
        .withArgs(gtin);
    });

    it("refuses a successor that is not an authorised manufacturer", async function () {
      const w = await loadFixture(worldFixture);
      await revoke(w, w.manufacturer);
      await w.registry.connect(w.regulator).suspend(w.manufacturer2.address, bytes32("suspended"));
      for (const successor of [w.distributor, w.outsider, w.regulator, w.manufacturer, w.manufacturer2]) {
        await expect(w.lots.connect(w.council).transferProduct(GTIN, successor.address))
          .to.be.revertedWithCustomError(w.lots, "ProductsInvalidSuccessor")
          .withArgs(GTIN, successor.address);
      }
      await expect(w.lots.connect(w.council).transferProduct(GTIN, ethers.ZeroAddress))
        .to.be.revertedWithCustomError(w.lots, "ProductsInvalidSuccessor")
        .withArgs(GTIN, ethers.ZeroAddress);
    });

    it("refuses a product whose manufacturer is not revoked (active or only suspended)", async function () {
      const w = await loadFixture(worldFixture);
      await expect(w.lots.connect(w.council).transferProduct(GTIN, w.manufacturer2.address))
        .to.be.revertedWithCustomError(w.lots, "ProductsManufacturerNotRevoked")
        .withArgs(GTIN, w.manufacturer.address);
      await w.registry.connect(w.regulator).suspend(w.manufacturer.address, bytes32("suspended"));
      await expect(w.lots.connect(w.council).transferProduct(GTIN, w.manufacturer2.address))
        .to.be.revertedWithCustomError(w.lots, "ProductsManufacturerNotRevoked")
        .withArgs(GTIN, w.manufacturer.address);
    });

    it("refuses while the protocol is paused (a transfer is not remedial)", async function () {
      const w = await loadFixture(worldFixture);
      await revoke(w, w.manufacturer);
      await w.registry.connect(w.council).pause();
      await expect(
        w.lots.connect(w.council).transferProduct(GTIN, w.manufacturer2.address),
      ).to.be.revertedWithCustomError(w.lots, "ProtocolPaused");
    });
  });
});
