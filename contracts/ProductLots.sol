// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {IProductLots} from "./interfaces/IProductLots.sol";
import {IStakeholderRegistry} from "./interfaces/IStakeholderRegistry.sol";
import {Role, ProtocolPaused, UnauthorisedAccount} from "./Common.sol";
import {Gs1} from "./libraries/Gs1.sol";

/**
 * @title ProductLots
 * @notice Products (GTINs) and the dual-signed lots of serialised packs made of them. The EIP-712 domain is
 * `PharmaChain`, version `1`, this chain, this contract; it is readable through ERC-5267 `eip712Domain()`.
 */
contract ProductLots is IProductLots, EIP712 {
    bytes32 public constant LOT_ATTESTATION_TYPEHASH = keccak256(
        "LotAttestation(bytes32 lotId,uint64 gtin,string lotNumber,uint64 expiresAt,uint32 unitCount,bytes32 serialsRoot,bytes32 dataHash,address manufacturer,uint64 deadline)"
    );

    IStakeholderRegistry private immutable _registry;

    mapping(uint64 gtin => Product) private _products;
    /**
     * @dev A lot as stored: what custody reads on every operation in the first slot; the manufacturer's own signature
     * is a flag, and a signer it authorised takes a slot only when one signed.
     */
    struct LotRecord {
        address manufacturer;
        uint40 expiresAt;
        uint32 unitCount;
        LotStatus status;
        bool recalled;
        uint64 gtin;
        uint40 commissionedAt;
        uint40 releasedAt;
        uint40 recalledAt;
        bool manufacturerSigned;
        bytes32 serialsRoot;
        bytes32 dataHash;
        address regulatorSigner;
        address delegateSigner;
    }

    mapping(bytes32 lotId => LotRecord) private _lots;
    mapping(address manufacturer => mapping(address signer => bool)) private _signers;

    constructor(IStakeholderRegistry registry_) EIP712("PharmaChain", "1") {
        if (address(registry_) == address(0)) revert LotsZeroAddress();
        _registry = registry_;
    }

    // ------------------------------------------------------------------ products

    /// @inheritdoc IProductLots
    function registerProduct(uint64 gtin, bytes32 metadataHash) external {
        _requireRole(msg.sender, Role.Manufacturer);
        if (!Gs1.hasValidCheckDigit(gtin, 14)) revert ProductsInvalidGtin(gtin);
        Product storage p = _products[gtin];
        // A rejected registration may be made again (by the rightful owner of the GTIN, as the regulator decides).
        if (p.status != ProductStatus.None && p.status != ProductStatus.Rejected) revert ProductsAlreadyRegistered(gtin);
        p.manufacturer = msg.sender;
        p.status = ProductStatus.Proposed;
        p.registeredAt = uint64(block.timestamp);
        emit ProductRegistered(gtin, msg.sender, metadataHash);
    }

    /// @inheritdoc IProductLots
    function approveProduct(uint64 gtin) external {
        _proposedProduct(gtin).status = ProductStatus.Approved;
        emit ProductApproved(gtin, msg.sender);
    }

    /// @inheritdoc IProductLots
    function rejectProduct(uint64 gtin, bytes32 reasonHash) external {
        _proposedProduct(gtin).status = ProductStatus.Rejected;
        emit ProductRejected(gtin, msg.sender, reasonHash);
    }

    /// @inheritdoc IProductLots
    function setSigner(address signer, bool allowed) external {
        _requireRole(msg.sender, Role.Manufacturer);
        if (signer == address(0)) revert LotsZeroAddress();
        // The manufacturer always signs for itself.
        if (signer == msg.sender) revert LotsInvalidSigner(signer, false);
        _signers[msg.sender][signer] = allowed;
        emit SignerAuthorised(msg.sender, signer, allowed);
    }

    // ------------------------------------------------------------------ lots

    /// @inheritdoc IProductLots
    function commissionLot(
        LotAttestation calldata att,
        SignerSignature calldata manufacturerSignature,
        SignerSignature calldata regulatorSignature
    ) external returns (bytes32 lotId) {
        lotId = att.lotId;
        _checkNewLot(att);
        bool byManufacturer = manufacturerSignature.signer != address(0);
        bool byRegulator = regulatorSignature.signer != address(0);
        if (!byManufacturer && !byRegulator) revert LotsMissingSignatures();

        // Two parties, two accounts: one account may not fill both places (say, a regulator made a manufacturer's signer).
        if (manufacturerSignature.signer == regulatorSignature.signer) {
            revert LotsInvalidSigner(regulatorSignature.signer, true);
        }
        bytes32 digest = _hashTypedDataV4(_structHash(att));
        if (byManufacturer) _checkSignature(digest, att.manufacturer, manufacturerSignature, false);
        if (byRegulator) _checkSignature(digest, att.manufacturer, regulatorSignature, true);

        bool released = byManufacturer && byRegulator;
        _storeLot(att, manufacturerSignature.signer, regulatorSignature.signer, released);
        _emitCommissioned(att);
        if (byManufacturer) {
            emit LotSigned(lotId, manufacturerSignature.signer, false, manufacturerSignature.signature, att.deadline);
        }
        if (byRegulator) {
            emit LotSigned(lotId, regulatorSignature.signer, true, regulatorSignature.signature, att.deadline);
        }
        if (released) emit LotReleased(lotId);
    }

    /// @inheritdoc IProductLots
    function cosignLot(LotAttestation calldata att, SignerSignature calldata sig) external {
        bytes32 lotId = att.lotId;
        LotRecord storage l = _lots[lotId];
        if (l.status == LotStatus.None) revert LotsUnknownLot(lotId);
        if (l.status == LotStatus.Released) revert LotsAlreadyReleased(lotId);
        if (l.recalled) revert LotsAlreadyRecalled(lotId);
        if (l.expiresAt <= block.timestamp) revert LotsAlreadyExpired(l.expiresAt);
        _checkAttestation(att);
        // The GTIN and lot number are bound by the lot id, which _checkAttestation derived.
        if (
            l.expiresAt != att.expiresAt || l.unitCount != att.unitCount
                || l.serialsRoot != att.serialsRoot || l.dataHash != att.dataHash || l.manufacturer != att.manufacturer
        ) revert LotsAttestationMismatch(lotId);
        _requireRole(att.manufacturer, Role.Manufacturer);
        if (sig.signer == address(0)) revert LotsMissingSignatures();

        // The missing place is the regulator's once the manufacturer has signed.
        bool asRegulator = l.manufacturerSigned;
        address other = asRegulator ? _manufacturerSignerOf(l) : l.regulatorSigner;
        if (sig.signer == other) revert LotsInvalidSigner(sig.signer, asRegulator);
        _checkSignature(_hashTypedDataV4(_structHash(att)), att.manufacturer, sig, asRegulator);
        if (asRegulator) l.regulatorSigner = sig.signer;
        else _recordManufacturerSigner(l, sig.signer);
        l.status = LotStatus.Released;
        l.releasedAt = uint40(block.timestamp);
        emit LotSigned(lotId, sig.signer, asRegulator, sig.signature, att.deadline);
        emit LotReleased(lotId);
    }

    /// @inheritdoc IProductLots
    function recallLot(bytes32 lotId, bytes32 reasonHash) external {
        LotRecord storage l = _lotRuledBy(lotId, msg.sender);
        if (l.recalled) revert LotsAlreadyRecalled(lotId);
        l.recalled = true;
        l.recalledAt = uint40(block.timestamp);
        emit LotRecalled(lotId, msg.sender, reasonHash);
    }

    /// @inheritdoc IProductLots
    function voidLot(bytes32 lotId, bytes32 reasonHash) external {
        LotRecord storage l = _lotRuledBy(lotId, msg.sender);
        if (l.status != LotStatus.Pending) revert LotsNotPending(lotId);
        delete _lots[lotId];
        emit LotVoided(lotId, msg.sender, reasonHash);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IProductLots
    function attestationDigest(LotAttestation calldata att) external view returns (bytes32) {
        return _hashTypedDataV4(_structHash(att));
    }

    /// @inheritdoc IProductLots
    function product(uint64 gtin) external view returns (Product memory) {
        return _products[gtin];
    }

    /// @inheritdoc IProductLots
    function lot(bytes32 lotId) external view returns (Lot memory v) {
        LotRecord storage l = _lots[lotId];
        v.gtin = l.gtin;
        v.manufacturer = l.manufacturer;
        v.expiresAt = l.expiresAt;
        v.unitCount = l.unitCount;
        v.status = l.status;
        v.recalled = l.recalled;
        v.commissionedAt = l.commissionedAt;
        v.releasedAt = l.releasedAt;
        v.recalledAt = l.recalledAt;
        v.serialsRoot = l.serialsRoot;
        v.dataHash = l.dataHash;
        v.manufacturerSigner = _manufacturerSignerOf(l);
        v.regulatorSigner = l.regulatorSigner;
    }

    /// @inheritdoc IProductLots
    function lotStanding(bytes32 lotId) external view returns (LotStanding memory s) {
        LotRecord storage l = _lots[lotId];
        s.manufacturer = l.manufacturer;
        s.unitCount = l.unitCount;
        s.expiresAt = l.expiresAt;
        s.status = l.status;
        s.recalled = l.recalled;
        s.serialsRoot = l.serialsRoot;
    }

    /// @inheritdoc IProductLots
    function lotWord(bytes32 lotId) external view returns (uint256 word) {
        LotRecord storage l = _lots[lotId];
        // The first slot of LotRecord: manufacturer, expiresAt, unitCount, status, recalled (tested against lot()).
        assembly ("memory-safe") {
            word := sload(l.slot)
        }
    }

    /// @inheritdoc IProductLots
    function lotWords(bytes32 lotId) external view returns (uint256 word, bytes32 serialsRoot) {
        LotRecord storage l = _lots[lotId];
        assembly ("memory-safe") {
            word := sload(l.slot)
        }
        serialsRoot = l.serialsRoot;
    }

    /// @inheritdoc IProductLots
    function isSigner(address manufacturer, address signer) public view returns (bool) {
        return signer == manufacturer || _signers[manufacturer][signer];
    }

    /// @inheritdoc IProductLots
    function registry() external view returns (address) {
        return address(_registry);
    }

    // ------------------------------------------------------------------ internals

    function _requireRole(address account, Role role) private view {
        (Role r, bool authorised, bool paused) = _registry.standing(account);
        if (paused) revert ProtocolPaused();
        if (!authorised || r != role) revert UnauthorisedAccount(account, role);
    }

    /// @dev A lot that `account` may recall or void: it is the lot's authorised manufacturer or a regulator.
    function _lotRuledBy(bytes32 lotId, address account) private view returns (LotRecord storage l) {
        l = _lots[lotId];
        if (l.status == LotStatus.None) revert LotsUnknownLot(lotId);
        (Role role, bool authorised, bool paused) = _registry.standing(account);
        if (paused) revert ProtocolPaused();
        bool allowed =
            authorised && (role == Role.Regulator || (role == Role.Manufacturer && l.manufacturer == account));
        if (!allowed) revert UnauthorisedAccount(account, Role.Regulator);
    }

    function _proposedProduct(uint64 gtin) private view returns (Product storage p) {
        _requireRole(msg.sender, Role.Regulator);
        p = _products[gtin];
        if (p.status == ProductStatus.None) revert ProductsUnknownProduct(gtin);
        if (p.status != ProductStatus.Proposed) revert ProductsInvalidStatus(gtin, p.status);
    }

    /// @dev The checks shared by commissioning and co-signing: identifiers, lot number, deadline.
    function _checkAttestation(LotAttestation calldata att) private view {
        if (!Gs1.isAi82(att.lotNumber)) revert LotsInvalidLotNumber(att.lotNumber);
        bytes32 expected = keccak256(abi.encode(att.gtin, att.lotNumber));
        if (att.lotId != expected) revert LotsInvalidLotId(att.lotId, expected);
        if (att.deadline < block.timestamp) revert LotsExpiredDeadline(att.deadline);
    }

    /// @dev The checks of a first commissioning: a well-formed, unexpired lot of an approved product of an authorised
    /// manufacturer, not yet recorded.
    function _checkNewLot(LotAttestation calldata att) private view {
        _checkAttestation(att);
        if (att.unitCount == 0) revert LotsZeroUnits();
        if (att.expiresAt <= block.timestamp) revert LotsAlreadyExpired(att.expiresAt);
        if (att.expiresAt > type(uint40).max) revert LotsInvalidExpiry(att.expiresAt);
        Product storage p = _products[att.gtin];
        if (p.status != ProductStatus.Approved) revert LotsProductNotApproved(att.gtin, p.status);
        if (p.manufacturer != att.manufacturer) {
            revert LotsWrongManufacturer(att.gtin, att.manufacturer, p.manufacturer);
        }
        _requireRole(att.manufacturer, Role.Manufacturer);
        if (_lots[att.lotId].status != LotStatus.None) revert LotsAlreadyCommissioned(att.lotId);
    }

    function _storeLot(LotAttestation calldata att, address manufacturerSigner, address regulatorSigner, bool released)
        private
    {
        uint40 now_ = uint40(block.timestamp);
        LotRecord storage l = _lots[att.lotId];
        l.manufacturer = att.manufacturer;
        l.expiresAt = uint40(att.expiresAt);
        l.unitCount = att.unitCount;
        l.status = released ? LotStatus.Released : LotStatus.Pending;
        l.gtin = att.gtin;
        l.commissionedAt = now_;
        if (released) l.releasedAt = now_;
        l.serialsRoot = att.serialsRoot;
        l.dataHash = att.dataHash;
        if (regulatorSigner != address(0)) l.regulatorSigner = regulatorSigner;
        if (manufacturerSigner != address(0)) _recordManufacturerSigner(l, manufacturerSigner);
    }

    function _manufacturerSignerOf(LotRecord storage l) private view returns (address) {
        if (!l.manufacturerSigned) return address(0);
        return l.delegateSigner == address(0) ? l.manufacturer : l.delegateSigner;
    }

    function _recordManufacturerSigner(LotRecord storage l, address signer) private {
        l.manufacturerSigned = true;
        if (signer != l.manufacturer) l.delegateSigner = signer;
    }

    function _emitCommissioned(LotAttestation calldata att) private {
        emit LotCommissioned(
            att.lotId, att.gtin, att.manufacturer, att.lotNumber, att.expiresAt, att.unitCount, att.serialsRoot, att.dataHash
        );
    }

    function _checkSignature(bytes32 digest, address manufacturer, SignerSignature calldata sig, bool asRegulator)
        private
        view
    {
        bool allowed = asRegulator
            ? _registry.isAuthorised(sig.signer, Role.Regulator)
            : isSigner(manufacturer, sig.signer);
        if (!allowed) revert LotsInvalidSigner(sig.signer, asRegulator);
        if (!SignatureChecker.isValidSignatureNow(sig.signer, digest, sig.signature)) {
            revert LotsInvalidSignature(sig.signer);
        }
    }

    function _structHash(LotAttestation calldata att) private pure returns (bytes32) {
        return keccak256(
            abi.encode(
                LOT_ATTESTATION_TYPEHASH,
                att.lotId,
                att.gtin,
                keccak256(bytes(att.lotNumber)),
                att.expiresAt,
                att.unitCount,
                att.serialsRoot,
                att.dataHash,
                att.manufacturer,
                att.deadline
            )
        );
    }
}
