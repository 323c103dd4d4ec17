/**
 * StakeholderRegistry: what mutation testing (npm run mutation, docs/mutation.md) found untested. `approve` checks
 * the pause before the caller's role: while paused every ruling answers ProtocolPaused, whoever calls, and a caller
 * learns nothing about its own standing from a paused registry. Swapping the two modifiers went unnoticed. And the
 * council's exemption from the pause covers rulings on regulators only: on an account without a record (role None)
 * the pause answers first, which a test on a manufacturer's record cannot tell from an exemption for "None or
 * Regulator".
 */
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import { GLN, JURISDICTION, Role, bytes32, worldFixture } from "./helpers/fixture";

describe("StakeholderRegistry: the pause is checked before the role", function () {
  it("refuses approve by a non-regulator with ProtocolPaused while paused, and by its role once unpaused", async function () {
    const w = await loadFixture(worldFixture);
    const [applicant] = (await ethers.getSigners()).slice(11);
    await w.registry
      .connect(applicant)
      .applyForRole(Role.Distributor, bytes32("licence:applicant"), GLN, JURISDICTION, bytes32("meta"));
    const validUntil = w.licenceUntil;
    await w.registry.connect(w.council).pause();
    await expect(w.registry.connect(w.outsider).approve(applicant.address, validUntil)).to.be.revertedWithCustomError(
      w.registry,
      "ProtocolPaused",
    );
    await w.registry.connect(w.council).unpause();
    await expect(w.registry.connect(w.outsider).approve(applicant.address, validUntil))
      .to.be.revertedWithCustomError(w.registry, "UnauthorisedAccount")
      .withArgs(w.outsider.address, Role.Regulator);
  });

  it("refuses the council's suspend and revoke of an account without a record with ProtocolPaused while paused", async function () {
    const w = await loadFixture(worldFixture);
    const [nobody] = (await ethers.getSigners()).slice(12);
    await w.registry.connect(w.council).pause();
    await expect(
      w.registry.connect(w.council).suspend(nobody.address, bytes32("reason")),
    ).to.be.revertedWithCustomError(w.registry, "ProtocolPaused");
    await expect(w.registry.connect(w.council).revoke(nobody.address, bytes32("reason"))).to.be.revertedWithCustomError(
      w.registry,
      "ProtocolPaused",
    );
    await w.registry.connect(w.council).unpause();
    await expect(w.registry.connect(w.council).suspend(nobody.address, bytes32("reason")))
      .to.be.revertedWithCustomError(w.registry, "RegistryUnknownStakeholder")
      .withArgs(nobody.address);
  });
});
