// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Role} from "../Common.sol";

/**
 * @title TradePaths
 * @author PharmaChain
 * @notice Who may ship or sell to whom: the one statement of PharmaChain's trade paths, used by custody (shipments)
 * and the order book (orders and offers). Only traders (manufacturers, distributors, dispensers) own packs.
 *
 * Goods flow manufacturer → distributor (→ distributor …) → dispenser and back for returns. A shipment may also go
 * straight from a manufacturer to a dispenser (a direct purchase) and back from a dispenser to the manufacturer (a
 * recall's return); orders follow the wholesale paths only: every sale path is a shipping path.
 */
library TradePaths {
    /// @dev A party that owns packs: a manufacturer, distributor or dispenser.
    function isTrader(Role role) internal pure returns (bool) {
        return role == Role.Manufacturer || role == Role.Distributor || role == Role.Dispenser;
    }

    /// @dev A shipment from a `from` to a `to` is allowed.
    function mayShip(Role from, Role to) internal pure returns (bool) {
        if (to == Role.Distributor) return isTrader(from);
        if (to == Role.Dispenser) return from == Role.Manufacturer || from == Role.Distributor;
        if (to == Role.Manufacturer) return from == Role.Distributor || from == Role.Dispenser;
        return false;
    }

    /// @dev An order or offer between a `seller` and a `buyer` is allowed: manufacturer → distributor, distributor →
    /// distributor, dispenser or manufacturer (a return), dispenser → distributor (a return).
    function maySell(Role seller, Role buyer) internal pure returns (bool) {
        if (seller == Role.Manufacturer) return buyer == Role.Distributor;
        if (seller == Role.Distributor) {
            return buyer == Role.Distributor || buyer == Role.Dispenser || buyer == Role.Manufacturer;
        }
        if (seller == Role.Dispenser) return buyer == Role.Distributor;
        return false;
    }
}
