/**
 * ProductLots: what mutation testing (npm run mutation, docs/mutation.md) found untested. A lot expires at
 * `expiresAt`: a pending lot can be co-signed in a block before that second, not in the block at it. The existing
 * test co-signs a second after the deadline, where `<` and `<=` agree, so the boundary could move unnoticed.
 */
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { Manifest } from "../sdk/src/manifest";
import { signLotAttestation } from "../sdk/src/attestation";
import { NO_SIGNATURE, YEAR, attestationFor, domainOf, serialsFor, sig, worldFixture } from "./helpers/fixture";

async function pendingLot() {
  const w = await worldFixture();
  const att = await attestationFor(w, Manifest.fromSerials(serialsFor("SN-E-", 4)), { deadlineIn: 3n * YEAR });
  const d = await domainOf(w);
  const m = sig(w.manufacturer.address, await signLotAttestation(w.manufacturer, d, att));
  const r = sig(w.regulator.address, await signLotAttestation(w.regulator, d, att));
  await w.lots.commissionLot(att, m, NO_SIGNATURE);
  return { w, att, r };
}

describe("ProductLots: a pending lot's deadline, to the second", function () {
  it("refuses a co-signature in the block at expiresAt", async function () {
    const { w, att, r } = await loadFixture(pendingLot);
    await time.setNextBlockTimestamp(att.expiresAt);
    await expect(w.lots.cosignLot(att, r))
      .to.be.revertedWithCustomError(w.lots, "LotsAlreadyExpired")
      .withArgs(att.expiresAt);
  });

  it("accepts it in the block a second before", async function () {
    const { w, att, r } = await loadFixture(pendingLot);
    await time.setNextBlockTimestamp(att.expiresAt - 1n);
    await expect(w.lots.cosignLot(att, r)).to.emit(w.lots, "LotReleased").withArgs(att.lotId);
  });
});
