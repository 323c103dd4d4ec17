/**
 * Shared access behaviours built from a contract's ABI, as OpenZeppelin's `shouldBehaveLikeAccessControl` is one
 * behaviour shared by every contract that has the property.
 *
 * {shouldBehaveLikeAccessChecked} lists every state-changing function (neither `view` nor `pure`) of a contract's ABI
 * and checks each against a table ({AccessTable}) of what the function requires:
 *
 * - **pause**: while the protocol is paused the call is refused with the contract's pause error, unless the table
 *   says it is allowed while paused (the council's remedies, withdrawing a signing key …), and then it must succeed;
 * - **role**: the same call made by an account that may not make it is refused with the named error and arguments
 *   the table gives (or the table says why anyone may call it);
 * - **licence**: the same call, after the licence of the account whose standing the function checks (the caller, a
 *   signer, a counterparty) has been suspended, and again after it has lapsed, is refused with the named error, or
 *   succeeds when the table says the function is open to a party in any standing.
 *
 * Every case starts with a baseline: the call the table gives succeeds in the fixture, so each refusal above is
 * caused by the one condition the check changes and by nothing else.
 *
 * The table must be complete: a test fails when the ABI has a state-changing function the table does not mention,
 * and when the table mentions a function the ABI does not have (so a new function cannot be forgotten, nor a removed
 * one linger).
 */
import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { BaseContract, FunctionFragment, Signer } from "ethers";

/** A named custom error and its arguments, declared in the ABI of `on` (by default, the contract under test). */
export interface ErrorSpec {
  error: string;
  args: readonly unknown[];
  on?: BaseContract;
}

/** The error named `error` with `args`. */
export function err(error: string, ...args: unknown[]): ErrorSpec {
  return { error, args };
}

/** A call of the function under test: who makes it and with which arguments. */
export interface Call {
  caller: Signer;
  args: readonly unknown[];
}

/** The pause rule of a case: the default is refused with the contract's pause error. */
export type PauseRule =
  /** Refused with the contract's pause error (`pauseError` of {AccessSubject}). */
  | "refused"
  /** Refused with another error (say, OpenZeppelin's `EnforcedPause` for pausing twice). */
  | { refused: ErrorSpec }
  /** Allowed while paused, for the reason given; the call must succeed. */
  | { allowed: string };

/** Who may call: a refused caller and the error it gets, or why anyone may. */
export type RoleRule<W> =
  { refused: (w: W) => Signer; with: (w: W, caller: Signer) => Promise<ErrorSpec> | ErrorSpec } | { anyone: string };

/** One party whose standing the function checks, and what happens when its licence is suspended or lapsed. */
export type LicenceRule<W> =
  | {
      /** The party whose licence is suspended or lapsed; the caller by default. */
      of?: (w: W) => Signer;
      with: (w: W, party: Signer) => Promise<ErrorSpec> | ErrorSpec;
    }
  /** The party may call in any standing (and the call must still succeed). */
  | { of?: (w: W) => Signer; allowed: string }
  /** No licence comes into it (the council, a contract, an applicant), for the reason given. */
  | { none: string };

/** One way of calling a function, with its rules. */
export interface AccessCase<W> {
  /** What this case is, when a function has several (the council's remedy and a regulator's ruling …). */
  name?: string;
  /** Run before the call in every check (the baseline too), for a case that needs a state of its own. */
  before?: (w: W) => Promise<void>;
  /** A call that succeeds in the fixture. */
  call: (w: W) => Promise<Call> | Call;
  pause?: PauseRule;
  role: RoleRule<W>;
  licence: LicenceRule<W> | LicenceRule<W>[];
}

/** What every state-changing function requires, by function name: one case, or several. */
export type AccessTable<W> = Record<string, AccessCase<W> | AccessCase<W>[]>;

/** How to reach the contract under test and act on the protocol's switches and licences. */
export interface AccessSubject<W> {
  /** The contract's name, for the titles. */
  name: string;
  /** The fixture (one deployed world, loaded with `loadFixture`). */
  fixture: () => Promise<W>;
  contract: (w: W) => BaseContract;
  /** The contract's pause error, e.g. `ProtocolPaused` (no arguments). */
  pauseError: string;
  /** Pauses the protocol (if it is not paused already). */
  pause: (w: W) => Promise<void>;
  /** Suspends `party`'s licence (a regulator's by the council, anyone else's by a regulator). */
  suspend: (w: W, party: Signer) => Promise<void>;
  /** Makes `party`'s licence lapse (renewed to expire in a few seconds, then the clock moves past it). */
  lapse: (w: W, party: Signer) => Promise<void>;
}

/** The state-changing functions of a contract's ABI (neither `view` nor `pure`), by name. */
export function stateChangingFunctions(contract: BaseContract): FunctionFragment[] {
  const out: FunctionFragment[] = [];
  contract.interface.forEachFunction((f) => {
    if (!f.constant) out.push(f);
  });
  return out;
}

function casesOf<W>(entry: AccessCase<W> | AccessCase<W>[]): AccessCase<W>[] {
  return Array.isArray(entry) ? entry : [entry];
}

function licenceRules<W>(c: AccessCase<W>): LicenceRule<W>[] {
  return Array.isArray(c.licence) ? c.licence : [c.licence];
}

async function send(contract: BaseContract, fn: string, call: Call) {
  return (contract.connect(call.caller) as BaseContract).getFunction(fn)(...call.args);
}

async function expectRefused(contract: BaseContract, fn: string, call: Call, spec: ErrorSpec, when: string) {
  const on = spec.on ?? contract;
  await expect(send(contract, fn, call), `${fn} ${when}`)
    .to.be.revertedWithCustomError(on, spec.error)
    .withArgs(...spec.args);
}

async function expectSucceeds(contract: BaseContract, fn: string, call: Call, when: string) {
  await expect(send(contract, fn, call), `${fn} ${when}`).not.to.be.reverted;
}

/**
 * Defines the access tests of `subject` from `table`: that the table and the ABI name the same state-changing
 * functions, and, for each case, the baseline, the pause, the role and the licence checks.
 */
export function shouldBehaveLikeAccessChecked<W>(subject: AccessSubject<W>, table: AccessTable<W>): void {
  describe(`${subject.name}: access checks of every state-changing function`, function () {
    it("the table names every state-changing function of the ABI, and only those", async function () {
      const w = await loadFixture(subject.fixture);
      const fns = stateChangingFunctions(subject.contract(w));
      const names = fns.map((f) => f.name);
      // Keys are names: an overloaded function would need keys by signature.
      expect(new Set(names).size, "overloaded functions").to.equal(names.length);
      const missing = names.filter((n) => !(n in table));
      const stale = Object.keys(table).filter((n) => !names.includes(n));
      expect(missing, "state-changing functions the table does not mention").to.deep.equal([]);
      expect(stale, "functions in the table the ABI does not have").to.deep.equal([]);
    });

    for (const [fn, entry] of Object.entries(table)) {
      for (const c of casesOf(entry)) {
        const title = c.name ? `${fn} (${c.name})` : fn;
        describe(title, function () {
          async function setUp(): Promise<{ w: W; contract: BaseContract; call: Call }> {
            const w = await loadFixture(subject.fixture);
            if (c.before) await c.before(w);
            return { w, contract: subject.contract(w), call: await c.call(w) };
          }

          it("baseline: the table's call succeeds", async function () {
            const { contract, call } = await setUp();
            await expectSucceeds(contract, fn, call, "(baseline)");
          });

          const pause = c.pause ?? "refused";
          if (pause === "refused" || "refused" in pause) {
            const spec = pause === "refused" ? err(subject.pauseError) : pause.refused;
            it(`pause: refused while paused with ${spec.error}`, async function () {
              const { w, contract, call } = await setUp();
              await subject.pause(w);
              await expectRefused(contract, fn, call, spec, "while paused");
            });
          } else {
            it(`pause: allowed while paused (${pause.allowed})`, async function () {
              const { w, contract, call } = await setUp();
              await subject.pause(w);
              await expectSucceeds(contract, fn, call, "while paused");
            });
          }

          const role = c.role;
          if ("refused" in role) {
            it("role: refused for an account that may not call it", async function () {
              const { w, contract, call } = await setUp();
              const caller = role.refused(w);
              const spec = await role.with(w, caller);
              await expectRefused(contract, fn, { caller, args: call.args }, spec, "by an account without the role");
            });
          }

          for (const rule of licenceRules(c)) {
            if ("none" in rule) continue;
            for (const [how, act] of [
              ["suspended", subject.suspend],
              ["lapsed", subject.lapse],
            ] as const) {
              const allowed = "allowed" in rule;
              it(`licence: ${allowed ? "allowed" : "refused"} when ${
                rule.of ? "the party's" : "the caller's"
              } licence is ${how}`, async function () {
                const { w, contract, call } = await setUp();
                const party = rule.of ? rule.of(w) : call.caller;
                await act(w, party);
                if ("allowed" in rule) await expectSucceeds(contract, fn, call, `with a ${how} licence`);
                else await expectRefused(contract, fn, call, await rule.with(w, party), `with a ${how} licence`);
              });
            }
          }
        });
      }
    }
  });
}
