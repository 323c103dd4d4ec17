// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title Products and lots
 * @author PharmaChain
 * @notice Manufacturers register products (GTINs) that a regulator approves; lots of serialised packs are commissioned
 * with an EIP-712 `LotAttestation` signed by the manufacturer and by a regulator (EOAs or ERC-1271 wallets).
 * A lot with one of the two signatures is `Pending`; with both it is `Released`, and only then can its packs move.
 */
interface IProductLots {
    enum ProductStatus {
        None,
        Proposed,
        Approved,
        Rejected
    }

    enum LotStatus {
        None,
        Pending,
        Released
    }

    struct Product {
        address manufacturer;
        ProductStatus status;
        uint64 registeredAt;
    }

    /// @dev The normative EIP-712 message (docs/ARCHITECTURE.md section 5), field for field.
    struct LotAttestation {
        bytes32 lotId;
        uint64 gtin;
        string lotNumber;
        uint64 expiresAt;
        uint32 unitCount;
        bytes32 serialsRoot;
        bytes32 dataHash;
        address manufacturer;
        uint64 deadline;
    }

    /// @dev A signature and the account it is from; `signer == address(0)` means "not given".
    struct SignerSignature {
        address signer;
        bytes signature;
    }

    /// @dev A lot as the views return it.
    struct Lot {
        uint64 gtin;
        address manufacturer;
        uint64 expiresAt;
        uint32 unitCount;
        LotStatus status;
        bool recalled;
        uint64 commissionedAt;
        uint64 releasedAt;
        uint64 recalledAt;
        bytes32 serialsRoot;
        bytes32 dataHash;
        address manufacturerSigner;
        address regulatorSigner;
    }

    /// @dev What custody needs of a lot.
    struct LotStanding {
        address manufacturer;
        uint32 unitCount;
        uint64 expiresAt;
        LotStatus status;
        bool recalled;
        bytes32 serialsRoot;
    }

    /**
     * @notice A manufacturer registered a product, which awaits a regulator's approval.
     * @param gtin the product's GTIN-14 value.
     * @param manufacturer the manufacturer that registered it.
     * @param metadataHash the hash of the product's off-chain metadata.
     */
    event ProductRegistered(uint64 indexed gtin, address indexed manufacturer, bytes32 metadataHash);

    /**
     * @notice A regulator approved a product: lots of it can be commissioned.
     * @param gtin the product's GTIN-14 value.
     * @param regulator the regulator that approved it.
     */
    event ProductApproved(uint64 indexed gtin, address indexed regulator);

    /**
     * @notice A regulator rejected a product.
     * @param gtin the product's GTIN-14 value.
     * @param regulator the regulator that rejected it.
     * @param reasonHash the hash of the reason document.
     */
    event ProductRejected(uint64 indexed gtin, address indexed regulator, bytes32 reasonHash);

    /**
     * @notice A manufacturer allowed or stopped a signer of its lot attestations.
     * @param manufacturer the manufacturer.
     * @param signer the signer (a serialisation line's key, a Safe).
     * @param allowed whether the signer may now sign for the manufacturer.
     */
    event SignerAuthorised(address indexed manufacturer, address indexed signer, bool allowed);

    /**
     * @notice A lot was recorded from its attestation, `Pending` or already `Released`.
     * @dev Carries everything of the attestation but the signatures, which {LotSigned} carries.
     * @param lotId the lot's id, `keccak256(abi.encode(gtin, lotNumber))`.
     * @param gtin the product's GTIN-14 value.
     * @param manufacturer the lot's manufacturer.
     * @param lotNumber the lot number (GS1 AI 10).
     * @param expiresAt when the lot expires (unix seconds).
     * @param unitCount the number of packs in the lot.
     * @param serialsRoot the Merkle root of the lot's manifest of serials.
     * @param dataHash the SHA-256 of the lot's off-chain batch record.
     */
    event LotCommissioned(
        bytes32 indexed lotId,
        uint64 indexed gtin,
        address indexed manufacturer,
        string lotNumber,
        uint64 expiresAt,
        uint32 unitCount,
        bytes32 serialsRoot,
        bytes32 dataHash
    );

    /**
     * @notice A signature of a lot's attestation was accepted.
     * @dev One per signature, so anyone can re-check it off-chain against the attestation.
     * @param lotId the lot.
     * @param signer the account that signed.
     * @param byRegulator whether it signed in the regulator's place, else in the manufacturer's.
     * @param signature the signature (ECDSA or ERC-1271).
     * @param deadline the `deadline` of the attestation it signed.
     */
    event LotSigned(
        bytes32 indexed lotId,
        address indexed signer,
        bool indexed byRegulator,
        bytes signature,
        uint64 deadline
    );

    /**
     * @notice A lot has both signatures: its packs can move.
     * @param lotId the lot.
     */
    event LotReleased(bytes32 indexed lotId);

    /**
     * @notice A lot was recalled.
     * @param lotId the lot.
     * @param by the manufacturer or regulator that recalled it.
     * @param reasonHash the hash of the reason document.
     */
    event LotRecalled(bytes32 indexed lotId, address indexed by, bytes32 reasonHash);

    /**
     * @notice A `Pending` lot was voided: its record is deleted and its id free again.
     * @param lotId the lot.
     * @param by the manufacturer or regulator that voided it.
     * @param reasonHash the hash of the reason document.
     */
    event LotVoided(bytes32 indexed lotId, address indexed by, bytes32 reasonHash);

    /**
     * @notice The council lifted a mistaken recall: the lot reads not recalled again and its packs can move.
     * @param lotId the lot.
     * @param by the council (the registry's `DEFAULT_ADMIN_ROLE` holder) that lifted it.
     * @param reasonHash the hash of the reason document.
     */
    event RecallLifted(bytes32 indexed lotId, address indexed by, bytes32 reasonHash);

    /**
     * @notice The council moved a revoked manufacturer's product to a successor, which makes its lots from now on.
     * @param gtin the product's GTIN-14 value.
     * @param from the revoked manufacturer.
     * @param to the successor manufacturer.
     */
    event ProductTransferred(uint64 indexed gtin, address indexed from, address indexed to);

    /// @dev A GTIN must be a GTIN-14 value (14 digits at most) with a valid check digit.
    error ProductsInvalidGtin(uint64 gtin);
    error ProductsAlreadyRegistered(uint64 gtin);
    error ProductsUnknownProduct(uint64 gtin);
    error ProductsInvalidStatus(uint64 gtin, ProductStatus status);
    /// @dev A product moves only away from a manufacturer whose registry record is `Revoked`.
    error ProductsManufacturerNotRevoked(uint64 gtin, address manufacturer);
    /// @dev A product's successor must be an authorised manufacturer (active, licensed).
    error ProductsInvalidSuccessor(uint64 gtin, address successor);
    error LotsZeroAddress();
    error LotsZeroUnits();
    error LotsInvalidLotNumber(string lotNumber);
    /// @dev `lotId` is not `keccak256(abi.encode(gtin, lotNumber))`.
    error LotsInvalidLotId(bytes32 lotId, bytes32 expected);
    error LotsAlreadyExpired(uint64 expiresAt);
    /// @dev An expiry must be before 2^40 seconds (the year 36812): lots store it in 40 bits.
    error LotsInvalidExpiry(uint64 expiresAt);
    error LotsExpiredDeadline(uint64 deadline);
    error LotsProductNotApproved(uint64 gtin, ProductStatus status);
    /// @dev The attestation names another manufacturer than the product's.
    error LotsWrongManufacturer(uint64 gtin, address manufacturer, address expected);
    error LotsAlreadyCommissioned(bytes32 lotId);
    error LotsMissingSignatures();
    /// @dev `signer` may not sign this attestation in the place it was given for.
    error LotsInvalidSigner(address signer, bool asRegulator);
    /// @dev The signature does not verify for `signer` (a wrong key, another chain or contract, or high-s).
    error LotsInvalidSignature(address signer);
    error LotsUnknownLot(bytes32 lotId);
    /// @dev The re-supplied attestation differs from the commissioned lot.
    error LotsAttestationMismatch(bytes32 lotId);
    error LotsAlreadyReleased(bytes32 lotId);
    error LotsAlreadyRecalled(bytes32 lotId);
    /// @dev Only a `Pending` lot can be voided.
    error LotsNotPending(bytes32 lotId);
    /// @dev The attestation with EIP-712 digest `digest` was voided: it can never record or release a lot again.
    error LotsAttestationVoided(bytes32 digest);
    /// @dev `account` is not the council: the registry's `DEFAULT_ADMIN_ROLE` holder.
    error LotsNotCouncil(address account);
    /// @dev Only a recalled lot's recall can be lifted.
    error LotsNotRecalled(bytes32 lotId);

    /**
     * @notice Registers a product under the caller, awaiting a regulator's approval.
     * Requirements: the caller is an authorised manufacturer; `gtin` has a valid check digit and is new, or its
     * earlier registration was rejected.
     * Emits a {ProductRegistered} event.
     * @param gtin the product's GTIN-14 value.
     * @param metadataHash the hash of the product's off-chain metadata.
     */
    function registerProduct(uint64 gtin, bytes32 metadataHash) external;

    /**
     * @notice Approves a proposed product (the paper's ConfirmTrialDrug).
     * Requirements: the caller is an authorised regulator; the product is `Proposed`.
     * Emits a {ProductApproved} event.
     * @param gtin the product's GTIN-14 value.
     */
    function approveProduct(uint64 gtin) external;

    /**
     * @notice Rejects a proposed product.
     * Requirements: the caller is an authorised regulator; the product is `Proposed`.
     * Emits a {ProductRejected} event.
     * @param gtin the product's GTIN-14 value.
     * @param reasonHash the hash of the reason document.
     */
    function rejectProduct(uint64 gtin, bytes32 reasonHash) external;

    /**
     * @notice Lets `signer` (a serialisation line's key, a Safe) sign lot attestations for the caller, or stops it.
     * Withdrawing a signer is a defensive act (a leaked or lost key): any manufacturer may withdraw its own signers
     * whatever its status (suspended, revoked, licence lapsed), even while the protocol is paused.
     * Requirements: to allow, the caller is an authorised manufacturer and the protocol is not paused; to withdraw, the
     * caller is registered as a manufacturer; `signer` is neither zero nor the caller.
     * Emits a {SignerAuthorised} event.
     * @param signer the signer.
     * @param allowed true to let it sign, false to stop it.
     */
    function setSigner(address signer, bool allowed) external;

    /**
     * @notice Records a lot from its attestation and one or both signatures; anyone may submit.
     * Requirements: the attestation is well-formed (`lotId` derived from GTIN and lot number, units > 0, not expired,
     * deadline not passed); the product is approved and is the attestation's manufacturer's, who is authorised; the lot
     * is new; the attestation was not voided ({voidLot}); each given signature is from a signer allowed now (the
     * manufacturer or a signer it authorises; an authorised regulator), the two signers differ, and each signature
     * verifies (ECDSA low-s or ERC-1271).
     * Emits {LotCommissioned}, a {LotSigned} per signature, and {LotReleased} when both are given.
     * @param attestation the lot's attestation.
     * @param manufacturerSignature the signature in the manufacturer's place (`signer` 0: not given).
     * @param regulatorSignature the signature in the regulator's place (`signer` 0: not given).
     * @return lotId the lot's id.
     */
    function commissionLot(
        LotAttestation calldata attestation,
        SignerSignature calldata manufacturerSignature,
        SignerSignature calldata regulatorSignature
    ) external returns (bytes32 lotId);

    /**
     * @notice Adds the missing signature to a `Pending` lot, which is then `Released`.
     * Requirements: the lot is `Pending`, not recalled and not expired; `attestation` matches it (its `deadline` may differ from the
     * first signature's: each signature covers its own complete message, and each {LotSigned} event carries it);
     * that deadline has not passed and `attestation` was not voided; the manufacturer is authorised; `signature` is
     * from an allowed signer for the missing place, not the signer of the other place, and verifies; and the first
     * signer may still sign in its place (a regulator still authorised, a signer the manufacturer still authorises).
     * Emits {LotSigned} and {LotReleased}.
     * @param attestation the lot's attestation, as signed by the missing signer.
     * @param signature the missing signature.
     */
    function cosignLot(LotAttestation calldata attestation, SignerSignature calldata signature) external;

    /**
     * @notice Recalls a lot: its packs can then only go back to the manufacturer or be destroyed.
     * Requirements: the caller is the product's authorised manufacturer or an authorised regulator; the lot exists and
     * is not recalled.
     * Emits a {LotRecalled} event.
     * @param lotId the lot.
     * @param reasonHash the hash of the reason document.
     */
    function recallLot(bytes32 lotId, bytes32 reasonHash) external;

    /**
     * @notice Voids a `Pending` lot, freeing its id: a lot recorded from a draft or stale attestation with one
     * signature must not block the lot number for good. A pending lot's packs never moved, so nothing else refers to it.
     * The attestation the lot was recorded from is voided for good (see {voidedAttestations}): it and its signatures,
     * which anyone can rebuild from the events, can never record or release a lot again; a corrected attestation (any
     * field different, such as a new deadline) can.
     * Requirements: the caller is the product's authorised manufacturer or an authorised regulator; the lot is
     * `Pending`.
     * Emits a {LotVoided} event.
     * @param lotId the lot.
     * @param reasonHash the hash of the reason document.
     */
    function voidLot(bytes32 lotId, bytes32 reasonHash) external;

    /**
     * @notice Lifts a mistaken recall: the lot reads not recalled, its `recalledAt` is cleared (the {LotRecalled} and
     * {RecallLifted} events keep the history), and custody, which reads the recalled bit of {lotWord}, lets its packs
     * move again; a pending lot can be co-signed again, and the lot can be recalled again.
     * Lifting a recall is remedial, so it works while the protocol is paused.
     * Requirements: the caller is the council (the registry's `DEFAULT_ADMIN_ROLE` holder); the lot exists and is
     * recalled.
     * Emits a {RecallLifted} event.
     * @param lotId the lot.
     * @param reasonHash the hash of the reason document.
     */
    function liftRecall(bytes32 lotId, bytes32 reasonHash) external;

    /**
     * @notice Moves a revoked manufacturer's product to a successor account (a merger, a lost key). From then on the
     * successor, and the signers it authorises, attest and commission the product's new lots; the revoked manufacturer
     * can no longer. Lots already recorded are unaffected: each keeps the manufacturer recorded at commissioning as its
     * manufacturer and signer of record (only a regulator can now recall or void them, and a lot still pending on the
     * revoked manufacturer cannot be released, only voided). The product keeps its status.
     * Requirements: the caller is the council (the registry's `DEFAULT_ADMIN_ROLE` holder); the protocol is not paused
     * (a transfer is not remedial); the product is registered; its manufacturer's registry record is `Revoked`;
     * `successor` is an authorised manufacturer.
     * Emits a {ProductTransferred} event.
     * @param gtin the product's GTIN-14 value.
     * @param successor the manufacturer that takes the product over.
     */
    function transferProduct(uint64 gtin, address successor) external;

    /**
     * @notice The EIP-712 digest a signer signs for `attestation` on this chain and contract.
     * @param attestation the attestation.
     * @return The EIP-712 digest.
     */
    function attestationDigest(LotAttestation calldata attestation) external view returns (bytes32);

    /**
     * @notice Whether the attestation with EIP-712 digest `digest` (see {attestationDigest}) was voided by {voidLot}:
     * it can then never record or release a lot.
     * @param digest the attestation's EIP-712 digest.
     * @return Whether the attestation was voided.
     */
    function voidedAttestations(bytes32 digest) external view returns (bool);

    /**
     * @notice The product registered under `gtin` (all zero when none is).
     * @param gtin the product's GTIN-14 value.
     * @return The product.
     */
    function product(uint64 gtin) external view returns (Product memory);

    /**
     * @notice The lot `lotId` (all zero when there is none), with its signers and the times of its changes.
     * @param lotId the lot.
     * @return The lot.
     */
    function lot(bytes32 lotId) external view returns (Lot memory);

    /**
     * @notice The lot's manufacturer, size, expiry, status and manifest root.
     * @param lotId the lot.
     * @return The lot's standing (status `None` when there is no lot).
     */
    function lotStanding(bytes32 lotId) external view returns (LotStanding memory);

    /**
     * @notice The lot's first storage word, as custody reads it on every operation at the least gas:
     * `manufacturer | expiresAt << 160 | unitCount << 200 | status << 232 | recalled << 240` (all zero: no lot).
     * @param lotId the lot.
     * @return word the lot's first storage word.
     */
    function lotWord(bytes32 lotId) external view returns (uint256 word);

    /**
     * @notice {lotWord} and the lot's `serialsRoot`.
     * @param lotId the lot.
     * @return word the lot's first storage word.
     * @return serialsRoot the Merkle root of the lot's manifest.
     */
    function lotWords(bytes32 lotId) external view returns (uint256 word, bytes32 serialsRoot);

    /**
     * @notice Whether `signer` may sign lot attestations in `manufacturer`'s place: the manufacturer itself or a signer
     * it authorised.
     * @param manufacturer the manufacturer.
     * @param signer the account.
     * @return Whether `signer` may sign for `manufacturer`.
     */
    function isSigner(address manufacturer, address signer) external view returns (bool);

    /**
     * @notice The registry this contract takes roles and the pause switch from.
     * @return The stakeholder registry's address.
     */
    function registry() external view returns (address);
}
