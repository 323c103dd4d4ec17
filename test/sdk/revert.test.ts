/**
 * The SDK's contract-error decoding (sdk/src/revert.ts): a sentence for every error of the three contracts, real
 * reverts decoded in-process (sent transactions, static calls, gas estimates) and over JSON-RPC from a separate node.
 */
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ErrorFragment, JsonRpcProvider, Wallet, ZeroAddress, ZeroHash, id } from "ethers";
import type { JsonFragment, JsonFragmentType } from "ethers";
import { ethers } from "hardhat";
import { PackCustody__factory } from "../../typechain-types/factories/contracts/PackCustody__factory";
import { PackRunsStore__factory } from "../../typechain-types/factories/contracts/libraries/PackRunsStore__factory";
import { RUN_STORE_LINK } from "../../sdk/src/deploy";
import { ProductLots__factory } from "../../typechain-types/factories/contracts/ProductLots__factory";
import { StakeholderRegistry__factory } from "../../typechain-types/factories/contracts/StakeholderRegistry__factory";
import { TradeOrders__factory } from "../../typechain-types/factories/contracts/TradeOrders__factory";
import { OfferStatus, OrderStatus } from "../../sdk/src/enums";
import { ContractRevertError, PharmaChainError, TransactionError } from "../../sdk/src/errors";
import { Manifest } from "../../sdk/src/manifest";
import {
  REVERT_ABIS,
  REVERT_INTERFACE,
  REVERT_MESSAGES,
  decodeRevert,
  decodeRevertData,
  explainError,
  findRevertData,
  formatPrice,
} from "../../sdk/src/revert";
import {
  ADMIN_DELAY,
  PackState,
  Role,
  ShipmentStatus,
  Status,
  World,
  bytes32,
  commission,
  packProof,
  range,
  serialsFor,
  worldFixture,
} from "../helpers/fixture";
import { RunningNode, startNode } from "../helpers/node";
import { hardhatOnly } from "../helpers/networks";

/** Why a test is skipped off Hardhat's network (see test/helpers/networks.ts). */
const MINED_REVERT =
  "checks the revert data of transactions mined with a fixed gas limit, which only Hardhat's network returns when they are sent; elsewhere a mined revert is a receipt with status 0 and no data";

/** Hardhat's well-known account 0 (never a real key): the deployer on the test node. */
const HARDHAT_KEY_0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const ABIS: Record<string, ReadonlyArray<JsonFragment>> = {
  StakeholderRegistry: StakeholderRegistry__factory.abi,
  ProductLots: ProductLots__factory.abi,
  PackCustody: PackCustody__factory.abi,
  TradeOrders: TradeOrders__factory.abi,
};
/** Members per enum (the fixture mirrors the contracts' enums; `IProductLots.ProductStatus` has 4). */
const ENUM_SIZES: Record<string, number> = {
  Role: numericMembers(Role),
  StakeholderStatus: numericMembers(Status),
  PackState: numericMembers(PackState),
  ShipmentStatus: numericMembers(ShipmentStatus),
  ProductStatus: 4,
  OrderStatus: numericMembers(OrderStatus),
  OfferStatus: numericMembers(OfferStatus),
};
const FORBIDDEN = ["undefined", "[object", "NaN", "Invalid Date", "null"];
const NOTICE = bytes32("shipping notice");
const FAR_FUTURE = 4_000_000_000n;
/**
 * A gas limit given to skip the estimate, so that the transaction is sent, mined and reverted; ample for the
 * instrumented contracts under coverage.
 */
const SENT_GAS = 5_000_000;

function numericMembers(e: object): number {
  return Object.values(e).filter((v) => typeof v === "number").length;
}

/** The lot id as the sentences shorten it. */
function shortLot(lotId: string): string {
  return `${lotId.slice(0, 10)}…${lotId.slice(-4)}`;
}

/** The error `promise` rejects with; fails the test if it resolves. */
async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  expect.fail("expected a revert");
}

/** `explainError(e)`, checked to be a ContractRevertError. */
function explained(e: unknown): ContractRevertError {
  const result = explainError(e);
  expect(result, result.message).to.be.instanceOf(ContractRevertError);
  return result as ContractRevertError;
}

function enumOf(input: JsonFragmentType): string | undefined {
  const internal = input.internalType ?? "";
  return internal.startsWith("enum ") ? internal.slice(5).split(".").pop() : undefined;
}

type Variant = "zero" | "typical" | "max";

/** A synthetic value of `input`'s ABI type; `enumValue` for enum inputs. */
function synthetic(input: JsonFragmentType, variant: Variant, enumValue = 1): unknown {
  const type = input.type ?? "";
  if (type === "address") {
    return { zero: ZeroAddress, typical: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", max: `0x${"ff".repeat(20)}` }[
      variant
    ];
  }
  if (type === "bool") return variant !== "zero";
  if (type === "string") return { zero: "", typical: "SN-0000017", max: "Ω".repeat(300) }[variant];
  const bytes = /^bytes(\d+)$/.exec(type);
  if (bytes) {
    const size = Number(bytes[1]);
    if (variant === "zero") return `0x${"00".repeat(size)}`;
    if (variant === "max") return `0x${"ff".repeat(size)}`;
    return size === 2 ? "0x4244" : id("synthetic").slice(0, 2 + 2 * size);
  }
  const uint = /^uint(\d+)$/.exec(type);
  if (uint) {
    const max = (1n << BigInt(uint[1])) - 1n;
    if (variant === "zero") return 0n;
    if (variant === "max") return max;
    if (enumOf(input)) return BigInt(enumValue);
    return 1_700_000_000n > max ? 17n : 1_700_000_000n;
  }
  throw new Error(`no synthetic value for ${type}`);
}

/** Every error fragment of the SDK's ABIs (the three contracts', and any added later), once per selector. */
function allErrors(): Map<string, JsonFragment> {
  const errors = new Map<string, JsonFragment>();
  for (const abi of REVERT_ABIS) {
    for (const entry of abi) {
      if (entry.type === "error") errors.set(ErrorFragment.from(entry).selector, entry);
    }
  }
  return errors;
}

/** Encodes, decodes back and checks the sentence of one error with `values`. */
function renderChecked(entry: JsonFragment, values: unknown[]): ContractRevertError {
  const name = entry.name ?? "";
  const data = REVERT_INTERFACE.encodeErrorResult(ErrorFragment.from(entry), values);
  const decoded = decodeRevertData(data);
  expect(decoded, name).to.be.instanceOf(ContractRevertError);
  const error = decoded as ContractRevertError;
  expect(error.errorName).to.equal(name);
  expect(error.data).to.equal(data.toLowerCase());
  const render = REVERT_MESSAGES[name];
  expect(render, `a message for ${name}`).to.be.a("function");
  const sentence = render(error.args); // throws if the sentence cannot read its arguments
  expect(error.shortMessage).to.equal(sentence);
  for (const bad of FORBIDDEN) expect(sentence, `${name}: ${sentence}`).not.to.contain(bad);
  expect(sentence, name).not.to.contain(name); // a sentence, not the error's name
  expect(error.details, name).to.match(new RegExp(`^${name}\\(`));
  for (const bad of ["undefined", "[object"]) expect(error.details, name).not.to.contain(bad);
  return error;
}

describe("SDK: contract errors explained", function () {
  describe("the message table", function () {
    const errors = allErrors();

    it("covers the contracts' ABIs (registry, lots, custody and its order book)", function () {
      for (const [contract, abi] of Object.entries(ABIS)) expect(REVERT_ABIS, contract).to.include(abi);
    });

    it(`has a sentence for each of the ${errors.size} errors of the ABIs, rendered from synthetic arguments`, function () {
      for (const entry of errors.values()) {
        const inputs = entry.inputs ?? [];
        for (const variant of ["zero", "typical", "max"] as const) {
          renderChecked(
            entry,
            inputs.map((input) => synthetic(input, variant)),
          );
        }
      }
    });

    it("names every member of every enum argument", function () {
      let checked = 0;
      for (const entry of errors.values()) {
        const inputs = entry.inputs ?? [];
        inputs.forEach((input, i) => {
          const enumName = enumOf(input);
          if (!enumName) return;
          const size = ENUM_SIZES[enumName];
          expect(size, `the size of enum ${enumName}`).to.be.a("number");
          for (let value = 0; value < size; value++) {
            const values = inputs.map((other, j) => synthetic(other, "typical", j === i ? value : 1));
            const error = renderChecked(entry, values);
            expect(error.shortMessage, `${entry.name} with ${enumName} ${value}`).not.to.match(/unknown \(\d+\)/);
            expect(error.details).to.match(/\(\w+\)/);
            checked++;
          }
        });
      }
      expect(checked).to.be.greaterThan(0);
    });

    it("knows exactly the errors of the ABIs and Solidity's built-ins, in one Interface", function () {
      const names = new Set([...errors.values()].map((entry) => entry.name));
      for (const name of Object.keys(REVERT_MESSAGES)) {
        expect(names.has(name) || name === "Error" || name === "Panic", `stale message ${name}`).to.equal(true);
      }
      for (const entry of errors.values()) {
        expect(REVERT_INTERFACE.getError(ErrorFragment.from(entry).selector)?.name).to.equal(entry.name);
      }
    });

    it("says the built-in Error(string) and Panic(uint256)", function () {
      const reason = decodeRevertData(REVERT_INTERFACE.encodeErrorResult("Error", ["Not enough stock"]));
      expect(reason?.errorName).to.equal("Error");
      expect(reason?.args).to.deep.equal({ reason: "Not enough stock" });
      expect(reason?.shortMessage).to.equal("The contract refused: Not enough stock");
      const empty = decodeRevertData(REVERT_INTERFACE.encodeErrorResult("Error", [""]));
      expect(empty?.shortMessage).to.equal("The contract refused the operation without giving a reason.");
      const panic = decodeRevertData(REVERT_INTERFACE.encodeErrorResult("Panic", [0x11]));
      expect(panic?.errorName).to.equal("Panic");
      expect(panic?.shortMessage).to.contain("an arithmetic overflow or underflow, code 0x11");
      const odd = decodeRevertData(REVERT_INTERFACE.encodeErrorResult("Panic", [0x99]));
      expect(odd?.shortMessage).to.contain("an unknown panic, code 0x99");
    });

    it("formats addresses, lots, dates, enums and codes for people, and keeps the raw values", function () {
      const lotId = id("lot");
      const holder = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
      const notHolder = decodeRevertData(
        REVERT_INTERFACE.encodeErrorResult("CustodyNotHolder", [lotId, 17, holder.toLowerCase()]),
      );
      expect(notHolder?.shortMessage).to.equal(
        `You do not hold pack 17 of lot ${shortLot(lotId)}: it is held by ${holder}.`,
      );
      expect(notHolder?.args).to.deep.equal({ lotId, index: 17n, holder });
      expect(notHolder?.details).to.equal(`CustodyNotHolder(lotId=${lotId}, index=17, holder=${holder})`);

      const expired = decodeRevertData(
        REVERT_INTERFACE.encodeErrorResult("CustodyLotExpired", [lotId, 1_767_225_600n]),
      );
      expect(expired?.shortMessage).to.contain("expired on 2026-01-01T00:00:00Z");
      expect(expired?.details).to.contain("expiresAt=1767225600 (2026-01-01T00:00:00Z)");

      const state = decodeRevertData(
        REVERT_INTERFACE.encodeErrorResult("CustodyPackNotActive", [lotId, 3, PackState.Suspect]),
      );
      expect(state?.shortMessage).to.equal(
        `Pack 3 of lot ${shortLot(lotId)} is quarantined as suspect, not active: it cannot be moved or changed now.`,
      );
      expect(state?.details).to.contain("state=2 (Suspect)");

      const shipment = decodeRevertData(
        REVERT_INTERFACE.encodeErrorResult("CustodyInvalidShipmentStatus", [9, ShipmentStatus.Received]),
      );
      expect(shipment?.shortMessage).to.equal("Shipment 9 is already received, which does not allow this step.");
      expect(shipment?.details).to.contain("status=4 (Received)");

      const jurisdiction = decodeRevertData(
        REVERT_INTERFACE.encodeErrorResult("RegistryInvalidJurisdiction", ["0x6264"]),
      );
      expect(jurisdiction?.shortMessage).to.contain('"bd" (0x6264) is not a valid jurisdiction');

      const gtin = decodeRevertData(REVERT_INTERFACE.encodeErrorResult("ProductsUnknownProduct", [614141123452n]));
      expect(gtin?.shortMessage).to.equal("Product GTIN 00614141123452 is not registered.");
    });

    it("says the order book's errors with statuses by name, counts, currencies and prices for people", function () {
      const status = decodeRevertData(
        REVERT_INTERFACE.encodeErrorResult("TradeInvalidOrderStatus", [4, OrderStatus.Delivered]),
      );
      expect(status?.shortMessage).to.equal("Order 4 is delivered, which does not allow this step.");
      expect(status?.details).to.equal("TradeInvalidOrderStatus(orderId=4, status=5 (Delivered))");
      const offer = decodeRevertData(
        REVERT_INTERFACE.encodeErrorResult("TradeInvalidOfferStatus", [2, OfferStatus.Countered]),
      );
      expect(offer?.shortMessage).to.contain("Price offer 2 is already answered with a counter-offer");
      const exceeded = decodeRevertData(REVERT_INTERFACE.encodeErrorResult("TradeQuantityExceeded", [9, 120, 1]));
      expect(exceeded?.shortMessage).to.match(/^The shipment has 120 packs but order 9 has only 1 pack still open/);
      const currency = decodeRevertData(REVERT_INTERFACE.encodeErrorResult("TradeInvalidCurrency", ["0x757364"]));
      expect(currency?.shortMessage).to.match(/^"usd" \(0x757364\) is not a valid currency/);
      expect(formatPrice(1_250_000n, "0x555344")).to.equal("1.25 USD");
      expect(formatPrice(3_000_000n, "BDT")).to.equal("3 BDT");
      expect(formatPrice(5n, "0x000000")).to.equal("0.000005");
    });
  });

  describe("finding the revert data", function () {
    const lotId = id("lot");
    const holder = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
    const data = REVERT_INTERFACE.encodeErrorResult("CustodyNotHolder", [lotId, 4, holder]);
    const unknown = `0xdeadbeef${"00".repeat(31)}01`;
    const calldata = `0x1086a9aa${"00".repeat(64)}`;

    const shapes: [string, () => unknown][] = [
      ["e.data (ethers CALL_EXCEPTION)", () => ({ code: "CALL_EXCEPTION", data, revert: null })],
      [
        "e.data.data (Hardhat's in-process ProviderError)",
        () => ({ code: -32000, data: { reason: { Revert: data }, data, transactionHash: null } }),
      ],
      [
        "e.info.error.data.data (ethers over JSON-RPC)",
        () => ({ code: "CALL_EXCEPTION", data: null, info: { error: { code: -32000, data: { data } } } }),
      ],
      [
        "e.error.data.data (a sent transaction over JSON-RPC)",
        () => ({ code: "UNKNOWN_ERROR", error: { code: -32000, data: { txHash: id("tx"), data } } }),
      ],
      [
        "e.error.data (a node answering with the hex)",
        () => ({ error: { code: 3, message: "execution reverted", data } }),
      ],
      ["a cause chain", () => new Error("outer", { cause: new Error("middle", { cause: { data } }) })],
      ["an errors list", () => ({ errors: [new Error("first"), { data }] })],
      ["a JSON body", () => ({ body: JSON.stringify({ jsonrpc: "2.0", id: 1, error: { code: 3, data } }) })],
      [
        "e.revert alone (decoded by ethers)",
        () => ({
          data: null,
          revert: {
            name: "CustodyNotHolder",
            signature: "CustodyNotHolder(bytes32,uint32,address)",
            args: [lotId, 4n, holder],
          },
        }),
      ],
      [
        "Hardhat's message",
        () =>
          new Error(
            `VM Exception while processing transaction: reverted with an unrecognized custom error (return data: ${data})`,
          ),
      ],
      [
        "calldata next to the revert data",
        () => ({ transaction: { data: calldata }, payload: { params: [{ data: calldata }] }, data }),
      ],
      ["unknown data next to known data", () => ({ data: unknown, error: { data } })],
    ];
    for (const [label, make] of shapes) {
      it(`finds it in ${label}`, function () {
        const e = make();
        expect(findRevertData(e)).to.equal(data);
        const decoded = decodeRevert(e);
        expect(decoded?.errorName).to.equal("CustodyNotHolder");
        expect(decoded?.args).to.deep.equal({ lotId, index: 4n, holder });
        expect(decoded?.cause).to.equal(e);
      });
    }

    it("stops at cycles and at a depth bound", function () {
      const e: Record<string, unknown> = { message: "loop" };
      e.cause = e;
      e.error = { error: { error: { error: { error: { error: { error: { error: { error: { data } } } } } } } } };
      expect(findRevertData(e)).to.equal(undefined);
      expect(explainError(e)).to.be.instanceOf(TransactionError);
    });

    it("reports unknown error data as such", function () {
      const e = { code: "CALL_EXCEPTION", data: unknown };
      expect(decodeRevert(e)).to.equal(undefined);
      const explanation = explainError(e);
      expect(explanation).to.be.instanceOf(TransactionError);
      expect(explanation.shortMessage).to.equal(
        `The transaction failed: the contract refused with unknown error data ${unknown}`,
      );
      expect(explanation.details).to.contain("selector 0xdeadbeef");
      expect(explanation.cause).to.equal(e);
      // a known selector whose arguments do not decode is not that error
      const truncated = { data: data.slice(0, 20) };
      expect(decodeRevert(truncated)).to.equal(undefined);
      expect(explainError(truncated).shortMessage).to.contain(`unknown error data ${data.slice(0, 20)}`);
      const long = explainError({ data: `0xdeadbeef${"00".repeat(100)}` });
      expect(long.shortMessage).to.match(/unknown error data 0xdeadbeef0+…$/);
    });
  });

  describe("explainError", function () {
    it("returns a PharmaChainError as it is", function () {
      const own = new PharmaChainError("Already explained.");
      expect(explainError(own)).to.equal(own);
      const revert = decodeRevertData(REVERT_INTERFACE.encodeErrorResult("ProtocolPaused", [])) as ContractRevertError;
      expect(explainError(revert)).to.equal(revert);
      expect(decodeRevert(revert)).to.equal(revert);
    });

    it("keeps any other failure as the cause of a TransactionError", function () {
      const plain = new Error("socket hang up");
      const explanation = explainError(plain);
      expect(explanation).to.be.instanceOf(TransactionError);
      expect(explanation.shortMessage).to.equal("The transaction failed: socket hang up");
      expect(explanation.cause).to.equal(plain);
      expect(explainError("boom").shortMessage).to.equal("The transaction failed: boom");

      const funds = { code: "INSUFFICIENT_FUNDS", shortMessage: "insufficient funds for intrinsic transaction cost" };
      expect(explainError(funds).shortMessage).to.equal(
        "The account does not have enough ether to pay for this transaction.",
      );
      expect(explainError(funds).details).to.equal(funds.shortMessage);
      const hardhatNonce = {
        code: "UNKNOWN_ERROR",
        error: { code: -32000, message: "Nonce too low. Expected nonce to be 2 but got 1." },
      };
      expect(explainError(hardhatNonce).shortMessage).to.equal(
        "The transaction clashed with another one sent from the same account: send it again.",
      );

      const noData = {
        code: "CALL_EXCEPTION",
        shortMessage: "execution reverted (no data present; likely require(false) occurred",
        data: "0x",
      };
      expect(explainError(noData).shortMessage).to.equal("The contract refused the operation without giving a reason.");
      const receipt = {
        code: "CALL_EXCEPTION",
        shortMessage: "transaction execution reverted",
        data: null,
        receipt: {},
      };
      expect(explainError(receipt).shortMessage).to.equal(
        "The contract refused the operation, and the blockchain node did not say why.",
      );
    });
  });

  describe("real reverts on the in-process network", function () {
    let w: World;
    const UNITS = 5;
    const manifest = Manifest.fromSerials(serialsFor("SN-RV-", UNITS));
    let lotId: string;

    async function revertsFixture(): Promise<{ w: World; lotId: string }> {
      const world = await worldFixture();
      const { lotId } = await commission(world, manifest, { lotNumber: "LOT-RV" });
      return { w: world, lotId };
    }

    beforeEach(async function () {
      ({ w, lotId } = await loadFixture(revertsFixture));
    });

    function checkUnauthorised(e: unknown): void {
      const error = explained(e);
      expect(error.errorName).to.equal("UnauthorisedAccount");
      expect(error.args).to.deep.equal({ account: w.outsider.address, neededRole: BigInt(Role.Regulator) });
      expect(error.shortMessage).to.equal(
        `Account ${w.outsider.address} may not do this: it is not an active, licensed regulator. ` +
          "Its registration may be missing, pending, suspended or revoked, or its licence may have expired.",
      );
      expect(error.details).to.equal(`UnauthorisedAccount(account=${w.outsider.address}, neededRole=1 (Regulator))`);
      expect(error.cause).to.equal(e);
    }

    it("an outsider approving a stakeholder: UnauthorisedAccount, from a sent transaction", async function () {
      hardhatOnly(this, MINED_REVERT);
      const before = await ethers.provider.getBlockNumber();
      const e = await caught(
        w.registry.connect(w.outsider).approve(w.outsider.address, FAR_FUTURE, { gasLimit: SENT_GAS }),
      );
      expect(await ethers.provider.getBlockNumber()).to.equal(before + 1); // the transaction was mined, and reverted
      checkUnauthorised(e);
    });

    it("an outsider approving a stakeholder: UnauthorisedAccount, from staticCall, estimateGas and a send that estimates", async function () {
      const registry = w.registry.connect(w.outsider);
      checkUnauthorised(await caught(registry.approve.staticCall(w.outsider.address, FAR_FUTURE)));
      checkUnauthorised(await caught(registry.approve.estimateGas(w.outsider.address, FAR_FUTURE)));
      checkUnauthorised(await caught(registry.approve(w.outsider.address, FAR_FUTURE)));
    });

    it("shipping packs one does not hold: CustodyNotHolder, from a sent transaction and a staticCall", async function () {
      hardhatOnly(this, MINED_REVERT);
      const custody = w.custody.connect(w.distributor);
      const ranges = [range(lotId, 2, 4, 0)];
      for (const e of [
        await caught(custody.ship(w.dispenser.address, ZeroAddress, NOTICE, ranges, { gasLimit: SENT_GAS })),
        await caught(custody.ship.staticCall(w.dispenser.address, ZeroAddress, NOTICE, ranges)),
      ]) {
        const error = explained(e);
        expect(error.errorName).to.equal("CustodyNotHolder");
        expect(error.args).to.deep.equal({ lotId, index: 2n, holder: w.manufacturer.address });
        expect(error.shortMessage).to.equal(
          `You do not hold pack 2 of lot ${shortLot(lotId)}: it is held by ${w.manufacturer.address}.`,
        );
      }
    });

    it("approving an active stakeholder again: RegistryInvalidStatus, with the status by name", async function () {
      hardhatOnly(this, MINED_REVERT);
      const registry = w.registry.connect(w.regulator);
      for (const e of [
        await caught(registry.approve(w.distributor.address, FAR_FUTURE, { gasLimit: SENT_GAS })),
        await caught(registry.approve.estimateGas(w.distributor.address, FAR_FUTURE)),
      ]) {
        const error = explained(e);
        expect(error.errorName).to.equal("RegistryInvalidStatus");
        expect(error.args).to.deep.equal({ account: w.distributor.address, status: BigInt(Status.Active) });
        expect(error.shortMessage).to.equal(
          `The registration of ${w.distributor.address} is active, which does not allow this change.`,
        );
        expect(error.details).to.contain("status=2 (Active)");
      }
    });

    it("a licence ending in the past: RegistryInvalidValidity, with the date", async function () {
      await w.registry
        .connect(w.outsider)
        .applyForRole(Role.Dispenser, bytes32("licence"), 0, "0x4244", bytes32("meta"));
      const e = await caught(w.registry.connect(w.regulator).approve.staticCall(w.outsider.address, 1));
      const error = explained(e);
      expect(error.errorName).to.equal("RegistryInvalidValidity");
      expect(error.shortMessage).to.equal("The licence end date 1970-01-01T00:00:01Z is not in the future.");
      expect(error.details).to.equal("RegistryInvalidValidity(validUntil=1 (1970-01-01T00:00:01Z))");
    });

    it("dispensing a pack twice: CustodyAlreadyDecommissioned, with the pack's state by name", async function () {
      hardhatOnly(this, MINED_REVERT);
      await w.custody.connect(w.manufacturer).ship(w.dispenser.address, ZeroAddress, NOTICE, [range(lotId, 0, UNITS)]);
      await w.custody.connect(w.dispenser).receiveShipment(await w.custody.shipmentCount());
      const proof = packProof(manifest, lotId, manifest.serials[3], 0);
      await w.custody.connect(w.dispenser).decommission(proof, PackState.Dispensed);
      const hint = await w.custody.findRun(lotId, 2); // the run holding the pack before
      const again = packProof(manifest, lotId, manifest.serials[3], Number(hint));
      const e = await caught(
        w.custody.connect(w.dispenser).decommission(again, PackState.Dispensed, { gasLimit: SENT_GAS }),
      );
      const error = explained(e);
      expect(error.errorName).to.equal("CustodyAlreadyDecommissioned");
      expect(error.args).to.deep.equal({ lotId, index: 3n, state: BigInt(PackState.Dispensed) });
      expect(error.shortMessage).to.equal(
        `Pack 3 of lot ${shortLot(lotId)} has already left the supply chain (dispensed). A second scan of the same code ` +
          "may mean a cloned pack: do not hand it out, and report it.",
      );
    });
  });

  // Skipped under coverage, as every test that starts a separate node (see .solcover.js).
  describe("real reverts over JSON-RPC @skip-on-coverage", function () {
    let node: RunningNode;
    let provider: JsonRpcProvider;
    let wallet: Wallet;

    before(async function () {
      node = await startNode();
      // No request cache: each send must read the account's new nonce.
      provider = new JsonRpcProvider(node.url, undefined, { staticNetwork: true, cacheTimeout: -1 });
      wallet = new Wallet(HARDHAT_KEY_0, provider);
    });

    after(async function () {
      provider?.destroy();
      await node?.stop();
    });

    it("decodes a revert of a sent transaction, which ethers leaves undecoded (e.revert empty)", async function () {
      const registry = await new StakeholderRegistry__factory(wallet).deploy(ADMIN_DELAY, wallet.address);
      await registry.waitForDeployment();
      const lots = await new ProductLots__factory(wallet).deploy(await registry.getAddress());
      await lots.waitForDeployment();
      const store = await new PackRunsStore__factory(wallet).deploy();
      await store.waitForDeployment();
      const custody = await new PackCustody__factory({ [RUN_STORE_LINK]: await store.getAddress() }, wallet).deploy(
        await registry.getAddress(),
        await lots.getAddress(),
      );
      await custody.waitForDeployment();

      // The council is the admin, not a regulator: it may not approve stakeholders.
      const before = await provider.getBlockNumber();
      const e = await caught(registry.approve(wallet.address, FAR_FUTURE, { gasLimit: 300_000 }));
      expect(await provider.getBlockNumber()).to.equal(before + 1); // mined, and reverted
      expect(e).to.have.property("code", "UNKNOWN_ERROR"); // "could not coalesce error"
      expect((e as { revert?: unknown }).revert ?? null).to.equal(null);
      const error = explained(e);
      expect(error.errorName).to.equal("UnauthorisedAccount");
      expect(error.args).to.deep.equal({ account: wallet.address, neededRole: BigInt(Role.Regulator) });
      expect(error.shortMessage).to.contain(
        `Account ${wallet.address} may not do this: it is not an active, licensed regulator.`,
      );

      // The same through estimateGas (a send without a gas limit) and a static call, from another contract.
      for (const e2 of [
        await caught(lots.registerProduct(614141123452n, ZeroHash)),
        await caught(lots.registerProduct.staticCall(614141123452n, ZeroHash)),
      ]) {
        const error2 = explained(e2);
        expect(error2.errorName).to.equal("UnauthorisedAccount");
        expect(error2.args).to.deep.equal({ account: wallet.address, neededRole: BigInt(Role.Manufacturer) });
      }

      // Nothing decodable: the node's answer to a transfer the account cannot pay for is no revert.
      const poor = Wallet.createRandom(provider);
      const e3 = await caught(poor.sendTransaction({ to: wallet.address, value: 1n, gasLimit: 21_000 }));
      const explanation = explainError(e3);
      expect(explanation).to.be.instanceOf(TransactionError);
      expect(explanation.shortMessage).to.equal("The account does not have enough ether to pay for this transaction.");
      expect(explanation.cause).to.equal(e3);
    });
  });
});
