/**
 * The shared test world: the three protocol contracts, every party onboarded with a licence, one approved product,
 * and helpers to commission lots from manifests with both signatures.
 */
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { PackCustody, ProductLots, StakeholderRegistry } from "../../typechain-types";
import type { IProductLots } from "../../typechain-types/contracts/ProductLots";
import { Manifest } from "../../sdk/src/manifest";
import { gtinToUint64, lotIdOf } from "../../sdk/src/gs1";
import { LotAttestation, pharmaChainDomain, signLotAttestation } from "../../sdk/src/attestation";

// The contracts' enums, from the SDK (one definition, value for value with contracts/Common.sol and the interfaces).
import { PackState, Role, ShipmentStatus, StakeholderStatus as Status, Verdict } from "../../sdk/src/enums";
export { PackState, Role, ShipmentStatus, Status, Verdict };

export const YEAR = 365n * 24n * 3600n;
export const DAY = 24n * 3600n;
/** A real-looking GTIN-14 with a valid check digit (company prefix 0614141, GS1's example prefix). */
export const GTIN = gtinToUint64("00614141123452");
export const GTIN2 = gtinToUint64("00614141999996");
export const GLN = 614141073467n; // GLN 0614141073467 (test/fixtures/gs1/vectors.md)
export const JURISDICTION = "0x4244"; // "BD"
export const ZERO_HASH = ethers.ZeroHash;

export function bytes32(label: string): string {
  return ethers.id(label);
}

export function serialsFor(prefix: string, count: number): string[] {
  const out: string[] = new Array(count);
  for (let i = 0; i < count; i++) out[i] = `${prefix}${i.toString().padStart(7, "0")}`;
  return out;
}

export interface World {
  registry: StakeholderRegistry;
  lots: ProductLots;
  custody: PackCustody;
  council: HardhatEthersSigner;
  regulator: HardhatEthersSigner;
  regulator2: HardhatEthersSigner;
  manufacturer: HardhatEthersSigner;
  manufacturer2: HardhatEthersSigner;
  distributor: HardhatEthersSigner;
  distributor2: HardhatEthersSigner;
  transporter: HardhatEthersSigner;
  dispenser: HardhatEthersSigner;
  dispenser2: HardhatEthersSigner;
  outsider: HardhatEthersSigner;
  chainId: bigint;
  licenceUntil: bigint;
}

export const ADMIN_DELAY = 3n * DAY;

/** Custody's run store (a linked library), deployed once per chain state that needs one. */
export async function runStoreAddress(): Promise<string> {
  const store = await ethers.deployContract("PackRunsStore");
  return store.getAddress();
}

export async function deployProtocol(council: HardhatEthersSigner): Promise<{
  registry: StakeholderRegistry;
  lots: ProductLots;
  custody: PackCustody;
}> {
  const registry = await ethers.deployContract("StakeholderRegistry", [ADMIN_DELAY, council.address]);
  const lots = await ethers.deployContract("ProductLots", [await registry.getAddress()]);
  const custody = await ethers.deployContract("PackCustody", [await registry.getAddress(), await lots.getAddress()], {
    libraries: { PackRunsStore: await runStoreAddress() },
  });
  return { registry, lots, custody };
}

/** The fixture for `loadFixture`: everyone onboarded, GTIN approved for `manufacturer`, GTIN2 for `manufacturer2`. */
export async function worldFixture(): Promise<World> {
  const [
    council,
    regulator,
    regulator2,
    manufacturer,
    manufacturer2,
    distributor,
    distributor2,
    transporter,
    dispenser,
    dispenser2,
    outsider,
  ] = await ethers.getSigners();
  const { registry, lots, custody } = await deployProtocol(council);
  const licenceUntil = BigInt(await time.latest()) + 2n * YEAR;
  await registry
    .connect(council)
    .appointRegulator(regulator.address, bytes32("licence:regulator"), GLN, JURISDICTION, licenceUntil);
  await registry
    .connect(council)
    .appointRegulator(regulator2.address, bytes32("licence:regulator2"), 0, JURISDICTION, licenceUntil);
  const parties: [HardhatEthersSigner, Role][] = [
    [manufacturer, Role.Manufacturer],
    [manufacturer2, Role.Manufacturer],
    [distributor, Role.Distributor],
    [distributor2, Role.Distributor],
    [transporter, Role.Transporter],
    [dispenser, Role.Dispenser],
    [dispenser2, Role.Dispenser],
  ];
  for (const [signer, role] of parties) {
    await registry
      .connect(signer)
      .applyForRole(role, bytes32(`licence:${signer.address}`), 0, JURISDICTION, bytes32(`meta:${signer.address}`));
    await registry.connect(regulator).approve(signer.address, licenceUntil);
  }
  await lots.connect(manufacturer).registerProduct(GTIN, bytes32("product:1"));
  await lots.connect(regulator).approveProduct(GTIN);
  await lots.connect(manufacturer2).registerProduct(GTIN2, bytes32("product:2"));
  await lots.connect(regulator).approveProduct(GTIN2);
  const chainId = (await ethers.provider.getNetwork()).chainId;
  return {
    registry,
    lots,
    custody,
    council,
    regulator,
    regulator2,
    manufacturer,
    manufacturer2,
    distributor,
    distributor2,
    transporter,
    dispenser,
    dispenser2,
    outsider,
    chainId,
    licenceUntil,
  };
}

export interface LotOptions {
  lotNumber?: string;
  gtin?: bigint;
  manufacturer?: HardhatEthersSigner;
  expiresIn?: bigint;
  deadlineIn?: bigint;
  dataHash?: string;
}

export async function attestationFor(w: World, manifest: Manifest, o: LotOptions = {}): Promise<LotAttestation> {
  const gtin = o.gtin ?? GTIN;
  const lotNumber = o.lotNumber ?? "LOT-A1";
  const now = BigInt(await time.latest());
  return {
    lotId: lotIdOf(gtin, lotNumber),
    gtin,
    lotNumber,
    expiresAt: now + (o.expiresIn ?? YEAR),
    unitCount: manifest.size,
    serialsRoot: manifest.root,
    dataHash: o.dataHash ?? ethers.sha256(ethers.toUtf8Bytes(`batch record ${lotNumber}`)),
    manufacturer: (o.manufacturer ?? w.manufacturer).address,
    deadline: now + (o.deadlineIn ?? DAY),
  };
}

export async function domainOf(w: World) {
  return pharmaChainDomain(w.chainId, await w.lots.getAddress());
}

export function sig(signer: string, signature: string): IProductLots.SignerSignatureStruct {
  return { signer, signature };
}

export const NO_SIGNATURE: IProductLots.SignerSignatureStruct = { signer: ethers.ZeroAddress, signature: "0x" };

/** Commissions and releases a lot of `manifest` signed by its manufacturer and `regulator`; returns the lot id. */
export async function commission(
  w: World,
  manifest: Manifest,
  o: LotOptions = {},
): Promise<{ lotId: string; att: LotAttestation }> {
  const att = await attestationFor(w, manifest, o);
  const domain = await domainOf(w);
  const m = o.manufacturer ?? w.manufacturer;
  const ms = await signLotAttestation(m, domain, att);
  const rs = await signLotAttestation(w.regulator, domain, att);
  await w.lots.commissionLot(att, sig(m.address, ms), sig(w.regulator.address, rs));
  return { lotId: att.lotId, att };
}

/** A range of packs; `hint` 0 (always a run start, at the cost of walking the lot's runs) unless given. */
export function range(lotId: string, start: number, end: number, hint = 0) {
  return { lotId, start, end, hint };
}

export function packProof(manifest: Manifest, lotId: string, serial: string, hint: number) {
  const { index, proof } = manifest.proof(serial);
  return { lotId, index, hint, serial, proof };
}
