// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {IProductLots} from "./interfaces/IProductLots.sol";
import {IStakeholderRegistry} from "./interfaces/IStakeholderRegistry.sol";
import {AccessGate} from "./AccessGate.sol";
import {Role, StakeholderStatus, UnauthorisedAccount} from "./Common.sol";
import {Gs1} from "./libraries/Gs1.sol";

/**
 * @title ProductLots
 * @author PharmaChain
 * @notice Products (GTINs) and the dual-signed lots of serialised packs made of them. The EIP-712 domain is
 * `PharmaChain`, version `1`, this chain, this contract; it is readable through ERC-5267 `eip712Domain()`.
 */
contract ProductLots is IProductLots, EIP712, AccessGate {
    // solhint-disable gas-small-strings
    /// @notice The EIP-712 type hash of {LotAttestation}: the keccak256 of its normative type string.
    /// @dev The string is written out where it is hashed, as the normative text (gas-small-strings does not apply: a
    /// constant is folded at compile time, so its length costs nothing at run time).
    bytes32 public constant LOT_ATTESTATION_TYPEHASH = keccak256(
        "LotAttestation(bytes32 lotId,uint64 gtin,string lotNumber,uint64 expiresAt,uint32 unitCount,bytes32 serialsRoot,bytes32 dataHash,address manufacturer,uint64 deadline)"
    );
    // solhint-enable gas-small-strings

    mapping(uint64 gtin => Product) private _products;

    /**
     * @dev A lot as stored: what custody reads on every operation in the first slot; the manufacturer's own signature
     * is a flag, and a signer it authorised takes a slot only when one signed. `voided` survives {voidLot} (which clears
     * the rest): a lot with this id was voided at least once, so an attestation for it must be looked up in
     * `_voidedAttestations`; it shares the slot that commissioning writes anyway, so reading it costs a lot that was never
     * voided next to nothing. `pendingDigest` is the digest of the attestation a `Pending` lot was recorded from, kept
     * only while the lot is pending (to void it), so that a lot released at once pays nothing for it.
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
        bool voided;
        bytes32 serialsRoot;
        bytes32 dataHash;
        address regulatorSigner;
        address delegateSigner;
        bytes32 pendingDigest;
    }

    mapping(bytes32 lotId => LotRecord) private _lots;
    mapping(address manufacturer => mapping(address signer => bool)) private _signers;
    mapping(bytes32 digest => bool) private _voidedAttestations;

    /**
     * @notice Products and lots that take roles and the pause switch from `registry_`.
     * @param registry_ the stakeholder registry.
     */
    // Constructors take no visibility since Solidity 0.7: `public` would only draw a compiler warning.
    // solhint-disable-next-line func-visibility
    constructor(IStakeholderRegistry registry_) EIP712("PharmaChain", "1") AccessGate(registry_) {
        if (address(registry_) == address(0)) revert LotsZeroAddress();
    }

    // ------------------------------------------------------------------ products

    /// @inheritdoc IProductLots
    function registerProduct(uint64 gtin, bytes32 metadataHash) external {
        _requireRole(msg.sender, Role.Manufacturer);
        if (!Gs1.hasValidCheckDigit(gtin, 14)) revert ProductsInvalidGtin(gtin);
        Product storage p = _products[gtin];
        // A rejected registration may be made again (by the rightful owner of the GTIN, as the regulator decides).
        if (p.status != ProductStatus.None && p.status != ProductStatus.Rejected)
            revert ProductsAlreadyRegistered(gtin);
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
    /// @dev Withdrawing is open to a manufacturer in any status and while paused: a leaked key must be stoppable by the
    /// one account that can stop it, whatever else is wrong. It only ever clears the caller's own entries.
    function setSigner(address signer, bool allowed) external {
        if (allowed) {
            _requireRole(msg.sender, Role.Manufacturer);
        } else {
            (Role role, , ) = _REGISTRY.standing(msg.sender);
            if (role != Role.Manufacturer) revert UnauthorisedAccount(msg.sender, Role.Manufacturer);
        }
        if (signer == address(0)) revert LotsZeroAddress();
        // The manufacturer always signs for itself.
        if (signer == msg.sender) revert LotsInvalidSigner(signer, false);
        _signers[msg.sender][signer] = allowed;
        emit SignerAuthorised(msg.sender, signer, allowed);
    }

    /// @inheritdoc IProductLots
    /// @dev Lots bind their manufacturer at commissioning ({LotRecord.manufacturer}), so they are unaffected.
    function transferProduct(uint64 gtin, address successor) external {
        _requireCouncil();
        Product storage p = _products[gtin];
        if (p.status == ProductStatus.None) revert ProductsUnknownProduct(gtin);
        address from = p.manufacturer;
        if (_REGISTRY.stakeholder(from).status != StakeholderStatus.Revoked) {
            revert ProductsManufacturerNotRevoked(gtin, from);
        }
        (Role role, bool authorised) = _standing(successor);
        if (!authorised || role != Role.Manufacturer) revert ProductsInvalidSuccessor(gtin, successor);
        p.manufacturer = successor;
        emit ProductTransferred(gtin, from, successor);
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
        LotRecord storage rec = _lots[lotId];
        _refuseVoided(rec, digest);
        // Each signer is checked as it stands now, so a release with both signatures re-checks both.
        if (byManufacturer) _checkSignature(digest, att.manufacturer, manufacturerSignature, false);
        if (byRegulator) _checkSignature(digest, att.manufacturer, regulatorSignature, true);

        bool released = byManufacturer && byRegulator;
        _storeLot(rec, att, manufacturerSignature.signer, regulatorSignature.signer, released, digest);
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
        LotRecord storage rec = _lots[lotId];
        if (rec.status == LotStatus.None) revert LotsUnknownLot(lotId);
        if (rec.status == LotStatus.Released) revert LotsAlreadyReleased(lotId);
        if (rec.recalled) revert LotsAlreadyRecalled(lotId);
        if (rec.expiresAt <= block.timestamp) revert LotsAlreadyExpired(rec.expiresAt);
        _checkAttestation(att);
        // The GTIN and lot number are bound by the lot id, which _checkAttestation derived.
        if (
            rec.expiresAt != att.expiresAt ||
            rec.unitCount != att.unitCount ||
            rec.serialsRoot != att.serialsRoot ||
            rec.dataHash != att.dataHash ||
            rec.manufacturer != att.manufacturer
        ) revert LotsAttestationMismatch(lotId);
        _requireRole(att.manufacturer, Role.Manufacturer);
        if (sig.signer == address(0)) revert LotsMissingSignatures();

        // The missing place is the regulator's once the manufacturer has signed.
        bool asRegulator = rec.manufacturerSigned;
        address other = asRegulator ? _manufacturerSignerOf(rec) : rec.regulatorSigner;
        if (sig.signer == other) revert LotsInvalidSigner(sig.signer, asRegulator);
        // Releasing re-checks the first signer too: a regulator since suspended, revoked or lapsed, or a signer the
        // manufacturer has since withdrawn, no longer stands behind the lot (the manufacturer's own standing is above).
        if (!_mayStillSign(att.manufacturer, other, !asRegulator)) revert LotsInvalidSigner(other, !asRegulator);
        bytes32 digest = _hashTypedDataV4(_structHash(att));
        _refuseVoided(rec, digest);
        _checkSignature(digest, att.manufacturer, sig, asRegulator);
        if (asRegulator) rec.regulatorSigner = sig.signer;
        else _recordManufacturerSigner(rec, sig.signer);
        rec.status = LotStatus.Released;
        rec.releasedAt = uint40(block.timestamp);
        // Only a pending lot can be voided: a released one needs no digest (clearing the slot refunds most of its cost).
        delete rec.pendingDigest;
        emit LotSigned(lotId, sig.signer, asRegulator, sig.signature, att.deadline);
        emit LotReleased(lotId);
    }

    /// @inheritdoc IProductLots
    function recallLot(bytes32 lotId, bytes32 reasonHash) external {
        LotRecord storage rec = _lotRuledBy(lotId, msg.sender);
        if (rec.recalled) revert LotsAlreadyRecalled(lotId);
        rec.recalled = true;
        rec.recalledAt = uint40(block.timestamp);
        emit LotRecalled(lotId, msg.sender, reasonHash);
    }

    /// @inheritdoc IProductLots
    function voidLot(bytes32 lotId, bytes32 reasonHash) external {
        LotRecord storage rec = _lotRuledBy(lotId, msg.sender);
        if (rec.status != LotStatus.Pending) revert LotsNotPending(lotId);
        _voidedAttestations[rec.pendingDigest] = true;
        delete _lots[lotId];
        // Set again after the deletion, for good: from now on, attestations for this lot id are looked up in
        // _voidedAttestations.
        rec.voided = true;
        emit LotVoided(lotId, msg.sender, reasonHash);
    }

    /// @inheritdoc IProductLots
    /// @dev Deliberately not gated by the pause (remedial); `recalledAt` is cleared, so `lot()` shows no recall.
    function liftRecall(bytes32 lotId, bytes32 reasonHash) external {
        _requireCouncil();
        LotRecord storage rec = _lots[lotId];
        if (rec.status == LotStatus.None) revert LotsUnknownLot(lotId);
        if (!rec.recalled) revert LotsNotRecalled(lotId);
        rec.recalled = false;
        rec.recalledAt = 0;
        emit RecallLifted(lotId, msg.sender, reasonHash);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IProductLots
    function attestationDigest(LotAttestation calldata att) external view returns (bytes32) {
        return _hashTypedDataV4(_structHash(att));
    }

    /// @inheritdoc IProductLots
    /// @dev Named so that its selector (0xf953c1cf) sorts after those of `commissionLot`, `lotWord`, `lotWords`, `lot`
    /// and `product`: the dispatcher compares selectors in order, so they pay nothing for this view.
    function voidedAttestations(bytes32 digest) external view returns (bool) {
        return _voidedAttestations[digest];
    }

    /// @inheritdoc IProductLots
    function product(uint64 gtin) external view returns (Product memory) {
        return _products[gtin];
    }

    /// @inheritdoc IProductLots
    function lot(bytes32 lotId) external view returns (Lot memory v) {
        LotRecord storage rec = _lots[lotId];
        v.gtin = rec.gtin;
        v.manufacturer = rec.manufacturer;
        v.expiresAt = rec.expiresAt;
        v.unitCount = rec.unitCount;
        v.status = rec.status;
        v.recalled = rec.recalled;
        v.commissionedAt = rec.commissionedAt;
        v.releasedAt = rec.releasedAt;
        v.recalledAt = rec.recalledAt;
        v.serialsRoot = rec.serialsRoot;
        v.dataHash = rec.dataHash;
        v.manufacturerSigner = _manufacturerSignerOf(rec);
        v.regulatorSigner = rec.regulatorSigner;
    }

    /// @inheritdoc IProductLots
    function lotStanding(bytes32 lotId) external view returns (LotStanding memory s) {
        LotRecord storage rec = _lots[lotId];
        s.manufacturer = rec.manufacturer;
        s.unitCount = rec.unitCount;
        s.expiresAt = rec.expiresAt;
        s.status = rec.status;
        s.recalled = rec.recalled;
        s.serialsRoot = rec.serialsRoot;
    }

    /// @inheritdoc IProductLots
    function lotWord(bytes32 lotId) external view returns (uint256 word) {
        LotRecord storage rec = _lots[lotId];
        // The first slot of LotRecord: manufacturer, expiresAt, unitCount, status, recalled (tested against lot()).
        // Reading the packed word whole, in one SLOAD, takes assembly.
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            word := sload(rec.slot)
        }
    }

    /// @inheritdoc IProductLots
    function lotWords(bytes32 lotId) external view returns (uint256 word, bytes32 serialsRoot) {
        LotRecord storage rec = _lots[lotId];
        // The first slot of LotRecord, read whole as in {lotWord}.
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            word := sload(rec.slot)
        }
        serialsRoot = rec.serialsRoot;
    }

    /// @inheritdoc IProductLots
    function isSigner(address manufacturer, address signer) public view returns (bool) {
        return signer == manufacturer || _signers[manufacturer][signer];
    }

    /// @inheritdoc IProductLots
    function registry() external view returns (address) {
        return address(_REGISTRY);
    }

    // ------------------------------------------------------------------ internals

    /// @dev The caller must be the council: the registry's `DEFAULT_ADMIN_ROLE` (0x00) holder. Not gated by the pause.
    function _requireCouncil() private view {
        if (!_isCouncil(msg.sender)) revert LotsNotCouncil(msg.sender);
    }

    /// @dev A lot that `account` may recall or void: it is the lot's authorised manufacturer or a regulator.
    function _lotRuledBy(bytes32 lotId, address account) private view returns (LotRecord storage rec) {
        rec = _lots[lotId];
        if (rec.status == LotStatus.None) revert LotsUnknownLot(lotId);
        (Role role, bool authorised) = _standing(account);
        bool allowed =
            authorised && (role == Role.Regulator || (role == Role.Manufacturer && rec.manufacturer == account));
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

    /// @dev Records the lot from `att` in `rec`; a pending lot keeps `digest`, for {voidLot}.
    function _storeLot(
        LotRecord storage rec,
        LotAttestation calldata att,
        address manufacturerSigner,
        address regulatorSigner,
        bool released,
        bytes32 digest
    ) private {
        uint40 now_ = uint40(block.timestamp);
        rec.manufacturer = att.manufacturer;
        rec.expiresAt = uint40(att.expiresAt);
        rec.unitCount = att.unitCount;
        rec.status = released ? LotStatus.Released : LotStatus.Pending;
        rec.gtin = att.gtin;
        rec.commissionedAt = now_;
        if (released) rec.releasedAt = now_;
        rec.serialsRoot = att.serialsRoot;
        rec.dataHash = att.dataHash;
        if (regulatorSigner != address(0)) rec.regulatorSigner = regulatorSigner;
        if (manufacturerSigner != address(0)) _recordManufacturerSigner(rec, manufacturerSigner);
        if (!released) rec.pendingDigest = digest;
    }

    /// @dev Refuses an attestation that was voided. Only a lot id that was ever voided has voided attestations (the
    /// digest covers the lot id), so a lot never voided skips the look-up.
    function _refuseVoided(LotRecord storage rec, bytes32 digest) private view {
        if (rec.voided && _voidedAttestations[digest]) revert LotsAttestationVoided(digest);
    }

    function _manufacturerSignerOf(LotRecord storage rec) private view returns (address) {
        if (!rec.manufacturerSigned) return address(0);
        return rec.delegateSigner == address(0) ? rec.manufacturer : rec.delegateSigner;
    }

    function _recordManufacturerSigner(LotRecord storage rec, address signer) private {
        rec.manufacturerSigned = true;
        if (signer != rec.manufacturer) rec.delegateSigner = signer;
    }

    function _emitCommissioned(LotAttestation calldata att) private {
        emit LotCommissioned(
            att.lotId,
            att.gtin,
            att.manufacturer,
            att.lotNumber,
            att.expiresAt,
            att.unitCount,
            att.serialsRoot,
            att.dataHash
        );
    }

    function _checkSignature(
        bytes32 digest,
        address manufacturer,
        SignerSignature calldata sig,
        bool asRegulator
    ) private view {
        if (!_mayStillSign(manufacturer, sig.signer, asRegulator)) revert LotsInvalidSigner(sig.signer, asRegulator);
        if (!SignatureChecker.isValidSignatureNow(sig.signer, digest, sig.signature)) {
            revert LotsInvalidSignature(sig.signer);
        }
    }

    /// @dev Whether `signer` may sign now in the regulator's place (an authorised regulator) or in `manufacturer`'s (the
    /// manufacturer, whose own standing the callers check, or a signer it authorises).
    function _mayStillSign(address manufacturer, address signer, bool asRegulator) private view returns (bool) {
        return asRegulator ? _REGISTRY.isAuthorised(signer, Role.Regulator) : isSigner(manufacturer, signer);
    }

    function _structHash(LotAttestation calldata att) private pure returns (bytes32) {
        return
            keccak256(
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
