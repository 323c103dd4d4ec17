/**
 * Running the contract suites on a network other than Hardhat's (`npm run test:anvil`).
 *
 * - {@link hardhatOnly}: a test that needs a helper only Hardhat's network has skips itself elsewhere, printing why.
 * - Loaded first by `npm run test:anvil` (see `scripts/test-anvil.ts`), this file's root hook makes the test signers'
 *   `sendTransaction` return once the transaction is mined. The suites were written for Hardhat's automine, where a
 *   transaction is in a block by the time its hash comes back (`await contract.write(); expect(await contract.read())`,
 *   and the chai matchers read the receipt at once); anvil's automine mines a moment later. The SDK does not rely on
 *   this: it waits for every receipt itself.
 */
import { network } from "hardhat";
import { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";

export const ON_HARDHAT = network.name === "hardhat";

/** Skips the running test off Hardhat's network, printing the reason. */
export function hardhatOnly(context: Mocha.Context, reason: string): void {
  if (ON_HARDHAT) return;
  console.log(`      (skipped on ${network.name}: ${reason})`);
  context.skip();
}

if (!ON_HARDHAT) {
  before(function () {
    type Send = HardhatEthersSigner["sendTransaction"];
    const proto = HardhatEthersSigner.prototype as { sendTransaction: Send };
    const original: Send = proto.sendTransaction;
    proto.sendTransaction = async function (this: HardhatEthersSigner, tx) {
      const response = await original.call(this, tx);
      // With automine off (a test putting several transactions in one block) the test mines them itself.
      if (await network.provider.send("anvil_getAutomine", [])) await response.wait();
      return response;
    };
  });
}
