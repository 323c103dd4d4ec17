/**
 * Measures the three gas figures the core protocol must reach (issue: core protocol), on the in-process Hardhat
 * network: commissioning with both signatures, ship plus receive of 100,000 contiguous packs of one lot, and
 * dispensing one pack with its proof. Prints a table and writes bench/gas-core.json (or the path in GAS_OUT).
 *
 *   npm run gas
 */
import fs from "fs";
import path from "path";
import hre, { ethers } from "hardhat";
import { Manifest } from "../sdk/src/manifest";
import { commission, packProof, range, serialsFor, worldFixture } from "../test/helpers/fixture";
import { PackState } from "../test/helpers/fixture";
import type { ContractTransactionResponse } from "ethers";

async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<bigint> {
  const receipt = await (await tx).wait();
  return receipt!.gasUsed;
}

async function main(): Promise<void> {
  const w = await worldFixture();
  const rows: { operation: string; packs: number; gas: bigint; ceiling: bigint | null }[] = [];

  // One-offs made before measuring: a first shipment sets the shipment counter (20,000 gas), and an account's first
  // write of custody records takes its holder id (two new words and the counter): the distributor's and the
  // dispenser's are taken here.
  const warmUp = Manifest.fromSerials(["WARM-UP", "WARM-UP-2"]);
  const { lotId: warmLot } = await commission(w, warmUp, { lotNumber: "WARM-UP" });
  await w.custody
    .connect(w.manufacturer)
    .ship(w.distributor.address, ethers.ZeroAddress, ethers.ZeroHash, [range(warmLot, 0, 2)]);
  await w.custody.connect(w.distributor).receiveShipment(await w.custody.shipmentCount());
  await w.custody
    .connect(w.distributor)
    .ship(w.dispenser.address, ethers.ZeroAddress, ethers.ZeroHash, [range(warmLot, 1, 2)]);
  await w.custody.connect(w.dispenser).receiveShipment(await w.custody.shipmentCount());
  await w.custody
    .connect(w.dispenser)
    .decommission(packProof(warmUp, warmLot, warmUp.serials[1], 0), PackState.Dispensed);

  for (const size of [1, 1_000, 100_000]) {
    // Serials of 20 characters, the GS1 maximum, so that calldata and hashing are at their largest.
    const manifest = Manifest.fromSerials(serialsFor(`SN${size}-`.padEnd(13, "X"), size));
    const before = await ethers.provider.getBlockNumber();
    const { lotId } = await commission(w, manifest, { lotNumber: `GAS-${size}` });
    const block = await ethers.provider.getBlock(before + 1, true);
    const receipt = await ethers.provider.getTransactionReceipt(block!.transactions[0]);
    rows.push({ operation: "commission (both signatures)", packs: size, gas: receipt!.gasUsed, ceiling: 200_000n });

    const ship = await gasOf(
      w.custody
        .connect(w.manufacturer)
        .ship(w.distributor.address, ethers.ZeroAddress, ethers.ZeroHash, [range(lotId, 0, size)]),
    );
    const id = await w.custody.shipmentCount();
    const recv = await gasOf(w.custody.connect(w.distributor).receiveShipment(id));
    rows.push({ operation: "ship", packs: size, gas: ship, ceiling: null });
    rows.push({ operation: "receive", packs: size, gas: recv, ceiling: null });
    rows.push({
      operation: "ship + receive",
      packs: size,
      gas: ship + recv,
      ceiling: size === 100_000 ? 150_000n : null,
    });

    if (size === 100_000) {
      // distributor -> dispenser of the whole lot, then the dispenser dispenses a pack in the middle of its run.
      await w.custody
        .connect(w.distributor)
        .ship(w.dispenser.address, ethers.ZeroAddress, ethers.ZeroHash, [range(lotId, 0, size)]);
      await w.custody.connect(w.dispenser).receiveShipment(await w.custody.shipmentCount());
      const serial = manifest.serials[54_321];
      const dispense = await gasOf(
        w.custody.connect(w.dispenser).decommission(packProof(manifest, lotId, serial, 0), PackState.Dispensed),
      );
      rows.push({ operation: "dispense one pack (mid-run, with proof)", packs: 1, gas: dispense, ceiling: 90_000n });
      const serial2 = manifest.serials[54_322];
      const dispense2 = await gasOf(
        w.custody.connect(w.dispenser).decommission(packProof(manifest, lotId, serial2, 54_321), PackState.Dispensed),
      );
      rows.push({
        operation: "dispense the next pack (after a dispensed one)",
        packs: 1,
        gas: dispense2,
        ceiling: 90_000n,
      });
    }
  }

  const settings = hre.config.solidity.compilers[0];
  console.log(
    `serials of ${rows.length ? 20 : 0} characters; the first shipment of the chain was made before measuring`,
  );
  console.log(
    `hardfork ${hre.config.networks.hardhat.hardfork}, solc ${settings.version}, optimizer ${JSON.stringify(settings.settings.optimizer)}, evmVersion ${settings.settings.evmVersion}`,
  );
  console.table(
    rows.map((r) => ({
      ...r,
      gas: Number(r.gas),
      ceiling: r.ceiling === null ? "" : Number(r.ceiling),
      ok: r.ceiling === null ? "" : r.gas <= r.ceiling ? "yes" : "NO",
    })),
  );
  const out = process.env.GAS_OUT ?? path.join(__dirname, "..", "bench", "gas-core.json");
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(
    out,
    JSON.stringify(
      {
        hardfork: hre.config.networks.hardhat.hardfork,
        solc: settings.version,
        optimizer: settings.settings.optimizer,
        evmVersion: settings.settings.evmVersion,
        rows: rows.map((r) => ({ ...r, gas: Number(r.gas), ceiling: r.ceiling === null ? null : Number(r.ceiling) })),
      },
      null,
      2,
    ),
  );
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
