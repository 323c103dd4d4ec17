/**
 * The protocol plus its first regulator, appointed by the council. Use it when the council is the deploying account
 * (a local node, a deployer key held by the council); with a Safe as council, deploy PharmaChain.ts and have the Safe
 * call `appointRegulator` instead. Parameters, besides PharmaChain's:
 *   regulator              the regulator's account (required)
 *   licenceHash            bytes32 hash of its licence document (default zero)
 *   gln                    its GS1 GLN as a number, 0 for none (default 0)
 *   jurisdiction           ISO 3166-1 alpha-2 code as bytes2 hex, e.g. "0x4244" for BD (default "0x5553", US)
 *   validUntil             unix seconds when its licence ends (required)
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import PharmaChain from "./PharmaChain";

export default buildModule("FirstRegulator", (m) => {
  const { registry, lots, custody } = m.useModule(PharmaChain);
  const regulator = m.getParameter<string>("regulator");
  const licenceHash = m.getParameter("licenceHash", "0x" + "00".repeat(32));
  const gln = m.getParameter("gln", 0);
  const jurisdiction = m.getParameter("jurisdiction", "0x5553");
  const validUntil = m.getParameter<number>("validUntil");

  m.call(registry, "appointRegulator", [regulator, licenceHash, gln, jurisdiction, validUntil], {
    from: m.getAccount(0),
  });

  return { registry, lots, custody };
});
