// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title GS1 checks used on-chain
 * @author PharmaChain
 * @notice The GS1 mod-10 check digit (GTIN, GLN) and the AI 82 character set of lot numbers and serials.
 */
library Gs1 {
    /**
     * @dev Whether `key` has exactly `digits` digits (leading zeros count, so any value below 10**digits qualifies)
     * and ends in a valid GS1 check digit. GTINs are stored as their GTIN-14 value; GLNs have 13 digits.
     */
    function hasValidCheckDigit(uint64 key, uint256 digits) internal pure returns (bool) {
        if (key == 0 || key >= 10 ** digits) return false;
        uint256 value = key;
        uint256 check = value % 10;
        value /= 10;
        uint256 sum;
        // The digit right of the check digit's neighbour is weighted 3, then 1, 3, ... leftwards.
        for (uint256 i = 0; i < digits - 1; ++i) {
            uint256 d = value % 10;
            value /= 10;
            sum += (i % 2 == 0) ? d * 3 : d;
        }
        return (10 - (sum % 10)) % 10 == check;
    }

    /**
     * @dev Whether `s` is 1 to 20 characters of the GS1 AI 82 set (the "CSET 82" of the GS1 General Specifications):
     * `! " % & ' ( ) * + , - . / 0-9 : ; < = > ? A-Z _ a-z`.
     */
    function isAi82(string calldata s) internal pure returns (bool) {
        bytes calldata b = bytes(s);
        uint256 n = b.length;
        if (n == 0 || n > 20) return false;
        for (uint256 i = 0; i < n; ++i) {
            if (!_isAi82Char(uint8(b[i]))) return false;
        }
        return true;
    }

    function _isAi82Char(uint8 c) private pure returns (bool) {
        if (c >= 0x30 && c <= 0x39) return true; // 0-9
        if (c >= 0x41 && c <= 0x5A) return true; // A-Z
        if (c >= 0x61 && c <= 0x7A) return true; // a-z
        if (c >= 0x25 && c <= 0x2F) return true; // % & ' ( ) * + , - . /
        if (c >= 0x3A && c <= 0x3F) return true; // : ; < = > ?
        return c == 0x21 || c == 0x22 || c == 0x5F; // ! " _
    }
}
