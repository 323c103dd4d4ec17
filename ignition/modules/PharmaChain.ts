/**
 * Deploys and wires the protocol: the stakeholder registry (its admin is the regulator council), products and lots,
 * custody's run store (the linked library PackRunsStore) and custody, which deploys its order book (TradeOrders)
 * itself. Parameters (see ignition/parameters/*.json):
 *   council     the regulator council, admin of the registry (default: the deploying account); may be a Safe
 *   adminDelay  seconds a new admin must wait in the two-step admin transfer (default: 3 days)
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

const THREE_DAYS = 3 * 24 * 60 * 60;

export default buildModule("PharmaChain", (m) => {
  const council = m.getParameter("council", m.getAccount(0));
  const adminDelay = m.getParameter("adminDelay", THREE_DAYS);

  const registry = m.contract("StakeholderRegistry", [adminDelay, council]);
  const lots = m.contract("ProductLots", [registry]);
  // Custody's run store is a linked library (custody alone would pass the contract size limit).
  const runStore = m.library("PackRunsStore");
  const custody = m.contract("PackCustody", [registry, lots], { libraries: { PackRunsStore: runStore } });
  // Custody's constructor deploys the order book, the one contract it reports shipments made for orders to.
  const orders = m.contractAt("TradeOrders", m.staticCall(custody, "orderBook"));

  return { registry, lots, runStore, custody, orders };
});
