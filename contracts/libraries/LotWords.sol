// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IProductLots} from "../interfaces/IProductLots.sol";

/**
 * @title LotWords
 * @author PharmaChain
 * @notice The layout of a lot's first storage word ({IProductLots-lotWord}), named: the first five fields of
 * `ProductLots.LotRecord` as the compiler packs them, `manufacturer | expiresAt << 160 | unitCount << 200 |
 * status << 232 | recalled << 240`. Custody reads the word whole in one call; this is the one place that decodes it
 * (the layout is checked against `lot()` in the tests).
 */
library LotWords {
    uint256 internal constant BITPOS_EXPIRES_AT = 160;
    uint256 internal constant BITPOS_UNIT_COUNT = 200;
    uint256 internal constant BITPOS_STATUS = 232;
    uint256 internal constant BITPOS_RECALLED = 240;

    /// @dev Fills `ls` with the lot's standing from its word (filling the caller's struct spares a second memory
    /// allocation); `serialsRoot` is not in the word and is left as it is.
    function decode(uint256 word, IProductLots.LotStanding memory ls) internal pure {
        ls.manufacturer = address(uint160(word));
        ls.expiresAt = uint40(word >> BITPOS_EXPIRES_AT);
        ls.unitCount = uint32(word >> BITPOS_UNIT_COUNT);
        ls.status = IProductLots.LotStatus(uint8(word >> BITPOS_STATUS));
        ls.recalled = uint8(word >> BITPOS_RECALLED) != 0;
    }
}
