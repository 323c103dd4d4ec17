// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";

/**
 * @title Benchmark baseline: one OpenZeppelin ERC-721 token per pack
 * @author PharmaChain
 * @notice For `scripts/bench.ts` only: not part of the protocol, never deployed by Ignition. Each pack is a token
 * (ids are consecutive, the cheapest case for ERC-721); commissioning mints one token per pack and a move transfers
 * one token per pack with OpenZeppelin's own `transferFrom` (owner check, approval cleared, balances, one `Transfer`
 * event per pack). The batch functions only loop so that many packs fit one transaction, up to the per-transaction
 * gas cap; the per-pack cost is the transaction's gas divided by the packs in it.
 */
contract ERC721PerPack is ERC721 {
    /// @dev The only account that may mint (the manufacturer), fixed at deployment: no storage read per call.
    address private immutable _MINTER;

    error ERC721PerPackNotMinter(address caller);

    /**
     * @notice The token contract, with `minter` as the only account that may mint.
     * @param minter the manufacturer.
     */
    // Constructors take no visibility since Solidity 0.7: `public` would only draw a compiler warning.
    // solhint-disable-next-line func-visibility
    constructor(address minter) ERC721("PharmaChain pack (benchmark baseline)", "PACK") {
        _MINTER = minter;
    }

    /**
     * @notice Mints tokens `[firstId, firstId + count)` to `to`, one per pack. Only the minter may call.
     * @param to the holder of the new tokens.
     * @param firstId the first token id.
     * @param count the number of tokens.
     */
    function mintBatch(address to, uint256 firstId, uint256 count) external {
        if (msg.sender != _MINTER) revert ERC721PerPackNotMinter(msg.sender);
        uint256 end = firstId + count;
        for (uint256 id = firstId; id < end; ++id) {
            _mint(to, id);
        }
    }

    /**
     * @notice Transfers the caller's tokens `[firstId, firstId + count)` to `to`, one `transferFrom` per pack.
     * @param to the new holder.
     * @param firstId the first token id.
     * @param count the number of tokens.
     */
    function transferBatch(address to, uint256 firstId, uint256 count) external {
        uint256 end = firstId + count;
        for (uint256 id = firstId; id < end; ++id) {
            transferFrom(msg.sender, to, id);
        }
    }
}
